"""What the nudge engine needs from storage (implemented by ``storage.meetings`` and ``storage.nudges``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.delivery import OutboxKind
from bot.domain.nudges import NudgeRecord, PersonFigures
from bot.domain.records import Delivery, MeetingWrite, NudgeWrite, OutcomeWrite, Preferences, TripWrite
from bot.messages import OutgoingMessage
from bot.nudges.policy_types import PastNudge


class MeetingStore(Protocol):
    async def fingerprint(self, organisation_id: int, *, source: str, event_id: str) -> str | None: ...

    async def save(self, meeting: MeetingWrite, *, now: datetime) -> int: ...

    async def mark_evaluated(self, meeting_id: int, fingerprint: str) -> None: ...

    async def cancel(
        self, organisation_id: int, *, source: str, event_id: str, now: datetime
    ) -> tuple[int, list[int]] | None: ...

    async def save_trip(self, trip: TripWrite, *, now: datetime) -> tuple[int, str | None]: ...


class NudgeStore(Protocol):
    async def by_id(self, nudge_id: int) -> NudgeRecord | None: ...

    async def for_subject(self, person_id: int, subject: str) -> NudgeRecord | None: ...

    async def for_meeting(self, person_id: int, meeting_id: int) -> Sequence[NudgeRecord]: ...

    async def history(self, person_id: int, *, since: datetime) -> list[PastNudge]: ...

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

    async def enqueue_message(
        self,
        *,
        organisation_id: int,
        person_id: int,
        key: str,
        kind: OutboxKind,
        message: OutgoingMessage,
        delivery: Delivery,
    ) -> bool: ...
