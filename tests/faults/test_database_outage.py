"""The database stopped and started again: 503s with Retry-After meanwhile, nothing accepted lost, and
service resumes by itself (a proxy between the app and PostgreSQL plays the stopping server)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from tests.fakes.clock import FakeClock
from tests.fakes.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.faults]


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    parts = urlsplit(postgres_url)
    tcp = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await tcp.start()
    netloc = f"{parts.username}@127.0.0.1:{tcp.port}" if parts.username else f"127.0.0.1:{tcp.port}"
    yield tcp, urlunsplit(parts._replace(netloc=netloc))
    await tcp.stop()


async def test_a_database_outage_gives_503s_loses_nothing_and_heals(proxy: tuple[TcpProxy, str]) -> None:
    tcp, url = proxy
    settings = Settings.from_env({"DATABASE_URL": url, "SCHEDULER_ENABLED": "false"})
    app = create_app(settings, sample=True, clock=FakeClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC)))
    async with TestClient(TestServer(app)) as client:
        people = (await (await client.get("/webchat/api/people")).json())["people"]
        await client.post("/webchat/api/session", json={"person_id": people[0]["id"]})
        before = await client.post(
            "/webchat/api/messages", json={"text": "hjälp", "client_id": str(uuid.uuid4())}
        )
        first_answer = (await before.json())["messages"]

        tcp.cut()
        ready = await client.get("/readyz")
        during = await client.post(
            "/webchat/api/messages", json={"text": "statistik", "client_id": str(uuid.uuid4())}
        )
        refused = await during.json()
        tcp.restore()
        healed = await client.get("/readyz")
        after = await client.post(
            "/webchat/api/messages", json={"text": "statistik", "client_id": str(uuid.uuid4())}
        )
        history = (await (await client.get("/webchat/api/messages")).json())["messages"]

    assert before.status == 200
    assert ready.status == 503 and ready.headers["Retry-After"]
    assert during.status == 503 and during.headers["Retry-After"]
    assert refused["error"] == "unavailable"
    assert healed.status == 200 and after.status == 200
    assert {m["id"] for m in first_answer} <= {m["id"] for m in history}  # what was accepted is still there
