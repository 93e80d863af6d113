"""The sample organisation on a simulated clock, and builders for trips, nudges and choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.app import Services, build_services
from bot.domain.nudges import Decision, OutcomeChoice, Reason, Trigger
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.domain.records import NudgeWrite, OutcomeWrite, TripWrite
from bot.sample_loader import load_sample
from bot.settings import Settings
from storage.database import Database
from tests.fakes.clock import FakeClock
from tests.fakes.messenger import FakeMessenger

# Monday 2026-03-09, 08:00 in Stockholm: the summary of week 2026-W10 (2-8 March) goes out now.
MONDAY_MORNING = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
IN_WEEK_10 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)

KARIN = "karin.sjoberg@mhs.example.se"  # Planering: 19 people below her
PAR = "par.gunnarsson@mhs.example.se"  # 3 reports: shown as part of Karin's unit
INGRID = "ingrid.blom@mhs.example.se"  # reports to Pär
LENA = "lena.oberg@mhs.example.se"  # exactly 5 reports
JONAS = "jonas.lundmark@mhs.example.se"  # reports to Lena
SOFIA = "sofia.akesson@mhs.example.se"  # reports to Anders Bergström (6), under Karin


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_MORNING)


@pytest.fixture
async def services(database: Database, clock: FakeClock) -> Services:
    built = build_services(
        Settings.from_env({"PUBLIC_URL": "https://remm.example.se"}), database, clock=clock
    )
    built.messengers["webchat"] = FakeMessenger()
    return built


@pytest.fixture
async def sample_org(services: Services) -> Organisation:
    organisation, created = await load_sample(services)
    assert created
    return organisation


@dataclass
class Builder:
    """Writes trips, nudges and choices through the repositories, the way the services do."""

    services: Services
    organisation: Organisation
    clock: FakeClock
    counter: int = 0

    async def person(self, email: str) -> Person:
        found = await self.services.people.by_email(self.organisation.id, email)
        assert found is not None, email
        return found

    async def trip(
        self,
        email: str,
        day: date,
        *,
        km: float = 900.0,
        status: str = "booked",
        source: str = "travel_request",
        mode: str = "train",
        travellers: int = 1,
        nights: int = 0,
        cost: str = "1000",
        co2e: float = 10.0,
        destination: str = "Göteborg",
    ) -> int:
        """``km`` is the distance of all legs, as stored (a round trip of 900 km is 450 km one way)."""
        self.counter += 1
        person = await self.person(email)
        trip = TripWrite(
            organisation_id=self.organisation.id,
            person_id=person.id,
            source=source,
            source_id=f"T{self.counter}",
            origin_name="Stockholm",
            destination_name=destination,
            destination_key=None,
            departure_date=day,
            return_date=None,
            nights=nights,
            mode=mode,
            travellers=travellers,
            distance_km=km,
            co2e_kg=co2e,
            cost_sek=Decimal(cost),
            status=status,
        )
        trip_id, _ = await self.services.meetings.save_trip(trip, now=self.clock.now())
        return trip_id

    async def nudge(
        self,
        email: str,
        day: date,
        *,
        trip_id: int | None = None,
        variant: str = "A",
        decision: Decision = Decision.SEND,
        estimate: dict[str, object] | None = None,
        destination: str = "Umeå",
        mode: str = "flight",
    ) -> int:
        """A nudge shown in a chat turn (delivered without the outbox)."""
        self.counter += 1
        person = await self.person(email)
        write = NudgeWrite(
            organisation_id=self.organisation.id,
            person_id=person.id,
            subject=f"test:{self.counter}",
            trigger=Trigger.TRAVEL if trip_id else Trigger.MEETING,
            decision=decision,
            reason=Reason.SEND_NOW if decision is Decision.SEND else Reason.BELOW_THRESHOLD,
            variant=variant,
            mode=mode,
            destination_name=destination,
            trip_date=day,
            trip_id=trip_id,
            estimate=estimate or {"distance_km": 1200.0, "co2e_kg": 250.0, "cost_sek": {"total": 6000}},
        )
        record = await self.services.nudges.record_decision(write, now=self.clock.now())
        return record.id

    async def choose(
        self,
        email: str,
        nudge_id: int,
        choice: OutcomeChoice,
        *,
        reason: str | None = None,
        text: str | None = None,
        hours: float = 0.0,
        co2e: float = 0.0,
        sek: str = "0",
    ) -> None:
        person = await self.person(email)
        outcome = OutcomeWrite(
            nudge_id=nudge_id,
            person_id=person.id,
            choice=choice,
            reason_category=reason,
            reason_text=text,
            co2e_saved_kg=co2e,
            cost_saved_sek=Decimal(sek),
            hours_saved=hours,
        )
        assert await self.services.nudges.record_outcome(
            outcome, organisation_id=self.organisation.id, now=self.clock.now()
        )


@pytest.fixture
def build(services: Services, sample_org: Organisation, clock: FakeClock) -> Builder:
    return Builder(services, sample_org, clock)
