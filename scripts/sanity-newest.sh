#!/usr/bin/env bash
# ansible-test sanity of the newest supported ansible-core (2.21, Python 3.13),
# in its own venv (build/venvs/core-2.21), on a temporary copy of the
# collection, no ignore files. `make sanity` runs the development venv's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON313:-/root/.pyenv/versions/3.13.0/bin/python}
venv=$("$root/scripts/release-venv.sh" core-2.21 "$python" "$root/requirements/release/core-2.21.txt")
# ansible-test bootstraps pip in its venvs with a downloaded get-pip script:
# give it the offline stand-in under the name this ansible-test asks for.
pip_version=$(grep -ohE "pip='[0-9.]+'" "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py \
    | head -n 1 | tr -dc '0-9.')
[ -n "$pip_version" ] || { echo "sanity-newest: cannot tell which pip ansible-test bootstraps" >&2; exit 1; }
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
[ -f "$cache/get_pip_${pip_version//./_}.py" ] || cp "$root/scripts/get-pip-standin.py" "$cache/get_pip_${pip_version//./_}.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sanity-newest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$("$root/scripts/collection-tree.sh" "$tmp")
echo "sanity-newest: $("$venv/bin/ansible-test" --version) on $tree"
cd "$tree"
PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --venv --python 3.13 --color no "$@"
