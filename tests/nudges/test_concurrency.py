"""Events arriving at the same time: no crash, one decision per subject, the weekly cap holds."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from bot.app import Services
from bot.domain.nudges import Decision, Reason
from bot.domain.organisations import Organisation
from bot.ingest.shapes import parse_calendar_event
from bot.nudges.service import NudgeRefused
from storage.tables import MeetingRow, NudgeRow

SOFIA = "sofia.akesson@mhs.example.se"
UMEA_ORGANISER = "hanna.ronnback@mhs.example.se"


def _event(event_id: str, day: int) -> dict[str, Any]:
    return {
        "source": "test",
        "event_id": event_id,
        "organiser_email": UMEA_ORGANISER,
        "start": f"2026-01-{day:02d}T10:00:00+01:00",
        "end": f"2026-01-{day:02d}T15:00:00+01:00",
        "location": "MHS Umeå, Storgatan 12",
        "online": False,
        "attendees": [{"email": SOFIA}],
    }


async def _count(services: Services, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    async with services.database.session() as session:
        return int((await session.execute(query)).scalar_one())


async def test_six_events_at_once_for_a_new_person_keep_the_weekly_cap(
    services: Services, sample_org: Organisation
) -> None:
    events = [parse_calendar_event(_event(f"E{n}", 13 + n % 3)) for n in range(6)]  # one week, Tue-Thu

    results = await asyncio.gather(
        *(services.nudge_service.meeting_changed(sample_org.id, e) for e in events)
    )

    decisions = [d for result in results for d in result.decisions]
    sofia = await services.people.by_email(sample_org.id, SOFIA)
    assert sofia is not None
    sent = [d for d in decisions if d.person_id == sofia.id and d.decision is Decision.SEND]
    capped = [d for d in decisions if d.person_id == sofia.id and d.reason is Reason.WEEKLY_CAP]
    assert (len(sent), len(capped)) == (3, 3)


async def test_the_same_event_delivered_three_times_at_once_makes_one_meeting_and_one_nudge(
    services: Services, sample_org: Organisation
) -> None:
    event = parse_calendar_event(_event("SAME", 13))

    results = await asyncio.gather(
        *(services.nudge_service.meeting_changed(sample_org.id, event) for _ in range(3))
    )

    assert sum(1 for result in results if result.unchanged) == 2
    assert await _count(services, MeetingRow, event_id="SAME") == 1
    assert await _count(services, NudgeRow, subject="meeting:test:SAME") >= 1
    async with services.database.session() as session:
        subjects = (await session.execute(select(NudgeRow.person_id, NudgeRow.subject))).all()
    assert len(subjects) == len(set(subjects))


async def _travellers(services: Services, organisation: Organisation, count: int) -> list[str]:
    """People outside Umeå, each of whom travels to a meeting there."""
    offices = {o.id: o.place_name for o in await services.offices.list(organisation.id)}
    people = await services.people.list(organisation.id)
    return [p.email for p in people if offices.get(p.office_id) not in ("Umeå", None)][:count]


async def test_events_for_different_people_arriving_together_each_get_their_own_decision(
    services: Services, sample_org: Organisation
) -> None:
    travellers = await _travellers(services, sample_org, 5)
    events = [
        parse_calendar_event(_event(f"T{n}", 13) | {"organiser_email": email, "attendees": []})
        for n, email in enumerate(travellers)
    ]

    results = await asyncio.gather(
        *(services.nudge_service.meeting_changed(sample_org.id, e) for e in events)
    )

    for email, result in zip(travellers, results, strict=True):
        person = await services.people.by_email(sample_org.id, email)
        assert person is not None
        assert [(d.person_id, d.decision) for d in result.decisions] == [(person.id, Decision.SEND)]
    assert await _count(services, NudgeRow, decision="send") == 5


async def test_an_event_for_no_one_known_is_refused_while_the_events_beside_it_are_decided(
    services: Services, sample_org: Organisation
) -> None:
    travellers = await _travellers(services, sample_org, 2)
    stranger = _event("X", 13) | {
        "organiser_email": "nobody@elsewhere.example",
        "attendees": [{"email": "noone@elsewhere.example"}],
    }
    events = [
        _event("T0", 13) | {"organiser_email": travellers[0], "attendees": []},
        stranger,
        _event("T1", 13) | {"organiser_email": travellers[1], "attendees": []},
    ]

    outcomes = await asyncio.gather(
        *(services.nudge_service.meeting_changed(sample_org.id, parse_calendar_event(e)) for e in events),
        return_exceptions=True,
    )

    assert isinstance(outcomes[1], NudgeRefused) and outcomes[1].code == "unknown_person"
    decided = [o for o in (outcomes[0], outcomes[2]) if not isinstance(o, BaseException)]
    assert [len(o.decisions) for o in decided] == [1, 1]
    assert await _count(services, MeetingRow) == 2
