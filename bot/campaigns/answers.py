"""A recipient's click on a campaign card: the button value ``<campaign id>:<response>``.

Responses: ``in`` ("I'm in"), ``link`` (the link button), ``survey:1`` .. ``survey:5``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.campaigns.model import SURVEY_SCALE


class AnswerKind(StrEnum):
    IN = "in"
    LINK = "link"
    SURVEY = "survey"


@dataclass(frozen=True, slots=True)
class Answer:
    kind: AnswerKind
    score: int | None = None  # 1-5 for a survey answer

    @property
    def value(self) -> str:
        return f"survey:{self.score}" if self.kind is AnswerKind.SURVEY else self.kind.value


def button_value(campaign_id: int, answer: Answer) -> str:
    return f"{campaign_id}:{answer.value}"


def parse_button(value: str) -> tuple[int, Answer] | None:
    """The campaign and answer a button value names; None for anything malformed."""
    head, _, rest = value.partition(":")
    if not head.isdigit():
        return None
    kind, _, score = rest.partition(":")
    if kind == AnswerKind.SURVEY.value:
        if not score.isdigit() or int(score) not in SURVEY_SCALE:
            return None
        return int(head), Answer(AnswerKind.SURVEY, int(score))
    if kind in (AnswerKind.IN.value, AnswerKind.LINK.value) and not score:
        return int(head), Answer(AnswerKind(kind))
    return None
