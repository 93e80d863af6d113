"""Message catalogues: every user-facing text in Swedish (the default) and English.

Catalogues are TOML files under ``bot/i18n/<locale>/<area>.toml``; a key is ``<area>.<dotted path>``
(``savings.mode.flight``). Placeholders use ``str.format`` names: ``{km}``.
"""

from __future__ import annotations

import tomllib
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Final, Literal

Locale = Literal["sv", "en"]
SUPPORTED_LOCALES: Final[tuple[Locale, ...]] = ("sv", "en")
DEFAULT_LOCALE: Final[Locale] = "sv"


def normalise_locale(value: str | None, default: Locale = DEFAULT_LOCALE) -> Locale:
    """Map "sv-SE", "en_GB", "EN" and the like to a supported locale; anything else to ``default``."""
    if not value:
        return default
    head = value.strip().lower().replace("_", "-").split("-")[0]
    if head == "sv":
        return "sv"
    if head == "en":
        return "en"
    return default


def _flatten(prefix: str, table: dict[str, object], into: dict[str, str]) -> None:
    for key, value in table.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(path, value, into)
        else:
            into[path] = str(value)


@cache
def catalogue(locale: Locale) -> dict[str, str]:
    """All keys of one locale, loaded once per process."""
    entries: dict[str, str] = {}
    folder = resources.files(__package__).joinpath(locale)
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".toml"):
            area = item.name.removesuffix(".toml")
            _flatten(area, tomllib.loads(item.read_text(encoding="utf-8")), entries)
    return entries


def text(key: str, locale: Locale = DEFAULT_LOCALE, /, **params: object) -> str:
    """The text for ``key`` in ``locale``; a missing key raises KeyError (tests keep catalogues in step)."""
    template = catalogue(locale)[key]
    return template.format(**params) if params else template


def format_number(value: Decimal | float | int, locale: Locale = DEFAULT_LOCALE, *, digits: int = 0) -> str:
    """Swedish "12 345,6" or English "12,345.6", rounded half up."""
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    plain = f"{rounded:,.{digits}f}"
    if locale == "sv":
        return plain.replace(",", "\u00a0").replace(".", ",")
    return plain
