"""The real app (every route, the sample organisation) on each engine, with fake providers on loopback."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import SERVICES, Services, build_services, create_app
from bot.ingest.signatures import sign
from bot.sample_loader import load_sample
from bot.settings import Settings
from storage.database import Database
from storage.tables import MeetingRow, NudgeRow, OutboxRow, TripRow
from storage.tables_ingest import WebhookSignatureRow
from tests.fakes.clock import FakeClock
from tests.ingest.fakes import FakeGoogle, FakeGraph, start_fake

SECRET = "webhook-secret-for-tests"
# Thursday 2026-01-08, 09:00 in Stockholm: working hours, days before the sample week's trips.
THURSDAY_MORNING = datetime(2026, 1, 8, 8, 0, tzinfo=UTC)
SAMPLE = "hallbar"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(THURSDAY_MORNING)


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    async with start_fake(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
async def fake_google() -> AsyncIterator[FakeGoogle]:
    fake = FakeGoogle()
    async with start_fake(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
def settings(database: Database, fake_graph: FakeGraph, fake_google: FakeGoogle) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database.url,
            "SCHEDULER_ENABLED": "false",
            "WEBHOOK_SECRET": SECRET,
            "PUBLIC_URL": "https://remm.example.se",
            "GRAPH_API_URL": f"{fake_graph.url}/v1.0",
            "GRAPH_TOKEN_URL": fake_graph.url,
            "GOOGLE_API_URL": fake_google.url,
            "GOOGLE_TOKEN_URL": f"{fake_google.url}/token",
            "MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555",
            "MICROSOFT_APP_PASSWORD": "app-password",
            "MICROSOFT_APP_TENANT_ID": "1717622f-1d94-4d0c-9d74-709fad664b77",
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings, clock: FakeClock) -> TestClient:
    """The whole app with the sample organisation loaded."""
    return await aiohttp_client(create_app(settings, sample=True, clock=clock))  # type: ignore[no-any-return]


@pytest.fixture
def services(client: TestClient) -> Services:
    return client.app[SERVICES]


Signer = Callable[..., dict[str, str]]


@pytest.fixture
def signed(clock: FakeClock) -> Signer:
    def headers(
        body: bytes, *, secret: str = SECRET, at: datetime | None = None, **extra: str
    ) -> dict[str, str]:
        timestamp = str(int((at or clock.now()).timestamp()))
        return {
            "Content-Type": "application/json",
            "X-Remm-Timestamp": timestamp,
            "X-Remm-Signature": sign(secret, timestamp, body),
            **extra,
        }

    return headers


def body_of(payload: Any) -> bytes:
    return json.dumps(payload).encode("utf-8")


async def count_rows(services: Services) -> dict[str, int]:
    """What a request may leave behind."""
    tables = {
        "meetings": MeetingRow,
        "trips": TripRow,
        "nudges": NudgeRow,
        "outbox": OutboxRow,
        "signatures": WebhookSignatureRow,
    }
    counts = {}
    async with services.database.session() as session:
        for name, table in tables.items():
            counts[name] = int((await session.execute(select(func.count()).select_from(table))).scalar_one())
    return counts


async def outbox(services: Services) -> list[OutboxRow]:
    async with services.database.session() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture
def env(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A SQLite database with the sample organisation, and the CLI's environment pointing at it."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "remm.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite+aiosqlite:///{target}"

    async def load() -> None:
        database = Database.open(url)
        try:
            await load_sample(build_services(Settings.from_env({"DATABASE_URL": url}), database))
        finally:
            await database.close()

    _run(load())
    return {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}


def rows_of(env: dict[str, str], table: type[Any]) -> list[Any]:
    async def read() -> list[Any]:
        database = Database.open(env["DATABASE_URL"])
        try:
            async with database.session() as session:
                return list((await session.execute(select(table).order_by(table.id))).scalars())
        finally:
            await database.close()

    return _run(read())  # type: ignore[no-any-return]
