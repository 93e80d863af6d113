"""The NudgeService end to end on storage: events in, decisions and outbox rows out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import Services
from bot.domain.nudges import Decision, Reason
from bot.domain.organisations import Organisation
from bot.ingest.shapes import parse_calendar_event, parse_travel_request
from bot.nudges.service import NudgeRefused
from storage.tables import NudgeRow, OutboxRow
from tests.fakes.clock import FakeClock
from tests.fakes.messenger import FakeMessenger

STOCKHOLM = "sofia.akesson@mhs.example.se"


async def _someone_in(services: Services, organisation: Organisation, town: str) -> str:
    offices = {o.id: o.place_name for o in await services.offices.list(organisation.id)}
    return next(
        p.email for p in await services.people.list(organisation.id) if offices.get(p.office_id) == town
    )


def _event(organiser: str, attendees: list[str], **changes: Any) -> dict[str, Any]:
    event = {
        "source": "test",
        "event_id": "E1",
        "organiser_email": organiser,
        "start": "2026-01-13T10:00:00+01:00",
        "end": "2026-01-13T15:00:00+01:00",
        "location": "MHS Umeå, Storgatan 12",
        "online": False,
        "attendees": [{"email": e} for e in attendees],
        "external_attendees": 2,
        "status": "confirmed",
    }
    return event | changes


async def _outbox(services: Services) -> list[OutboxRow]:
    async with services.database.session() as session:
        return list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())


async def test_in_person_meeting_far_away_queues_one_nudge_for_the_traveller(
    services: Services, sample_org: Organisation
) -> None:
    umea = await _someone_in(services, sample_org, "Umeå")
    result = await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM]))
    )

    assert [(d.decision, d.reason, d.destination_name) for d in result.decisions] == [
        (Decision.SEND, Reason.SEND_NOW, "Umeå")
    ]
    rows = await _outbox(services)
    assert [(r.key, r.kind, r.state) for r in rows] == [("meeting:test:E1", "nudge", "queued")]
    facts = {f["label"]: f["value"] for f in rows[0].payload["facts"]}
    assert set(facts) == {"Tid", "Klimat", "Pengar"}
    assert "kg CO2e" in facts["Klimat"]


async def test_the_same_event_again_changes_nothing(services: Services, sample_org: Organisation) -> None:
    umea = await _someone_in(services, sample_org, "Umeå")
    event = parse_calendar_event(_event(umea, [STOCKHOLM]))
    await services.nudge_service.meeting_changed(sample_org.id, event)

    again = await services.nudge_service.meeting_changed(sample_org.id, event)

    assert again.unchanged
    assert len(await _outbox(services)) == 1


async def test_a_moved_meeting_is_re_evaluated_without_a_second_nudge_once_delivered(
    services: Services, sample_org: Organisation
) -> None:
    umea = await _someone_in(services, sample_org, "Umeå")
    await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM]))
    )
    assert services.dispatcher is not None
    await services.dispatcher.run_once()

    moved = _event(umea, [STOCKHOLM], start="2026-01-14T10:00:00+01:00", end="2026-01-14T15:00:00+01:00")
    result = await services.nudge_service.meeting_changed(sample_org.id, parse_calendar_event(moved))

    assert not result.unchanged and result.decisions == ()
    assert [r.state for r in await _outbox(services)] == ["sent"]
    messenger = services.messengers["webchat"]
    assert isinstance(messenger, FakeMessenger) and len(messenger.sent) == 1


async def test_moving_an_unsent_meeting_online_withdraws_its_nudge(
    services: Services, sample_org: Organisation
) -> None:
    umea = await _someone_in(services, sample_org, "Umeå")
    await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM]))
    )

    result = await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM], online=True, location=None))
    )

    assert result.withdrawn == 1
    assert [r.state for r in await _outbox(services)] == ["withdrawn"]


async def test_a_cancellation_withdraws_the_unsent_nudge(
    services: Services, sample_org: Organisation
) -> None:
    umea = await _someone_in(services, sample_org, "Umeå")
    await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM]))
    )

    result = await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM], status="cancelled"))
    )

    assert result.withdrawn == 1
    assert [r.state for r in await _outbox(services)] == ["withdrawn"]


async def test_a_meeting_in_the_attendees_own_town_implies_no_trip(
    services: Services, sample_org: Organisation
) -> None:
    stockholm_colleague = await _someone_in(services, sample_org, "Stockholm")
    event = _event(stockholm_colleague, [STOCKHOLM], location="Rum Vänern")

    result = await services.nudge_service.meeting_changed(sample_org.id, parse_calendar_event(event))

    assert result.decisions == ()
    assert await _outbox(services) == []


async def test_a_travel_request_nudges_at_submitted_and_never_again_on_a_status_change(
    services: Services, sample_org: Organisation
) -> None:
    request = {
        "request_id": "R1",
        "requester_email": STOCKHOLM,
        "origin": "Stockholm",
        "destination": "Luleå",
        "departure_date": "2026-01-14",
        "return_date": "2026-01-15",
        "travellers": 2,
        "mode": "flight",
        "status": "submitted",
    }
    first = await services.nudge_service.travel_request_changed(sample_org.id, parse_travel_request(request))
    assert services.dispatcher is not None
    await services.dispatcher.run_once()
    approved = await services.nudge_service.travel_request_changed(
        sample_org.id, parse_travel_request(request | {"status": "approved"})
    )

    assert [d.reason for d in first.decisions] == [Reason.SEND_NOW]
    assert approved.decisions == ()
    rows = await _outbox(services)
    assert [(r.key, r.state) for r in rows] == [("travel:R1", "sent")]
    actions = [a["id"] for a in rows[0].payload["actions"]]
    assert "nudge.take_train" in actions  # a flight gets the train alternative


async def test_a_booked_request_is_recorded_but_not_nudged(
    services: Services, sample_org: Organisation
) -> None:
    request = {
        "request_id": "R2",
        "requester_email": STOCKHOLM,
        "origin": "Stockholm",
        "destination": "Malmö",
        "departure_date": "2026-01-14",
        "status": "booked",
    }

    result = await services.nudge_service.travel_request_changed(sample_org.id, parse_travel_request(request))

    assert [(d.decision, d.reason) for d in result.decisions] == [(Decision.SUPPRESS, Reason.ALREADY_BOOKED)]
    assert await _outbox(services) == []


async def test_events_for_unknown_people_or_places_are_refused_and_store_nothing(
    services: Services, sample_org: Organisation
) -> None:
    with pytest.raises(NudgeRefused) as unknown_person:
        await services.nudge_service.meeting_changed(
            sample_org.id, parse_calendar_event(_event("stranger@else.example.se", ["other@else.example.se"]))
        )
    request = {
        "request_id": "R3",
        "requester_email": STOCKHOLM,
        "origin": "Stockholm",
        "destination": "Xyzzyville",
        "departure_date": "2026-01-14",
    }
    with pytest.raises(NudgeRefused) as unknown_place:
        await services.nudge_service.travel_request_changed(sample_org.id, parse_travel_request(request))

    assert (unknown_person.value.code, unknown_place.value.code) == ("unknown_person", "unknown_place")
    async with services.database.session() as session:
        assert (await session.execute(select(func.count()).select_from(NudgeRow))).scalar() == 0


async def test_an_event_outside_working_hours_is_deferred_to_the_next_working_morning(
    services: Services, sample_org: Organisation, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 9, 19, 0, tzinfo=UTC))  # Friday 20:00 in Stockholm
    umea = await _someone_in(services, sample_org, "Umeå")

    result = await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM]))
    )

    assert [d.reason for d in result.decisions] == [Reason.DEFERRED_TO_WORKING_HOURS]
    rows = await _outbox(services)
    assert rows[0].next_attempt_at == datetime(2026, 1, 12, 7, 0, tzinfo=UTC)  # Monday 08:00 in Stockholm


@pytest.mark.parametrize(
    ("now", "reason", "wakes"),
    [
        pytest.param(datetime(2026, 1, 8, 8, 0, tzinfo=UTC), Reason.SEND_NOW, 1, id="working-hours"),
        pytest.param(
            datetime(2026, 1, 10, 10, 0, tzinfo=UTC), Reason.DEFERRED_TO_WORKING_HOURS, 0, id="saturday"
        ),
    ],
)
async def test_the_dispatcher_is_woken_for_a_nudge_due_now_and_not_for_one_due_on_monday(
    services: Services,
    sample_org: Organisation,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    now: datetime,
    reason: Reason,
    wakes: int,
) -> None:
    assert services.dispatcher is not None
    woken: list[None] = []
    monkeypatch.setattr(services.dispatcher, "wake", lambda: woken.append(None))
    clock.set(now)
    umea = await _someone_in(services, sample_org, "Umeå")

    result = await services.nudge_service.meeting_changed(
        sample_org.id, parse_calendar_event(_event(umea, [STOCKHOLM]))
    )

    assert [(d.decision, d.reason) for d in result.decisions] == [(Decision.SEND, reason)]
    assert len(woken) == wakes
