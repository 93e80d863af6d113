"""A platform that answers 429, 500 and times out: deliveries wait, retry, and all complete exactly once."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest

from bot.delivery import DeliveryLimits, Dispatcher
from bot.domain.delivery import OutboxKind, SentRef
from bot.messages import OutgoingMessage, Recipient
from bot.ports import DeliveryFailed, RateLimited
from storage.database import Database
from storage.outbox import SqlOutbox, enqueue
from tests.fakes.builders import organisation_with_people
from tests.fakes.clock import FakeClock

pytestmark = pytest.mark.faults


class FlakyPlatform:
    """Fails about half of all calls, in the three ways platforms do, from a fixed seed."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self.delivered: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        roll = self._rng.random()
        if roll < 0.15:
            self.failures["429"] += 1
            raise RateLimited(self._rng.uniform(1, 5))
        if roll < 0.35:
            self.failures["500"] += 1
            raise DeliveryFailed("http_500")
        if roll < 0.50:
            self.failures["timeout"] += 1
            raise TimeoutError("the platform did not answer")
        self.delivered[key] += 1
        return SentRef("webchat", {"key": key})

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None:
        raise AssertionError("no updates in this test")


async def test_every_message_arrives_once_through_429s_500s_and_timeouts(database: Database) -> None:
    clock = FakeClock()
    organisation, people = await organisation_with_people(database, 200)
    async with database.transaction() as session:
        for person in people:
            await enqueue(
                session,
                organisation_id=organisation.id,
                person_id=person.id,
                key=f"campaign:1:{person.id}",
                kind=OutboxKind.CAMPAIGN,
                channel="webchat",
                message=OutgoingMessage("Hej"),
                due_at=clock.now(),
            )
    platform = FlakyPlatform(seed=7)
    limits = DeliveryLimits(per_channel={"webchat": 50.0}, per_recipient_gap_seconds=0, max_attempts=12)
    dispatcher = Dispatcher(
        SqlOutbox(database), {"webchat": platform}, clock, limits=limits, rng=random.Random(1)
    )

    for _ in range(400):  # bounded: each pass delivers what is due, then time moves to the next retry
        if sum(platform.delivered.values()) == len(people):
            break
        await dispatcher.run_once()
        clock.advance(seconds=30)

    assert len(platform.delivered) == len(people)
    assert set(platform.delivered.values()) == {1}
    assert min(platform.failures.values()) > 10  # all three kinds of fault really happened
    assert dispatcher.stats.failed == 0 and dispatcher.stats.sent == len(people)
    assert clock.slept and max(clock.slept) < timedelta(minutes=5).total_seconds()
