"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (whenever one answers).

PostgreSQL: TEST_DATABASE_URL (a server URL) or 127.0.0.1:5432 as user postgres. Each test run creates
its own database there and drops it at the end. With REMM_REQUIRE_POSTGRES=1 a missing server fails
the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from storage.database import Database
from storage.migrate import upgrade
from storage.tables import SQLModel

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _server_dsn() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER)


def _blocking(coroutine: Coroutine[Any, Any, None]) -> None:
    """Session set-up runs outside any test's event loop: on a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_server_dsn(), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _migrate(url: str) -> None:
    async def go() -> None:
        database = Database.open(url)
        try:
            await upgrade(database)
        finally:
            await database.close()

    _blocking(go())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"remm_test_{uuid.uuid4().hex[:12]}"
    try:
        _blocking(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"no PostgreSQL at {_server_dsn()} ({type(error).__name__}: {error})"
        if os.environ.get("REMM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REMM_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    base = _server_dsn().rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    _migrate(url)
    yield url
    _blocking(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test copies the file, which is far faster than migrating again."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


async def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in reversed(SQLModel.metadata.sorted_tables))
    async with database.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database; the test runs once on each engine."""
    if request.param == "sqlite":
        target = tmp_path / "remm.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        db = Database.open(f"sqlite+aiosqlite:///{target}")
    else:
        db = Database.open(request.getfixturevalue("postgres_url"))
        await _truncate_all(db)
    yield db
    await db.close()


@pytest.fixture
async def sqlite_database(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    """SQLite only, for tests about behaviour that does not depend on the engine."""
    target = tmp_path / "remm.db"
    shutil.copy(sqlite_template, target)
    db = Database.open(f"sqlite+aiosqlite:///{target}")
    yield db
    await db.close()
