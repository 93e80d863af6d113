"""What evaluating one calendar event or travel request did, or why it was refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.nudges import NudgeRecord


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
