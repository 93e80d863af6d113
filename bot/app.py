"""The composition root: builds every part from Settings and owns start and stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from bot.adapters.calendars.wiring import build_ingest
from bot.adapters.slack.app import install_slack
from bot.adapters.slack.outbound import slack_outbound
from bot.adapters.teams.app import install_teams
from bot.adapters.teams.outbound import teams_outbound
from bot.adapters.webchat.hub import WebchatHub
from bot.adapters.webchat.messenger import WebchatMessenger
from bot.adapters.webchat.routes import WebchatApi, WebchatDeps
from bot.campaigns.service import CampaignService
from bot.clock import SystemClock
from bot.delivery import Dispatcher
from bot.handlers.context import ChatDeps
from bot.handlers.policy_question import PolicyQuestions
from bot.handlers.router import Router, build_router
from bot.heap import settle_heap
from bot.ingest.kit import IngestKit
from bot.jobs.scheduler import Scheduling
from bot.nudges.choices import NudgeChoices
from bot.nudges.decide import NudgeDecider
from bot.nudges.detect import Detector
from bot.nudges.service import NudgeService
from bot.policy.library import PolicyLibrary
from bot.ports import Clock, Messenger
from bot.sample_loader import load_sample
from bot.savings.places import Gazetteer, default_gazetteer
from bot.settings import Settings
from bot.web.health import health_routes
from bot.web.media import install_media
from bot.web.metrics_route import metrics_routes
from bot.web.middleware import json_errors, request_ids
from bot.web.rate_limit import SourceRateLimit
from bot.web.webhooks import install_webhooks
from storage.campaigns import SqlCampaigns
from storage.database import Database
from storage.inbound import SqlInboundLog
from storage.meetings import SqlMeetings
from storage.migrate import upgrade
from storage.nudge_events import SqlNudgeEvents
from storage.nudges import SqlNudges
from storage.organisations import SqlOffices, SqlOrganisations
from storage.outbox import SqlOutbox, outbox_gauges
from storage.people import SqlPeople
from storage.policies import SqlPolicies
from storage.reports import SqlReports
from storage.webchat import SqlWebchat

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


@dataclass
class Services:
    """Everything a request or a job may need, opened once per process."""

    settings: Settings
    database: Database
    clock: Clock
    gazetteer: Gazetteer
    organisations: SqlOrganisations
    offices: SqlOffices
    people: SqlPeople
    meetings: SqlMeetings
    nudges: SqlNudges
    outbox: SqlOutbox
    nudge_service: NudgeService
    choices: NudgeChoices
    webchat: SqlWebchat
    inbound: SqlInboundLog
    hub: WebchatHub
    router: Router
    policies: SqlPolicies
    library: PolicyLibrary
    messengers: dict[str, Messenger] = field(default_factory=dict)
    dispatcher: Dispatcher | None = None
    scheduling: Scheduling | None = None
    ingest: IngestKit = field(init=False)
    campaigns: CampaignService | None = None
    reports: SqlReports = field(init=False)

    def start_dispatcher(self) -> Dispatcher:
        """One dispatcher per process, over the messengers registered so far."""
        self.dispatcher = Dispatcher(self.outbox, self.messengers, self.clock)
        return self.dispatcher

    def wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()


def build_services(settings: Settings, database: Database, *, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    gazetteer = default_gazetteer()
    organisations, offices, people = SqlOrganisations(database), SqlOffices(database), SqlPeople(database)
    meetings, nudges = SqlMeetings(database), SqlNudges(database)
    holder: list[Services] = []
    nudge_service = NudgeService(
        organisations=organisations,
        meetings=meetings,
        nudges=nudges,
        events=SqlNudgeEvents(database),
        detector=Detector(gazetteer),
        decider=NudgeDecider(),
        clock=clock,
        atomic=database.unit_of_work,
        on_enqueued=lambda: holder[0].wake_dispatcher() if holder else None,
    )
    choices = NudgeChoices(
        nudges, gazetteer, clock, on_digital=lambda o, p, n: holder[0].ingest.make_digital(o, p, n)
    )
    policies = SqlPolicies(database)
    library = PolicyLibrary(policies)
    campaigns = CampaignService(
        store=SqlCampaigns(database),
        people=people,
        offices=offices,
        clock=clock,
        on_enqueued=lambda: holder[0].wake_dispatcher() if holder else None,
    )
    reports = SqlReports(database)
    chat = ChatDeps(
        gazetteer=gazetteer,
        nudges=nudges,
        choices=choices,
        offices=offices,
        clock=clock,
        policy=PolicyQuestions(library),
        campaigns=campaigns,
        summaries=reports,
    )
    webchat, hub = SqlWebchat(database), WebchatHub()
    services = Services(
        settings=settings,
        database=database,
        clock=clock,
        gazetteer=gazetteer,
        organisations=organisations,
        offices=offices,
        people=people,
        meetings=meetings,
        nudges=nudges,
        outbox=SqlOutbox(database),
        nudge_service=nudge_service,
        choices=choices,
        webchat=webchat,
        inbound=SqlInboundLog(database),
        hub=hub,
        router=build_router(chat),
        policies=policies,
        library=library,
        messengers={"webchat": WebchatMessenger(webchat, hub, clock)},
        campaigns=campaigns,
    )
    holder.append(services)
    services.ingest = build_ingest(services)
    services.reports = reports
    return services


async def open_services(settings: Settings, *, migrate: bool = True, clock: Clock | None = None) -> Services:
    """Open the database (and bring its schema up to date) and build the services on it."""
    database = Database.open(settings.database_url)
    try:
        if migrate:
            await upgrade(database)
    except BaseException:
        await database.close()
        raise
    return build_services(settings, database, clock=clock)


def create_app(settings: Settings, *, sample: bool = False, clock: Clock | None = None) -> web.Application:
    """The aiohttp application with every route; resources open when the app starts, not here.

    ``sample`` loads the sample organisation into an empty database on first start (``make run``).
    The outbox dispatcher runs in this process unless SCHEDULER_ENABLED=false (split deployments).
    """
    # Outermost first: request ids, then errors as JSON (incl. 429s from the webhook rate limit).
    limiter = SourceRateLimit()
    app = web.Application(
        middlewares=[request_ids, json_errors, limiter.middleware], client_max_size=MAX_BODY_BYTES
    )

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        services = await open_services(settings, clock=clock)
        app[SERVICES] = services
        if sample and not await services.organisations.all():
            await load_sample(services)
        yield
        services.hub.close()
        await services.database.close()

    async def background_ctx(app: web.Application) -> AsyncIterator[None]:
        """Registered after every integration, so their messengers exist before the dispatcher starts;
        and everything any of them loaded at start is out of the garbage collector's reach."""
        settle_heap()
        async with background_work(app[SERVICES]):
            yield

    async def database_ready() -> bool:
        return await app[SERVICES].database.ping()

    async def scheduler_ready() -> bool:
        """A process that schedules must have a live leadership loop; one that does not is always ready."""
        scheduling = app[SERVICES].scheduling
        return scheduling is None or scheduling.healthy(app[SERVICES].clock.now())

    app.cleanup_ctx.append(services_ctx)
    app.on_shutdown.append(_close_streams)
    app.add_routes(health_routes({"database": database_ready, "scheduler": scheduler_ready}))
    app.add_routes(
        metrics_routes(lambda: outbox_gauges(app[SERVICES].database, now=app[SERVICES].clock.now()))
    )
    app.add_routes(WebchatApi(lambda: webchat_deps(app[SERVICES])).routes())
    install_webhooks(app, lambda: app[SERVICES].ingest)
    install_slack(app, settings, lambda: app[SERVICES])
    install_teams(app, settings, lambda: app[SERVICES])
    install_media(app, settings)
    app.cleanup_ctx.append(background_ctx)  # last: after every integration has registered its messenger
    return app


