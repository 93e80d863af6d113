"""A full scenario with every logger at DEBUG: no token, secret, email address or message text appears."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, create_app
from bot.ingest.shapes import parse_travel_request
from bot.logging_setup import configure_logging
from bot.settings import Settings
from tests.fakes.clock import FakeClock

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-secret-token",
    "SLACK_SIGNING_SECRET": "signing-secret-do-not-log",
    "SLACK_CLIENT_SECRET": "client-secret-do-not-log",
    "MICROSOFT_APP_PASSWORD": "ms-app-password-do-not-log",
    "WEBHOOK_SECRET": "webhook-secret-do-not-log",
}
TYPED = "Jag ska till Luleå på torsdag för ett hemligt möte med Anna, vi är två"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


async def test_a_whole_scenario_logs_no_secret_email_or_message_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(level="DEBUG", fmt="text")  # as an operator would run it, at its most talkative
    caplog.set_level(logging.DEBUG)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false", **SECRETS}
    clock = FakeClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    async with TestClient(TestServer(create_app(Settings.from_env(env), sample=True, clock=clock))) as client:
        people = (await (await client.get("/webchat/api/people")).json())["people"]
        sofia = next(p for p in people if p["name"] == "Sofia Åkesson")
        await client.post("/webchat/api/session", json={"person_id": sofia["id"]})
        card = await (
            await client.post("/webchat/api/messages", json={"text": TYPED, "client_id": str(uuid.uuid4())})
        ).json()
        action = card["messages"][-1]["message"]["actions"][0]
        await client.post(
            "/webchat/api/actions",
            json={
                "message_id": card["messages"][-1]["id"],
                "action_id": action["id"],
                "value": action["value"],
                "client_id": str(uuid.uuid4()),
            },
        )
        await client.post(
            "/webchat/api/actions",
            json={"action_id": "nudge.go_digital", "value": "999", "client_id": str(uuid.uuid4())},
        )
        services = client.app[SERVICES]
        organisation = (await services.organisations.all())[0]
        email = (await services.people.by_id(sofia["id"])).email  # type: ignore[union-attr]
        departure = (clock.now() + timedelta(days=4)).date().isoformat()
        await services.nudge_service.travel_request_changed(
            organisation.id,
            parse_travel_request(
                {
                    "request_id": "R9",
                    "requester_email": email,
                    "origin": "Stockholm",
                    "destination": "Kiruna",
                    "departure_date": departure,
                    "purpose": "Hemligt syfte",
                }
            ),
        )
        await services.start_dispatcher().run_once()

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the scenario should log something to check"
    for name, secret in SECRETS.items():
        assert secret not in logged, f"{name} leaked into the logs"
    assert not EMAIL.findall(logged), "an email address was logged"
    for fragment in ("hemligt möte", "Anna", "Hemligt syfte", TYPED[:20]):
        assert fragment not in logged, f"message text {fragment!r} was logged"
