"""Graph subscriptions by id, for the notification hot path: all read at the start, then looked up many
at a time when one is missing, and kept ten minutes.

A subscription's secret (its clientState) is set when it is created and never changes, so an old answer
is safe. A subscription we do not know is asked for again next time (another process may just have
created it). One removed by a lifecycle event is forgotten at once in the process that handled the
event; other processes may still take notifications for it for a few minutes, which concern the same
mailbox and go through the same idempotent nudge engine.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.ingest.cache import TtlCache
from bot.ingest.graph_events import SOURCE
from bot.ingest.ports import CalendarLink, CalendarLinks


class KnownLinks:
    def __init__(self, links: CalendarLinks, *, seconds: float = 600, max_items: int = 200_000) -> None:
        self._links = links
        self._known: TtlCache[str, CalendarLink] = TtlCache(seconds=seconds, max_items=max_items)

    async def many(self, subscription_ids: Iterable[str]) -> dict[str, CalendarLink]:
        """The known ones among ``subscription_ids``; those not cached are read in one query."""
        found, missing = {}, []
        for subscription in set(subscription_ids):
            link = self._known.get(subscription)
            if link is None:
                missing.append(subscription)
            else:
                found[subscription] = link
        if missing:
            for subscription, link in (await self._links.many(SOURCE, missing)).items():
                self._known.put(subscription, link)
                found[subscription] = link
        return found

    async def load(self) -> int:
        """Every subscription at once (at the start), so the first notifications need no lookup."""
        links = await self._links.all(SOURCE)
        for link in links:
            self._known.put(link.external_id, link)
        return len(links)

    def forget(self, subscription_id: str) -> None:
        """After a lifecycle event, which may renew, replace or remove the subscription."""
        self._known.forget(subscription_id)
