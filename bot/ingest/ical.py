"""iCalendar (RFC 5545) -> occurrences in a window, in our calendar-event shape.

Parsing is icalendar's (folded lines, escaping, VTIMEZONE with TZID, also non-IANA names such as
Outlook's "W. Europe Standard Time"); recurrence is recurring-ical-events' (RRULE, RDATE, EXDATE and
moved or cancelled instances by RECURRENCE-ID). Floating and all-day times are the person's time zone.
Never read: SUMMARY, DESCRIPTION or attendees' names.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Final

import icalendar
import recurring_ical_events

from bot.domain.events import CalendarEvent, EventStatus

SOURCE: Final = "ics"
WINDOW_DAYS: Final = 60
MAX_BYTES: Final = 5 * 1024 * 1024
MAX_OCCURRENCES: Final = 5000
_ONLINE_HINTS: Final = ("teams.microsoft.com", "microsoft teams", "zoom.us", "meet.google.com", "webex.com")
_ONLINE_PROPERTIES: Final = ("X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-GOOGLE-CONFERENCE", "CONFERENCE")


class IcsError(ValueError):
    """The data is not an iCalendar we can read."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    key: str
    start: datetime
    end: datetime
    series: str | None = None
    location: str | None = None
    online: bool = False
    organiser: str | None = None
    attendees: tuple[str, ...] = ()
    cancelled: bool = False

    @property
    def seen(self) -> str:
        """What a feed remembers of this occurrence: its key and when it starts (ids and times only)."""
        return f"{self.key} {self.start.isoformat()}"


def read_ics(data: bytes, *, since: datetime, zone: tzinfo, days: int = WINDOW_DAYS) -> list[Occurrence]:
    if len(data) > MAX_BYTES:
        raise IcsError("the calendar is larger than 5 MB")
    try:
        calendar = icalendar.Calendar.from_ical(data)
        found = recurring_ical_events.of(calendar).between(since, since + timedelta(days=days))
    except Exception as error:  # both libraries raise many kinds for broken input
        raise IcsError(f"not a readable iCalendar ({type(error).__name__})") from None
    if len(found) > MAX_OCCURRENCES:
        raise IcsError(f"more than {MAX_OCCURRENCES} occurrences in {days} days")
    cancelled_all = str(calendar.get("METHOD", "")).upper() == "CANCEL"
    per_uid = Counter(str(event.get("UID", "")) for event in found)
    occurrences = []
    for event in found:
        occurrence = _occurrence(event, zone, per_uid, cancelled_all)
        if occurrence is not None:
            occurrences.append(occurrence)
    return occurrences


def _occurrence(event: Any, zone: tzinfo, per_uid: Counter[str], cancelled_all: bool) -> Occurrence | None:
    uid = str(event.get("UID", "")).strip()
    if not uid or event.get("DTSTART") is None:
        return None
    start = _moment(event.get("DTSTART").dt, zone)
    end = _end(event, start, zone)
    original = event.get("RECURRENCE-ID")
    recurring = per_uid[uid] > 1 or event.get("RRULE") is not None or event.get("RDATE") is not None
    instant = _moment(original.dt, zone) if original is not None and recurring else None
    key = uid if instant is None else f"{uid}/{instant.isoformat()}"
    if len(key) > 200:
        key = hashlib.sha256(key.encode()).hexdigest()
    location = str(event.get("LOCATION", "")).strip()[:500] or None
    return Occurrence(
        key=key,
        start=start,
        end=end,
        series=(uid if len(uid) <= 200 else hashlib.sha256(uid.encode()).hexdigest()) if recurring else None,
        location=location,
        online=_online(event, location),
        organiser=_address(event.get("ORGANIZER")),
        attendees=_attendees(event.get("ATTENDEE")),
        cancelled=cancelled_all or str(event.get("STATUS", "")).upper() == "CANCELLED",
    )


def _moment(value: date | datetime, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):  # an all-day event: midnight where the person is
        value = datetime(value.year, value.month, value.day)  # noqa: DTZ001 (zone added next)
    if value.tzinfo is None:  # floating time: the person's wall clock
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _end(event: Any, start: datetime, zone: tzinfo) -> datetime:
    if event.get("DTEND") is not None:
        end = _moment(event.get("DTEND").dt, zone)
    elif event.get("DURATION") is not None:
        end = start + event.get("DURATION").dt
    else:
        end = start
    return end if end > start else start + timedelta(minutes=1)


def _address(value: Any) -> str | None:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.lower() if "@" in text and " " not in text else None


def _attendees(value: Any) -> tuple[str, ...]:
    """People invited: without rooms and resources, and without those who declined."""
    emails = []
    for attendee in value if isinstance(value, list) else [value] if value is not None else []:
        params = getattr(attendee, "params", {})
        if str(params.get("CUTYPE", "")).upper() in ("ROOM", "RESOURCE"):
            continue
        if str(params.get("PARTSTAT", "")).upper() == "DECLINED":
            continue
        if email := _address(attendee):
            emails.append(email)
    return tuple(dict.fromkeys(emails))


def _online(event: Any, location: str | None) -> bool:
    if any(event.get(name) is not None for name in _ONLINE_PROPERTIES):
        return True
    texts = [location or "", str(event.get("URL", ""))]
    return any(hint in text.lower() for text in texts for hint in _ONLINE_HINTS)


def to_calendar_event(occurrence: Occurrence, *, owner: str, internal: Collection[str]) -> CalendarEvent:
    """The feed's owner is always among the attendees; the organiser is the owner when none is named."""
    organiser = occurrence.organiser or owner
    everyone = dict.fromkeys([organiser, *occurrence.attendees, owner])
    return CalendarEvent(
        source=SOURCE,
        event_id=occurrence.key,
        series_id=occurrence.series,
        organiser_email=organiser,
        start=occurrence.start,
        end=occurrence.end,
        location=occurrence.location,
        online=occurrence.online,
        attendee_emails=tuple(email for email in everyone if email in internal),
        external_attendees=sum(1 for email in everyone if email not in internal),
        status=EventStatus.CANCELLED if occurrence.cancelled else EventStatus.CONFIRMED,
    )


def gone(previous: Sequence[str], current_keys: Collection[str], *, now: datetime) -> list[str]:
    """Keys of occurrences a feed listed before, that have not started yet and are no longer there."""
    keys = []
    for entry in previous:
        key, _, start = entry.rpartition(" ")
        try:
            starts = datetime.fromisoformat(start)
        except ValueError:
            continue
        if key and key not in current_keys and starts > now:
            keys.append(key)
    return keys
