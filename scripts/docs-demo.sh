#!/usr/bin/env bash
# Run the demo (scripts/demo.sh) and write its output, as printed, into docs/demo.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$(mktemp "${TMPDIR:-/tmp}/demo-output.XXXXXX")
trap 'rm -f "$out"' EXIT
scripts/demo.sh >"$out" 2>&1 || { cat "$out"; echo "the demo failed: docs/demo.md not changed" >&2; exit 1; }
{
    cat <<'MD'
# The demo: `make demo`

`make demo` builds the collection tarball, installs it offline into `./collections`,
starts `connect-dev` seeded with `examples/demo-seed.yml`, issues a token, runs
`examples/demo.yml` with `ansible-playbook` and stops the server. Each part of the
playbook shows one feature and asserts what it shows, so the demo fails if the
collection stops doing what it says. No value of a secret is printed: the diff of
the item module shows `<hidden, changed>`, and the token appears nowhere (the demo
checks the server log for it).

The output below is from a real run (`make demo-docs` runs the demo and writes it
here; the port and sizes vary from run to run):

```text
MD
    sed -e 's/\x1b\[[0-9;]*m//g' "$out"
    printf '```\n'
} >docs/demo.md
echo "wrote docs/demo.md ($(wc -l <"$out") lines of demo output)"
