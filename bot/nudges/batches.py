"""Events that arrive together are evaluated together, in one unit of work (design 5.2).

Under load, calendar events come from many requests and ingestion workers at once. Evaluated one by one,
each costs a transaction and a handful of statements; a batch costs one transaction and the same handful,
each statement carrying every event of the batch. The database's and this process's cost per event then
falls as the load rises, where one transaction per event would queue.

An event that arrives while a lane is free starts at once: a lone event waits for nothing. An event never
shares a batch, or the batches in flight, with another event of the same meeting or the same person: it
waits for the next one. So every decision in a batch is independent of the others, and each sees the
committed nudges of the batches before (the weekly cap and the pause hold as if one at a time).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

# One batch carries this many events at most. Its work between two database round trips runs without
# yielding the event loop (about 1 ms per event), so a larger batch would delay the answers to requests
# more than it saves: the cost per event hardly falls beyond a dozen.
MOST_PER_BATCH = 12
# How far down the queue a batch looks for events, in batches' worth.
SCAN_FACTOR = 4
# Batches in flight at once: while one is in the database, the next is prepared in this process.
LANES = 2


async def give_way() -> None:
    """Between two events of a batch: whatever else is ready on the event loop (a request's next step,
    an acknowledgement) runs first. A batch's work between two database round trips would otherwise hold
    the loop for about a millisecond per event, and the answers at the routes would wait for all of it."""
    await asyncio.sleep(0)


@dataclass(eq=False)
class _Waiting(Generic[Item, Result]):
    group: Hashable
    item: Item
    keys: frozenset[str]
    future: asyncio.Future[Result] = field(repr=False)


Evaluate = Callable[[Hashable, Sequence[Item]], Awaitable[Sequence[Result | Exception]]]


class Batches(Generic[Item, Result]):
    """Gathers concurrent ``submit`` calls into batches for ``evaluate``.

    ``evaluate(group, items)`` gets items of one group (an organisation) with pairwise disjoint keys and
    returns one result or exception per item. When it raises, each item of the batch is evaluated again
    alone, so that a failure lands on the event that caused it and never on its neighbours.
    """

    def __init__(
        self,
        evaluate: Evaluate[Item, Result],
        *,
        most: int = MOST_PER_BATCH,
        lanes: int = LANES,
    ) -> None:
        self._evaluate, self._most, self._lanes = evaluate, most, lanes
        self._waiting: list[_Waiting[Item, Result]] = []
        self._busy: set[str] = set()  # the keys of the batches in flight
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, group: Hashable, item: Item, keys: frozenset[str]) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(group, item, keys, future))
        self._start_lanes()
        return await future

    def _start_lanes(self) -> None:
        while len(self._running) < self._lanes:
            batch = self._take()
            if not batch:
                return
            task = asyncio.create_task(self._lane(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    def _take(self) -> list[_Waiting[Item, Result]]:
        """The oldest waiting events of the first waiting group whose keys meet nothing taken or busy.

        Looks at the first few times ``most`` events only: under overload thousands wait, and a scan of
        them all for every batch would cost more than the batch saves."""
        taken: list[_Waiting[Item, Result]] = []
        kept: list[_Waiting[Item, Result]] = []
        claimed = set(self._busy)
        group = None
        window = self._waiting[: self._most * SCAN_FACTOR]
        for waiting in window:
            if waiting.future.done():  # its caller gave up before it was taken
                continue
            if len(taken) < self._most and not waiting.keys & claimed:
                if group is None:
                    group = waiting.group
                if waiting.group == group:
                    taken.append(waiting)
                    claimed |= waiting.keys
                    continue
            kept.append(waiting)
            claimed |= waiting.keys  # a later event of the same person stays behind this one
        self._waiting[: len(window)] = kept
        for waiting in taken:
            self._busy |= waiting.keys
        return taken

    async def _lane(self, batch: list[_Waiting[Item, Result]]) -> None:
        while batch:
            try:
                await self._run(batch)
            finally:
                for waiting in batch:
                    self._busy -= waiting.keys
            batch = self._take()
            self._start_lanes()  # what waited on this batch's keys may start in the other lanes

    async def _run(self, batch: list[_Waiting[Item, Result]]) -> None:
        group = batch[0].group
        try:
            outcomes = await self._evaluate(group, [w.item for w in batch])
        except Exception as error:
            if len(batch) == 1:
                outcomes = [error]
            else:
                log.warning("a batch of %d events failed (%s); evaluating each alone", len(batch), error)
                outcomes = [await self._alone(group, w.item) for w in batch]
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if waiting.future.done():
                continue
            if isinstance(outcome, Exception):
                waiting.future.set_exception(outcome)
            else:
                waiting.future.set_result(outcome)

    async def _alone(self, group: Hashable, item: Item) -> Result | Exception:
        try:
            return (await self._evaluate(group, [item]))[0]
        except Exception as error:
            return error
