"""kill -9 in the middle of a 10,000-recipient campaign, then a restart: everyone gets the message.

Only rows in flight at the kill may repeat, and each resend is counted in ``outbox_redelivered_total``.
On Slack nothing repeats: the outbox id travels in the message metadata, and the new process looks it up
in the conversation before sending again. The delivering processes are real ones
(``tests/faults/outbox_worker.py``: the product's dispatcher and messengers), the platforms fakes on
127.0.0.1: Slack's Web API (the real ``AsyncWebClient``), Teams' Bot Connector, and the web chat.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import Services, build_services
from bot.campaigns.model import Audience, Buttons, CampaignDraft, Wording, outbox_key
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.settings import Settings
from storage.database import Database, insert_for
from storage.tables import IdentityRow, OutboxRow, PersonRow, WebchatMessageRow
from tests.fakes.clock import FakeClock
from tests.faults.processes import tail, until
from tests.slack.fake_slack import TEAM, FakeSlackApi
from tests.teams.fake_connector import FakeBotConnector

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("outbox_worker.py")
RECIPIENTS = 10_000
# Two in five on Slack, two in five on Teams, one in five in the web chat.
CHANNELS = ("slack", "teams", "slack", "teams", "webchat")
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
# Abandoned rows are taken again once it ends, while the restarted workers are still busy with the rest;
# a send must start with a quarter of it left, which must hold even on a busy machine.
LEASE_SECONDS = 10.0
KILL_AFTER = 2_000  # deliveries seen at the fakes before the kill
# The restart brings up two workers, as a deployment with more than one would: the rows a killed
# process left behind must then be taken by exactly one of them (it also halves the time on two cores).
RESTARTED_WORKERS = 2
WAIT_SECONDS = 300.0  # generous: a busy machine can be several times slower than a quiet one


@dataclass
class Platforms:
    slack: FakeSlackApi
    teams: FakeBotConnector

    def sent(self) -> int:
        return len(self.slack.of("chat.postMessage")) + len(self.teams.of("send"))


@pytest.fixture
async def platforms() -> AsyncIterator[Platforms]:
    slack, teams = FakeSlackApi(), FakeBotConnector()
    await slack.start()
    await teams.start()
    yield Platforms(slack, teams)
    await slack.stop()
    await teams.stop()


@pytest.mark.parametrize("database", ["postgres"], indirect=True)  # the multi-process engine
async def test_a_campaign_killed_mid_delivery_reaches_everyone_and_repeats_only_what_was_in_flight(
    database: Database, platforms: Platforms, tmp_path: Path
) -> None:
    # On a clock at a past Monday morning: every recipient's working-hours due time has passed for the
    # real clock of the delivering processes.
    services = build_services(Settings.from_env({"DATABASE_URL": database.url}), database, clock=FakeClock())
    recipients = await directory(services, platforms.teams.url)
    campaign_id = await create_and_send(services)
    env = worker_env(database, platforms)

    in_flight = await kill_mid_delivery(database, platforms, env, tmp_path / "first.log")
    report = await finish(env, tmp_path)

    rows = await campaign_rows(database, campaign_id)
    received = {
        "slack": slack_received(platforms.slack, rows),
        "teams": teams_received(platforms.teams),
        "webchat": await webchat_received(database),
    }
    repeats = {channel: sum(n - 1 for n in got.values()) for channel, got in received.items()}
    counted: dict[str, float] = report["outbox_redelivered_total"]
    stats = report["stats"]
    seen = f"in flight at the kill {in_flight}, repeats {repeats}, counted {counted}, restart {stats}"
    assert sum(in_flight.values()) > 0  # the kill came while deliveries were under way
    assert {row.state for row in rows} == {"sent"}
    for channel, people in recipients.items():
        assert set(received[channel]) == people, f"{channel}: not everyone got the campaign"
    assert repeats["slack"] == 0 and counted["slack"] <= in_flight["slack"], seen
    for channel in ("teams", "webchat"):
        assert repeats[channel] <= counted[channel] <= in_flight[channel], seen
    # Every row left in `sending` was either found at Slack or sent again and counted, nothing else.
    assert stats["redelivered"] + stats["confirmed_after_crash"] == sum(in_flight.values()), seen
    assert stats["redelivered"] == sum(counted.values()) == sum(row.redelivered for row in rows), seen


# --- the directory and the campaign ---------------------------------------------------------------


async def directory(services: Services, connector_url: str) -> dict[str, set[str]]:
    """10,000 people spread over the three channels with the accounts each is reached at, and a
    coordinator outside the audience. Returns, per channel, the account each recipient has there."""
    database = services.database
    organisation = await services.organisations.create(slug="fault", name="Felverket")
    people = [_person(organisation, i) for i in range(RECIPIENTS)]
    people.append(_person(organisation, RECIPIENTS) | {"department": "Ledning", "permissions": "coordinator"})
    async with database.transaction() as session:
        await session.execute(insert_for(session)(PersonRow.__table__), people)
    ids = {p.email: p.id for p in await services.people.list(organisation.id)}
    identities, reached = [], {channel: set() for channel in ("slack", "teams", "webchat")}
    for i in range(RECIPIENTS):
        person_id = ids[f"person{i}@felverket.example.se"]
        channel = CHANNELS[i % len(CHANNELS)]
        if channel == "webchat":
            reached[channel].add(str(person_id))
        else:
            reached[channel].add(_account(i, channel))
            identities.append(_identity(organisation, person_id, i, channel, connector_url))
    async with database.transaction() as session:
        await session.execute(insert_for(session)(IdentityRow.__table__), identities)
    return reached


def _person(organisation: Organisation, i: int) -> dict[str, Any]:
    return {
        "organisation_id": organisation.id,
        "email": f"person{i}@felverket.example.se",
        "name": f"Person {i}",
        "department": "Planering" if i % 2 else "Analys",
        "job_title": "Handläggare",
        "permissions": "",
        "fte": 1,
        "locale": "sv",
        "timezone": "Europe/Stockholm",
        "active": True,
        "last_channel": CHANNELS[i % len(CHANNELS)] if i < RECIPIENTS else "webchat",
        "created_at": FakeClock().now(),
    }


def _account(i: int, channel: str) -> str:
    """The account a recipient is reached at: a Slack user id, or a Teams user id (29:...)."""
    return f"U{i:08d}" if channel == "slack" else f"29:user-{i}"


def _identity(
    organisation: Organisation, person_id: int, i: int, channel: str, connector_url: str
) -> dict[str, Any]:
    """What the adapters store: a Slack direct message channel (opened on first delivery for a tenth),
    a Teams conversation reference (a tenth were only seen on a team roster: a chat is opened first)."""
    user = _account(i, channel)
    if channel == "slack":
        address = {} if i % 10 == 0 else {"channel": f"D{user}"}
        return _identity_row(organisation, person_id, "slack", TEAM, user, address)
    address = {"service_url": connector_url, "tenant_id": TENANT, "user_id": user, "bot_id": "28:remm"}
    if i % 10 != 1:
        address["reference"] = {
            "bot": {"id": "28:remm", "name": "remm-bot"},
            "user": {"id": user, "aadObjectId": f"aad-{i}"},
            "conversation": {"id": f"a:chat-{user}", "conversationType": "personal", "tenantId": TENANT},
            "channelId": "msteams",
            "serviceUrl": connector_url,
        }
    return _identity_row(organisation, person_id, "teams", TENANT, f"aad-{i}", address)


def _identity_row(
    organisation: Organisation, person_id: int, kind: str, realm: str, external_id: str, address: Any
) -> dict[str, Any]:
    return {
        "organisation_id": organisation.id,
        "person_id": person_id,
        "kind": kind,
        "realm": realm,
        "external_id": external_id,
        "address": address or None,
        "last_seen_at": None,
    }


async def create_and_send(services: Services) -> int:
    """The coordinator creates the campaign and sends it to the 10,000."""
    assert services.campaigns is not None
    [organisation] = await services.organisations.all()
    coordinator = await services.people.by_email(organisation.id, f"person{RECIPIENTS}@felverket.example.se")
    assert isinstance(coordinator, Person) and coordinator.can_coordinate
    draft = CampaignDraft(
        title="Prova ett digitalt möte",
        wording=Wording("Nästa gång: prova digitalt.", "Next time: try it digitally."),
        audience=Audience(departments=("Planering", "Analys")),
        buttons=Buttons(im_in=True),
    )
    created = await services.campaigns.create(organisation, coordinator, draft)
    sent = await services.campaigns.send(organisation, coordinator, created.campaign.id)
    assert sent.queued == RECIPIENTS
    return created.campaign.id


# --- the two delivering processes ----------------------------------------------------------------


def worker_env(database: Database, platforms: Platforms) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database.url,
        "HOST": "127.0.0.1",  # Teams without an app id, on a loopback bind (the fake connector)
        "SLACK_SIGNING_SECRET": "remm-test-signing-secret",
        "SLACK_BOT_TOKEN": "xoxb-remm-test",
        "SLACK_API_URL": platforms.slack.api_url,
        "LOG_LEVEL": os.environ.get("FAULTS_LOG_LEVEL", "WARNING"),
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(WORKER), "--lease", str(LEASE_SECONDS), "--deadline", str(WAIT_SECONDS)]
    with log.open("ab") as sink:
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, env=env)  # noqa: S603


async def kill_mid_delivery(
    database: Database, platforms: Platforms, env: dict[str, str], log: Path
) -> dict[str, int]:
    """SIGKILL once KILL_AFTER messages reached the fakes, while a claimed batch is out; the rows left in
    ``sending`` per channel (nothing changes them until the next process starts)."""
    process = start_worker(env, log)
    try:
        await until(lambda: _reached(platforms), process, log, seconds=WAIT_SECONDS)
        await until(lambda: _frozen_while_sending(process, database), process, log, seconds=WAIT_SECONDS)
    finally:
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, 10)
    return await _in_flight(database)


async def finish(env: dict[str, str], folder: Path) -> dict[str, Any]:
    """The restarted deployment's workers deliver the rest and exit; their reports, added up."""
    processes = [start_worker(env, folder / f"restart-{n}.log") for n in range(RESTARTED_WORKERS)]
    try:
        codes = await asyncio.wait_for(
            asyncio.gather(*(asyncio.to_thread(process.wait) for process in processes)), WAIT_SECONDS + 30
        )
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
    logs = [folder / f"restart-{n}.log" for n in range(RESTARTED_WORKERS)]
    assert codes == [0] * RESTARTED_WORKERS, "\n".join(tail(log) for log in logs)
    reports = [json.loads(tail(log).splitlines()[-1]) for log in logs]
    return {
        part: {name: sum(report[part][name] for report in reports) for name in reports[0][part]}
        for part in ("stats", "outbox_redelivered_total")
    }


