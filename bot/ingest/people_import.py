"""The directory from a CSV or Excel file: email, name, office, department, manager, job title,
permissions, full-time equivalent and locale, in Swedish or English headers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from bot.domain.people import Permission, normalise_email
from bot.ingest.ports import DirectoryEntry
from bot.ingest.tabular import CellError, Row, RowError, parse_decimal

FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "email": ("e-post", "epost", "e-postadress", "mejl", "email", "e-mail", "mail", "email address", "upn"),
    "name": ("namn", "fullständigt namn", "name", "full name", "display name", "displayname"),
    "office": (
        "kontor",
        "ort",
        "arbetsort",
        "placeringsort",
        "tjänsteställe",
        "office",
        "office location",
        "location",
    ),
    "department": ("avdelning", "enhet", "organisationsenhet", "department", "unit", "team"),
    "manager": ("chef", "närmaste chef", "chefens e-post", "manager", "manager email", "supervisor"),
    "job_title": ("titel", "befattning", "roll", "yrkesroll", "job title", "title", "position"),
    "permissions": ("behörighet", "behörigheter", "rättigheter", "permissions", "roles", "access"),
    "fte": (
        "tjänstgöringsgrad",
        "sysselsättningsgrad",
        "omfattning",
        "årsarbetskraft",
        "fte",
        "full time equivalent",
    ),
    "locale": ("språk", "sprak", "locale", "language", "preferred language"),
}
_PERMISSIONS: Final = {
    "coordinator": Permission.COORDINATOR,
    "samordnare": Permission.COORDINATOR,
    "koordinator": Permission.COORDINATOR,
    "admin": Permission.ADMIN,
    "administratör": Permission.ADMIN,
    "administrator": Permission.ADMIN,
}
_LOCALES: Final = {
    "sv": "sv",
    "svenska": "sv",
    "swedish": "sv",
    "en": "en",
    "engelska": "en",
    "english": "en",
}


@dataclass
class PeopleImport:
    entries: list[DirectoryEntry] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def read_people(rows: Iterable[Row]) -> PeopleImport:
    result = PeopleImport()
    seen: dict[str, int] = {}
    for row in rows:
        try:
            entry = _entry(row)
        except _Refused as refused:
            result.errors.append(RowError(row.line, refused.field, str(refused)))
            continue
        if entry.email in seen:
            result.errors.append(
                RowError(row.line, "email", f"{entry.email} is on line {seen[entry.email]} too")
            )
            continue
        seen[entry.email] = row.line
        result.entries.append(entry)
        result.lines.append(row.line)
    return result


def _entry(row: Row) -> DirectoryEntry:
    try:
        email = normalise_email(str(row.get("email") or ""))
    except ValueError:
        raise _Refused("email", f"not an email address: {str(row.get('email') or '')[:60]!r}") from None
    manager = str(row.get("manager") or "").strip().lower() or None
    if manager is not None:
        try:
            manager = normalise_email(manager)
        except ValueError:
            raise _Refused("manager", f"give the manager's email address, not {manager[:60]!r}") from None
    return DirectoryEntry(
        email=email,
        name=str(row.get("name") or "").strip()[:200],
        office=str(row.get("office") or "").strip()[:200],
        department=str(row.get("department") or "").strip()[:200],
        manager_email=manager,
        job_title=str(row.get("job_title") or "").strip()[:200],
        permissions=_permissions(row.get("permissions")),
        fte=_fte(row.get("fte")),
        locale=_locale(row.get("locale")),
    )


def _permissions(value: object) -> frozenset[Permission]:
    found = set()
    for word in re.split(r"[,;/|\s]+", str(value or "").strip().lower()):
        if not word:
            continue
        if word not in _PERMISSIONS:
            raise _Refused("permissions", f"unknown permission {word[:30]!r} (coordinator, admin)")
        found.add(_PERMISSIONS[word])
    return frozenset(found)


def _fte(value: object) -> Decimal:
    """0.8, 0,8, 80 %, 80: a share of full time, as a number from 0 to 1."""
    if value is None:
        return Decimal("1.0")
    try:
        number = parse_decimal(value)
    except CellError as error:
        raise _Refused("fte", str(error)) from None
    if "%" in str(value) or number > 1:
        number = number / 100
    if not Decimal(0) <= number <= 1:
        raise _Refused("fte", f"must be between 0 and 1 (or 0-100 %), got {str(value)[:20]!r}")
    return number.quantize(Decimal("0.01"))


def _locale(value: object) -> str:
    text = str(value or "").strip().lower().replace("_", "-")
    if not text:
        return "sv"
    locale = _LOCALES.get(text) or _LOCALES.get(text.split("-")[0])
    if locale is None:
        raise _Refused("locale", f"unknown language {text[:20]!r} (sv or en)")
    return locale


class _Refused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
