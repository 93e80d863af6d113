"""Wording experiments: Wilson intervals per variant and Newcombe's interval for the difference."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.app import Services
from bot.domain.nudges import Decision, OutcomeChoice
from bot.domain.organisations import Organisation
from bot.reports.experiments import VariantCount, compare, newcombe, render_experiments, wilson
from tests.fakes.clock import FakeClock
from tests.reports.conftest import JONAS, SOFIA, Builder


def test_wilson_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17: 81 of 263 gives 0.2553 to 0.3662.
    interval = wilson(81, 263)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 10).low == 0.0 and wilson(10, 10).high == 1.0


def test_newcombes_difference_matches_the_published_example() -> None:
    # Newcombe (1998) method 10: 56/70 against 48/80 gives a difference of 0.2, from 0.0524 to 0.3339.
    comparison = newcombe(VariantCount("A", 80, 48), VariantCount("B", 70, 56))
    assert comparison.difference == pytest.approx(0.2)
    assert (round(comparison.interval.low, 4), round(comparison.interval.high, 4)) == (0.0524, 0.3339)
    assert comparison.significant


def test_a_variant_without_deliveries_has_no_rate_and_is_not_compared() -> None:
    report = compare([VariantCount("B", 0, 0), VariantCount("A", 20, 5)])

    assert [v.variant for v in report.variants] == ["A", "B"]
    assert report.variants[1].rate is None and report.comparisons == ()
    assert "Inga levererade tips" not in render_experiments(report, "sv")
    assert "Inga levererade tips" in render_experiments(compare([]), "sv")


async def test_variants_are_counted_on_delivered_nudges_only(
    services: Services, sample_org: Organisation, build: Builder, clock: FakeClock
) -> None:
    day = date(2026, 3, 4)
    clock.set(datetime(2026, 3, 2, 9, tzinfo=UTC))
    for variant, choice in (("A", OutcomeChoice.DIGITAL), ("A", OutcomeChoice.TRAVEL_ANYWAY), ("B", None)):
        nudge = await build.nudge(JONAS, day, variant=variant)
        if choice is not None:
            await build.choose(JONAS, nudge, choice, reason="other")
    await build.nudge(SOFIA, day, variant="B", decision=Decision.SUPPRESS)
    clock.set(datetime(2026, 3, 6, 9, tzinfo=UTC))
    hybrid = await build.nudge(SOFIA, day, variant="B")
    await build.choose(SOFIA, hybrid, OutcomeChoice.HYBRID)

    counts = await services.reports.variant_counts(sample_org.id, since=None)
    recent = await services.reports.variant_counts(sample_org.id, since=datetime(2026, 3, 5, tzinfo=UTC))

    assert sorted(counts, key=lambda c: c.variant) == [VariantCount("A", 2, 1), VariantCount("B", 2, 1)]
    assert list(recent) == [VariantCount("B", 1, 1)]
    report = compare(list(counts))
    assert report.comparisons[0].difference == 0.0 and not report.comparisons[0].significant