async def _reached(platforms: Platforms) -> bool:
    return platforms.sent() >= KILL_AFTER


async def _frozen_while_sending(process: subprocess.Popen[bytes], database: Database) -> bool:
    """The process stopped (SIGSTOP) at a moment it has rows in ``sending``; let go again otherwise. A
    running process could finish its batch between a look and the kill, leaving nothing in flight."""
    process.send_signal(signal.SIGSTOP)
    if sum((await _in_flight(database)).values()) > 0:
        return True  # stopped until the kill
    process.send_signal(signal.SIGCONT)
    return False


async def _in_flight(database: Database) -> dict[str, int]:
    query = (
        select(OutboxRow.channel, func.count())
        .where(OutboxRow.state == "sending")
        .group_by(OutboxRow.channel)
    )
    async with database.session() as session:
        found = dict((await session.execute(query)).all())
    return {channel: int(found.get(channel, 0)) for channel in ("slack", "teams", "webchat")}


# --- what arrived ---------------------------------------------------------------------------------


async def campaign_rows(database: Database, campaign_id: int) -> list[OutboxRow]:
    query = select(OutboxRow).where(OutboxRow.key == outbox_key(campaign_id, "A"))
    async with database.session() as session:
        rows = list((await session.execute(query)).scalars())
    assert len(rows) == RECIPIENTS
    return rows


