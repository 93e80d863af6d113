"""The Teams Messenger for the outbox: proactive sends from a stored reference, or a 1:1 chat opened first.

Paths at the connector (``serviceUrl`` per tenant, stored with each identity): open a chat
``POST v3/conversations``, send ``POST v3/conversations/{id}/activities``, update in place
``PUT v3/conversations/{id}/activities/{activityId}``. Failures map to the neutral delivery errors:
403 (MessageWritesBlocked, ConversationBlockedByUser, BotDisabledByAdmin, ...) and 404 are unreachable with
the platform's reason; 429 waits for Retry-After; 412, 5xx and connection faults are retried with backoff
and jitter by the dispatcher. One HTTP session and one token cache serve every send.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from aiohttp import ClientError, ClientResponse
from microsoft_agents.activity import ConversationAccount

from bot.adapters.teams.accounts import DEFAULT_SERVICE_URL
from bot.adapters.teams.connector import ConnectorHttp, TokenSource
from bot.adapters.teams.outgoing import to_activity
from bot.domain.delivery import SentRef
from bot.messages import OutgoingMessage, Recipient
from bot.ports import DeliveryFailed, RateLimited, RecipientUnreachable
from storage.teams import SqlTeamsContacts

log = logging.getLogger(__name__)

CHANNEL: Final = "teams"
DEFAULT_RETRY_AFTER: Final = 2.0
_OK: Final = frozenset({200, 201, 202})


class TeamsMessenger:
    def __init__(
        self,
        http: ConnectorHttp,
        tokens: TokenSource,
        contacts: SqlTeamsContacts,
        *,
        app_id: str = "",
        public_url: str = "",
    ) -> None:
        self._http, self._tokens, self._contacts = http, tokens, contacts
        self._app_id, self._public_url = app_id, public_url

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        address = recipient.address
        reference = address.get("reference") if isinstance(address.get("reference"), dict) else None
        service_url = _service_url(address, reference)
        if reference is not None:
            conversation_id = str(reference["conversation"]["id"])
        else:
            conversation_id = await self._open_chat(address, service_url)
        body = self._activity(message, conversation_id)
        answer = await self._call("POST", service_url, f"v3/conversations/{conversation_id}/activities", body)
        data = {
            "service_url": service_url,
            "conversation_id": conversation_id,
            "activity_id": str(answer.get("id") or ""),
        }
        return SentRef(CHANNEL, data)

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None:
        service_url = str(ref.data.get("service_url") or DEFAULT_SERVICE_URL)
        conversation_id, activity_id = ref.data.get("conversation_id"), ref.data.get("activity_id")
        if not conversation_id or not activity_id:
            raise RecipientUnreachable("teams_message_unknown")
        body = self._activity(message, str(conversation_id)) | {"id": str(activity_id)}
        path = f"v3/conversations/{conversation_id}/activities/{activity_id}"
        await self._call("PUT", service_url, path, body)

    async def _open_chat(self, address: dict[str, Any], service_url: str) -> str:
        """Someone the app reaches (a team roster) who never wrote: open the 1:1 chat, keep its reference."""
        tenant_id, user_id = (
            str(address.get("tenant_id") or address.get("realm") or ""),
            address.get("user_id"),
        )
        if not tenant_id or not user_id:
            raise RecipientUnreachable("teams_no_address")
        bot = {
            "id": str(address.get("bot_id") or f"28:{self._app_id}"),
            "name": str(address.get("bot_name") or ""),
        }
        body = {
            "bot": bot,
            "members": [{"id": str(user_id)}],
            "isGroup": False,
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        answer = await self._call("POST", service_url, "v3/conversations", body)
        conversation_id = str(answer.get("id") or "")
        if not conversation_id:
            raise DeliveryFailed("teams_no_conversation_id")
        reference = {
            "bot": bot,
            "user": {"id": str(user_id), "aadObjectId": str(address.get("external_id") or "")},
            "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": tenant_id},
            "channelId": "msteams",
            "serviceUrl": service_url,
        }
        external_id = str(address.get("external_id") or "")
        if external_id:
            await self._contacts.merge_address(
                tenant_id=tenant_id, aad_object_id=external_id, changes={"reference": reference}
            )
        return conversation_id

    def _activity(self, message: OutgoingMessage, conversation_id: str) -> dict[str, Any]:
        activity = to_activity(message, public_url=self._public_url)
        activity.conversation = ConversationAccount(id=conversation_id)
        body: dict[str, Any] = activity.model_dump(mode="json", by_alias=True, exclude_none=True)
        return body

    async def _call(self, method: str, service_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if not self._http.allows(service_url):
            raise RecipientUnreachable("teams_service_url_not_allowed")
        url = service_url.rstrip("/") + "/" + path
        for attempt in (1, 2):
            token = await self._tokens.token(refresh=attempt == 2)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                async with self._http.session().request(method, url, json=body, headers=headers) as response:
                    if response.status in _OK:
                        return await _json(response)
                    if response.status == 401 and attempt == 1:
                        continue  # a token revoked early: fetch a fresh one once
                    raise await _failure(response)
            except (ClientError, TimeoutError, ConnectionError) as error:
                raise DeliveryFailed(f"teams_connection:{type(error).__name__}") from None
        raise DeliveryFailed("teams_unauthorized")


async def _json(response: ClientResponse) -> dict[str, Any]:
    raw = await response.read()
    if not raw:
        return {}
    try:
        data = await response.json(content_type=None)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def _failure(response: ClientResponse) -> Exception:
    code = _error_code(await _json(response))
    status = response.status
    log.info("Teams connector answered %s (%s)", status, code or "no code")
    if status == 429:
        return RateLimited(_retry_after(response.headers.get("Retry-After")))
    if status in (403, 404):
        return RecipientUnreachable(f"teams_{code or ('forbidden' if status == 403 else 'not_found')}")
    return DeliveryFailed(f"teams_http_{status}" + (f":{code}" if code else ""))


def _error_code(data: dict[str, Any]) -> str:
    error = data.get("error")
    if isinstance(error, dict):
        return str(error.get("code") or "")[:80]
    return ""


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


def _service_url(address: dict[str, Any], reference: dict[str, Any] | None) -> str:
    found = (reference or {}).get("serviceUrl") or address.get("service_url") or DEFAULT_SERVICE_URL
    return str(found)
