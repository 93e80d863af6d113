"""What every chat handler receives: who is talking, in which language, and the use cases it may call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.campaigns.service import CampaignService
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.i18n import Locale
from bot.messages import OutgoingMessage, Reply
from bot.nudges.choices import NudgeChoices
from bot.nudges.ports import NudgeStore
from bot.ports import Clock, Offices
from bot.savings.places import Gazetteer


@dataclass(frozen=True, slots=True)
class Turn:
    organisation: Organisation
    person: Person
    locale: Locale
    channel: str
    now: datetime
    # Whether the person had seen the privacy notice when the turn began (read with the locale, once).
    privacy_notice_seen: bool = False


class PolicyAnswerer(Protocol):
    """Answers a question from the organisation's own policy documents, quoting the passage."""

    async def answer(self, turn: Turn, question: str) -> OutgoingMessage: ...

    async def feedback(self, turn: Turn, value: str) -> Reply: ...


class SummaryChoices(Protocol):
    """A person's own choice of summaries: only the monthly one so far, off unless chosen."""

    async def monthly_summary(self, person_id: int) -> bool: ...

    async def set_monthly_summary(self, person_id: int, on: bool, *, now: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class ChatDeps:
    gazetteer: Gazetteer
    nudges: NudgeStore
    choices: NudgeChoices
    offices: Offices
    clock: Clock
    policy: PolicyAnswerer | None = None
    campaigns: CampaignService | None = None
    summaries: SummaryChoices | None = None
