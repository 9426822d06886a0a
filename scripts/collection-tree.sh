#!/usr/bin/env bash
# Copy the checkout's files (tracked, plus new files not ignored by .gitignore;
# in a tree without .git, every file .gitignore does not exclude) into
# DEST/ansible_collections/secretops/onepassword and print that path.
# Used by `make sanity`: ansible-test wants the collection at that path, and
# only the files git knows about (no .venv, no build output).
set -euo pipefail
dest=${1:?usage: collection-tree.sh DEST}
root=$(cd "$(dirname "$0")/.." && pwd)
tree="$dest/ansible_collections/secretops/onepassword"
rm -rf "$tree"
mkdir -p "$tree"
cd "$root"
# The files of the source tree, NUL-separated. In a git checkout: git's list
# (--cached lists deleted-but-tracked files too: the loop below drops those).
# In an unpacked source tarball (no .git): every file except what .gitignore
# names (virtualenv, build output, installed collections, caches).
source_files() {
    if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
        git ls-files -z --cached --others --exclude-standard
    else
        find . \( -path ./.git -o -path ./.venv -o -path ./collections -o -path ./.demo \
                  -o -path ./tests/output -o -name build -o -name dist -o -name __pycache__ \
                  -o -name .pytest_cache -o -name .hypothesis -o -name '*.egg-info' \) -prune \
            -o \( -type f -o -type l \) ! -name '*.pyc' ! -name .venv.lock \
               ! -name 'secretops-onepassword-*.tar.gz' -printf '%P\0'
    fi
}
source_files \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && [ ! -d "$f" ] && printf '%s\0' "$f"; done \
    | sort -zu \
    | tar --null --files-from=- --create --file=- \
    | tar --extract --file=- --directory="$tree"
echo "$tree"
