"""Graph subscriptions by id, for the notification hot path: looked up many at a time and kept a minute.

A subscription's secret (its clientState) is set when it is created and never changes, so a minute-old
answer is safe; a subscription we do not know is asked for again next time (another process may just
have created it).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.ingest.cache import TtlCache
from bot.ingest.graph_events import SOURCE
from bot.ingest.ports import CalendarLink, CalendarLinks


class KnownLinks:
    def __init__(self, links: CalendarLinks, *, seconds: float = 60, max_items: int = 100_000) -> None:
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

    def forget(self, subscription_id: str) -> None:
        """After a lifecycle event, which may renew, replace or remove the subscription."""
        self._known.forget(subscription_id)
