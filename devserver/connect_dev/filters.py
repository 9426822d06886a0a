"""SCIM-like filters: `title eq "X"`, `tag eq "X"`, `title co "X"`, `name eq "X"`.

Operators: eq (exact, case-sensitive), co (contains, case-insensitive),
sw (starts with, case-insensitive), pr (present).  Expressions can be joined
with `and` / `or` (left to right, `and` binding tighter).
"""

from __future__ import annotations

import re

from .util import bad_request

VAULT_ATTRIBUTES = ("name", "title")
ITEM_ATTRIBUTES = ("title", "tag")
OPERATORS = ("eq", "co", "sw", "pr")

_TOKEN_RE = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<word>[^\s"]+)|(?P<bad>"))')


def _tokenize(text: str) -> list:
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            break
        if match.group("bad"):
            raise bad_request("Invalid filter %r: unterminated or stray quote" % text)
        if match.group("string") is not None:
            raw = match.group("string")[1:-1]
            tokens.append(("string", re.sub(r"\\(.)", r"\1", raw)))
        else:
            tokens.append(("word", match.group("word")))
        pos = match.end()
    return tokens


def parse(text: str, attributes) -> list | None:
    """Return a list of OR-groups of AND-ed (attr, op, value) terms, or None (no filter)."""
    if text is None or not text.strip():
        return None
    tokens = _tokenize(text)
    groups = [[]]
    i = 0
    while True:
        if i >= len(tokens) or tokens[i][0] != "word":
            raise bad_request("Invalid filter %r: expected an attribute name" % text)
        attr = tokens[i][1]
        if attr.lower() not in attributes:
            raise bad_request("Invalid filter %r: unsupported attribute %r (use %s)" % (text, attr, " or ".join(attributes)))
        if i + 1 >= len(tokens) or tokens[i + 1][0] != "word":
            raise bad_request("Invalid filter %r: expected an operator after %r" % (text, attr))
        op = tokens[i + 1][1].lower()
        if op not in OPERATORS:
            raise bad_request("Invalid filter %r: unsupported operator %r (use eq, co, sw or pr)" % (text, tokens[i + 1][1]))
        if op == "pr":
            groups[-1].append((attr.lower(), op, None))
            i += 2
        else:
            if i + 2 >= len(tokens) or tokens[i + 2][0] != "string":
                raise bad_request('Invalid filter %r: the value must be a double-quoted string, e.g. %s %s "name"' % (text, attr, op))
            groups[-1].append((attr.lower(), op, tokens[i + 2][1]))
            i += 3
        if i == len(tokens):
            return groups
        joiner = tokens[i]
        if joiner[0] != "word" or joiner[1].lower() not in ("and", "or"):
            raise bad_request("Invalid filter %r: unexpected %r" % (text, joiner[1]))
        if joiner[1].lower() == "or":
            groups.append([])
        i += 1


def _term(values, op: str, wanted) -> bool:
    if not isinstance(values, list):
        values = [values]
    values = [v for v in values if isinstance(v, str)]
    if op == "pr":
        return any(values)
    if op == "eq":
        return wanted in values
    low = wanted.lower()
    if op == "co":
        return any(low in v.lower() for v in values)
    return any(v.lower().startswith(low) for v in values)


def matches(groups, obj: dict) -> bool:
    if not groups:
        return True
    return any(all(_term(obj.get(attr), op, val) for attr, op, val in group) for group in groups)
