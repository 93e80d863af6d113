"""Meetings and trips, idempotent by their source ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.records import MeetingWrite, TripWrite
from storage.database import Database
from storage.tables import MeetingAttendeeRow, MeetingRow, TripRow


class SqlMeetings:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def save(self, meeting: MeetingWrite, *, now: datetime) -> int:
        """Insert or update by (organisation, source, event id); the fingerprint is reset until evaluated."""
        async with self._db.transaction() as session:
            row = await _meeting(session, meeting.organisation_id, meeting.source, meeting.event_id)
            if row is None:
                row = MeetingRow(
                    organisation_id=meeting.organisation_id,
                    source=meeting.source,
                    event_id=meeting.event_id,
                    start_at=meeting.start,
                    end_at=meeting.end,
                    updated_at=now,
                )
                session.add(row)
            _apply_meeting(row, meeting, now)
            await session.flush()
            assert row.id is not None
            await session.execute(delete(MeetingAttendeeRow).where(MeetingAttendeeRow.meeting_id == row.id))
            session.add_all(
                MeetingAttendeeRow(meeting_id=row.id, person_id=p) for p in set(meeting.attendee_ids)
            )
            return row.id

    async def cancel(
        self, organisation_id: int, *, source: str, event_id: str, now: datetime
    ) -> tuple[int, list[int]] | None:
        """Mark cancelled; returns the meeting id and its internal attendees, or None when unknown."""
        async with self._db.transaction() as session:
            row = await _meeting(session, organisation_id, source, event_id)
            if row is None:
                return None
            row.status, row.updated_at = "cancelled", now
            query = select(MeetingAttendeeRow.person_id).where(MeetingAttendeeRow.meeting_id == row.id)
            attendees = list((await session.execute(query)).scalars())
            assert row.id is not None
            return row.id, attendees

    async def save_trip(self, trip: TripWrite, *, now: datetime) -> tuple[int, str | None]:
        """Insert or update by (organisation, source, source id); returns the id and the previous status."""
        async with self._db.transaction() as session:
            query = select(TripRow).where(
                TripRow.organisation_id == trip.organisation_id,
                TripRow.source == trip.source,
                TripRow.source_id == trip.source_id,
            )
            row = (await session.execute(query)).scalar()
            previous = row.status if row else None
            if row is None:
                row = TripRow(
                    organisation_id=trip.organisation_id,
                    source=trip.source,
                    source_id=trip.source_id,
                    origin_name="",
                    destination_name="",
                    departure_date=trip.departure_date,
                    mode="",
                )
                session.add(row)
            _apply_trip(row, trip, now)
            await session.flush()
            assert row.id is not None
            return row.id, previous


async def _meeting(
    session: AsyncSession, organisation_id: int, source: str, event_id: str
) -> MeetingRow | None:
    query = select(MeetingRow).where(
        MeetingRow.organisation_id == organisation_id,
        MeetingRow.source == source,
        MeetingRow.event_id == event_id,
    )
    return (await session.execute(query)).scalar()


def _apply_meeting(row: MeetingRow, meeting: MeetingWrite, now: datetime) -> None:
    row.series_id, row.organiser_id = meeting.series_id, meeting.organiser_id
    row.start_at, row.end_at = meeting.start, meeting.end
    row.place_key, row.place_name = meeting.place_key, meeting.place_name
    row.online, row.external_attendees, row.status = (
        meeting.online,
        meeting.external_attendees,
        meeting.status,
    )
    row.fingerprint, row.updated_at = "", now


def _apply_trip(row: TripRow, trip: TripWrite, now: datetime) -> None:
    row.person_id, row.department = trip.person_id, trip.department
    row.origin_name, row.destination_name, row.destination_key = (
        trip.origin_name,
        trip.destination_name,
        trip.destination_key,
    )
    row.departure_date, row.return_date, row.nights = trip.departure_date, trip.return_date, trip.nights
    row.mode, row.travellers, row.status = trip.mode, trip.travellers, trip.status
    row.distance_km, row.co2e_kg, row.cost_sek = trip.distance_km, trip.co2e_kg, trip.cost_sek
    row.updated_at = now
