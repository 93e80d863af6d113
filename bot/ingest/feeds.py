"""iCalendar files and feeds per person: occurrences of the next 60 days into the nudge engine.

A feed is polled with its ETag and Last-Modified (an unchanged feed costs one 304); an occurrence that
was in the feed before, has not started and is gone now is cancelled (its unsent nudge withdrawn).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.nudges import Decision
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.ingest.ical import SOURCE, IcsError, Occurrence, gone, read_ics, to_calendar_event
from bot.ingest.ports import FeedFetcher, Feeds, IcsFeed, ProviderError
from bot.nudges.service import NudgeRefused, NudgeService
from bot.ports import Clock, Organisations, People

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IcsReport:
    occurrences: int = 0
    nudges: int = 0
    cancelled: int = 0
    refused: int = 0
    unchanged_feed: bool = False


def feed_url(text: str) -> str:
    """webcal:// is https:// in disguise; anything but http(s) is refused."""
    url = text.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[9:]
    if not url.lower().startswith(("https://", "http://")) or len(url) > 2000:
        raise ValueError(f"not an http(s) or webcal address: {text[:80]!r}")
    return url


class IcsSync:
    def __init__(
        self,
        *,
        feeds: Feeds,
        fetcher: FeedFetcher,
        organisations: Organisations,
        people: People,
        nudge_service: NudgeService,
        clock: Clock,
    ) -> None:
        self._feeds, self._fetcher, self._organisations = feeds, fetcher, organisations
        self._people, self._nudges, self._clock = people, nudge_service, clock

    async def import_file(self, organisation: Organisation, person: Person, data: bytes) -> IcsReport:
        """A file once (raises IcsError when it is not iCalendar); nothing is remembered for later."""
        occurrences = self._read(person, data)
        report, _ = await self._apply(organisation, person, occurrences, previous=())
        return report

    async def add_feed(self, organisation: Organisation, person: Person, url: str) -> IcsFeed:
        return await self._feeds.add(
            organisation_id=organisation.id, person_id=person.id, url=feed_url(url), now=self._clock.now()
        )

    async def feeds(self) -> Sequence[IcsFeed]:
        return await self._feeds.all()

    async def poll(self, feed: IcsFeed) -> IcsReport:
        organisation = await self._organisations.by_id(feed.organisation_id)
        person = await self._people.by_id(feed.person_id)
        if organisation is None or person is None or not person.active:
            return IcsReport()
        now = self._clock.now()
        try:
            fetched = await self._fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
            if fetched.body is None:
                await self._feeds.polled(
                    feed.id, now=now, etag=feed.etag, last_modified=feed.last_modified, seen=None, error=None
                )
                return IcsReport(unchanged_feed=True)
            occurrences = self._read(person, fetched.body)
        except (ProviderError, IcsError) as error:
            await self._feeds.polled(
                feed.id, now=now, etag=None, last_modified=None, seen=None, error=str(error)[:300]
            )
            raise
        report, seen = await self._apply(organisation, person, occurrences, previous=feed.seen)
        await self._feeds.polled(
            feed.id, now=now, etag=fetched.etag, last_modified=fetched.last_modified, seen=seen, error=None
        )
        return report

    async def poll_all(self) -> IcsReport:
        total = IcsReport()
        for feed in await self.feeds():
            try:
                report = await self.poll(feed)
            except (ProviderError, IcsError) as error:
                log.warning("ics feed %s not read: %s", feed.id, type(error).__name__)
                continue
            total = IcsReport(
                total.occurrences + report.occurrences,
                total.nudges + report.nudges,
                total.cancelled + report.cancelled,
                total.refused + report.refused,
            )
        return total

    def _read(self, person: Person, data: bytes) -> list[Occurrence]:
        return read_ics(data, since=self._clock.now(), zone=ZoneInfo(person.timezone))

    async def _apply(
        self,
        organisation: Organisation,
        person: Person,
        occurrences: list[Occurrence],
        *,
        previous: tuple[str, ...],
    ) -> tuple[IcsReport, list[str]]:
        emails = {e for o in occurrences for e in (o.organiser, *o.attendees) if e} | {person.email}
        internal = await self._people.by_emails(organisation.id, sorted(emails))
        nudged: set[int] = set()  # one nudge row per person and series, however many occurrences
        refused = 0
        for occurrence in occurrences:
            event = to_calendar_event(occurrence, owner=person.email, internal=internal)
            try:
                result = await self._nudges.meeting_changed(organisation.id, event)
            except NudgeRefused:
                refused += 1
                continue
            nudged.update(d.id for d in result.decisions if d.decision is Decision.SEND)
        keys = {o.key for o in occurrences}
        removed = gone(previous, keys, now=self._clock.now())
        for key in removed:
            await self._nudges.meeting_cancelled(organisation.id, source=SOURCE, event_id=key)
        report = IcsReport(len(occurrences), len(nudged), len(removed), refused)
        return report, [o.seen for o in occurrences if not o.cancelled]
