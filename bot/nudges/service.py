"""NudgeService: calendar events and travel requests in, decisions and queued nudges out (design 5.2).

Idempotent by source id: the same event again changes nothing; a moved event is evaluated again
without a second nudge for a decision already delivered; a cancellation withdraws what is unsent.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.events import CalendarEvent, RequestStatus, TravelRequest
from bot.domain.nudges import NudgeRecord
from bot.domain.organisations import Office, Organisation
from bot.domain.people import Person
from bot.domain.records import MeetingWrite, TripWrite
from bot.nudges.decide import NudgeDecider
from bot.nudges.decisions import Decisions
from bot.nudges.detect import Detector, TripCandidate, UnknownPlace, office_place
from bot.nudges.ports import (
    EventContext,
    EventStore,
    MeetingStore,
    NudgeStore,
)
from bot.ports import Atomic, Clock, Organisations
from bot.savings.places import Place

log = logging.getLogger(__name__)


class NudgeRefused(ValueError):
    """The event cannot be used; ``code`` says why (unknown_person, unknown_place, unknown_organisation)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class EventResult:
    """What one event did: ``unchanged`` for a repeat, the decisions made, the nudges withdrawn."""

    unchanged: bool = False
    decisions: tuple[NudgeRecord, ...] = ()
    withdrawn: int = 0
    notes: tuple[str, ...] = field(default=())


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

    async def meeting_changed(self, organisation_id: int, event: CalendarEvent) -> EventResult:
        if event.status.value == "cancelled":
            return await self.meeting_cancelled(organisation_id, source=event.source, event_id=event.event_id)
        # One unit of work from the first read to the last write: one connection, one transaction.
        async with self._atomic():
            context = await self._events.context(
                organisation_id, [event.organiser_email, *event.attendee_emails]
            )
            organisation = _known(context, organisation_id)
            attendees = _unique(context.people.values())
            if not attendees:
                raise NudgeRefused(
                    "unknown_person", f"no one in event {event.event_id!r} belongs to the organisation"
                )
            # Held to the end: the same event twice waits here, and the caps of each attendee hold.
            await self._events.lock(
                [
                    _event_key(organisation_id, event.source, event.event_id),
                    *(_person_key(p.id) for p in attendees),
                ]
            )
            return await self._evaluate_meeting(organisation, event, context, attendees)

    async def _evaluate_meeting(
        self, organisation: Organisation, event: CalendarEvent, context: EventContext, attendees: list[Person]
    ) -> EventResult:
        """Inside one unit of work that holds the event's and the attendees' locks (caps stay true)."""
        offices = context.offices
        organiser = context.people.get(event.organiser_email.strip().lower())
        home = offices.get(organiser.office_id) if organiser and organiser.office_id else None
        place = self._detector.meeting_place(event.location, office_place(home) if home else None)
        fingerprint = _fingerprint(event, place.key if place else "", attendees)
        saved = await self._events.save_meeting(
            _meeting_write(organisation.id, event, organiser, place, attendees),
            fingerprint=fingerprint,
            now=self._clock.now(),
        )
        if saved is None:
            return EventResult(unchanged=True)
        factors = self._decider.factors(organisation)
        candidates = self._detector.meeting_candidates(event, place, attendees, offices, factors)
        decisions = await self._decisions.decide(organisation, candidates, event.subject, meeting_id=saved.id)
        withdrawn = 0
        if saved.existed:  # a new meeting has no nudges of its own yet
            withdrawn = await self._withdraw_others(attendees, candidates, event.subject, saved.id)
        return EventResult(decisions=tuple(decisions), withdrawn=withdrawn)

    async def meeting_cancelled(self, organisation_id: int, *, source: str, event_id: str) -> EventResult:
        await self._organisation(organisation_id)
        async with self._atomic([_event_key(organisation_id, source, event_id)]):
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
            withdrawn += await self._withdraw_if_from(person_id, meeting_id)
        return EventResult(withdrawn=withdrawn)

    async def travel_request_changed(self, organisation_id: int, request: TravelRequest) -> EventResult:
        async with self._atomic():
            context = await self._events.context(organisation_id, [request.requester_email])
            organisation = _known(context, organisation_id)
            requester = context.people.get(request.requester_email.strip().lower())
            if requester is None:
                raise NudgeRefused(
                    "unknown_person", f"requester of {request.request_id!r} is not in the organisation"
                )
            await self._events.lock(
                [f"travel:{organisation_id}:{request.request_id}", _person_key(requester.id)]
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
        decisions = await self._decisions.decide(
            organisation, [candidate], request.subject, trip_id=trip_id, booked=not request.status.still_open
        )
        return EventResult(decisions=tuple(decisions))

    async def _withdraw_others(
        self, attendees: Sequence[Person], candidates: Sequence[TripCandidate], subject: str, meeting_id: int
    ) -> int:
        """People who no longer need to travel for this meeting (moved online, or to their town)."""
        travelling = {c.person.id for c in candidates}
        withdrawn = 0
        for person in attendees:
            if person.id not in travelling:
                withdrawn += await self._withdraw_if_from(person.id, meeting_id, subject=subject)
        return withdrawn

    async def _withdraw_if_from(self, person_id: int, meeting_id: int, *, subject: str | None = None) -> int:
        """Withdraw only a nudge that came from this very meeting, not another occurrence of its series."""
        for nudge in await self._nudges.for_meeting(person_id, meeting_id):
            if subject is None or nudge.subject == subject:
                return int(
                    await self._nudges.withdraw(
                        person_id=person_id, subject=nudge.subject, now=self._clock.now()
                    )
                )
        return 0

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


def _known(context: EventContext, organisation_id: int) -> Organisation:
    if context.organisation is None:
        raise NudgeRefused("unknown_organisation", f"no organisation with id {organisation_id}")
    return context.organisation


def _unique(people: Iterable[Person]) -> list[Person]:
    seen: dict[int, Person] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())


def _fingerprint(event: CalendarEvent, place_key: str, attendees: Sequence[Person]) -> str:
    """What matters for a decision; a change in anything else (a title, say) is no reason to re-evaluate."""
    parts = [
        event.start.isoformat(),
        event.end.isoformat(),
        place_key,
        str(event.online),
        event.status.value,
        str(event.external_attendees),
        event.series_id or "",
        ",".join(str(p.id) for p in sorted(attendees, key=lambda p: p.id)),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _meeting_write(
    organisation_id: int,
    event: CalendarEvent,
    organiser: Person | None,
    place: Place | None,
    attendees: Sequence[Person],
) -> MeetingWrite:
    return MeetingWrite(
        organisation_id=organisation_id,
        source=event.source,
        event_id=event.event_id,
        series_id=event.series_id,
        organiser_id=organiser.id if organiser else None,
        start=event.start,
        end=event.end,
        place_key=place.key if place else None,
        place_name=place.name if place else None,
        online=event.online,
        external_attendees=event.external_attendees,
        status=event.status.value,
        attendee_ids=tuple(person.id for person in attendees),
    )


def _decimal(value: float | None) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _event_key(organisation_id: int, source: str, event_id: str) -> str:
    return f"meeting:{organisation_id}:{source}:{event_id}"


def _person_key(person_id: int) -> str:
    return f"person:{person_id}"
