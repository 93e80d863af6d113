"""Decisions for every candidate of one event at once: one read of their states, one write (design 5.2)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from bot.domain.delivery import OutboxKind
from bot.domain.nudges import Decision, NudgeRecord, NudgeStatus, Trigger
from bot.domain.organisations import Organisation
from bot.nudges.decide import HISTORY_DAYS, NudgeDecider, Plan, pause_message
from bot.nudges.detect import TripCandidate
from bot.nudges.ports import EventStore, NewNudge, NudgeState, NudgeStore, Queued
from bot.ports import Clock

log = logging.getLogger(__name__)


class Decisions:
    """Inside the caller's unit of work, which holds the locks of the event and of the people."""

    def __init__(
        self,
        *,
        events: EventStore,
        nudges: NudgeStore,
        decider: NudgeDecider,
        clock: Clock,
        on_enqueued: Callable[[], None],
    ) -> None:
        self._events, self._nudges, self._decider = events, nudges, decider
        self._clock, self._on_enqueued = clock, on_enqueued

    async def decide(
        self,
        organisation: Organisation,
        candidates: Sequence[TripCandidate],
        subject: str,
        *,
        meeting_id: int | None = None,
        trip_id: int | None = None,
        booked: bool = False,
    ) -> list[NudgeRecord]:
        """Decide for every candidate at once: one read of their states, one write of the new nudges,
        one of the outbox rows and preferences. A nudge already delivered is never decided again."""
        if not candidates:
            return []
        now = self._clock.now()
        states = await self._events.states(
            organisation.id,
            [c.person.id for c in candidates],
            subject=subject,
            since=now - timedelta(days=HISTORY_DAYS),
        )
        trigger = Trigger.MEETING if meeting_id else Trigger.TRAVEL
        plans: list[tuple[Plan, NudgeState]] = []
        for candidate in candidates:
            state = states[candidate.person.id]
            if state.delivered:
                log.info("nudge %s for subject already delivered; not nudging again", state.existing_id)
                continue
            plan = self._decider.plan(
                organisation,
                candidate,
                state,
                now=now,
                subject=subject,
                trigger=trigger,
                meeting_id=meeting_id,
                trip_id=trip_id,
                booked=booked,
            )
            plans.append((plan, state))
        return await self._record(organisation, plans, now=now)

    async def _record(
        self, organisation: Organisation, plans: Sequence[tuple[Plan, NudgeState]], *, now: datetime
    ) -> list[NudgeRecord]:
        """New decisions go to storage in one batch; a decision taken again goes row by row (its queued,
        unsent message is replaced or withdrawn), which only a moved or changed event needs."""
        again: dict[int, NudgeRecord] = {}
        messages: list[Queued] = []
        for plan, state in plans:
            if state.existing_id is not None:
                record = await self._nudges.record_decision(
                    plan.nudge, now=now, delivery=plan.delivery, compose=plan.message
                )
                again[record.person_id] = record
                messages += _pause(plan, organisation, record.id, now)
        new = [
            NewNudge(plan.nudge, plan.status, state.reserved_id, partial(_queued, plan, organisation, now))
            for plan, state in plans
            if state.existing_id is None
        ]
        preferences = [plan.preferences for plan, _ in plans if plan.preferences_changed]
        ids = iter(await self._events.record_new(organisation.id, new, messages, preferences, now=now))
        records = [again.get(plan.nudge.person_id) or plan.record(next(ids), now=now) for plan, _ in plans]
        for record in records:
            if record.decision is Decision.SEND:
                self._on_enqueued()
        return records


def _queued(plan: Plan, organisation: Organisation, now: datetime, nudge_id: int) -> list[Queued]:
    """What a new nudge queues once it has its id: the nudge itself, and the pause question if any."""
    queued = []
    if plan.delivery is not None and plan.status is NudgeStatus.QUEUED:
        nudge = plan.nudge
        message = plan.message(nudge_id)
        queued.append(Queued(nudge.person_id, nudge.subject, OutboxKind.NUDGE, message, plan.delivery))
    return queued + _pause(plan, organisation, nudge_id, now)


def _pause(plan: Plan, organisation: Organisation, nudge_id: int, now: datetime) -> list[Queued]:
    return [pause_message(plan, organisation, nudge_id, now=now)] if plan.outcome.start_pause else []
