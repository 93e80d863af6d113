from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from tests.fakes.clock import FakeClock


async def test_metrics_count_events_decisions_errors_and_show_the_outbox(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false"}
    )
    app = create_app(settings, sample=True, clock=FakeClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC)))
    async with TestClient(TestServer(app)) as client:
        people = await (await client.get("/webchat/api/people")).json()
        await client.post("/webchat/api/session", json={"person_id": people["people"][0]["id"]})
        await client.post(
            "/webchat/api/messages", json={"text": "Jag ska till Luleå", "client_id": str(uuid.uuid4())}
        )
        await client.get("/no/such/page")

        response = await client.get("/metrics")
        body = await response.text()

    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    assert 'remm_events_in_total{outcome="new",source="webchat"}' in body
    assert 'remm_http_errors_total{code="not_found",status="404"}' in body
    assert 'remm_outbox_depth{state="queued"}' in body
    assert "outbox_redelivered_total" in body
