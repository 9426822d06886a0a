# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Precise masking of the secret values a module is given.

Ansible hides a no_log option by replacing every occurrence of its value,
anywhere in the result, with a marker: a field value "4" would turn an item
id "x4y" into "x********y" and a title "orders-db" with a username "orders"
into "********-db". Item ids, titles and messages must come back intact, so
the item modules declare where their secrets sit (``SECRET_PATHS``, e.g. the
value of each entry of ``fields``) and mask exactly those positions:

- the options keep ``no_log`` in the argument spec, so what Ansible logs on
  the target while the module starts is sanitized as before;
- once the options are validated, these values are taken out of
  ``no_log_values`` (values of every other no_log option, such as the token,
  stay in), and each result carries an ``invocation`` whose
  ``module_args`` has those positions replaced by the marker.

Results must therefore never carry a value the task gave, except where the
task asked for it (reveal), which the action plugin hides from the output.
"""

from __future__ import annotations

import copy
import re

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule

#: What Ansible shows in place of a no_log value.
INVOCATION_MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
#: A path element meaning "each entry of this list".
EACH = None


def _positions(container, path):
    """(parent, key) of every position path reaches in container."""
    if not path or container is None:
        return
    head, rest = path[0], path[1:]
    if head is EACH:
        if isinstance(container, list):
            for index in range(len(container)):
                if rest:
                    yield from _positions(container[index], rest)
        return
    if not isinstance(container, dict) or head not in container:
        return
    if rest:
        yield from _positions(container[head], rest)
    else:
        yield container, head


def _strings(value):
    """The strings Ansible would hide for a no_log value (scalars, recursively)."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, (str, bytes)):
        if value:
            yield to_native(value, errors="surrogate_or_strict")
    elif isinstance(value, dict):
        for entry in value.values():
            yield from _strings(entry)
    elif isinstance(value, (list, tuple, set)):
        for entry in value:
            yield from _strings(entry)
    else:
        yield to_native(value, nonstring="simplerepr")


def values_at(params, paths):
    """Every non-empty string at the given positions."""
    found = set()
    for path in paths:
        for parent, key in _positions(params, path):
            found.update(_strings(parent[key]))
    return found


def masked(params, paths):
    """A copy of params with each set value at the given positions replaced by the marker."""
    out = copy.deepcopy(params)
    for path in paths:
        for parent, key in _positions(out, path):
            if parent[key] is not None:
                parent[key] = INVOCATION_MASK
    return out


def other_no_log_values(argument_spec, params, paths, prefix=()):
    """Values of the no_log options outside the given positions (they stay hidden by Ansible)."""
    found = set()
    for name, options in argument_spec.items():
        here = prefix + (name,)
        value = (params or {}).get(name) if isinstance(params, dict) else None
        if options.get("no_log") and here not in paths:
            found.update(_strings(value))
        suboptions = options.get("options")
        if suboptions and value is not None:
            entries = value if isinstance(value, list) else [value]
            sub_prefix = here + ((EACH,) if isinstance(value, list) else ())
            for entry in entries:
                found.update(other_no_log_values(suboptions, entry, paths, sub_prefix))
    return found


_SERVER_TEXT = re.compile(r"Connect answered \d+: ")


def scrub_server_text(message, values):
    """message with each of values hidden where Connect's own words (after
    "Connect answered NNN: ") quote it as a whole word: the server may echo
    what it was sent, our own words never contain a value."""
    match = _SERVER_TEXT.search(message or "")
    if not match or not values:
        return message
    head, tail = message[:match.end()], message[match.end():]
    for value in sorted(values, key=len, reverse=True):
        tail = re.sub(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % re.escape(value), "<hidden>", tail)
    return head + tail


class MaskingModule(ConnectModule):
    """ConnectModule that hides the values at ``secret_paths`` precisely (see above)."""

    def __init__(self, argument_spec=None, secret_paths=(), **kwargs):
        super(MaskingModule, self).__init__(argument_spec=argument_spec, **kwargs)
        # Reached only when the options are valid; before that Ansible's own masking applies.
        self._secret_paths = tuple(tuple(p) for p in secret_paths)
        ours = values_at(self.params, self._secret_paths)
        kept = other_no_log_values(self.argument_spec, self.params, self._secret_paths)
        self.no_log_values = (set(self.no_log_values) - ours) | kept

    def secret_values(self):
        """The values the task gave at the secret positions."""
        return values_at(self.params, self._secret_paths)

    def fail_write(self, exc, **result):
        """fail_json for an error of manage_item: the ids a failed write may have
        touched (for cache invalidation) and no value Connect may have echoed."""
        for key in ("vault_id", "item_id"):
            if getattr(exc, key, None):
                result.setdefault(key, getattr(exc, key))
        exc.message = scrub_server_text(exc.message, self.secret_values())
        self.fail_connect(exc, **result)

    def _with_invocation(self, kwargs):
        if getattr(self, "_secret_paths", None) is not None and "invocation" not in kwargs:
            kwargs["invocation"] = {"module_args": masked(self.params, self._secret_paths)}
        return kwargs

    def exit_json(self, **kwargs):
        super(MaskingModule, self).exit_json(**self._with_invocation(kwargs))

    def fail_json(self, msg, **kwargs):
        super(MaskingModule, self).fail_json(msg, **self._with_invocation(kwargs))
