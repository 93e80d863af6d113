"""Does this meeting or travel request imply a trip, and for whom? Each candidate carries its estimate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.events import CalendarEvent, TravelRequest
from bot.domain.organisations import Office
from bot.domain.people import Person
from bot.savings.estimate import TripSpec, estimate
from bot.savings.factors import FactorTable
from bot.savings.modes import Mode
from bot.savings.places import Gazetteer, Place, PlaceError, great_circle_km
from bot.savings.result import SavingsEstimate

# Closer than this is the same town: walking or local transport, not a trip.
SAME_PLACE_KM = 5.0


class UnknownPlace(ValueError):
    """A request names a place the gazetteer does not know; carries suggestions for the reply."""

    def __init__(self, field: str, query: str, suggestions: Sequence[str] = ()) -> None:
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"{field}: unknown place {query!r}{hint}")
        self.field, self.query, self.suggestions = field, query, tuple(suggestions)


@dataclass(frozen=True, slots=True)
class TripCandidate:
    person: Person
    estimate: SavingsEstimate
    starts_at: datetime
    trip_date: date

    @property
    def hours_one_way(self) -> float:
        legs = self.estimate.legs
        return float(sum((leg.hours for leg in legs), start=0)) if legs else float(self.estimate.travel_hours)

    @property
    def distance_one_way_km(self) -> float:
        return great_circle_km(self.estimate.origin, self.estimate.destination)


def office_place(office: Office) -> Place:
    return Place(key=office.place_key, name=office.place_name, lat=office.lat, lon=office.lon)


class Detector:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self._gazetteer = gazetteer
        # The gazetteer and the factor tables do not change while the process runs, so a place found in
        # a location text, and an estimate for a trip, hold until it ends. An organisation meets in the
        # same few places, so on the event path these two were most of the CPU outside the database.
        self._place_in = lru_cache(maxsize=4096)(self._find_place)
        self._estimate = lru_cache(maxsize=1024)(self._estimate_uncached)

    def meeting_place(self, location: str | None, organiser_office: Place | None) -> Place | None:
        """The town a location names ("MHS Umeå, Storgatan 12"); a room name means the organiser's office."""
        found = self._place_in(location) if location else None
        return found or organiser_office

    def _find_place(self, location: str) -> Place | None:
        found = self._gazetteer.find_in_text(location)
        return found[0][2] if found else None

    def _estimate_uncached(self, spec: TripSpec, factors: FactorTable) -> SavingsEstimate:
        return estimate(spec, factors=factors, airports=self._gazetteer)

    def meeting_candidates(
        self,
        event: CalendarEvent,
        place: Place | None,
        attendees: Sequence[Person],
        offices: Mapping[int, Office],
        factors: FactorTable,
    ) -> list[TripCandidate]:
        if event.online or place is None:
            return []
        candidates = []
        for person in attendees:
            office = offices.get(person.office_id) if person.office_id else None
            if office is None or great_circle_km(office_place(office), place) < SAME_PLACE_KM:
                continue
            spec = TripSpec(office_place(office), place, Mode.AUTO, 1, True, _nights(event, person.timezone))
            result = self._estimate(spec, factors)
            candidates.append(
                TripCandidate(person, result, event.start, _local_date(event.start, person.timezone))
            )
        return candidates

    def request_candidate(
        self, request: TravelRequest, requester: Person, home: Office | None, factors: FactorTable
    ) -> TripCandidate | None:
        """None when origin and destination are the same town; UnknownPlace when a name is not a place."""
        origin = self._resolve("origin", request.origin, fallback=office_place(home) if home else None)
        destination = self._resolve("destination", request.destination, fallback=None)
        if great_circle_km(origin, destination) < SAME_PLACE_KM:
            return None
        mode = Mode(request.mode) if request.mode in {m.value for m in Mode} else Mode.AUTO
        spec = TripSpec(origin, destination, mode, request.travellers, True, request.nights)
        result = self._estimate(spec, factors)
        zone = ZoneInfo(requester.timezone)
        starts = datetime.combine(request.departure_date, datetime.min.time(), zone).replace(hour=7)
        return TripCandidate(requester, result, starts, request.departure_date)

    def _resolve(self, field: str, query: str, *, fallback: Place | None) -> Place:
        try:
            return self._gazetteer.resolve(query)
        except PlaceError as error:
            if fallback is not None and field == "origin":
                return fallback
            suggestions = getattr(error, "suggestions", ()) or tuple(
                p.name for p in getattr(error, "candidates", ())
            )
            raise UnknownPlace(field, query, suggestions) from None


def _local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def _nights(event: CalendarEvent, timezone: str) -> int:
    """A meeting over several days means nights away; one day means a day trip."""
    return max(0, (_local_date(event.end, timezone) - _local_date(event.start, timezone)).days)
