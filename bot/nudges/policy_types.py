"""The inputs and outputs of the nudge policy (``bot/nudges/policy.py``), all plain values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, time
from typing import Any

from bot.domain.nudges import Decision, OutcomeChoice, Reason


@dataclass(frozen=True, slots=True)
class NudgeSettings:
    """Per-organisation thresholds (``organisation.settings["nudges"]``); defaults per the issue."""

    min_distance_km: float = 50.0
    min_hours_one_way: float = 1.0
    weekly_cap: int = 3
    workday_start: time = time(8, 0)
    workday_end: time = time(17, 0)
    decline_streak_pause: int = 3
    pause_days: int = 30
    ignore_after_days: int = 7
    min_lead_hours: float = 2.0
    experiment: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> NudgeSettings:
        """Build from stored settings; an unknown key or a bad value raises ValueError naming it."""
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, raw in values.items():
            if key not in known:
                raise ValueError(f"unknown nudge setting {key!r}")
            kwargs[key] = _coerce(key, raw, getattr(cls(), key))
        settings = cls(**kwargs)
        if settings.workday_end <= settings.workday_start:
            raise ValueError("nudge setting workday_end must be after workday_start")
        return settings


def _coerce(key: str, raw: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if not isinstance(raw, bool):
                raise TypeError
            return raw
        if isinstance(default, time):
            return raw if isinstance(raw, time) else time.fromisoformat(str(raw))
        value = type(default)(raw)
    except (TypeError, ValueError):
        raise ValueError(f"nudge setting {key!r} has a bad value {raw!r}") from None
    if value < 0:
        raise ValueError(f"nudge setting {key!r} cannot be negative")
    return value


@dataclass(frozen=True, slots=True)
class PersonState:
    """What the policy needs to know about the person (their own choices and pauses)."""

    timezone: str = "Europe/Stockholm"
    opted_out: bool = False
    snoozed_until: datetime | None = None
    paused_until: datetime | None = None
    pause_asked: bool = False


@dataclass(frozen=True, slots=True)
class PastNudge:
    """A nudge that was delivered (or queued) to this person, oldest first in a history."""

    sent_at: datetime
    choice: OutcomeChoice | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A trip this person seems about to make."""

    distance_km: float
    hours_one_way: float
    trip_start: datetime
    already_nudged: bool = False
    booked: bool = False


@dataclass(frozen=True, slots=True)
class PolicyInput:
    now: datetime
    settings: NudgeSettings
    person: PersonState
    candidate: Candidate
    history: Sequence[PastNudge] = ()


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    decision: Decision
    reason: Reason
    deliver_at: datetime | None = None
    start_pause: bool = False
