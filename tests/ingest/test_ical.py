"""iCalendar: RFC 5545 files (folding, VTIMEZONE, recurrence) into occurrences, nudges and feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import Services
from bot.cli import app
from bot.ingest.ical import read_ics, to_calendar_event
from storage.tables import MeetingRow
from tests.fakes.clock import FakeClock
from tests.ingest.conftest import SAMPLE, outbox, rows_of
from tests.ingest.fakes import PAYLOADS, start_fake

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WEEKLY = (PAYLOADS / "ics" / "weekly_umea.ics").read_bytes()
MIXED = (PAYLOADS / "ics" / "floating_and_all_day.ics").read_bytes()
SOFIA = "sofia.akesson@mhs.example.se"
runner = CliRunner()


def test_a_weekly_series_in_a_time_zone_gives_the_right_occurrences() -> None:
    since = datetime(2026, 1, 8, 8, 0, tzinfo=UTC)

    occurrences = read_ics(WEEKLY, since=since, zone=STOCKHOLM, days=120)

    starts = [o.start for o in occurrences]
    assert starts[:4] == [
        datetime(2026, 1, 13, 9, 0, tzinfo=UTC),  # 10:00 in Stockholm, winter time
        datetime(2026, 1, 20, 12, 0, tzinfo=UTC),  # the moved instance: 13:00 local
        datetime(2026, 2, 3, 9, 0, tzinfo=UTC),  # 27 January is an EXDATE
        datetime(2026, 2, 10, 9, 0, tzinfo=UTC),
    ]
    assert starts[-1] == datetime(2026, 4, 14, 8, 0, tzinfo=UTC)  # 10:00 local in summer time
    assert len(occurrences) == 13  # 14 Tuesdays from 13 January to 14 April, less the EXDATE
    assert {o.series for o in occurrences} == {"20260113T090000Z-regionplan@mhs.example.se"}
    assert len({o.key for o in occurrences}) == 13
    moved = occurrences[1]
    assert moved.key.endswith("/2026-01-20T09:00:00+00:00")  # keyed by its original time
    assert (moved.end - moved.start).total_seconds() == 4 * 3600


def test_folded_lines_escapes_and_attendees_are_read_without_names_rooms_or_refusals() -> None:
    first = read_ics(WEEKLY, since=datetime(2026, 1, 8, tzinfo=UTC), zone=STOCKHOLM)[0]

    assert first.location == (
        "MHS Umeå, Storgatan 12, 903 26 Umeå (stora konferensrummet på plan 4, ta hissen till vänster)"
    )
    assert first.organiser == "olle.backman@mhs.example.se"
    assert first.attendees == (SOFIA, "olle.backman@mhs.example.se", "konsult@firma.example.com")
    event = to_calendar_event(first, owner=SOFIA, internal={SOFIA, "olle.backman@mhs.example.se"})
    assert (event.external_attendees, event.attendee_emails, event.online) == (
        1,
        ("olle.backman@mhs.example.se", SOFIA),
        False,
    )


def test_floating_all_day_online_and_cancelled_events() -> None:
    occurrences = {o.key: o for o in read_ics(MIXED, since=datetime(2026, 1, 8, tzinfo=UTC), zone=STOCKHOLM)}

    conference = occurrences["konferens-lulea-2026@example.se"]
    assert (conference.start, conference.end) == (
        datetime(2026, 2, 3, 23, 0, tzinfo=UTC),  # midnight in Stockholm
        datetime(2026, 2, 5, 23, 0, tzinfo=UTC),
    )
    teams = occurrences["teams-avstamning@example.se"]
    assert teams.online and teams.start == datetime(2026, 1, 16, 8, 0, tzinfo=UTC)  # floating 09:00 local
    assert occurrences["installt@example.se"].cancelled


@pytest.mark.parametrize(
    "data", [b"", b"not a calendar", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", b"\xff" * 100]
)
def test_broken_files_are_refused(data: bytes) -> None:
    from bot.ingest.ical import IcsError

    with pytest.raises(IcsError):
        read_ics(data, since=datetime(2026, 1, 8, tzinfo=UTC), zone=STOCKHOLM)


async def _people(services: Services) -> tuple[object, object]:
    organisation = await services.organisations.by_slug(SAMPLE)
    assert organisation is not None
    person = await services.people.by_email(organisation.id, SOFIA)
    assert person is not None
    return organisation, person


async def test_an_ics_file_gives_one_nudge_per_series_and_keeps_no_summary(services: Services) -> None:
    organisation, person = await _people(services)

    report = await services.ingest.ics.import_file(organisation, person, WEEKLY)  # type: ignore[arg-type]
    again = await services.ingest.ics.import_file(organisation, person, WEEKLY)  # type: ignore[arg-type]

    assert (report.occurrences, report.nudges) == (7, 1)  # Tuesdays in the 60 days from 8 January
    assert again.nudges == 0
    rows = await outbox(services)
    assert [r.key for r in rows] == ["meeting:ics:20260113T090000Z-regionplan@mhs.example.se"]
    assert "konfidentiellt" not in str(rows[0].payload) and "regionplanen" not in str(rows[0].payload)


class FeedServer:
    def __init__(self, body: bytes) -> None:
        self.body, self.requests = body, list[dict[str, str]]()

    async def serve(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.headers))
        etag = f'"{hash(self.body)}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=self.body, content_type="text/calendar", headers={"ETag": etag})


@pytest.fixture
async def feed() -> AsyncIterator[tuple[FeedServer, str]]:
    server = FeedServer(WEEKLY)
    application = web.Application()
    application.router.add_get("/cal/sofia.ics", server.serve)
    async with start_fake(application) as url:
        yield server, f"{url}/cal/sofia.ics"


async def test_a_polled_feed_is_read_once_per_change_and_removed_occurrences_cancel(
    services: Services, feed: tuple[FeedServer, str], clock: FakeClock
) -> None:
    server, url = feed
    organisation, person = await _people(services)
    stored = await services.ingest.ics.add_feed(organisation, person, url)  # type: ignore[arg-type]
    first = await services.ingest.ics.poll(stored)

    [again_feed] = await services.ingest.ics.feeds()
    unchanged = await services.ingest.ics.poll(again_feed)
    exdate = b"EXDATE;TZID=Europe/Stockholm:20260127T100000"
    server.body = WEEKLY.replace(exdate, exdate + b",20260203T100000")
    [changed_feed] = await services.ingest.ics.feeds()
    changed = await services.ingest.ics.poll(changed_feed)

    assert (first.occurrences, unchanged.unchanged_feed, changed.cancelled) == (7, True, 1)
    assert server.requests[1].get("If-None-Match")
    async with services.database.session() as session:
        statuses = {
            row.event_id.rsplit("/", 1)[1]: row.status
            for row in (await session.execute(select(MeetingRow))).scalars()
        }
    assert statuses["2026-02-03T09:00:00+00:00"] == "cancelled"
    assert statuses["2026-02-10T09:00:00+00:00"] == "confirmed"


def test_the_cli_reads_a_file_for_a_person(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "sofia.ics"
    next_week = datetime.now(UTC).date() + timedelta(days=7)
    path.write_bytes(WEEKLY.replace(b"20260113T100000", next_week.strftime("%Y%m%dT100000").encode()))

    result = runner.invoke(app, ["calendar", "ics", str(path), "--as", SOFIA], env=env)
    unknown = runner.invoke(app, ["calendar", "ics", str(path), "--as", "nobody@mhs.example.se"], env=env)
    broken = runner.invoke(
        app, ["calendar", "ics", str(PAYLOADS / "graph" / "token.json"), "--as", SOFIA], env=env
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{SOFIA}: ") and "occurrences in the next 60 days" in result.stdout
    assert len(rows_of(env, MeetingRow)) >= 1
    assert unknown.exit_code == 2 and "no such person" in unknown.stderr
    assert broken.exit_code == 2 and "not a readable iCalendar" in broken.stderr


def test_calendar_subscribe_needs_a_public_https_address_and_credentials(env: dict[str, str]) -> None:
    no_url = runner.invoke(app, ["calendar", "subscribe"], env=env)
    no_credentials = runner.invoke(
        app, ["calendar", "subscribe"], env=env | {"PUBLIC_URL": "https://remm.example.se"}
    )
    google = runner.invoke(
        app,
        ["calendar", "subscribe", "--provider", "google"],
        env=env | {"PUBLIC_URL": "https://remm.example.se"},
    )
    wrong = runner.invoke(app, ["calendar", "subscribe", "--provider", "exchange"], env=env)

    assert no_url.exit_code == 2 and "PUBLIC_URL" in no_url.stderr
    assert no_credentials.exit_code == 2 and "MICROSOFT_APP_ID" in no_credentials.stderr
    assert google.exit_code == 2 and "settings.google" in google.stderr
    assert wrong.exit_code == 2 and "graph or google" in wrong.stderr


def test_people_sync_without_a_directory_is_bad_input(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["people", "sync"], env=env)

    assert result.exit_code == 2 and "settings.graph" in result.stderr
