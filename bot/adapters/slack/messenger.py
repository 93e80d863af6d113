"""The outbox's Messenger for Slack: open the direct message, post, update in place, check after a crash.

Every message carries the outbox id in Slack's message metadata, so that a row found in ``sending`` after a
crash can be looked up in the conversation (``find_delivered``) instead of being sent twice.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.tokens import WorkspaceKey
from bot.adapters.slack.translate import to_blocks
from bot.domain.delivery import OutboxItem, SentRef
from bot.i18n import Locale
from bot.messages import OutgoingMessage, Recipient
from bot.ports import DeliveryFailed, RateLimited, RecipientUnreachable

log = logging.getLogger(__name__)
METADATA_EVENT: Final = "remm_outbox"
HISTORY_LIMIT: Final = 50


def workspace_of(data: dict[str, Any]) -> WorkspaceKey:
    """A recipient's address or a SentRef's data: the identity's realm is the team id."""
    team = data.get("team") or data.get("realm")
    return WorkspaceKey(enterprise_id=data.get("enterprise_id"), team_id=str(team) if team else None)


class SlackMessenger:
    def __init__(self, calls: SlackCalls, *, locale: Locale, public_url: str = "") -> None:
        """``calls`` must not retry by itself: the dispatcher retries, with its own backoff and records."""
        self._call, self._locale, self._public_url = calls, locale, public_url

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        address = recipient.address
        workspace = workspace_of(address)
        channel = await self._channel(workspace, address)
        rendered = to_blocks(message, locale=self._locale, public_url=self._public_url)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": address.get("outbox_id")}}
        answer = await self._call(
            workspace,
            lambda client: client.chat_postMessage(
                channel=channel, text=rendered.text, blocks=rendered.blocks, metadata=metadata
            ),
        )
        return _ref(workspace, str(answer["channel"]), str(answer["ts"]))

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None:
        rendered = to_blocks(message, locale=self._locale, public_url=self._public_url)
        await self._call(
            workspace_of(ref.data),
            lambda client: client.chat_update(
                channel=ref.data["channel"], ts=ref.data["ts"], text=rendered.text, blocks=rendered.blocks
            ),
        )

    async def _channel(self, workspace: WorkspaceKey, address: dict[str, Any]) -> str:
        """The stored direct message needs no token (nor a look-up of the workspace's status)."""
        if address.get("channel"):
            return str(address["channel"])
        return await self._call(workspace, lambda client: open_direct_message(client, address))

    async def find_delivered(self, item: OutboxItem) -> SentRef | None:
        """Did an earlier attempt post this item before the process died? Its metadata says.

        When Slack cannot tell right now, None: the item is sent again (and counted as redelivered)."""
        try:
            return await self._find(item)
        except (RateLimited, RecipientUnreachable, DeliveryFailed) as error:
            log.info("slack: could not check outbox %s after a crash: %s", item.id, error)
            return None

    async def _find(self, item: OutboxItem) -> SentRef | None:
        address = item.recipient.address
        workspace = workspace_of(address)
        channel = await self._channel(workspace, address)
        history = await self._call(
            workspace,
            lambda client: client.conversations_history(
                channel=channel, include_all_metadata=True, limit=HISTORY_LIMIT
            ),
        )
        messages: list[dict[str, Any]] = list(history.get("messages") or [])
        for posted in messages:
            metadata: dict[str, Any] = posted.get("metadata") or {}
            payload: dict[str, Any] = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == item.id:
                return _ref(workspace, channel, str(posted["ts"]))
        return None


async def open_direct_message(client: AsyncWebClient, address: dict[str, Any]) -> str:
    """The direct message with the bot: stored on the identity, else opened (idempotent at Slack)."""
    if address.get("channel"):
        return str(address["channel"])
    user = address.get("external_id")
    if not user:
        raise RecipientUnreachable("slack:no_user_id")
    opened = await client.conversations_open(users=str(user))
    return str(opened["channel"]["id"])


def _ref(workspace: WorkspaceKey, channel: str, ts: str) -> SentRef:
    data: dict[str, Any] = {"channel": channel, "ts": ts, "team": workspace.team_id}
    if workspace.enterprise_id:
        data["enterprise_id"] = workspace.enterprise_id
    return SentRef("slack", data)
