"""The work after the acknowledgement: one handler per kind of Slack request, run by the inbox's workers.

Messages and mentions go to the same router as the web chat; clicks to ``router.on_action``; the App Home
is published; an uninstall marks the workspace's recipients unreachable. Events come here without having
passed bolt (the route acknowledges them), so the check bolt's authorization makes is made here: only a
workspace with an active installation is answered, and the app's own messages never are.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

from slack_bolt.request.internals import (
    extract_enterprise_id,
    extract_is_enterprise_install,
    extract_team_id,
    extract_user_id,
    parse_body,
)

from bot.adapters.slack.home import SlackHome
from bot.adapters.slack.inbox import Work
from bot.adapters.slack.onboarding import ONBOARD_ACTION, onboarding_message, refusal, welcome
from bot.adapters.slack.people import Known, Newcomer, Resolution, SlackPeople, SlackUser, Unlinked
from bot.adapters.slack.replies import FormOrigin, Place, SlackReplies
from bot.adapters.slack.tokens import SlackTokens, WorkspaceKey
from bot.adapters.slack.translate import action_name, read_inputs
from bot.handlers.router import Router
from bot.i18n import Locale, text
from bot.messages import OutgoingMessage, Reply
from bot.ports import Clock, DeliveryFailed, Offices, RateLimited, RecipientUnreachable
from storage.slack import UNINSTALLED, SqlSlackPeople

log = logging.getLogger(__name__)

MENTION: Final = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
SHORT_TRIP: Final = re.compile(r"^(?P<place>\D+?)\s+(?P<count>[1-9]\d?)$")
Handler = Callable[[dict[str, Any]], Awaitable[None]]
_ALWAYS_TAKEN: Final = frozenset({"app_uninstalled", "tokens_revoked"})


def slack_user(body: dict[str, Any], user_id: str, *, dm_channel: str | None = None) -> SlackUser:
    """Who sent ``body``: the installation serving it, and the workspace the user belongs to."""
    event: dict[str, Any] = body.get("event") or {}
    user: dict[str, Any] = body["user"] if isinstance(body.get("user"), dict) else {}
    team = event.get("user_team") or event.get("team") or user.get("team_id") or body.get("team_id")
    return SlackUser(workspace_key(body), user_id, dm_channel=dm_channel, team_id=team or None)


def workspace_key(body: dict[str, Any]) -> WorkspaceKey:
    return WorkspaceKey(
        enterprise_id=extract_enterprise_id(body),
        team_id=extract_team_id(body),
        is_enterprise_install=bool(extract_is_enterprise_install(body)),
    )


class SlackWork:
    def __init__(
        self,
        *,
        people: SlackPeople,
        replies: SlackReplies,
        home: SlackHome,
        router: Router,
        offices: Offices,
        slack_people: SqlSlackPeople,
        tokens: SlackTokens,
        clock: Clock,
    ) -> None:
        self._people, self._replies, self._home, self._router = people, replies, home, router
        self._offices, self._slack_people, self._tokens, self._clock = offices, slack_people, tokens, clock

    async def __call__(self, work: Work) -> None:
        body = work if isinstance(work, dict) else parse_body(work.text, work.content_type)
        handler = self._handler(body)
        if handler is None or not await self._served(body):
            return
        try:
            await handler(body)
        except (RateLimited, RecipientUnreachable, DeliveryFailed) as error:
            # Slack itself did not answer as needed (users.info, views.publish...): nothing more to do.
            log.warning("slack: %s could not be handled: %s", handler.__name__, error)

    async def _served(self, body: dict[str, Any]) -> bool:
        """Whether the workspace an event comes from has an active installation; an uninstall and a
        revocation are always taken (they come as the installation ends)."""
        event_type = (body.get("event") or {}).get("type")
        if body.get("type") != "event_callback" or event_type in _ALWAYS_TAKEN:
            return True
        if await self._tokens.active(workspace_key(body)) is not None:
            return True
        team = body.get("team_id")
        log.info("slack: %s from %s, which has no active installation; ignored", event_type, team)
        return False

    def _handler(self, body: dict[str, Any]) -> Handler | None:
        if body.get("command"):
            return self.command
        kind = body.get("type")
        if kind == "block_actions":
            return self.click
        if kind == "view_submission":
            return self.form
        events: dict[str, Handler] = {
            "message": self.direct_message,
            "app_mention": self.mention,
            "app_home_opened": self.home_opened,
            "app_uninstalled": self.uninstalled,
            "tokens_revoked": self.tokens_revoked,
        }
        return events.get(str((body.get("event") or {}).get("type")))

    async def direct_message(self, body: dict[str, Any]) -> None:
        event = body["event"]
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        user = slack_user(body, str(event["user"]), dm_channel=str(event["channel"]))
        place = Place(user.workspace, user.user_id, channel=user.dm_channel)
        await self.converse(user, place, str(event.get("text") or ""))

    async def mention(self, body: dict[str, Any]) -> None:
        """A mention in a channel is answered privately: estimates and figures are the person's own."""
        event = body["event"]
        if event.get("bot_id") or not event.get("user"):
            return  # another app mentioning the bot
        user = slack_user(body, str(event["user"]))
        thread = event.get("thread_ts")
        place = Place(
            user.workspace, user.user_id, channel=str(event["channel"]), private=True, thread_ts=thread
        )
        await self.converse(user, place, MENTION.sub(" ", str(event.get("text") or "")))

    async def command(self, body: dict[str, Any]) -> None:
        user = slack_user(body, str(body["user_id"]))
        place = Place(
            user.workspace,
            user.user_id,
            channel=body.get("channel_id"),
            private=True,
            response_url=body.get("response_url"),
        )
        await self.converse(user, place, str(body.get("text") or ""), command=True)

    async def converse(self, user: SlackUser, place: Place, said: str, *, command: bool = False) -> None:
        resolution = await self._people.resolve(user)
        if not isinstance(resolution, Known):
            await self._stranger(place, resolution)
            return
        turn = await self._router.turn(resolution.organisation, resolution.person, "slack")
        message = command_text(said, turn.locale) if command else said
        reply = await self._router.on_message(turn, message)
        await self._replies.deliver(place, reply, locale=turn.locale)

    async def home_opened(self, body: dict[str, Any]) -> None:
        event = body["event"]
        if event.get("tab", "home") != "home":
            return
        user = slack_user(body, str(event["user"]))
        await self._home.publish(user, await self._people.resolve(user))

    async def click(self, body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        name = action_name(str(action.get("action_id", "")))
        value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        user = slack_user(body, str(extract_user_id(body)))
        place, from_home = _click_place(body, user.workspace, user.user_id)
        resolution = await self._people.resolve(user)
        if name == ONBOARD_ACTION:
            await self._onboard(user, place, resolution, value, from_home)
        elif isinstance(resolution, Known):
            turn = await self._router.turn(resolution.organisation, resolution.person, "slack")
            reply = await self._router.on_action(turn, name, value, {})
            if from_home:  # the Home is redrawn instead; anything said goes to the direct message
                reply = Reply(messages=reply.messages)
            await self._replies.deliver(place if not from_home else _dm(place), reply, locale=turn.locale)
        else:
            await self._stranger(place, resolution)
        if from_home:
            await self._home.publish(user, await self._people.resolve(user))

    async def form(self, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        origin = FormOrigin.parse(str(view.get("private_metadata") or ""))
        user = slack_user(body, str(extract_user_id(body)))
        resolution = await self._people.resolve(user)
        if not isinstance(resolution, Known):
            await self._stranger(origin.place, resolution)
            return
        turn = await self._router.turn(resolution.organisation, resolution.person, "slack")
        reply = await self._router.on_action(turn, origin.action, origin.value, read_inputs(view))
        await self._replies.deliver(origin.place, reply, locale=turn.locale)

    async def uninstalled(self, body: dict[str, Any]) -> None:
        await self._unreachable(workspace_key(body), "app_uninstalled")

    async def tokens_revoked(self, body: dict[str, Any]) -> None:
        tokens = (body.get("event") or {}).get("tokens") or {}
        if tokens.get("bot"):  # revoked user tokens do not matter: remm-bot uses only its bot token
            await self._unreachable(workspace_key(body), "tokens_revoked")

    async def _unreachable(self, workspace: WorkspaceKey, reason: str) -> None:
        await self._tokens.mark(workspace, status=UNINSTALLED, reason=reason)
        stranded = await self._slack_people.strand_outbox(
            enterprise_id=workspace.enterprise_id,
            team_id=None if workspace.is_enterprise_install else workspace.team_id,
            reason=f"slack:{reason}",
            now=self._clock.now(),
        )
        log.info("slack: %s in %s; %d queued messages unreachable", reason, workspace.team_id, stranded)

    async def _onboard(
        self, user: SlackUser, place: Place, resolution: Resolution, value: str, from_home: bool
    ) -> None:
        if not isinstance(resolution, Newcomer) or not value.isdigit():
            return  # already a person (a second click), or not for this workspace
        person = await self._people.onboard(user, resolution.organisation, int(value))
        office = await self._offices.by_id(int(value)) if person else None
        if person is None or office is None:
            message = OutgoingMessage(text("slack.onboarding.failed", resolution.locale))
        else:
            message = welcome(person.name, office.name, resolution.locale)
        if not from_home:
            await self._replies.update(place, message, locale=resolution.locale)

    async def _stranger(self, place: Place, resolution: Resolution) -> None:
        if isinstance(resolution, Newcomer):
            offices = await self._offices.list(resolution.organisation.id)
            await self._replies.say(place, onboarding_message(resolution, offices), locale=resolution.locale)
        elif isinstance(resolution, Unlinked):
            await self._replies.say(place, refusal(resolution), locale=resolution.locale)


def command_text(said: str, locale: Locale) -> str:
    """``/remm`` text as the router reads it: nothing means help; "Umeå 3" means three people to Umeå."""
    said = " ".join(said.split())
    if not said:
        return "help"
    short = SHORT_TRIP.match(said)
    if short:
        return text("slack.command.trip", locale, place=short["place"], count=short["count"])
    return said


def _click_place(body: dict[str, Any], workspace: WorkspaceKey, user_id: str) -> tuple[Place, bool]:
    container = body.get("container") or {}
    from_home = container.get("type") == "view" and (body.get("view") or {}).get("type") == "home"
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    place = Place(
        workspace,
        user_id,
        channel=channel,
        private=bool(container.get("is_ephemeral")),
        response_url=body.get("response_url"),
        message_ts=container.get("message_ts"),
        trigger_id=body.get("trigger_id"),
    )
    return place, from_home


def _dm(place: Place) -> Place:
    """Answers to a click in the Home go to the person's direct message with the bot."""
    return Place(place.workspace, place.user_id, trigger_id=place.trigger_id)
