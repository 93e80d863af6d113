"""Alembic environment: runs migrations on the async engine given in the config's attributes."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.tables  # noqa: F401  (registers every table on the metadata)
from storage.tables import SQLModel

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine: AsyncEngine = config.attributes["engine"]

    async def go() -> None:
        async with engine.connect() as async_connection:
            await async_connection.run_sync(_run)
            await async_connection.commit()

    asyncio.run(go())


run_migrations_online()
