"""The outbox: persistent proactive messages. Claiming is safe with several dispatchers.

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``; SQLite with one ``UPDATE ... RETURNING`` statement,
which SQLite runs under its single writer lock, so two processes never claim the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.delivery import OutboxItem, OutboxKind, OutboxState, SentRef
from bot.messages import OutgoingMessage, Recipient
from storage.database import Database, insert_for, reachable
from storage.tables import IdentityRow, OutboxRow

_CLAIMABLE = (OutboxState.QUEUED.value, OutboxState.RETRY.value)


async def enqueue(
    session: AsyncSession,
    *,
    organisation_id: int,
    person_id: int,
    key: str,
    kind: OutboxKind,
    channel: str,
    message: OutgoingMessage,
    due_at: datetime,
    update_of_id: int | None = None,
) -> bool:
    """Add a row inside the caller's transaction; the same (person, key, kind) twice adds nothing."""
    values: dict[str, Any] = {
        "organisation_id": organisation_id,
        "person_id": person_id,
        "key": key,
        "kind": kind.value,
        "channel": channel,
        "payload": message.to_dict(),
        "state": OutboxState.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": due_at,
        "update_of_id": update_of_id,
        "redelivered": 0,
        "created_at": due_at,
        "updated_at": due_at,
    }
    statement = insert_for(session)(OutboxRow).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)


async def withdraw(session: AsyncSession, *, person_id: int, key: str, now: datetime) -> int:
    """Withdraw rows for this subject that have not gone out yet; returns how many."""
    statement = (
        update(OutboxRow)
        .where(OutboxRow.person_id == person_id, OutboxRow.key == key, OutboxRow.state.in_(_CLAIMABLE))
        .values(state=OutboxState.WITHDRAWN.value, updated_at=now)
    )
    result = await session.execute(statement)
    return int(result.rowcount)


class SqlOutbox:
    def __init__(self, database: Database) -> None:
        self._db = database

    def _due(self, now: datetime) -> Any:
        waiting = and_(OutboxRow.state.in_(_CLAIMABLE), OutboxRow.next_attempt_at <= now)
        abandoned = and_(OutboxRow.state == OutboxState.SENDING.value, col(OutboxRow.lease_until) < now)
        return or_(waiting, abandoned)

    async def claim_due(self, *, now: datetime, limit: int, lease_seconds: float) -> Sequence[OutboxItem]:
        lease = now + timedelta(seconds=lease_seconds)
        async with reachable(), self._db.transaction() as session:
            picked = select(OutboxRow.id, OutboxRow.state).where(self._due(now))
            picked = picked.order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit)
            if self._db.is_postgres:
                picked = picked.with_for_update(skip_locked=True)
            else:
                # Any write statement takes SQLite's single writer lock for the rest of the transaction,
                # so a second process cannot select the same rows before this one marks them.
                await session.execute(
                    update(OutboxRow).where(OutboxRow.id == -1).values(state=OutboxRow.state)
                )
            rows = (await session.execute(picked)).all()
            ids = [row.id for row in rows]
            maybe = {row.id for row in rows if row.state == OutboxState.SENDING.value}
            if ids:
                await session.execute(_claim(ids, lease, now))
            return [replace(item, lease_until=lease) for item in await _items(session, ids, maybe)]

    async def mark_sent(
        self, item_id: int, *, ref: SentRef, now: datetime, redelivered: bool, lease: datetime | None = None
    ) -> bool:
        values: dict[str, Any] = {
            "state": OutboxState.SENT.value,
            "sent_ref": {"channel": ref.channel, **ref.data},
        }
        values |= {"sent_at": now, "updated_at": now, "lease_until": None, "last_error": None}
        if redelivered:
            values["redelivered"] = OutboxRow.redelivered + 1
        return await self._set(item_id, values, lease)

    async def mark_retry(
        self,
        item_id: int,
        *,
        at: datetime,
        error: str,
        now: datetime,
        lease: datetime | None = None,
        maybe_delivered: bool = False,
    ) -> bool:
        values: dict[str, Any] = {
            "state": OutboxState.RETRY.value,
            "next_attempt_at": at,
            "lease_until": None,
        }
        if maybe_delivered:
            # Stays `sending`, with a lease that ends at the retry time: the next claim takes it as a row
            # that may have gone out before a crash (checked with the platform, or counted when resent).
            values = {"state": OutboxState.SENDING.value, "next_attempt_at": at, "lease_until": at}
        return await self._set(item_id, values | {"last_error": error[:300], "updated_at": now}, lease)

    async def mark_unreachable(
        self, item_id: int, *, reason: str, now: datetime, lease: datetime | None = None
    ) -> bool:
        values = {"state": OutboxState.UNREACHABLE.value, "lease_until": None}
        return await self._set(item_id, values | {"last_error": reason[:300], "updated_at": now}, lease)

    async def mark_failed(
        self, item_id: int, *, error: str, now: datetime, lease: datetime | None = None
    ) -> bool:
        values = {"state": OutboxState.FAILED.value, "lease_until": None}
        return await self._set(item_id, values | {"last_error": error[:300], "updated_at": now}, lease)

    async def _set(self, item_id: int, values: dict[str, Any], lease: datetime | None) -> bool:
        """Record a result; with ``lease``, only while this process still holds the row (False otherwise)."""
        statement = update(OutboxRow).where(OutboxRow.id == item_id)
        if lease is not None:
            statement = statement.where(
                OutboxRow.state == OutboxState.SENDING.value, OutboxRow.lease_until == lease
            )
        async with reachable(), self._db.transaction() as session:
            # On the connection, not through the ORM session: one result per delivery is the dispatcher's
            # hottest write, and the ORM's bulk-update bookkeeping (nothing here is loaded) doubles its CPU.
            connection = await session.connection()
            result = await connection.execute(statement.values(**values))
        return bool(result.rowcount)


