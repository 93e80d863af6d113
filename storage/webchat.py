"""The web chat's messages (what the bot showed) and sessions (who a browser speaks as)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import col

from storage.database import Database
from storage.tables import WebchatMessageRow, WebchatSessionRow

SESSION_DAYS = 30
HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class WebchatEntry:
    id: int
    person_id: int
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class WebchatSession:
    token: str
    organisation_id: int
    person_id: int


class SqlWebchat:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self, *, organisation_id: int, person_id: int, payload: dict[str, Any], now: datetime
    ) -> WebchatEntry:
        row = WebchatMessageRow(
            organisation_id=organisation_id,
            person_id=person_id,
            payload=payload,
            created_at=now,
            updated_at=now,
        )
        async with self._db.transaction() as session:
            session.add(row)
            await session.flush()
        return _entry(row)

    async def replace(
        self, message_id: int, *, person_id: int, payload: dict[str, Any], now: datetime
    ) -> WebchatEntry | None:
        """Update a message in place; only the person's own (a foreign id changes nothing)."""
        async with self._db.transaction() as session:
            row = await session.get(WebchatMessageRow, message_id)
            if row is None or row.person_id != person_id:
                return None
            row.payload, row.updated_at = payload, now
        return _entry(row)

    async def get(self, message_id: int) -> WebchatEntry | None:
        async with self._db.session() as session:
            row = await session.get(WebchatMessageRow, message_id)
        return _entry(row) if row else None

    async def by_ids(self, person_id: int, ids: Sequence[int]) -> list[WebchatEntry]:
        query = select(WebchatMessageRow).where(
            WebchatMessageRow.person_id == person_id, WebchatMessageRow.id.in_(ids)
        )
        async with self._db.session() as session:
            return [_entry(row) for row in (await session.execute(query)).scalars()]

    async def history(self, person_id: int, *, after: int = 0) -> list[WebchatEntry]:
        """The newest messages when ``after`` is 0; otherwise the next ones after that id, oldest first."""
        query = select(WebchatMessageRow).where(
            WebchatMessageRow.person_id == person_id, col(WebchatMessageRow.id) > after
        )
        if after:
            query = query.order_by(WebchatMessageRow.id).limit(HISTORY_LIMIT)
        else:
            query = query.order_by(col(WebchatMessageRow.id).desc()).limit(HISTORY_LIMIT)
        async with self._db.session() as session:
            rows = list((await session.execute(query)).scalars())
        return [_entry(row) for row in sorted(rows, key=lambda row: row.id or 0)]

    async def changed_since(self, person_id: int, *, since: datetime) -> list[WebchatEntry]:
        """New or updated messages, for event streams that catch what other processes wrote."""
        query = (
            select(WebchatMessageRow)
            .where(WebchatMessageRow.person_id == person_id, WebchatMessageRow.updated_at > since)
            .order_by(WebchatMessageRow.id)
            .limit(HISTORY_LIMIT)
        )
        async with self._db.session() as session:
            return [_entry(row) for row in (await session.execute(query)).scalars()]

    async def open_session(self, *, organisation_id: int, person_id: int, now: datetime) -> WebchatSession:
        token = secrets.token_urlsafe(32)
        row = WebchatSessionRow(
            token=token,
            organisation_id=organisation_id,
            person_id=person_id,
            created_at=now,
            expires_at=now + timedelta(days=SESSION_DAYS),
        )
        async with self._db.transaction() as session:
            await session.execute(delete(WebchatSessionRow).where(WebchatSessionRow.expires_at < now))
            session.add(row)
        return WebchatSession(token, organisation_id, person_id)

    async def session_for(self, token: str, *, now: datetime) -> WebchatSession | None:
        async with self._db.session() as session:
            row = await session.get(WebchatSessionRow, token)
        if row is None or row.expires_at < now:
            return None
        return WebchatSession(row.token, row.organisation_id, row.person_id)


def _entry(row: WebchatMessageRow) -> WebchatEntry:
    assert row.id is not None
    return WebchatEntry(row.id, row.person_id, dict(row.payload), row.created_at, row.updated_at)
