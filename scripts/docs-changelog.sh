#!/usr/bin/env bash
# CHANGELOG.md from changelogs/fragments/*.yml with antsibull-changelog.
#
#   scripts/docs-changelog.sh DATE           write CHANGELOG.md
#   scripts/docs-changelog.sh DATE --check   fail when CHANGELOG.md is not what the fragments give
#
# The release (version from galaxy.yml, dated DATE) is made in a throw-away copy of
# the collection, so the fragments stay in changelogs/fragments/ and
# changelogs/changelog.yaml is not touched until the version is really released.
set -euo pipefail
date=${1:?usage: docs-changelog.sh YYYY-MM-DD [--check]}
mode=${2:-write}
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/.venv/bin:$PATH"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/changelog.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$("$root/scripts/collection-tree.sh" "$tmp")
version=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$tree/galaxy.yml")
cd "$tree"
export ANSIBLE_COLLECTIONS_PATH="$tmp" ANSIBLE_HOME="$tmp/.ansible"
antsibull-changelog lint
antsibull-changelog release --version "$version" --date "$date" >/dev/null
if [ "$mode" = "--check" ]; then
    if ! diff -u "$root/CHANGELOG.md" "$tree/CHANGELOG.md"; then
        echo "CHANGELOG.md is not what changelogs/fragments/ give: run 'make changelog' and commit it" >&2
        exit 1
    fi
    echo "CHANGELOG.md is current ($version, $(find "$root/changelogs/fragments" -maxdepth 1 -name '*.yml' | wc -l) fragments)"
else
    cp "$tree/CHANGELOG.md" "$root/CHANGELOG.md"
    echo "wrote CHANGELOG.md ($version, $(find "$root/changelogs/fragments" -maxdepth 1 -name '*.yml' | wc -l) fragments)"
fi