def _claim(ids: list[int], lease: datetime, now: datetime) -> Any:
    return (
        update(OutboxRow)
        .where(OutboxRow.id.in_(ids))
        .values(
            state=OutboxState.SENDING.value,
            lease_until=lease,
            attempts=OutboxRow.attempts + 1,
            updated_at=now,
        )
    )


async def _items(session: AsyncSession, ids: list[int], maybe_delivered: set[int]) -> list[OutboxItem]:
    if not ids:
        return []
    rows = (await session.execute(select(OutboxRow).where(OutboxRow.id.in_(ids)))).scalars().all()
    originals = await _refs(session, [row.update_of_id for row in rows if row.update_of_id])
    addresses = await _addresses(session, rows)
    return [
        _item(row, originals, addresses, maybe_delivered) for row in sorted(rows, key=lambda r: r.id or 0)
    ]


async def _refs(session: AsyncSession, ids: list[int]) -> dict[int, SentRef]:
    if not ids:
        return {}
    rows = (
        await session.execute(select(OutboxRow.id, OutboxRow.sent_ref).where(OutboxRow.id.in_(ids)))
    ).all()
    return {row.id: SentRef(row.sent_ref["channel"], dict(row.sent_ref)) for row in rows if row.sent_ref}


async def _addresses(
    session: AsyncSession, rows: Sequence[OutboxRow]
) -> dict[tuple[int, str], dict[str, Any]]:
    """The platform account each recipient is reached at on the row's channel."""
    people = {row.person_id for row in rows}
    query = select(IdentityRow).where(IdentityRow.person_id.in_(people))
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for identity in (await session.execute(query)).scalars():
        address = {"realm": identity.realm, "external_id": identity.external_id, **(identity.address or {})}
        found[(identity.person_id, identity.kind)] = address
    return found


def _item(
    row: OutboxRow,
    originals: dict[int, SentRef],
    addresses: dict[tuple[int, str], dict[str, Any]],
    maybe_delivered: set[int],
) -> OutboxItem:
    assert row.id is not None
    recipient = Recipient(
        person_id=row.person_id,
        organisation_id=row.organisation_id,
        channel=row.channel,
        address={"outbox_id": row.id, **addresses.get((row.person_id, row.channel), {})},
    )
    return OutboxItem(
        id=row.id,
        key=row.key,
        kind=OutboxKind(row.kind),
        recipient=recipient,
        message=OutgoingMessage.from_dict(row.payload),
        attempts=row.attempts,
        update_ref=originals.get(row.update_of_id) if row.update_of_id else None,
        maybe_delivered=row.id in maybe_delivered,
    )


async def outbox_gauges(database: Database, *, now: datetime) -> tuple[dict[str, int], float]:
    """Rows waiting by state, and the age in seconds of the oldest due row still waiting."""
    waiting = (OutboxState.QUEUED.value, OutboxState.RETRY.value, OutboxState.SENDING.value)
    async with database.session() as session:
        counts: dict[str, int] = dict(
            (
                await session.execute(
                    select(OutboxRow.state, func.count())
                    .where(OutboxRow.state.in_(waiting))
                    .group_by(OutboxRow.state)
                )
            ).all()
        )
        oldest = (
            await session.execute(
                select(func.min(OutboxRow.next_attempt_at)).where(
                    OutboxRow.state.in_(waiting), OutboxRow.next_attempt_at <= now
                )
            )
        ).scalar()
    age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    return {state: int(counts.get(state, 0)) for state in waiting}, age
