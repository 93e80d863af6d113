from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage.database import Database
from storage.migrate import current_revisions, head_revisions, upgrade
from storage.tables import SQLModel


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrations_build_exactly_the_tables_the_code_declares(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
    assert await current_revisions(database) == head_revisions()


async def test_upgrading_twice_is_harmless(database: Database) -> None:
    await upgrade(database)
    await upgrade(database)
    assert await current_revisions(database) == head_revisions()
