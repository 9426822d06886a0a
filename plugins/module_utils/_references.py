# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Parser for 1Password secret references.

Full form::

    op://<vault>/<item>/[<section>/]<field>[?attribute=<attr>][&ssh-format=openssh]

Short form (only when a default vault is configured)::

    <item>/[<section>/]<field>[?...]

Each part is a name or an id; '/' and '?' cannot appear inside a part (use
the id of an object whose name holds them). The field part may also name a
file attachment. Query parameters are case-insensitive, each may appear once.

parse_reference() returns a SecretReference or raises ReferenceSyntaxError
whose message names the bad part and shows the expected syntax. References
carry names, never secret values, so they may be quoted in messages.
"""

from __future__ import annotations

import re

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ReferenceSyntaxError

SCHEME = "op://"
SYNTAX = "op://<vault>/<item>/[<section>/]<field>[?attribute=<attribute>][&ssh-format=openssh]"
SHORT_SYNTAX = "<item>/[<section>/]<field>[?...] (with a default vault)"

# Attribute names and what they select; "totp" is an alias of "otp".
ATTRIBUTES = ("value", "otp", "totp", "type", "id", "purpose", "label")
SSH_FORMATS = ("openssh",)
QUERY_KEYS = ("attribute", "ssh-format")

# Something that looks like a URL scheme ("https://", "op:/", "op:") at the
# start of a term that is not exactly "op://".
_SCHEME_LIKE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/*")


class SecretReference(object):
    """One parsed reference. section is None when the reference has none."""

    __slots__ = ("vault", "item", "section", "field", "attribute", "ssh_format", "raw", "short")

    def __init__(self, vault, item, field, section=None, attribute="value", ssh_format=None, raw=None, short=False):
        self.vault = vault
        self.item = item
        self.section = section
        self.field = field
        self.attribute = attribute
        self.ssh_format = ssh_format
        self.raw = raw
        self.short = short

    def _key(self):
        return (self.vault, self.item, self.section, self.field, self.attribute, self.ssh_format)

    def __eq__(self, other):
        return isinstance(other, SecretReference) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return "SecretReference(%r)" % self.canonical()

    def canonical(self):
        """The reference in full op:// form (vault included)."""
        parts = [self.vault, self.item]
        if self.section is not None:
            parts.append(self.section)
        parts.append(self.field)
        text = SCHEME + "/".join(parts)
        query = []
        if self.attribute != "value":
            query.append("attribute=" + self.attribute)
        if self.ssh_format:
            query.append("ssh-format=" + self.ssh_format)
        if query:
            text += "?" + "&".join(query)
        return text

    def __str__(self):
        return self.raw if self.raw is not None else self.canonical()


def _fail(raw, problem, short=False):
    expected = SYNTAX + (" or " + SHORT_SYNTAX if short else "")
    raise ReferenceSyntaxError('Malformed secret reference "%s": %s. Expected %s.' % (raw, problem, expected))


def _parse_query(raw, query):
    found = {}
    if query == "":
        _fail(raw, "nothing follows the '?'")
    for piece in query.split("&"):
        if piece == "":
            _fail(raw, "the query has an empty parameter (stray '&')")
        if "=" not in piece:
            _fail(raw, 'the query parameter "%s" has no value (write %s=<value>)' % (piece, piece))
        key, value = piece.split("=", 1)
        key = key.strip().lower()
        value = value.strip()
        if key not in QUERY_KEYS:
            _fail(raw, 'unknown query parameter "%s" (known: %s)' % (key, ", ".join(QUERY_KEYS)))
        if key in found:
            _fail(raw, 'the query parameter "%s" is given twice' % key)
        if value == "":
            _fail(raw, 'the query parameter "%s" has an empty value' % key)
        found[key] = value.lower()
    attribute = found.get("attribute", "value")
    if attribute not in ATTRIBUTES:
        _fail(raw, 'unknown attribute "%s" (known: %s)' % (found["attribute"], ", ".join(ATTRIBUTES)))
    if attribute == "totp":
        attribute = "otp"
    ssh_format = found.get("ssh-format")
    if ssh_format is not None and ssh_format not in SSH_FORMATS:
        _fail(raw, 'unknown ssh-format "%s" (known: %s)' % (found["ssh-format"], ", ".join(SSH_FORMATS)))
    if ssh_format is not None and attribute != "value":
        _fail(raw, 'ssh-format converts the value of an SSH key; it cannot be combined with attribute=%s' % attribute)
    return attribute, ssh_format


