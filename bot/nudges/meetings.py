"""Calendar events evaluated in batches: one unit of work and one statement per step for all of them.

A batch (``bot.nudges.batches``) holds events of one organisation with no meeting and no person in
common. Its steps: the context of every address, the locks of every event and person, the meetings with
their attendees, the states of every candidate, and the new nudges with their outbox rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.events import CalendarEvent
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.domain.records import MeetingWrite
from bot.nudges.batches import give_way
from bot.nudges.decide import NudgeDecider
from bot.nudges.decisions import Ask, Decisions
from bot.nudges.detect import Detector, TripCandidate, office_place
from bot.nudges.outcomes import EventResult, NudgeRefused
from bot.nudges.ports import EventContext, EventStore, NudgeStore
from bot.nudges.withdraw import Withdrawals
from bot.ports import Atomic, Clock
from bot.savings.places import Place


@dataclass(frozen=True, slots=True)
class _Prepared:
    index: int
    event: CalendarEvent
    attendees: list[Person]
    place: Place | None
    write: MeetingWrite
    fingerprint: str


def meeting_keys(organisation_id: int, event: CalendarEvent) -> frozenset[str]:
    """What two events of one batch may not share: the meeting, and anyone invited (by address)."""
    emails = (e.strip().lower() for e in (event.organiser_email, *event.attendee_emails))
    return frozenset(
        {event_key(organisation_id, event.source, event.event_id), *(f"email:{e}" for e in emails)}
    )


class MeetingEvaluator:
    def __init__(
        self,
        *,
        events: EventStore,
        nudges: NudgeStore,
        detector: Detector,
        decider: NudgeDecider,
        decisions: Decisions,
        clock: Clock,
        atomic: Atomic,
    ) -> None:
        self._events, self._detector, self._decider = events, detector, decider
        self._decisions, self._clock, self._atomic = decisions, clock, atomic
        self._withdrawals = Withdrawals(nudges=nudges, clock=clock)

    async def evaluate(
        self, organisation_id: int, events: Sequence[CalendarEvent]
    ) -> list[EventResult | Exception]:
        """Every event of one batch in one unit of work; an event refused leaves the others alone."""
        outcomes: list[EventResult | Exception] = [EventResult(unchanged=True)] * len(events)
        async with self._atomic():
            emails = [e for event in events for e in (event.organiser_email, *event.attendee_emails)]
            context = await self._events.context(organisation_id, emails)
            organisation = known(context, organisation_id)
            prepared = []
            for index, event in enumerate(events):
                await give_way()
                attendees = _attendees(context, event)
                if not attendees:
                    outcomes[index] = NudgeRefused(
                        "unknown_person", f"no one in event {event.event_id!r} belongs to the organisation"
                    )
                    continue
                prepared.append(self._prepare(organisation, index, event, context, attendees))
            if not prepared:
                return outcomes
            # Held to the end: the caps of each attendee hold across processes too.
            await self._events.lock(
                [
                    key
                    for p in prepared
                    for key in (
                        event_key(organisation_id, p.event.source, p.event.event_id),
                        *(person_key(a.id) for a in p.attendees),
                    )
                ]
            )
            now = self._clock.now()
            saved = await self._events.save_meetings([(p.write, p.fingerprint) for p in prepared], now=now)
            changed = [(p, s) for p, s in zip(prepared, saved, strict=True) if s is not None]
            factors = self._decider.factors(organisation)
            candidates = []
            for p, _ in changed:
                await give_way()
                found = self._detector.meeting_candidates(
                    p.event, p.place, p.attendees, context.offices, factors
                )
                candidates.append(found)
            asks = [
                Ask(found, p.event.subject, meeting_id=s.id)
                for (p, s), found in zip(changed, candidates, strict=True)
            ]
            decided = await self._decisions.decide_all(organisation, asks)
            for (p, s), found, decisions in zip(changed, candidates, decided, strict=True):
                withdrawn = 0
                if s.existed:  # a new meeting has no nudges of its own yet
                    withdrawn = await self._withdraw_others(p.attendees, found, p.event.subject, s.id)
                outcomes[p.index] = EventResult(decisions=tuple(decisions), withdrawn=withdrawn)
        return outcomes

    def _prepare(
        self,
        organisation: Organisation,
        index: int,
        event: CalendarEvent,
        context: EventContext,
        attendees: list[Person],
    ) -> _Prepared:
        organiser = context.people.get(event.organiser_email.strip().lower())
        home = context.offices.get(organiser.office_id) if organiser and organiser.office_id else None
        place = self._detector.meeting_place(event.location, office_place(home) if home else None)
        fingerprint = _fingerprint(event, place.key if place else "", attendees)
        write = _meeting_write(organisation.id, event, organiser, place, attendees)
        return _Prepared(index, event, attendees, place, write, fingerprint)

    async def _withdraw_others(
        self, attendees: Sequence[Person], candidates: Sequence[TripCandidate], subject: str, meeting_id: int
    ) -> int:
        """People who no longer need to travel for this meeting (moved online, or to their town)."""
        travelling = {c.person.id for c in candidates}
        withdrawn = 0
        for person in attendees:
            if person.id not in travelling:
                withdrawn += await self._withdrawals.if_from(person.id, meeting_id, subject=subject)
        return withdrawn


def known(context: EventContext, organisation_id: int) -> Organisation:
    if context.organisation is None:
        raise NudgeRefused("unknown_organisation", f"no organisation with id {organisation_id}")
    return context.organisation


def _attendees(context: EventContext, event: CalendarEvent) -> list[Person]:
    """The organisation's people among the event's addresses, each once."""
    emails = {e.strip().lower() for e in (event.organiser_email, *event.attendee_emails)}
    seen: dict[int, Person] = {}
    for email, person in context.people.items():
        if email in emails:
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


def event_key(organisation_id: int, source: str, event_id: str) -> str:
    return f"meeting:{organisation_id}:{source}:{event_id}"


def person_key(person_id: int) -> str:
    return f"person:{person_id}"
