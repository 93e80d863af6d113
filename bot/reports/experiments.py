"""Wording experiments: the nudge variants (A/B) compared on conversion to a digital or hybrid meeting.

Each variant's rate has a 95 % Wilson score interval; the difference between two variants has
Newcombe's interval (method 10), built from the two Wilson intervals. Both behave at small counts and
at rates near 0 or 1, where the textbook normal approximation does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.i18n import Locale, format_number, text

Z_95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class VariantCount:
    variant: str
    delivered: int
    converted: int  # digital or hybrid choices on delivered nudges


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class VariantResult:
    variant: str
    delivered: int
    converted: int
    rate: float | None
    interval: Interval | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """``variant`` minus ``reference``, in rate points (0.05 is five percentage points)."""

    reference: str
    variant: str
    difference: float
    interval: Interval

    @property
    def significant(self) -> bool:
        return self.interval.low > 0 or self.interval.high < 0


@dataclass(frozen=True, slots=True)
class ExperimentReport:
    variants: tuple[VariantResult, ...]
    comparisons: tuple[Comparison, ...]


def wilson(successes: int, trials: int, z: float = Z_95) -> Interval:
    if trials <= 0:
        raise ValueError("a Wilson interval needs at least one trial")
    if not 0 <= successes <= trials:
        raise ValueError("successes must lie between 0 and the number of trials")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)  # exact at the ends, free of rounding
    return Interval(low, high)


def newcombe(first: VariantCount, second: VariantCount, z: float = Z_95) -> Comparison:
    """The difference second - first with Newcombe's hybrid score interval."""
    p1, p2 = first.converted / first.delivered, second.converted / second.delivered
    w1, w2 = wilson(first.converted, first.delivered, z), wilson(second.converted, second.delivered, z)
    difference = p2 - p1
    low = difference - math.sqrt((p2 - w2.low) ** 2 + (w1.high - p1) ** 2)
    high = difference + math.sqrt((w2.high - p2) ** 2 + (p1 - w1.low) ** 2)
    return Comparison(first.variant, second.variant, difference, Interval(max(-1.0, low), min(1.0, high)))


def compare(counts: list[VariantCount]) -> ExperimentReport:
    """Every variant's rate, and each variant against the first (``A`` when present) that has data."""
    ordered = sorted(counts, key=lambda count: count.variant)
    results = tuple(
        VariantResult(
            c.variant,
            c.delivered,
            c.converted,
            c.converted / c.delivered if c.delivered else None,
            wilson(c.converted, c.delivered) if c.delivered else None,
        )
        for c in ordered
    )
    with_data = [c for c in ordered if c.delivered]
    comparisons = tuple(newcombe(with_data[0], other) for other in with_data[1:]) if with_data else ()
    return ExperimentReport(results, comparisons)


def _percent(value: float, locale: Locale, digits: int = 1) -> str:
    return format_number(value * 100, locale, digits=digits)


def render_experiments(report: ExperimentReport, locale: Locale) -> str:
    """A Markdown table of the variants, then each comparison in words."""

    def t(key: str, **params: object) -> str:
        return text(f"reports.experiments.{key}", locale, **params)

    if not any(v.delivered for v in report.variants):
        return f"# {t('title')}\n\n{t('no_data')}\n"
    lines = [f"# {t('title')}", ""]
    lines += [f"| {t('variant')} | {t('delivered')} | {t('converted')} | {t('rate')} | {t('interval')} |"]
    lines += ["|---|---:|---:|---:|---|"]
    for v in report.variants:
        rate = "–" if v.rate is None else f"{_percent(v.rate, locale)} %"
        span = (
            "–"
            if v.interval is None
            else f"{_percent(v.interval.low, locale)}–{_percent(v.interval.high, locale)} %"
        )
        lines.append(f"| {v.variant} | {v.delivered} | {v.converted} | {rate} | {span} |")
    lines.append("")
    for c in report.comparisons:
        verdict = t("significant") if c.significant else t("not_significant")
        lines.append(
            t(
                "difference",
                variant=c.variant,
                reference=c.reference,
                difference=_percent(c.difference, locale),
                low=_percent(c.interval.low, locale),
                high=_percent(c.interval.high, locale),
                verdict=verdict,
            )
        )
    return "\n".join(lines) + "\n"


def as_json(report: ExperimentReport) -> dict[str, object]:
    return {
        "variants": [
            {
                "variant": v.variant,
                "delivered": v.delivered,
                "converted": v.converted,
                "rate": v.rate,
                "ci95": None if v.interval is None else [v.interval.low, v.interval.high],
            }
            for v in report.variants
        ],
        "comparisons": [
            {
                "reference": c.reference,
                "variant": c.variant,
                "difference": c.difference,
                "ci95": [c.interval.low, c.interval.high],
                "significant": c.significant,
            }
            for c in report.comparisons
        ],
    }