def parse_reference(term, default_vault=None):
    """Parse one reference into a SecretReference.

    A term without the op:// scheme is a short reference in default_vault;
    it is an error when no default vault is set.
    """
    if not isinstance(term, str):
        raise ReferenceSyntaxError(
            "A secret reference must be a string, got %s. Expected %s." % (type(term).__name__, SYNTAX))
    raw = term.strip()
    if raw == "":
        raise ReferenceSyntaxError("Empty secret reference. Expected %s." % SYNTAX)

    short = False
    if raw[:len(SCHEME)].lower() == SCHEME:
        rest = raw[len(SCHEME):]
    else:
        scheme = _SCHEME_LIKE.match(raw)
        if scheme and (scheme.group(0).endswith("/") or scheme.group(1).lower() == "op"):
            _fail(raw, 'it starts with "%s" instead of "op://"' % scheme.group(0))
        if not default_vault:
            _fail(raw, 'it does not start with "op://" and no default vault is set '
                       '(set the vault option or OP_VAULT to use short references)')
        short = True
        rest = raw

    path, sep, query = rest.partition("?")
    attribute, ssh_format = ("value", None)
    if sep:
        attribute, ssh_format = _parse_query(raw, query)

    parts = path.split("/")
    if short:
        names = ("item", "field") if len(parts) == 2 else ("item", "section", "field")
        if len(parts) not in (2, 3):
            _fail(raw, "a short reference has 2 or 3 parts separated by '/', this one has %d" % len(parts), short=True)
    else:
        names = ("vault", "item", "field") if len(parts) == 3 else ("vault", "item", "section", "field")
        if len(parts) not in (3, 4):
            if path == "":
                _fail(raw, 'nothing follows "op://"')
            _fail(raw, "it has %d part%s after op://, expected 3 (vault/item/field) or 4 (vault/item/section/field)"
                  % (len(parts), "" if len(parts) == 1 else "s"))
    for name, value in zip(names, parts):
        if value.strip() == "":
            _fail(raw, "the %s part is empty" % name, short=short)
    values = dict(zip(names, parts))
    return SecretReference(
        vault=values.get("vault", default_vault),
        item=values["item"],
        section=values.get("section"),
        field=values["field"],
        attribute=attribute,
        ssh_format=ssh_format,
        raw=raw,
        short=short,
    )


def parse_item_reference(term, default_vault=None):
    """Parse a whole-item reference: op://<vault>/<item>, or an item name or id.

    Returns (vault, item). A term without op:// is taken whole as the item's
    title or id (it may contain '/') in default_vault.
    """
    expected = "op://<vault>/<item>, or <item> with a default vault"
    if not isinstance(term, str):
        raise ReferenceSyntaxError("An item reference must be a string, got %s. Expected %s."
                                   % (type(term).__name__, expected))
    raw = term.strip()
    if raw == "":
        raise ReferenceSyntaxError("Empty item reference. Expected %s." % expected)
    if raw[:len(SCHEME)].lower() == SCHEME:
        rest = raw[len(SCHEME):]
        if "?" in rest:
            raise ReferenceSyntaxError('Malformed item reference "%s": an item reference takes no query. Expected %s.'
                                       % (raw, expected))
        parts = rest.split("/")
        if len(parts) != 2:
            raise ReferenceSyntaxError('Malformed item reference "%s": it has %d part%s after op://, expected 2 '
                                       '(vault/item). Expected %s.'
                                       % (raw, len(parts), "" if len(parts) == 1 else "s", expected))
        for name, value in zip(("vault", "item"), parts):
            if value.strip() == "":
                raise ReferenceSyntaxError('Malformed item reference "%s": the %s part is empty. Expected %s.'
                                           % (raw, name, expected))
        return parts[0], parts[1]
    if not default_vault:
        raise ReferenceSyntaxError('Item reference "%s" names no vault and no default vault is set '
                                   '(set the vault option or OP_VAULT). Expected %s.' % (raw, expected))
    return default_vault, raw
