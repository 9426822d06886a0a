"""Limits on what a client may send, checked before any lock is taken.

Every limit here bounds the work one request can cause, so a careless or
hostile client cannot stall the other clients of the server.
"""

from __future__ import annotations

import json

from .util import bad_request

MAX_BODY_BYTES = 1024 * 1024  # a larger request body is refused with 400
MAX_DEPTH = 32  # nesting of objects and arrays in a request body
MAX_INTEGER_DIGITS = 18  # integers in a body stay within 64 bits
MAX_TAGS = 500
MAX_FIELDS = 1000
MAX_SECTIONS = 500
MAX_URLS = 500
MAX_PATCH_OPERATIONS = 1000


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError("integer %s... has more than %d digits" % (text[:12], MAX_INTEGER_DIGITS))
    return int(text)


def _parse_constant(name: str):
    raise ValueError("%s is not valid JSON" % name)


def depth(value) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse_json(raw: bytes):
    """A request body as JSON; 400 when it is not UTF-8 JSON within the limits."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("Invalid JSON in request body: not UTF-8") from None
    try:
        value = json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except RecursionError:
        raise bad_request("Invalid request body: nested deeper than %d levels" % MAX_DEPTH) from None
    except ValueError as exc:
        raise bad_request("Invalid JSON in request body: %s" % exc) from None
    if depth(value) > MAX_DEPTH:
        raise bad_request("Invalid request body: nested deeper than %d levels" % MAX_DEPTH)
    try:
        # Escapes such as \ud800 decode to lone surrogates, which cannot be stored.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request("Invalid JSON in request body: a string holds a lone UTF-16 surrogate") from None
    return value


def check_count(values, limit: int, what: str) -> None:
    if isinstance(values, list) and len(values) > limit:
        raise bad_request("Invalid %s: at most %d are allowed, got %d" % (what, limit, len(values)))


def check_item_counts(body) -> None:
    """The list sizes of an item body (POST, PUT, or a PATCH result)."""
    if not isinstance(body, dict):
        return
    check_count(body.get("tags"), MAX_TAGS, "tags")
    check_count(body.get("fields"), MAX_FIELDS, "fields")
    check_count(body.get("sections"), MAX_SECTIONS, "sections")
    check_count(body.get("urls"), MAX_URLS, "urls")
