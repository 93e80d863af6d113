"""Apply Alembic migrations; on PostgreSQL under an advisory lock, as several processes may start at once."""

from __future__ import annotations

import logging
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import InterfaceError, OperationalError

from storage.database import Database, DatabaseUnavailable, describe_url

log = logging.getLogger(__name__)

# An arbitrary constant shared by every remm-bot process: "REMM" in ASCII.
MIGRATION_LOCK_ID = 0x52454D4D


def alembic_config() -> Config:
    folder = resources.files("storage")
    config = Config(str(folder.joinpath("alembic.ini")))
    config.set_main_option("script_location", str(folder.joinpath("migrations")))
    return config


def head_revisions() -> frozenset[str]:
    """Every head: areas may add migrations on branches of their own until a merge revision joins them."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _upgrade(connection: Connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    try:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    finally:
        if postgres:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})


async def upgrade(database: Database) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already.

    An unreachable database raises DatabaseUnavailable naming where it was looked for (no password).
    """
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_upgrade)
            await connection.commit()
    except (OperationalError, InterfaceError, OSError) as error:
        raise DatabaseUnavailable(
            f"cannot reach the database at {describe_url(database.url)} ({type(error).__name__})"
        ) from error
    log.info("database schema at revision %s", ", ".join(sorted(head_revisions())))


async def current_revisions(database: Database) -> frozenset[str]:
    async with database.engine.connect() as connection:
        heads = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    return frozenset(heads)
