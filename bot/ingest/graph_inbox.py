"""Graph change and lifecycle notifications: checked, committed to the inbound log, answered, processed.

A notification whose clientState does not match its subscription's secret is ignored and logged; one
for an unknown subscription too. What is committed is only ids (never the clientState), so a crash
between the 202 and the work resumes it at the next start.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Final

from bot.ingest.cache import TtlCache
from bot.ingest.graph_events import SOURCE
from bot.ingest.graph_sync import GraphSync
from bot.ingest.intake import IntakeError
from bot.ingest.ports import CalendarLink, CalendarLinks, InboundLog, ProviderError
from bot.ingest.worker import BackgroundWork
from bot.ports import Clock

log = logging.getLogger(__name__)

CHANGES: Final = "graph"
LIFECYCLE: Final = "graph_lifecycle"
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


class GraphInbox:
    def __init__(
        self,
        *,
        sync: GraphSync,
        links: CalendarLinks,
        inbound: InboundLog,
        clock: Clock,
        work: BackgroundWork,
    ) -> None:
        self._sync, self._links, self._inbound, self._clock, self._work = sync, links, inbound, clock, work
        # Subscriptions are looked up on every notification; their secret never changes, so a minute is safe.
        self._known: TtlCache[str, CalendarLink] = TtlCache(seconds=60, max_items=100_000)
        self._in_flight: set[int] = set()  # submitted here and not finished: resume leaves them alone

    async def accept(self, payload: Any) -> int:
        """Change notifications; returns how many were new and genuine (each processed afterwards)."""
        return await self._accept(payload, CHANGES)

    async def accept_lifecycle(self, payload: Any) -> int:
        return await self._accept(payload, LIFECYCLE)

    async def _accept(self, payload: Any, source: str) -> int:
        accepted = 0
        for item in _items(payload):
            link = await self._genuine(item)
            if link is None:
                continue
            kept = _kept(item)
            entry = await self._inbound.begin(
                source=source, delivery_id=_delivery_id(kept), payload=kept, now=self._clock.now()
            )
            if entry is None:
                continue
            accepted += 1
            self._submit(entry, source, kept, link)
        return accepted

    def _submit(self, entry_id: int, source: str, item: Mapping[str, Any], link: CalendarLink | None) -> None:
        async def job() -> None:
            try:
                await self._handle(entry_id, source, item, link)
            finally:
                self._in_flight.discard(entry_id)

        self._in_flight.add(entry_id)
        self._work.submit(f"{source}:{entry_id}", job)

    async def _genuine(self, item: Mapping[str, Any]) -> CalendarLink | None:
        subscription, state = item.get("subscriptionId"), item.get("clientState")
        if not isinstance(subscription, str) or not _ID.fullmatch(subscription):
            log.warning("graph notification without a subscription id ignored")
            return None
        link = await self._link(subscription)
        if link is None:
            log.warning("graph notification for unknown subscription %s ignored", subscription[:64])
            return None
        if not isinstance(state, str) or not hmac.compare_digest(state.encode(), link.secret.encode()):
            log.warning("graph notification for subscription %s: clientState mismatch, ignored", subscription)
            return None
        return link

    async def _link(self, subscription: str) -> CalendarLink | None:
        link = self._known.get(subscription)
        if link is None:
            link = await self._links.get(SOURCE, subscription)
            if link is not None:
                self._known.put(subscription, link)
        return link

    async def _handle(
        self, entry_id: int, source: str, item: Mapping[str, Any], link: CalendarLink | None = None
    ) -> None:
        if link is None or source == LIFECYCLE:  # a lifecycle event may replace the subscription
            self._known.forget(str(item.get("subscriptionId")))
            link = await self._links.get(SOURCE, str(item.get("subscriptionId")))
        try:
            if link is not None:
                await (self._lifecycle(link, item) if source == LIFECYCLE else self._change(link, item))
        except ProviderError as error:
            if error.status == 0 or error.status >= 500 or error.status == 429:
                raise  # passing trouble at Graph: left unfinished, resumed later
            log.warning("graph %s for %s failed: %s", source, entry_id, error.status)
        await self._inbound.finish(entry_id, now=self._clock.now())

    async def _change(self, link: CalendarLink, item: Mapping[str, Any]) -> None:
        data = item.get("resourceData")
        event_id = data.get("id") if isinstance(data, Mapping) else None
        if not isinstance(event_id, str) or not event_id:
            event_id = str(item.get("resource") or "").rsplit("/", 1)[-1]
        if not event_id:
            return
        if item.get("changeType") == "deleted":
            await self._sync.event_deleted(link, event_id)
        else:
            await self._sync.event_changed(link, event_id)

    async def _lifecycle(self, link: CalendarLink, item: Mapping[str, Any]) -> None:
        event = item.get("lifecycleEvent")
        log.info("graph lifecycle %s for subscription %s", event, link.external_id)
        if event == "reauthorizationRequired":
            await self._sync.renew(link)
        elif event == "subscriptionRemoved":
            await self._sync.recreate(link)
        elif event == "missed":
            await self._sync.catch_up(link)

    async def resume(self) -> int:
        """Notifications committed before a restart but not processed: processed now."""
        resumed = 0
        for source in (CHANGES, LIFECYCLE):
            for entry in await self._inbound.unfinished(source=source, limit=1000):
                if isinstance(entry.payload, Mapping) and entry.id not in self._in_flight:
                    self._submit(entry.id, source, entry.payload, None)
                    resumed += 1
        return resumed
