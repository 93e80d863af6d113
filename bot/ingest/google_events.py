"""A Google Calendar event resource -> our calendar-event shape (design 4.6).

Events are listed with ``singleEvents=true`` (each occurrence its own item, ``recurringEventId`` naming
its series) and a ``fields`` mask of what we read: never summary, description or attendees' names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.events import CalendarEvent, EventStatus

SOURCE: Final = "google"
FIELDS: Final = (
    "nextPageToken,nextSyncToken,items(id,status,start,end,location,recurringEventId,hangoutLink,"
    "conferenceData(conferenceId),organizer(email),attendees(email,resource,responseStatus))"
)


class GoogleEventError(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(f"{field}: missing or unreadable")
        self.field = field


def google_time(value: Any, field: str, zone: tzinfo) -> datetime:
    """``{"dateTime": "...+01:00"}`` or an all-day ``{"date": "2026-02-04"}`` (midnight in ``zone``)."""
    if not isinstance(value, Mapping):
        raise GoogleEventError(field)
    try:
        if isinstance(value.get("dateTime"), str):
            moment = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=_zone(value.get("timeZone"), zone))
            return moment.astimezone(UTC)
        if isinstance(value.get("date"), str):
            day = date.fromisoformat(value["date"])
            return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    except ValueError:
        raise GoogleEventError(field) from None
    raise GoogleEventError(field)


def _zone(name: Any, fallback: tzinfo) -> tzinfo:
    try:
        return ZoneInfo(str(name)) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _email(value: Any) -> str:
    email = value.get("email") if isinstance(value, Mapping) else None
    return email.strip().lower() if isinstance(email, str) and "@" in email else ""


def is_cancelled(item: Mapping[str, Any]) -> bool:
    return item.get("status") == "cancelled"


def to_calendar_event(
    item: Mapping[str, Any], *, owner: str, internal: Collection[str], zone: tzinfo
) -> CalendarEvent:
    event_id = item.get("id")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        raise GoogleEventError("id")
    start = google_time(item.get("start"), "start", zone)
    end = google_time(item.get("end"), "end", zone)
    attendees = [
        _email(a)
        for a in item.get("attendees") or []
        if isinstance(a, Mapping) and not a.get("resource") and a.get("responseStatus") != "declined"
    ]
    organiser = _email(item.get("organizer")) or owner
    everyone = dict.fromkeys(e for e in [organiser, *attendees, owner] if e)
    series = item.get("recurringEventId")
    location = item.get("location")
    return CalendarEvent(
        source=SOURCE,
        event_id=event_id,
        series_id=series if isinstance(series, str) and series else None,
        organiser_email=organiser,
        start=start,
        end=end if end > start else start + timedelta(minutes=1),
        location=(location.strip()[:500] or None) if isinstance(location, str) else None,
        online=bool(item.get("hangoutLink") or item.get("conferenceData")),
        attendee_emails=tuple(e for e in everyone if e in internal),
        external_attendees=sum(1 for e in everyone if e not in internal),
        status=EventStatus.CANCELLED if is_cancelled(item) else EventStatus.CONFIRMED,
    )
