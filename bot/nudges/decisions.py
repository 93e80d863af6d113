"""Decisions for the candidates of several events at once: one read of their states, one write."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.domain.delivery import OutboxKind
from bot.domain.nudges import NudgeRecord, NudgeStatus, Trigger
from bot.domain.organisations import Organisation
from bot.nudges.batches import give_way
from bot.nudges.decide import HISTORY_DAYS, NudgeDecider, Plan, pause_message
from bot.nudges.detect import TripCandidate
from bot.nudges.ports import EventStore, NewNudge, NudgeState, NudgeStore, Queued
from bot.ports import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ask:
    """The candidates of one event to decide about, and what their nudges will point at."""

    candidates: Sequence[TripCandidate]
    subject: str
    meeting_id: int | None = None
    trip_id: int | None = None
    booked: bool = False


class Decisions:
    """Inside the caller's unit of work, which holds the locks of the events and of the people."""

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

    async def decide(self, organisation: Organisation, ask: Ask) -> list[NudgeRecord]:
        return (await self.decide_all(organisation, [ask]))[0]

    async def decide_all(self, organisation: Organisation, asks: Sequence[Ask]) -> list[list[NudgeRecord]]:
        """Decide for every candidate of every ask at once: one read of their states, one write of the
        new nudges with their outbox rows and preferences. A nudge already delivered is never decided
        again. No person may be in two asks: each decision must see the others' nudges as stored."""
        pairs = [(c.person.id, ask.subject) for ask in asks for c in ask.candidates]
        people = [person for person, _ in pairs]
        if len(set(people)) != len(people):
            raise ValueError("a person is in two asks of one batch; decide them one after the other")
        if not pairs:
            return [[] for _ in asks]
        now = self._clock.now()
        states = await self._events.states(organisation.id, pairs, since=now - timedelta(days=HISTORY_DAYS))
        planned = []
        for ask in asks:
            await give_way()
            planned.append(self._plans(organisation, ask, states, now))
        return await self._record(organisation, planned, now=now)

    def _plans(
        self,
        organisation: Organisation,
        ask: Ask,
        states: Mapping[tuple[int, str], NudgeState],
        now: datetime,
    ) -> list[tuple[Plan, NudgeState]]:
        trigger = Trigger.MEETING if ask.meeting_id else Trigger.TRAVEL
        plans: list[tuple[Plan, NudgeState]] = []
        for candidate in ask.candidates:
            state = states[(candidate.person.id, ask.subject)]
            if state.delivered:
                log.info("nudge %s for subject already delivered; not nudging again", state.existing_id)
                continue
            plan = self._decider.plan(
                organisation,
                candidate,
                state,
                now=now,
                subject=ask.subject,
                trigger=trigger,
                meeting_id=ask.meeting_id,
                trip_id=ask.trip_id,
                booked=ask.booked,
            )
            plans.append((plan, state))
        return plans

    async def _record(
        self,
        organisation: Organisation,
        planned: Sequence[Sequence[tuple[Plan, NudgeState]]],
        *,
        now: datetime,
    ) -> list[list[NudgeRecord]]:
        """New decisions go to storage in one batch; a decision taken again goes row by row (its queued,
        unsent message is replaced or withdrawn), which only a moved or changed event needs."""
        flat = [item for plans in planned for item in plans]
        again: dict[int, NudgeRecord] = {}
        messages: list[Queued] = []
        for plan, state in flat:
            if state.existing_id is not None:
                record = await self._nudges.record_decision(
                    plan.nudge, now=now, delivery=plan.delivery, compose=plan.message
                )
                again[record.person_id] = record
                messages += _pause(plan, organisation, record.id, now)
        new = [
            NewNudge(plan.nudge, plan.status, state.reserved_id, partial(_queued, plan, organisation, now))
            for plan, state in flat
            if state.existing_id is None
        ]
        preferences = [plan.preferences for plan, _ in flat if plan.preferences_changed]
        ids = iter(await self._events.record_new(organisation.id, new, messages, preferences, now=now))
        records = [
            [
                plan.record(next(ids), now=now) if state.existing_id is None else again[plan.nudge.person_id]
                for plan, state in plans
            ]
            for plans in planned
        ]
        # Only for a message due now: one deferred to working hours is found by the dispatcher's own
        # regular look when it is due, and a wake for it would cost an empty pass over the outbox.
        if any(plan.delivery is not None and plan.delivery.due_at <= now for plan, _state in flat):
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
