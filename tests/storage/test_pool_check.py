"""A pooled connection that the server dropped while it lay idle is replaced before anyone uses it."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text

import storage.database
from storage.database import Database

pytestmark = pytest.mark.postgres


async def test_a_connection_dropped_while_idle_is_replaced_and_the_next_query_works(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.database, "_IDLE_BEFORE_PING", 0.0)  # every checkout counts as idle
    database = Database.open(postgres_url)
    try:
        async with database.session() as session:
            dropped = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = await asyncpg.connect(postgres_url.replace("+asyncpg", "", 1))
        try:  # as a server restart or a cut proxy would, while the connection waits in the pool
            await admin.execute("SELECT pg_terminate_backend($1)", dropped)
        finally:
            await admin.close()

        async with database.session() as session:
            serving = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    finally:
        await database.close()

    assert serving != dropped
