# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Connection settings for the Connect client, validated once on construction.

ConnectSettings holds host, token, TLS, timeout, retries and proxies; every
bad value raises ConnectConfigError naming the setting. This module does not
import requests, so the options layer can import it at its top.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectConfigError

try:
    from ansible.module_utils.ansible_release import __version__ as ANSIBLE_CORE_VERSION
except ImportError:  # pragma: no cover - ansible-core always ships it
    ANSIBLE_CORE_VERSION = "unknown"

#: Defaults of the timeout and retries options (_options.py declares them with these).
DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 3

#: Keep equal to galaxy.yml's version (a unit test checks it).
COLLECTION_VERSION = "1.0.0"
COLLECTION_NAME = "secretops.onepassword"

RETRY_DEFAULTS = {
    "total": DEFAULT_RETRIES,
    "backoff_factor": 0.5,
    "backoff_max": 30.0,
    "status_forcelist": [429, 500, 502, 503, 504],
    "respect_retry_after": True,
}
RETRY_KEYS = frozenset(RETRY_DEFAULTS)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def default_user_agent(extra=None):
    """secretops.onepassword/<v> Python/<x.y.z> ansible-core/<v> [extra]."""
    agent = "%s/%s Python/%s ansible-core/%s" % (
        COLLECTION_NAME, COLLECTION_VERSION, platform.python_version(), ANSIBLE_CORE_VERSION)
    if extra:
        agent += " " + str(extra).strip()
    return agent


def _redact_url(url):
    """The URL without any user:password part (proxies may carry one)."""
    try:
        parts = urlsplit(url)
    except (TypeError, ValueError):
        return "<unparsable URL>"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = "%s:%s" % (host, parts.port)
    return urlunsplit((parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment))


def _to_bool(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "y"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", "n", ""):
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ConnectConfigError('"%s" must be a boolean (true/false), got %r.' % (name, value))


def _to_number(value, name, minimum=None, integer=False):
    if isinstance(value, bool):
        raise ConnectConfigError('"%s" must be a number, got a boolean.' % name)
    try:
        number = int(value) if integer else float(value)
        if integer and isinstance(value, float) and value != int(value):
            raise ValueError()
        if integer and isinstance(value, str) and not value.strip().lstrip("+").isdigit():
            raise ValueError()
    except (TypeError, ValueError, OverflowError):  # int(float("inf")) overflows
        raise ConnectConfigError('"%s" must be %s, got %r.' % (
            name, "a whole number" if integer else "a number", value))
    if math.isnan(number) or math.isinf(number):
        raise ConnectConfigError('"%s" must be a finite number, got %r.' % (name, value))
    if minimum is not None and number < minimum:
        raise ConnectConfigError('"%s" must be at least %s, got %r.' % (name, minimum, value))
    return number


def _check_file(path, name):
    if path is None or path == "":
        return None
    if not isinstance(path, str):
        raise ConnectConfigError('"%s" must be a file path, got %r.' % (name, path))
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise ConnectConfigError('"%s": no such file "%s".' % (name, path))
    if not os.access(path, os.R_OK):
        raise ConnectConfigError('"%s": the file "%s" is not readable.' % (name, path))
    return path


def _check_ca_file(path):
    """path when it holds PEM CA certificates (as requests needs), else ConnectConfigError."""
    if path is None:
        return None
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, ValueError) as exc:
        raise ConnectConfigError(
            '"ca_path": "%s" holds no CA certificate in PEM form (%s). Give the CA bundle as PEM text '
            '("-----BEGIN CERTIFICATE-----"); convert a DER file with "openssl x509 -inform der -in <file>".'
            % (path, getattr(exc, "reason", None) or exc))
    except OSError as exc:
        raise ConnectConfigError('"ca_path": "%s" cannot be read (%s).' % (path, exc.strerror or exc))
    return path


