"""Signatures of our own webhooks (design 4.2).

``X-Remm-Timestamp: <unix seconds>`` and ``X-Remm-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<raw body>">`` with the organisation's secret. Older (or further ahead) than five minutes
is refused; the same signature twice is a replay and refused by the caller (storage remembers it).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Final

TIMESTAMP_HEADER: Final = "X-Remm-Timestamp"
SIGNATURE_HEADER: Final = "X-Remm-Signature"
ORGANISATION_HEADER: Final = "X-Remm-Organisation"
MAX_AGE_SECONDS: Final = 300
_PREFIX: Final = "sha256="


class SignatureError(ValueError):
    """The request is not signed as it must be; ``code`` is stable, ``field`` names the header."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field = code, field


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The header value a sender puts in X-Remm-Signature."""
    message = str(timestamp).encode("ascii") + b"." + body
    return _PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(*, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime) -> str:
    """Check the two headers; returns the signature's hex digest (the replay key) or raises SignatureError."""
    if not timestamp:
        raise SignatureError("missing_signature", TIMESTAMP_HEADER, f"{TIMESTAMP_HEADER} is required")
    if not signature:
        raise SignatureError("missing_signature", SIGNATURE_HEADER, f"{SIGNATURE_HEADER} is required")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("bad_timestamp", TIMESTAMP_HEADER, f"{TIMESTAMP_HEADER} must be unix seconds")
    if abs(now.timestamp() - int(timestamp)) > MAX_AGE_SECONDS:
        raise SignatureError(
            "stale_timestamp", TIMESTAMP_HEADER, f"{TIMESTAMP_HEADER} is more than five minutes from now"
        )
    expected = sign(secret, timestamp, body)
    if not signature.startswith(_PREFIX) or not hmac.compare_digest(
        expected.encode("ascii"), signature.strip().encode("utf-8", "replace")
    ):
        raise SignatureError("bad_signature", SIGNATURE_HEADER, f"{SIGNATURE_HEADER} does not match the body")
    return expected.removeprefix(_PREFIX)
