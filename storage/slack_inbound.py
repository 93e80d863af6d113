"""Slack's inbound log: the shared ``inbound`` table, written in batches for the acknowledgement's sake."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Final

import asyncpg
from sqlalchemy import select, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import DRIVER_UNAVAILABLE, Database, DatabaseUnavailable
from storage.inbound import InboundEntry
from storage.tables import InboundRow

CHECKPOINT_EVERY: Final = 100  # batches between the SQLite inbound writer's own WAL checkpoints
Payload = str | dict[str, Any]  # the request's JSON as received (text), or already parsed

# One statement, one round trip, committed on its own: a batch needs no BEGIN and COMMIT around it. Rows
# go in in delivery-id order: two batches with ids in common (a retry that reached another writer, or
# another process) then wait for each other in one order, where in any order each could hold a key the
# other waits for, and PostgreSQL would end one of them as a deadlock.
_PG_INSERT: Final = (
    "INSERT INTO inbound (source, delivery_id, state, payload, received_at) "
    "SELECT $1, d, 'received', CAST(p AS json), $2 FROM unnest($3::text[], $4::text[]) AS u(d, p) "
    "ORDER BY d ON CONFLICT DO NOTHING RETURNING id, delivery_id"
)
_PG_FINISH: Final = (
    "UPDATE inbound SET state = 'done', payload = NULL, done_at = $1 WHERE id = ANY($2::integer[])"
)
_SQLITE_ROW: Final = "(?, ?, 'received', ?, ?)"
_SQLITE_INSERT: Final = (
    "INSERT INTO inbound (source, delivery_id, state, payload, received_at) VALUES {rows} "
    "ON CONFLICT DO NOTHING RETURNING id, delivery_id"
)
_SQLITE_FINISH: Final = "UPDATE inbound SET state = 'done', payload = NULL, done_at = ? WHERE id IN ({ids})"
# What a lost or refused PostgreSQL connection raises through the driver itself, or a write that waited
# too long.
_PG_UNAVAILABLE: Final = (*DRIVER_UNAVAILABLE, TimeoutError)


def as_json(payload: Payload) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload)


class SqlSlackInbound:
    """The shared inbound log (``inbound``), written in batches: one statement for many events.

    Uniqueness is the table's (source, delivery id) constraint, so a retry is refused here in whichever
    process it lands. The acknowledgement waits for these writes, so they skip the ORM and SQLAlchemy's
    statement layer: one prepared multi-row INSERT ... RETURNING per batch, committed on its own (no
    BEGIN and COMMIT round trips), with the payload stored as the JSON text Slack sent (nothing to
    serialise again). PostgreSQL batches go through connections kept open (no pool checkout or ping per
    batch). SQLite batches go through a connection of their own on one thread, one hand-over per batch:
    through the async driver every statement is a hand-over between threads, and each waits for the
    interpreter lock while the event loop is busy acknowledging, which is exactly when it matters.
    """

    def __init__(self, database: Database, *, source: str = "slack") -> None:
        self._db, self._source = database, source
        self._idle: list[AsyncConnection] = []
        self._open: list[AsyncConnection] = []
        self._sqlite: _SqliteWriter | None = None if database.is_postgres else _SqliteWriter(database.url)

    @property
    def writers(self) -> int:
        """Batches that may be written at the same time: SQLite has one writer, PostgreSQL overlaps two,
        so a request arriving during a commit need not wait for it before its own batch starts."""
        return 1 if self._sqlite is not None else 2

    async def begin_many(self, entries: Sequence[tuple[str, Payload]], *, now: datetime) -> dict[str, int]:
        """Record events; returns the new row id per delivery id (ids seen before are left out)."""
        if not entries:
            return {}
        ids = [delivery_id for delivery_id, _payload in entries]
        payloads = [as_json(payload) for _delivery_id, payload in entries]
        if self._sqlite is not None:
            return await self._sqlite.insert(self._source, ids, payloads, now)
        rows = await self._pg(lambda c: c.fetch(_PG_INSERT, self._source, now, ids, payloads))
        return {row["delivery_id"]: row["id"] for row in rows}

    async def finish_many(self, entry_ids: Sequence[int], *, now: datetime) -> None:
        """Done: the payloads (which hold what people typed) are dropped."""
        if not entry_ids:
            return
        if self._sqlite is not None:
            await self._sqlite.finish(list(entry_ids), now)
            return
        await self._pg(lambda c: c.execute(_PG_FINISH, now, list(entry_ids)))

    async def close(self) -> None:
        connections, self._open, self._idle = self._open, [], []
        for connection in connections:
            with contextlib.suppress(DBAPIError, OSError):
                await connection.close()
        if self._sqlite is not None:
            await self._sqlite.close()

    async def _pg(self, run: Any) -> Any:
        """``run`` on the driver connection of one of the kept connections (opened when none is idle)."""
        connection = self._idle.pop() if self._idle else None
        if connection is None or connection.closed or connection.invalidated:
            connection = await self._db.engine.connect()
            self._open.append(connection)
        try:
            driver = (await connection.get_raw_connection()).driver_connection
            result = await run(driver)
        except BaseException as error:
            await self._drop(connection)  # a connection in doubt is not used again
            if isinstance(error, _PG_UNAVAILABLE):
                raise DatabaseUnavailable("the inbound log could not be written") from error
            raise
        self._idle.append(connection)
        return result

    async def _drop(self, connection: AsyncConnection) -> None:
        if connection in self._open:
            self._open.remove(connection)
        with contextlib.suppress(DBAPIError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await connection.invalidate()
            await connection.close()

    async def claim_stale(self, *, received_before: datetime, limit: int = 100) -> list[InboundEntry]:
        """Events acknowledged but never finished (a crash), taken over by exactly one process."""
        query = (
            select(InboundRow.id)
            .where(
                InboundRow.source == self._source,
                InboundRow.state == "received",
                InboundRow.received_at < received_before,
            )
            .order_by(InboundRow.id)
            .limit(limit)
        )
        claimed: list[InboundEntry] = []
        async with self._db.transaction() as session:
            for entry_id in list((await session.execute(query)).scalars()):
                statement = update(InboundRow).where(
                    InboundRow.id == entry_id, InboundRow.state == "received"
                )
                if (await session.execute(statement.values(state="resumed"))).rowcount:
                    row = await session.get(InboundRow, entry_id)
                    assert row is not None
                    claimed.append(
                        InboundEntry(entry_id, row.source, row.delivery_id, row.state, row.payload)
                    )
        return claimed


class _SqliteWriter:
    """SQLite writes, through the sqlite3 module in autocommit mode: tried on the event loop first, and on
    a thread of their own when another connection holds SQLite's write lock.

    A batch is one INSERT of a few rows into the WAL: a fraction of a millisecond. Handing every batch to a
    thread cost far more: the result waited for the interpreter lock and then for the loop's next turn,
    about 10 ms per batch on a busy loop (measured), and each acknowledgement in the batch waited with it.
    On the loop the busy timeout is zero, so the loop never waits for the lock: its holder (the work's
    transactions, through aiosqlite) may need the loop to finish. The thread waits, as long as the busy
    timeout allows. The thread also checkpoints the WAL every so many batches, passively (it waits for
    nobody), so that no commit does it: SQLite would otherwise checkpoint, with an fsync, in whichever
    commit crosses 1,000 pages, and that commit would be an acknowledgement's."""

    def __init__(self, url: str) -> None:
        self._path = make_url(url).database or ""
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slack-inbound")
        self._here: sqlite3.Connection | None = None  # the loop's
        self._there: sqlite3.Connection | None = None  # the thread's
        self._commits = 0
        self._checkpoint: asyncio.Future[None] | None = None
        # Timestamps exactly as SQLAlchemy stores them, so that queries through it compare them right.
        dialect = sqlite_dialect.dialect()
        column = InboundRow.__table__.c.received_at
        self._stamp = column.type.dialect_impl(dialect).bind_processor(dialect)

    async def insert(self, source: str, ids: list[str], payloads: list[str], now: datetime) -> dict[str, int]:
        stamp = self._stamp(now)
        params: list[Any] = []
        for delivery_id, payload in zip(ids, payloads, strict=True):
            params += (source, delivery_id, payload, stamp)
        rows = await self._execute(_SQLITE_INSERT.format(rows=", ".join([_SQLITE_ROW] * len(ids))), params)
        return {delivery_id: entry_id for entry_id, delivery_id in rows}

    async def finish(self, entry_ids: list[int], now: datetime) -> None:
        sql = _SQLITE_FINISH.format(ids=", ".join("?" * len(entry_ids)))
        await self._execute(sql, [self._stamp(now), *entry_ids])

    async def _execute(self, sql: str, params: list[Any]) -> list[Any]:
        loop = asyncio.get_running_loop()
        try:
            try:
                if self._here is None:
                    self._here = _connect(self._path, busy_ms=0)
                rows = self._here.execute(sql, params).fetchall()  # autocommit: committed when it completes
            except sqlite3.OperationalError as error:
                if getattr(error, "sqlite_errorcode", 0) & 0xFF not in (
                    sqlite3.SQLITE_BUSY,
                    sqlite3.SQLITE_LOCKED,
                ):
                    raise
                rows = await loop.run_in_executor(self._thread, self._execute_there, sql, params)
        except sqlite3.OperationalError as error:  # locked for longer than the busy timeout, disk gone
            raise DatabaseUnavailable("the inbound log could not be written") from error
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0 and (self._checkpoint is None or self._checkpoint.done()):
            self._checkpoint = loop.run_in_executor(self._thread, self._checkpoint_there)
        return rows

    def _execute_there(self, sql: str, params: list[Any]) -> list[Any]:
        if self._there is None:
            self._there = _connect(self._path, busy_ms=10_000)
        return self._there.execute(sql, params).fetchall()

    def _checkpoint_there(self) -> None:
        if self._there is None:
            self._there = _connect(self._path, busy_ms=10_000)
        with contextlib.suppress(sqlite3.OperationalError):  # the next one will do
            self._there.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _close_there(self) -> None:
        if self._there is not None:
            self._there.close()
            self._there = None

    async def close(self) -> None:
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        if self._here is not None:
            self._here.close()
            self._here = None
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close_there)
        self._thread.shutdown(wait=True)


def _connect(path: str, *, busy_ms: int) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", f"busy_timeout={busy_ms}", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}").fetchall()
    connection.execute("PRAGMA wal_autocheckpoint=0").fetchall()
    return connection
