"""The Teams route, ``POST /api/messages``, and the parts behind it, opened and closed with the app.

``install_teams`` is the composition root's one line for Teams. The route exists when Teams is on
(design 4.4: an app id, or anonymously on a loopback bind); the token check guards this route only.
Tests (and the benchmark) may set ``app[TEAMS_SEAMS]`` before start to bring their own signing keys and
connector tokens.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError
from yarl import URL

from bot.adapters.teams.agent import TeamsAgent, TeamsDeps, on_turn_error
from bot.adapters.teams.auth import (
    SigningKeys,
    TokenCheck,
    Unauthorized,
    auth_configuration,
)
from bot.adapters.teams.connector import (
    ConnectorHttp,
    PooledClientFactory,
    TokenSource,
    tune_sdk,
)
from bot.adapters.teams.members import Members
from bot.adapters.teams.messenger import CHANNEL
from bot.adapters.teams.outbound import connector_http, connector_tokens, teams_messenger
from bot.adapters.teams.people import TeamsPeople
from bot.handlers.router import Router
from bot.ports import Clock, Messenger, Organisations, People
from bot.settings import Settings
from bot.web.json_body import read_object
from bot.web.middleware import JsonHttpError
from storage.database import Database
from storage.inbound import SqlInboundLog
from storage.teams import SqlTeamsContacts
from storage.teams_turns import SqlTeamsTurns

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


@dataclass(frozen=True, slots=True)
class TeamsSeams:
    """Replacements for what production fetches from Microsoft: token-signing keys and connector tokens."""

    signing_keys: SigningKeys | None = None
    tokens: TokenSource | None = None


TEAMS_SEAMS = web.AppKey("teams_seams", TeamsSeams)


class TeamsServices(Protocol):
    """What Teams needs from the composition root's services."""

    settings: Settings
    database: Database
    organisations: Organisations
    people: People
    inbound: SqlInboundLog
    router: Router
    clock: Clock
    messengers: dict[str, Messenger]


@dataclass
class _Running:
    adapter: CloudAdapter
    agent: TeamsAgent
    check: TokenCheck
    http: ConnectorHttp


class TeamsEndpoint:
    def __init__(self, settings: Settings, services: Callable[[], TeamsServices]) -> None:
        self._settings, self._services = settings, services
        self._running: _Running | None = None

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        services, seams = self._services(), app.get(TEAMS_SEAMS) or TeamsSeams()
        tune_sdk()
        configuration = auth_configuration(self._settings)
        anonymous = bool(configuration.ANONYMOUS_ALLOWED)
        http = connector_http(self._settings)
        tokens = connector_tokens(configuration, seams.tokens)
        contacts = SqlTeamsContacts(services.database)
        turns = SqlTeamsTurns(services.database)
        deps = _deps(services, contacts, turns, anonymous=anonymous)
        factory = PooledClientFactory(http, tokens, app_id=self._settings.microsoft_app_id)
        adapter = CloudAdapter(channel_service_client_factory=factory)
        adapter.on_turn_error = on_turn_error
        check = TokenCheck(configuration, seams.signing_keys)
        self._running = _Running(adapter, TeamsAgent(lambda: deps), check, http)
        # A messenger registered before the dispatcher started (`teams_outbound`) is kept.
        services.messengers.setdefault(CHANNEL, teams_messenger(self._settings, http, tokens, contacts))
        log.info("Teams on at %s (%s)", ROUTE, "anonymous, loopback only" if anonymous else "app id set")
        try:
            yield
        finally:
            await http.close()  # a send still queued fails as a passing fault and is retried later
            await turns.close()

    async def handle(self, request: web.Request) -> web.Response:
        running = self._running
        if running is None:
            raise JsonHttpError(503, "unavailable", "Teams is starting; try again shortly")
        identity = await _identity(running.check, request)
        activity = _activity(await read_object(request))
        _check_service_url(identity, activity, running.http)
        answer = await running.adapter.process_activity(identity, activity, running.agent.on_turn)
        if activity.type == ActivityTypes.invoke:
            if answer is None or answer.body is None:
                status = answer.status if answer is not None and answer.status else 501
                return web.json_response({"error": "not_implemented", "detail": "no answer"}, status=status)
            return web.json_response(answer.body, status=answer.status or 200)
        return web.Response(status=202)


def install_teams(app: web.Application, settings: Settings, services: Callable[[], Any]) -> None:
    """Add POST /api/messages and the Teams messenger when Teams is on (design 4.4)."""
    if not settings.teams_enabled:
        return
    endpoint = TeamsEndpoint(settings, services)
    app.cleanup_ctx.append(endpoint.lifetime)
    app.router.add_post(ROUTE, endpoint.handle)


def _deps(
    services: TeamsServices, contacts: SqlTeamsContacts, turns: SqlTeamsTurns, *, anonymous: bool
) -> TeamsDeps:
    people = TeamsPeople(
        organisations=services.organisations,
        people=services.people,
        contacts=contacts,
        anonymous=anonymous,
        now=services.clock.now,
    )
    members = Members(people=people, router=services.router, inbound=services.inbound, clock=services.clock)
    return TeamsDeps(
        people=people,
        members=members,
        inbound=services.inbound,
        turns=turns,
        router=services.router,
        clock=services.clock,
        public_url=services.settings.public_url,
    )


async def _identity(check: TokenCheck, request: web.Request) -> ClaimsIdentity:
    try:
        return await check.identity(request.headers.get("Authorization"))
    except Unauthorized as refused:
        raise JsonHttpError(
            401, "unauthorized", str(refused), headers={"WWW-Authenticate": "Bearer"}
        ) from None


def _activity(data: dict[str, Any]) -> Activity:
    try:
        activity = Activity.model_validate(data)
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})[:5]
        raise JsonHttpError(
            400, "invalid_activity", f"not a Bot Framework activity ({', '.join(fields)})"
        ) from None
    if not activity.conversation or not activity.conversation.id:
        raise JsonHttpError(400, "invalid_activity", "the activity has no conversation.id")
    if activity.type in (ActivityTypes.message, ActivityTypes.invoke) and not activity.service_url:
        raise JsonHttpError(400, "invalid_activity", "the activity has no serviceUrl to answer at")
    if activity.service_url and not activity.service_url.startswith(("https://", "http://")):
        raise JsonHttpError(400, "invalid_activity", "serviceUrl must be an http(s) address")
    return activity


def _check_service_url(identity: ClaimsIdentity, activity: Activity, http: ConnectorHttp) -> None:
    """The token names the connector that sent it; answers go nowhere else (no token to a forged host)."""
    claimed = identity.get_claim_value("serviceurl")
    if claimed and activity.service_url and _host(str(claimed)) != _host(activity.service_url):
        raise JsonHttpError(401, "unauthorized", "serviceUrl does not match the token")
    if activity.service_url and not http.allows(activity.service_url):
        raise JsonHttpError(401, "unauthorized", "serviceUrl is not a Bot Framework address")


def _host(url: str) -> str | None:
    try:
        host = URL(url).host
    except ValueError:
        return None
    return host.lower() if host else None
