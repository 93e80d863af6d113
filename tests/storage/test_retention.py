from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.domain.nudges import Decision, OutcomeChoice, Reason, Trigger
from bot.domain.records import MeetingWrite, NudgeWrite, OutcomeWrite
from storage.database import Database
from storage.meetings import SqlMeetings
from storage.nudges import SqlNudges
from storage.retention import apply_retention
from storage.tables import MeetingRow, OutcomeRow
from tests.fakes.builders import organisation_with_people

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def test_old_raw_events_go_and_the_aggregates_stay(database: Database) -> None:
    organisation, people = await organisation_with_people(database, 1)
    meetings, nudges = SqlMeetings(database), SqlNudges(database)
    for days_ago, event_id in ((500, "old"), (10, "recent")):
        start = NOW - timedelta(days=days_ago)
        await meetings.save(
            MeetingWrite(
                organisation.id,
                "test",
                event_id,
                None,
                people[0].id,
                start,
                start + timedelta(hours=1),
                None,
                "Umeå",
                False,
                0,
                "confirmed",
                (people[0].id,),
            ),
            now=start,
        )
    nudge = await nudges.record_decision(
        NudgeWrite(
            organisation.id,
            people[0].id,
            "travel:R1",
            Trigger.TRAVEL,
            Decision.SEND,
            Reason.SEND_NOW,
            "A",
            "flight",
            "Luleå",
            None,
        ),
        now=NOW - timedelta(days=500),
    )
    await nudges.record_outcome(
        OutcomeWrite(
            nudge.id,
            people[0].id,
            OutcomeChoice.TRAVEL_ANYWAY,
            "negotiation",
            "Avtal med regionen",
            cost_saved_sek=Decimal(0),
        ),
        organisation_id=organisation.id,
        now=NOW - timedelta(days=500),
    )

    report = await apply_retention(database, before=NOW - timedelta(days=395), now=NOW)

    assert report.meetings == 1 and report.reasons_cleared == 1
    async with database.session() as session:
        assert list((await session.execute(select(MeetingRow.event_id))).scalars()) == ["recent"]
        outcome = (await session.execute(select(OutcomeRow))).scalar_one()
        assert (outcome.reason_category, outcome.reason_text) == ("negotiation", None)
        assert (await session.execute(select(func.count()).select_from(OutcomeRow))).scalar() == 1
