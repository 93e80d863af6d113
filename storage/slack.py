"""Slack's own storage: installations (with the locked token refresh), OAuth state, the batched inbound log.

Nothing here knows the Slack SDK: the adapter turns these records into bolt's ``Installation`` and back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, create_engine, delete, event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.domain.delivery import OutboxState
from storage.database import Database
from storage.inbound import InboundEntry
from storage.tables import IdentityRow, InboundRow, OutboxRow
from storage.tables_slack import SlackInstallationRow, SlackOAuthStateRow

ACTIVE, UNINSTALLED, BROKEN = "active", "uninstalled", "broken"
CHECKPOINT_EVERY = 100  # batches between the SQLite inbound writer's own WAL checkpoints


@dataclass(frozen=True, slots=True)
class SlackWorkspaceRecord:
    """One installation: a workspace, or an Enterprise Grid organisation when ``is_enterprise_install``."""

    client_id: str
    enterprise_id: str | None
    team_id: str | None
    installed_at: datetime
    is_enterprise_install: bool = False
    organisation_id: int | None = None
    app_id: str = ""
    enterprise_name: str = ""
    team_name: str = ""
    bot_id: str = ""
    bot_user_id: str = ""
    bot_scopes: tuple[str, ...] = ()
    bot_token: str | None = None
    bot_refresh_token: str | None = None
    bot_token_expires_at: datetime | None = None
    installer_user_id: str = ""
    status: str = ACTIVE
    status_reason: str = ""
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a refresh returned: the new access token, the next refresh token, and when the first expires."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None


def _record(row: SlackInstallationRow) -> SlackWorkspaceRecord:
    return SlackWorkspaceRecord(
        id=row.id,
        client_id=row.client_id,
        enterprise_id=row.enterprise_id or None,
        team_id=row.team_id or None,
        is_enterprise_install=row.is_enterprise_install,
        organisation_id=row.organisation_id,
        app_id=row.app_id,
        enterprise_name=row.enterprise_name,
        team_name=row.team_name,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=tuple(s for s in row.bot_scopes.split(",") if s),
        bot_token=row.bot_token,
        bot_refresh_token=row.bot_refresh_token,
        bot_token_expires_at=row.bot_token_expires_at,
        installer_user_id=row.installer_user_id,
        status=row.status,
        status_reason=row.status_reason,
        details=dict(row.details or {}),
        installed_at=row.installed_at,
    )


def _values(record: SlackWorkspaceRecord) -> dict[str, Any]:
    return {
        "is_enterprise_install": record.is_enterprise_install,
        "app_id": record.app_id,
        "enterprise_name": record.enterprise_name,
        "team_name": record.team_name,
        "bot_id": record.bot_id,
        "bot_user_id": record.bot_user_id,
        "bot_scopes": ",".join(record.bot_scopes),
        "bot_token": record.bot_token,
        "bot_refresh_token": record.bot_refresh_token,
        "bot_token_expires_at": record.bot_token_expires_at,
        "installer_user_id": record.installer_user_id,
        "details": dict(record.details),
        "installed_at": record.installed_at,
    }


def _best(rows: Iterable[SlackInstallationRow], enterprise: str, team: str) -> SlackInstallationRow | None:
    """The exact workspace first, then the team under any enterprise, then the org-wide install."""

    def rank(row: SlackInstallationRow) -> int:
        if row.team_id == team and row.enterprise_id == enterprise:
            return 0
        return 1 if team and row.team_id == team else 2

    ordered = sorted(rows, key=rank)
    return ordered[0] if ordered else None


class SqlSlackInstallations:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def save(self, record: SlackWorkspaceRecord, *, now: datetime) -> SlackWorkspaceRecord:
        """Insert or replace the workspace's installation; a reinstall keeps its organisation link."""
        async with self._db.transaction() as session:
            row = await self._row(session, record.client_id, record.enterprise_id, record.team_id)
            if row is None:
                row = SlackInstallationRow(
                    client_id=record.client_id,
                    enterprise_id=record.enterprise_id or "",
                    team_id=record.team_id or "",
                    updated_at=now,
                    **_values(record),
                )
                session.add(row)
            else:
                for key, value in _values(record).items():
                    setattr(row, key, value)
            row.status, row.status_reason, row.updated_at = ACTIVE, "", now
            row.organisation_id = record.organisation_id or row.organisation_id
            await session.flush()
            return _record(row)

    async def find(
        self,
        *,
        client_id: str,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool = False,
    ) -> SlackWorkspaceRecord | None:
        enterprise, team = enterprise_id or "", "" if is_enterprise_install else team_id or ""
        org_wide = and_(SlackInstallationRow.enterprise_id == enterprise, SlackInstallationRow.team_id == "")
        matches = or_(SlackInstallationRow.team_id == team, org_wide) if team else org_wide
        query = select(SlackInstallationRow).where(SlackInstallationRow.client_id == client_id, matches)
        if team and not enterprise:
            query = query.where(SlackInstallationRow.team_id == team)
        async with self._db.session() as session:
            best = _best((await session.execute(query)).scalars(), enterprise, team)
        return _record(best) if best else None

    async def mark(
        self,
        *,
        client_id: str,
        enterprise_id: str | None,
        team_id: str | None,
        status: str,
        reason: str,
        now: datetime,
    ) -> None:
        """Set a workspace's status; a status other than active also forgets its tokens."""
        async with self._db.transaction() as session:
            row = await self._row(session, client_id, enterprise_id, team_id)
            if row is None:
                row = SlackInstallationRow(
                    client_id=client_id,
                    enterprise_id=enterprise_id or "",
                    team_id=team_id or "",
                    installed_at=now,
                    updated_at=now,
                )
                session.add(row)
            row.status, row.status_reason, row.updated_at = status, reason[:200], now
            if status != ACTIVE:
                row.bot_token = row.bot_refresh_token = None

    async def link_organisation(self, installation_id: int, organisation_id: int) -> None:
        async with self._db.transaction() as session:
            statement = update(SlackInstallationRow).where(SlackInstallationRow.id == installation_id)
            await session.execute(statement.values(organisation_id=organisation_id))

    async def refresh_locked(
        self,
        installation_id: int,
        *,
        needs_refresh: Callable[[SlackWorkspaceRecord], bool],
        refresh: Callable[[SlackWorkspaceRecord], Awaitable[TokenGrant]],
        now: datetime,
    ) -> SlackWorkspaceRecord:
        """Refresh the bot token under a lock on the installation's row, unless someone just did.

        PostgreSQL locks the row (``FOR UPDATE``); SQLite's writer lock is taken with a first write. A
        second process waits here, reads the tokens the first one stored, finds them fresh, and spends
        nothing: Slack's refresh tokens work once.
        """
        async with self._db.transaction() as session:
            query = select(SlackInstallationRow).where(SlackInstallationRow.id == installation_id)
            if self._db.is_postgres:
                query = query.with_for_update()
            else:
                touch = update(SlackInstallationRow).where(SlackInstallationRow.id == installation_id)
                await session.execute(touch.values(updated_at=SlackInstallationRow.updated_at))
            row = (await session.execute(query)).scalar_one()
            current = _record(row)
            if not needs_refresh(current):
                return current
            grant = await refresh(current)
            row.bot_token, row.bot_refresh_token = grant.access_token, grant.refresh_token
            row.bot_token_expires_at, row.updated_at = grant.expires_at, now
            return replace(
                current,
                bot_token=grant.access_token,
                bot_refresh_token=grant.refresh_token,
                bot_token_expires_at=grant.expires_at,
            )

    async def _row(
        self, session: AsyncSession, client_id: str, enterprise_id: str | None, team_id: str | None
    ) -> SlackInstallationRow | None:
        query = select(SlackInstallationRow).where(
            SlackInstallationRow.client_id == client_id,
            SlackInstallationRow.enterprise_id == (enterprise_id or ""),
            SlackInstallationRow.team_id == (team_id or ""),
        )
        return (await session.execute(query)).scalar()


