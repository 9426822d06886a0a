#!/usr/bin/env bash
# Create (or bring up to date) the project virtualenv from requirements/*.txt
# and install the dev server package in editable mode.
set -euo pipefail
venv=${1:-.venv}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Several make runs may share one checkout: install one at a time.
exec 9>"$root/.venv.lock"
flock 9

if [ ! -x "$venv/bin/python" ]; then
    echo "setup: creating $venv"
    python3 -m venv "$venv"
fi
args=()
for req in requirements/*.txt; do
    args+=(-r "$req")
done
echo "setup: installing pinned dependencies (${args[*]})"
"$venv/bin/python" -m pip install --quiet --upgrade pip==24.2
"$venv/bin/python" -m pip install --quiet "${args[@]}"
if [ -f devserver/pyproject.toml ]; then
    echo "setup: installing the dev server (connect-dev)"
    "$venv/bin/python" -m pip install --quiet --no-deps -e ./devserver
fi
echo "setup: done"
