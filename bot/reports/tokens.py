"""Signed media ids (design 4.5): base64url(payload) + "." + base64url(HMAC-SHA256(payload)).

The id names a chart and its organisation; only the server can make one, so a URL cannot be guessed or
edited into someone else's chart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json


class BadToken(ValueError):
    """The id was not made by this server, or was changed."""


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(chart_id: str, organisation_id: int, key: bytes) -> str:
    payload = json.dumps({"c": chart_id, "o": organisation_id}, separators=(",", ":")).encode()
    signature = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_encode(payload)}.{_encode(signature)}"


def verify(token: str, key: bytes) -> tuple[str, int]:
    """The (chart id, organisation id) a token names; BadToken when it was not signed with ``key``."""
    encoded, _, signature = token.partition(".")
    try:
        payload, given = _decode(encoded), _decode(signature)
    except (binascii.Error, ValueError):
        raise BadToken("malformed media id") from None
    if _encode(payload) != encoded or _encode(given) != signature:
        raise BadToken("malformed media id")  # one spelling per id: no padding, no stray characters
    if not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest(), given):
        raise BadToken("media id signature does not match")
    try:
        data = json.loads(payload)
        return str(data["c"]), int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise BadToken("malformed media id") from None
