"""The weekly and monthly summaries as neutral messages (design 4.5), in the reader's language.

Time first, then CO2e, then money: REMM advises leading with time and well-being, not savings.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.nudges import PersonFigures
from bot.i18n import Locale, format_number, text
from bot.messages import Fact, OutgoingMessage
from bot.reports.figures import BaselineSource, TripSplit, UnitFigures, WeeklyFigures
from bot.reports.units import MIN_UNIT_SIZE
from bot.reports.weeks import Month


def unit_label(figures: WeeklyFigures, locale: Locale) -> str:
    if not figures.folded:
        return text("reports.weekly.own_unit", locale, people=figures.unit_size)
    return text(
        "reports.weekly.other_unit", locale, manager=figures.unit_manager_name, people=figures.unit_size
    )


def weekly_message(
    figures: WeeklyFigures, locale: Locale, *, chart_url: str | None = None
) -> OutgoingMessage:
    week = str(figures.week)
    if figures.unit is None:
        return OutgoingMessage(text("reports.weekly.hidden", locale, week=week, minimum=MIN_UNIT_SIZE))
    unit = unit_label(figures, locale)
    lines = [text("reports.weekly.title", locale, week=week, unit=unit)]
    if figures.folded:
        lines.append(text("reports.weekly.folded", locale, minimum=MIN_UNIT_SIZE, unit=unit))
    if not figures.unit.has_data:
        lines.append(text("reports.weekly.no_data", locale, unit=unit, week=week))
        return OutgoingMessage("\n".join(lines))
    lines.extend(_bullets(figures.unit, locale))
    return OutgoingMessage(
        "\n".join(lines),
        facts=weekly_facts(figures.unit, locale),
        image=chart_url,
        context=text("reports.weekly.footer", locale),
    )


def weekly_facts(unit: UnitFigures, locale: Locale) -> tuple[Fact, ...]:
    facts = [
        Fact(text("reports.weekly.trips_taken", locale), _split(unit.taken, locale)),
        Fact(text("reports.weekly.trips_planned", locale), _split(unit.planned, locale)),
        Fact(text("reports.weekly.nudges", locale), str(unit.nudges)),
        Fact(
            text("reports.weekly.choices", locale),
            text("reports.weekly.choices_value", locale, digital=unit.digital, hybrid=unit.hybrid),
        ),
    ]
    if unit.train:
        facts.append(Fact(text("reports.weekly.train", locale), str(unit.train)))
    facts.append(Fact(text("reports.weekly.avoided", locale), str(unit.avoided)))
    facts.extend(savings_facts(unit.hours_saved, unit.co2e_saved_kg, unit.cost_saved_sek, locale, "weekly"))
    return tuple(facts)


def savings_facts(
    hours: float, co2e_kg: float, sek: Decimal | float, locale: Locale, area: str
) -> list[Fact]:
    if not (hours or co2e_kg or sek):
        return []
    return [
        Fact(
            text(f"reports.{area}.time", locale),
            text("reports.weekly.hours_value", locale, hours=_n(hours, locale)),
        ),
        Fact(
            text(f"reports.{area}.co2e", locale),
            text("reports.weekly.co2e_value", locale, kg=_n(max(co2e_kg, 0.0), locale)),
        ),
        Fact(
            text(f"reports.{area}.money", locale),
            text("reports.weekly.money_value", locale, sek=_n(sek, locale)),
        ),
    ]


def _bullets(unit: UnitFigures, locale: Locale) -> list[str]:
    lines = []
    if unit.top_destinations:
        lines.append(text("reports.weekly.destinations", locale, list=_items(unit.top_destinations, locale)))
    if unit.reasons:
        names = tuple((text(f"nudges.reason.{key}", locale), count) for key, count in unit.reasons)
        lines.append(text("reports.weekly.reasons", locale, list=_items(names, locale)))
    lines.append(_trend(unit, locale))
    return lines


def _trend(unit: UnitFigures, locale: Locale) -> str:
    recent = format_number(unit.recent_per_week, locale, digits=1)
    base = unit.baseline
    if base.source is BaselineSource.NONE or base.trips_per_week is None:
        return text("reports.weekly.trend_no_baseline", locale, recent=recent)
    basis = (
        text("reports.weekly.basis_import", locale, weeks=base.weeks)
        if base.source is BaselineSource.IMPORT
        else text("reports.weekly.basis_first_weeks", locale)
    )
    change = unit.change_percent
    return text(
        "reports.weekly.trend",
        locale,
        recent=recent,
        baseline=format_number(base.trips_per_week, locale, digits=1),
        basis=basis,
        change=""
        if change is None
        else text("reports.weekly.change", locale, percent=signed(change, locale)),
    )


def signed(value: float, locale: Locale, digits: int = 0) -> str:
    """A change with its sign: "+12", "−33" (a real minus sign), "0"."""
    shown = format_number(abs(value), locale, digits=digits)
    if shown.strip("0,. \u00a0") == "":
        return shown
    return ("+" if value > 0 else "\u2212") + shown


def _split(split: TripSplit, locale: Locale) -> str:
    return text(
        "reports.weekly.trips_value", locale, total=split.total, under=split.under_100, over=split.over_100
    )


def _items(items: tuple[tuple[str, int], ...], locale: Locale) -> str:
    parts = [text("reports.weekly.item", locale, name=name, count=count) for name, count in items]
    return text("reports.weekly.separator", locale).join(parts)


def _n(value: Decimal | float, locale: Locale) -> str:
    return format_number(value, locale)


def month_name(month: Month, locale: Locale) -> str:
    return f"{text(f'nudges.month.{month.month}', locale)} {month.year}"


def monthly_message(figures: PersonFigures, month: Month, locale: Locale) -> OutgoingMessage:
    """The person's own figures for a month: shown only to them."""
    name = month_name(month, locale)
    title = text("reports.monthly.title", locale, month=name)
    if not (figures.nudges or figures.digital or figures.hybrid or figures.train or figures.travelled):
        return OutgoingMessage(f"{title}\n{text('reports.monthly.no_data', locale, month=name)}")
    counts = (
        ("nudges", figures.nudges),
        ("digital", figures.digital),
        ("hybrid", figures.hybrid),
        ("train", figures.train),
        ("travelled", figures.travelled),
    )
    facts = [Fact(text(f"reports.monthly.{key}", locale), str(count)) for key, count in counts if count]
    facts += savings_facts(
        figures.hours_saved, figures.co2e_saved_kg, figures.cost_saved_sek, locale, "monthly"
    )
    return OutgoingMessage(title, facts=tuple(facts), context=text("reports.monthly.footer", locale))
