"""Slack's rules for incoming work: commit the inbound row, acknowledge within 3 s, do the work after.

``accept`` joins the next batch written to the inbound log: whoever waits when a write starts shares its
one transaction, so the acknowledgement costs one commit per batch, not per request (SQLite has one
writer). A delivery id seen before (Slack's retries carry the same event id) gets None, in any process.
The work then runs on a few background workers; rows left unfinished by a crash are taken over later.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from bot import metrics
from bot.ports import Clock
from storage.database import is_unavailable
from storage.slack_inbound import Payload, SqlSlackInbound

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Raw:
    """A request's body as it came, parsed again only when its turn comes: a queue of these holds one
    string per request instead of a tree of dicts, which keeps the garbage collector's passes short."""

    text: str
    content_type: str | None = None


Work = Raw | dict[str, Any]
Handler = Callable[[Work], Awaitable[None]]
BATCH: Final = 200
STALE_AFTER: Final = timedelta(minutes=2)
RESUME_EVERY_SECONDS: Final = 60.0
DRAIN_SECONDS: Final = 10.0
# Work waits for a pause in the requests this long, and for a busy stretch at most this long.
QUIET_SECONDS: Final = 0.05
ACKS_FIRST_SECONDS: Final = 5.0


class Acks:
    """Requests from Slack at the route. Acknowledging within 3 s matters more than answering a moment
    sooner, so the workers wait for a pause in the requests (or, in a long busy stretch, take their turn
    after a few seconds anyway)."""

    def __init__(self) -> None:
        self._in_flight = 0
        self._last = 0.0

    def begin(self) -> None:
        self._in_flight += 1
        self._last = time.monotonic()

    def end(self) -> None:
        self._in_flight -= 1
        self._last = time.monotonic()

    async def let_through(self) -> None:
        deadline = time.monotonic() + ACKS_FIRST_SECONDS
        while (now := time.monotonic()) < deadline:
            quiet_at = self._last + QUIET_SECONDS
            if self._in_flight == 0 and now >= quiet_at:
                return
            await asyncio.sleep(max(quiet_at - now, QUIET_SECONDS / 5))


class SlackInbox:
    def __init__(self, store: SqlSlackInbound, clock: Clock, handler: Handler, *, workers: int = 8) -> None:
        self._store, self._clock, self._handler, self._workers = store, clock, handler, workers
        self.acks = Acks()
        self._pending: list[tuple[str, Payload, asyncio.Future[int | None]]] = []
        self._finished: list[int] = []
        self._wake = asyncio.Event()
        self._queue: asyncio.PriorityQueue[tuple[int, int, int, Work]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self._tasks: list[asyncio.Task[None]] = []
        self._flushing = asyncio.Lock()
        # The counters' children looked up once: labels() takes a lock and builds a key on every call.
        self._counted = {
            True: metrics.events_in.labels("slack", "new"),
            False: metrics.events_in.labels("slack", "repeat"),
        }

    async def accept(self, delivery_id: str, payload: Payload) -> int | None:
        """Commit the inbound row (with the next batch); its id, or None when this id was seen before.
        ``payload`` is what the work will need after a restart: the JSON as Slack sent it, or a dict."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._pending.append((delivery_id, payload, future))
        self._wake.set()
        return await future

    async def take(self, delivery_id: str, stored: Payload, work: Work, *, urgent: bool = False) -> None:
        """Commit the inbound row, then queue its work; a delivery id seen before is only recorded once."""
        entry = await self.accept(delivery_id, stored)
        if entry is not None:
            self.submit(entry, work, urgent=urgent)

    def submit(self, entry_id: int, payload: Work, *, urgent: bool = False) -> None:
        """Queue the work; clicks go first (a modal must open within 3 s of the click)."""
        self._queue.put_nowait((0 if urgent else 1, next(self._order), entry_id, payload))

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._write_forever(), name=f"slack-inbox-writer-{n}")
            for n in range(self._store.writers)
        ]
        self._tasks += [asyncio.create_task(self._work_forever()) for _ in range(self._workers)]
        self._tasks.append(asyncio.create_task(self._resume_forever(), name="slack-inbox-resume"))

    async def idle(self) -> None:
        """Until every piece of work submitted so far is done (and recorded as done)."""
        await self._queue.join()
        await self._flush_finished()

    async def stop(self) -> None:
        """Let queued work finish for a while; what is left is taken over after a restart."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), DRAIN_SECONDS)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._flush_finished()
        await self._store.close()

    async def resume(self) -> int:
        """Take over rows acknowledged but never finished (a process died); returns how many."""
        stale = await self._store.claim_stale(received_before=self._clock.now() - STALE_AFTER)
        for entry in stale:
            if entry.payload:
                self.submit(entry.id, entry.payload)
            else:
                self._finished.append(entry.id)
        if stale:
            log.info("slack: resuming %d events acknowledged before a restart", len(stale))
        return len(stale)

    async def _write_forever(self) -> None:
        """One writer: takes whatever waits as one batch. With two (PostgreSQL), one batch can be on its
        way while the other commits; the table's unique key keeps them apart."""
        while True:
            await self._wake.wait()
            if not self._pending:
                self._wake.clear()
                await self._flush_finished()
                continue
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            await self._write(batch)

    async def _write(self, batch: list[tuple[str, Payload, asyncio.Future[int | None]]]) -> None:
        unique = {delivery_id: payload for delivery_id, payload, _future in reversed(batch)}
        try:
            created = await self._store.begin_many(list(unique.items()), now=self._clock.now())
        except Exception as error:
            _log_failure(error, "slack: could not record %d incoming events", len(batch))
            for _delivery_id, _payload, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for delivery_id, _payload, future in batch:
            if not future.done():
                # A repeat inside one batch: only the first waiter gets the row.
                entry_id = created.pop(delivery_id, None)
                self._counted[entry_id is not None].inc()
                future.set_result(entry_id)

    async def _flush_finished(self) -> None:
        async with self._flushing:  # whoever flushes second waits for the first one's commit
            done, self._finished = self._finished, []
            try:
                await self._store.finish_many(done, now=self._clock.now())
            except Exception as error:
                _log_failure(error, "slack: could not mark %d events done; they will be resumed", len(done))

    async def _work_forever(self) -> None:
        while True:
            _priority, _order, entry_id, payload = await self._queue.get()
            await self.acks.let_through()
            finished = True
            try:
                await self._handler(payload)
            except Exception as error:
                if is_unavailable(error):
                    # Not the event's fault: its row stays unfinished, and is resumed once it is stale.
                    finished = False
                    log.warning("slack: event %s waits for the database (%s)", entry_id, type(error).__name__)
                else:
                    log.exception("slack: handling event %s failed", entry_id)
            finally:
                if finished:
                    self._finished.append(entry_id)
                    self._wake.set()
                self._queue.task_done()

    async def _resume_forever(self) -> None:
        while True:
            try:
                await self.resume()
            except Exception as error:
                _log_failure(error, "slack: resuming unfinished events failed")
            # A real timer, not the Clock port: a simulated clock would turn this into a busy loop.
            await asyncio.sleep(RESUME_EVERY_SECONDS)


def _log_failure(error: Exception, message: str, *args: object) -> None:
    """A database that cannot be reached is a condition to report, not a bug: no traceback for it."""
    if is_unavailable(error):
        log.warning("%s (the database is unavailable: %s)", message % args, type(error).__name__)
    else:
        log.error(message, *args, exc_info=error)
