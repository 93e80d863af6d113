"""The database engine: SQLite by default, PostgreSQL when one machine is not enough."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    InvalidatePoolError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.ports import StorageUnavailable

log = logging.getLogger(__name__)


# Sorting in a subquery makes PostgreSQL take the locks in key order (a select-list function may otherwise
# run before an ORDER BY of the same level).
_LOCK_IN_ORDER = (
    "SELECT pg_advisory_xact_lock(hashtext(k)) "
    "FROM (SELECT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS ordered"
)

# The session of the unit of work this task is inside, if any (see Database.unit_of_work).
_unit_of_work: ContextVar[AsyncSession | None] = ContextVar("remm_unit_of_work", default=None)


class DatabaseUnavailable(StorageUnavailable):
    """The database cannot be reached; the message says which host or file, never the password."""


POOL_TIMEOUT_SECONDS: Final = 10.0
# What a lost or refused PostgreSQL connection raises through asyncpg itself, for the statements sent
# straight to the driver (outside SQLAlchemy, which wraps these in its own errors).
DRIVER_UNAVAILABLE: Final = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


def is_unavailable(error: BaseException) -> bool:
    """Does this error mean the database cannot be reached right now (as opposed to a bug)?"""
    if isinstance(error, DatabaseUnavailable | ConnectionError | TimeoutError):
        return True
    if isinstance(error, PoolTimeout):  # every pooled connection busy: overloaded, so shed with a 503
        return True
    if isinstance(error, OperationalError | InterfaceError):
        return True
    if isinstance(error, DBAPIError):
        return bool(error.connection_invalidated)
    return isinstance(error, OSError)


@asynccontextmanager
async def reachable() -> AsyncIterator[None]:
    """Errors inside that mean the database cannot be reached now, raised as DatabaseUnavailable: the
    core sees the port's StorageUnavailable and reports it without a traceback."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except Exception as error:
        if is_unavailable(error):
            raise DatabaseUnavailable(f"the database cannot be reached: {type(error).__name__}") from error
        raise


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def insert_for(session: AsyncSession) -> Callable[[type[Any]], Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (SQLite and PostgreSQL spell it alike)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL lets the web chat read while the dispatcher writes; the busy timeout rides out short locks.
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the async engine; SQLite files get their folder and pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A request that cannot get a connection within POOL_TIMEOUT_SECONDS is overloaded: it is answered 503
    # with Retry-After (is_unavailable) instead of queueing for SQLAlchemy's default 30 s.
    engine = create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=20, pool_timeout=POOL_TIMEOUT_SECONDS
    )
    event.listen(engine.sync_engine.pool, "connect", _note_use)
    event.listen(engine.sync_engine.pool, "checkin", _note_use)
    event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    return engine


# A connection that comes back out of the pool after lying idle this long is checked first (the server
# may have restarted, or a proxy cut it). One in steady use is not: SQLAlchemy's pool_pre_ping checks on
# every checkout, and on asyncpg that is three round trips (BEGIN, ";", ROLLBACK), which was a third of
# the round trips of a calendar event on its way to the outbox.
_IDLE_BEFORE_PING = 1.0


def _note_use(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["remm_used_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    used_at = record.info.get("remm_used_at")
    if used_at is not None and time.monotonic() - used_at < _IDLE_BEFORE_PING:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:
        # As pool_pre_ping does: this connection and every older one are replaced, and the pool tries
        # again with a new one.
        raise InvalidatePoolError(
            f"the pooled connection failed its check: {type(error).__name__}"
        ) from error


@dataclass
class Database:
    """The engine and its session factory, opened once by the composition root."""

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def open(cls, url: str) -> Database:
        engine = create_engine(url)
        return cls(url=url, engine=engine, sessions=async_sessionmaker(engine, expire_on_commit=False))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        current = _unit_of_work.get()
        if current is not None:
            yield current
            return
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction of its own, or the surrounding unit of work's (which then commits it all)."""
        current = _unit_of_work.get()
        if current is not None:
            yield current
            return
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def unit_of_work(self, lock_keys: Sequence[str] = ()) -> AsyncIterator[None]:
        """One transaction for everything inside (repositories join it), holding locks on ``lock_keys``.

        Locks serialise work on the same event or person across processes: PostgreSQL takes transaction
        advisory locks in sorted order (so two units never deadlock); SQLite takes its single writer lock.
        Do not start tasks inside: the session belongs to this task.
        """
        if _unit_of_work.get() is not None:
            yield
            return
        async with self.sessions() as session, session.begin():
            token = _unit_of_work.set(session)
            try:
                await self._lock(session, lock_keys)
                yield
            finally:
                _unit_of_work.reset(token)

    def unit_session(self) -> AsyncSession:
        """The session of the unit of work this task is in; for work that must never run outside one."""
        session = _unit_of_work.get()
        if session is None:
            raise RuntimeError("this needs a unit of work (Database.unit_of_work)")
        return session

    async def _lock(self, session: AsyncSession, keys: Sequence[str]) -> None:
        if self.is_postgres:
            if keys:  # one statement, in sorted order, so that two units never wait on each other in a ring
                await session.execute(
                    text(_LOCK_IN_ORDER),
                    {"keys": sorted(set(keys))},
                )
        else:
            # Any write takes SQLite's writer lock until commit; no row matches, nothing changes.
            await session.execute(text("UPDATE organisations SET id = id WHERE id = -1"))

    async def ping(self, *, within_seconds: float = 2.0) -> bool:
        """True when a trivial query answers within ``within_seconds``."""
        try:
            async with asyncio.timeout(within_seconds), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            log.warning("database ping failed: %s", type(error).__name__)
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()
