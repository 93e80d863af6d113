"""Campaign figures per variant and in total, from each recipient's delivery state and response.

``targeted = delivered + unreachable + pending`` always holds. "Clicked" counts recipients who pressed
any button of the card: a click is the only engagement signal Slack, Teams and the web chat give a bot;
none of them tells a bot that a message was opened or read, so no "opened" figure exists.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.campaigns.model import SURVEY_SCALE, Variant
from bot.domain.delivery import OutboxState

# A survey distribution of fewer answers than this could show how one person answered (design 1).
MIN_SURVEY_ANSWERS: Final = 5
ALL: Final = "all"
_PENDING = frozenset({OutboxState.QUEUED, OutboxState.RETRY, OutboxState.SENDING})


@dataclass(frozen=True, slots=True)
class RecipientStatus:
    """One recipient: how their first message fared in the outbox, and what they did with it."""

    variant: str
    state: OutboxState | None  # None: no outbox row yet (counted as pending)
    error: str | None = None
    link_clicked: bool = False
    im_in: bool = False
    survey: int | None = None
    responded: bool = False
    reminded: bool = False  # the reminder went out

    @property
    def clicked(self) -> bool:
        return self.link_clicked or self.im_in or self.survey is not None


@dataclass(frozen=True, slots=True)
class Figures:
    group: str  # "A", "B" or "all"
    targeted: int
    delivered: int
    unreachable: int
    pending: int
    clicked: int
    responded: int
    im_in: int
    link_clicks: int
    reminded: int
    survey: tuple[int, ...]  # how many answered 1, 2, 3, 4 and 5
    reasons: tuple[tuple[str, int], ...]  # why recipients were unreachable, most common first

    @property
    def survey_answers(self) -> int:
        return sum(self.survey)

    @property
    def survey_shown(self) -> bool:
        return self.survey_answers >= MIN_SURVEY_ANSWERS

    @property
    def survey_mean(self) -> float | None:
        if not self.survey_shown:
            return None
        return (
            sum(score * n for score, n in zip(SURVEY_SCALE, self.survey, strict=True)) / self.survey_answers
        )


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    total: Figures
    by_variant: tuple[Figures, ...]


def compute(statuses: Sequence[RecipientStatus], variants: Sequence[Variant]) -> CampaignFigures:
    by_variant = tuple(figures(v.value, [s for s in statuses if s.variant == v.value]) for v in variants)
    return CampaignFigures(total=figures(ALL, statuses), by_variant=by_variant)


def figures(group: str, statuses: Sequence[RecipientStatus]) -> Figures:
    states = Counter(s.state for s in statuses)
    reasons = Counter(_reason(s) for s in statuses if _unreachable(s.state))
    scores = Counter(s.survey for s in statuses if s.survey is not None)
    return Figures(
        group=group,
        targeted=len(statuses),
        delivered=states[OutboxState.SENT],
        unreachable=sum(reasons.values()),
        pending=states[None] + sum(states[state] for state in _PENDING),
        clicked=sum(s.clicked for s in statuses),
        responded=sum(s.responded for s in statuses),
        im_in=sum(s.im_in for s in statuses),
        link_clicks=sum(s.link_clicked for s in statuses),
        reminded=sum(s.reminded for s in statuses),
        survey=tuple(scores[score] for score in SURVEY_SCALE),
        reasons=tuple(reasons.most_common()),
    )


def _unreachable(state: OutboxState | None) -> bool:
    return state in (OutboxState.UNREACHABLE, OutboxState.FAILED, OutboxState.WITHDRAWN)


def _reason(status: RecipientStatus) -> str:
    if status.state is OutboxState.WITHDRAWN:
        return "withdrawn"
    reason = status.error or "unknown"
    return f"gave_up_after_retries:{reason}" if status.state is OutboxState.FAILED else reason


CSV_COLUMNS: Final = (
    "variant", "targeted", "delivered", "unreachable", "pending", "clicked", "responded", "im_in",
    "link_clicks", "reminded", "survey_answers", "survey_1", "survey_2", "survey_3", "survey_4",
    "survey_5", "survey_mean", "unreachable_reasons",
)  # fmt: skip


def to_csv(campaign: CampaignFigures) -> str:
    """One row per variant and one for all; survey cells stay empty under the privacy threshold."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in (*campaign.by_variant, campaign.total):
        writer.writerow(_csv_row(row))
    return out.getvalue()


def _csv_row(row: Figures) -> Iterable[object]:
    counts = (row.targeted, row.delivered, row.unreachable, row.pending, row.clicked, row.responded)
    survey = row.survey if row.survey_shown else ("",) * len(row.survey)
    mean = f"{row.survey_mean:.2f}" if row.survey_mean is not None else ""
    reasons = "; ".join(f"{reason}: {n}" for reason, n in row.reasons)
    return (
        row.group,
        *counts,
        row.im_in,
        row.link_clicks,
        row.reminded,
        row.survey_answers,
        *survey,
        mean,
        reasons,
    )
