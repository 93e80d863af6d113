"""NudgeService: calendar events and travel requests in, decisions and queued nudges out (design 5.2).

Idempotent by source id: the same event again changes nothing; a moved event is evaluated again
without a second nudge for a decision already delivered; a cancellation withdraws what is unsent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal

from bot.domain.events import CalendarEvent, RequestStatus, TravelRequest
from bot.domain.organisations import Office, Organisation
from bot.domain.people import Person
from bot.domain.records import TripWrite
from bot.nudges.batches import Batches
from bot.nudges.decide import NudgeDecider
from bot.nudges.decisions import Ask, Decisions
from bot.nudges.detect import Detector, TripCandidate, UnknownPlace
from bot.nudges.meetings import MeetingEvaluator, event_key, known, meeting_keys, person_key
from bot.nudges.outcomes import EventResult, NudgeRefused
from bot.nudges.ports import EventStore, MeetingStore, NudgeStore
from bot.nudges.withdraw import Withdrawals
from bot.ports import Atomic, Clock, Organisations

__all__ = ["EventResult", "NudgeRefused", "NudgeService"]

log = logging.getLogger(__name__)


class NudgeService:
    def __init__(
        self,
        *,
        organisations: Organisations,
        meetings: MeetingStore,
        nudges: NudgeStore,
        events: EventStore,
        detector: Detector,
        decider: NudgeDecider,
        clock: Clock,
        atomic: Atomic,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> None:
        self._organisations, self._meetings, self._nudges = organisations, meetings, nudges
        self._events, self._detector, self._decider = events, detector, decider
        self._clock, self._atomic = clock, atomic
        self._decisions = Decisions(
            events=events, nudges=nudges, decider=decider, clock=clock, on_enqueued=on_enqueued
        )
        self._withdrawals = Withdrawals(nudges=nudges, clock=clock)
        self._meetings_evaluator = MeetingEvaluator(
            events=events,
            nudges=nudges,
            detector=detector,
            decider=decider,
            decisions=self._decisions,
            clock=clock,
            atomic=atomic,
        )
        self._batches: Batches[CalendarEvent, EventResult] = Batches(self._evaluate_meetings)

    async def meeting_changed(self, organisation_id: int, event: CalendarEvent) -> EventResult:
        if event.status.value == "cancelled":
            return await self.meeting_cancelled(organisation_id, source=event.source, event_id=event.event_id)
        # Evaluated with whatever other events arrive meanwhile, in one unit of work (bot/nudges/batches.py).
        return await self._batches.submit(organisation_id, event, meeting_keys(organisation_id, event))

    async def _evaluate_meetings(
        self, organisation_id: Hashable, events: Sequence[CalendarEvent]
    ) -> Sequence[EventResult | Exception]:
        assert isinstance(organisation_id, int)
        return await self._meetings_evaluator.evaluate(organisation_id, events)

    async def meeting_cancelled(self, organisation_id: int, *, source: str, event_id: str) -> EventResult:
        await self._organisation(organisation_id)
        async with self._atomic([event_key(organisation_id, source, event_id)]):
            return await self._cancel_meeting(organisation_id, source, event_id)

    async def _cancel_meeting(self, organisation_id: int, source: str, event_id: str) -> EventResult:
        cancelled = await self._meetings.cancel(
            organisation_id, source=source, event_id=event_id, now=self._clock.now()
        )
        if cancelled is None:
            return EventResult(unchanged=True)
        meeting_id, attendee_ids = cancelled
        withdrawn = 0
        for person_id in attendee_ids:
            withdrawn += await self._withdrawals.if_from(person_id, meeting_id)
        return EventResult(withdrawn=withdrawn)

    async def travel_request_changed(self, organisation_id: int, request: TravelRequest) -> EventResult:
        async with self._atomic():
            context = await self._events.context(organisation_id, [request.requester_email])
            organisation = known(context, organisation_id)
            requester = context.people.get(request.requester_email.strip().lower())
            if requester is None:
                raise NudgeRefused(
                    "unknown_person", f"requester of {request.request_id!r} is not in the organisation"
                )
            await self._events.lock(
                [f"travel:{organisation_id}:{request.request_id}", person_key(requester.id)]
            )
            home = context.offices.get(requester.office_id) if requester.office_id else None
            return await self._evaluate_request(organisation, request, requester, home)

    async def _evaluate_request(
        self, organisation: Organisation, request: TravelRequest, requester: Person, home: Office | None
    ) -> EventResult:
        organisation_id = organisation.id
        try:
            candidate = self._detector.request_candidate(
                request, requester, home, self._decider.factors(organisation)
            )
        except UnknownPlace as error:
            raise NudgeRefused("unknown_place", str(error)) from None
        trip_id = await self._save_trip(organisation_id, request, requester, candidate)
        if request.status is RequestStatus.CANCELLED:
            withdrawn = await self._nudges.withdraw(
                person_id=requester.id, subject=request.subject, now=self._clock.now()
            )
            return EventResult(withdrawn=int(withdrawn))
        if candidate is None:
            return EventResult(notes=("same_place",))
        ask = Ask([candidate], request.subject, trip_id=trip_id, booked=not request.status.still_open)
        decisions = await self._decisions.decide(organisation, ask)
        return EventResult(decisions=tuple(decisions))

    async def _save_trip(
        self, organisation_id: int, request: TravelRequest, requester: Person, candidate: TripCandidate | None
    ) -> int:
        result = candidate.estimate if candidate else None
        trip = TripWrite(
            organisation_id=organisation_id,
            person_id=requester.id,
            source="travel_request",
            source_id=request.request_id,
            origin_name=result.origin.name if result else request.origin,
            destination_name=result.destination.name if result else request.destination,
            destination_key=result.destination.key if result else None,
            departure_date=request.departure_date,
            return_date=request.return_date,
            nights=request.nights,
            mode=result.mode.value if result else (request.mode or ""),
            travellers=request.travellers,
            distance_km=float(result.distance_km) if result else 0.0,
            co2e_kg=float(result.co2e_kg) if result else 0.0,
            cost_sek=result.cost.total if result else _decimal(request.estimated_cost_sek),
            status=request.status.value,
            department=requester.department,
        )
        trip_id, _previous = await self._meetings.save_trip(trip, now=self._clock.now())
        return trip_id

    async def _organisation(self, organisation_id: int) -> Organisation:
        organisation = await self._organisations.by_id(organisation_id)
        if organisation is None:
            raise NudgeRefused("unknown_organisation", f"no organisation with id {organisation_id}")
        return organisation


def _decimal(value: float | None) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)
