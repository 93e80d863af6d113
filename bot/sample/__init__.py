"""The sample organisation: a fictional agency and one believable week, for the demo and the tests.

"Myndigheten för hållbar samhällsplanering" (MHS, slug ``hallbar``) is invented; its addresses use the
reserved ``example.se`` domain so that no real person's mailbox is named. ``organisation.json`` holds five
offices (Stockholm is the head office), about sixty people with managers, departments, job titles,
permissions and locales, and the organisation's settings (meeting link template, booking instructions,
support contact: REMM step 8). ``week.json`` holds a working week of calendar events and travel requests
in exactly the shapes of design 4.6, plus ``calendar_updates`` and ``request_updates``: later versions of
some of them (a meeting moved from online to in person, one moved the other way, one cancelled, a request
submitted, a request cancelled) to be applied after the first pass so that re-evaluation shows.

The week is written for the week of ``reference_monday``; :func:`load_sample_week` can move it to any
other week, keeping every meeting at the same local wall-clock time in Europe/Stockholm. Pure: no
database, no network, nothing read at import time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DATETIME_KEYS",
    "DATE_KEYS",
    "SampleOffice",
    "SampleOrganisation",
    "SamplePerson",
    "SampleWeek",
    "load_sample_organisation",
    "load_sample_week",
    "shift_date",
    "shift_datetime",
]

SAMPLE_TIMEZONE = ZoneInfo("Europe/Stockholm")
# Every date and datetime in the week's payloads sits under one of these keys (a test checks that).
DATETIME_KEYS = frozenset({"start", "end"})
DATE_KEYS = frozenset({"departure_date", "return_date"})


@dataclass(frozen=True, slots=True)
class SampleOffice:
    name: str
    place: str  # a town name the gazetteer resolves


@dataclass(frozen=True, slots=True)
class SamplePerson:
    email: str
    name: str
    office: str  # an office name
    department: str
    manager_email: str | None  # None for the director general only
    job_title: str
    permissions: tuple[str, ...] = ()
    fte: Decimal = Decimal("1.0")
    locale: str = "sv"


@dataclass(frozen=True, slots=True)
class SampleOrganisation:
    slug: str
    name: str
    domain: str
    offices: tuple[SampleOffice, ...]
    people: tuple[SamplePerson, ...]
    settings: dict[str, Any]
    short_name: str = ""
    headquarters: str = ""  # an office name

    def person(self, email: str) -> SamplePerson:
        wanted = email.strip().lower()
        for person in self.people:
            if person.email == wanted:
                return person
        raise KeyError(email)

    def direct_reports(self, manager_email: str) -> tuple[SamplePerson, ...]:
        wanted = manager_email.strip().lower()
        return tuple(person for person in self.people if person.manager_email == wanted)

    def managers(self) -> tuple[SamplePerson, ...]:
        """People with at least one direct report, in file order (the director general first)."""
        heads = {person.manager_email for person in self.people if person.manager_email}
        return tuple(person for person in self.people if person.email in heads)


@dataclass(frozen=True, slots=True)
class SampleWeek:
    """Payloads in the shapes of design 4.6; ``reference_monday`` is the Monday of the week they fall in."""

    reference_monday: date
    calendar_events: list[dict[str, Any]]
    travel_requests: list[dict[str, Any]]
    calendar_updates: list[dict[str, Any]]
    request_updates: list[dict[str, Any]]


def _read_json(filename: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{filename}: expected a JSON object at the top")
    return data


def load_sample_organisation() -> SampleOrganisation:
    data = _read_json("organisation.json")
    offices = tuple(SampleOffice(name=str(o["name"]), place=str(o["place"])) for o in data["offices"])
    people = tuple(
        SamplePerson(
            email=str(p["email"]).lower(),
            name=str(p["name"]),
            office=str(p["office"]),
            department=str(p["department"]),
            manager_email=str(p["manager_email"]).lower() if p["manager_email"] is not None else None,
            job_title=str(p["job_title"]),
            permissions=tuple(str(permission) for permission in p["permissions"]),
            fte=Decimal(str(p["fte"])),
            locale=str(p["locale"]),
        )
        for p in data["people"]
    )
    return SampleOrganisation(
        slug=str(data["slug"]),
        name=str(data["name"]),
        domain=str(data["domain"]),
        offices=offices,
        people=people,
        settings=dict(data["settings"]),
        short_name=str(data.get("short_name", "")),
        headquarters=str(data.get("headquarters", "")),
    )


def shift_date(value: str, days: int) -> str:
    return (date.fromisoformat(value) + timedelta(days=days)).isoformat()


def shift_datetime(value: str, days: int) -> str:
    """Move an ISO 8601 time with offset by whole days, keeping its wall-clock time in Stockholm.

    A 10:00+01:00 meeting in January moved into a summer week is 10:00+02:00, not 11:00+02:00.
    """
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    wall = moment.astimezone(SAMPLE_TIMEZONE).replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=SAMPLE_TIMEZONE).isoformat()


def _shift_payload(payload: dict[str, Any], days: int) -> dict[str, Any]:
    shifted = dict(payload)
    for key, value in payload.items():
        if value is None:
            continue
        if key in DATETIME_KEYS:
            shifted[key] = shift_datetime(str(value), days)
        elif key in DATE_KEYS:
            shifted[key] = shift_date(str(value), days)
    return shifted


def _payloads(data: dict[str, Any], key: str, days: int) -> list[dict[str, Any]]:
    return [_shift_payload(item, days) for item in data.get(key, [])]


def load_sample_week(*, monday: date | None = None) -> SampleWeek:
    """The sample week, moved to the week of ``monday`` when given (every date and time, same local time).

    Each call returns fresh dictionaries, so callers may change them freely.
    """
    data = _read_json("week.json")
    reference = date.fromisoformat(str(data["reference_monday"]))
    target = reference if monday is None else monday
    if target.weekday() != 0:
        raise ValueError(f"{target.isoformat()} is not a Monday")
    days = (target - reference).days
    return SampleWeek(
        reference_monday=target,
        calendar_events=_payloads(data, "calendar_events", days),
        travel_requests=_payloads(data, "travel_requests", days),
        calendar_updates=_payloads(data, "calendar_updates", days),
        request_updates=_payloads(data, "request_updates", days),
    )
