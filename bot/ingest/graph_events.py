"""A Microsoft Graph event resource -> what we keep of it (design 4.6).

Only the fields in GRAPH_SELECT are read: never subject, body, or an attendee's display name. The
meeting's key across mailboxes is ``iCalUId`` (each mailbox has its own event id for the same meeting).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.events import CalendarEvent, EventStatus

SOURCE: Final = "graph"
GRAPH_SELECT: Final = (
    "start",
    "end",
    "location",
    "isOnlineMeeting",
    "attendees",
    "organizer",
    "isCancelled",
    "type",
    "seriesMasterId",
    "iCalUId",
)
# Graph answers in Windows zone names unless asked for UTC (we ask); the common European ones, in case.
_WINDOWS_ZONES: Final = {
    "W. Europe Standard Time": "Europe/Stockholm",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "FLE Standard Time": "Europe/Helsinki",
    "E. Europe Standard Time": "Europe/Chisinau",
    "Russian Standard Time": "Europe/Moscow",
    "Eastern Standard Time": "America/New_York",
    "Pacific Standard Time": "America/Los_Angeles",
    "Coordinated Universal Time": "UTC",
}


class GraphEventError(ValueError):
    """The resource lacks something we need; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class GraphEvent:
    id: str
    ical_uid: str
    start: datetime
    end: datetime
    online: bool
    organiser: str
    attendees: tuple[str, ...]
    location: str | None = None
    cancelled: bool = False
    kind: str = "singleInstance"
    series_master_id: str | None = None

    @property
    def recurring(self) -> bool:
        return self.kind in ("occurrence", "exception", "seriesMaster")


def graph_time(value: Any, field: str) -> datetime:
    """``{"dateTime": "2026-01-13T09:00:00.0000000", "timeZone": "UTC"}`` -> an aware UTC datetime."""
    if not isinstance(value, Mapping) or not isinstance(value.get("dateTime"), str):
        raise GraphEventError(field, "missing dateTime")
    try:
        local = datetime.fromisoformat(value["dateTime"])
    except ValueError:
        raise GraphEventError(field, "dateTime is not ISO 8601") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=_zone(str(value.get("timeZone") or "UTC")))
    return local.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(_WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        raise GraphEventError("timeZone", f"unknown time zone {name[:64]!r}") from None


def _address(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    return str(value.get("address") or "").strip().lower()


def _location(value: Any) -> str | None:
    """The display name and the address's street and city: enough to find the town, nothing more."""
    if not isinstance(value, Mapping):
        return None
    found = value.get("address")
    address: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    parts = [value.get("displayName"), address.get("street"), address.get("city")]
    text = ", ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())
    return text[:500] or None


def _attendees(value: Any) -> tuple[str, ...]:
    """People invited, without rooms and equipment, and without those who declined."""
    emails = []
    for attendee in value if isinstance(value, list) else []:
        if not isinstance(attendee, Mapping) or attendee.get("type") == "resource":
            continue
        status = attendee.get("status")
        if isinstance(status, Mapping) and status.get("response") == "declined":
            continue
        email = _address(attendee.get("emailAddress"))
        if "@" in email:
            emails.append(email)
    return tuple(dict.fromkeys(emails))


def read_graph_event(data: Mapping[str, Any]) -> GraphEvent:
    event_id, ical_uid = data.get("id"), data.get("iCalUId")
    if not isinstance(event_id, str) or not event_id:
        raise GraphEventError("id", "missing")
    organiser = data.get("organizer")
    organiser_email = _address(organiser.get("emailAddress")) if isinstance(organiser, Mapping) else ""
    master = data.get("seriesMasterId")
    return GraphEvent(
        id=event_id,
        ical_uid=ical_uid if isinstance(ical_uid, str) and ical_uid else event_id,
        start=graph_time(data.get("start"), "start"),
        end=graph_time(data.get("end"), "end"),
        online=data.get("isOnlineMeeting") is True,
        organiser=organiser_email,
        attendees=_attendees(data.get("attendees")),
        location=_location(data.get("location")),
        cancelled=data.get("isCancelled") is True,
        kind=str(data.get("type") or "singleInstance"),
        series_master_id=master if isinstance(master, str) and master else None,
    )


def to_calendar_event(
    event: GraphEvent, *, mailbox: str, internal: Collection[str], series_key: str | None
) -> CalendarEvent:
    """Our shape: internal attendees by email (stored as person ids), everyone else as a count."""
    organiser = event.organiser or mailbox.lower()
    everyone = dict.fromkeys([organiser, *event.attendees, mailbox.lower()])
    inside = tuple(email for email in everyone if email in internal)
    # A zero-length event (a reminder) still needs an end after its start in our shape.
    end = event.end if event.end > event.start else event.start + timedelta(minutes=1)
    return CalendarEvent(
        source=SOURCE,
        event_id=event.ical_uid,
        series_id=series_key,
        organiser_email=organiser,
        start=event.start,
        end=end,
        location=event.location,
        online=event.online,
        attendee_emails=inside,
        external_attendees=sum(1 for email in everyone if email not in internal),
        status=EventStatus.CANCELLED if event.cancelled else EventStatus.CONFIRMED,
    )
