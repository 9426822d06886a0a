# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""The HTTP transport under the Connect client.

ConnectTransport owns one requests.Session: the bearer auth, TLS and proxy
settings, retries with backoff and jitter, and the translation of
requests/urllib3 exceptions and of Connect's error answers into the typed
errors of _errors.py. Messages say what was asked for and never contain the
token.
"""

from __future__ import annotations

import json
import os
import random
import time
import warnings

from urllib.parse import quote

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectConfigError,
    ConnectConnectionError,
    ConnectDependencyError,
    ConnectProtocolError,
    ConnectTimeoutError,
    ConnectTLSError,
    error_for_status,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._reasons import (
    _describe_failure,
    _fmt_seconds,
    _html_title,
    _is_timeout,
    _short_reason,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import (
    ConnectSettings,
    _redact_url,
)

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    import requests.adapters
    import requests.auth
    import requests.exceptions
    from urllib3.util.retry import Retry as _Retry
except ImportError as exc:  # pragma: no cover - exercised through a patched import in the unit tests
    requests = None
    _Retry = object
    REQUESTS_IMPORT_ERROR = exc

#: Methods that may be sent twice without changing the outcome.
IDEMPOTENT_METHODS = frozenset(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])


def requests_missing_message():
    """Why the client cannot work without requests, and how to fix it."""
    return (
        "The Python library 'requests' is required to talk to 1Password Connect but cannot be "
        "imported by %s (%s). Install it for that interpreter, e.g. 'python3 -m pip install requests'."
        % (os.path.basename(_python_executable()), REQUESTS_IMPORT_ERROR)
    )


def _python_executable():
    import sys

    return sys.executable or "python"


class _BearerAuth(requests.auth.AuthBase if requests is not None else object):
    """Sets the bearer header; as a requests auth it also keeps ~/.netrc out."""

    def __init__(self, token):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = "Bearer " + self._token
        return request

    def __repr__(self):
        return "_BearerAuth(<hidden>)"


def backoff_delay(factor, attempt, maximum):
    """Seconds to wait before retry number attempt (1-based): exponential, capped, jittered."""
    if attempt < 1 or not factor:
        return 0.0
    delay = min(maximum, factor * (2 ** (attempt - 1)))
    # "Equal jitter": keep half of the delay, randomize the other half, so
    # clients that failed together do not come back together.
    return delay / 2.0 + random.uniform(0, delay / 2.0)


class _ConnectRetry(_Retry):
    """urllib3 Retry with exponential backoff + jitter and a warning per retry.

    Extra state lives in attributes copied by new(), so this works with the
    urllib3 1.26 and 2.x constructors alike.
    """

    so_backoff_max = 30.0
    so_respect_retry_after = True
    so_notify = None

    def new(self, **kw):
        fresh = super(_ConnectRetry, self).new(**kw)
        fresh.so_backoff_max = self.so_backoff_max
        fresh.so_respect_retry_after = self.so_respect_retry_after
        fresh.so_notify = self.so_notify
        return fresh

    def get_backoff_time(self):
        return backoff_delay(self.backoff_factor, len(self.history), self.so_backoff_max)

    def _retry_after(self, response):
        if response is None or not self.so_respect_retry_after:
            return None
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            import email.utils

            parsed = email.utils.parsedate_tz(value)
            if parsed is None:
                return None
            seconds = email.utils.mktime_tz(parsed) - time.time()
        # A server asking for more than backoff_max gets backoff_max: a play
        # should fail in reasonable time rather than hang.
        return max(0.0, min(seconds, self.so_backoff_max))

    def sleep(self, response=None):
        delay = self._retry_after(response)
        honoured = delay is not None
        if delay is None:
            delay = self.get_backoff_time()
        if self.so_notify is not None:
            self.so_notify(self, delay, honoured)
        if delay > 0:
            time.sleep(delay)


class ConnectTransport(object):
    """One requests.Session (keep-alive) per transport.

    warn: a callable taking one string, called once per retry (display.warning
    in lookups, module.warn in modules).

    Reads (GET, and PUT/DELETE which are idempotent) are retried on connection
    errors, 429 (honouring Retry-After) and 5xx with exponential backoff and
    jitter; POST and PATCH are never retried after the request may have
    reached the server.
    """

    def __init__(self, settings, warn=None):
        if requests is None:
            raise ConnectDependencyError(requests_missing_message())
        if not isinstance(settings, ConnectSettings):
            raise ConnectConfigError("%s needs a ConnectSettings object." % type(self).__name__)
        self.settings = settings
        self._warn = warn
        self._request_retries = 0
        self._session = requests.Session()
        self._session.auth = _BearerAuth(settings.token)
        self._session.headers.update({
            "User-Agent": settings.user_agent,
            "Accept": "application/json",
        })
        if settings.proxies:
            self._session.proxies.update(settings.proxies)
        if settings.client_cert:
            self._session.cert = (settings.client_cert, settings.client_key) if settings.client_key else settings.client_cert
        retry = self._build_retry(settings.retries)
        adapter = requests.adapters.HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=4)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        if warn and not settings.validate_certs and settings.host.lower().startswith("https:"):
            if settings.ca_path:
                # ca_path is the more specific wish: the certificate is verified against it.
                warn("1Password Connect: validate_certs is false but ca_path is set: the TLS certificate of %s is "
                     "still verified, against the CA in %s. Drop one of the two options." % (
                         _redact_url(settings.host), settings.ca_path))
            else:
                warn("1Password Connect: validate_certs is false: the TLS certificate of %s is not verified, so the "
                     "server cannot be trusted to be the real Connect server." % _redact_url(settings.host))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _build_retry(self, config):
        retry = _ConnectRetry(
            total=config["total"],
            connect=None,
            read=None,
            status=None,
            other=0,  # TLS and other errors: a retry would fail the same way
            redirect=0,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=config["status_forcelist"],
            backoff_factor=config["backoff_factor"],
            raise_on_status=False,  # the last answer is turned into a typed error below
            respect_retry_after_header=config["respect_retry_after"],
        )
        retry.so_backoff_max = config["backoff_max"]
        retry.so_respect_retry_after = config["respect_retry_after"]
        retry.so_notify = self._on_retry
        return retry

    def _on_retry(self, retry, delay, honoured):
        self._request_retries += 1
        entry = retry.history[-1] if retry.history else None
        method = getattr(entry, "method", None) or "request"
        path = getattr(entry, "url", None) or ""
        total = self.settings.retries["total"]
        message = "1Password Connect: %s %s %s; retry %d of %d in %.1fs%s." % (
            method, path, _describe_failure(entry), len(retry.history), total, delay,
            " (as the server's Retry-After asked)" if honoured else "")
        if self._warn is not None:
            self._warn(self._scrub(message))

    def close(self):
        """Close the pooled connections."""
        session = getattr(self, "_session", None)
        if session is not None:
            session.close()

    # -- plumbing -------------------------------------------------------
    def _scrub(self, text):
        """Remove the token from any text leaving the client (defence in depth)."""
        text = str(text)
        token = self.settings.token
        if token and token in text:
            text = text.replace(token, "<token hidden>")
        return text

    def _url(self, path, query=None):
        url = self.settings.host + path
        if query:
            url += "?" + "&".join("%s=%s" % (k, quote(str(v), safe="")) for k, v in query)
        return url

    def _fail(self, cls, message, **kwargs):
        error = cls(self._scrub(message), **kwargs)
        return error

    def _request(self, method, path, what, query=None, body=None, expect_json=True, ok=(200,)):
        """Send one request; return parsed JSON (or the response when not expect_json)."""
        url = self._url(path, query)
        headers = {} if expect_json else {"Accept": "*/*"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        verify = self.settings.ca_path or self.settings.validate_certs
        self._request_retries = 0
        try:
            response = self._send(method, url, data, headers, verify)
        except requests.exceptions.SSLError as exc:
            raise self._tls_error(exc, what)
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout, requests.exceptions.Timeout):
            raise self._fail(ConnectTimeoutError, "Cannot %s: no answer from Connect at %s within %s seconds%s." % (
                what, self.settings.host, _fmt_seconds(self.settings.timeout), self._after_retries()))
        except requests.exceptions.ProxyError as exc:
            raise self._fail(ConnectConnectionError, "Cannot %s: the proxy for %s failed: %s%s." % (
                what, self.settings.host, _short_reason(exc), self._after_retries()))
        except requests.exceptions.ConnectionError as exc:
            if _is_timeout(exc):
                raise self._fail(ConnectTimeoutError, "Cannot %s: no answer from Connect at %s within %s seconds%s." % (
                    what, self.settings.host, _fmt_seconds(self.settings.timeout), self._after_retries()))
            raise self._connection_error(exc, what)
        except requests.exceptions.RequestException as exc:
            raise self._fail(ConnectConnectionError, "Cannot %s: request to Connect at %s failed: %s." % (
                what, self.settings.host, _short_reason(exc)))
        except UnicodeError as exc:
            # Never the exception's words: they may quote a character of a header (the token).
            raise self._fail(ConnectConfigError, "Cannot %s: the request to Connect at %s could not be encoded (%s); "
                             "check \"host\" and \"token\" for characters that are not ASCII." % (
                                 what, self.settings.host, type(exc).__name__))
        except ValueError as exc:
            # urllib3 refuses some host names only when it connects (LocationParseError).
            raise self._fail(ConnectConfigError, "Cannot %s: Connect at %s cannot be addressed: %s. Check \"host\"." % (
                what, self.settings.host, _short_reason(exc)))
        return self._answer(response, method, path, what, expect_json, ok)

    def _send(self, method, url, data, headers, verify):
        """One request, with urllib3's retries; plus retries when the body breaks off.

        urllib3 retries failures up to the response headers. An answer that
        breaks off inside its body (a reset, a truncated read) surfaces later,
        while requests reads the content: an idempotent request is retried
        here too, on the same budget and backoff.
        """
        retries = self.settings.retries
        budget = retries["total"] if method in IDEMPOTENT_METHODS else 0
        while True:
            try:
                with warnings.catch_warnings():
                    # validate_certs=false is the user's explicit choice; urllib3's
                    # per-request warning would only add noise.
                    warnings.simplefilter("ignore")
                    return self._session.request(
                        method, url, data=data, headers=headers, timeout=self.settings.timeout,
                        verify=verify, allow_redirects=False)
            except requests.exceptions.ChunkedEncodingError as exc:
                if self._request_retries >= budget:
                    raise requests.exceptions.ConnectionError(
                        "the answer broke off before its end (%s)" % _short_reason(exc))
                self._request_retries += 1
                delay = backoff_delay(retries["backoff_factor"], self._request_retries, retries["backoff_max"])
                if self._warn is not None:
                    self._warn(self._scrub("1Password Connect: %s %s: the answer broke off (%s); retry %d of %d in %.1fs." % (
                        method, _redact_url(url), _short_reason(exc), self._request_retries, budget, delay)))
                time.sleep(delay)

    def _after_retries(self):
        count = self._request_retries
        if not count:
            return ""
        return " (after %d %s)" % (count, "retry" if count == 1 else "retries")

    def _tls_error(self, exc, what):
        reason = _short_reason(exc)
        hint = ""
        lowered = reason.lower()
        not_tls = ("wrong version number", "record layer failure", "unknown protocol", "packet length too long")
        if any(words in lowered for words in not_tls):
            hint = " The server does not speak TLS on this port: use http:// or the TLS port."
        elif "hostname" in lowered or "ip address mismatch" in lowered or "doesn't match" in lowered:
            hint = " The certificate is not valid for this host name: use the name it was issued for."
        elif "certificate verify failed" in lowered or "self signed" in lowered or "self-signed" in lowered:
            hint = " Trust the server's CA with \"ca_path\" (or, for tests only, set \"validate_certs\" to false)."
        elif self.settings.client_cert and (
                "certificate" in lowered or "pem" in lowered or "key values mismatch" in lowered):
            hint = " Check \"client_cert\" / \"client_key\"."
        return self._fail(ConnectTLSError, "Cannot %s: TLS with Connect at %s failed: %s.%s" % (
            what, self.settings.host, reason, hint))

    def _connection_error(self, exc, what):
        reason = _short_reason(exc)
        lowered = reason.lower()
        hint = ""
        dropped = ("without answering", "is not http", "reset by peer", "connection aborted")
        if "connection refused" in lowered:
            hint = " Is Connect running there, and is the port right?"
        elif "does not resolve" in lowered:
            hint = " Check the host name."
        elif any(words in lowered for words in dropped) and self.settings.host.startswith("http://"):
            hint = (" If Connect serves TLS on this port, the host must start with https:// (\"%s\")."
                    % ("https://" + self.settings.host[len("http://"):]))
        return self._fail(ConnectConnectionError, "Cannot %s: cannot reach Connect at %s: %s%s.%s" % (
            what, self.settings.host, reason, self._after_retries(), hint))

    def _answer(self, response, method, path, what, expect_json, ok):
        status = response.status_code
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if status in ok:
            if not expect_json:
                return response
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise self._not_connect(response, what, content_type)
        if 300 <= status < 400:
            raise self._fail(ConnectProtocolError, "Cannot %s: %s answered HTTP %d (a redirect to %s), which Connect never "
                             "sends: is \"host\" the Connect server itself?" % (
                                 what, self.settings.host, status, _redact_url(response.headers.get("Location") or "?")),
                             status=status)
        message = None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("message"), str):
            message = payload["message"]
        if message is None:
            raise self._not_connect(response, what, content_type)
        error = error_for_status(status, self._error_text(status, what, message))
        error.message = self._scrub(error.message)
        error.args = (error.message,)
        raise error

    def _error_text(self, status, what, message):
        text = "Cannot %s: Connect answered %d: %s" % (what, status, message.rstrip("."))
        if status == 401:
            text += ". The token (\"token\" / OP_CONNECT_TOKEN) is invalid, expired or issued for another Connect server"
        elif status == 403:
            text += ". The token does not grant this access"
        elif status == 429:
            text += ". Connect is rate limiting this client%s" % self._after_retries()
        elif status >= 500:
            text += self._after_retries()
        return text + "."

    def _not_connect(self, response, what, content_type):
        kind = content_type or "no content type"
        title = ""
        start = response.text[:4096]
        if "html" in kind:
            title = _html_title(start)
            if title:
                title = ' titled "%s"' % title
        hint = " Is a proxy or another service answering at this address? Check \"host\" (and \"proxies\")."
        if "http request to an https server" in start.lower() and self.settings.host.startswith("http://"):
            hint = " The server speaks TLS on this port: the host must start with https:// (\"%s\")." % (
                "https://" + self.settings.host[len("http://"):])
        return self._fail(
            ConnectProtocolError,
            "Cannot %s: %s answered HTTP %d with %s%s instead of Connect's JSON.%s" % (
                what, self.settings.host, response.status_code, kind, title, hint),
            status=response.status_code)
