"""Slack's routes on our aiohttp server, and the parts behind them, opened and closed with the app.

``install_slack`` is the composition root's one line for Slack. ``POST /slack/events`` is the one Request
URL for events, ``/remm`` and interactivity (design 4.2): the signature is checked first (401), the body
next (400). An event we handle is then recorded and acknowledged here, and bolt is not involved: the
acknowledgement is the one answer Slack waits for, and what bolt would do before it (authorization,
matching a listener) is done by the work after it. Everything else goes through bolt's
``async_dispatch``, between its aiohttp adapter's two translation functions. With OAuth settings,
``GET /slack/install`` and ``GET /slack/oauth_redirect`` serve installs.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.bolt_app import build_bolt
from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.home import SlackHome
from bot.adapters.slack.http import SlackHttp
from bot.adapters.slack.inbox import Raw, SlackInbox
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.oauth import (
    INSTALL_PATH,
    REDIRECT_PATH,
    SqlInstallationStore,
    SqlStateStore,
    oauth_flow,
)
from bot.adapters.slack.people import SlackPeople
from bot.adapters.slack.replies import SlackReplies
from bot.adapters.slack.tokens import SlackTokens
from bot.adapters.slack.work import SlackWork
from bot.handlers.router import Router
from bot.ports import Clock, Messenger
from bot.settings import Settings
from bot.web.middleware import JsonHttpError
from storage.database import Database
from storage.organisations import SqlOffices, SqlOrganisations
from storage.people import SqlPeople
from storage.slack import SqlSlackInstallations, SqlSlackPeople, SqlSlackStates
from storage.slack_inbound import SqlSlackInbound

log = logging.getLogger(__name__)

EVENTS_PATH: Final = "/slack/events"
CHANNEL: Final = "slack"
_INTERACTIVE: Final = frozenset(
    {"block_actions", "view_submission", "view_closed", "block_suggestion", "shortcut", "message_action"}
)
_OTHER: Final = frozenset({"url_verification", "ssl_check", "app_rate_limited"})
# The events the work handles (``SlackWork``); any other event goes to bolt, which acknowledges it unhandled.
EVENTS: Final = re.compile(r"^(message|app_mention|app_home_opened|app_uninstalled|tokens_revoked)$")
JSON: Final = "application/json"


class SlackServices(Protocol):
    """What Slack needs from the composition root's services."""

    database: Database
    clock: Clock
    organisations: SqlOrganisations
    offices: SqlOffices
    people: SqlPeople
    router: Router
    messengers: dict[str, Messenger]


@dataclass
class SlackParts:
    """Everything Slack runs on in one process; one HTTP session under all of it."""

    http: SlackHttp
    tokens: SlackTokens
    inbox: SlackInbox
    bolt: AsyncApp
    flow: AsyncOAuthFlow | None
    messenger: SlackMessenger


def build_parts(config: SlackConfig, services: SlackServices) -> SlackParts:
    clock, database = services.clock, services.database
    http = SlackHttp(config.api_url)
    tokens = SlackTokens(config, SqlSlackInstallations(database), http, clock)
    calls = SlackCalls(tokens, http, retries=True)
    slack_people = SqlSlackPeople(database)
    people = SlackPeople(
        config=config,
        calls=calls,
        organisations=services.organisations,
        offices=services.offices,
        people=services.people,
        slack_people=slack_people,
        installations=tokens.installations,
    )
    work = SlackWork(
        people=people,
        replies=SlackReplies(calls, public_url=config.public_url),
        home=SlackHome(calls, services.router, services.offices),
        router=services.router,
        offices=services.offices,
        slack_people=slack_people,
        tokens=tokens,
        clock=clock,
    )
    inbox = SlackInbox(SqlSlackInbound(database), clock, work)
    flow = store = None
    if config.oauth:
        store = SqlInstallationStore(config, tokens, people, clock)
        flow = oauth_flow(config, http, store, SqlStateStore(SqlSlackStates(database), clock), people)
    bolt = build_bolt(config, client=http.client(None), tokens=tokens, inbox=inbox, flow=flow, store=store)
    messenger = SlackMessenger(
        SlackCalls(tokens, http, retries=False), locale=config.locale, public_url=config.public_url
    )
    return SlackParts(http, tokens, inbox, bolt, flow, messenger)


