"""Events arriving at the same time: no crash, one decision per subject, the weekly cap holds."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from bot.app import Services
from bot.domain.nudges import Decision, Reason
from bot.domain.organisations import Organisation
from bot.ingest.shapes import parse_calendar_event
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
