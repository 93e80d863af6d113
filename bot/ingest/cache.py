"""A small time-bounded cache for lookups on the notification hot path (subscriptions, directory emails).

Kept per process and short-lived: a stale entry costs at most a minute of an old answer, and every
process can rebuild it from the database (design 7: nothing in memory that another process needs).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, *, seconds: float, max_items: int, now: Callable[[], float] = time.monotonic) -> None:
        self._seconds, self._max, self._now = seconds, max_items, now
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._loading: dict[K, asyncio.Future[V]] = {}

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        if found[0] < self._now():
            del self._items[key]
            return None
        return found[1]

    async def get_or_load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The value kept for ``key``, or else ``load()``'s, loaded once for every caller that asks while
        it loads: a batch's notifications all ask at the same moment, and one database read serves them."""
        found = self.get(key)
        if found is not None:
            return found
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(self._load(key, load))
        # Shielded: a caller that gives up does not cancel the load the others wait for.
        return await asyncio.shield(loading)

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await load()
            self.put(key, value)
            return value
        finally:
            del self._loading[key]

    def put(self, key: K, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._now() + self._seconds, value)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def forget(self, key: K) -> None:
        self._items.pop(key, None)
