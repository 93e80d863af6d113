"""Graph notifications worked off the inbound log, after they were answered: claimed under a lease,
fetched, evaluated, finished.

A few pumps each claim a batch of rows (``LEASE`` long: a process that dies holding them loses nothing,
another takes them over when the lease ends; two pumps, in any processes, never hold the same row), fetch
the batch's events from Graph at once (one shared HTTP session, a cached token, only GRAPH_SELECT), save
their mailbox references in one statement, then evaluate them one by one through the nudge engine, each
in its turn behind the webhook route (``RouteFirst``). The batch is finished in one statement. A row
Graph could not answer for (no answer, 5xx, 429) is given back to be tried again after ``RETRY_AFTER``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Final

from bot.ingest.graph_events import GraphEvent
from bot.ingest.graph_sync import GraphSync
from bot.ingest.known_links import KnownLinks
from bot.ingest.ports import CalendarLink, Claimed, InboundQueue, ProviderError
from bot.ingest.worker import BackgroundWork, RouteFirst
from bot.ports import Clock

log = logging.getLogger(__name__)

CHANGES: Final = "graph"
LIFECYCLE: Final = "graph_lifecycle"
SOURCES: Final = (CHANGES, LIFECYCLE)
LEASE: Final = timedelta(minutes=2)
RETRY_AFTER: Final = timedelta(seconds=30)
# Rows left by another process, or whose lease or retry time has passed, are looked for this often.
LOOK_EVERY_SECONDS: Final = 30.0
# A worker process (INGEST_IN_WORKERS) hears of no new rows from the routes of another process: it
# looks this often, and while rows wait, keeps every pump busy.
WORKER_LOOK_SECONDS: Final = 0.5


class Outcome:
    DONE, RETRY, FAILED = "done", "retry", "failed"


def outcome_of(error: BaseException | None, what: str) -> str:
    """Done, or to be tried again later (passing trouble at Graph), or failed (left to its lease)."""
    if error is None:
        return Outcome.DONE
    if isinstance(error, ProviderError):
        if error.status == 0 or error.status >= 500 or error.status == 429:
            log.warning("graph %s: no answer from Graph (%s), tried again later", what, error.status)
            return Outcome.RETRY
        log.warning("graph %s failed: %s", what, error.status)  # Graph refuses it: trying again won't help
        return Outcome.DONE
    log.error("graph %s failed", what, exc_info=error)
    return Outcome.FAILED


def event_id_of(item: Mapping[str, Any]) -> str:
    data = item.get("resourceData")
    event_id = data.get("id") if isinstance(data, Mapping) else None
    if isinstance(event_id, str) and event_id:
        return event_id
    return str(item.get("resource") or "").rsplit("/", 1)[-1]


class GraphWorker:
    def __init__(
        self,
        *,
        sync: GraphSync,
        known: KnownLinks,
        queue: InboundQueue,
        clock: Clock,
        work: BackgroundWork,
        route: RouteFirst,
        pumps: int = 4,
        batch: int = 16,
        here: bool = True,
    ) -> None:
        self._sync, self._known, self._queue, self._clock = sync, known, queue, clock
        self._work, self._route, self._pumps, self._batch = work, route, pumps, batch
        # False in a web process whose notifications the worker processes work off (INGEST_IN_WORKERS).
        self._here = here
        self._look_every = LOOK_EVERY_SECONDS
        self._looking_failed = False
        self._running = 0
        self._held: set[int] = set()  # claimed here and not yet finished or given back
        self._looking: asyncio.Task[None] | None = None
        self._stopped = False

    def kick(self, rows: int = 1) -> None:
        """New rows may be waiting: start pumps for them, up to the limit."""
        wanted = min(self._pumps - self._running, max(1, -(-rows // self._batch)))
        for _ in range(wanted if self._here and not self._stopped else 0):
            self._running += 1
            self._work.submit("graph notifications", self._pump)

    async def resume(self) -> int:
        """Rows that could be claimed now (left by a restart, a dead process, or a retry): worked off."""
        await self._queue.open()
        return await self._kick_waiting()

    async def _kick_waiting(self) -> int:
        waiting = await self._queue.waiting(sources=SOURCES, now=self._clock.now())
        if waiting:
            self.kick(waiting)
        return waiting

    def start(self) -> None:
        if self._looking is None and self._here:
            self._looking = asyncio.create_task(self._look_forever(), name="graph-notifications-look")

    def start_in_worker(self) -> None:
        """In a `remm-bot worker` process: work off what the web processes accept, looking often."""
        self._here, self._look_every = True, WORKER_LOOK_SECONDS
        self.start()

    async def _look_forever(self) -> None:
        try:
            await self._known.load()
        except Exception:  # the subscriptions are then looked up as notifications come
            log.exception("graph: could not read the subscriptions in advance")
        while True:
            # A real timer, not the Clock port: a simulated clock would turn this into a busy loop.
            await asyncio.sleep(self._look_every)
            if self._running < self._pumps:
                await self._look_for_work()

    async def _look_for_work(self) -> None:
        try:
            await self._kick_waiting()
        except Exception as error:  # the database may be away for a while: look again, quietly
            if not self._looking_failed:
                log.warning("graph notifications: could not look for work (%s)", type(error).__name__)
            self._looking_failed = True
        else:
            self._looking_failed = False

    def stop(self) -> None:
        self._stopped = True
        if self._looking is not None:
            self._looking.cancel()

    async def close(self) -> None:
        """After the pumps have stopped: rows they held are given back at once, for the next start."""
        self.stop()
        if self._looking is not None:
            await asyncio.gather(self._looking, return_exceptions=True)
        held, self._held = list(self._held), set()
        with contextlib.suppress(Exception):
            await self._queue.release(held, until=None)
        await self._queue.close()

    async def _pump(self) -> None:
        try:
            while not self._stopped:
                now = self._clock.now()
                claimed = await self._queue.claim(
                    sources=SOURCES, now=now, lease_until=now + LEASE, limit=self._batch
                )
                if not claimed:
                    return
                self._held.update(entry.id for entry in claimed)
                await self._settle(await self._process(claimed))
        finally:
            self._running -= 1

    async def _settle(self, outcomes: Mapping[int, str]) -> None:
        done = [entry_id for entry_id, outcome in outcomes.items() if outcome == Outcome.DONE]
        retry = [entry_id for entry_id, outcome in outcomes.items() if outcome == Outcome.RETRY]
        try:
            await self._queue.finish_many(done, now=self._clock.now())
            await self._queue.release(retry, until=self._clock.now() + RETRY_AFTER)
        except Exception:  # the rows stay leased; they are worked off again (idempotently) after the lease
            log.exception("graph notifications: could not record %d outcomes", len(outcomes))
        self._held.difference_update(outcomes)

    async def _process(self, claimed: Sequence[Claimed]) -> dict[int, str]:
        outcomes = {entry.id: Outcome.DONE for entry in claimed}
        items = {entry.id: entry.payload for entry in claimed if isinstance(entry.payload, Mapping)}
        known = await self._known.many(str(item.get("subscriptionId")) for item in items.values())
        changes: list[tuple[int, CalendarLink, Mapping[str, Any]]] = []
        for entry in claimed:
            item = items.get(entry.id)
            link = known.get(str(item.get("subscriptionId"))) if item else None
            if item is None or link is None:
                continue  # nothing to do: unreadable, or the subscription is gone
            if entry.source == LIFECYCLE:
                outcomes[entry.id] = await self._lifecycle(entry.id, link, item)
            else:
                changes.append((entry.id, link, item))
        outcomes |= await self._changes(changes)
        return outcomes

    async def _lifecycle(self, entry_id: int, link: CalendarLink, item: Mapping[str, Any]) -> str:
        event = item.get("lifecycleEvent")
        log.info("graph lifecycle %s for subscription %s", event, link.external_id)
        self._known.forget(link.external_id)
        try:
            if event == "reauthorizationRequired":
                await self._sync.renew(link)
            elif event == "subscriptionRemoved":
                await self._sync.recreate(link)
            elif event == "missed":
                await self._sync.catch_up(link)
        except Exception as error:
            return outcome_of(error, f"lifecycle {entry_id}")
        return Outcome.DONE

    async def _changes(self, changes: list[tuple[int, CalendarLink, Mapping[str, Any]]]) -> dict[int, str]:
        """Fetched together, references saved together, evaluated together."""
        outcomes: dict[int, str] = {}
        fetched = await self._fetch_all(changes)
        ready: list[tuple[int, CalendarLink, GraphEvent | str]] = []
        for (entry_id, link, _), result in zip(changes, fetched, strict=True):
            if isinstance(result, BaseException):
                outcomes[entry_id] = outcome_of(result, f"notification {entry_id}")
            elif isinstance(result, str):
                ready.append((entry_id, link, result))  # deleted: an event id
            elif result is not None and (read := self._sync.read(link, result)) is not None:
                ready.append((entry_id, link, read))
        events = [(link, event) for _, link, event in ready if isinstance(event, GraphEvent)]
        try:
            await self._sync.prepare(events)
        except Exception as error:
            return outcomes | {entry_id: outcome_of(error, "references") for entry_id, _, _ in ready}
        # Changes together, so that the nudge engine can take them in one batch (each was fetched just now,
        # so two changes of one meeting carry the same state); deletions after them, one by one.
        changed = [item for item in ready if not isinstance(item[2], str)]
        deleted = [item for item in ready if isinstance(item[2], str)]
        async with self._route.turn():
            evaluated = await asyncio.gather(*(self._evaluate(*item) for item in changed))
        outcomes |= {entry_id: outcome for (entry_id, _, _), outcome in zip(changed, evaluated, strict=True)}
        for entry_id, link, change in deleted:
            async with self._route.turn():
                outcomes[entry_id] = await self._evaluate(entry_id, link, change)
        return outcomes

    async def _fetch_all(
        self, changes: Sequence[tuple[int, CalendarLink, Mapping[str, Any]]]
    ) -> list[Mapping[str, Any] | str | BaseException | None]:
        """For each change: the event's current state; its id when it is deleted or gone; the error that
        kept it; None when there is nothing to do. The events still there are fetched together."""
        results: list[Mapping[str, Any] | str | BaseException | None] = [None] * len(changes)
        wanted: list[tuple[int, CalendarLink, str]] = []
        for n, (_entry_id, link, item) in enumerate(changes):
            event_id = event_id_of(item)
            if event_id and item.get("changeType") == "deleted":
                results[n] = event_id
            elif event_id:
                wanted.append((n, link, event_id))
        fetched = await self._sync.fetch_many([(link, event_id) for _, link, event_id in wanted])
        for (n, _link, event_id), data in zip(wanted, fetched, strict=True):
            results[n] = event_id if data is None else data
        return results

    async def _evaluate(self, entry_id: int, link: CalendarLink, event: GraphEvent | str) -> str:
        try:
            if isinstance(event, str):
                await self._sync.event_deleted(link, event)
            else:
                await self._sync.evaluate(link, event)
        except Exception as error:
            return outcome_of(error, f"notification {entry_id}")
        return Outcome.DONE
