"""A turn's Reply, delivered where the turn happened (design 4.5: replies in a turn go out directly).

New messages go to the conversation (a direct message), or privately to the person where others would
see them (a mention in a channel, a slash command). The ``update`` replaces the message that was clicked,
in place: chat.update, or the response_url for ephemeral messages. An update that asks for input (the
reason for travelling) opens a modal instead, which needs the click's trigger_id within 3 seconds.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any, Final

import aiohttp

from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.messenger import open_direct_message
from bot.adapters.slack.tokens import WorkspaceKey
from bot.adapters.slack.translate import SlackMessage, to_blocks, to_modal
from bot.i18n import Locale
from bot.messages import OutgoingMessage, Reply
from bot.ports import DeliveryFailed, RateLimited, RecipientUnreachable

log = logging.getLogger(__name__)

FORM_CALLBACK: Final = "remm.form"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a turn happened, and so where its answers go."""

    workspace: WorkspaceKey
    user_id: str
    channel: str | None = None
    private: bool = False  # answers only the person may see (ephemeral)
    response_url: str | None = None
    message_ts: str | None = None  # the message a click came from
    trigger_id: str | None = None
    thread_ts: str | None = None  # a mention inside a thread is answered there

    def to_metadata(self, *, action: str, value: str, locale: Locale) -> str:
        """What a modal carries (private_metadata) to finish the click it came from."""
        place = {k: v for k, v in asdict(self).items() if k not in {"workspace", "trigger_id"} and v}
        workspace = {k: v for k, v in asdict(self.workspace).items() if v}
        return json.dumps(
            {"action": action, "value": value, "locale": locale, "place": place, "workspace": workspace}
        )


@dataclass(frozen=True, slots=True)
class FormOrigin:
    """A submitted modal's private_metadata: the click it finishes and where its answer goes."""

    place: Place
    action: str
    value: str
    locale: Locale

    @classmethod
    def parse(cls, raw: str) -> FormOrigin:
        """Raises ValueError (or KeyError, TypeError) when the metadata is not ours."""
        data = json.loads(raw)
        place = Place(workspace=WorkspaceKey(**data["workspace"]), **data["place"])
        locale: Locale = "en" if data.get("locale") == "en" else "sv"
        return cls(place, str(data["action"]), str(data["value"]), locale)


class SlackReplies:
    def __init__(self, calls: SlackCalls, *, public_url: str = "") -> None:
        self._call, self._public_url = calls, public_url

    async def deliver(self, place: Place, reply: Reply, *, locale: Locale) -> None:
        """Everything the reply says; a failure is logged, never raised into the event handling."""
        try:
            if reply.update is not None:
                await self.update(place, reply.update, locale=locale)
            for message in reply.messages:
                await self.say(place, message, locale=locale)
        except (RateLimited, RecipientUnreachable, DeliveryFailed) as error:
            log.warning("slack: a reply could not be delivered: %s", error)

    async def say(self, place: Place, message: OutgoingMessage | SlackMessage, *, locale: Locale) -> None:
        rendered = message if isinstance(message, SlackMessage) else self._render(message, locale)
        if place.private and place.response_url:
            await self._respond(place.response_url, rendered, replace_original=False)
        elif place.private and place.channel:
            await self._call(
                place.workspace,
                lambda client: client.chat_postEphemeral(
                    channel=place.channel or "",
                    user=place.user_id,
                    text=rendered.text,
                    blocks=rendered.blocks,
                    thread_ts=place.thread_ts,
                ),
            )
        else:
            await self._post(place, rendered)

    async def update(self, place: Place, message: OutgoingMessage, *, locale: Locale) -> None:
        if message.inputs:
            await self._open_form(place, message, locale)
        elif place.private and place.response_url:
            await self._respond(place.response_url, self._render(message, locale), replace_original=True)
        elif place.channel and place.message_ts:
            rendered = self._render(message, locale)
            await self._call(
                place.workspace,
                lambda client: client.chat_update(
                    channel=place.channel or "",
                    ts=place.message_ts or "",
                    text=rendered.text,
                    blocks=rendered.blocks,
                ),
            )
        else:
            await self.say(place, message, locale=locale)

    async def _open_form(self, place: Place, form: OutgoingMessage, locale: Locale) -> None:
        if not place.trigger_id:
            log.info("slack: a form without a click to open it from; not shown")
            return
        action = form.actions[0] if form.actions else None
        metadata = place.to_metadata(
            action=action.id.value if action else "", value=action.value if action else "", locale=locale
        )
        view = to_modal(form, callback_id=FORM_CALLBACK, private_metadata=metadata, locale=locale)
        await self._call(
            place.workspace, lambda client: client.views_open(trigger_id=place.trigger_id or "", view=view)
        )

    async def _post(self, place: Place, rendered: SlackMessage) -> None:
        async def post(client: Any) -> Any:
            channel = place.channel or await open_direct_message(client, {"external_id": place.user_id})
            return await client.chat_postMessage(channel=channel, text=rendered.text, blocks=rendered.blocks)

        await self._call(place.workspace, post)

    async def _respond(self, url: str, rendered: SlackMessage, *, replace_original: bool) -> None:
        try:
            response = await self._call.http.webhook(url).send(
                text=rendered.text,
                blocks=rendered.blocks,
                response_type="ephemeral",
                replace_original=replace_original,
            )
        except (TimeoutError, aiohttp.ClientError) as error:
            raise DeliveryFailed(f"slack:response_url:{type(error).__name__}") from None
        if response.status_code >= 300:
            log.warning("slack: response_url answered %s", response.status_code)

    def _render(self, message: OutgoingMessage, locale: Locale) -> SlackMessage:
        return to_blocks(message, locale=locale, public_url=self._public_url)
