"""Clicks on a nudge: recorded once, only by its owner; the message is updated in place."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import Services
from bot.domain.nudges import NudgeRecord, OutcomeChoice
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.ingest.shapes import parse_travel_request
from bot.messages import ActionId
from storage.tables import OutcomeRow
from tests.fakes.clock import FakeClock

SOFIA = "sofia.akesson@mhs.example.se"


async def _flight_nudge(services: Services, organisation: Organisation) -> tuple[Person, NudgeRecord]:
    request = {
        "request_id": "R1",
        "requester_email": SOFIA,
        "origin": "Stockholm",
        "destination": "Luleå",
        "departure_date": "2026-01-14",
        "return_date": "2026-01-15",
        "travellers": 1,
        "mode": "flight",
    }
    result = await services.nudge_service.travel_request_changed(
        organisation.id, parse_travel_request(request)
    )
    person = await services.people.by_email(organisation.id, SOFIA)
    assert person is not None
    return person, result.decisions[0]


async def _outcomes(services: Services) -> list[OutcomeRow]:
    async with services.database.session() as session:
        return list((await session.execute(select(OutcomeRow))).scalars())


async def test_choosing_digital_records_an_avoided_trip_and_updates_the_message(
    services: Services, sample_org: Organisation
) -> None:
    person, nudge = await _flight_nudge(services, sample_org)

    result = await services.choices.choose(sample_org, person, ActionId.NUDGE_GO_DIGITAL, str(nudge.id), {})

    assert result.recorded is OutcomeChoice.DIGITAL
    assert result.update is not None and result.update.actions == ()
    assert "digitalt möte" in result.update.context
    follow_up = result.replies[0].text
    assert "mote.mhs.example.se" in follow_up and "resfritt@mhs.example.se" in follow_up
    [outcome] = await _outcomes(services)
    assert outcome.avoided_trip and outcome.co2e_saved_kg > 100 and outcome.hours_saved > 3


async def test_a_second_click_is_not_recorded_again(services: Services, sample_org: Organisation) -> None:
    person, nudge = await _flight_nudge(services, sample_org)
    await services.choices.choose(sample_org, person, ActionId.NUDGE_GO_DIGITAL, str(nudge.id), {})

    again = await services.choices.choose(sample_org, person, ActionId.NUDGE_GO_HYBRID, str(nudge.id), {})

    assert again.recorded is None and "redan svarat" in again.replies[0].text
    assert [o.choice for o in await _outcomes(services)] == ["digital"]


async def test_a_click_on_someone_elses_nudge_changes_nothing(
    services: Services, sample_org: Organisation
) -> None:
    _owner, nudge = await _flight_nudge(services, sample_org)
    stranger = next(p for p in await services.people.list(sample_org.id) if p.email != SOFIA)

    result = await services.choices.choose(sample_org, stranger, ActionId.NUDGE_GO_DIGITAL, str(nudge.id), {})

    assert result.recorded is None and "hör inte till dig" in result.replies[0].text
    assert await _outcomes(services) == []


async def test_a_click_on_an_unknown_nudge_is_answered_politely(
    services: Services, sample_org: Organisation
) -> None:
    person, _nudge = await _flight_nudge(services, sample_org)
    for value in ("999999", "not-a-number", ""):
        result = await services.choices.choose(sample_org, person, ActionId.NUDGE_GO_DIGITAL, value, {})
        assert result.recorded is None and "finns inte längre" in result.replies[0].text


async def test_travelling_anyway_asks_for_a_reason_then_records_the_category(
    services: Services, sample_org: Organisation
) -> None:
    person, nudge = await _flight_nudge(services, sample_org)

    asked = await services.choices.choose(sample_org, person, ActionId.NUDGE_TRAVEL_ANYWAY, str(nudge.id), {})
    answered = await services.choices.choose(
        sample_org,
        person,
        ActionId.NUDGE_TRAVEL_ANYWAY,
        str(nudge.id),
        {"reason": "negotiation", "reason_text": "  Avtalsförhandling med regionen  "},
    )

    assert asked.recorded is None and asked.update is not None
    assert [i.id for i in asked.update.inputs] == ["reason", "reason_text"]  # the card itself asks
    assert asked.update.facts  # and keeps the savings in view
    assert answered.recorded is OutcomeChoice.TRAVEL_ANYWAY
    [outcome] = await _outcomes(services)
    assert (outcome.reason_category, outcome.avoided_trip) == ("negotiation", False)
    assert outcome.reason_text == "Avtalsförhandling med regionen"


async def test_taking_the_train_instead_of_flying_saves_the_difference_in_co2e(
    services: Services, sample_org: Organisation
) -> None:
    person, nudge = await _flight_nudge(services, sample_org)

    await services.choices.choose(sample_org, person, ActionId.NUDGE_TAKE_TRAIN, str(nudge.id), {})

    [outcome] = await _outcomes(services)
    assert not outcome.avoided_trip and outcome.co2e_saved_kg > 50


async def test_snooze_holds_back_the_next_nudge_for_a_week(
    services: Services, sample_org: Organisation, clock: FakeClock
) -> None:
    person, nudge = await _flight_nudge(services, sample_org)
    await services.choices.choose(sample_org, person, ActionId.NUDGE_SNOOZE, str(nudge.id), {})

    preferences = await services.nudges.preferences(person.id)
    assert preferences.snoozed_until == clock.now() + timedelta(days=7)


async def test_explain_names_the_sources(services: Services, sample_org: Organisation) -> None:
    person, nudge = await _flight_nudge(services, sample_org)

    result = await services.choices.choose(sample_org, person, ActionId.NUDGE_EXPLAIN, str(nudge.id), {})

    assert "Så räknade vi" in result.replies[0].text and result.recorded is None
