"""iCalendar feeds over HTTP, with conditional requests so an unchanged feed costs a 304."""

from __future__ import annotations

from bot.adapters.calendars.http import HttpClient
from bot.ingest.ical import MAX_BYTES
from bot.ingest.ports import FetchedFeed


class HttpFeedFetcher:
    def __init__(self, http: HttpClient) -> None:
        self._http = http

    async def fetch(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        headers = {"Accept": "text/calendar, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        answer = await self._http.request("GET", url, headers=headers, max_bytes=MAX_BYTES, ok=(304,))
        if answer.status == 304:
            return FetchedFeed(None, etag, last_modified)
        return FetchedFeed(answer.body, answer.headers.get("ETag"), answer.headers.get("Last-Modified"))
