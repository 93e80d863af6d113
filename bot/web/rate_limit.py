"""Per-source rate limits on the webhooks: a flood from one sender gets 429 with Retry-After.

Kept per process (a guard against floods, not an accounting system): N processes allow N times the
rate. The source is the peer address, or the first X-Forwarded-For hop when the bot sits behind a
proxy that sets it (`trust_forwarded`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.web.middleware import json_error

# Our own calendar and travel webhooks. Graph and Google notifications come in legitimate bursts from a few
# Microsoft and Google addresses and each is checked on arrival (clientState, channel token), so a
# per-source limit would only drop real changes.
LIMITED_PREFIXES: Final = ("/webhooks/calendar", "/webhooks/travel")
MAX_SOURCES: Final = 10_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class SourceRateLimit:
    per_second: float = 50.0
    burst: float = 100.0
    trust_forwarded: bool = False
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)

    def allow(self, source: str, now: float) -> float:
        """0 when allowed, else the seconds until the next request would be."""
        bucket = self._buckets.pop(source, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.per_second)
        bucket.stamp = now
        self._buckets[source] = bucket
        if len(self._buckets) > MAX_SOURCES:  # forget the longest-quiet sources
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def source_of(self, request: web.Request) -> str:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if self.trust_forwarded and forwarded:
            return forwarded.split(",")[0].strip()
        return request.remote or "unknown"

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(LIMITED_PREFIXES):
            return await handler(request)
        wait = self.allow(self.source_of(request), time.monotonic())
        if wait > 0:
            retry = str(max(1, round(wait)))
            return json_error(
                429, "rate_limited", "too many requests from this source", headers={"Retry-After": retry}
            )
        return await handler(request)
