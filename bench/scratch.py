"""Throwaway databases for the benchmarks, and the CPU their PostgreSQL backends spend.

Every benchmark measures on a database of its own, so runs never see each other's rows (several benches
may run at once on the shared server) and nothing is left behind: on PostgreSQL a `remm_bench_<random>`
database on BENCH_SERVER_URL (default: 127.0.0.1:5432 as user postgres), dropped WITH (FORCE) because
a killed server or a pool still closing may hold connections; on SQLite a file in a temporary folder.

Imported as `bench.scratch`: the scripts put the repository on sys.path before their own imports.
asyncpg and SQLAlchemy are imported where they are used, since some scripts (bench/load.py) start child
processes of themselves that import this module and never touch a database.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.database import Database

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


async def admin(server: str, sql: str) -> None:
    """Run one statement on its own connection: CREATE and DROP DATABASE refuse to run in a transaction."""
    import asyncpg

    connection = await asyncpg.connect(server, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(engine: str = "postgres", folder: Path | None = None) -> AsyncIterator[str]:
    """An empty database's async SQLAlchemy URL, for the `async with` body; gone afterwards.

    SQLite: a file in `folder` (its -wal and -shm too are deleted after, since the caller may keep the
    folder for other files), or in a temporary folder removed after.
    """
    name = _name()
    if engine == "sqlite":
        with _sqlite_file(name, folder) as url:
            yield url
        return
    server = _server()
    await admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield _postgres_url(server, name)
    finally:
        await admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database_blocking(engine: str = "postgres", folder: Path | None = None) -> Iterator[str]:
    """`scratch_database` for code outside an event loop (bench/slack_ack.py serves from subprocesses).

    Creating and dropping each run their own event loop, so the body may call asyncio.run itself.
    """
    name = _name()
    if engine == "sqlite":
        with _sqlite_file(name, folder) as url:
            yield url
        return
    server = _server()
    asyncio.run(admin(server, f'CREATE DATABASE "{name}"'))
    try:
        yield _postgres_url(server, name)
    finally:
        asyncio.run(admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _name() -> str:
    return f"remm_bench_{uuid.uuid4().hex[:12]}"


def _server() -> str:
    return os.environ.get("BENCH_SERVER_URL", DEFAULT_SERVER)


def _postgres_url(server: str, name: str) -> str:
    """The new database on the same server, user and password as BENCH_SERVER_URL, whatever its scheme."""
    return f"postgresql+asyncpg://{server.split('://', 1)[1].rsplit('/', 1)[0]}/{name}"


@contextmanager
def _sqlite_file(name: str, folder: Path | None) -> Iterator[str]:
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="remm-bench-") as made:
            yield f"sqlite+aiosqlite:///{Path(made) / name}.db"
        return
    try:
        yield f"sqlite+aiosqlite:///{folder / name}.db"
    finally:
        for leftover in folder.glob(f"{name}.db*"):
            leftover.unlink()


# --- the PostgreSQL backends' CPU ---------------------------------------------------------------------


async def backend_cpu(database: Database) -> dict[int, float]:
    """CPU seconds of this database's PostgreSQL backends, by pid; empty on SQLite.

    The database's own CPU is not in this process's process_time(), yet on one machine it is part of
    the cost. Read from /proc, so only when the server runs on this machine (otherwise empty too).
    """
    from sqlalchemy import text

    if not database.is_postgres:
        return {}
    async with database.session() as session:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = list((await session.execute(query)).scalars())
    return cpu_of(pids)


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process so far; those not on this machine (or gone) are skipped."""
    found = {}
    for pid in pids:
        try:
            found[pid] = process_cpu(pid)
        except OSError:
            continue
    return found


def spent(before: dict[int, float], after: dict[int, float]) -> float | None:
    """CPU seconds spent between two readings; None when there was nothing to read (not measured)."""
    if not after:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
