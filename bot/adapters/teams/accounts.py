"""A Teams account as an activity shows it, and the address kept for proactive sends.

The identity's address (design 8: identities carry the platform's address)::

    {"service_url", "tenant_id", "user_id" (29:...), "bot_id" (28:...), "bot_name",
     "reference": the personal chat's ConversationReference (only once the person has one)}

Only a personal chat's reference is kept: a nudge must never land in a channel or a group chat. Someone
seen only in a team roster gets the address without a reference, and the messenger opens the 1:1 chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import ClientError
from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

log = logging.getLogger(__name__)

PERSONAL: Final = "personal"
DEFAULT_SERVICE_URL: Final = "https://smba.trafficmanager.net/teams/"


@dataclass(frozen=True, slots=True)
class Account:
    """The Teams account behind an activity's ``from`` (or a roster entry)."""

    tenant_id: str
    aad_object_id: str
    user_id: str
    name: str = ""


def tenant_of(activity: Activity) -> str:
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return str(conversation.tenant_id)
    return _channel_data_id(activity, "tenant")


def _channel_data_id(activity: Activity, name: str) -> str:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    part = data.get(name)
    return str(part.get("id") or "") if isinstance(part, dict) else ""


def account_of(activity: Activity, member: ChannelAccount | None = None) -> Account | None:
    who = member or activity.from_property
    tenant = tenant_of(activity)
    if who is None or not who.id or not who.aad_object_id or not tenant:
        return None
    return Account(tenant, str(who.aad_object_id), str(who.id), who.name or "")


def team_of(activity: Activity) -> str:
    """The team a channel activity belongs to (member lookups and rosters are per team)."""
    return _channel_data_id(activity, "team")


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return conversation is not None and (conversation.conversation_type or PERSONAL) == PERSONAL


def address_of(activity: Activity, account: Account) -> dict[str, Any]:
    bot = activity.recipient
    address: dict[str, Any] = {
        "service_url": activity.service_url or DEFAULT_SERVICE_URL,
        "tenant_id": account.tenant_id,
        "user_id": account.user_id,
        "bot_id": bot.id if bot is not None else "",
        "bot_name": (bot.name or "") if bot is not None else "",
    }
    if is_personal(activity) and account.user_id == getattr(activity.from_property, "id", None):
        reference = activity.get_conversation_reference()
        reference.activity_id = None
        reference.request_id = None
        address["reference"] = reference.model_dump(mode="json", by_alias=True, exclude_none=True)
    return address


def keeping_reference(address: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    if "reference" not in address and "reference" in stored:
        address["reference"] = stored["reference"]  # a channel message must not drop the 1:1 chat
    return address


async def member_email(context: TurnContext, account: Account) -> str:
    """The connector's member lookup gives the email (or the user principal name, usually the same)."""
    connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    where = team_of(context.activity) or getattr(context.activity.conversation, "id", "")
    if connector is None or not where or not hasattr(connector, "get_conversation_member"):
        return ""
    try:
        member = await connector.get_conversation_member(where, account.user_id)
    except (ClientError, ValueError, TimeoutError) as error:
        log.warning(
            "Teams member lookup failed for a member of tenant %s (%s)",
            account.tenant_id,
            type(error).__name__,
        )
        return ""
    return str(member.email or member.user_principal_name or "").strip().lower()