def slack_received(fake: FakeSlackApi, rows: list[OutboxRow]) -> Counter[str]:
    """Per Slack user, the campaign messages posted to their direct message (the outbox id says which)."""
    campaign = {row.id for row in rows if row.channel == "slack"}
    got: Counter[str] = Counter()
    for call in fake.of("chat.postMessage"):
        if call.params["metadata"]["event_payload"]["outbox_id"] in campaign:
            got[str(call.params["channel"]).removeprefix("D")] += 1
    return got


def teams_received(fake: FakeBotConnector) -> Counter[str]:
    """Per Teams user, the messages sent to their 1:1 chat (stored, or opened by the messenger)."""
    opened = {call.conversation_id: call.body["members"][0]["id"] for call in fake.of("create")}
    got: Counter[str] = Counter()
    for call in fake.of("send"):
        got[opened.get(call.conversation_id) or call.conversation_id.removeprefix("a:chat-")] += 1
    return got


async def webchat_received(database: Database) -> Counter[str]:
    """Per person, messages in the web chat; the coordinator's preview is not part of the campaign."""
    query = (
        select(WebchatMessageRow.person_id, func.count())
        .join(PersonRow, PersonRow.id == WebchatMessageRow.person_id)
        .where(PersonRow.permissions == "")
        .group_by(WebchatMessageRow.person_id)
    )
    async with database.session() as session:
        return Counter({str(person): int(n) for person, n in (await session.execute(query)).all()})
