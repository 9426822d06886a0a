#!/usr/bin/env bash
# Create (or reuse) a virtualenv of its own for one release check.
#
#   scripts/release-venv.sh NAME PYTHON REQUIREMENTS_FILE
#
# The venv is build/venvs/NAME; it is rebuilt only when the requirements file
# or the interpreter changes. Prints the venv's path.
set -euo pipefail
name=${1:?usage: release-venv.sh NAME PYTHON REQUIREMENTS_FILE}
python=${2:?python interpreter}
req=${3:?requirements file}
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/build/venvs/$name"
[ -x "$python" ] || command -v "$python" >/dev/null 2>&1 \
    || { echo "release-venv: $name needs $python, which is not installed" >&2; exit 1; }
stamp=$( { "$python" -c 'import sys; print(sys.version)'; cat "$req"; } | sha256sum | cut -c1-16)
mkdir -p "$root/build/venvs"
exec 9>"$venv.lock"
flock 9
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "release-venv: creating $venv ($(basename "$req"))" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >"$venv.log" 2>&1 \
        || { tail -n 20 "$venv.log" >&2; echo "release-venv: could not install $req" >&2; exit 1; }
    echo "$stamp" >"$venv/.stamp"
fi
echo "$venv"
