"""Nudges, people's nudge preferences and their choices (the outcomes ledger)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.delivery import OutboxKind, OutboxState
from bot.domain.nudges import (
    Decision,
    NudgeRecord,
    NudgeStatus,
    OutcomeChoice,
    PersonFigures,
    Reason,
    Trigger,
)
from bot.domain.records import Delivery, NudgeWrite, OutcomeWrite, Preferences
from bot.messages import OutgoingMessage
from storage.database import Database, insert_for
from storage.outbox import enqueue, withdraw
from storage.tables import NudgeRow, OutboxRow, OutcomeRow, PreferenceRow

_DELIVERED = (OutboxState.SENDING.value, OutboxState.SENT.value)


class SqlNudges:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def by_id(self, nudge_id: int) -> NudgeRecord | None:
        async with self._db.session() as session:
            row = await session.get(NudgeRow, nudge_id)
            return await _record(session, row) if row else None

    async def for_meeting(self, person_id: int, meeting_id: int) -> Sequence[NudgeRecord]:
        query = select(NudgeRow).where(NudgeRow.person_id == person_id, NudgeRow.meeting_id == meeting_id)
        async with self._db.session() as session:
            return [await _record(session, row) for row in (await session.execute(query)).scalars().all()]

    async def record_decision(
        self,
        nudge: NudgeWrite,
        *,
        now: datetime,
        delivery: Delivery | None = None,
        compose: Callable[[int], OutgoingMessage] | None = None,
    ) -> NudgeRecord:
        """Store the decision; with a delivery, compose (the message needs the nudge id) and enqueue it,
        all in one transaction. A queued, unsent nudge is replaced; a suppressed one withdraws it."""
        async with self._db.transaction() as session:
            row = await _nudge(session, nudge.person_id, nudge.subject)
            new = row is None
            if row is None:
                row = NudgeRow(
                    organisation_id=nudge.organisation_id,
                    person_id=nudge.person_id,
                    subject=nudge.subject,
                    trigger=nudge.trigger.value,
                    decision="",
                    reason="",
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
            _apply(row, nudge, now)
            await session.flush()
            assert row.id is not None
            if not new:  # a new decision has nothing queued to withdraw or bring back
                await withdraw(session, person_id=nudge.person_id, key=nudge.subject, now=now)
            # A new decision's outbox state is known: queued below, or no row at all ("").
            outbox_state: str | None = "" if new else None
            if delivery is not None and compose is not None and nudge.decision is Decision.SEND:
                message = compose(row.id)
                if new:
                    await _enqueue_nudge(session, nudge, delivery, message)
                else:
                    await _requeue(session, nudge, delivery, message)
                row.status, outbox_state = NudgeStatus.QUEUED.value, OutboxState.QUEUED.value
            elif nudge.decision is Decision.SEND:
                row.status = NudgeStatus.SHOWN.value
            return await _record(session, row, outbox_state=outbox_state)

    async def withdraw(self, *, person_id: int, subject: str, now: datetime) -> bool:
        """Withdraw a nudge that has not gone out yet; a delivered one stays as it was."""
        async with self._db.transaction() as session:
            row = await _nudge(session, person_id, subject)
            if row is None or row.status != NudgeStatus.QUEUED.value:
                return False
            withdrawn = await withdraw(session, person_id=person_id, key=subject, now=now)
            if withdrawn:
                row.status, row.updated_at = NudgeStatus.WITHDRAWN.value, now
            return bool(withdrawn)

    async def record_outcome(self, outcome: OutcomeWrite, *, organisation_id: int, now: datetime) -> bool:
        """Record a choice once; False when this nudge already has one (a platform retry, a second click)."""
        async with self._db.transaction() as session:
            values = {
                "organisation_id": organisation_id,
                "nudge_id": outcome.nudge_id,
                "person_id": outcome.person_id,
                "choice": outcome.choice.value,
                "reason_category": outcome.reason_category,
                "reason_text": outcome.reason_text,
                "avoided_trip": outcome.choice.avoids_trip,
                "co2e_saved_kg": outcome.co2e_saved_kg,
                "cost_saved_sek": outcome.cost_saved_sek,
                "hours_saved": outcome.hours_saved,
                "created_at": now,
            }
            insert = insert_for(session)(OutcomeRow).values(**values).on_conflict_do_nothing()
            result = await session.execute(insert)
            if not result.rowcount:
                return False
            await session.execute(
                update(NudgeRow)
                .where(NudgeRow.id == outcome.nudge_id)
                .values(status=NudgeStatus.ANSWERED.value, choice=outcome.choice.value, updated_at=now)
            )
            return True

    async def person_figures(self, person_id: int, *, since: datetime) -> PersonFigures:
        """Nudges shown or delivered to the person since ``since``, and what their choices saved."""
        shown = (NudgeStatus.QUEUED.value, NudgeStatus.SHOWN.value, NudgeStatus.ANSWERED.value)
        nudges = select(func.count()).where(
            NudgeRow.person_id == person_id,
            NudgeRow.created_at >= since,
            NudgeRow.decision == Decision.SEND.value,
            NudgeRow.status.in_(shown),
        )
        choices = (
            select(
                OutcomeRow.choice,
                func.count(),
                func.sum(OutcomeRow.hours_saved),
                func.sum(OutcomeRow.co2e_saved_kg),
                func.sum(OutcomeRow.cost_saved_sek),
            )
            .where(OutcomeRow.person_id == person_id, OutcomeRow.created_at >= since)
            .group_by(OutcomeRow.choice)
        )
        async with self._db.session() as session:
            count = int((await session.execute(nudges)).scalar_one())
            rows = (await session.execute(choices)).all()
        by_choice = {row[0]: int(row[1]) for row in rows}
        return PersonFigures(
            nudges=count,
            digital=by_choice.get("digital", 0),
            hybrid=by_choice.get("hybrid", 0),
            train=by_choice.get("train", 0),
            travelled=by_choice.get("travel_anyway", 0),
            hours_saved=sum(float(row[2] or 0) for row in rows),
            co2e_saved_kg=sum(float(row[3] or 0) for row in rows),
            cost_saved_sek=sum(float(row[4] or 0) for row in rows),
        )

    async def preferences(self, person_id: int) -> Preferences:
        async with self._db.session() as session:
            row = await session.get(PreferenceRow, person_id)
        return Preferences(person_id=person_id) if row is None else preferences_of(row)

    async def save_preferences(
        self, organisation_id: int, preferences: Preferences, *, now: datetime
    ) -> None:
        """An upsert: two first decisions for a new person at once must not collide on the key."""
        values = {
            "person_id": preferences.person_id,
            "organisation_id": organisation_id,
            "opted_out": preferences.opted_out,
            "snoozed_until": preferences.snoozed_until,
            "paused_until": preferences.paused_until,
            "pause_asked": preferences.pause_asked,
            "variant": preferences.variant,
            "privacy_notice_seen": preferences.privacy_notice_seen,
            "locale": preferences.locale,
            "updated_at": now,
        }
        async with self._db.transaction() as session:
            statement = insert_for(session)(PreferenceRow).values(**values)
            changed = {
                key: value for key, value in values.items() if key not in ("person_id", "organisation_id")
            }
            await session.execute(statement.on_conflict_do_update(index_elements=["person_id"], set_=changed))


async def _nudge(session: AsyncSession, person_id: int, subject: str) -> NudgeRow | None:
    query = select(NudgeRow).where(NudgeRow.person_id == person_id, NudgeRow.subject == subject)
    return (await session.execute(query)).scalar()


def _apply(row: NudgeRow, nudge: NudgeWrite, now: datetime) -> None:
    row.trigger, row.decision, row.reason = nudge.trigger.value, nudge.decision.value, nudge.reason.value
    row.variant, row.mode, row.destination_name = nudge.variant, nudge.mode, nudge.destination_name
    row.trip_date, row.meeting_id, row.trip_id = nudge.trip_date, nudge.meeting_id, nudge.trip_id
    row.estimate, row.updated_at = dict(nudge.estimate), now
    row.status = NudgeStatus.SUPPRESSED.value if nudge.decision is Decision.SUPPRESS else row.status


async def _enqueue_nudge(
    session: AsyncSession, nudge: NudgeWrite, delivery: Delivery, message: OutgoingMessage
) -> None:
    await enqueue(
        session,
        organisation_id=nudge.organisation_id,
        person_id=nudge.person_id,
        key=nudge.subject,
        kind=OutboxKind.NUDGE,
        channel=delivery.channel,
        message=message,
        due_at=delivery.due_at,
    )


async def _requeue(
    session: AsyncSession, nudge: NudgeWrite, delivery: Delivery, message: OutgoingMessage
) -> None:
    """(person, subject, kind) is unique in the outbox: a withdrawn earlier version is brought back."""
    query = select(OutboxRow).where(
        OutboxRow.person_id == nudge.person_id,
        OutboxRow.key == nudge.subject,
        OutboxRow.kind == OutboxKind.NUDGE.value,
    )
    existing = (await session.execute(query)).scalar()
    if existing is None:
        await _enqueue_nudge(session, nudge, delivery, message)
        return
    if existing.state in _DELIVERED:
        return  # never send the same decision twice; the service does not ask, but storage holds the line
    existing.state, existing.payload, existing.channel = (
        OutboxState.QUEUED.value,
        message.to_dict(),
        delivery.channel,
    )
    existing.next_attempt_at, existing.attempts, existing.updated_at = delivery.due_at, 0, delivery.due_at


async def _record(session: AsyncSession, row: NudgeRow, *, outbox_state: str | None = None) -> NudgeRecord:
    """The stored nudge; ``outbox_state`` when the caller knows it already (saves a query)."""
    assert row.id is not None
    state = outbox_state
    if state is None:
        query = select(OutboxRow.state).where(
            OutboxRow.person_id == row.person_id,
            OutboxRow.key == row.subject,
            OutboxRow.kind == OutboxKind.NUDGE.value,
        )
        state = (await session.execute(query)).scalar()
    return NudgeRecord(
        id=row.id,
        organisation_id=row.organisation_id,
        person_id=row.person_id,
        subject=row.subject,
        trigger=Trigger(row.trigger),
        decision=Decision(row.decision),
        reason=Reason(row.reason),
        status=NudgeStatus(row.status),
        variant=row.variant,
        mode=row.mode,
        destination_name=row.destination_name,
        trip_date=row.trip_date,
        created_at=row.created_at,
        choice=OutcomeChoice(row.choice) if row.choice else None,
        delivered=state in _DELIVERED or row.status in (NudgeStatus.SHOWN.value, NudgeStatus.ANSWERED.value),
        meeting_id=row.meeting_id,
        estimate=dict(row.estimate),
    )


def preferences_of(row: Any) -> Preferences:
    """A ``preferences`` row (the ORM's, or a Core row with the same column names) as the domain's."""
    return Preferences(
        row.person_id,
        row.opted_out,
        row.snoozed_until,
        row.paused_until,
        row.pause_asked,
        row.variant,
        row.privacy_notice_seen,
        row.locale,
    )
