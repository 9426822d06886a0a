#!/usr/bin/env bash
# ansible-test sanity on a temporary copy of the collection (tracked files
# plus new files not ignored by git), with Python 3.11, no ignore files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python_version=${SANITY_PYTHON:-3.11}

# ansible-test's virtualenvs bootstrap pip with a script it downloads; provide
# an offline stand-in when it is not cached yet.
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
# ansible-core 2.19 bootstraps pip 24.2 in its virtualenvs.
for v in 24_2; do
    if [ ! -f "$cache/get_pip_$v.py" ]; then
        echo "sanity: installing the offline pip bootstrap stand-in as $cache/get_pip_$v.py"
        cp "$root/scripts/get-pip-standin.py" "$cache/get_pip_$v.py"
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sanity.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$("$root/scripts/collection-tree.sh" "$tmp")
echo "sanity: testing a copy of the tracked files in $tree"
cd "$tree"
# ansible-test treats a directory without .git as "all files are in scope".
export PATH="$root/.venv/bin:$PATH"
ansible-test sanity --local --python "$python_version" --color no "$@"
