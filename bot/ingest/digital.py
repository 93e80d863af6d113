"""Make it digital, for real (opt-in): choosing nudge.go_digital on a Graph meeting the person organises
turns the meeting into a Teams meeting in their calendar.

Only with ``organisation.settings["calendar_write"] = true`` (and the app granted Calendars.ReadWrite).
Otherwise, and for meetings someone else organises, the follow-up message with the meeting link and
booking instructions is what the person gets (NudgeChoices sends it either way). A failed write-back is
logged, never shown as an error: the choice is recorded and the instructions are there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from bot.domain.nudges import NudgeRecord
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.ingest.graph_events import SOURCE
from bot.ingest.ports import CalendarLinks, GraphApi, NotConfigured, ProviderError

log = logging.getLogger(__name__)

ONLINE: Final = {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}


def calendar_write_allowed(organisation: Organisation) -> bool:
    return organisation.settings.get("calendar_write") is True


class MakeDigital:
    def __init__(self, *, links: CalendarLinks, apis: Callable[[Organisation], GraphApi]) -> None:
        self._links, self._apis = links, apis

    async def __call__(self, organisation: Organisation, person: Person, nudge: NudgeRecord) -> None:
        if not calendar_write_allowed(organisation) or nudge.meeting_id is None:
            return
        meeting = await self._links.meeting_source(nudge.meeting_id)
        if meeting is None or meeting[1] != SOURCE or meeting[3] != person.id:
            return  # not a Graph meeting, or someone else organises it: the instructions go out instead
        ref = await self._links.organiser_ref(organisation.id, SOURCE, meeting[2])
        if ref is None or ref.person_id != person.id:
            return
        try:
            await self._apis(organisation).update_event(ref.mailbox, ref.external_id, dict(ONLINE))
        except (ProviderError, NotConfigured) as error:
            log.warning("meeting %s not made online: %s", nudge.meeting_id, error)
            return
        log.info("meeting %s made a Teams meeting for its organiser", nudge.meeting_id)
