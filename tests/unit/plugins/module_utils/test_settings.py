# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ConnectSettings: every bad value is refused with words naming the setting."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectConfigError
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import (
    COLLECTION_VERSION,
    ConnectSettings,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TOKEN = "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXRva2VuLWJvZHk.c2lnbmF0dXJl"


# -- settings ------------------------------------------------------------
class TestSettings(object):
    def test_minimal_settings_and_defaults(self):
        settings = ConnectSettings("http://127.0.0.1:8080/", TOKEN)
        assert settings.host == "http://127.0.0.1:8080"
        assert settings.validate_certs is True
        assert settings.timeout == 30
        assert settings.retries["total"] == 3
        assert settings.proxies is None

    def test_trailing_v1_is_dropped_and_path_prefix_kept(self):
        assert ConnectSettings("https://example.com/connect/v1/", TOKEN).host == "https://example.com/connect"

    @pytest.mark.parametrize("host, words", [
        (None, "OP_CONNECT_HOST"),
        ("   ", "OP_CONNECT_HOST"),
        ("127.0.0.1:8080", "must start with http:// or https://"),
        ("ftp://example.com", 'got "ftp://"'),
        ("http://example.com:99999", "not a valid URL"),
        ("http://example.com:port", "not a valid URL"),
        ("http://", "names no server"),
        ("http://example.com/?x=1", "query"),
        (8080, "must be a URL string"),
    ])
    def test_bad_host_names_the_problem(self, host, words):
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings(host, TOKEN)
        assert words in str(info.value)

    def test_credentials_in_host_are_refused_and_not_echoed(self):
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("http://admin:hunter2@example.com", TOKEN)
        assert "hunter2" not in str(info.value)
        assert "user name or password" in str(info.value)

    @pytest.mark.parametrize("token, words", [
        (None, "OP_CONNECT_TOKEN"),
        ("", "OP_CONNECT_TOKEN"),
        ("abc def-secret", "spaces or control characters"),
        ("abc\ninjected-secret", "spaces or control characters"),
        ("Bearer abc-secret", "without the \"Bearer\" prefix"),
        (12345, "must be a string"),
        ("abc\u2013secret", "not ASCII at position 4"),
        ("abc\u00e9secret", "not ASCII at position 4"),
    ])
    def test_bad_token_names_the_problem_without_echoing_it(self, token, words):
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("http://127.0.0.1:8080", token)
        assert words in str(info.value)
        assert "secret" not in str(info.value)

    @pytest.mark.parametrize("host, words", [
        ("http://\u2603.example:8080", "not a valid international domain name"),
        ("http://connect..example", "empty part"),
        ("http://.example", "empty part"),
        ("http://" + "a" * 64 + ".example", "longer than 63"),
    ])
    def test_unsendable_host_names_are_refused(self, host, words):
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings(host, TOKEN)
        assert words in str(info.value) and '"host"' in str(info.value)

    def test_international_host_names_are_accepted(self):
        assert ConnectSettings("https://b\u00fccher.example:8443", TOKEN).host == "https://b\u00fccher.example:8443"

    def test_ca_path_must_hold_pem_certificates(self, tmp_path):
        der = tmp_path / "ca.der"
        der.write_bytes(b"\x30\x82\x01\x0a\x02\x82\x01\x01")
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("https://h:1", TOKEN, ca_path=str(der))
        assert '"ca_path"' in str(info.value) and "PEM" in str(info.value)
        assert "client_cert" not in str(info.value)

    @pytest.mark.parametrize("timeout", [0, -1, "soon", True, float("nan")])
    def test_bad_timeout(self, timeout):
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("http://h:1", TOKEN, timeout=timeout)
        assert '"timeout"' in str(info.value)

    def test_timeout_accepts_numeric_strings(self):
        assert ConnectSettings("http://h:1", TOKEN, timeout="2.5").timeout == 2.5

    @pytest.mark.parametrize("retries, total", [(None, 0), (0, 0), (5, 5), ("4", 4), (" 2 ", 2),
                                                ('{"total": 7}', 7), ({"total": 1}, 1)])
    def test_retries_forms(self, retries, total):
        assert ConnectSettings("http://h:1", TOKEN, retries=retries).retries["total"] == total

    def test_retries_dict_gives_full_control(self):
        retries = ConnectSettings("http://h:1", TOKEN, retries={
            "total": 4, "backoff_factor": 2, "backoff_max": 9, "status_forcelist": [503, "429"],
            "respect_retry_after": "no"}).retries
        assert retries == {"total": 4, "backoff_factor": 2.0, "backoff_max": 9.0,
                           "status_forcelist": [429, 503], "respect_retry_after": False}

    @pytest.mark.parametrize("retries, words", [
        (-1, "at least 0"),
        ("many", "whole number"),
        (1.5, "whole number"),
        (float("inf"), "whole number"),
        ({"total": float("-inf")}, "retries.total"),
        ({"tries": 3}, "unknown key(s) tries"),
        ({"status_forcelist": [200]}, "not an HTTP error status"),
        ({"status_forcelist": "503"}, "list of HTTP status codes"),
        ({"backoff_factor": -1}, "retries.backoff_factor"),
        ("{not json", "not valid JSON"),
    ])
    def test_bad_retries(self, retries, words):
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("http://h:1", TOKEN, retries=retries)
        assert words in str(info.value)

    def test_tls_files_must_exist(self, tmp_path):
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("https://h:1", TOKEN, ca_path=str(tmp_path / "missing.pem"))
        assert '"ca_path": no such file' in str(info.value)
        key = tmp_path / "client.key"
        key.write_text("x")
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("https://h:1", TOKEN, client_key=str(key))
        assert '"client_cert" is not' in str(info.value)

    def test_validate_certs_must_be_boolean(self):
        assert ConnectSettings("https://h:1", TOKEN, validate_certs="false").validate_certs is False
        with pytest.raises(ConnectConfigError):
            ConnectSettings("https://h:1", TOKEN, validate_certs="maybe")

    def test_proxies(self):
        assert ConnectSettings("https://h:1", TOKEN, proxies="http://p:3128").proxies == {
            "http": "http://p:3128", "https": "http://p:3128"}
        with pytest.raises(ConnectConfigError) as info:
            ConnectSettings("https://h:1", TOKEN, proxies={"https": "user:pw@p:3128"})
        assert "pw" not in str(info.value)
        assert "proxies.https" in str(info.value)


def test_collection_version_matches_galaxy_yml():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION
