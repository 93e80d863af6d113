"""Statements sent straight to the database driver inside a unit of work (the nudge engine's hot path).

Measured on the path from a calendar event to an outbox row, a statement through an SQLAlchemy session
costs three to four times the CPU of the driver call itself, and that was most of the work per event.
These statements join the unit of work's transaction. PostgreSQL gets asyncpg (``$1`` parameters);
SQLite gets the driver SQL of the session's connection (``?1`` parameters), with values converted here
the way the ORM stores them (naive UTC text for timestamps), so both kinds of rows read back alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import DRIVER_UNAVAILABLE, DatabaseUnavailable

_SQLITE_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DateTime on SQLite
_sent = 0  # statements sent this way, for bench/nudges.py (SQLAlchemy's events do not see them)


def statements_sent() -> int:
    return _sent


class Direct:
    """One unit of work's connection, spoken to without the ORM. Build with ``await Direct.of(session)``."""

    def __init__(self, session: AsyncSession, driver: asyncpg.Connection | None) -> None:
        self._session, self._driver = session, driver

    @classmethod
    async def of(cls, session: AsyncSession) -> Direct:
        cached = session.info.get("remm_direct")
        if isinstance(cached, Direct):
            return cached
        if session.get_bind().dialect.name != "postgresql":
            direct = cls(session, None)
            session.info["remm_direct"] = direct
            return direct
        raw = await (await session.connection()).get_raw_connection()
        adapted: Any = raw.dbapi_connection
        # The adapter begins its transaction lazily, on the first statement through SQLAlchemy; a
        # statement sent straight to asyncpg before that would run outside the unit of work.
        if getattr(adapted, "_transaction", True) is None:
            await adapted._start_transaction()
        direct = cls(session, adapted.driver_connection)
        session.info["remm_direct"] = direct
        return direct

    @property
    def is_postgres(self) -> bool:
        return self._driver is not None

    async def rows(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        global _sent
        _sent += 1
        if self._driver is None:
            connection = await self._session.connection()
            result = await connection.exec_driver_sql(sql, tuple(_sqlite_value(a) for a in args))
            return list(result.all()) if result.returns_rows else []
        try:
            return list(await self._driver.fetch(sql, *args))
        except DRIVER_UNAVAILABLE as error:
            raise DatabaseUnavailable(f"the database connection failed: {type(error).__name__}") from error


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(_SQLITE_TIMESTAMP)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return value


def utc(value: datetime | str | None) -> datetime | None:
    """A timestamp read back: asyncpg gives aware datetimes, SQLite the text written above."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def json_value(value: Any) -> Any:
    """A JSON column read back: SQLAlchemy's asyncpg codec and SQLite both give the text."""
    return json.loads(value) if isinstance(value, str) else value
