# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Extract the collection's examples: the EXAMPLES block of every lookup and
module, and every ```yaml block of README.md and docs/*.md.

A markdown block may be preceded by a marker comment on the line before its fence:

    <!-- docs-test: syntax-only: <why it cannot run here> -->   only ansible-playbook --syntax-check
    <!-- docs-test: vars -->      play variables: run in a play that templates each of them
    <!-- docs-test: seed -->      a connect-dev seed file: seeded into the dev server
    <!-- docs-test: data -->      other YAML: must parse

An EXAMPLES block may start with the YAML comment ``# docs-test: syntax-only: <why>``.
Unmarked blocks must be a playbook (a list of plays) or a list of tasks; they are run.
The yaml blocks of roles/*/README.md (plays for Docker hosts) are syntax-checked.
"""

from __future__ import annotations

import ast
import glob
import os
import re

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Guides owned by other parts of the repository that are not checked here.
SKIPPED_DOCS = ("docs/hardening.md",)

_MARKER = re.compile(r"docs-test:\s*(?P<kind>syntax-only|vars|seed|data)\b(?::\s*(?P<reason>.*?))?\s*(?:-->)?\s*$")
_FENCE = re.compile(r"^```(?P<lang>[A-Za-z0-9_-]*)\s*$")


class Snippet(object):
    def __init__(self, source, line, text, marker=None, reason=None):
        self.source = source          # repository path
        self.line = line              # line of the block's first line in the source
        self.text = text
        self.marker = marker          # None (run), syntax-only, vars, seed, data
        self.reason = reason
        try:
            self.data = yaml.safe_load(text)
            self.error = None
        except yaml.YAMLError as exc:
            self.data = None
            self.error = str(exc)

    @property
    def id(self):
        return "%s:%d" % (self.source, self.line)

    @property
    def kind(self):
        """playbook, tasks, or the marker; 'unknown' for an unmarked block that is neither."""
        if self.error:
            return "invalid"
        if self.marker in ("vars", "seed", "data"):
            return self.marker
        if isinstance(self.data, list) and self.data and all(isinstance(x, dict) for x in self.data):
            if all("hosts" in x or "import_playbook" in x for x in self.data):
                return "playbook"
            if not any("hosts" in x for x in self.data):
                return "tasks"
        return "unknown"

    def __repr__(self):
        return "Snippet(%s, %s)" % (self.id, self.marker or self.kind)


def plugin_examples():
    found = []
    for path in sorted(glob.glob(os.path.join(REPO, "plugins", "lookup", "*.py"))
                       + glob.glob(os.path.join(REPO, "plugins", "modules", "*.py"))):
        if os.path.basename(path).startswith("_"):
            continue
        with open(path) as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and getattr(node.targets[0], "id", None) == "EXAMPLES"):
                text = node.value.value
                marker = reason = None
                first = [line for line in text.splitlines() if line.strip()][:1]
                match = _MARKER.search(first[0]) if first and first[0].lstrip().startswith("#") else None
                if match:
                    marker, reason = match.group("kind"), match.group("reason")
                found.append(Snippet(os.path.relpath(path, REPO), node.lineno, text, marker, reason))
    return found


def markdown_files():
    paths = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    return [os.path.relpath(p, REPO) for p in paths if os.path.relpath(p, REPO) not in SKIPPED_DOCS]


def markdown_snippets(relpath):
    found = []
    with open(os.path.join(REPO, relpath)) as handle:
        lines = handle.read().splitlines()
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        start = index
        end = start + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if fence.group("lang") in ("yaml", "yml"):
            marker = reason = None
            previous = start - 1
            while previous >= 0 and not lines[previous].strip():
                previous -= 1
            if previous >= 0 and lines[previous].strip().startswith("<!--"):
                match = _MARKER.search(lines[previous])
                if match:
                    marker, reason = match.group("kind"), match.group("reason")
            found.append(Snippet(relpath, start + 2, "\n".join(lines[start + 1:end]) + "\n", marker, reason))
        index = end + 1
    return found


def role_readme_snippets():
    """The yaml blocks of each role's README: plays deploying Connect with Docker on
    real hosts, so they are syntax-checked (with the role resolved), not run."""
    found = []
    for path in sorted(glob.glob(os.path.join(REPO, "roles", "*", "README.md"))):
        for snippet in markdown_snippets(os.path.relpath(path, REPO)):
            if snippet.marker is None:
                snippet.marker, snippet.reason = "syntax-only", "a role play for Docker hosts"
            found.append(snippet)
    return found


def all_snippets():
    snippets = plugin_examples()
    for relpath in markdown_files():
        snippets.extend(markdown_snippets(relpath))
    snippets.extend(role_readme_snippets())
    return snippets
