"""The whole app on the sample organisation, with Slack pointed at a fake Web API on 127.0.0.1.

Requests are signed with slack_sdk's SignatureVerifier and go through the real route, ``POST /slack/events``.
Payloads come from ``tests/payloads/slack`` (Slack's documented examples) with the ids a test needs.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.app import SLACK_ENDPOINT
from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.http import SlackHttp
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.tokens import SlackTokens
from bot.app import SERVICES, Services, create_app
from bot.settings import Settings
from storage.database import Database
from storage.slack import SqlSlackInstallations
from tests.fakes.clock import FakeClock
from tests.slack.fake_slack import TEAM, FakeSlackApi, user

PAYLOADS = Path(__file__).parent.parent / "payloads" / "slack"
SECRET = "remm-test-signing-secret"
BOT_TOKEN = "xoxb-remm-test"
# A Monday morning in Stockholm: working hours, so nothing waits for them.
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SOFIA, SOFIA_ID = "sofia.akesson@mhs.example.se", "U0SOFIA01"
JOHAN, JOHAN_ID = "johan.ekdahl@mhs.example.se", "U0JOHAN01"
NEWCOMER, NEWCOMER_ID = "nils.ny@mhs.example.se", "U0NEWBIE1"


def payload(name: str, **changes: Any) -> dict[str, Any]:
    """A documented payload with ``changes`` merged in (nested dicts merge, anything else replaces)."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    data.pop("_source", None)
    return merge(data, changes)


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def signed(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def event(name: str, *, user_id: str = SOFIA_ID, text: str | None = None, **changes: Any) -> dict[str, Any]:
    """An Events API payload from our test workspace, with a fresh event id."""
    inner: dict[str, Any] = {"user": user_id}
    if text is not None:
        inner["text"] = text
    base = payload(name, team_id=TEAM, event_id=f"Ev{uuid.uuid4().hex[:10].upper()}", event=inner)
    base["authorizations"] = [{"team_id": TEAM, "user_id": "U0REMMBOT", "is_bot": True}]
    return merge(base, changes)


@dataclass
class Slack:
    """The app under test, the fake Web API, and signed requests to the route."""

    client: TestClient  # type: ignore[type-arg]
    fake: FakeSlackApi
    app: web.Application

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> ClientResponse:
        return await self.client.post(
            "/slack/events",
            data=body,
            headers={"Content-Type": content_type, **(signed(body) if headers is None else headers)},
        )

    async def event(self, body: dict[str, Any], *, retry: int | None = None) -> ClientResponse:
        raw = json.dumps(body)
        headers = signed(raw)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(raw, "application/json", headers)

    async def command(self, text: str, *, user_id: str = SOFIA_ID, **changes: Any) -> ClientResponse:
        form = payload("slash_command")["form"] | {"team_id": TEAM, "command": "/remm", "text": text}
        form |= {"user_id": user_id, "trigger_id": uuid.uuid4().hex}
        form["response_url"] = self.fake.hook_url("cmd")
        form.pop("enterprise_id")
        form.pop("enterprise_name")
        return await self.post(urlencode(form | changes), "application/x-www-form-urlencoded")

    async def interaction(self, body: dict[str, Any]) -> ClientResponse:
        return await self.post(urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded")

    async def settled(self) -> None:
        """Every acknowledged request's work is done."""
        await self.app[SLACK_ENDPOINT].idle()


def slack_env(database: Database, fake: FakeSlackApi, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database.url,
        "SCHEDULER_ENABLED": "false",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.api_url,
    } | extra


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    fake = await FakeSlackApi().start()
    fake.users = {
        SOFIA_ID: user(SOFIA_ID, SOFIA, name="Sofia Åkesson"),
        JOHAN_ID: user(JOHAN_ID, JOHAN, name="Johan Ekdahl", locale="en-GB"),
        NEWCOMER_ID: user(NEWCOMER_ID, NEWCOMER, name="Nils Ny"),
        "U0NOMAIL1": user("U0NOMAIL1", None, name="Guest"),
    }
    yield fake
    await fake.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def start(settings: Settings, fake: FakeSlackApi, clock: FakeClock) -> tuple[Slack, TestClient]:  # type: ignore[type-arg]
    app = create_app(settings, sample=True, clock=clock)
    client = TestClient(TestServer(app))
    await client.start_server()
    return Slack(client, fake, app), client


@pytest.fixture
async def slack(database: Database, fake_slack: FakeSlackApi, clock: FakeClock) -> AsyncIterator[Slack]:
    running, client = await start(Settings.from_env(slack_env(database, fake_slack)), fake_slack, clock)
    yield running
    await client.close()


Build = Callable[[SlackConfig], SlackMessenger]


@pytest.fixture
async def build(database: Database, fake_slack: FakeSlackApi) -> AsyncIterator[Build]:
    """Messengers on the fake, each with its own HTTP session (closed after the test)."""
    sessions: list[SlackHttp] = []

    def made(slack: SlackConfig) -> SlackMessenger:
        http = SlackHttp(fake_slack.api_url)
        sessions.append(http)
        tokens = SlackTokens(slack, SqlSlackInstallations(database), http, FakeClock())
        return SlackMessenger(SlackCalls(tokens, http, retries=False), locale="sv")

    yield made
    for http in sessions:
        await http.aclose()
