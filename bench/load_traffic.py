"""The traffic of bench/load.py: signed requests in each platform's documented shape, and the fakes that
answer the bot (the Slack Web API and the Bot Connector of tests/slack and tests/teams).

Every request is signed at the moment it is sent, as its platform signs it: Slack with slack_sdk's
SignatureVerifier scheme (v0 HMAC of "v0:<timestamp>:<body>"), our webhooks with X-Remm-Signature
(design 4.2). Teams runs anonymously on the loopback bind (design 4.4), so its activities carry no token.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository

from bot.ingest.signatures import ORGANISATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.sample import load_sample_organisation

SLACK_SECRET: Final = "load-bench-signing-secret"  # noqa: S105 (this run's fake workspace only)
SLACK_TOKEN: Final = "xoxb-load-bench"  # noqa: S105
WEBHOOK_SECRET: Final = "load-bench-webhook-secret"  # noqa: S105
ORGANISATION: Final = "hallbar"  # the sample organisation's id
TEAM: Final = "T0TEAM001"  # the fake Slack workspace (tests/slack/fake_slack.py)
BOT_USER: Final = "U0REMMBOT"
TENANT: Final = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAMS_BOT: Final = {"id": "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c", "name": "remm-bot"}
PHRASES: Final = (
    "hjälp",
    "statistik",
    "Jag ska till Umeå på tisdag, vi är två",
    "tåg eller flyg till Göteborg?",
)
TOWNS: Final = ("Stockholm", "Göteborg", "Malmö", "Umeå", "Luleå")

# route name -> (path, the status a success answers with)
ROUTES: Final = {
    "slack app_mention": ("/slack/events", 200),
    "slack message.im": ("/slack/events", 200),
    "teams message": ("/api/messages", 202),
    "webhook calendar": ("/webhooks/calendar", 202),
    "webhook travel": ("/webhooks/travel", 202),
}


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    name: str
    office: str
    slack_id: str
    teams_id: str


@dataclass(frozen=True, slots=True)
class Request:
    route: str
    body: bytes

    @property
    def path(self) -> str:
        return ROUTES[self.route][0]

    @property
    def expected(self) -> int:
        return ROUTES[self.route][1]

    def headers(self) -> dict[str, str]:
        """Signed now: a request waits in no queue between signing and sending."""
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json"}
        if self.route.startswith("slack"):
            text = self.body.decode("utf-8")
            signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=stamp, body=text)
            return headers | {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
        if self.route.startswith("webhook"):
            return headers | {
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign(WEBHOOK_SECRET, stamp, self.body),
                ORGANISATION_HEADER: ORGANISATION,
            }
        return headers


def people() -> list[Person]:
    """The sample organisation's people, each with a Slack user id and a Teams user id of their own."""
    return [
        Person(
            email=p.email,
            name=p.name,
            office=p.office,
            slack_id=f"U0LOAD{n:03d}",
            teams_id=f"29:{uuid.uuid5(uuid.NAMESPACE_URL, p.email)}",
        )
        for n, p in enumerate(load_sample_organisation().people)
    ]


