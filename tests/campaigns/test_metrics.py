"""The figures: every recipient counted once as delivered, unreachable or pending; survey privacy."""

from __future__ import annotations

import csv
import io

from bot.campaigns.metrics import RecipientStatus, compute, to_csv
from bot.campaigns.model import Variant
from bot.domain.delivery import OutboxState

SENT, GONE, QUEUED = OutboxState.SENT, OutboxState.UNREACHABLE, OutboxState.QUEUED


def _statuses() -> list[RecipientStatus]:
    return [
        RecipientStatus("A", SENT, im_in=True, responded=True),
        RecipientStatus("A", SENT, survey=4, responded=True),
        RecipientStatus("A", SENT, link_clicked=True),
        RecipientStatus("A", GONE, error="blocked"),
        RecipientStatus("A", OutboxState.FAILED, error="http_500"),
        RecipientStatus("B", SENT, reminded=True),
        RecipientStatus("B", GONE, error="blocked"),
        RecipientStatus("B", OutboxState.RETRY, error="rate_limited"),
        RecipientStatus("B", None),
        RecipientStatus("B", QUEUED),
    ]


def test_targeted_is_delivered_plus_unreachable_plus_pending_per_variant_and_in_total() -> None:
    figures = compute(_statuses(), (Variant.A, Variant.B))

    a, b = figures.by_variant
    assert (a.targeted, a.delivered, a.unreachable, a.pending) == (5, 3, 2, 0)
    assert (b.targeted, b.delivered, b.unreachable, b.pending) == (5, 1, 1, 3)
    for row in (a, b, figures.total):
        assert row.targeted == row.delivered + row.unreachable + row.pending
    assert figures.total.targeted == a.targeted + b.targeted


def test_clicks_responses_and_reasons_are_counted_per_recipient() -> None:
    a, b = compute(_statuses(), (Variant.A, Variant.B)).by_variant

    assert (a.clicked, a.responded, a.im_in, a.link_clicks) == (3, 2, 1, 1)
    assert dict(a.reasons) == {"blocked": 1, "gave_up_after_retries:http_500": 1}
    assert (b.clicked, b.responded, b.reminded) == (0, 0, 1)


def test_a_survey_distribution_under_five_answers_is_hidden() -> None:
    few = [RecipientStatus("A", SENT, survey=s, responded=True) for s in (1, 5, 5, 4)]
    enough = [*few, RecipientStatus("A", SENT, survey=2, responded=True)]

    hidden, shown = compute(few, (Variant.A,)).total, compute(enough, (Variant.A,)).total

    assert (hidden.survey_answers, hidden.survey_shown, hidden.survey_mean) == (4, False, None)
    assert shown.survey == (1, 1, 0, 1, 2) and shown.survey_mean == 3.4


def test_the_csv_has_a_row_per_variant_and_one_for_all() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(compute(_statuses(), (Variant.A, Variant.B))))))

    assert [r["variant"] for r in rows] == ["A", "B", "all"]
    assert rows[2]["targeted"] == "10" and rows[2]["delivered"] == "4" and rows[2]["pending"] == "3"
    assert rows[0]["survey_1"] == "" and rows[0]["survey_answers"] == "1"  # too few to show
    assert "blocked: 2" in rows[2]["unreachable_reasons"]
