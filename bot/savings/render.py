"""An estimate as facts and text for people: time first, then CO2e, then money.

REMM advises leading with time and well-being: leading with money provokes resistance.
"""

from __future__ import annotations

from decimal import Decimal

from bot.i18n import Locale, format_number, text
from bot.messages import Fact
from bot.savings.result import SavingsEstimate


def hours_text(hours: Decimal, locale: Locale) -> str:
    """ "3 h 05 min"-style: whole hours and minutes read better than decimals."""
    minutes = int((hours * 60).to_integral_value())
    whole, rest = divmod(minutes, 60)
    if whole == 0:
        return text("estimate.minutes", locale, minutes=rest)
    return text("estimate.hours_minutes", locale, hours=whole, minutes=f"{rest:02d}")


def trip_line(estimate: SavingsEstimate, locale: Locale) -> str:
    key = "estimate.trip_round" if estimate.round_trip else "estimate.trip_one_way"
    return text(
        key,
        locale,
        origin=estimate.origin.name,
        destination=estimate.destination.name,
        mode=text(f"savings.mode.{estimate.mode.value}", locale),
        travellers=estimate.travellers,
    )


def savings_facts(estimate: SavingsEstimate, locale: Locale) -> tuple[Fact, ...]:
    """The saving of the digital alternative, in the order people should read it."""
    co2e = max(estimate.savings_co2e_kg, Decimal(0))
    return (
        Fact(text("estimate.fact.time", locale), hours_text(estimate.savings_hours, locale)),
        Fact(text("estimate.fact.co2e", locale), text("estimate.kg", locale, kg=format_number(co2e, locale))),
        Fact(
            text("estimate.fact.money", locale),
            text("estimate.sek", locale, sek=format_number(estimate.savings_cost_sek, locale)),
        ),
    )


def render_estimate_text(estimate: SavingsEstimate, locale: Locale) -> str:
    """Plain text for the terminal: the trip, what it costs, what a digital meeting saves."""
    lines = [trip_line(estimate, locale), ""]
    lines.append(
        text(
            "estimate.trip_costs",
            locale,
            hours=hours_text(estimate.travel_hours, locale),
            km=format_number(estimate.distance_km, locale),
            kg=format_number(estimate.co2e_kg, locale, digits=1),
            sek=format_number(estimate.cost.total, locale),
        )
    )
    lines.append("")
    lines.append(text("estimate.digital_saves", locale))
    lines.extend(f"  {fact.label}: {fact.value}" for fact in savings_facts(estimate, locale))
    return "\n".join(lines)
