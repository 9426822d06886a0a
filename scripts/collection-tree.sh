#!/usr/bin/env bash
# Copy the checkout's files (tracked, plus new files not ignored by .gitignore)
# into DEST/ansible_collections/secretops/onepassword and print that path.
# Used by `make sanity`: ansible-test wants the collection at that path, and
# only the files git knows about (no .venv, no build output).
set -euo pipefail
dest=${1:?usage: collection-tree.sh DEST}
root=$(cd "$(dirname "$0")/.." && pwd)
tree="$dest/ansible_collections/secretops/onepassword"
rm -rf "$tree"
mkdir -p "$tree"
cd "$root"
# --cached lists deleted-but-tracked files too: keep only those that exist.
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && [ ! -d "$f" ] && printf '%s\0' "$f"; done \
    | sort -zu \
    | tar --null --files-from=- --create --file=- \
    | tar --extract --file=- --directory="$tree"
echo "$tree"
