"""Outbox items and their states (design 5.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.messages import OutgoingMessage, Recipient


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    RETRY = "retry"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class OutboxKind(StrEnum):
    NUDGE = "nudge"
    UPDATE = "update"
    PAUSE_QUESTION = "pause_question"
    DIGEST = "digest"
    CAMPAIGN = "campaign"


@dataclass(frozen=True, slots=True)
class SentRef:
    """Where a delivered message lives on its platform, so it can be updated in place later."""

    channel: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed row: what to send, to whom, and whether an earlier attempt may have gone out."""

    id: int
    key: str
    kind: OutboxKind
    recipient: Recipient
    message: OutgoingMessage
    attempts: int
    update_ref: SentRef | None = None
    maybe_delivered: bool = False
    # Until when this process may work on the item; after that another dispatcher may claim it.
    lease_until: datetime | None = None
