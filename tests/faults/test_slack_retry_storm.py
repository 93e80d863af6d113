"""A Slack retry storm: 1,000 events, each delivered 4 times, to two processes sharing one database.

Slack resends an event it thinks was not acknowledged in time, with ``X-Slack-Retry-Num`` 1, 2 and 3,
and behind a load balancer the retries may reach another instance. Every delivery is acknowledged, and
exactly one reply per event reaches Slack. The second instance is a real ``remm-bot serve`` process.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.settings import Settings
from storage.database import Database
from storage.tables import InboundRow
from tests.fakes.clock import FakeClock
from tests.faults.processes import until
from tests.slack.conftest import MONDAY, Slack, event, signed, slack_env, start
from tests.slack.fake_slack import FakeSlackApi, user

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 1_000
DELIVERIES = 4  # the original and Slack's three retries
IN_FLIGHT = 32  # requests open at once, as Slack's senders keep many
PEOPLE = 20
WAIT_SECONDS = 120.0


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    fake = await FakeSlackApi().start()
    yield fake
    await fake.stop()


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_every_event_delivered_four_times_to_two_processes_is_answered_once(
    database: Database, fake_slack: FakeSlackApi, tmp_path: Path
) -> None:
    people = sample_people(fake_slack)
    env = slack_env(database, fake_slack)
    log = tmp_path / "second.log"
    one, client = await start(Settings.from_env(env), fake_slack, FakeClock(MONDAY))
    two, base_two = serve(env | {"LOG_LEVEL": "WARNING"}, log)
    try:
        await warm_up(one, people)
        bodies = [storm_event(n, people) for n in range(EVENTS)]
        async with aiohttp.ClientSession() as session:
            await until_ready(session, two, base_two, log)
            statuses = await storm(session, [str(client.make_url("")), base_two], bodies)
            await one.settled()
            await until_handled(database, two, log)
            firsts_at_two = await events_taken(session, base_two)
    finally:
        two.terminate()
        await asyncio.to_thread(two.wait, 30)
        await client.close()

    replies = answered(fake_slack)
    assert statuses == Counter({200: EVENTS * DELIVERIES})
    assert 0 < firsts_at_two < EVENTS  # both processes took events first, and saw repeats
    assert sum(replies.values()) == EVENTS
    assert replies == expected(bodies)
    assert await inbound_rows(database) == EVENTS + PEOPLE  # one per event id, warm-up included


def sample_people(fake: FakeSlackApi) -> list[str]:
    """Slack accounts for the first PEOPLE of the sample organisation (their emails link them)."""
    sample = json.loads((ROOT / "bot" / "sample" / "organisation.json").read_text(encoding="utf-8"))
    ids = []
    for index, person in enumerate(sample["people"][:PEOPLE]):
        user_id = f"U0STORM{index:03d}"
        fake.users[user_id] = user(user_id, person["email"], name=person["name"])
        ids.append(user_id)
    return ids


async def warm_up(one: Slack, people: list[str]) -> None:
    """Each person writes once first: linked, and past the one-time privacy notice."""
    for user_id in people:
        body = event("message_im", user_id=user_id, text="hjälp", event={"channel": f"D{user_id}"})
        assert (await one.event(body)).status == 200
    await one.settled()
    one.fake.calls.clear()


def storm_event(number: int, people: list[str]) -> dict[str, Any]:
    """A direct message or a mention from one of the people, each with its own event id."""
    user_id = people[number % len(people)]
    said = "hjälp" if number % 3 else "statistik"
    if number % 2:
        return event("message_im", user_id=user_id, text=said, event={"channel": f"D{user_id}"})
    return event("app_mention", user_id=user_id, text=f"<@U0REMMBOT> {said}", event={"channel": "C0STORM01"})


async def storm(
    session: aiohttp.ClientSession, bases: list[str], bodies: list[dict[str, Any]]
) -> Counter[int]:
    """Every event 4 times (retries numbered 1-3), shuffled, half of them to each process."""
    rng = random.Random(10)
    deliveries = [(body, retry, rng.choice(bases)) for body in bodies for retry in range(DELIVERIES)]
    rng.shuffle(deliveries)
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def deliver(body: dict[str, Any], retry: int, base: str) -> int:
        raw = json.dumps(body)
        headers = {"Content-Type": "application/json", **signed(raw)}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with (
            gate,
            session.post(f"{base.rstrip('/')}/slack/events", data=raw, headers=headers) as answer,
        ):
            return answer.status

    async with asyncio.timeout(WAIT_SECONDS):
        return Counter(await asyncio.gather(*(deliver(*one) for one in deliveries)))


def answered(fake: FakeSlackApi) -> Counter[tuple[str, str]]:
    """Replies per person and kind: direct messages are answered in the DM, mentions privately."""
    replies: Counter[tuple[str, str]] = Counter()
    for call in fake.of("chat.postMessage"):
        replies[(str(call.params["channel"]).removeprefix("D"), "message")] += 1
    for call in fake.of("chat.postEphemeral"):
        replies[(str(call.params["user"]), "app_mention")] += 1
    return replies


def expected(bodies: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((body["event"]["user"], body["event"]["type"]) for body in bodies)


# --- the second process --------------------------------------------------------------------------


async def events_taken(session: aiohttp.ClientSession, base: str) -> float:
    """How many Slack events this process was the first to record (its /metrics)."""
    async with session.get(f"{base}/metrics") as answer:
        exposition = await answer.text()
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == "remm_events_in_total" and sample.labels == {
                "source": "slack",
                "outcome": "new",
            }:
                return sample.value
    return 0.0


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`remm-bot serve` on a free port of 127.0.0.1, on the same database and fake Slack."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as sink:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, env=os.environ | env
        )
    return process, f"http://127.0.0.1:{port}"


async def until_ready(
    session: aiohttp.ClientSession, process: subprocess.Popen[bytes], base: str, log: Path
) -> None:
    async def ready() -> bool:
        try:
            async with session.get(f"{base}/readyz") as answer:
                return answer.status == 200
        except aiohttp.ClientConnectionError:
            return False

    await until(ready, process, log, seconds=WAIT_SECONDS, poll_seconds=0.05)


async def until_handled(database: Database, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until every event either process accepted has been handled (its inbound row is done)."""

    async def handled() -> bool:
        query = select(func.count()).select_from(InboundRow).where(InboundRow.state != "done")
        async with database.session() as session:
            return int((await session.execute(query)).scalar_one()) == 0

    await until(handled, process, log, seconds=WAIT_SECONDS, poll_seconds=0.05)


async def inbound_rows(database: Database) -> int:
    async with database.session() as session:
        return int((await session.execute(select(func.count()).select_from(InboundRow))).scalar_one())
