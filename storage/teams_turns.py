"""What a Teams turn keeps and reads, written in batches: the inbound log (dedupe) and the preferences.

Every Teams turn answers inside its HTTP request, so the turns waiting on the database at one moment are
written together: one transaction takes every waiting ``finish`` (an UPDATE per row, sent as one batch),
every waiting ``begin`` (one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING) and every waiting
preferences read (one SELECT ... IN). A turn still waits for the commit of its own row before it goes on,
so an activity is committed before it is answered, and a resend finds the row (the table's unique key on
source and delivery id decides, in whichever process the resend lands). A turn does not wait for its
``finish``: the answer has gone out by then, and the row is marked done with the next batch.

On SQLite the batch runs on one thread of its own with the synchronous driver: through the async driver
every statement is a hand-over between threads, and SQLite has one writer anyway. On PostgreSQL up to two
batches are written at once, on an event loop of their own in one thread, each on a connection kept open
(no pool checkout and no ping per batch), so one slow commit does not hold every turn; after a quiet spell
a kept connection is pinged first, and one that failed is closed, so the next batch opens another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, bindparam, create_engine, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bot import metrics
from bot.domain.records import Preferences
from storage.database import Database
from storage.nudges import preferences_of
from storage.tables import InboundRow, PreferenceRow

log = logging.getLogger(__name__)

SOURCE: Final = "teams"
PING_AFTER_SECONDS: Final = 5.0
POSTGRES_WRITERS: Final = 2


@dataclass
class _Kept:
    connection: AsyncConnection
    used: float = 0.0


@dataclass
class _Batch:
    """The work of every turn waiting at one moment; the answers come back in the same object."""

    begins: list[tuple[str, dict[str, Any], datetime]] = field(default_factory=list)
    finishes: list[dict[str, Any]] = field(default_factory=list)
    person_ids: set[int] = field(default_factory=set)
    entry_ids: dict[str, int] = field(default_factory=dict)
    preferences: dict[int, Preferences] = field(default_factory=dict)
    done: asyncio.Future[None] | None = None


class SqlTeamsTurns:
    def __init__(
        self, database: Database, *, source: str = SOURCE, ping_after_seconds: float = PING_AFTER_SECONDS
    ) -> None:
        self._db, self._source = database, source
        insert = postgresql.insert if database.is_postgres else sqlite.insert
        # Built once: executed with a list of rows, SQLAlchemy sends them as one multi-row INSERT.
        self._insert = (
            insert(InboundRow).on_conflict_do_nothing().returning(InboundRow.id, InboundRow.delivery_id)
        )
        self._finish = (
            update(InboundRow)
            .where(InboundRow.id == bindparam("entry_id"))
            .values(state="done", payload=bindparam("result"), done_at=bindparam("now"))
        )
        self._open: _Batch | None = None  # gathering work, not started
        self._writers: set[asyncio.Task[None]] = set()
        self._most_writers = POSTGRES_WRITERS if database.is_postgres else 1
        self._kept: list[_Kept] = []  # PostgreSQL connections not in use
        self._ping_after = ping_after_seconds
        self._sqlite: _SqliteThread | None = None if database.is_postgres else _SqliteThread(database.url)
        self._postgres: _LoopThread | None = _LoopThread(database.url) if database.is_postgres else None

    async def begin(self, *, delivery_id: str, payload: dict[str, Any], now: datetime) -> int | None:
        """Record the activity; None when this delivery id was seen before (stop there)."""
        batch = self._batch()
        first = all(key != delivery_id for key, _, _ in batch.begins)
        if first:
            batch.begins.append((delivery_id, payload, now))
        await self._wait(batch)
        entry_id = batch.entry_ids.pop(delivery_id, None) if first else None
        metrics.events_in.labels(self._source, "repeat" if entry_id is None else "new").inc()
        return entry_id

    async def finish(self, entry_id: int, *, now: datetime, result: dict[str, Any] | None = None) -> None:
        """Done: the payload (what the activity was) is replaced by what was answered."""
        self.finish_later(entry_id, now=now, result=result)
        await self._wait(self._batch())

    def finish_later(self, entry_id: int, *, now: datetime, result: dict[str, Any] | None = None) -> None:
        """``finish`` without waiting: it goes with the next batch, ahead of that batch's new rows, so a
        resend that arrives after it finds the row done (with its answer). ``close`` writes what is left."""
        self._batch().finishes.append({"entry_id": entry_id, "result": result, "now": now})

    async def preferences(self, person_id: int) -> Preferences:
        return await self.preferences_soon(person_id)

    def preferences_soon(self, person_id: int) -> asyncio.Future[Preferences]:
        """The read is queued now, so it rides in the same batch as a ``begin`` called right after."""
        batch = self._batch()
        batch.person_ids.add(person_id)
        answer: asyncio.Future[Preferences] = asyncio.get_running_loop().create_future()

        def resolve(done: asyncio.Future[None]) -> None:
            if answer.done():  # the turn gave up waiting
                return
            failure = done.exception()
            if failure is not None:
                answer.set_exception(failure)
                answer.exception()  # seen: a turn that stopped early (a repeat) never awaits it
            else:
                answer.set_result(batch.preferences.get(person_id) or Preferences(person_id=person_id))

        assert batch.done is not None
        batch.done.add_done_callback(resolve)
        return answer

    async def close(self) -> None:
        while self._writers:
            await asyncio.wait(set(self._writers))
        if self._postgres is not None:
            await self._postgres.run(self._close_kept())
            await self._postgres.close()
        if self._sqlite is not None:
            await self._sqlite.close()

    def _batch(self) -> _Batch:
        if self._open is None:
            self._open = _Batch(done=asyncio.get_running_loop().create_future())
        if len(self._writers) < self._most_writers:  # every writer is busy with a batch of its own
            writer = asyncio.create_task(self._write_all())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return self._open

    async def _wait(self, batch: _Batch) -> None:
        assert batch.done is not None
        await asyncio.shield(batch.done)  # a turn that gives up does not cancel the others' batch

    async def _write_all(self) -> None:
        """Write batch after batch while turns keep adding work; stop when none waits."""
        try:
            while self._open is not None:
                batch, self._open = self._open, None
                assert batch.done is not None
                try:
                    await self._write(batch)
                except Exception as error:  # every turn in the batch learns it failed; the next batch may not
                    log.warning(
                        "Teams turn log: a batch of %s rows failed (%s)",
                        len(batch.begins) + len(batch.finishes),
                        type(error).__name__,
                    )
                    batch.done.set_exception(error)
                    batch.done.exception()  # marked as seen: a batch of reads alone may have no waiter left
                else:
                    batch.done.set_result(None)
        finally:
            # At once, not in a done callback: work queued from now on must start a writer of its own.
            self._writers.discard(asyncio.current_task())

    async def _write(self, batch: _Batch) -> None:
        if self._sqlite is not None:
            await self._sqlite.run(self._apply, batch)
            return
        assert self._postgres is not None
        await self._postgres.run(self._write_postgres(batch))

    async def _write_postgres(self, batch: _Batch) -> None:
        """On the PostgreSQL thread's own event loop."""
        kept = await self._connection()
        try:
            async with kept.connection.begin():
                await kept.connection.run_sync(self._apply, batch)
        except BaseException:
            await _close(kept.connection)  # a connection in doubt is not used again
            raise
        kept.used = time.monotonic()
        self._kept.append(kept)

    async def _close_kept(self) -> None:
        for kept in self._kept:
            await _close(kept.connection)
        self._kept.clear()

    async def _connection(self) -> _Kept:
        """A kept connection; after a quiet spell it is pinged first (the server may have restarted)."""
        while self._kept:
            kept = self._kept.pop()
            if kept.connection.closed or kept.connection.invalidated:
                continue
            if time.monotonic() - kept.used < self._ping_after:
                return kept
            try:
                await kept.connection.exec_driver_sql("SELECT 1")
                await kept.connection.rollback()
                return kept
            except (DBAPIError, OSError):
                log.info("a kept database connection of the Teams turn log was gone; opening another")
                await _close(kept.connection)
        assert self._postgres is not None
        return _Kept(await self._postgres.engine.connect())

    def _apply(self, connection: Connection, batch: _Batch) -> None:
        """One transaction (the caller's): finishes, then begins, then reads."""
        if batch.finishes:
            connection.execute(self._finish, batch.finishes)
        if batch.begins:
            rows = [
                {
                    "source": self._source,
                    "delivery_id": key,
                    "state": "received",
                    "payload": payload,
                    "received_at": now,
                }
                # In key order: batches with keys in common (a resend at another writer or process) then
                # wait for each other in one order instead of deadlocking (storage/slack_inbound.py).
                for key, payload, now in sorted(batch.begins, key=lambda begin: begin[0])
            ]
            batch.entry_ids = {row.delivery_id: row.id for row in connection.execute(self._insert, rows)}
        if batch.person_ids:
            query = select(PreferenceRow).where(PreferenceRow.person_id.in_(sorted(batch.person_ids)))
            batch.preferences = {
                row.person_id: preferences_of(row) for row in connection.execute(query).all()
            }


async def _close(connection: AsyncConnection) -> None:
    with contextlib.suppress(DBAPIError, OSError):
        await connection.close()


class _SqliteThread:
    """The batches' own SQLite connection, on one thread: one hand-over per batch, not per statement."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(make_url(url).set(drivername="sqlite"), connect_args={"timeout": 30})
        event.listen(self._engine, "connect", _pragmas)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teams-turns")

    async def run(self, work: Any, batch: _Batch) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._run, work, batch)

    def _run(self, work: Any, batch: _Batch) -> None:
        with self._engine.begin() as connection:
            work(connection, batch)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown(wait=True)


class _LoopThread:
    """The batches' PostgreSQL connections, on an event loop of their own in one thread: a batch's round
    trips are answered as they arrive, not when the server's busy event loop comes round to them."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="teams-turns", daemon=True)
        self._thread.start()
        # Connections of its own (a pooled one belongs to the server's loop); this class keeps them.
        self.engine = create_async_engine(url, poolclass=NullPool)

    async def run(self, work: Coroutine[Any, Any, None]) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    async def close(self) -> None:
        await self.run(self.engine.dispose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
        self._loop.close()


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