@asynccontextmanager
async def background_work(services: Services, *, always: bool = False) -> AsyncIterator[None]:
    """The outbox dispatcher and the scheduler, unless SCHEDULER_ENABLED=false (web-only processes).

    ``always`` is for `remm-bot worker`, whose whole job this is."""
    if not (always or services.settings.scheduler_enabled):
        yield
        return
    # Messengers for platforms whose routes this process may not serve (workers), before any row is claimed.
    async with slack_outbound(services), teams_outbound(services):
        stop = asyncio.Event()
        dispatching = asyncio.create_task(services.start_dispatcher().run_forever(stop))
        services.scheduling = Scheduling(services)
        await services.scheduling.start()
        try:
            yield
        finally:
            stop.set()
            await services.scheduling.stop()
            # A platform call in flight may hang: give the dispatcher a moment, then stop it (the row's
            # lease runs out and another pass delivers it).
            try:
                await asyncio.wait_for(dispatching, timeout=10)
            except TimeoutError:
                log.warning("the dispatcher did not stop within 10 s; cancelled")


def webchat_deps(services: Services) -> WebchatDeps:
    return WebchatDeps(
        organisations=services.organisations,
        people=services.people,
        offices=services.offices,
        store=services.webchat,
        inbound=services.inbound,
        router=services.router,
        hub=services.hub,
        clock=services.clock,
        loopback=services.settings.loopback_bind,
        secure_cookie=services.settings.public_url.startswith("https://"),
    )


async def _close_streams(app: web.Application) -> None:
    """Open event streams end on shutdown instead of holding it up."""
    app[SERVICES].hub.close()


SERVICES = web.AppKey("services", Services)
