# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""The forms of a field value: what a task may give, what Connect stores, what we return.

- ``text_value``: a value a task gives. Text as is, an integer as its digits;
  a YAML boolean or float is refused (``true`` would be stored as "True" and
  ``1.10`` as "1.1"), so the user quotes what they mean.
- DATE fields: Connect takes YYYY-MM-DD and answers with unix seconds in a
  string. Tasks may give either; every result and lookup returns YYYY-MM-DD
  (UTC), so a date reads back as it was written.

Error messages name the option, never the value.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ItemSpecError

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UNIX_SECONDS = re.compile(r"^-?\d+$")


def text_value(value, where):
    """A task's value as text (None stays None); ItemSpecError for booleans, floats and containers."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ItemSpecError("%s is a YAML boolean; quote it (for example \"true\" or \"yes\") to store that text." % where)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ItemSpecError("%s is a YAML number with a decimal point, which YAML may not keep as written "
                            "(1.10 reads as 1.1); quote it to store the text." % where)
    raise ItemSpecError("%s must be a string, got a %s." % (where, type(value).__name__))


def date_from_connect(value):
    """YYYY-MM-DD (UTC) for Connect's unix seconds; any other text as it is."""
    if value is None:
        return ""
    value = str(value)
    if not _UNIX_SECONDS.match(value.strip()):
        return value
    try:
        return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc).date().isoformat()
    except (OverflowError, ValueError, OSError):
        return value


def date_for_connect(value, where):
    """YYYY-MM-DD to send for a DATE value given as YYYY-MM-DD or unix seconds."""
    text = value.strip()
    if text == "":
        return ""
    match = _DATE.match(text)
    if match:
        try:
            datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ItemSpecError("%s: a DATE value must be a calendar date (YYYY-MM-DD)." % where)
        return text
    converted = date_from_connect(text)
    if _DATE.match(converted):
        return converted
    raise ItemSpecError("%s: a DATE value must be YYYY-MM-DD or unix seconds." % where)


def field_value(field):
    """A field's value as results and lookups return it (text; DATE as YYYY-MM-DD)."""
    value = field.get("value")
    if value is None:
        return ""
    if field.get("type") == "DATE":
        return date_from_connect(value)
    return value if isinstance(value, str) else str(value)
