"""Everything ingestion offers the web routes, the commands and the scheduled jobs, built once per process
by ``bot.adapters.calendars.wiring.build_ingest``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.ingest.digital import MakeDigital
from bot.ingest.directory import DirectoryService
from bot.ingest.feeds import IcsSync
from bot.ingest.google_sync import GoogleInbox, GoogleSync
from bot.ingest.graph_events import SOURCE
from bot.ingest.graph_inbox import GraphInbox
from bot.ingest.graph_sync import GraphSync
from bot.ingest.intake import WebhookIntake
from bot.ingest.ports import CalendarLink, CalendarLinks, TripStore
from bot.ingest.worker import BackgroundWork


@dataclass
class IngestKit:
    intake: WebhookIntake
    graph: GraphSync
    graph_inbox: GraphInbox
    work: BackgroundWork
    links: CalendarLinks
    directory: DirectoryService
    ics: IcsSync
    trips: TripStore
    google: GoogleSync
    google_inbox: GoogleInbox
    make_digital: MakeDigital
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def graph_links(self) -> Sequence[CalendarLink]:
        return await self.links.all(SOURCE)

    async def resume(self) -> int:
        """Work accepted before a restart but not finished."""
        return await self.graph_inbox.resume() + await self.google_inbox.resume()

    async def close(self) -> None:
        self.graph_inbox.worker.stop()
        await self.work.close()
        await self.graph_inbox.worker.close()
        for close in self.closers:
            await close()
