"""The whole app with Teams on, against a fake Bot Connector on loopback, on the sample organisation."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application

from bot.app import SERVICES, Services, create_app
from bot.settings import Settings
from storage.database import Database
from tests.fakes.clock import FakeClock
from tests.teams.fake_connector import FakeBotConnector

PAYLOADS = Path(__file__).parents[1] / "payloads" / "teams"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SOFIA_USER = "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw"
SOFIA_AAD = "6b5b7d4a-3f1a-4c36-9a49-0c1d2a9f0e11"
SOFIA_EMAIL = "sofia.akesson@mhs.example.se"
DANIEL_USER = "29:1DanielOkaforUserIdForTheFakeConnector"
DANIEL_AAD = "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a"
DANIEL_EMAIL = "daniel.okafor@mhs.example.se"
# A Monday morning in Stockholm: nudges go out at once instead of waiting for working hours.
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def payload(name: str, service_url: str, **changes: Any) -> dict[str, Any]:
    """A documented Teams payload, pointed at the fake connector; ``changes`` replace top-level fields."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    data.pop("_source")
    data["serviceUrl"] = service_url
    data.update(copy.deepcopy(changes))
    return dict(data)


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/remm.db",
            "SCHEDULER_ENABLED": "false",
            "HOST": "127.0.0.1",
            **env,
        }
    )


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    fake = FakeBotConnector(
        members={
            SOFIA_USER: {
                "id": SOFIA_USER,
                "aadObjectId": SOFIA_AAD,
                "name": "Sofia Åkesson",
                "email": SOFIA_EMAIL,
            },
            DANIEL_USER: {
                "id": DANIEL_USER,
                "aadObjectId": DANIEL_AAD,
                "name": "Daniel Okafor",
                "userPrincipalName": DANIEL_EMAIL,
            },
        }
    )
    await fake.start()
    yield fake
    await fake.stop()


async def started(app: Application) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def client(tmp_path: Path, database: Database) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """No app id on a loopback bind: Teams runs anonymously (design 4.4); once on each engine."""
    app = create_app(settings(tmp_path, DATABASE_URL=database.url), sample=True, clock=FakeClock(MONDAY))
    async for test_client in started(app):
        yield test_client


def services_of(client: TestClient) -> Services:  # type: ignore[type-arg]
    return client.app[SERVICES]


async def post(client: TestClient, activity: dict[str, Any], **headers: str) -> Any:  # type: ignore[type-arg]
    return await client.post("/api/messages", json=activity, headers=headers)
