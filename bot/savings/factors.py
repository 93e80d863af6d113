"""The cited factor table: every emission factor, distance, speed, time and price an estimate uses.

The base table is ``factors.toml`` in this package, loaded once per process. Organisations override
single values; an overridden factor carries the override's source, so every estimate shows it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from types import MappingProxyType

OverrideValue = Decimal | float | int | str


@dataclass(frozen=True, slots=True)
class Factor:
    """One cited value. ``year`` is None for an override given without a year."""

    key: str
    value: Decimal
    unit: str
    source: str
    year: int | None
    note: str = ""


# eq=False: tables compare and hash by identity, so derived rates can be cached per table.
@dataclass(frozen=True, eq=False)
class FactorTable:
    version: str
    factors: Mapping[str, Factor]
    overridden: frozenset[str] = field(default=frozenset())

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, OverrideValue] | None = None,
        *,
        override_source: str = "organisation setting",
        override_year: int | None = None,
    ) -> FactorTable:
        """The packaged table (parsed once), with ``overrides`` replacing single values."""
        base = _base_table()
        if not overrides:
            return base
        return base.with_overrides(overrides, source=override_source, year=override_year)

    def with_overrides(
        self, overrides: Mapping[str, OverrideValue], *, source: str, year: int | None
    ) -> FactorTable:
        """A new table; an unknown key or a value that is not a positive number raises ValueError."""
        replaced = dict(self.factors)
        for key, raw in overrides.items():
            if key not in replaced:
                raise ValueError(f"unknown factor {key!r} in overrides")
            old = replaced[key]
            note = f"Overrides {old.value} {old.unit} ({old.source})"
            replaced[key] = Factor(key, _override_value(key, raw), old.unit, source, year, note)
        return FactorTable(self.version, MappingProxyType(replaced), self.overridden | set(overrides))

    def get(self, key: str) -> Factor:
        try:
            return self.factors[key]
        except KeyError:
            raise KeyError(f"unknown factor {key!r}") from None

    def value(self, key: str) -> Decimal:
        return self.get(key).value

    def with_prefix(self, prefix: str) -> tuple[Factor, ...]:
        """Factors whose key starts with ``prefix`` ("route.rail."), in table order."""
        return tuple(factor for key, factor in self.factors.items() if key.startswith(prefix))

    def __iter__(self) -> Iterator[Factor]:
        return iter(self.factors.values())

    def __len__(self) -> int:
        return len(self.factors)


def _override_value(key: str, raw: OverrideValue) -> Decimal:
    # bool is an int subclass; True as a price is a mistake, not 1 SEK.
    if isinstance(raw, bool) or not isinstance(raw, Decimal | float | int | str):
        raise ValueError(f"factor {key!r}: override must be a number, got {raw!r}")
    try:
        value = Decimal(raw.strip()) if isinstance(raw, str) else Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"factor {key!r}: override must be a number, got {raw!r}") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"factor {key!r}: override must be a positive number, got {raw!r}")
    return value


@cache
def _base_table() -> FactorTable:
    raw = resources.files(__package__).joinpath("factors.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    factors: dict[str, Factor] = {}
    for name, item in data.items():
        if isinstance(item, dict):
            _collect(name, item, factors)
    return FactorTable(str(data["version"]), MappingProxyType(factors))


def _collect(prefix: str, table: dict[str, object], into: dict[str, Factor]) -> None:
    if "value" in table:
        into[prefix] = _parse_factor(prefix, table)
        return
    for name, item in table.items():
        if not isinstance(item, dict):
            raise ValueError(f"factors.toml: {prefix}.{name} is neither a factor nor a group")
        _collect(f"{prefix}.{name}", item, into)


def _parse_factor(key: str, entry: Mapping[str, object]) -> Factor:
    value, unit, source, year = (entry.get(name) for name in ("value", "unit", "source", "year"))
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"factors.toml: {key} needs a positive numeric value")
    if not (isinstance(unit, str) and isinstance(source, str) and isinstance(year, int)):
        raise ValueError(f"factors.toml: {key} needs unit, source and year")
    note = entry.get("note", "")
    return Factor(key, Decimal(str(value)), unit, source, year, str(note))
