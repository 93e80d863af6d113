"""Slack's own storage: installations (with the locked token refresh), OAuth state, identities' addresses.

Nothing here knows the Slack SDK: the adapter turns these records into bolt's ``Installation`` and back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.delivery import OutboxState
from storage.database import Database
from storage.tables import IdentityRow, OutboxRow
from storage.tables_slack import SlackInstallationRow, SlackOAuthStateRow

ACTIVE, UNINSTALLED, BROKEN = "active", "uninstalled", "broken"


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
