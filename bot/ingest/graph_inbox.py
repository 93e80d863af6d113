"""Graph change and lifecycle notifications at the route: checked, committed to the inbound log, answered.

A notification whose clientState does not match its subscription's secret is ignored and logged; one
for an unknown subscription too. What is committed is only ids (never the clientState). Requests that
arrive while a write is under way share the next one: one lookup of the subscriptions not in the cache
and one INSERT for all of them, so an answer costs a share of one statement. The work behind the answer
is the worker's (``graph_worker``): it claims the rows afterwards, so a crash between the 202 and the work
loses nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Final

from bot import metrics
from bot.ingest.graph_worker import CHANGES, LIFECYCLE, GraphWorker
from bot.ingest.intake import IntakeError
from bot.ingest.known_links import KnownLinks
from bot.ingest.ports import CalendarLink, InboundQueue
from bot.ingest.worker import RouteFirst
from bot.ports import Clock

log = logging.getLogger(__name__)

MAX_NOTIFICATIONS: Final = 1000
_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,255}")
_KEEP: Final = (
    "id",
    "subscriptionId",
    "changeType",
    "lifecycleEvent",
    "resource",
    "resourceData",
    "tenantId",
)
Waiting = tuple[list[tuple[str, Mapping[str, Any]]], "asyncio.Future[int]"]


def _items(payload: Any) -> list[Mapping[str, Any]]:
    if not isinstance(payload, Mapping) or not isinstance(payload.get("value"), list):
        raise IntakeError("invalid_field", "value: a list of notifications is required", field="value")
    items = payload["value"]
    if len(items) > MAX_NOTIFICATIONS:
        raise IntakeError("invalid_field", "value: too many notifications", field="value")
    return [item for item in items if isinstance(item, Mapping)]


def _delivery_id(item: Mapping[str, Any]) -> str:
    """Graph's notification id when it sends one, else a digest of the notification itself (a retry of
    the same notification is the same bytes; a new change carries a new etag)."""
    if isinstance(item.get("id"), str) and 0 < len(item["id"]) <= 200:
        return str(item["id"])
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _kept(item: Mapping[str, Any]) -> dict[str, Any]:
    """Ids only: the clientState (a secret) is not written anywhere."""
    return {key: item[key] for key in _KEEP if key in item}


def _subscription(item: Mapping[str, Any]) -> str | None:
    subscription = item.get("subscriptionId")
    return subscription if isinstance(subscription, str) and _ID.fullmatch(subscription) else None


def _genuine(item: Mapping[str, Any], known: Mapping[str, CalendarLink]) -> bool:
    subscription, state = _subscription(item), item.get("clientState")
    if subscription is None:
        log.warning("graph notification without a subscription id ignored")
        return False
    link = known.get(subscription)
    if link is None:
        log.warning("graph notification for unknown subscription %s ignored", subscription[:64])
        return False
    if not isinstance(state, str) or not hmac.compare_digest(state.encode(), link.secret.encode()):
        log.warning("graph notification for subscription %s: clientState mismatch, ignored", subscription)
        return False
    return True


class GraphInbox:
    def __init__(
        self, *, known: KnownLinks, queue: InboundQueue, clock: Clock, worker: GraphWorker, route: RouteFirst
    ) -> None:
        self._known, self._queue, self._clock, self.worker, self._route = known, queue, clock, worker, route
        self._waiting: list[Waiting] = []
        self._writing: asyncio.Task[None] | None = None

    async def accept(self, payload: Any) -> int:
        """Change notifications; returns how many were new and genuine (each processed afterwards)."""
        return await self._accept(payload, CHANGES)

    async def accept_lifecycle(self, payload: Any) -> int:
        return await self._accept(payload, LIFECYCLE)

    async def resume(self) -> int:
        """Notifications committed but not processed (a restart, or Graph was down): processed now."""
        self.worker.start()
        return await self.worker.resume()

    async def _accept(self, payload: Any, source: str) -> int:
        items = [(source, item) for item in _items(payload)]
        if not items:
            return 0
        self._route.begin()
        try:
            future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self._waiting.append((items, future))
            if self._writing is None or self._writing.done():
                self._writing = asyncio.create_task(self._write_waiting())
            return await future
        finally:
            self._route.end()

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                counts = await self._write(batch)
            except Exception as error:
                log.exception("graph: could not record %d notification requests", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), count in zip(batch, counts, strict=True):
                if not future.done():
                    future.set_result(count)

    async def _write(self, batch: list[Waiting]) -> list[int]:
        """One lookup and one INSERT for every request waiting; how many each had that were new."""
        every = [item for items, _ in batch for _, item in items]
        known = await self._known.many(s for item in every if (s := _subscription(item)) is not None)
        rows: list[tuple[str, str, dict[str, Any]]] = []
        owners: list[int] = []
        for number, (items, _) in enumerate(batch):
            for source, item in items:
                if _genuine(item, known):
                    kept = _kept(item)
                    rows.append((source, _delivery_id(kept), kept))
                    owners.append(number)
        created = await self._queue.begin_many(rows, now=self._clock.now())
        counts = [0] * len(batch)
        for (source, delivery_id, _), number in zip(rows, owners, strict=True):
            new = created.pop((source, delivery_id), None) is not None
            counts[number] += new
            metrics.events_in.labels(source, "new" if new else "repeat").inc()
        if sum(counts):
            self.worker.kick(sum(counts))
        return counts
