"""Calendar events and travel requests in the shapes of design 4.6, already validated.

Never a title, body, purpose text or external attendee's name: those stay at the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class EventStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    BOOKED = "booked"
    CANCELLED = "cancelled"

    @property
    def still_open(self) -> bool:
        """Before booking the decision can still change, so that is when a nudge is worth most."""
        return self in (RequestStatus.DRAFT, RequestStatus.SUBMITTED)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    source: str
    event_id: str
    organiser_email: str
    start: datetime
    end: datetime
    online: bool
    attendee_emails: tuple[str, ...] = ()
    external_attendees: int = 0
    location: str | None = None
    series_id: str | None = None
    status: EventStatus = EventStatus.CONFIRMED

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a UTC offset")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.external_attendees < 0:
            raise ValueError("external_attendees cannot be negative")

    @property
    def subject(self) -> str:
        """One decision per meeting series (or single event): the outbox key of design 4.5."""
        return f"meeting:{self.source}:{self.series_id or self.event_id}"


@dataclass(frozen=True, slots=True)
class TravelRequest:
    request_id: str
    requester_email: str
    origin: str
    destination: str
    departure_date: date
    travellers: int = 1
    return_date: date | None = None
    mode: str | None = None
    estimated_cost_sek: float | None = None
    status: RequestStatus = RequestStatus.SUBMITTED

    def __post_init__(self) -> None:
        if not 1 <= self.travellers <= 500:
            raise ValueError("travellers must be between 1 and 500")
        if self.return_date is not None and self.return_date < self.departure_date:
            raise ValueError("return_date is before departure_date")

    @property
    def subject(self) -> str:
        return f"travel:{self.request_id}"

    @property
    def nights(self) -> int:
        return (self.return_date - self.departure_date).days if self.return_date else 0
