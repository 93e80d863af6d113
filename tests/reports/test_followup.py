"""The step-10 follow-up on a small organisation whose figures are checked by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.app import Services
from bot.domain.nudges import OutcomeChoice
from bot.domain.organisations import Organisation
from bot.domain.records import MeetingWrite
from bot.reports.followup import follow_up
from bot.reports.followup_model import ModeFigures
from bot.reports.followup_render import CSV_HEADER, Format, render
from storage.people import PersonRecord, SqlPeople
from tests.fakes.clock import FakeClock
from tests.reports.conftest import Builder

A, B, C = "a@fu.example.se", "b@fu.example.se", "c@fu.example.se"


async def _organisation(services: Services, clock: FakeClock) -> tuple[Organisation, Builder]:
    organisation = await services.organisations.create(slug="fu", name="Uppföljningsverket")
    people = [
        PersonRecord(email=A, name="A"),
        PersonRecord(email=B, name="B", manager_email=A),
        PersonRecord(email=C, name="C", manager_email=A, fte=Decimal("0.5")),
    ]
    await SqlPeople(services.database).upsert_many(organisation.id, people)
    return organisation, Builder(services, organisation, clock)


async def _meeting(
    services: Services, build: Builder, event: str, start: datetime, *, online: bool = True, **kw: object
) -> None:
    a, b = await build.person(A), await build.person(B)
    attendees = kw.get("attendees", (a.id, b.id))
    await services.meetings.save(
        MeetingWrite(
            organisation_id=build.organisation.id,
            source="test",
            event_id=event,
            series_id=None,
            organiser_id=a.id,
            start=start,
            end=start + timedelta(hours=1),
            place_key=None,
            place_name=None,
            online=online,
            external_attendees=int(kw.get("external", 0)),  # type: ignore[call-overload]
            status=str(kw.get("status", "confirmed")),
            attendee_ids=tuple(attendees),  # type: ignore[arg-type]
        ),
        now=start,
    )


async def _year_of_travel(services: Services, build: Builder, clock: FakeClock) -> None:
    spring = date(2025, 4, 2)
    await build.trip(A, spring, mode="train", km=900, nights=1, cost="2000", co2e=6.3)
    await build.trip(A, spring, mode="flight", km=1800, travellers=2, cost="5000", co2e=400)
    await build.trip(B, spring, mode="car_petrol", km=120, cost="300", co2e=20)  # 60 km one way
    await build.trip(B, spring, mode="train", km=150, source="import", cost="500", co2e=1)
    await build.trip(B, spring, mode="flight", status="cancelled", cost="9999", co2e=999)
    await build.trip(B, date(2024, 5, 6), mode="train", km=900, source="import", cost="1800", co2e=6)
    avoided = await build.trip(C, spring, mode="flight", km=1600, cost="4500", co2e=380)
    clock.set(datetime(2025, 3, 20, 9, tzinfo=UTC))
    nudge = await build.nudge(C, spring, trip_id=avoided)
    await build.choose(C, nudge, OutcomeChoice.DIGITAL, hours=7.5, co2e=379.5, sek="4470")
    estimate = {
        "distance_km": 1000.0,
        "co2e_kg": 250.0,
        "cost_sek": {"total": 4000},
        "travellers": 1,
        "nights": 1,
    }
    meeting_trip = await build.nudge(C, spring, estimate=estimate, mode="flight")
    await build.choose(C, meeting_trip, OutcomeChoice.TRAVEL_ANYWAY, reason="conference")
    for event, day in (("m1", 10), ("m2", 11), ("m3", 12)):
        await _meeting(services, build, event, datetime(2025, 2, day, 9, tzinfo=UTC))
    await _meeting(
        services,
        build,
        "alone",
        datetime(2025, 2, 13, 9, tzinfo=UTC),
        attendees=((await build.person(A)).id,),
    )
    a_id = (await build.person(A)).id
    await _meeting(
        services, build, "external", datetime(2025, 2, 14, 9, tzinfo=UTC), attendees=(a_id,), external=2
    )
    await _meeting(services, build, "cancelled", datetime(2025, 2, 17, 9, tzinfo=UTC), status="cancelled")
    await _meeting(services, build, "in-person", datetime(2025, 2, 18, 9, tzinfo=UTC), online=False)
    await _meeting(services, build, "last-year", datetime(2024, 2, 19, 9, tzinfo=UTC))


@pytest.fixture
async def organisation(services: Services, clock: FakeClock) -> Organisation:
    organisation, build = await _organisation(services, clock)
    await _year_of_travel(services, build, clock)
    return organisation


async def test_the_year_adds_up_by_mode_with_cancelled_and_avoided_trips_left_out(
    services: Services, organisation: Organisation
) -> None:
    report = await follow_up(services.reports, organisation, year=2025)

    figures = report.figures
    assert (figures.fte, figures.people, figures.digital_meetings) == (Decimal("2.50"), 3, 4)
    assert figures.modes == (
        ModeFigures("car_petrol", 1, 0, 1, Decimal(300), 20.0),
        ModeFigures("flight", 0, 3, 4, Decimal(9000), 650.0),
        ModeFigures("train", 1, 1, 3, Decimal(2500), 7.3),
    )
    assert (figures.avoided_trips, figures.avoided_hours, figures.avoided_co2e_kg) == (1, 7.5, 379.5)
    per_fte = {i.key: i.per_fte for i in report.indicators}
    assert per_fte["trips"] == Decimal("2.40") and per_fte["travel_days"] == Decimal("3.20")
    assert per_fte["cost"] == Decimal("4720.00") and per_fte["co2e"] == Decimal("270.92")
    assert per_fte["digital_meetings"] == Decimal("1.60") and per_fte["trips_under_100"] == Decimal("0.80")


async def test_the_change_is_against_the_first_year_with_imported_trips(
    services: Services, organisation: Organisation
) -> None:
    report = await follow_up(services.reports, organisation, year=2025)
    chosen = await follow_up(services.reports, organisation, year=2025, baseline_year=2025)

    changes = {i.key: i.change_percent for i in report.indicators}
    assert report.baseline is not None and report.baseline.year == 2024
    assert changes["trips"] == pytest.approx(500.0) and changes["digital_meetings"] == pytest.approx(300.0)
    assert changes["avoided"] is None  # nothing avoided in 2024: no base to compare with
    assert chosen.baseline is None and all(i.change_percent is None for i in chosen.indicators)


async def test_csv_json_and_markdown_shapes(services: Services, organisation: Organisation) -> None:
    report = await follow_up(services.reports, organisation, year=2025)

    rows = list(csv.DictReader(io.StringIO(render(report, Format.CSV, "sv"))))
    data = json.loads(render(report, Format.JSON, "en"))
    markdown = render(report, Format.MD, "sv")

    assert tuple(rows[0]) == CSV_HEADER
    trips = next(row for row in rows if row["key"] == "trips")
    assert (trips["value"], trips["per_fte"], trips["baseline_year"], trips["change_percent"]) == (
        "6",
        "2.40",
        "2024",
        "500.0",
    )
    assert {row["mode"]: row["value"] for row in rows if row["key"] == "co2e_kg"}["flight"] == "650.0"
    assert set(data) == {
        "organisation",
        "year",
        "people",
        "fte",
        "baseline_year",
        "indicators",
        "naturvardsverket",
        "modes",
    }
    assert data["naturvardsverket"] == {
        "digital_meetings": 4,
        "co2e_kg_by_mode": {"car_petrol": 20.0, "flight": 650.0, "train": 7.3},
        "co2e_kg_total": 677.3,
    }
    assert data["indicators"]["trips"] == {
        "value": 6.0,
        "per_fte": 2.4,
        "baseline_per_fte": 0.4,
        "change_percent": 500.0,
    }
    assert "# Uppföljning 2025: Uppföljningsverket" in markdown
    assert "| Tjänsteresor | 6 | 2,40 | 0,40 | +500 % |" in markdown
    assert "| flyg | 3 | 650 | 0,65 |" in markdown


async def test_a_year_without_anything_says_so(services: Services, organisation: Organisation) -> None:
    report = await follow_up(services.reports, organisation, year=2023)

    assert not report.figures.has_data
    assert "Inga resor, möten eller val finns registrerade för 2023." in render(report, Format.MD, "sv")
