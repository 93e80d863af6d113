"""Slack's inbound log: the shared ``inbound`` table, written in batches for the acknowledgement's sake."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Final

from sqlalchemy import create_engine, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.inbound import InboundEntry
from storage.tables import InboundRow

CHECKPOINT_EVERY: Final = 100  # batches between the SQLite inbound writer's own WAL checkpoints


class SqlSlackInbound:
    """The shared inbound log (``inbound``), written in batches: one transaction for many events.

    Uniqueness is the table's (source, delivery id) constraint, so a retry is refused here in whichever
    process it lands. Batching is what keeps Slack's acknowledgement fast on SQLite, which has one writer.
    PostgreSQL batches go through one connection kept open (no pool checkout, no ping, per batch). SQLite
    batches go through a connection of their own on one thread, one hand-over per batch: through the async
    driver every statement is a hand-over between threads, and each waits for the interpreter lock while
    the event loop is busy acknowledging, which is exactly when it matters.
    """

    def __init__(self, database: Database, *, source: str = "slack") -> None:
        self._db, self._source = database, source
        insert = postgresql.insert if database.is_postgres else sqlite.insert
        # Built once: executed with a list of rows, SQLAlchemy sends them as one multi-row INSERT.
        self._insert = (
            insert(InboundRow).on_conflict_do_nothing().returning(InboundRow.id, InboundRow.delivery_id)
        )
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._sqlite: _SqliteWriter | None = None if database.is_postgres else _SqliteWriter(database.url)

    async def begin_many(
        self, entries: Sequence[tuple[str, dict[str, Any]]], *, now: datetime
    ) -> dict[str, int]:
        """Record events; returns the new row id per delivery id (ids seen before are left out)."""
        rows = [
            {"source": self._source, "delivery_id": delivery_id, "state": "received", "payload": payload}
            | {"received_at": now}
            for delivery_id, payload in entries
        ]
        if not rows:
            return {}
        returned = await self._write(self._insert, rows)
        return {row.delivery_id: row.id for row in returned}

    async def finish_many(self, entry_ids: Sequence[int], *, now: datetime) -> None:
        """Done: the payloads (which hold what people typed) are dropped."""
        if not entry_ids:
            return
        statement = update(InboundRow).where(InboundRow.id.in_(entry_ids))
        await self._write(statement.values(state="done", payload=None, done_at=now), None)

    async def close(self) -> None:
        async with self._lock:
            await self._drop()
        if self._sqlite is not None:
            await self._sqlite.close()

    async def _write(self, statement: Any, rows: list[dict[str, Any]] | None) -> list[Any]:
        if self._sqlite is not None:
            return await self._sqlite.write(statement, rows)
        async with self._lock:
            connection = self._connection
            if connection is None or connection.closed or connection.invalidated:
                connection = self._connection = await self._db.engine.connect()
            try:
                async with connection.begin():
                    result = await connection.execute(statement, rows)
                    return list(result.all()) if result.returns_rows else []
            except BaseException:
                await self._drop()  # a connection in doubt is not used again
                raise

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(DBAPIError, OSError):
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
    """SQLite writes on one thread of their own, with SQLAlchemy's synchronous engine on the same file.

    The WAL is checkpointed by this thread every so many batches, passively (it waits for nobody), and
    not inside a commit: SQLite would otherwise checkpoint, with an fsync, in whichever commit crosses
    1,000 pages, and that commit would be an acknowledgement's."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(make_url(url).set(drivername="sqlite"), connect_args={"timeout": 30})
        event.listen(self._engine, "connect", _writer_pragmas)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slack-inbound")
        self._commits = 0

    async def write(self, statement: Any, rows: list[dict[str, Any]] | None) -> list[Any]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._write, statement, rows)

    def _write(self, statement: Any, rows: list[dict[str, Any]] | None) -> list[Any]:
        with self._engine.begin() as connection:
            result = connection.execute(statement, rows)
            returned = list(result.all()) if result.returns_rows else []
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0:
            with self._engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        return returned

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown(wait=True)


def _writer_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()
