"""Small helpers shared by the dev server modules."""

from __future__ import annotations

import datetime
import re
import secrets

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
ID_RE = re.compile(r"^[a-z0-9]{26}$")


def new_id() -> str:
    """A 26-character lowercase id like the ones Connect assigns."""
    return "".join(secrets.choice(ID_ALPHABET) for dummy in range(26))


def is_id(value) -> bool:
    return isinstance(value, str) and bool(ID_RE.match(value))


def now_rfc3339() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % now.microsecond


class ApiError(Exception):
    """An error answered to the client as JSON {status, message}."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


_DURATION_RE = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """Parse '90s', '15m', '1h30m', '7d' or plain seconds; a leading '-' is allowed."""
    raw = text.strip()
    sign = 1
    if raw.startswith("-"):
        sign, raw = -1, raw[1:]
    if raw.isdigit():
        return sign * int(raw)
    pos, total = 0, 0
    for match in _DURATION_RE.finditer(raw):
        if match.start() != pos:
            break
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(raw) or not raw:
        raise ValueError("invalid duration %r: use e.g. 90s, 15m, 1h, 1h30m, 7d" % text)
    return sign * total
