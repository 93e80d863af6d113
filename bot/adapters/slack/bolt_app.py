"""The bolt ``AsyncApp`` for commands, clicks, forms and Slack's own requests: authorization from our
installations, and listeners that only take the work.

Every listener commits the inbound row (deduplicated by the click's trigger id) and acknowledges; the
work itself runs after the acknowledgement on the inbox's workers. bolt runs with
``process_before_response=True``, so it answers as soon as the listener returns (no ack polling), and
our inbox, not bolt, owns the background work, its limits and its shutdown. Events we handle never reach
bolt: the route records and acknowledges them itself (``bot.adapters.slack.app``).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, Final

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger import get_bolt_app_logger
from slack_bolt.oauth import async_internals as bolt_oauth_internals
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.config import SLASH_COMMAND, SlackConfig
from bot.adapters.slack.inbox import Raw, SlackInbox
from bot.adapters.slack.onboarding import ONBOARD_ACTION
from bot.adapters.slack.replies import FORM_CALLBACK, FormOrigin
from bot.adapters.slack.tokens import SlackTokens, WorkspaceKey
from bot.adapters.slack.translate import action_name, validate_inputs
from bot.messages import ActionId

log = logging.getLogger(__name__)

KNOWN_ACTIONS: Final = frozenset({*(action.value for action in ActionId), ONBOARD_ACTION})


class InstallationAuthorize(AsyncAuthorize):
    """Who the app is in this workspace (bot ids, so bolt ignores the bot's own messages), from our
    installations; the token itself is fetched, and refreshed, when the work calls Slack."""

    def __init__(self, tokens: SlackTokens) -> None:
        self._tokens = tokens

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        key = WorkspaceKey(enterprise_id, team_id, bool(context.is_enterprise_install))
        found = await self._tokens.active(key)
        if found is None:
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_id=found.bot_id or None,
            bot_user_id=found.bot_user_id or None,
            bot_token=found.bot_token,
            user_id=user_id,
        )


class LeanAsyncApp(AsyncApp):
    """bolt's ``AsyncApp`` with a cheaper per-request client: a copy of the app's client instead of a new
    one built from its settings. bolt builds one per request (authorization then sets that request's
    token on it), and building one reads the proxy variables from the environment and formats the user
    agent each time: about a twentieth of an acknowledgement. The copy is as separate: its token, team
    and retry handlers are its own; the shared HTTP session and headers were shared before too.
    Checked against slack-bolt 1.30 (its ``_init_context``); re-check after an upgrade."""

    def _init_context(self, req: AsyncBoltRequest) -> None:
        req.context["logger"] = get_bolt_app_logger(app_name=self.name, base_logger=self._base_logger)
        req.context["token"] = self._token
        client = copy.copy(self._async_client)
        client.token = self._token
        client.default_params = {"team_id": req.context.team_id} if req.context.team_id else {}
        client.retry_handlers = list(self._async_client.retry_handlers or [])
        req.context["client"] = client
        req.context["listener_runner"] = self.listener_runner


def build_bolt(
    config: SlackConfig,
    *,
    client: AsyncWebClient,
    tokens: SlackTokens,
    inbox: SlackInbox,
    flow: AsyncOAuthFlow | None,
    store: AsyncInstallationStore | None,
) -> AsyncApp:
    if flow is not None and store is not None:
        # bolt otherwise creates a file-based store under $HOME while it checks ours.
        bolt_oauth_internals.default_installation_stores[config.client_id] = store
    bolt = LeanAsyncApp(
        # No logger of ours: bolt then sets its loggers' level from the root, and skips building debug
        # lines on every request (with a logger at NOTSET it builds them all).
        name="remm-bot",
        client=client,
        signing_secret=config.signing_secret,
        # An AsyncAuthorize is what bolt uses as is (its annotation only names plain functions).
        authorize=InstallationAuthorize(tokens),  # type: ignore[arg-type]
        installation_store=store,
        oauth_flow=flow,
        # Passed even when set through oauth_flow: without it bolt builds default settings from SLACK_*.
        oauth_settings=flow.settings if flow is not None else None,
        process_before_response=True,
        # The route verifies the signature first (401 as JSON, design 4.2), with the same secret and rule.
        request_verification_enabled=False,
        raise_error_for_unhandled_request=True,
    )
    Listeners(inbox, config).register(bolt)
    return bolt


class Listeners:
    def __init__(self, inbox: SlackInbox, config: SlackConfig) -> None:
        self._inbox, self._config = inbox, config

    def register(self, bolt: AsyncApp) -> None:
        bolt.command(SLASH_COMMAND)(self.command)
        bolt.action(re.compile(".+"))(self.action)
        bolt.view(FORM_CALLBACK)(self.form)
        bolt.error(self.error)

    async def command(self, body: dict[str, Any], request: AsyncBoltRequest, ack: AsyncAck) -> None:
        await self._take(f"command:{body.get('trigger_id')}", body, request, ack=ack)

    async def action(self, body: dict[str, Any], request: AsyncBoltRequest, ack: AsyncAck) -> None:
        action = (body.get("actions") or [{}])[0]
        if action_name(str(action.get("action_id", ""))) not in KNOWN_ACTIONS:
            log.info("slack: ignoring a click on an unknown action id %r", action.get("action_id"))
            await ack()
            return
        await self._take(f"action:{body.get('trigger_id')}", body, request, ack=ack)

    async def form(self, body: dict[str, Any], request: AsyncBoltRequest, ack: AsyncAck) -> None:
        """Checked before the acknowledgement, which carries Slack's ``errors`` when something is off."""
        view = body.get("view") or {}
        try:
            locale = FormOrigin.parse(str(view.get("private_metadata") or "")).locale
        except (ValueError, KeyError, TypeError):
            log.info("slack: a form submission without our metadata; closed")
            await ack()
            return
        errors = validate_inputs(view, locale)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        delivery = body.get("trigger_id") or f"{view.get('id')}:{view.get('hash')}"
        await self._take(f"view:{delivery}", body, request, ack=ack)

    async def error(self, error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        """Something we do not handle is acknowledged (a 404 would only make Slack retry it); a failed
        listener answers 500, so Slack retries what was not recorded."""
        if isinstance(error, BoltUnhandledRequestError):
            kind = body.get("type") or body.get("command") or "request"
            event = (body.get("event") or {}).get("type")
            log.info("slack: nothing handles %s%s; acknowledged", kind, f" {event}" if event else "")
            return BoltResponse(status=200, body="")
        log.error("slack: a listener failed: %s", type(error).__name__, exc_info=error)
        return None

    async def _take(
        self,
        delivery_id: str,
        body: dict[str, Any],
        request: AsyncBoltRequest,
        *,
        ack: AsyncAck,
    ) -> None:
        """Ahead of events in the queue: a modal must open within 3 s of the click. Stored as the fields
        bolt parsed from the form; the work parses the form again when it runs."""
        await self._inbox.take(delivery_id, body, Raw(request.raw_body, request.content_type), urgent=True)
        await ack()