class Traffic:
    """Request number n of each kind, all distinct (event ids, meeting ids), from the sample's people."""

    def __init__(self, everyone: list[Person], connector_url: str) -> None:
        self._people, self._connector = everyone, connector_url
        self._run = uuid.uuid4().hex[:8]
        self._monday = _next_monday(datetime.now(UTC).date())

    def make(self, route: str, n: int) -> Request:
        person = self._people[n % len(self._people)]
        build = {
            "slack app_mention": self._mention,
            "slack message.im": self._direct,
            "teams message": self._teams,
            "webhook calendar": self._meeting,
            "webhook travel": self._trip,
        }[route]
        return Request(route, json.dumps(build(person, n)).encode("utf-8"))

    def first_contact(self, person: Person) -> list[Request]:
        """Each person writes once on Slack and Teams before the measurement (linking, privacy note)."""
        hello = {"text": "hej"}
        return [
            Request("slack message.im", json.dumps(_with_text(self._direct(person, -1), hello)).encode()),
            Request("teams message", json.dumps(self._teams(person, -1) | hello).encode()),
        ]

    def _slack(self, event: dict[str, Any], n: int) -> dict[str, Any]:
        return {
            "token": "unused-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0REMMAPP",
            "event": event,
            "type": "event_callback",
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "event_id": f"Ev{self._run.upper()}{n + 1:07d}",
            "event_time": int(time.time()),
        }

    def _mention(self, person: Person, n: int) -> dict[str, Any]:
        ts = f"{int(time.time())}.{n % 1_000_000:06d}"
        event = {
            "type": "app_mention",
            "user": person.slack_id,
            "text": f"<@{BOT_USER}> {PHRASES[n % len(PHRASES)]}",
            "ts": ts,
            "channel": "C0LOADBENCH",
            "event_ts": ts,
        }
        return self._slack(event, n)

    def _direct(self, person: Person, n: int) -> dict[str, Any]:
        ts = f"{int(time.time())}.{n % 1_000_000:06d}"
        event = {
            "type": "message",
            "channel": f"D{person.slack_id}",
            "user": person.slack_id,
            "text": PHRASES[n % len(PHRASES)],
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
        }
        return self._slack(event, n if n >= 0 else 9_000_000 + self._people.index(person))

    def _teams(self, person: Person, n: int) -> dict[str, Any]:
        return {
            "type": "message",
            "id": uuid.uuid4().hex,
            "timestamp": datetime.now(UTC).isoformat(),
            "channelId": "msteams",
            "serviceUrl": self._connector,
            "from": {"id": person.teams_id, "aadObjectId": person.teams_id[3:], "name": person.name},
            "recipient": TEAMS_BOT,
            "conversation": {
                "id": f"a:{person.teams_id[3:]}",
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            "channelData": {"tenant": {"id": TENANT}},
            "text": PHRASES[n % len(PHRASES)],
            "locale": "sv-SE",
        }

    def _meeting(self, person: Person, n: int) -> dict[str, Any]:
        """An in-person meeting in another office's town, on a weekday of the coming weeks."""
        day = self._day(n)
        town = _elsewhere(person.office, n)
        colleague = self._people[(n * 7 + 3) % len(self._people)]
        return {
            "source": "loadbench",
            "event_id": f"L-{self._run}-{n}",
            "organiser_email": person.email,
            "start": f"{day.isoformat()}T10:00:00+01:00",
            "end": f"{day.isoformat()}T15:00:00+01:00",
            "location": f"MHS {town}",
            "online": False,
            "attendees": [{"email": person.email}, {"email": colleague.email}],
            "external_attendees": n % 3,
            "status": "confirmed",
        }

    def _trip(self, person: Person, n: int) -> dict[str, Any]:
        day = self._day(n)
        return {
            "request_id": f"TR-{self._run}-{n}",
            "requester_email": person.email,
            "origin": person.office,
            "destination": _elsewhere(person.office, n),
            "departure_date": day.isoformat(),
            "return_date": (day + timedelta(days=1)).isoformat(),
            "travellers": 1 + n % 2,
            "mode": ("flight", "train", "auto")[n % 3],
            "status": ("draft", "submitted")[n % 2],
        }

    def _day(self, n: int) -> date:
        return self._monday + timedelta(weeks=1 + (n // 5) % 8, days=n % 5)


def _with_text(body: dict[str, Any], text: dict[str, str]) -> dict[str, Any]:
    return body | {"event": body["event"] | text}


def _elsewhere(office: str, n: int) -> str:
    others = [town for town in TOWNS if town != office]
    return others[n % len(others)]


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


# ---- the fakes, in a process of their own (bench/load.py --serve-fakes) ------------------------------


async def serve_fakes() -> None:
    """The fake Slack Web API and Bot Connector, and /stats with what each received; prints their URLs."""
    from tests.slack.fake_slack import FakeSlackApi, user
    from tests.teams.fake_connector import FakeBotConnector

    everyone = people()
    slack = FakeSlackApi(users={p.slack_id: user(p.slack_id, p.email, name=p.name) for p in everyone})
    await slack.start()
    members = {
        p.teams_id: {"id": p.teams_id, "aadObjectId": p.teams_id[3:], "email": p.email, "name": p.name}
        for p in everyone
    }
    connector = FakeBotConnector(members=members)
    await connector.start()

    async def stats(_request: web.Request) -> web.Response:
        slack_calls: dict[str, int] = {}
        for call in slack.calls:
            slack_calls[call.method] = slack_calls.get(call.method, 0) + 1
        teams_calls: dict[str, int] = {}
        for sent in connector.calls:
            teams_calls[sent.kind] = teams_calls.get(sent.kind, 0) + 1
        return web.json_response({"slack": slack_calls, "teams": teams_calls})

    app = web.Application()
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    urls = {
        "slack": slack.api_url,
        "teams": connector.url,
        "stats": f"http://127.0.0.1:{runner.addresses[0][1]}/stats",
        "pid": str(os.getpid()),
    }
    print(json.dumps(urls), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()
    await connector.stop()
    await slack.stop()
