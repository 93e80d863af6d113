"""The SQL building blocks of the reports: one trip set, delivered nudges, weeks, units.

The trip set every report counts is one UNION: trips (travel requests, imports; not cancelled, not
avoided by a digital or hybrid choice) and nudges without a trip row where the person chose to travel
anyway or to take the train. Distances are stored for all legs, so a trip is "100 km or more" when half
of its distance (one way) is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, or_, select, true, union_all
from sqlalchemy.sql import ColumnElement, Select, Subquery
from sqlmodel import col

from bot.domain.delivery import OutboxKind, OutboxState
from bot.domain.nudges import Decision, NudgeStatus, OutcomeChoice
from bot.reports.rows import Digest, Member
from storage.database import Database
from storage.tables import NudgeRow, OutboxRow, OutcomeRow, PersonRow, PreferenceRow, TripRow

IMPORT = "import"
CANCELLED = "cancelled"
# A trip still waiting for approval or booking is "planned"; anything else not cancelled is "taken".
OPEN_STATUSES = ("draft", "submitted", "approved", "planned")
FAR_KM = 100.0
TRAVELLING = (OutcomeChoice.TRAVEL_ANYWAY.value, OutcomeChoice.TRAIN.value)
AVOIDING = (OutcomeChoice.DIGITAL.value, OutcomeChoice.HYBRID.value)
DELIVERED = (OutboxState.SENDING.value, OutboxState.SENT.value)
EPOCH = date(2000, 1, 3)  # the Monday week numbers count from (bot.reports.weekly.EPOCH_MONDAY)


class ReportQueries:
    """What the report repositories share: the database, the organisation chart, reading a query's rows."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def members(self, organisation_id: int) -> Sequence[Member]:
        query = (
            select(
                PersonRow.id,
                PersonRow.manager_id,
                PersonRow.name,
                func.coalesce(PreferenceRow.locale, PersonRow.locale),
                PersonRow.last_channel,
                PersonRow.active,
            )
            .outerjoin(PreferenceRow, PreferenceRow.person_id == PersonRow.id)
            .where(PersonRow.organisation_id == organisation_id)
        )
        rows = await self._all(query)
        return [Member(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    async def _all(self, query: Any) -> list[Any]:
        async with self._db.session() as session:
            return list((await session.execute(query)).all())


def outbox_row(organisation_id: int, digest: Digest, now: datetime) -> dict[str, Any]:
    """The values ``storage.outbox.enqueue`` writes, for a statement that inserts many rows at once."""
    return {
        "organisation_id": organisation_id,
        "person_id": digest.person_id,
        "key": digest.key,
        "kind": OutboxKind.DIGEST.value,
        "channel": digest.channel,
        "payload": digest.message.to_dict(),
        "state": OutboxState.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "update_of_id": None,
        "redelivered": 0,
        "created_at": now,
        "updated_at": now,
    }


def by_unit(*columns: Any) -> Select[Any]:
    """Select ``columns`` with the person's direct manager as ``unit_id``; the caller joins PersonRow on the
    person. People without a manager belong to no unit."""
    query: Select[Any] = select(PersonRow.manager_id.label("unit_id"), *columns).where(
        PersonRow.manager_id.is_not(None)
    )
    return query


BASIC = ("person_id", "day", "far", "taken", "travellers")
FOR_MODES = ("mode", "far", "travellers", "nights", "cost", "co2e")


def trip_set(
    organisation_id: int,
    *,
    first: date | None = None,
    end: date | None = None,
    columns: Sequence[str] = BASIC,
) -> Subquery:
    """Every trip with a date in [first, end), with the named ``columns`` of: person_id, day, far, taken,
    destination, mode, travellers, nights, cost and co2e (cost and CO2e for the whole party)."""
    # A digital or hybrid choice on a travel request's nudge means its trip was not made.
    avoided = select(NudgeRow.trip_id).where(
        NudgeRow.organisation_id == organisation_id,
        NudgeRow.choice.in_(AVOIDING),
        NudgeRow.trip_id.is_not(None),
    )
    trips = select(*pick(trip_columns(), columns)).where(
        TripRow.organisation_id == organisation_id, TripRow.status != CANCELLED, TripRow.id.not_in(avoided)
    )
    nudged = travelling_nudges(organisation_id, columns)
    if first is not None and end is not None:
        trips = trips.where(TripRow.departure_date >= first, TripRow.departure_date < end)
        nudged = nudged.where(col(NudgeRow.trip_date) >= first, col(NudgeRow.trip_date) < end)
    return union_all(trips, nudged).subquery()


def pick(available: dict[str, Any], names: Sequence[str]) -> list[Any]:
    return [available[name].label(name) for name in names]


def trip_columns() -> dict[str, Any]:
    return {
        "person_id": TripRow.person_id,
        "day": TripRow.departure_date,
        "far": TripRow.distance_km >= 2 * FAR_KM,
        "taken": or_(TripRow.source == IMPORT, TripRow.status.not_in(OPEN_STATUSES)),
        "destination": TripRow.destination_name,
        "mode": TripRow.mode,
        "travellers": TripRow.travellers,
        "nights": TripRow.nights,
        "cost": cast(TripRow.cost_sek, Float),
        "co2e": TripRow.co2e_kg,
    }


def travelling_nudges(organisation_id: int, columns: Sequence[str]) -> Select[Any]:
    """Trips known only from a nudge (a meeting elsewhere, a question in chat) that the person will make:
    travel anyway, or the train instead of a flight (its CO2e is the flight's less what the choice saved)."""
    estimate: Any = col(NudgeRow.estimate)
    available = {
        "person_id": NudgeRow.person_id,
        "day": NudgeRow.trip_date,
        "far": estimate["distance_km"].as_float() >= 2 * FAR_KM,
        "taken": true(),
        "destination": NudgeRow.destination_name,
        "mode": case(
            (NudgeRow.choice == OutcomeChoice.TRAIN.value, OutcomeChoice.TRAIN.value), else_=NudgeRow.mode
        ),
        "travellers": func.coalesce(estimate["travellers"].as_integer(), 1),
        "nights": func.coalesce(estimate["nights"].as_integer(), 0),
        "cost": func.coalesce(estimate[("cost_sek", "total")].as_float(), 0.0),
        "co2e": func.coalesce(estimate["co2e_kg"].as_float(), 0) - func.coalesce(OutcomeRow.co2e_saved_kg, 0),
    }
    query: Select[Any] = select(*pick(available, columns)).where(
        NudgeRow.organisation_id == organisation_id,
        NudgeRow.trip_id.is_(None),
        NudgeRow.choice.in_(TRAVELLING),
        NudgeRow.trip_date.is_not(None),
    )
    if "co2e" in columns:
        query = query.outerjoin(OutcomeRow, OutcomeRow.nudge_id == NudgeRow.id)
    return query


def delivered_nudges(organisation_id: int | None) -> Select[Any]:
    """Nudges that reached the person: shown in a chat turn, answered, or delivered through the outbox."""
    delivered = or_(
        NudgeRow.status.in_((NudgeStatus.SHOWN.value, NudgeStatus.ANSWERED.value)),
        and_(NudgeRow.status == NudgeStatus.QUEUED.value, OutboxRow.state.in_(DELIVERED)),
    )
    query: Select[Any] = (
        select(NudgeRow.id)
        .outerjoin(
            OutboxRow,
            and_(
                OutboxRow.person_id == NudgeRow.person_id,
                OutboxRow.key == NudgeRow.subject,
                OutboxRow.kind == OutboxKind.NUDGE.value,
            ),
        )
        .where(NudgeRow.decision == Decision.SEND.value, delivered)
    )
    if organisation_id is not None:
        query = query.where(NudgeRow.organisation_id == organisation_id)
    return query


def first_days(organisation_id: int) -> Subquery:
    """Each person's first day with data of their own (not imported): a trip or a nudge decision."""
    days = union_all(
        select(TripRow.person_id.label("person_id"), TripRow.departure_date.label("day")).where(
            TripRow.organisation_id == organisation_id,
            TripRow.source != IMPORT,
            TripRow.person_id.is_not(None),
        ),
        select(NudgeRow.person_id, NudgeRow.trip_date).where(
            NudgeRow.organisation_id == organisation_id, NudgeRow.trip_date.is_not(None)
        ),
    ).subquery()
    return select(days.c.person_id, func.min(days.c.day).label("first")).group_by(days.c.person_id).subquery()


def week_of(column: Any, starts: Sequence[Any]) -> ColumnElement[int]:
    """Which week of the window a value falls in: ``starts`` are the weeks' starts and the window's end.
    Explicit bounds keep local weeks exact across daylight-saving changes, on every engine."""
    whens = [(column < bound, index) for index, bound in enumerate(starts[1:-1])]
    return case(*whens, else_=len(starts) - 2) if whens else literal(0)


def week_number(column: Any, database: Database) -> ColumnElement[int]:
    """Whole weeks since a fixed Monday, for a date column."""
    days: Any = (
        column - cast(literal(EPOCH.isoformat()), Date)
        if database.is_postgres
        else cast(func.julianday(column) - func.julianday(EPOCH.isoformat()), Integer)
    )
    weeks: ColumnElement[int] = days // 7
    return weeks


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
