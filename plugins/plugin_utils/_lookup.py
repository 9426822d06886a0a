# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Shared base of the collection's lookups (controller side).

A lookup documents the connection options with
``extends_documentation_fragment: [secretops.onepassword.connection,
secretops.onepassword.connection.plugins]`` and, in run():

    self.set_options(var_options=variables, direct=kwargs)
    with self.connect_errors():
        client = self.connect_client()
        ...

connect_errors() turns the collection's ConnectError into an AnsibleLookupError
carrying only the message (no traceback, never the token).
"""

from __future__ import annotations

import contextlib

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectClient
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectError
from ansible_collections.secretops.onepassword.plugins.module_utils._options import settings_from_plugin

display = Display()


class ConnectLookupBase(LookupBase):
    """LookupBase with a Connect client built from the connection options."""

    _connect_client = None

    def connect_settings(self):
        """ConnectSettings from this lookup's options (set_options must have run)."""
        return settings_from_plugin(self)

    def connect_client(self):
        """The client for this lookup call (one requests session, reused within the call)."""
        if self._connect_client is None:
            self._connect_client = ConnectClient(self.connect_settings(), warn=display.warning)
        return self._connect_client

    def close_client(self):
        if self._connect_client is not None:
            self._connect_client.close()
            self._connect_client = None

    @contextlib.contextmanager
    def connect_errors(self):
        """Turn ConnectError into AnsibleLookupError (message only) and close the client."""
        try:
            yield
        except ConnectError as exc:
            raise AnsibleLookupError(lookup_error_message(self, exc)) from None
        finally:
            self.close_client()


def lookup_error_message(plugin, exc):
    """The lookup's name and the error's own words."""
    name = getattr(plugin, "ansible_name", None) or getattr(plugin, "_load_name", None) or "lookup"
    return "%s: %s" % (name, exc)
