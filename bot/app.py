"""The composition root: builds every part from Settings and owns start and stop."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from bot.clock import SystemClock
from bot.delivery import Dispatcher
from bot.nudges.choices import NudgeChoices
from bot.nudges.decide import NudgeDecider
from bot.nudges.detect import Detector
from bot.nudges.service import NudgeService
from bot.ports import Clock, Messenger
from bot.savings.places import Gazetteer, default_gazetteer
from bot.settings import Settings
from bot.web.health import health_routes
from bot.web.middleware import json_errors, request_ids
from storage.database import Database
from storage.meetings import SqlMeetings
from storage.migrate import upgrade
from storage.nudges import SqlNudges
from storage.organisations import SqlOffices, SqlOrganisations
from storage.outbox import SqlOutbox
from storage.people import SqlPeople

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
    messengers: dict[str, Messenger] = field(default_factory=dict)
    dispatcher: Dispatcher | None = None

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
        people=people,
        offices=offices,
        meetings=meetings,
        nudges=nudges,
        detector=Detector(gazetteer),
        decider=NudgeDecider(nudges, clock),
        clock=clock,
        on_enqueued=lambda: holder[0].wake_dispatcher() if holder else None,
    )
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
        choices=NudgeChoices(nudges, gazetteer, clock),
    )
    holder.append(services)
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


def create_app(settings: Settings) -> web.Application:
    """The aiohttp application with every route; resources open when the app starts, not here."""
    app = web.Application(middlewares=[request_ids, json_errors], client_max_size=MAX_BODY_BYTES)

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        services = await open_services(settings)
        app[SERVICES] = services
        yield
        await services.database.close()

    async def database_ready() -> bool:
        return await app[SERVICES].database.ping()

    app.cleanup_ctx.append(services_ctx)
    app.add_routes(health_routes({"database": database_ready}))
    return app


SERVICES = web.AppKey("services", Services)
