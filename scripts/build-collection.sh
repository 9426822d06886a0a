#!/usr/bin/env bash
# Build the collection tarball from the checkout's tracked (and new, not
# ignored) files, so local clutter never ends up in it. Prints the tarball path.
set -euo pipefail
out=${1:-build/dist}
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/.venv/bin:$PATH"
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/collection-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$("$root/scripts/collection-tree.sh" "$tmp")
ansible-galaxy collection build "$tree" --output-path "$out" --force >&2
version=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$tree/galaxy.yml")
echo "$out/secretops-onepassword-$version.tar.gz"
