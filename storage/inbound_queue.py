"""The inbound log as a work queue (Graph notifications): written in batches, worked off under a lease.

A row is recorded before its request is answered, many per statement. Workers then claim rows by
setting ``lease_until``: a claim takes only rows whose lease is unset or over, so rows of a worker that
died are taken over once its lease ends, and on PostgreSQL ``FOR UPDATE SKIP LOCKED`` keeps two claims
running at the same moment (in any processes) from taking the same row. SQLite has one writer, so its
claim, one UPDATE ... RETURNING, is atomic anyway.

On PostgreSQL each statement here commits on its own (autocommit) on one of two connections kept open:
one for the webhook route's inserts, one for the workers' claims, so an answer never queues behind a
claim, and no statement pays for a pool checkout, a ping, a BEGIN or a COMMIT.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from bot.ingest.ports import Claimed
from storage.database import DRIVER_UNAVAILABLE, Database, DatabaseUnavailable
from storage.tables import InboundRow

# In key order, so that batches with keys in common (another process's) wait for each other in one order
# instead of deadlocking (storage/slack_inbound.py says how).
_RECORD_PG = (
    "INSERT INTO inbound (source, delivery_id, state, payload, received_at) "
    "SELECT u.source, u.delivery_id, 'received', CAST(u.payload AS json), $4 "
    "FROM unnest($1::text[], $2::text[], $3::text[]) AS u(source, delivery_id, payload) "
    "ORDER BY u.source, u.delivery_id ON CONFLICT DO NOTHING RETURNING id, source, delivery_id"
)


class _Line:
    """One PostgreSQL connection in autocommit mode, used by one caller at a time; reopened after trouble."""

    def __init__(self, database: Database) -> None:
        self._db, self._lock = database, asyncio.Lock()
        self._connection: AsyncConnection | None = None

    async def open(self) -> None:
        async with self._lock:
            await self._open()

    async def _open(self) -> AsyncConnection:
        connection = self._connection
        if connection is None or connection.closed or connection.invalidated:
            connection = await self._db.engine.connect()
            self._connection = connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    async def execute(self, statement: Any, rows: list[dict[str, Any]] | None = None) -> list[Any]:
        async with self._lock:
            connection = await self._open()
            try:
                result = await connection.execute(statement, rows)
                return list(result.all()) if result.returns_rows else []
            except BaseException:
                await self._drop()  # a connection in doubt is not used again
                raise

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        """A statement straight to asyncpg on this connection (no SQLAlchemy compilation per call)."""
        async with self._lock:
            connection = await self._open()
            try:
                raw: Any = (await connection.get_raw_connection()).driver_connection
                return list(await raw.fetch(sql, *args))
            except DRIVER_UNAVAILABLE as error:
                await self._drop()
                raise DatabaseUnavailable(
                    f"the database connection failed: {type(error).__name__}"
                ) from error
            except BaseException:
                await self._drop()  # a connection in doubt is not used again
                raise

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(DBAPIError, OSError):
                await connection.close()


class SqlInboundQueue:
    def __init__(self, database: Database) -> None:
        self._db = database
        insert = postgresql.insert if database.is_postgres else sqlite.insert
        # Built once: executed with a list of rows, SQLAlchemy sends them as one multi-row INSERT.
        self._insert = (
            insert(InboundRow)
            .on_conflict_do_nothing()
            .returning(InboundRow.id, InboundRow.source, InboundRow.delivery_id)
        )
        self._writer = _Line(database) if database.is_postgres else None
        self._worker = _Line(database) if database.is_postgres else None
        # SQLite: claims of this process one at a time (a second writer would only wait for the first).
        self._claiming = asyncio.Lock()

    async def begin_many(
        self, entries: Sequence[tuple[str, str, dict[str, Any]]], *, now: datetime
    ) -> dict[tuple[str, str], int]:
        """Record (source, delivery id, payload) entries; the new row id per (source, delivery id). Ids seen
        before, in an earlier batch or in this one, are left out."""
        unique = {(source, delivery_id): payload for source, delivery_id, payload in entries}
        if not unique:
            return {}
        if self._writer is not None:
            # One prepared statement whatever the number of rows: SQLAlchemy compiled a multi-row INSERT
            # anew for every batch size, several milliseconds of the event loop on the answers' path.
            sources, deliveries = [s for s, _ in unique], [d for _, d in unique]
            payloads = [json.dumps(payload) for payload in unique.values()]
            found = await self._writer.fetch(_RECORD_PG, sources, deliveries, payloads, now)
            return {(row[1], row[2]): row[0] for row in found}
        rows = [
            {"source": source, "delivery_id": delivery_id, "state": "received", "payload": payload}
            | {"received_at": now}
            for (source, delivery_id), payload in unique.items()
        ]
        returned = await self._run(None, self._insert, rows)
        return {(row.source, row.delivery_id): row.id for row in returned}

    async def claim(
        self, *, sources: Sequence[str], now: datetime, lease_until: datetime, limit: int
    ) -> list[Claimed]:
        """Up to ``limit`` unfinished rows nobody holds (oldest first), now held until ``lease_until``."""
        free = or_(col(InboundRow.lease_until).is_(None), col(InboundRow.lease_until) <= now)
        pick = (
            select(InboundRow.id)
            .where(InboundRow.source.in_(sources), InboundRow.state == "received", free)
            .order_by(InboundRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # SQLite renders no locking clause
        )
        statement = (
            update(InboundRow)
            .where(InboundRow.id.in_(pick.scalar_subquery()))
            .values(lease_until=lease_until)
            .returning(InboundRow.id, InboundRow.source, InboundRow.payload)
        )
        async with self._claiming:
            rows = await self._run(self._worker, statement)
        return sorted((Claimed(row.id, row.source, row.payload) for row in rows), key=lambda entry: entry.id)

    async def finish_many(self, entry_ids: Sequence[int], *, now: datetime) -> None:
        """Done: the payloads are dropped and the rows never claimed again."""
        if entry_ids:
            statement = update(InboundRow).where(InboundRow.id.in_(entry_ids))
            values = {"state": "done", "payload": None, "done_at": now, "lease_until": None}
            await self._run(self._worker, statement.values(**values))

    async def release(self, entry_ids: Sequence[int], *, until: datetime | None) -> None:
        """Give rows back unfinished: free from ``until`` (a retry later), or at once with None."""
        if entry_ids:
            statement = update(InboundRow).where(InboundRow.id.in_(entry_ids), InboundRow.state == "received")
            await self._run(self._worker, statement.values(lease_until=until))

    async def waiting(self, *, sources: Sequence[str], now: datetime) -> int:
        """How many unfinished rows could be claimed now."""
        free = or_(col(InboundRow.lease_until).is_(None), col(InboundRow.lease_until) <= now)
        query = select(func.count()).where(
            InboundRow.source.in_(sources), InboundRow.state == "received", free
        )
        async with self._db.session() as session:
            return int((await session.execute(query)).scalar_one())

    async def open(self) -> None:
        """Connect now, so that the first answers do not wait for it."""
        for line in (self._writer, self._worker):
            if line is not None:
                await line.open()

    async def close(self) -> None:
        for line in (self._writer, self._worker):
            if line is not None:
                await line.close()

    async def _run(
        self, line: _Line | None, statement: Any, rows: list[dict[str, Any]] | None = None
    ) -> list[Any]:
        if line is not None:
            return await line.execute(statement, rows)
        async with self._db.transaction() as session:
            # Core execution on the session's connection: no ORM bookkeeping for a plain statement.
            result = await (await session.connection()).execute(statement, rows)
            return list(result.all()) if result.returns_rows else []