def normalize_retries(value):
    """The retries setting as a complete dict, or raise ConnectConfigError.

    Accepts None/0/False (no retry), an int (retries after the first attempt,
    with the collection's backoff and status list), a digit string, a dict with
    any of RETRY_KEYS, or that dict as a JSON string (from an env variable).
    """
    if value is None or value is False:
        value = 0
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError:
                raise ConnectConfigError('"retries" is not valid JSON: %s' % text)
        elif text == "":
            value = 0
        else:
            value = text
    if isinstance(value, dict):
        unknown = sorted(set(value) - RETRY_KEYS)
        if unknown:
            raise ConnectConfigError('"retries" has unknown key(s) %s; known keys: %s.' % (
                ", ".join(unknown), ", ".join(sorted(RETRY_KEYS))))
        result = dict(RETRY_DEFAULTS)
        result.update(value)
        result["total"] = int(_to_number(result["total"], "retries.total", minimum=0, integer=True))
        result["backoff_factor"] = _to_number(result["backoff_factor"], "retries.backoff_factor", minimum=0)
        result["backoff_max"] = _to_number(result["backoff_max"], "retries.backoff_max", minimum=0)
        result["respect_retry_after"] = _to_bool(result["respect_retry_after"], "retries.respect_retry_after")
        forcelist = result["status_forcelist"]
        if forcelist is None:
            forcelist = []
        if not isinstance(forcelist, (list, tuple, set)):
            raise ConnectConfigError('"retries.status_forcelist" must be a list of HTTP status codes, got %r.' % (forcelist,))
        codes = []
        for code in forcelist:
            code = int(_to_number(code, "retries.status_forcelist", integer=True))
            if not 400 <= code <= 599:
                raise ConnectConfigError('"retries.status_forcelist" holds %s, which is not an HTTP error status (400-599).' % code)
            codes.append(code)
        result["status_forcelist"] = sorted(set(codes))
        return result
    total = int(_to_number(value, "retries", minimum=0, integer=True))
    result = dict(RETRY_DEFAULTS)
    result["total"] = total
    return result


