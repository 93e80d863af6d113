"""Installs and roster changes: welcome a person in their personal chat, learn who a team's members are.

``conversationUpdate`` and ``installationUpdate`` both arrive when someone installs the app for themselves;
the welcome is sent once per conversation (an inbound-log key), in the person's language. When the bot
joins a team or group chat, its roster is read so the people in it can be nudged in a 1:1 chat later.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Final

from aiohttp import ClientError
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.adapters.teams.accounts import account_of, is_personal, team_of, tenant_of
from bot.adapters.teams.outgoing import to_activity
from bot.adapters.teams.people import Known, TeamsPeople, Unknown
from bot.handlers.router import Router
from bot.i18n import normalise_locale, text
from bot.messages import OutgoingMessage
from bot.ports import Clock
from storage.inbound import SqlInboundLog

log = logging.getLogger(__name__)

ROSTER_PAGE: Final = 200
ROSTER_PAGES: Final = 50
_INSTALLED: Final = frozenset({"add", "add-upgrade"})


class Members:
    def __init__(self, *, people: TeamsPeople, router: Router, inbound: SqlInboundLog, clock: Clock) -> None:
        self._people, self._router, self._inbound, self._clock = people, router, inbound, clock

    async def changed(self, context: TurnContext) -> dict[str, Any]:
        activity = context.activity
        if not _installed(activity):
            return {"ignored": "no one added"}
        if is_personal(activity):
            return {"welcomed": await self._welcome(context)}
        return {"linked": await self._learn_roster(context)}

    async def _welcome(self, context: TurnContext) -> bool:
        activity = context.activity
        account = account_of(activity)
        if account is None:
            return False
        sender = await self._people.sender(context, account)  # also stores the personal chat's reference
        if not await self._first_time(activity):
            return False
        locale = normalise_locale(activity.locale)
        if isinstance(sender, Known):
            turn = await self._router.turn(sender.organisation, sender.person, "teams")
            message = text("teams.welcome", turn.locale, name=sender.person.name.split(" ")[0])
        elif isinstance(sender, Unknown):
            message = text("teams.onboarding", locale, organisation=sender.organisation.name)
        else:
            message = text("teams.refused", locale)
        await context.send_activity(to_activity(OutgoingMessage(message)))
        return True

    async def _first_time(self, activity: Activity) -> bool:
        conversation = activity.conversation.id if activity.conversation else ""
        digest = hashlib.sha256(conversation.encode()).hexdigest()[:24]
        entry = await self._inbound.begin(
            source="teams", delivery_id=f"welcome@{digest}", payload={}, now=self._clock.now()
        )
        if entry is None:
            return False
        await self._inbound.finish(entry, now=self._clock.now())
        return True

    async def _learn_roster(self, context: TurnContext) -> int:
        """Everyone added (or the whole roster when the bot itself joined) whose email is in the directory."""
        activity = context.activity
        organisation = await self._people.organisation_for(tenant_of(activity))
        if organisation is None:
            return 0
        bot_id = activity.recipient.id if activity.recipient else None
        added = activity.members_added or []
        joined = activity.type == ActivityTypes.installation_update or any(m.id == bot_id for m in added)
        roster = await _roster(context) if joined else [(m, "") for m in added if m.id != bot_id]
        linked = 0
        for member, email in roster:
            account = account_of(activity, member)
            if account is not None and await self._people.link_member(
                context, organisation, account, email=email
            ):
                linked += 1
        if joined and await self._first_time(activity):
            message = text("teams.welcome_team", normalise_locale(organisation.default_locale))
            await context.send_activity(to_activity(OutgoingMessage(message)))
        log.info("Teams roster: %s people linked in tenant %s", linked, tenant_of(activity))
        return linked


def _installed(activity: Activity) -> bool:
    if activity.type == ActivityTypes.installation_update:
        return (activity.action or "") in _INSTALLED
    return bool(activity.members_added)


async def _roster(context: TurnContext) -> list[tuple[Any, str]]:
    connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    where = team_of(context.activity) or getattr(context.activity.conversation, "id", "")
    if connector is None or not where or not hasattr(connector, "get_conversation_paged_member"):
        return []
    found: list[tuple[Any, str]] = []
    token = ""
    try:
        for _page in range(ROSTER_PAGES):
            page = await connector.get_conversation_paged_member(where, ROSTER_PAGE, token)
            found += [(m, str(m.email or m.user_principal_name or "")) for m in page.members or []]
            token = page.continuation_token or ""
            if not token:
                break
    except (ClientError, ValueError, TimeoutError) as error:
        log.warning("Teams roster read failed (%s); linked what was read", type(error).__name__)
    return found
