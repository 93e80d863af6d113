"""Builds the ingestion kit from the app's services: storage, provider clients, use cases."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.adapters.calendars.feeds import HttpFeedFetcher
from bot.adapters.calendars.google_api import GoogleApis
from bot.adapters.calendars.graph_api import GraphApis
from bot.adapters.calendars.http import HttpClient
from bot.ingest.digital import MakeDigital
from bot.ingest.directory import DirectoryService
from bot.ingest.feeds import IcsSync
from bot.ingest.google_sync import GoogleInbox, GoogleSync
from bot.ingest.graph_inbox import GraphInbox
from bot.ingest.graph_sync import GraphSync
from bot.ingest.graph_worker import GraphWorker
from bot.ingest.intake import WebhookIntake
from bot.ingest.kit import IngestKit
from bot.ingest.known_links import KnownLinks
from bot.ingest.worker import BackgroundWork, RouteFirst
from storage.inbound_queue import SqlInboundQueue
from storage.ingest import SqlCalendarLinks, SqlDirectory, SqlFeeds, SqlReplayGuard, SqlTripImport

if TYPE_CHECKING:  # bot.app imports this module to build the kit
    from bot.app import Services


def build_ingest(services: Services, *, env: Mapping[str, str] | None = None) -> IngestKit:
    """``env`` is where secrets named in organisation settings are read (the process environment)."""
    settings, clock = services.settings, services.clock
    environment = os.environ if env is None else env
    http = HttpClient()
    links = SqlCalendarLinks(services.database)
    work = BackgroundWork()
    graph_apis = GraphApis(http, settings=settings, env=environment, clock=clock)
    google_apis = GoogleApis(http, settings=settings, env=environment, clock=clock)
    graph = GraphSync(
        apis=graph_apis,
        links=links,
        organisations=services.organisations,
        people=services.people,
        nudge_service=services.nudge_service,
        clock=clock,
        public_url=settings.public_url,
    )
    google = GoogleSync(
        apis=google_apis,
        links=links,
        organisations=services.organisations,
        people=services.people,
        nudge_service=services.nudge_service,
        clock=clock,
        public_url=settings.public_url,
    )
    intake = WebhookIntake(
        organisations=services.organisations,
        nudge_service=services.nudge_service,
        replays=SqlReplayGuard(services.database),
        clock=clock,
        default_secret=lambda: settings.webhook_secret.value,
    )
    known, queue, route = KnownLinks(links), SqlInboundQueue(services.database), RouteFirst()
    worker = GraphWorker(
        sync=graph,
        known=known,
        queue=queue,
        clock=clock,
        work=work,
        route=route,
        here=not settings.ingest_in_workers,
    )
    return IngestKit(
        intake=intake,
        graph=graph,
        graph_inbox=GraphInbox(known=known, queue=queue, clock=clock, worker=worker, route=route),
        work=work,
        links=links,
        directory=DirectoryService(
            directory=SqlDirectory(services.database),
            offices=services.offices,
            gazetteer=services.gazetteer,
            clock=clock,
            graph=graph_apis,
            google=google_apis,
        ),
        trips=SqlTripImport(services.database),
        ics=IcsSync(
            feeds=SqlFeeds(services.database),
            fetcher=HttpFeedFetcher(http),
            organisations=services.organisations,
            people=services.people,
            nudge_service=services.nudge_service,
            clock=clock,
        ),
        google=google,
        google_inbox=GoogleInbox(sync=google, inbound=services.inbound, clock=clock, work=work),
        make_digital=MakeDigital(links=links, apis=graph_apis),
        closers=[http.close],
    )


@asynccontextmanager
async def ingest_for_command(services: Services, env: Mapping[str, str]) -> AsyncIterator[IngestKit]:
    """A command's kit: secrets named in settings may come from its .env too; closed when it ends."""
    services.ingest = build_ingest(services, env=env)
    try:
        yield services.ingest
    finally:
        await services.ingest.close()
