"""The weekly manager summary: figures per unit, the privacy threshold, no-data weeks, trend vs baseline."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import Services
from bot.domain.nudges import Decision, OutcomeChoice
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.domain.records import Delivery
from bot.messages import OutgoingMessage
from bot.reports.figures import Baseline, BaselineSource, TripSplit, WeeklyFigures
from bot.reports.jobs import compose_weekly
from bot.reports.weeks import IsoWeek
from storage.people import PersonRecord, SqlPeople
from tests.fakes.clock import FakeClock
from tests.reports.conftest import IN_WEEK_10, INGRID, JONAS, KARIN, LENA, PAR, SOFIA, Builder

WEEK_10 = IsoWeek(2026, 10)
WEDNESDAY = date(2026, 3, 4)


async def _summary(
    services: Services, organisation: Organisation, email: str, week: IsoWeek = WEEK_10, locale: str = "sv"
) -> tuple[WeeklyFigures, OutgoingMessage]:
    manager = await services.people.by_email(organisation.id, email)
    assert manager is not None
    [(figures, _member, message)] = await compose_weekly(
        services,
        organisation,
        week,
        managers=[manager.id],
        locale="en" if locale == "en" else "sv",
    )
    return figures, message


async def test_a_unit_under_five_people_is_shown_as_part_of_the_unit_above_and_says_so(
    services: Services, sample_org: Organisation, build: Builder
) -> None:
    await build.trip(INGRID, WEDNESDAY)
    await build.trip(SOFIA, WEDNESDAY)

    figures, message = await _summary(services, sample_org, PAR)
    karin, karin_message = await _summary(services, sample_org, KARIN)
    _, english = await _summary(services, sample_org, PAR, locale="en")

    assert figures.own_unit_size == 3 and figures.folded
    assert (figures.unit_manager_name, figures.unit_size) == ("Karin Sjöberg", 19)
    assert figures.unit == karin.unit and figures.unit is not None and figures.unit.taken.total == 2
    assert "färre än 5 personer" in message.text
    assert "enheten under Karin Sjöberg (19 personer)" in message.text
    assert "fewer than 5 people" in english.text and "the unit under Karin Sjöberg" in english.text
    assert message.image and karin_message.image and message.image != karin_message.image  # titled for each


async def _small_organisation(services: Services, slug: str, *, with_lead: bool) -> Organisation:
    """A boss; with a lead under them or not; four people under the lead (or the boss)."""
    organisation = await services.organisations.create(
        slug=slug, name=slug.title(), timezone="Europe/Stockholm"
    )
    boss, lead = f"boss@{slug}.example.se", f"lead@{slug}.example.se"
    records = [PersonRecord(email=boss, name="Boss")]
    if with_lead:
        records.append(PersonRecord(email=lead, name="Lead", manager_email=boss))
    records += [
        PersonRecord(email=f"p{i}@{slug}.example.se", name=f"P{i}", manager_email=lead if with_lead else boss)
        for i in range(4)
    ]
    await SqlPeople(services.database).upsert_many(organisation.id, records)
    return organisation


async def test_a_unit_of_four_never_shows_its_own_figures(services: Services, clock: FakeClock) -> None:
    folded_org = await _small_organisation(services, "folded", with_lead=True)
    hidden_org = await _small_organisation(services, "hidden", with_lead=False)
    for organisation in (folded_org, hidden_org):
        await Builder(services, organisation, clock).trip(f"p0@{organisation.slug}.example.se", WEDNESDAY)

    lead, lead_message = await _summary(services, folded_org, "lead@folded.example.se")
    boss, boss_message = await _summary(services, hidden_org, "boss@hidden.example.se")

    assert lead.own_unit_size == 4 and lead.folded and lead.unit_size == 5
    assert "färre än 5 personer" in lead_message.text
    assert boss.own_unit_size == 4 and boss.hidden and boss.unit is None
    assert boss_message.facts == () and boss_message.image is None
    assert "visas inga siffror" in boss_message.text


async def test_a_week_without_data_says_so_instead_of_showing_zeros(
    services: Services, sample_org: Organisation
) -> None:
    figures, message = await _summary(services, sample_org, LENA)

    assert not figures.has_data
    assert (
        "Inga resor, tips eller val registrerades för din enhet (5 personer) vecka 2026-W10" in message.text
    )
    assert message.facts == () and message.image is None


async def test_trips_are_split_into_planned_and_taken_under_and_over_100_km_one_way(
    services: Services, sample_org: Organisation, build: Builder, clock: FakeClock
) -> None:
    await build.trip(JONAS, WEDNESDAY, km=900)  # booked, 450 km one way: taken, over
    await build.trip(JONAS, WEDNESDAY, km=150, status="submitted")  # 75 km one way: planned, under
    await build.trip(JONAS, WEDNESDAY, km=210, status="approved", travellers=2)  # planned, over, two people
    await build.trip(JONAS, WEDNESDAY, km=180, source="import", status="planned")  # history: taken, under
    await build.trip(JONAS, WEDNESDAY, status="cancelled")
    await build.trip(JONAS, WEDNESDAY + timedelta(days=7))  # next week
    avoided_trip = await build.trip(JONAS, WEDNESDAY, destination="Luleå")
    clock.set(IN_WEEK_10)
    nudge = await build.nudge(JONAS, WEDNESDAY, trip_id=avoided_trip)
    await build.choose(JONAS, nudge, OutcomeChoice.DIGITAL, hours=6, co2e=120, sek="4000")
    meeting = await build.nudge(JONAS, WEDNESDAY, destination="Umeå")  # a meeting elsewhere, 600 km one way
    await build.choose(JONAS, meeting, OutcomeChoice.TRAVEL_ANYWAY, reason="negotiation")

    figures, message = await _summary(services, sample_org, LENA)

    unit = figures.unit
    assert unit is not None
    assert unit.taken == TripSplit(under_100=1, over_100=2)
    assert unit.planned == TripSplit(under_100=1, over_100=2)
    assert unit.avoided == 1 and unit.digital == 1
    assert dict(unit.top_destinations) == {"Göteborg": 5, "Umeå": 1}
    assert "Resor gjorda: 3 (1 under 100 km, 2 från 100 km)" in message.text + _facts(message)


async def test_choices_savings_and_reasons_are_counted_and_free_text_never_shown(
    services: Services, sample_org: Organisation, build: Builder, clock: FakeClock
) -> None:
    clock.set(IN_WEEK_10)
    for choice, hours in (
        (OutcomeChoice.DIGITAL, 5.5),
        (OutcomeChoice.DIGITAL, 2.0),
        (OutcomeChoice.HYBRID, 1.0),
    ):
        nudge = await build.nudge(JONAS, WEDNESDAY)
        await build.choose(JONAS, nudge, choice, hours=hours, co2e=100.0, sek="1500")
    for reason in ("negotiation", "negotiation", "site_visit"):
        nudge = await build.nudge(JONAS, WEDNESDAY)
        await build.choose(
            JONAS, nudge, OutcomeChoice.TRAVEL_ANYWAY, reason=reason, text="Träffa Anna på kontoret"
        )

    figures, message = await _summary(services, sample_org, LENA)

    unit = figures.unit
    assert unit is not None
    assert (unit.digital, unit.hybrid, unit.avoided, unit.nudges) == (2, 1, 3, 6)
    assert (unit.hours_saved, unit.co2e_saved_kg, str(unit.cost_saved_sek)) == (8.5, 300.0, "4500")
    assert unit.reasons == (("negotiation", 2), ("site_visit", 1))
    assert "Förhandling (2), Besök på plats (1)" in message.text
    assert "Anna" not in message.text + _facts(message) + message.context
    assert message.image is not None and message.image.startswith("https://remm.example.se/media/")


async def test_only_nudges_that_reached_the_person_are_counted(
    services: Services, sample_org: Organisation, build: Builder, clock: FakeClock
) -> None:
    clock.set(IN_WEEK_10)
    await build.nudge(JONAS, WEDNESDAY)  # shown in a chat turn
    await build.nudge(JONAS, WEDNESDAY, decision=Decision.SUPPRESS)
    person = await build.person(JONAS)
    await _queue_nudge(services, sample_org, person, clock)

    before, _ = await _summary(services, sample_org, LENA)
    services.start_dispatcher()
    assert services.dispatcher is not None
    while await services.dispatcher.run_once():
        pass
    after, _ = await _summary(services, sample_org, LENA)

    assert before.unit is not None and before.unit.nudges == 1
    assert after.unit is not None and after.unit.nudges == 2


async def _queue_nudge(
    services: Services, organisation: Organisation, person: Person, clock: FakeClock
) -> None:
    from bot.domain.nudges import Reason, Trigger
    from bot.domain.records import NudgeWrite

    write = NudgeWrite(
        organisation_id=organisation.id,
        person_id=person.id,
        subject="travel:Q1",
        trigger=Trigger.TRAVEL,
        decision=Decision.SEND,
        reason=Reason.SEND_NOW,
        variant="A",
        mode="flight",
        destination_name="Luleå",
        trip_date=WEDNESDAY,
    )
    delivery = Delivery("webchat", clock.now())
    await services.nudges.record_decision(
        write, now=clock.now(), delivery=delivery, compose=lambda _id: OutgoingMessage("tips")
    )


async def test_the_trend_is_compared_with_imported_history_averaged_per_week(
    services: Services, sample_org: Organisation, build: Builder
) -> None:
    first_import = date(2025, 1, 6)
    for week in range(10):  # 2 trips a week for 10 weeks: 2.0 per week
        for _ in range(2):
            await build.trip(JONAS, first_import + timedelta(weeks=week), source="import")
    for week in WEEK_10.last(4):  # 1 a week lately
        await build.trip(JONAS, week.monday + timedelta(days=2))

    figures, message = await _summary(services, sample_org, LENA)

    unit = figures.unit
    assert unit is not None
    assert unit.baseline == Baseline(BaselineSource.IMPORT, 2.0, 10)
    assert [point.trips for point in unit.trend] == [0] * 8 + [1] * 4
    assert [str(point.week) for point in unit.trend][::11] == ["2025-W51", "2026-W10"]
    assert unit.change_percent == -50.0
    assert "1,0 resor per vecka de senaste 4 veckorna, mot 2,0 per vecka i utgångsläget" in message.text
    assert "\u221250 %" in message.text


async def test_without_imports_the_baseline_is_the_units_first_four_weeks(
    services: Services, sample_org: Organisation, build: Builder
) -> None:
    for offset, count in enumerate((3, 1, 2, 2, 7)):  # weeks 2-6; the fifth week is not baseline
        for _ in range(count):
            await build.trip(JONAS, IsoWeek(2026, 2 + offset).monday)

    early, early_message = await _summary(services, sample_org, LENA, IsoWeek(2026, 4))
    later, _ = await _summary(services, sample_org, LENA)

    assert early.unit is not None and early.unit.baseline.source is BaselineSource.NONE
    assert "Utgångsläget räknas fram när enheten har 4 veckors data" in early_message.text
    assert later.unit is not None
    assert later.unit.baseline == Baseline(BaselineSource.FIRST_WEEKS, 2.0, 4)


def _facts(message: OutgoingMessage) -> str:
    return "\n".join(f"{fact.label}: {fact.value}" for fact in message.facts)
