"""Data retention: raw events older than the retention period go; the aggregates stay right.

Meetings (times, places, attendee ids), delivered outbox rows, web chat messages and inbound logs are
raw events. Outcomes, trips and nudge decisions are the statistics agencies report for years; of those,
only the free-text reason (personal) is removed once old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update

from storage.database import Database
from storage.tables import (
    InboundRow,
    MeetingRow,
    OutboxRow,
    OutcomeRow,
    WebchatMessageRow,
    WebchatSessionRow,
)

_FINAL = ("sent", "unreachable", "failed", "withdrawn")


@dataclass(frozen=True, slots=True)
class RetentionReport:
    meetings: int = 0
    outbox: int = 0
    webchat: int = 0
    inbound: int = 0
    reasons_cleared: int = 0

    def summary(self) -> str:
        return (
            f"meetings {self.meetings}, outbox {self.outbox}, web chat {self.webchat}, "
            f"inbound {self.inbound}, free-text reasons {self.reasons_cleared}"
        )


async def apply_retention(database: Database, *, before: datetime, now: datetime) -> RetentionReport:
    async with database.transaction() as session:
        meetings = await session.execute(delete(MeetingRow).where(MeetingRow.end_at < before))
        outbox = await session.execute(
            delete(OutboxRow).where(OutboxRow.state.in_(_FINAL), OutboxRow.updated_at < before)
        )
        webchat = await session.execute(
            delete(WebchatMessageRow).where(WebchatMessageRow.created_at < before)
        )
        inbound = await session.execute(delete(InboundRow).where(InboundRow.received_at < before))
        reasons = await session.execute(
            update(OutcomeRow)
            .where(OutcomeRow.created_at < before, OutcomeRow.reason_text.is_not(None))
            .values(reason_text=None)
        )
        await session.execute(delete(WebchatSessionRow).where(WebchatSessionRow.expires_at < now))
    return RetentionReport(
        meetings.rowcount, outbox.rowcount, webchat.rowcount, inbound.rowcount, reasons.rowcount
    )
