#!/usr/bin/env bash
# make docs: the docs site in DEST/html, offline.
#   1. antsibull-docs sphinx-init + collection: one page per plugin and the role, from
#      their own documentation (the collection is found through build/collections);
#   2. the guides (README.md, docs/*.md, the role's README) as Markdown pages (MyST);
#   3. sphinx-build. Prints the number of pages and of Sphinx warnings.
set -euo pipefail
dest=${1:?usage: docs-build.sh DEST}
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/build/collections"
export ANSIBLE_HOME="$dest/.ansible"
rm -rf "$dest"
mkdir -p "$dest"
site="$dest/site"
mkdir -m 700 "$site"
antsibull-docs sphinx-init --use-current --dest-dir "$site" secretops.onepassword >/dev/null
cd "$site"
# Offline: no intersphinx inventories; Markdown guides through MyST.
cat >>conf.py <<'PY'

project = 'secretops.onepassword'
title = html_short_title = 'secretops.onepassword'
intersphinx_mapping = {}
extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
nitpicky = False
suppress_warnings = ['myst.header', 'myst.xref_missing', 'misc.highlighting_failure']
PY
mkdir -p rst
chmod og-w rst
antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current \
    --dest-dir rst secretops.onepassword >/dev/null
mkdir -p rst/guides
cp "$root"/docs/*.md rst/guides/
cp "$root/README.md" rst/guides/readme.md
cp "$root/roles/connect_server/README.md" rst/guides/connect_server_role.md
cp "$root/CHANGELOG.md" rst/guides/changelog.md
# Links between the guides: README.md's docs/x.md and the guides' ../roles/.../README.md.
sed -i -e 's#](docs/\([a-z-]*\.md\)#](\1#g' rst/guides/readme.md
sed -i -e 's#](CHANGELOG.md)#](changelog.md)#g' rst/guides/readme.md
sed -i -e 's#](\.\./roles/connect_server/README\.md)#](connect_server_role.md)#g' rst/guides/*.md
guides=$(cd rst/guides && for f in *.md; do
    case $f in readme.md | index.md | changelog.md) ;; *) echo "${f%.md}" ;; esac
done | sort)
{
    printf '.. _docsite_root_index:\n\nsecretops.onepassword\n=====================\n\n'
    printf '1Password Connect as a secrets backend for Ansible.\n\n'
    printf '.. toctree::\n   :maxdepth: 1\n   :caption: Guides:\n\n   guides/index\n   guides/readme\n'
    for g in $guides; do printf '   guides/%s\n' "$g"; done
    printf '   guides/changelog\n\n'
    printf '.. toctree::\n   :maxdepth: 2\n   :caption: Plugins and roles:\n\n   collections/index\n\n'
    printf '.. toctree::\n   :maxdepth: 1\n   :caption: Indexes:\n   :glob:\n\n   collections/index_*\n   collections/environment_variables\n'
} >rst/index.rst
sphinx-build -q -b html rst "$dest/html" -c . --keep-going 2>"$dest/warnings.log" || {
    cat "$dest/warnings.log" >&2; exit 1; }
pages=$(find "$dest/html" -name '*.html' | wc -l)
warnings=$(grep -c 'WARNING' "$dest/warnings.log" || true)
echo "docs: $pages pages in $dest/html ($warnings Sphinx warnings, see $dest/warnings.log)"
