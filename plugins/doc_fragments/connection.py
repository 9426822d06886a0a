# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # The connection options of every lookup and module (plugins/module_utils/_options.py
    # holds the same declaration; a unit test keeps them in step, environment
    # variables included).
    DOCUMENTATION = r"""
options:
  host:
    description:
      - URL of the 1Password Connect server, with its scheme, for example V(https://connect.example.com:8443)
        or V(http://127.0.0.1:8080).
      - Required. When the option is not set, E(OP_CONNECT_HOST) is used (modules read it on the target).
    type: str
    aliases: [hostname]
  token:
    description:
      - The Connect access token (a bearer JWT issued for this Connect server).
      - Required. When the option is not set, E(OP_CONNECT_TOKEN) is used (modules read it on the target).
      - Never logged, never part of an error message.
    type: str
    aliases: [auth_token]
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set to V(false) only for tests.
      - When the option is not set, E(OP_CONNECT_VALIDATE_CERTS) is used (modules read it on the target).
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to trust instead of the system store, for a Connect server with a
        private or self-signed certificate.
      - When the option is not set, E(OP_CONNECT_CA_PATH) is used (modules read it on the target).
    type: path
  client_cert:
    description:
      - A PEM client certificate to present, when a proxy in front of Connect asks for one.
      - May hold the private key too; otherwise set O(client_key).
      - When the option is not set, E(OP_CONNECT_CLIENT_CERT) is used (modules read it on the target).
    type: path
  client_key:
    description:
      - The PEM private key of O(client_cert) (unencrypted).
      - When the option is not set, E(OP_CONNECT_CLIENT_KEY) is used (modules read it on the target).
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for each answer.
      - Each retry waits again, so a request may take up to O(timeout) times (1 + retries) plus the backoff.
      - When the option is not set, E(OP_CONNECT_TIMEOUT) is used (modules read it on the target).
    type: int
    default: 30
  retries:
    description:
      - How failed requests are retried. Only requests that may safely be sent twice (reads, PUT, DELETE)
        are retried after they reached the server; a create (POST) or a PATCH is never repeated.
      - An integer is the number of retries after the first attempt, on connection errors, HTTP 429
        (honouring C(Retry-After)) and HTTP 500, 502, 503, 504, with exponential backoff and jitter.
        V(0) disables retries.
      - A dictionary gives full control, with any of the keys C(total) (retries), C(backoff_factor)
        (seconds; the n-th retry waits about backoff_factor * 2^(n-1)), C(backoff_max) (seconds, also
        the cap on C(Retry-After)), C(status_forcelist) (list of HTTP statuses to retry) and
        C(respect_retry_after) (boolean).
      - Each retry is reported as a warning.
      - When the option is not set, E(OP_CONNECT_RETRIES) is used (modules read it on the target), an
        integer or a dictionary written as JSON.
    type: raw
    default: 3
  proxies:
    description:
      - "Proxy URL per scheme, for example V({'https': 'http://proxy.example.com:3128'})."
      - When not set, the usual E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables apply.
      - A proxy URL may carry C(user:password), so modules treat the option as C(no_log) (the whole URL is
        hidden from their output) and the lookups never show it.
    type: dict
"""

    # Where lookups (and other controller plugins) also read the options from.
    # Precedence: lookup keyword > play variable > environment > ini > default.
    # The token is never read from an ini file.
    PLUGINS = r"""
options:
  host:
    env:
      - name: OP_CONNECT_HOST
    ini:
      - section: secretops_onepassword
        key: host
    vars:
      - name: op_connect_host
  token:
    env:
      - name: OP_CONNECT_TOKEN
    vars:
      - name: op_connect_token
  validate_certs:
    env:
      - name: OP_CONNECT_VALIDATE_CERTS
    ini:
      - section: secretops_onepassword
        key: validate_certs
    vars:
      - name: op_connect_validate_certs
  ca_path:
    env:
      - name: OP_CONNECT_CA_PATH
    ini:
      - section: secretops_onepassword
        key: ca_path
    vars:
      - name: op_connect_ca_path
  client_cert:
    env:
      - name: OP_CONNECT_CLIENT_CERT
    ini:
      - section: secretops_onepassword
        key: client_cert
    vars:
      - name: op_connect_client_cert
  client_key:
    env:
      - name: OP_CONNECT_CLIENT_KEY
    ini:
      - section: secretops_onepassword
        key: client_key
    vars:
      - name: op_connect_client_key
  timeout:
    env:
      - name: OP_CONNECT_TIMEOUT
    ini:
      - section: secretops_onepassword
        key: timeout
    vars:
      - name: op_connect_timeout
  retries:
    env:
      - name: OP_CONNECT_RETRIES
    ini:
      - section: secretops_onepassword
        key: retries
    vars:
      - name: op_connect_retries
  proxies:
    vars:
      - name: op_connect_proxies
"""
