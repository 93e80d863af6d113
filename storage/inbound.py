"""The inbound log: every platform event is committed before it is acknowledged, once per delivery id.

A second delivery of the same id (platforms retry) finds the row and stops; what was answered the first
time is kept in ``result`` so a retried web chat request gets the same reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot import metrics
from storage.database import Database, insert_for
from storage.tables import InboundRow


@dataclass(frozen=True, slots=True)
class InboundEntry:
    id: int
    source: str
    delivery_id: str
    state: str
    payload: dict[str, Any] | None


class SqlInboundLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def begin(
        self, *, source: str, delivery_id: str, payload: dict[str, Any], now: datetime
    ) -> int | None:
        """Record the event; None when this delivery id was seen before (stop there)."""
        values = {
            "source": source,
            "delivery_id": delivery_id,
            "state": "received",
            "payload": payload,
            "received_at": now,
        }
        async with self._db.transaction() as session:
            insert = insert_for(session)(InboundRow).values(**values)
            # One statement: the new row's id, or no row when the delivery id is known (a repeat).
            statement = insert.on_conflict_do_nothing().returning(InboundRow.id)
            entry_id = (await session.execute(statement)).scalar()
        if entry_id is None:
            metrics.events_in.labels(source, "repeat").inc()
            return None
        metrics.events_in.labels(source, "new").inc()
        return int(entry_id)

    async def finish(self, entry_id: int, *, now: datetime, result: dict[str, Any] | None = None) -> None:
        """Done: the payload (which may hold what a person typed) is replaced by the result, if any."""
        async with self._db.transaction() as session:
            values = {"state": "done", "payload": result, "done_at": now}
            await session.execute(update(InboundRow).where(InboundRow.id == entry_id).values(**values))

    async def seen(self, *, source: str, delivery_id: str) -> InboundEntry | None:
        query = select(InboundRow).where(InboundRow.source == source, InboundRow.delivery_id == delivery_id)
        async with self._db.session() as session:
            row = (await session.execute(query)).scalar()
        return _entry(row) if row else None

    async def unfinished(self, *, source: str, limit: int = 100) -> Sequence[InboundEntry]:
        """Events committed but not handled (a crash between ack and work), to resume at start."""
        query = (
            select(InboundRow)
            .where(InboundRow.source == source, InboundRow.state == "received")
            .order_by(InboundRow.id)
            .limit(limit)
        )
        async with self._db.session() as session:
            return [_entry(row) for row in (await session.execute(query)).scalars()]


def _entry(row: InboundRow) -> InboundEntry:
    assert row.id is not None
    return InboundEntry(row.id, row.source, row.delivery_id, row.state, row.payload)
