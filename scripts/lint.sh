#!/usr/bin/env bash
# ansible-lint (production profile) over a copy of the collection's tracked
# files laid out as ansible_collections/secretops/onepassword, offline: the
# collection's dependency community.docker comes from the installed ansible
# package, never from Galaxy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/.venv/bin:$PATH"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$("$root/scripts/collection-tree.sh" "$tmp")
cd "$tree"
export ANSIBLE_COLLECTIONS_PATH="$tmp"
export ANSIBLE_HOME="$tmp/.ansible"
# --offline: no Galaxy; requirements are already installed.
ansible-lint --profile production --offline --nocolor "$@"
