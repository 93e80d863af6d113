"""The outbox dispatcher: takes due rows, sends them through the recipient's platform, records the result.

Waiting (rate limits, idle polls) goes through the Clock port, so tests never sleep. A row found in
``sending`` after a crash is checked with the platform where it can tell (``DeliveryCheck``); elsewhere
it is resent and counted as a redelivery.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import metrics
from bot.domain.delivery import OutboxItem, SentRef
from bot.ports import (
    Clock,
    DeliveryFailed,
    Messenger,
    Outbox,
    RateLimited,
    RecipientUnreachable,
    StorageUnavailable,
)

log = logging.getLogger(__name__)

# Never start a send with less of the claim left than this (a slow platform answer must fit in it), or a
# quarter of the claim when that is less: a fixed 10 s would hand back unsent every row of a shorter lease.
LEASE_MARGIN_SECONDS = 10.0
LEASE_MARGIN_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    """Messages per second per platform, the gap between two messages to one person, and retries."""

    per_channel: Mapping[str, float] = field(
        default_factory=lambda: {"slack": 20.0, "teams": 30.0, "webchat": 500.0, "console": 1000.0}
    )
    per_recipient_gap_seconds: float = 1.0
    max_attempts: int = 8
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 3600.0
    batch: int = 50
    lease_seconds: float = 60.0
    idle_seconds: float = 0.5
    concurrency: int = 8

    @property
    def lease_margin_seconds(self) -> float:
        return min(LEASE_MARGIN_SECONDS, self.lease_seconds * LEASE_MARGIN_SHARE)


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    unreachable: int = 0
    failed: int = 0
    redelivered: int = 0
    confirmed_after_crash: int = 0


class TokenBucket:
    """At most ``rate`` per second on average, bursts up to ``rate`` (one second's worth)."""

    def __init__(self, rate: float, clock: Clock) -> None:
        self._rate, self._clock = rate, clock
        self._tokens = rate
        self._stamp = clock.now()
        self._lock = asyncio.Lock()

    def hold_until(self, moment: datetime) -> None:
        """After a 429 nobody on this platform sends before ``moment``."""
        self._tokens = min(self._tokens, 0.0)
        self._stamp = max(self._stamp, moment)

    async def acquire(self) -> None:
        async with self._lock:
            now = self._clock.now()
            elapsed = (now - self._stamp).total_seconds()
            if elapsed > 0:
                self._tokens = min(self._rate, self._tokens + elapsed * self._rate)
                self._stamp = now
            self._tokens -= 1.0
            wait = max(-elapsed, 0.0) + (-self._tokens / self._rate if self._tokens < 0 else 0.0)
            if wait > 0:
                await self._clock.sleep(wait)


def backoff(attempts: int, limits: DeliveryLimits, rng: random.Random) -> float:
    """Exponential backoff with full jitter: spreads retries so a recovering platform is not stampeded."""
    ceiling = min(limits.backoff_cap_seconds, limits.backoff_base_seconds * 2 ** max(0, attempts - 1))
    return rng.uniform(ceiling / 2, ceiling)


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        messengers: Mapping[str, Messenger],
        clock: Clock,
        *,
        limits: DeliveryLimits | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._outbox, self._messengers, self._clock = outbox, messengers, clock
        self.limits = limits or DeliveryLimits()
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not security)
        self._buckets = {name: TokenBucket(rate, clock) for name, rate in self.limits.per_channel.items()}
        self._last_to: dict[int, datetime] = {}
        self._wake = asyncio.Event()
        self.stats = DeliveryStats()

    def wake(self) -> None:
        """Something was enqueued in this process: deliver now instead of after the idle wait."""
        self._wake.set()

    async def run_once(self) -> int:
        now = self._clock.now()
        items = await self._outbox.claim_due(
            now=now, limit=self.limits.batch, lease_seconds=self.limits.lease_seconds
        )
        gate = asyncio.Semaphore(self.limits.concurrency)

        async def one(item: OutboxItem) -> None:
            async with gate:
                await self._deliver(item)

        await asyncio.gather(*(one(item) for item in items))
        return len(items)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except StorageUnavailable as error:
                log.warning("dispatcher pass stopped, trying again shortly: %s", error)
                handled = 0
            except Exception:
                log.exception("dispatcher pass failed; trying again shortly")
                handled = 0
            if handled == 0:
                self._wake.clear()
                await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        sleeper = asyncio.ensure_future(self._clock.sleep(self.limits.idle_seconds))
        await asyncio.wait([*waiters, sleeper], return_when=asyncio.FIRST_COMPLETED)
        for task in (*waiters, sleeper):
            task.cancel()

    async def _deliver(self, item: OutboxItem) -> None:
        messenger = self._messengers.get(item.recipient.channel)
        if messenger is None:
            await self._outbox.mark_unreachable(
                item.id,
                reason=f"no_channel:{item.recipient.channel}",
                now=self._clock.now(),
                lease=item.lease_until,
            )
            self.stats.unreachable += 1
            return
        if item.maybe_delivered and await self._confirmed_earlier(item, messenger):
            return
        await self._pace(item)
        if await self._lease_ending(item):
            return
        channel, started = item.recipient.channel, time.perf_counter()
        try:
            ref = await self._send(item, messenger)
        except RateLimited as limited:
            metrics.deliveries.labels(channel, "rate_limited").inc()
            await self._rate_limited(item, limited)
        except RecipientUnreachable as unreachable:
            metrics.deliveries.labels(channel, "unreachable").inc()
            await self._outbox.mark_unreachable(
                item.id, reason=unreachable.reason, now=self._clock.now(), lease=item.lease_until
            )
            self.stats.unreachable += 1
            log.info("outbox %s unreachable: %s", item.id, unreachable.reason)
        except DeliveryFailed as failure:
            metrics.deliveries.labels(channel, "failed").inc()
            await self._failed(item, failure.reason)
        except Exception as error:  # a Messenger bug must not stop delivery of everything else
            log.exception(
                "outbox %s: unexpected error from the %s messenger", item.id, item.recipient.channel
            )
            await self._failed(item, f"unexpected:{type(error).__name__}")
        else:
            metrics.delivery_seconds.labels(channel).observe(time.perf_counter() - started)
            metrics.deliveries.labels(channel, "sent").inc()
            if item.maybe_delivered:
                metrics.outbox_redelivered.labels(channel).inc()
                self.stats.redelivered += 1
            await self._outbox.mark_sent(
                item.id,
                ref=ref,
                now=self._clock.now(),
                lease=item.lease_until,
                redelivered=item.maybe_delivered,
            )
            self.stats.sent += 1

    async def _lease_ending(self, item: OutboxItem) -> bool:
        """Waiting (a 429 hold, pacing) may outlast the claim: hand it back rather than risk a second copy."""
        if item.lease_until is None:
            return False
        if (item.lease_until - self._clock.now()).total_seconds() > self.limits.lease_margin_seconds:
            return False
        log.info("outbox %s: lease ending before send; released for another pass", item.id)
        await self._outbox.mark_retry(
            item.id,
            at=self._clock.now(),
            error="lease_ended_before_send",
            now=self._clock.now(),
            lease=item.lease_until,
            maybe_delivered=item.maybe_delivered,
        )
        return True

    async def _send(self, item: OutboxItem, messenger: Messenger) -> SentRef:
        if item.update_ref is not None:
            await messenger.update(item.update_ref, item.message)
            return item.update_ref
        return await messenger.send(item.recipient, item.message, key=item.key)

    async def _confirmed_earlier(self, item: OutboxItem, messenger: Messenger) -> bool:
        find = getattr(messenger, "find_delivered", None)
        if find is None:
            return False
        ref: SentRef | None = await find(item)
        if ref is None:
            return False
        await self._outbox.mark_sent(
            item.id, ref=ref, now=self._clock.now(), lease=item.lease_until, redelivered=False
        )
        self.stats.confirmed_after_crash += 1
        return True

    async def _pace(self, item: OutboxItem) -> None:
        bucket = self._buckets.get(item.recipient.channel)
        if bucket is not None:
            await bucket.acquire()
        previous = self._last_to.get(item.recipient.person_id)
        gap = self.limits.per_recipient_gap_seconds
        if previous is not None:
            wait = gap - (self._clock.now() - previous).total_seconds()
            if wait > 0:
                await self._clock.sleep(wait)
        self._last_to[item.recipient.person_id] = self._clock.now()

    async def _rate_limited(self, item: OutboxItem, limited: RateLimited) -> None:
        at = self._clock.now() + timedelta(seconds=max(limited.retry_after, 0.0))
        bucket = self._buckets.get(item.recipient.channel)
        if bucket is not None:
            bucket.hold_until(at)
        await self._outbox.mark_retry(
            item.id,
            at=at,
            error="rate_limited",
            now=self._clock.now(),
            lease=item.lease_until,
            maybe_delivered=item.maybe_delivered,
        )
        self.stats.retried += 1

    async def _failed(self, item: OutboxItem, reason: str) -> None:
        now = self._clock.now()
        if item.attempts >= self.limits.max_attempts:
            await self._outbox.mark_failed(item.id, error=reason, now=now, lease=item.lease_until)
            self.stats.failed += 1
            return
        at = now + timedelta(seconds=backoff(item.attempts, self.limits, self._rng))
        await self._outbox.mark_retry(
            item.id,
            at=at,
            error=reason,
            now=now,
            lease=item.lease_until,
            maybe_delivered=item.maybe_delivered,
        )
        self.stats.retried += 1