class SqlSlackStates:
    """OAuth ``state`` values: each is consumed once, and only before it expires."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def issue(self, state: str, *, expires_at: datetime, now: datetime) -> None:
        async with self._db.transaction() as session:
            await session.execute(delete(SlackOAuthStateRow).where(SlackOAuthStateRow.expires_at < now))
            session.add(SlackOAuthStateRow(state=state, expires_at=expires_at))

    async def consume(self, state: str, *, now: datetime) -> bool:
        async with self._db.transaction() as session:
            statement = delete(SlackOAuthStateRow).where(
                SlackOAuthStateRow.state == state, SlackOAuthStateRow.expires_at >= now
            )
            return bool((await session.execute(statement)).rowcount)


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


class SqlSlackPeople:
    """What Slack needs of identities beyond the People port: the stored address, and the uninstall sweep."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def address(self, *, team_id: str, user_id: str) -> dict[str, Any] | None:
        query = select(IdentityRow.address).where(
            IdentityRow.kind == "slack", IdentityRow.realm == team_id, IdentityRow.external_id == user_id
        )
        async with self._db.session() as session:
            found = (await session.execute(query)).first()
        return dict(found.address or {}) if found else None

    async def strand_outbox(
        self, *, enterprise_id: str | None, team_id: str | None, reason: str, now: datetime
    ) -> int:
        """Queued Slack messages to the workspace's people become unreachable (the app is gone there).

        With ``team_id`` the workspace's people; without it (an org-wide uninstall) everyone whose identity
        was seen under ``enterprise_id``."""
        query = select(IdentityRow.person_id, IdentityRow.realm, IdentityRow.address).where(
            IdentityRow.kind == "slack"
        )
        if team_id:
            query = query.where(IdentityRow.realm == team_id)
        async with self._db.transaction() as session:
            people = {
                row.person_id
                for row in (await session.execute(query)).all()
                if team_id or (row.address or {}).get("enterprise_id") == enterprise_id
            }
            if not people:
                return 0
            statement = update(OutboxRow).where(
                OutboxRow.channel == "slack",
                OutboxRow.person_id.in_(people),
                OutboxRow.state.in_((OutboxState.QUEUED.value, OutboxState.RETRY.value)),
            )
            values = {"state": OutboxState.UNREACHABLE.value, "last_error": reason[:300], "updated_at": now}
            return int((await session.execute(statement.values(**values))).rowcount)


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
