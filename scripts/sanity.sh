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
pip_bootstrap="$cache/get_pip_24_2.py"
if [ ! -f "$pip_bootstrap" ]; then
    echo "sanity: installing the offline pip bootstrap stand-in as $pip_bootstrap"
    cp "$root/scripts/get-pip-standin.py" "$pip_bootstrap"
fi

# The shellcheck test is skipped (with a warning) without the program: install
# the distribution's package when it is missing and we may (root with apt-get).
if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "sanity: installing shellcheck (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends shellcheck >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends shellcheck >/dev/null 2>&1; } \
        || echo "sanity: could not install shellcheck; its test will be skipped"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sanity.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$("$root/scripts/collection-tree.sh" "$tmp")
echo "sanity: testing a copy of the tracked files in $tree"
cd "$tree"
# ansible-test treats a directory without .git as "all files are in scope".
export PATH="$root/.venv/bin:$PATH"
ansible-test sanity --local --python "$python_version" --color no "$@"
