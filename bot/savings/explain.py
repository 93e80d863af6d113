"""The "how we calculated" text: an estimate in words, naming every factor it used with source and year."""

from __future__ import annotations

from decimal import Decimal

from bot.i18n import DEFAULT_LOCALE, Locale, format_number, text
from bot.savings.factors import Factor
from bot.savings.modes import Mode
from bot.savings.places import great_circle_km
from bot.savings.result import SavingsEstimate

_NIGHTS = {0: "nights_none", 1: "nights_one"}


def explain(estimate: SavingsEstimate, locale: Locale = DEFAULT_LOCALE) -> str:
    """A short text in the chat Markdown subset (bold, bullets), in Swedish unless told otherwise."""
    lines = [_t("title", locale), *(f"- {line}" for line in _summary(estimate, locale))]
    # A blank line ends the list, so the heading is not read as part of the last bullet.
    lines += ["", _t("sources", locale, version=estimate.factors_version)]
    lines.extend(f"- {_factor_line(factor, locale)}" for factor in estimate.factors)
    return "\n".join(lines)


def _summary(estimate: SavingsEstimate, locale: Locale) -> list[str]:
    lines = [_trip(estimate, locale)]
    if estimate.mode_auto:
        lines.append(_auto(estimate, locale))
    if len(estimate.legs) > 1:
        lines.append(_legs(estimate, locale))
    lines += [_distance(estimate, locale), _emissions(estimate, locale), _cost(estimate, locale)]
    if estimate.mode is Mode.FLIGHT:
        lines.append(_altitude(estimate, locale))
    if estimate.nights:
        lines.append(_per_diem(estimate, locale))
    if estimate.cost.tickets:
        lines.append(_t("tickets", locale))
    return lines


def _trip(estimate: SavingsEstimate, locale: Locale) -> str:
    travellers, nights = estimate.travellers, estimate.nights
    return _t(
        "trip",
        locale,
        origin=estimate.origin.name,
        destination=estimate.destination.name,
        mode=_mode(estimate.mode, locale),
        direction=_t("round_trip" if estimate.round_trip else "one_way", locale),
        travellers=_t("travellers_one" if travellers == 1 else "travellers_many", locale, count=travellers),
        nights=_t(_NIGHTS.get(nights, "nights_many"), locale, count=nights),
    )


def _auto(estimate: SavingsEstimate, locale: Locale) -> str:
    straight = great_circle_km(estimate.origin, estimate.destination)
    return _t(
        "auto",
        locale,
        km=format_number(straight, locale),
        car_max=_value(estimate, "auto.car_max_km", locale),
        train_max=_value(estimate, "auto.train_max_km", locale),
    )


def _legs(estimate: SavingsEstimate, locale: Locale) -> str:
    parts = [
        _t(
            "leg",
            locale,
            start=leg.start.name,
            end=leg.end.name,
            mode=_mode(leg.mode, locale),
            km=_km(leg.km, locale),
        )
        for leg in estimate.legs
    ]
    return _t("legs", locale, legs=_t("leg_separator", locale).join(parts))


def _distance(estimate: SavingsEstimate, locale: Locale) -> str:
    km, hours = estimate.distance_km, estimate.travel_hours
    return _t(
        "distance",
        locale,
        km=format_number(km, locale, digits=1),
        hours=format_number(hours, locale, digits=1),
    )


def _emissions(estimate: SavingsEstimate, locale: Locale) -> str:
    co2e, digital = (format_number(v, locale, digits=1) for v in (estimate.co2e_kg, estimate.digital_co2e_kg))
    return _t("emissions", locale, co2e=co2e, digital=digital)


def _cost(estimate: SavingsEstimate, locale: Locale) -> str:
    cost = estimate.cost
    parts = ("total", "tickets", "mileage", "per_diem", "hotel", "staff_time")
    amounts = {part: format_number(getattr(cost, part), locale) for part in parts}
    return _t("cost", locale, digital=format_number(estimate.digital_cost_sek, locale), **amounts)


def _altitude(estimate: SavingsEstimate, locale: Locale) -> str:
    return _t(
        "altitude",
        locale,
        total=_value(estimate, "emission.flight_domestic", locale),
        co2=_value(estimate, "emission.flight_domestic_co2", locale),
        uplift=_value(estimate, "emission.flight_altitude_uplift", locale),
    )


def _per_diem(estimate: SavingsEstimate, locale: Locale) -> str:
    min_km = _value(estimate, "policy.per_diem_min_km", locale)
    whole, half = estimate.per_diem_days
    if not whole and not half:
        return _t("per_diem_none", locale, min_km=min_km)
    whole_rate = _value(estimate, "cost.per_diem_whole_day", locale)
    half_rate = _value(estimate, "cost.per_diem_half_day", locale)
    return _t(
        "per_diem", locale, min_km=min_km, whole=whole, half=half, whole_rate=whole_rate, half_rate=half_rate
    )


def _factor_line(factor: Factor, locale: Locale) -> str:
    fields = {
        "label": text(f"savings.factor.{factor.key}", locale),
        "value": _number(factor.value, locale),
        "unit": text(f"savings.unit.{factor.unit}", locale),
        "source": factor.source,
    }
    if factor.year is None:
        return _t("factor_no_year", locale, **fields)
    return _t("factor", locale, year=factor.year, **fields)


def _value(estimate: SavingsEstimate, key: str, locale: Locale) -> str:
    factor = estimate.factor(key)
    return "?" if factor is None else _number(factor.value, locale)


def _number(value: Decimal, locale: Locale) -> str:
    """As many decimals as the factor table gives (0.007 stays 0,007), none for whole numbers."""
    exponent = value.normalize().as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(value, locale, digits=digits)


def _km(value: Decimal, locale: Locale) -> str:
    return format_number(value, locale, digits=1)


def _mode(mode: Mode, locale: Locale) -> str:
    return text(f"savings.mode.{mode}", locale)


def _t(name: str, locale: Locale, **params: object) -> str:
    return text(f"savings.explain.{name}", locale, **params)