class ConnectSettings(object):
    """Plain connection settings, validated on construction.

    host: base URL, e.g. "http://127.0.0.1:8080" (scheme required).
    token: the Connect bearer token.
    validate_certs: verify the server certificate (default True).
    ca_path: a CA bundle file to trust instead of the system store.
    client_cert / client_key: PEM files for a client certificate.
    timeout: seconds for connect and for each read (default 30).
    retries: None/0 (no retry), an int (attempts after the first), or a dict
        with keys total, backoff_factor, status_forcelist, backoff_max,
        respect_retry_after (full control).
    proxies: dict scheme -> proxy URL, or None for the environment's.
    user_agent: extra product token appended to the User-Agent, e.g. "ansible-core/2.19.14".

    Raises ConnectConfigError naming the bad setting.
    """

    def __init__(self, host, token, validate_certs=True, ca_path=None, client_cert=None,
                 client_key=None, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES, proxies=None, user_agent=None):
        self.host = self._check_host(host)
        self.token = self._check_token(token)
        self.validate_certs = _to_bool(True if validate_certs is None else validate_certs, "validate_certs")
        self.ca_path = _check_ca_file(_check_file(ca_path, "ca_path"))
        self.client_cert = _check_file(client_cert, "client_cert")
        self.client_key = _check_file(client_key, "client_key")
        if self.client_key and not self.client_cert:
            raise ConnectConfigError('"client_key" is set but "client_cert" is not: give the client certificate too.')
        self.timeout = _to_number(DEFAULT_TIMEOUT if timeout is None else timeout, "timeout", minimum=0)
        if self.timeout <= 0:
            raise ConnectConfigError('"timeout" must be more than 0 seconds, got %r.' % (timeout,))
        self.retries = normalize_retries(retries)
        self.proxies = self._check_proxies(proxies)
        self.user_agent = default_user_agent(user_agent)

    def __repr__(self):
        # The token never appears in a repr (tracebacks, debug output).
        return "ConnectSettings(host=%r, token=<hidden>, validate_certs=%r, timeout=%r)" % (
            self.host, self.validate_certs, self.timeout)

    @staticmethod
    def _check_host(host):
        if host is None or (isinstance(host, str) and not host.strip()):
            raise ConnectConfigError(
                'No Connect host given: set the "host" option or the OP_CONNECT_HOST environment '
                'variable to the server URL, e.g. "http://127.0.0.1:8080".')
        if not isinstance(host, str):
            raise ConnectConfigError('"host" must be a URL string, got %s.' % type(host).__name__)
        host = host.strip()
        if "://" not in host:
            raise ConnectConfigError(
                '"host" must start with http:// or https://, got "%s" (e.g. "https://%s").' % (host, host))
        try:
            parts = urlsplit(host)
            port = parts.port
        except ValueError as exc:
            raise ConnectConfigError('"host" is not a valid URL (%s): "%s".' % (exc, _redact_url(host)))
        if parts.scheme.lower() not in ("http", "https"):
            raise ConnectConfigError(
                '"host" must use http:// or https://, got "%s://" in "%s".' % (parts.scheme, _redact_url(host)))
        if parts.username is not None or parts.password is not None:
            raise ConnectConfigError('"host" must not contain a user name or password; give the token in "token".')
        if not parts.hostname:
            raise ConnectConfigError('"host" names no server: "%s".' % host)
        if parts.query or parts.fragment:
            raise ConnectConfigError('"host" must not carry a query or fragment: "%s".' % host)
        if port is not None and port == 0:
            raise ConnectConfigError('"host" has port 0: "%s".' % host)
        if _CONTROL.search(host) or " " in host:
            raise ConnectConfigError('"host" contains spaces or control characters: %r.' % host)
        ConnectSettings._check_host_name(parts.hostname, host)
        path = parts.path.rstrip("/")
        if path.endswith("/v1"):
            path = path[:-3]
        return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))

    @staticmethod
    def _check_host_name(name, host):
        """Refuse a host name that cannot be sent (an empty label, an invalid international name)."""
        if ":" in name:
            return  # an IPv6 address (urlsplit has checked its brackets)
        labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
        if any(not label for label in labels):
            raise ConnectConfigError('"host" has an empty part in its host name "%s" (a stray dot?).' % name)
        if name.isascii():
            ascii_labels = labels
        else:
            try:
                try:
                    import idna  # what requests uses to encode international names
                    ascii_labels = idna.encode(name, uts46=True).decode("ascii").split(".")
                except ImportError:
                    ascii_labels = name.encode("idna").decode("ascii").split(".")
            except (UnicodeError, ValueError) as exc:
                raise ConnectConfigError(
                    '"host" has a host name that is not a valid international domain name: "%s" (%s). Give its '
                    'ASCII form ("xn--...") or check for a mistyped character.' % (name, str(exc)[:200]))
        if any(len(label) > 63 for label in ascii_labels):
            raise ConnectConfigError('"host" has a part longer than 63 characters in its host name "%s".' % name)

    @staticmethod
    def _check_token(token):
        if token is None or (isinstance(token, str) and not token.strip()):
            raise ConnectConfigError(
                'No Connect token given: set the "token" option or the OP_CONNECT_TOKEN environment variable.')
        if not isinstance(token, str):
            raise ConnectConfigError('"token" must be a string, got %s.' % type(token).__name__)
        token = token.strip()
        if token.lower().startswith("bearer "):
            raise ConnectConfigError('"token" must be the bare token, without the "Bearer" prefix.')
        if _CONTROL.search(token) or " " in token:
            # Never echo the value: it is a secret even when it is malformed.
            raise ConnectConfigError('"token" contains spaces or control characters; check how it was copied.')
        odd = next((index for index, char in enumerate(token) if ord(char) > 126), None)
        if odd is not None:
            # HTTP headers carry ASCII only; name the position, never the character.
            raise ConnectConfigError(
                '"token" has a character that is not ASCII at position %d (a typographic quote or dash, a '
                'non-breaking space?); Connect tokens are plain ASCII: check how it was copied.' % (odd + 1))
        return token

    @staticmethod
    def _check_proxies(proxies):
        if proxies is None or proxies == {} or proxies == "":
            return None
        if isinstance(proxies, str):
            proxies = {"http": proxies, "https": proxies}
        if not isinstance(proxies, dict):
            raise ConnectConfigError('"proxies" must map a scheme (http, https) to a proxy URL.')
        result = {}
        for scheme, url in proxies.items():
            if not isinstance(scheme, str) or not isinstance(url, str):
                raise ConnectConfigError('"proxies" must map scheme names to proxy URL strings.')
            if "://" not in url:
                shown = ("***@" + url.rsplit("@", 1)[1]) if "@" in url else url
                raise ConnectConfigError('"proxies.%s" must be a URL with a scheme, e.g. "http://proxy:3128", got "%s".'
                                         % (scheme, shown))
            result[scheme] = url
        return result
