"""The 12-week trend against the baseline as a PNG (matplotlib's Agg canvas: no display, no pyplot).

A chart is described by a small JSON-safe ``spec`` first; the PNG is drawn from it when someone first
looks, so sending thousands of summaries does not wait for thousands of drawings.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

from bot.i18n import Locale, format_number, normalise_locale, text
from bot.reports.figures import UnitFigures

TRIPS_COLOUR = "#1f5f8b"  # dark blue and a light green stay apart for the common colour-vision deficiencies
AVOIDED_COLOUR = "#8cc084"
BASELINE_COLOUR = "#b2182b"


def chart_spec(unit: UnitFigures, unit_label: str, locale: Locale) -> dict[str, Any]:
    return {
        "locale": locale,
        "unit": unit_label,
        "weeks": [f"W{point.week.week:02d}" for point in unit.trend],
        "trips": [point.trips for point in unit.trend],
        "avoided": [point.avoided for point in unit.trend],
        "baseline": unit.baseline.trips_per_week,
    }


def chart_id(organisation_id: int, spec: dict[str, Any]) -> str:
    """The same picture for the same organisation gets the same id, so reruns store nothing twice."""
    blob = json.dumps({"organisation": organisation_id, "spec": spec}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


def render_png(spec: dict[str, Any]) -> bytes:
    # Imported here: the CLI and the web server start without loading matplotlib until a chart is drawn.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    locale = normalise_locale(str(spec.get("locale", "sv")))
    weeks, trips, avoided = list(spec["weeks"]), list(spec["trips"]), list(spec["avoided"])
    figure = Figure(figsize=(8, 4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(weeks)))
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        trips,
        width,
        color=TRIPS_COLOUR,
        label=text("reports.chart.trips", locale),
    )
    axes.bar(
        [p + width / 2 for p in positions],
        avoided,
        width,
        color=AVOIDED_COLOUR,
        label=text("reports.chart.avoided", locale),
    )
    baseline = spec.get("baseline")
    if baseline is not None:
        label = text("reports.chart.baseline", locale, value=format_number(float(baseline), locale, digits=1))
        axes.axhline(float(baseline), color=BASELINE_COLOUR, linestyle="--", linewidth=1.5, label=label)
    axes.set_xticks(positions, weeks)
    axes.set_xlabel(text("reports.chart.week", locale))
    axes.set_title(text("reports.chart.title", locale, unit=spec.get("unit", "")), loc="left")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    figure.legend(frameon=False, loc="outside lower center", ncols=3, fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