class SlackEndpoint:
    def __init__(self, config: SlackConfig, services: Callable[[], SlackServices]) -> None:
        self._config, self._services = config, services
        self._verifier = SignatureVerifier(config.signing_secret)
        self._parts: SlackParts | None = None

    async def lifetime(self, _app: web.Application) -> AsyncIterator[None]:
        services = self._services()
        parts = self._parts = build_parts(self._config, services)
        services.messengers[CHANNEL] = parts.messenger
        await parts.inbox.start()
        mode = "multi-workspace (OAuth)" if self._config.oauth else "single workspace"
        log.info("Slack on at %s, %s", EVENTS_PATH, mode)
        try:
            yield
        finally:
            await parts.inbox.stop()

    async def idle(self) -> None:
        """Until the work acknowledged so far is done (tests, and a graceful stop)."""
        await self._running().inbox.idle()

    async def close(self, _app: web.Application) -> None:
        """After every cleanup context (the dispatcher may send until it stops): close the HTTP session."""
        if self._parts is not None:
            await self._parts.http.aclose()

    async def events(self, request: web.Request) -> web.StreamResponse:
        parts = self._running()
        parts.inbox.acks.begin()
        try:
            raw = await request.text()
            if not self._signed(raw, request):
                raise JsonHttpError(401, "unauthorized", "missing, stale or wrong Slack signature")
            event_id = handled_event_id(raw, request.content_type)
            if event_id is not None:
                # A retry of an event id seen before, here or in another process, is acknowledged only.
                await parts.inbox.take(event_id, raw, Raw(raw, request.content_type))
                return web.Response(status=200)
            return await to_aiohttp_response(await parts.bolt.async_dispatch(bolt_request(raw, request)))
        finally:
            parts.inbox.acks.end()

    def _signed(self, raw: str, request: web.Request) -> bool:
        """Slack's v0 signature over "v0:<timestamp>:<body>", at most five minutes old."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or not signature:
            return False
        return self._verifier.is_valid(body=raw, timestamp=timestamp, signature=signature)

    async def install(self, request: web.Request) -> web.StreamResponse:
        flow = self._flow()
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def oauth_redirect(self, request: web.Request) -> web.StreamResponse:
        flow = self._flow()
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    def _running(self) -> SlackParts:
        if self._parts is None:
            raise JsonHttpError(503, "unavailable", "Slack is starting; try again shortly")
        return self._parts

    def _flow(self) -> AsyncOAuthFlow:
        flow = self._running().flow
        if flow is None:
            raise JsonHttpError(404, "not_found", "installs need SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        return flow


def handled_event_id(raw: str, content_type: str) -> str | None:
    """The event id of an Events API callback the work handles; None for anything else (bolt's).

    Events always come as JSON; forms (commands, clicks) are left to bolt, which parses them once."""
    if not content_type.startswith(JSON):
        return None
    try:
        body = check_body(json.loads(raw))
    except (ValueError, RecursionError):  # not JSON (or nested past the parser's depth)
        raise JsonHttpError(400, "bad_request", "the body is not valid JSON or form data") from None
    if body.get("type") != "event_callback" or not EVENTS.match(body["event"]["type"]):
        return None
    return str(body["event_id"])


def bolt_request(raw: str, request: web.Request) -> AsyncBoltRequest:
    """bolt's request (which parses the body), checked before bolt dispatches it: a signed body that is
    not a Slack request we understand is a 400. One parse per request, bolt's, instead of two."""
    try:
        bolt = AsyncBoltRequest(body=raw, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        # Not JSON or form data, or JSON that is not an object (bolt reads it as one while it parses).
        raise JsonHttpError(400, "bad_request", "the body is not valid JSON or form data") from None
    check_body(bolt.body)
    return bolt


def check_body(body: Any) -> dict[str, Any]:
    """The shape of a Slack request we understand, or a 400."""
    if not isinstance(body, dict):
        raise JsonHttpError(400, "bad_request", "the body must be an object")
    kind = body.get("type")
    if body.get("command"):
        _require(body, ("user_id", "team_id"), "a slash command")
    elif kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise JsonHttpError(400, "bad_request", "an event callback needs an event with a type")
        _require(body, ("event_id",), "an event callback")
    elif kind in _INTERACTIVE:
        if not isinstance(body.get("user"), dict):
            raise JsonHttpError(400, "bad_request", f"{kind} needs a user")
    elif kind not in _OTHER:
        raise JsonHttpError(400, "bad_request", "not a Slack event, command or interaction")
    return body


def _require(body: dict[str, Any], names: tuple[str, ...], what: str) -> None:
    missing = [name for name in names if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        raise JsonHttpError(400, "bad_request", f"{what} needs {', '.join(missing)}")


def install_slack(app: web.Application, settings: Settings, services: Callable[[], Any]) -> None:
    """Add Slack's routes and its messenger when Slack is on (signing secret and a token or OAuth)."""
    if not settings.slack_enabled:
        return
    endpoint = app[SLACK_ENDPOINT] = SlackEndpoint(SlackConfig.from_settings(settings), services)
    app.cleanup_ctx.append(endpoint.lifetime)
    app.on_cleanup.append(endpoint.close)
    app.router.add_post(EVENTS_PATH, endpoint.events)
    app.router.add_get(INSTALL_PATH, endpoint.install)
    app.router.add_get(REDIRECT_PATH, endpoint.oauth_redirect)


SLACK_ENDPOINT = web.AppKey("slack_endpoint", SlackEndpoint)
