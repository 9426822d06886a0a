"""RFC 6902 JSON Patch (add / remove / replace) on an item document.

Field paths address fields by id, not by index: /fields/{fieldId}[/attr...].
The result is re-validated by the caller exactly like a PUT body.
"""

from __future__ import annotations

import copy

from . import limits
from .util import bad_request

OPS = ("add", "remove", "replace")
WRITABLE = ("title", "favorite", "tags", "urls", "sections", "fields", "category")
READ_ONLY = ("id", "vault", "version", "createdAt", "updatedAt", "lastEditedBy", "state", "files")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _parse_pointer(path: str) -> list:
    if path == "" or path == "/":
        return []
    if not path.startswith("/"):
        raise bad_request("Invalid patch path %r: must start with '/'" % path)
    return [_unescape(t) for t in path[1:].split("/")]


def _list_index(container: list, token: str, op: str, path: str) -> int:
    if token == "-" and op == "add":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise bad_request("Invalid patch path %r: %r is not an array index" % (path, token))
    index = int(token)
    limit = len(container) if op == "add" else len(container) - 1
    if index > limit:
        raise bad_request("Invalid patch path %r: index %d is out of range" % (path, index))
    return index


def _apply_generic(target, tokens: list, op: str, value, path: str):
    """Standard RFC 6902 semantics below a known container; returns the new target."""
    if not tokens:
        if op == "remove":
            return None
        return copy.deepcopy(value)
    head, rest = tokens[0], tokens[1:]
    if isinstance(target, dict):
        if rest:
            if head not in target:
                raise bad_request("Invalid patch path %r: %r does not exist" % (path, head))
            target[head] = _apply_generic(target[head], rest, op, value, path)
            return target
        if op == "add":
            target[head] = copy.deepcopy(value)
        elif head not in target:
            raise bad_request("Invalid patch path %r: %r does not exist" % (path, head))
        elif op == "replace":
            target[head] = copy.deepcopy(value)
        else:
            del target[head]
        return target
    if isinstance(target, list):
        index = _list_index(target, head, op if not rest else "replace", path)
        if rest:
            target[index] = _apply_generic(target[index], rest, op, value, path)
        elif op == "add":
            target.insert(index, copy.deepcopy(value))
        elif op == "replace":
            target[index] = copy.deepcopy(value)
        else:
            del target[index]
        return target
    raise bad_request("Invalid patch path %r: cannot descend into a scalar" % path)


def _apply_fields(doc: dict, tokens: list, op: str, value, path: str):
    fields = doc.setdefault("fields", [])
    if fields is None:
        fields = doc["fields"] = []
    if not isinstance(fields, list):
        raise bad_request("Invalid patch path %r: the item's fields are not a list" % path)
    if not tokens:
        if op == "add":
            # add /fields appends one field (or several when given a list)
            if isinstance(value, list):
                fields.extend(copy.deepcopy(value))
            elif isinstance(value, dict):
                fields.append(copy.deepcopy(value))
            else:
                raise bad_request("Invalid patch value for %r: expected a field object" % path)
        elif op == "replace":
            if not isinstance(value, list):
                raise bad_request("Invalid patch value for %r: expected a list of fields" % path)
            doc["fields"] = copy.deepcopy(value)
        else:
            doc["fields"] = []
        return
    field_id, rest = tokens[0], tokens[1:]
    index = next((i for i, f in enumerate(fields) if isinstance(f, dict) and f.get("id") == field_id), None)
    if not rest:
        if op in ("add", "replace"):
            if not isinstance(value, dict):
                raise bad_request("Invalid patch value for %r: expected a field object" % path)
            new = copy.deepcopy(value)
            new["id"] = field_id
            if index is None:
                if op == "replace" or field_id == "-":
                    if field_id == "-":
                        new.pop("id")
                        fields.append(new)
                        return
                    raise bad_request("The item doesn't have a %s field." % field_id)
                fields.append(new)
            else:
                fields[index] = new
        else:
            if index is None:
                raise bad_request("The item doesn't have a %s field." % field_id)
            del fields[index]
        return
    if index is None:
        raise bad_request("The item doesn't have a %s field." % field_id)
    if rest[0] == "id":
        raise bad_request("Invalid patch path %r: a field's id cannot be changed" % path)
    field = fields[index]
    if op == "remove" and len(rest) == 1 and rest[0] not in field:
        return  # removing an attribute that is already unset changes nothing
    if op == "replace" and len(rest) == 1 and rest[0] not in field:
        op = "add"  # unset attributes (e.g. an empty value) can be replaced
    fields[index] = _apply_generic(field, rest, op, value, path)


def apply(doc: dict, operations) -> dict:
    """Apply operations to a copy of doc; raise ApiError(400) on any bad operation."""
    if not isinstance(operations, list):
        raise bad_request("Invalid patch: the request body must be a JSON array of operations")
    limits.check_count(operations, limits.MAX_PATCH_OPERATIONS, "patch: operations")
    doc = copy.deepcopy(doc)
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise bad_request("Invalid patch operation #%d: must be an object" % number)
        op = operation.get("op")
        path = operation.get("path")
        if op not in OPS:
            raise bad_request("Invalid patch operation %r: only add, remove and replace are supported" % (op,))
        if not isinstance(path, str):
            raise bad_request("Invalid patch operation #%d: path must be a string" % number)
        if op != "remove" and "value" not in operation:
            raise bad_request("Invalid patch operation #%d: %s needs a value" % (number, op))
        value = operation.get("value")
        tokens = _parse_pointer(path)
        if not tokens:
            if op == "remove":
                raise bad_request("Invalid patch path '/': the item itself cannot be removed")
            if not isinstance(value, dict):
                raise bad_request("Invalid patch value for '/': expected an item object")
            keep = {k: doc[k] for k in ("id", "vault") if k in doc}
            doc = copy.deepcopy(value)
            doc.update(keep)
            continue
        head = tokens[0]
        if head in READ_ONLY:
            raise bad_request("Invalid patch path %r: %s is read-only" % (path, head))
        if head not in WRITABLE:
            raise bad_request("Invalid patch path %r: items have no attribute %r" % (path, head))
        if head == "fields":
            _apply_fields(doc, tokens[1:], op, value, path)
            continue
        if len(tokens) == 1:
            if op == "remove":
                if head in ("title", "category"):
                    raise bad_request("Invalid patch path %r: %s cannot be removed" % (path, head))
                doc[head] = False if head == "favorite" else []
            else:
                doc[head] = copy.deepcopy(value)
            continue
        container = doc.setdefault(head, [])
        doc[head] = _apply_generic(container, tokens[1:], op, value, path)
    return doc
