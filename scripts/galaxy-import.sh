#!/usr/bin/env bash
# Galaxy's own import checks on the collection tarball, offline: galaxy-importer
# (the program Galaxy runs on every upload) with the settings of
# tests/release/galaxy-importer.cfg: metadata, ansible-doc of every plugin,
# flake8 as Galaxy runs it, ansible-lint. Fails on an error or on any warning.
#
#   scripts/galaxy-import.sh [TARBALL]   (default: build a fresh one)
#
# galaxy-importer lives in a venv of its own (build/venvs/galaxy-importer),
# so .venv is untouched. community.docker, which the role uses, comes from the
# ansible package in .venv, so ansible-lint resolves its modules offline.
# Galaxy's importer is a warnings-only tool: this script makes every warning fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/release"
mkdir -p "$work"
venv=$("$root/scripts/release-venv.sh" galaxy-importer python3 "$root/requirements/release/galaxy-importer.txt")
tarball=${1:-$("$root/scripts/build-collection.sh" "$work/dist" 2>"$work/build.log")}
# The importer points ansible-lint at its own unpacked copy only; Ansible also
# finds collections under ansible_collections/ on sys.path, so the dependency
# is linked there, in the importer's venv, from the ansible package in .venv.
purelib() { "$1" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }
docker_src="$(purelib "$root/.venv/bin/python")/ansible_collections/community/docker"
[ -d "$docker_src" ] || { echo "galaxy-import: community.docker is missing from .venv (make setup)" >&2; exit 1; }
mkdir -p "$(purelib "$venv/bin/python")/ansible_collections/community"
ln -sfn "$docker_src" "$(purelib "$venv/bin/python")/ansible_collections/community/docker"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/galaxy-import.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$work/galaxy-importer.log"
echo "galaxy-import: $(basename "$tarball") with $("$venv/bin/python" -m pip --disable-pip-version-check list 2>/dev/null | awk '$1 == "galaxy-importer" || $1 == "galaxy_importer" {print $1" "$2}') (log: ${log#"$root"/})"
status=0
( cd "$tmp" && env PATH="$venv/bin:$PATH" GALAXY_IMPORTER_CONFIG="$root/tests/release/galaxy-importer.cfg" \
    ANSIBLE_HOME="$tmp/.ansible" ANSIBLE_LOCAL_TEMP="$tmp/.ansible/tmp" \
    "$venv/bin/python" -m galaxy_importer.main "$tarball" ) >"$log" 2>&1 || status=$?
problems=$(grep -E '^(WARNING|ERROR|CRITICAL)' "$log" || true)
if [ "$status" != 0 ] || [ -n "$problems" ] || ! grep -q 'Importer processing completed successfully' "$log"; then
    if [ -n "$problems" ]; then printf '%s\n' "$problems"; else tail -n 30 "$log"; fi
    echo "galaxy-import: FAILED (exit $status; $(printf "%s" "$problems" | grep -c . || true) warnings or errors)"
    exit 1
fi
echo "galaxy-import: the import succeeds with no warning"
