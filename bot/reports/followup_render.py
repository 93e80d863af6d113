"""The follow-up as Markdown (for people), CSV and JSON (for spreadsheets and the yearly report)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.i18n import Locale, catalogue, format_number, text
from bot.reports.compose import signed
from bot.reports.followup import FollowUp


class Format(StrEnum):
    MD = "md"
    CSV = "csv"
    JSON = "json"


def render(report: FollowUp, output: Format, locale: Locale) -> str:
    if output is Format.JSON:
        return json.dumps(as_json(report), ensure_ascii=False, indent=2)
    if output is Format.CSV:
        return as_csv(report)
    return as_markdown(report, locale)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def as_json(report: FollowUp) -> dict[str, Any]:
    figures = report.figures
    return {
        "organisation": report.organisation,
        "year": figures.year,
        "people": figures.people,
        "fte": float(figures.fte),
        "baseline_year": report.baseline.year if report.baseline else None,
        "indicators": {
            i.key: {
                "value": float(i.value),
                "per_fte": _number(i.per_fte),
                "baseline_per_fte": _number(i.baseline_per_fte),
                "change_percent": None if i.change_percent is None else round(i.change_percent, 1),
            }
            for i in report.indicators
        },
        "naturvardsverket": {
            "digital_meetings": figures.digital_meetings,
            "co2e_kg_by_mode": {mode.mode: mode.co2e_kg for mode in figures.modes},
            "co2e_kg_total": float(figures.total("co2e_kg")),
        },
        "modes": [
            {
                "mode": mode.mode,
                "trips_under_100": mode.trips_under_100,
                "trips_over_100": mode.trips_over_100,
                "travel_days": mode.travel_days,
                "cost_sek": float(mode.cost_sek),
                "co2e_kg": mode.co2e_kg,
            }
            for mode in figures.modes
        ],
    }


CSV_HEADER = (
    "section",
    "key",
    "mode",
    "value",
    "per_fte",
    "baseline_year",
    "baseline_per_fte",
    "change_percent",
)


def as_csv(report: FollowUp) -> str:
    """One row per indicator, then one per mode for the yearly report; machine keys, dot decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    base = report.baseline.year if report.baseline else ""
    for i in report.indicators:
        change = "" if i.change_percent is None else f"{i.change_percent:.1f}"
        writer.writerow(
            ("indicator", i.key, "", i.value, _blank(i.per_fte), base, _blank(i.baseline_per_fte), change)
        )
    figures = report.figures
    writer.writerow(("naturvardsverket", "digital_meetings", "", figures.digital_meetings, "", "", "", ""))
    for mode in figures.modes:
        writer.writerow(("naturvardsverket", "co2e_kg", mode.mode, mode.co2e_kg, "", "", "", ""))
    return out.getvalue()


def _blank(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def as_markdown(report: FollowUp, locale: Locale) -> str:
    figures = report.figures
    t = _labels(locale)
    lines = [f"# {t('title', year=figures.year, organisation=report.organisation)}", ""]
    fte = format_number(figures.fte, locale, digits=2)
    lines += [t("basis", people=figures.people, fte=fte), ""]
    if not figures.has_data:
        lines += [t("no_data", year=figures.year), ""]
    lines += _indicator_table(report, locale)
    lines += ["", f"## {t('naturvardsverket')}", "", t("meetings_note", count=figures.digital_meetings), ""]
    lines += [
        f"| {t('mode')} | {t('mode_trips')} | {t('mode_co2e_kg')} | {t('mode_co2e_t')} |",
        "|---|---:|---:|---:|",
    ]
    for mode in figures.modes:
        name = catalogue(locale).get(f"savings.mode.{mode.mode}", mode.mode)
        kg = format_number(mode.co2e_kg, locale)
        tonnes = format_number(mode.co2e_kg / 1000, locale, digits=2)
        lines.append(f"| {name} | {mode.trips} | {kg} | {tonnes} |")
    return "\n".join([*lines, "", t("notes"), ""])


def _indicator_table(report: FollowUp, locale: Locale) -> list[str]:
    t = _labels(locale)
    if report.baseline is None:
        same = report.baseline_year == report.figures.year
        base_note = t("same_year") if same else t("no_baseline")
        header = f"| {t('indicator')} | {t('value')} | {t('per_fte')} |"
        rows = [header, "|---|---:|---:|"]
        rows += [
            f"| {t(i.key)} | {_fmt(i.value, locale)} | {_fmt(i.per_fte, locale, 2)} |"
            for i in report.indicators
        ]
        return [*rows, "", base_note]
    base = t("baseline", year=report.baseline.year)
    rows = [
        f"| {t('indicator')} | {t('value')} | {t('per_fte')} | {base} | {t('change')} |",
        "|---|---:|---:|---:|---:|",
    ]
    for i in report.indicators:
        change = "–" if i.change_percent is None else f"{signed(i.change_percent, locale)} %"
        rows.append(
            f"| {t(i.key)} | {_fmt(i.value, locale)} | {_fmt(i.per_fte, locale, 2)} | "
            f"{_fmt(i.baseline_per_fte, locale, 2)} | {change} |"
        )
    return rows


def _labels(locale: Locale) -> Callable[..., str]:
    def label(key: str, **params: object) -> str:
        return text(f"reports.followup.{key}", locale, **params)

    return label


def _fmt(value: Decimal | None, locale: Locale, digits: int = 0) -> str:
    return "–" if value is None else format_number(value, locale, digits=digits)
