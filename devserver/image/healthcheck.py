#!/usr/bin/env python
"""Container health check: GET /heartbeat on this container's own port.

Exits 0 when the server answers 200, 1 otherwise (Docker's convention).
The port and scheme follow the same environment as the server: HTTPS on
OP_HTTPS_PORT when OP_TLS_CERT_FILE is set, HTTP on OP_HTTP_PORT otherwise.
The probe talks to 127.0.0.1, so the certificate is not verified.
"""
import os
import ssl
import sys
import urllib.request


def main():
    if os.environ.get("OP_TLS_CERT_FILE"):
        url = "https://127.0.0.1:%s/heartbeat" % os.environ.get("OP_HTTPS_PORT", "8443")
        context = ssl._create_unverified_context()  # local liveness probe only
    else:
        url = "http://127.0.0.1:%s/heartbeat" % os.environ.get("OP_HTTP_PORT", "8080")
        context = None
    try:
        with urllib.request.urlopen(url, timeout=3, context=context) as response:
            return 0 if response.status == 200 else 1
    except Exception as exc:  # any failure means unhealthy
        print("heartbeat failed: %s" % exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
