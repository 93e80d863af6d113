"""Our own event shapes (design 4.6), validated. Webhooks, the sample week and tests all use these.

The same models generate the webhooks' OpenAPI document, so the documentation cannot drift.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)

from bot.domain.events import CalendarEvent, EventStatus, RequestStatus, TravelRequest

Id = Annotated[str, Field(min_length=1, max_length=255)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


def _iso_text(value: Any) -> Any:
    """Dates and times arrive as ISO 8601 text: a number (unix seconds) is refused, not guessed at."""
    if isinstance(value, bool | int | float):
        raise ValueError("must be an ISO 8601 date or time as text")
    return value


# Strict scalars: JSON's false is not 0, "2" is not 2 and "true" is not true. Lax coercion would accept
# a sender's bug silently; the documented types are what the webhooks take.
When = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
Day = Annotated[date, BeforeValidator(_iso_text)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Attendee(_Shape):
    email: EmailStr


class CalendarEventShape(_Shape):
    source: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_.-]+$")]
    event_id: Id
    series_id: Id | None = None
    organiser_email: EmailStr
    start: When
    end: When
    location: Annotated[str, Field(max_length=500)] | None = None
    online: StrictBool
    attendees: Annotated[list[Attendee], Field(max_length=1000)] = []
    external_attendees: Annotated[StrictInt, Field(ge=0, le=10000)] = 0
    status: Literal["confirmed", "cancelled"] = "confirmed"

    @model_validator(mode="after")
    def _end_after_start(self) -> CalendarEventShape:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def to_domain(self) -> CalendarEvent:
        return CalendarEvent(
            source=self.source,
            event_id=self.event_id,
            series_id=self.series_id,
            organiser_email=str(self.organiser_email).lower(),
            start=self.start,
            end=self.end,
            location=self.location,
            online=self.online,
            attendee_emails=tuple(str(a.email).lower() for a in self.attendees),
            external_attendees=self.external_attendees,
            status=EventStatus(self.status),
        )


class TravelRequestShape(_Shape):
    request_id: Id
    requester_email: EmailStr
    origin: Text
    destination: Text
    departure_date: Day
    return_date: Day | None = None
    travellers: Annotated[StrictInt, Field(ge=1, le=500)] = 1
    mode: (
        Literal["flight", "train", "bus", "car_petrol", "car_diesel", "car_electric", "taxi", "auto"] | None
    ) = None
    # Accepted because travel systems send it, but never stored: it may describe people or matters.
    purpose: Annotated[str, Field(max_length=2000)] | None = None
    estimated_cost_sek: Annotated[StrictFloat, Field(ge=0, le=10_000_000)] | None = None
    status: Literal["draft", "submitted", "approved", "booked", "cancelled"] = "submitted"

    @model_validator(mode="after")
    def _return_after_departure(self) -> TravelRequestShape:
        if self.return_date is not None and self.return_date < self.departure_date:
            raise ValueError("return_date is before departure_date")
        return self

    def to_domain(self) -> TravelRequest:
        return TravelRequest(
            request_id=self.request_id,
            requester_email=str(self.requester_email).lower(),
            origin=self.origin,
            destination=self.destination,
            departure_date=self.departure_date,
            return_date=self.return_date,
            travellers=self.travellers,
            mode=self.mode,
            estimated_cost_sek=self.estimated_cost_sek,
            status=RequestStatus(self.status),
        )


class ShapeError(ValueError):
    """A payload does not have our shape; ``field`` names the first offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def _first_error(error: ValidationError) -> ShapeError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ()))
    return ShapeError(field, str(first.get("msg", "invalid")))


def parse_calendar_event(data: Any) -> CalendarEvent:
    try:
        return CalendarEventShape.model_validate(data).to_domain()
    except ValidationError as error:
        raise _first_error(error) from None


def parse_travel_request(data: Any) -> TravelRequest:
    try:
        return TravelRequestShape.model_validate(data).to_domain()
    except ValidationError as error:
        raise _first_error(error) from None
