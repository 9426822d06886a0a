# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""The one base of the collection's lookups (controller side).

A lookup documents the connection options with
``extends_documentation_fragment: [secretops.onepassword.connection,
secretops.onepassword.connection.plugins]`` and implements two steps of
run(): parse_term() (a term to a reference) and results() (the references,
fetched through one ItemSource, to a result per term).

set_options() first rejects an unknown keyword (naming the nearest valid
one) and templates the play variables the options are read from
(op_connect_token: "{{ vault_op_token }}"), as Ansible does for a task's own
keywords; the templated values only ever reach get_option().

connect_errors() turns the collection's ConnectError into an AnsibleLookupError
carrying only the message (no traceback, never the token); term_failure()
does the same for the error of one term, honouring on_missing.

A lookup runs in a freshly forked worker for every host and task, so this
module imports only what every call needs: the Connect client (and with it
requests) is imported on first use, which with the run-wide cache means only
on a cache miss.
"""

from __future__ import annotations

import contextlib
import difflib
import threading

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectConfigError,
    ConnectError,
    ConnectNotFoundError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._options import settings_from_plugin
from ansible_collections.secretops.onepassword.plugins.plugin_utils._cache import namespace, run_cache
from ansible_collections.secretops.onepassword.plugins.plugin_utils._fetch import ItemSource

display = Display()


def _new_client(settings):
    """A ConnectClient for settings (imports the client, and requests, on first use)."""
    from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectClient

    return ConnectClient(settings, warn=display.warning)


class ConnectLookupBase(LookupBase):
    """LookupBase with the connection options, Connect clients and error conversion."""

    #: The lookup's fully qualified name for messages; subclasses set it.
    NAME = None

    def lookup_name(self):
        return self.NAME or getattr(self, "ansible_name", None) or getattr(self, "_load_name", None) or "lookup"

    def set_options(self, task_keys=None, var_options=None, direct=None):
        """LookupBase.set_options with unknown keywords rejected and option variables templated."""
        definitions = self.option_definitions or {}
        self._reject_unknown_options(definitions, direct)
        super(ConnectLookupBase, self).set_options(
            task_keys=task_keys, var_options=self._templated_option_vars(definitions, var_options), direct=direct)

    def _reject_unknown_options(self, definitions, direct):
        valid = set()
        for name, definition in definitions.items():
            if not name.startswith("_"):
                valid.add(name)
                valid.update(definition.get("aliases") or ())
        unknown = sorted(name for name in direct or {} if name not in valid)
        if not unknown:
            return
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.6)
            hint = ' (did you mean "%s"?)' % close[0] if close else ""
            problems.append('"%s"%s' % (name, hint))
        raise AnsibleLookupError("%s: unknown option%s %s. Valid options: %s." % (
            self.lookup_name(), "s" if len(problems) > 1 else "", ", ".join(problems), ", ".join(sorted(valid))))

    def _templated_option_vars(self, definitions, variables):
        """variables with the ones an option is read from templated (the others untouched).

        The values are never part of a message: a failing template names the
        variable only, so a token is never shown.
        """
        if not variables or self._templar is None:
            return variables
        names = set()
        for definition in definitions.values():
            names.update(entry["name"] for entry in definition.get("vars") or () if entry.get("name"))
        wanted = [name for name in sorted(names) if variables.get(name) is not None]
        if not wanted:
            return variables
        templar = self._templar.copy_with_new_env(available_variables=variables)
        templated = dict(variables)
        for name in wanted:
            try:
                templated[name] = templar.template(variables[name])
            except AnsibleError as exc:
                raise AnsibleLookupError("%s: the variable %s could not be templated: %s" % (
                    self.lookup_name(), name, _first_line(exc))) from None
        return templated

    def run(self, terms, variables=None, **kwargs):
        """The steps of every lookup: options, the terms parsed, one source for all, a result per term."""
        self.set_options(var_options=variables, direct=kwargs)
        terms = flatten_terms(terms)
        with self.connect_errors():
            refs = [self.parse_term(term) for term in terms]
            if not refs:
                return []
            source = self.item_source()
            try:
                results = self.results(source, terms, refs)
            finally:
                source.close()
        return wrap_var(results)

    def parse_term(self, term):
        """The reference a term names (raises ConnectError on a malformed one)."""
        raise NotImplementedError

    def results(self, source, terms, refs):
        """One result per term, read through source (on_missing applied)."""
        raise NotImplementedError

    def connect_settings(self):
        """ConnectSettings from this lookup's options (set_options must have run)."""
        return settings_from_plugin(self)

    def lookup_error(self, exc, subject=None):
        """An AnsibleLookupError with the lookup's name, the subject (a term) and the error's own words."""
        if subject is None:
            return AnsibleLookupError("%s: %s" % (self.lookup_name(), exc))
        return AnsibleLookupError("%s: %s: %s" % (self.lookup_name(), subject, exc))

    @contextlib.contextmanager
    def connect_errors(self):
        """Turn ConnectError into AnsibleLookupError (message only)."""
        try:
            yield
        except ConnectError as exc:
            raise self.lookup_error(exc) from None

    def term_failure(self, term, exc, on_missing):
        """The result for a term whose lookup failed with exc.

        A missing object gives None when on_missing is "warn" (with a warning)
        or "ignore"; anything else raises the AnsibleLookupError for the term.
        """
        if isinstance(exc, ConnectNotFoundError) and on_missing in ("warn", "ignore"):
            if on_missing == "warn":
                display.warning("%s: %s: %s Returning None (on_missing=warn)." % (self.lookup_name(), term, exc))
            return None
        raise self.lookup_error(exc, term) from None

    def item_source(self):
        """An ItemSource for this lookup's options (set_options must have run).

        Uses the run-wide cache unless the cache option is false or cache_ttl
        is 0; clients (one per thread) are only built on a cache miss.
        """
        host = self.get_option("host")
        token = self.get_option("token")
        if not host or not token:
            self.connect_settings()  # raises the shared, specific ConnectConfigError
        ttl = self.get_option("cache_ttl")
        if ttl is not None and ttl < 0:
            raise ConnectConfigError("cache_ttl must be 0 or more seconds, got %s." % ttl)
        cache = None
        if self.get_option("cache") and ttl:
            cache = run_cache(ttl=ttl, log=display.vvv)
        settings = []
        lock = threading.Lock()

        def factory():
            with lock:
                if not settings:
                    settings.append(self.connect_settings())
            return _new_client(settings[0])

        return ItemSource(factory, namespace(host, token), cache=cache)


def _first_line(exc):
    """The first line of an error's message (without the template source Ansible may append)."""
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def flatten_terms(terms):
    """Lookup terms with nested lists flattened (query('x', ['a', 'b']) == query('x', 'a', 'b'))."""
    flat = []
    for term in terms or []:
        if isinstance(term, (list, tuple)):
            flat.extend(flatten_terms(term))
        else:
            flat.append(term)
    return flat
