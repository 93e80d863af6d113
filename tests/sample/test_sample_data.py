from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.events import CalendarEvent, EventStatus, RequestStatus, TravelRequest
from bot.sample import (
    DATE_KEYS,
    DATETIME_KEYS,
    SampleOrganisation,
    SampleWeek,
    load_sample_organisation,
    load_sample_week,
    shift_datetime,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TOWNS = {"Stockholm", "Göteborg", "Malmö", "Umeå", "Luleå"}
EVENT_REQUIRED = {
    "source",
    "event_id",
    "organiser_email",
    "start",
    "end",
    "online",
    "attendees",
    "external_attendees",
    "status",
}
EVENT_OPTIONAL = {"series_id", "location"}
REQUEST_REQUIRED = {
    "request_id",
    "requester_email",
    "origin",
    "destination",
    "departure_date",
    "travellers",
    "status",
}
REQUEST_OPTIONAL = {"return_date", "mode", "purpose", "estimated_cost_sek"}
MODES = {"flight", "train", "bus", "car_petrol", "car_diesel", "car_electric", "taxi", "auto"}
ISO_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def org() -> SampleOrganisation:
    return load_sample_organisation()


@pytest.fixture(scope="module")
def week() -> SampleWeek:
    return load_sample_week()


def _events(week: SampleWeek) -> list[dict[str, Any]]:
    return week.calendar_events + week.calendar_updates


def _requests(week: SampleWeek) -> list[dict[str, Any]]:
    return week.travel_requests + week.request_updates


def _units(org: SampleOrganisation) -> dict[str, int]:
    return {manager.email: len(org.direct_reports(manager.email)) for manager in org.managers()}


# The organisation


def test_the_agency_is_fictional_and_uses_the_reserved_example_domain(org: SampleOrganisation) -> None:
    assert org.slug == "hallbar"
    assert org.name == "Myndigheten för hållbar samhällsplanering"
    assert org.short_name == "MHS"
    assert org.domain == "mhs.example.se"
    for person in org.people:
        assert person.email == person.email.lower()
        assert person.email.endswith("@mhs.example.se"), person.email
    assert org.settings["support_contact"]["email"].endswith("@mhs.example.se")


def test_offices_are_the_five_towns_with_stockholm_as_head_office(org: SampleOrganisation) -> None:
    assert org.offices[0].name == "Stockholm"
    assert {office.name for office in org.offices} == TOWNS
    assert {office.place for office in org.offices} == TOWNS
    assert org.headquarters == "Stockholm"
    assert {person.office for person in org.people} == TOWNS


def test_about_sixty_unique_people_most_of_them_in_stockholm(org: SampleOrganisation) -> None:
    assert len(org.people) >= 55
    emails = [person.email for person in org.people]
    assert len(set(emails)) == len(emails)
    per_office = Counter(person.office for person in org.people)
    assert per_office.most_common(1)[0][0] == "Stockholm"
    assert all(per_office[town] >= 5 for town in TOWNS)


def test_every_manager_exists_and_only_the_director_general_has_none(org: SampleOrganisation) -> None:
    emails = {person.email for person in org.people}
    tops = [person for person in org.people if person.manager_email is None]
    assert [person.job_title for person in tops] == ["Generaldirektör"]
    for person in org.people:
        assert person.manager_email is None or person.manager_email in emails, person.email
        assert person.manager_email != person.email


def test_the_hierarchy_has_no_cycles_and_reaches_the_director_general(org: SampleOrganisation) -> None:
    manager_of = {person.email: person.manager_email for person in org.people}
    for person in org.people:
        seen: set[str] = set()
        current: str | None = person.email
        while current is not None:
            assert current not in seen, f"cycle through {current}"
            seen.add(current)
            current = manager_of[current]
        assert len(seen) <= 4  # generaldirektör -> avdelningschef -> enhetschef -> staff


def test_four_departments_below_the_director_general(org: SampleOrganisation) -> None:
    departments = {person.department for person in org.people} - {"Ledning"}
    assert departments == {"Planering", "Analys", "Digitalisering", "Verksamhetsstöd"}
    heads = [person for person in org.people if person.job_title == "Avdelningschef"]
    assert sorted(person.department for person in heads) == sorted(departments)


def test_units_include_one_small_enough_for_the_privacy_threshold(org: SampleOrganisation) -> None:
    units = _units(org)
    small = [manager for manager, size in units.items() if size < 5]
    assert len(small) == 1
    assert 3 <= units[small[0]] <= 4
    assert sum(1 for size in units.values() if size >= 5) >= 5


def test_several_units_are_spread_across_cities(org: SampleOrganisation) -> None:
    spread = [
        manager
        for manager in _units(org)
        if len({person.office for person in org.direct_reports(manager)}) >= 3
    ]
    assert len(spread) >= 3


def test_exactly_one_coordinator_and_one_admin(org: SampleOrganisation) -> None:
    coordinators = [person for person in org.people if "coordinator" in person.permissions]
    admins = [person for person in org.people if "admin" in person.permissions]
    assert len(coordinators) == 1
    assert coordinators[0].job_title == "Resfria möten-samordnare"
    assert len(admins) == 1
    assert admins[0].department == "Digitalisering"
    assert all(set(person.permissions) <= {"coordinator", "admin"} for person in org.people)


def test_fte_and_locales(org: SampleOrganisation) -> None:
    assert {person.fte for person in org.people} <= {Decimal("1.0"), Decimal("0.8"), Decimal("0.5")}
    assert sum(1 for person in org.people if person.fte < 1) >= 3
    locales = Counter(person.locale for person in org.people)
    assert set(locales) == {"sv", "en"}
    assert 3 <= locales["en"] <= 8


def test_settings_give_the_digital_alternative_and_the_support_contact(org: SampleOrganisation) -> None:
    settings = org.settings
    assert "{room}" in settings["meeting_link_template"]
    assert settings["meeting_link_template"].startswith("https://mote.mhs.example.se/")
    assert settings["booking_instructions_sv"]
    assert settings["booking_instructions_en"]
    assert settings["support_contact"]["role"] == "Resfria möten-support"
    assert settings["support_contact"]["email"] == "resfritt@mhs.example.se"


def test_person_lookup(org: SampleOrganisation) -> None:
    first = org.people[0]
    assert org.person(first.email.upper()) == first
    with pytest.raises(KeyError):
        org.person("nobody@mhs.example.se")


# The week


def test_every_email_in_the_week_is_a_person_of_the_organisation(
    org: SampleOrganisation, week: SampleWeek
) -> None:
    emails = {person.email for person in org.people}
    for event in _events(week):
        assert event["organiser_email"] in emails, event["event_id"]
        for attendee in event["attendees"]:
            assert attendee["email"] in emails, (event["event_id"], attendee)
    for request in _requests(week):
        assert request["requester_email"] in emails, request["request_id"]


def test_calendar_events_keep_to_the_shape_of_design_4_6(week: SampleWeek) -> None:
    for event in _events(week):
        keys = set(event)
        assert keys >= EVENT_REQUIRED, event["event_id"]
        assert keys <= EVENT_REQUIRED | EVENT_OPTIONAL, keys - EVENT_REQUIRED - EVENT_OPTIONAL
        assert event["source"] == "sample"
        start, end = datetime.fromisoformat(event["start"]), datetime.fromisoformat(event["end"])
        assert start.tzinfo is not None
        assert end.tzinfo is not None
        assert start.utcoffset() == timedelta(hours=1)  # January: CET
        assert start < end
        assert isinstance(event["online"], bool)
        assert isinstance(event["external_attendees"], int)
        assert event["external_attendees"] >= 0
        assert event["status"] in {"confirmed", "cancelled"}
        assert event["attendees"]
        assert all(set(attendee) == {"email"} for attendee in event["attendees"])
        if "location" in event:
            assert isinstance(event["location"], str)
            assert event["location"]
        CalendarEvent(
            source=event["source"],
            event_id=event["event_id"],
            organiser_email=event["organiser_email"],
            start=start,
            end=end,
            online=event["online"],
            attendee_emails=tuple(attendee["email"] for attendee in event["attendees"]),
            external_attendees=event["external_attendees"],
            location=event.get("location"),
            series_id=event.get("series_id"),
            status=EventStatus(event["status"]),
        )


def test_travel_requests_keep_to_the_shape_of_design_4_6(week: SampleWeek) -> None:
    for request in _requests(week):
        keys = set(request)
        assert keys >= REQUEST_REQUIRED, request["request_id"]
        assert keys <= REQUEST_REQUIRED | REQUEST_OPTIONAL, keys - REQUEST_REQUIRED - REQUEST_OPTIONAL
        assert request["status"] in {status.value for status in RequestStatus}
        assert request.get("mode", "auto") in MODES
        assert isinstance(request["travellers"], int)
        TravelRequest(
            request_id=request["request_id"],
            requester_email=request["requester_email"],
            origin=request["origin"],
            destination=request["destination"],
            departure_date=date.fromisoformat(request["departure_date"]),
            travellers=request["travellers"],
            return_date=date.fromisoformat(request["return_date"]) if "return_date" in request else None,
            mode=request.get("mode"),
            estimated_cost_sek=request.get("estimated_cost_sek"),
            status=RequestStatus(request["status"]),
        )


def test_everything_happens_in_the_working_week(week: SampleWeek) -> None:
    monday = week.reference_monday
    assert monday == date(2026, 1, 12)
    days = {monday + timedelta(days=offset) for offset in range(5)}
    for event in _events(week):
        assert datetime.fromisoformat(event["start"]).date() in days
    for request in _requests(week):
        assert date.fromisoformat(request["departure_date"]) in days


def test_the_week_has_the_variety_the_demo_needs(week: SampleWeek) -> None:
    events, requests = week.calendar_events, week.travel_requests
    assert 30 <= len(events) <= 40
    assert 8 <= len(requests) <= 12
    assert len({event["event_id"] for event in events}) == len(events)
    assert len({request["request_id"] for request in requests}) == len(requests)
    assert sum(1 for event in events if event["online"]) >= 8
    assert sum(1 for event in events if event["external_attendees"] > 0) >= 4
    assert sum(1 for event in events if event.get("location", "").startswith("MHS ")) >= 4
    series = Counter(event["series_id"] for event in events if "series_id" in event)
    assert 2 in series.values()
    assert {"draft", "submitted", "approved", "booked"} <= {request["status"] for request in requests}
    assert sum(1 for request in requests if "purpose" in request) >= 2
    by_route = {(r["origin"], r["destination"], r.get("mode")): r for r in requests}
    lulea = by_route[("Stockholm", "Luleå", "flight")]
    assert lulea["travellers"] == 2
    assert (date.fromisoformat(lulea["return_date"]) - date.fromisoformat(lulea["departure_date"])).days == 1
    assert ("Umeå", "Skellefteå", "car_petrol") in by_route
    assert any(o == "Stockholm" and d == "Göteborg" for o, d, _ in by_route)
    assert any(o == "Malmö" and d == "Stockholm" for o, d, _ in by_route)


def test_updates_move_one_meeting_each_way_and_cancel_one(week: SampleWeek) -> None:
    first = {event["event_id"]: event for event in week.calendar_events}
    moved_in_person = moved_online = cancelled = 0
    for update in week.calendar_updates:
        before = first[update["event_id"]]
        if update["status"] == "cancelled":
            cancelled += 1
        elif before["online"] and not update["online"]:
            assert update["start"] != before["start"]
            assert "Umeå" in update["location"]
            moved_in_person += 1
        elif not before["online"] and update["online"]:
            assert "location" not in update
            moved_online += 1
    assert (moved_in_person, moved_online, cancelled) == (1, 1, 1)


def test_request_updates_follow_earlier_requests(week: SampleWeek) -> None:
    first = {request["request_id"]: request for request in week.travel_requests}
    statuses = []
    for update in week.request_updates:
        before = first[update["request_id"]]
        assert update["status"] != before["status"]
        assert {k: v for k, v in update.items() if k != "status"} == {
            k: v for k, v in before.items() if k != "status"
        }
        statuses.append(update["status"])
    assert statuses.count("cancelled") == 1


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _strings(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child, key)
    elif isinstance(value, str):
        yield key, value


def test_every_date_sits_under_a_key_the_loader_shifts(week: SampleWeek) -> None:
    payloads = _events(week) + _requests(week)
    dated = {key for key, text in _strings(payloads) if ISO_DATE_LIKE.search(text)}
    assert dated == DATETIME_KEYS | DATE_KEYS


# Moving the week


def test_loading_for_another_week_shifts_every_date_by_whole_days() -> None:
    original = load_sample_week()
    moved = load_sample_week(monday=date(2026, 2, 9))
    assert moved.reference_monday == date(2026, 2, 9)
    for before, after in zip(_events(original), _events(moved), strict=True):
        for key in ("start", "end"):
            delta = datetime.fromisoformat(after[key]) - datetime.fromisoformat(before[key])
            assert delta == timedelta(days=28)
        assert {k: v for k, v in after.items() if k not in DATETIME_KEYS} == {
            k: v for k, v in before.items() if k not in DATETIME_KEYS
        }
    for before, after in zip(_requests(original), _requests(moved), strict=True):
        for key in DATE_KEYS & set(before):
            delta = date.fromisoformat(after[key]) - date.fromisoformat(before[key])
            assert delta == timedelta(days=28)


def test_a_summer_week_keeps_the_local_wall_clock_time() -> None:
    moved = load_sample_week(monday=date(2026, 6, 15))
    original = load_sample_week()
    for before, after in zip(_events(original), _events(moved), strict=True):
        was = datetime.fromisoformat(before["start"]).astimezone(STOCKHOLM)
        now = datetime.fromisoformat(after["start"])
        assert now.utcoffset() == timedelta(hours=2)
        assert now.astimezone(STOCKHOLM).time() == was.time()
        assert (now.date() - was.date()).days == (date(2026, 6, 15) - date(2026, 1, 12)).days
    assert shift_datetime("2026-01-13T10:00:00+01:00", 154) == "2026-06-16T10:00:00+02:00"
    # And back into winter again.
    assert shift_datetime("2026-06-16T10:00:00+02:00", -154) == "2026-01-13T10:00:00+01:00"


def test_the_shift_keeps_wall_time_given_a_utc_timestamp() -> None:
    assert shift_datetime("2026-01-13T09:00:00+00:00", 7) == "2026-01-20T10:00:00+01:00"


def test_a_naive_time_or_a_day_that_is_not_monday_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        shift_datetime("2026-01-13T10:00:00", 1)
    with pytest.raises(ValueError, match="not a Monday"):
        load_sample_week(monday=date(2026, 6, 16))


def test_each_load_returns_fresh_payloads() -> None:
    first = load_sample_week()
    first.calendar_events[0]["status"] = "cancelled"
    assert load_sample_week().calendar_events[0]["status"] == "confirmed"
