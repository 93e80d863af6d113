"""Past travel from a travel agency's or expense system's export: the baseline of REMM step 1.

Each row becomes a trip with source "import"; distance, kg CO2e and cost come from the export when it
has them and from the savings estimator when it does not. Rows are checked first, all of them; the
caller then stores every trip in one transaction, or (with skip_invalid) the valid ones.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from bot.domain.organisations import Office, Organisation
from bot.domain.people import Person
from bot.domain.records import TripWrite
from bot.ingest.tabular import CellError, Row, RowError, parse_date, parse_decimal, parse_int
from bot.nudges.decide import organisation_factors
from bot.nudges.detect import office_place
from bot.savings.estimate import EstimateError, TripSpec, estimate
from bot.savings.modes import Mode
from bot.savings.places import Gazetteer, Place, PlaceError
from bot.savings.result import SavingsEstimate

SOURCE: Final = "import"
FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "departure_date": (
        "avresedatum",
        "avresa",
        "utresa",
        "utresedatum",
        "resedatum",
        "datum",
        "startdatum",
        "date",
        "departure date",
        "departure",
        "travel date",
        "start date",
        "outbound date",
    ),
    "return_date": (
        "hemresa",
        "hemresedatum",
        "returdatum",
        "retur",
        "slutdatum",
        "return date",
        "return",
        "end date",
        "inbound date",
    ),
    "origin": ("från", "fran", "avreseort", "startort", "origin", "from", "departure city", "from city"),
    "destination": (
        "till",
        "destination",
        "resmål",
        "resmal",
        "destinationsort",
        "ankomstort",
        "to",
        "to city",
    ),
    "mode": (
        "färdsätt",
        "fardsatt",
        "transportsätt",
        "transport",
        "färdmedel",
        "mode",
        "travel mode",
        "type",
    ),
    "traveller": (
        "resenär",
        "resenar",
        "e-post",
        "epost",
        "e-postadress",
        "mejl",
        "email",
        "e-mail",
        "mail",
        "traveller",
        "traveler",
        "traveller email",
        "traveler email",
        "employee email",
    ),
    "travellers": ("antal", "antal resenärer", "resenärer", "travellers", "travelers", "passengers", "pax"),
    "cost_sek": (
        "kostnad",
        "belopp",
        "pris",
        "summa",
        "totalbelopp",
        "kostnad kr",
        "kostnad sek",
        "cost",
        "amount",
        "price",
        "total",
        "total cost",
        "cost sek",
    ),
    "distance_km": ("avstånd", "avstand", "distans", "sträcka", "km", "distance", "distance km"),
    "co2e_kg": ("co2", "co2e", "koldioxid", "utsläpp", "utslapp", "co2e kg", "kg co2e", "emissions"),
    "round_trip": ("tur och retur", "tur retur", "round trip", "return trip"),
    "reference": (
        "bokningsnummer",
        "bokningsnr",
        "referens",
        "booking reference",
        "booking ref",
        "reference",
        "id",
    ),
}
_MODES: Final = {
    Mode.FLIGHT: ("flyg", "flight", "air", "plane", "flygresa", "inrikesflyg", "fly"),
    Mode.TRAIN: ("tåg", "tag", "train", "rail", "järnväg", "jarnvag", "tågresa", "sj"),
    Mode.BUS: ("buss", "bus", "coach", "långfärdsbuss"),
    Mode.CAR_PETROL: (
        "bil",
        "car",
        "egen bil",
        "hyrbil",
        "rental car",
        "bensinbil",
        "car petrol",
        "private car",
    ),
    Mode.CAR_DIESEL: ("dieselbil", "car diesel", "diesel"),
    Mode.CAR_ELECTRIC: ("elbil", "electric car", "car electric", "ev"),
    Mode.TAXI: ("taxi", "cab"),
}
_MODE_WORDS: Final = {word: mode for mode, words in _MODES.items() for word in words} | {
    m.value: m for m in Mode
}
_YES: Final = frozenset({"ja", "j", "yes", "y", "1", "true", "x", "tur och retur", "t/r", "tr"})


@dataclass
class TravelImport:
    trips: list[TripWrite] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    estimated: int = 0
    unknown_travellers: int = 0

    @property
    def baseline(self) -> tuple[float, float, Decimal]:
        """(km, kg CO2e, SEK) of the valid rows."""
        km = sum(t.distance_km for t in self.trips)
        return km, sum(t.co2e_kg for t in self.trips), sum((t.cost_sek for t in self.trips), Decimal(0))


class TripReader:
    """Rows -> TripWrite, resolving places with the gazetteer and the traveller's office."""

    def __init__(
        self,
        *,
        organisation: Organisation,
        people: Mapping[str, Person],
        offices: Mapping[int, Office],
        gazetteer: Gazetteer,
        today: date,
    ) -> None:
        self._organisation, self._people, self._offices = organisation, people, offices
        self._gazetteer, self._today = gazetteer, today
        self._factors = organisation_factors(organisation)
        self._seen: Counter[str] = Counter()

    def read(self, rows: Iterable[Row]) -> TravelImport:
        result = TravelImport()
        for row in rows:
            result.rows += 1
            try:
                trip, estimated, known = self._trip(row)
            except _Refused as refused:
                result.errors.append(RowError(row.line, refused.field, str(refused)))
                continue
            result.trips.append(trip)
            result.estimated += int(estimated)
            result.unknown_travellers += int(not known)
        return result

    def _trip(self, row: Row) -> tuple[TripWrite, bool, bool]:
        departure = _cell(row, "departure_date", parse_date, required=True)
        back = _cell(row, "return_date", parse_date)
        if back is not None and back < departure:
            raise _Refused("return_date", f"{back} is before the departure {departure}")
        email = str(row.get("traveller") or "").strip().lower()
        if email and ("@" not in email or " " in email):
            raise _Refused("traveller", f"not an email address: {email[:60]!r}")
        person = self._people.get(email) if email else None
        origin = self._place(row, "origin", person)
        destination = self._place(row, "destination", None)
        mode = self._mode(row)
        travellers = _cell(row, "travellers", lambda v: parse_int(v, low=1, high=500)) or 1
        round_trip = back is not None or str(row.get("round_trip") or "").strip().lower() in _YES
        nights = (back - departure).days if back else 0
        given = {name: _cell(row, name, _non_negative) for name in ("distance_km", "co2e_kg", "cost_sek")}
        estimated = None
        if mode is Mode.AUTO or any(value is None for value in given.values()):
            estimated = self._estimate(TripSpec(origin, destination, mode, travellers, round_trip, nights))
        trip = TripWrite(
            organisation_id=self._organisation.id,
            person_id=person.id if person else None,
            source=SOURCE,
            source_id=self._source_id(row, email, departure, origin, destination, mode),
            origin_name=origin.name,
            destination_name=destination.name,
            destination_key=destination.key,
            departure_date=departure,
            return_date=back,
            nights=nights,
            mode=estimated.mode.value if estimated else mode.value,
            travellers=travellers,
            distance_km=float(_pick(given["distance_km"], estimated.distance_km if estimated else None)),
            co2e_kg=float(_pick(given["co2e_kg"], estimated.co2e_kg if estimated else None)),
            cost_sek=_pick(given["cost_sek"], estimated.cost.total if estimated else None).quantize(
                Decimal("0.01")
            ),
            status="taken" if departure <= self._today else "booked",
            department=person.department if person else "",
        )
        return trip, estimated is not None, person is not None or not email

    def _place(self, row: Row, name: str, person: Person | None) -> Place:
        text = str(row.get(name) or "").strip()
        if not text:
            office = self._offices.get(person.office_id) if person and person.office_id else None
            if name == "origin" and office is not None:
                return office_place(office)
            raise _Refused(
                name, "is empty" + (" and the traveller has no known office" if name == "origin" else "")
            )
        try:
            return self._gazetteer.resolve(text)
        except PlaceError as error:
            raise _Refused(name, str(error)) from None

    def _mode(self, row: Row) -> Mode:
        text = " ".join(str(row.get("mode") or "").strip().lower().replace("_", " ").split())
        if not text:
            return Mode.AUTO
        found = _MODE_WORDS.get(text) or _MODE_WORDS.get(text.replace(" ", "_"))
        if found is None:
            raise _Refused("mode", f"unknown mode {text[:30]!r} (flyg, tåg, buss, bil, elbil, taxi)")
        return found

    def _estimate(self, spec: TripSpec) -> SavingsEstimate:
        try:
            return estimate(spec, factors=self._factors, airports=self._gazetteer)
        except EstimateError as error:
            raise _Refused("destination", str(error)) from None

    def _source_id(
        self, row: Row, email: str, departure: date, origin: Place, destination: Place, mode: Mode
    ) -> str:
        """The export's own reference when it has one; else the trip's facts (re-importing the same file
        updates instead of duplicating; two identical trips in one file stay two)."""
        reference = str(row.get("reference") or "").strip()
        facts = reference or "|".join([email, departure.isoformat(), origin.key, destination.key, mode.value])
        self._seen[facts] += 1
        digest = hashlib.sha256(f"{facts}#{self._seen[facts]}".encode()).hexdigest()[:40]
        return f"ref:{reference[:200]}#{self._seen[facts]}" if reference else digest


class _Refused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _cell(row: Row, name: str, parse: Any, *, required: bool = False) -> Any:
    value = row.get(name)
    if value is None:
        if required:
            raise _Refused(name, "is empty")
        return None
    try:
        return parse(value)
    except CellError as error:
        raise _Refused(name, str(error)) from None


def _non_negative(value: Any) -> Decimal:
    number = parse_decimal(value)
    if number < 0:
        raise CellError(f"cannot be negative, got {str(value)[:20]!r}")
    return number


def _pick(given: Decimal | None, estimated: Decimal | None) -> Decimal:
    return given if given is not None else (estimated if estimated is not None else Decimal(0))
