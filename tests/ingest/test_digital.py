"""Make it digital, for real: the organiser's Graph meeting becomes a Teams meeting, only when allowed."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import Services
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.messages import ActionId
from storage.tables import NudgeRow
from tests.ingest.conftest import SAMPLE, body_of
from tests.ingest.fakes import FakeGraph, payload

SOFIA = "sofia.akesson@mhs.example.se"  # Stockholm
OLLE = "olle.backman@mhs.example.se"  # Umeå
EVENT_ID = "AAMkAGI1AAAt9AHjAAA="
ONLINE = {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}


async def _meeting_in_umea(
    client: TestClient, services: Services, fake_graph: FakeGraph, *, organiser: str, write: bool
) -> tuple[Organisation, Person]:
    """An in-person meeting in Umeå in Sofia's calendar, organised by ``organiser``; Sofia gets the nudge."""
    organisation = await services.organisations.by_slug(SAMPLE)
    assert organisation is not None
    if write:
        organisation = await services.organisations.update_settings(
            organisation.id, organisation.settings | {"calendar_write": True}
        )
    sofia = await services.people.by_email(organisation.id, SOFIA)
    assert sofia is not None
    link = await services.ingest.graph.subscribe(organisation, sofia)
    other = OLLE if organiser == SOFIA else SOFIA
    event = payload(
        "graph/event_umea.json", organiser=organiser, organiser_name="-", attendee=other, attendee_name="-"
    )
    fake_graph.put_event(SOFIA, event)
    notification = payload(
        "graph/change_notification.json",
        subscription_id=link.external_id,
        client_state=link.secret,
        event_id=EVENT_ID,
        user_id="u",
    )
    response = await client.post("/webhooks/graph", data=body_of(notification))
    assert response.status == 202
    await services.ingest.work.drain()
    return organisation, sofia


async def _choose_digital(services: Services, organisation: Organisation, person: Person) -> Any:
    async with services.database.session() as session:
        nudge_id = (
            await session.execute(select(NudgeRow.id).where(NudgeRow.person_id == person.id))
        ).scalar_one()
    return await services.choices.choose(organisation, person, ActionId.NUDGE_GO_DIGITAL, str(nudge_id), {})


async def test_the_organisers_meeting_becomes_a_teams_meeting_when_the_organisation_allows_it(
    client: TestClient, services: Services, fake_graph: FakeGraph
) -> None:
    organisation, sofia = await _meeting_in_umea(client, services, fake_graph, organiser=SOFIA, write=True)

    result = await _choose_digital(services, organisation, sofia)

    assert result.recorded is not None and result.recorded.value == "digital"
    assert fake_graph.patches == [(SOFIA, EVENT_ID, ONLINE)]
    assert fake_graph.events[(SOFIA, EVENT_ID)]["isOnlineMeeting"] is True
    assert result.replies  # the link and instructions go out as well


async def test_without_calendar_write_nothing_is_written(
    client: TestClient, services: Services, fake_graph: FakeGraph
) -> None:
    organisation, sofia = await _meeting_in_umea(client, services, fake_graph, organiser=SOFIA, write=False)

    result = await _choose_digital(services, organisation, sofia)

    assert result.recorded is not None and fake_graph.patches == []
    assert result.replies


async def test_a_meeting_someone_else_organises_is_not_touched(
    client: TestClient, services: Services, fake_graph: FakeGraph
) -> None:
    organisation, sofia = await _meeting_in_umea(client, services, fake_graph, organiser=OLLE, write=True)

    result = await _choose_digital(services, organisation, sofia)

    assert result.recorded is not None and fake_graph.patches == []
