# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Name matching as 1Password does it, shared by the client, lookups and modules.

A wanted string selects, in this order: the object whose id equals it; else the
objects whose name equals it exactly; else those whose name equals it ignoring
case. No match raises ConnectNotFoundError with close names as suggestions;
several matches raise ConnectAmbiguousError listing them.
"""

from __future__ import annotations

import difflib
import re

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectNotFoundError,
)

ID_PATTERN = re.compile(r"^[a-z0-9]{26}$")


def looks_like_id(value):
    """True when value has the shape of a Connect vault, item or file id."""
    return bool(ID_PATTERN.match(value or ""))


def fold(text):
    """text for a comparison that ignores case (None counts as "")."""
    return (text or "").casefold()


def section_of(obj):
    """The id of the section a field or file of an item belongs to (None when none)."""
    section = obj.get("section")
    if isinstance(section, dict):
        return section.get("id")
    return None


def describe(candidate, name_key="name"):
    """'Name (id)' for error messages."""
    return "%s (%s)" % (candidate.get(name_key) or "", candidate.get("id") or "")


def find_all(candidates, wanted, name_key="name"):
    """Every candidate that matches wanted, best tier only (id, exact, folded)."""
    by_id = [c for c in candidates if c.get("id") == wanted]
    if by_id:
        return by_id
    exact = [c for c in candidates if (c.get(name_key) or "") == wanted]
    if exact:
        return exact
    folded = fold(wanted)
    return [c for c in candidates if fold(c.get(name_key)) == folded]


def suggestions(candidates, wanted, name_key="name", limit=3):
    """Names close to wanted, to help with a typo."""
    names = sorted({c.get(name_key) or "" for c in candidates} - {""})
    by_fold = {}
    for name in names:
        by_fold.setdefault(fold(name), name)
    close = difflib.get_close_matches(fold(wanted), list(by_fold), n=limit, cutoff=0.6)
    return [by_fold[c] for c in close]


def pick_one(candidates, wanted, kind, where="", name_key="name"):
    """The single candidate matching wanted, or a clear error.

    kind names the object ('vault', 'item', 'field'); where says where it was
    searched ('in vault "Prod"'), both used in error messages.
    """
    matches = find_all(candidates, wanted, name_key=name_key)
    location = (" " + where) if where else ""
    if len(matches) == 1:
        return matches[0]
    if not matches:
        close = suggestions(candidates, wanted, name_key=name_key)
        hint = (" Did you mean: %s?" % ", ".join('"%s"' % c for c in close)) if close else ""
        raise ConnectNotFoundError('No %s named "%s"%s.%s' % (kind, wanted, location, hint), suggestions=close)
    listed = ", ".join(describe(m, name_key) for m in matches)
    raise ConnectAmbiguousError(
        '%d %ss match "%s"%s: %s. Use the id to pick one.' % (len(matches), kind, wanted, location, listed),
        candidates=[describe(m, name_key) for m in matches],
    )
