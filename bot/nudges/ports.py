"""What the nudge engine needs from storage (implemented by ``storage.meetings`` and ``storage.nudges``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.domain.delivery import OutboxKind
from bot.domain.nudges import NudgeRecord, NudgeStatus, PersonFigures
from bot.domain.organisations import Office, Organisation
from bot.domain.people import Person
from bot.domain.records import Delivery, MeetingWrite, NudgeWrite, OutcomeWrite, Preferences, TripWrite
from bot.messages import OutgoingMessage
from bot.nudges.policy_types import PastNudge


class MeetingStore(Protocol):
    async def save(self, meeting: MeetingWrite, *, now: datetime) -> int: ...

    async def cancel(
        self, organisation_id: int, *, source: str, event_id: str, now: datetime
    ) -> tuple[int, list[int]] | None: ...

    async def save_trip(self, trip: TripWrite, *, now: datetime) -> tuple[int, str | None]: ...


class NudgeStore(Protocol):
    async def by_id(self, nudge_id: int) -> NudgeRecord | None: ...

    async def for_meeting(self, person_id: int, meeting_id: int) -> Sequence[NudgeRecord]: ...

    async def record_decision(
        self,
        nudge: NudgeWrite,
        *,
        now: datetime,
        delivery: Delivery | None = None,
        compose: Callable[[int], OutgoingMessage] | None = None,
    ) -> NudgeRecord: ...

    async def withdraw(self, *, person_id: int, subject: str, now: datetime) -> bool: ...

    async def record_outcome(self, outcome: OutcomeWrite, *, organisation_id: int, now: datetime) -> bool: ...

    async def person_figures(self, person_id: int, *, since: datetime) -> PersonFigures: ...

    async def preferences(self, person_id: int) -> Preferences: ...

    async def save_preferences(
        self, organisation_id: int, preferences: Preferences, *, now: datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class EventContext:
    """What an event is evaluated against, read in one go: ``organisation`` is None when it is unknown."""

    organisation: Organisation | None
    people: Mapping[str, Person] = field(default_factory=dict)  # by lower-case e-mail address
    offices: Mapping[int, Office] = field(default_factory=dict)  # the offices of those people


@dataclass(frozen=True, slots=True)
class SavedMeeting:
    id: int
    existed: bool  # an update of a stored meeting, whose earlier nudges may need withdrawing


@dataclass(frozen=True, slots=True)
class NudgeState:
    """What deciding about one person and one subject needs from storage."""

    preferences: Preferences
    history: tuple[PastNudge, ...] = ()  # delivered or queued nudges, oldest first
    existing_id: int | None = None  # the nudge already stored for this subject, if any
    delivered: bool = False  # ... and whether it has gone out (it is then never sent again)
    reserved_id: int | None = None  # the id a new nudge will get, where storage hands it out early


@dataclass(frozen=True, slots=True)
class Queued:
    """A proactive message for the outbox; the same (person, key, kind) again adds nothing."""

    person_id: int
    key: str
    kind: OutboxKind
    message: OutgoingMessage
    delivery: Delivery


@dataclass(frozen=True, slots=True)
class NewNudge:
    """A decision about a person with no nudge yet for the subject, and what to queue once it has an id."""

    nudge: NudgeWrite
    status: NudgeStatus
    reserved_id: int | None
    messages: Callable[[int], Sequence[Queued]]


class EventStore(Protocol):
    """The event-to-outbox path in a few statements; only inside a unit of work (``Atomic``)."""

    async def context(self, organisation_id: int, emails: Sequence[str]) -> EventContext: ...

    async def lock(self, keys: Sequence[str]) -> None:
        """More locks for the unit of work this task is in (taken in sorted order, held to its end)."""

    async def save_meetings(
        self, meetings: Sequence[tuple[MeetingWrite, str]], *, now: datetime
    ) -> list[SavedMeeting | None]:
        """Insert or update each (meeting, fingerprint) of one organisation with its attendees, marked
        evaluated with the fingerprint; None in its place (and nothing written) for a meeting stored
        with that fingerprint already. The meetings are distinct."""

    async def states(
        self, organisation_id: int, pairs: Sequence[tuple[int, str]], *, since: datetime
    ) -> dict[tuple[int, str], NudgeState]:
        """The state of each (person id, subject) pair; nudge history counts from ``since``."""

    async def record_new(
        self,
        organisation_id: int,
        nudges: Sequence[NewNudge],
        messages: Sequence[Queued],
        preferences: Sequence[Preferences],
        *,
        now: datetime,
    ) -> list[int]:
        """Store the new nudges and queue their messages, then ``messages``, and store ``preferences``
        (an upsert each); the nudges' ids, in order."""
