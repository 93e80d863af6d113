"""Proactive nudges through the outbox and the TeamsMessenger, against the fake connector."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import open_services
from bot.delivery import Dispatcher
from bot.domain.delivery import OutboxKind, SentRef
from bot.messages import Action, ActionId, Fact, OutgoingMessage
from storage.outbox import enqueue
from storage.tables import OutboxRow
from storage.teams import SqlTeamsContacts
from tests.fakes.clock import FakeClock
from tests.teams.conftest import (
    DANIEL_AAD,
    DANIEL_EMAIL,
    DANIEL_USER,
    MONDAY,
    SOFIA_EMAIL,
    TENANT,
    payload,
    post,
    services_of,
    settings,
)
from tests.teams.fake_connector import FakeBotConnector

Client = TestClient  # type: ignore[type-arg]
NUDGE = OutgoingMessage(
    "**Ska du resa till Umeå på tisdag?**",
    facts=(Fact("Tid", "9 h"),),
    actions=(Action(ActionId.NUDGE_GO_DIGITAL, "Delta digitalt", "7"),),
)


async def _queue(client: Client, email: str, key: str = "travel:t-1") -> None:
    services = services_of(client)
    organisation = (await services.organisations.all())[0]
    person = await services.people.by_email(organisation.id, email)
    assert person is not None
    async with services.database.transaction() as session:
        await enqueue(
            session,
            organisation_id=organisation.id,
            person_id=person.id,
            key=key,
            kind=OutboxKind.NUDGE,
            channel="teams",
            message=NUDGE,
            due_at=services.clock.now(),
        )


async def _deliver(client: Client) -> Dispatcher:
    services = services_of(client)
    dispatcher = Dispatcher(services.outbox, services.messengers, services.clock)
    await dispatcher.run_once()
    return dispatcher


async def _row(client: Client) -> OutboxRow:
    async with services_of(client).database.session() as session:
        return (await session.execute(select(OutboxRow).order_by(OutboxRow.id.desc()))).scalars().first()


async def _team_install(client: Client, connector: FakeBotConnector) -> None:
    await post(
        client,
        payload(
            "channel_message_mention",
            connector.url,
            type="conversationUpdate",
            id="f:team-install",
            membersAdded=[{"id": "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c"}],
            text=None,
        ),
    )
    connector.calls.clear()


async def test_a_nudge_goes_to_the_stored_personal_chat(client: Client, connector: FakeBotConnector) -> None:
    await post(client, payload("personal_message", connector.url))
    connector.calls.clear()
    await _queue(client, SOFIA_EMAIL)

    await _deliver(client)

    (sent,) = connector.calls
    assert sent.kind == "send" and sent.conversation_id.startswith("a:17I0kl8")
    assert sent.body["attachments"][0]["content"]["actions"][0]["data"] == {
        "action_id": "nudge.go_digital",
        "value": "7",
    }
    row = await _row(client)
    assert row.state == "sent" and row.sent_ref["activity_id"].startswith("1:sent-")


async def test_someone_who_never_wrote_gets_a_new_one_to_one_chat(
    client: Client, connector: FakeBotConnector
) -> None:
    await _team_install(client, connector)
    await _queue(client, DANIEL_EMAIL)

    await _deliver(client)

    create, sent = connector.calls
    assert create.kind == "create"
    assert create.body["members"] == [{"id": DANIEL_USER}]
    assert create.body["tenantId"] == TENANT and create.body["isGroup"] is False
    assert sent.kind == "send" and sent.conversation_id == create.conversation_id
    contact = await SqlTeamsContacts(services_of(client).database).find(
        tenant_id=TENANT, aad_object_id=DANIEL_AAD
    )
    assert (
        contact is not None and contact.address["reference"]["conversation"]["id"] == create.conversation_id
    )


async def test_the_second_nudge_reuses_the_chat_it_opened(
    client: Client, connector: FakeBotConnector
) -> None:
    await _team_install(client, connector)
    await _queue(client, DANIEL_EMAIL, "travel:t-1")
    await _deliver(client)
    services_of(client).clock.advance(minutes=5)  # type: ignore[attr-defined]
    await _queue(client, DANIEL_EMAIL, "travel:t-2")

    await _deliver(client)

    assert [c.kind for c in connector.calls] == ["create", "send", "send"]


async def test_a_blocked_conversation_is_unreachable_without_retry(
    client: Client, connector: FakeBotConnector
) -> None:
    await post(client, payload("personal_message", connector.url))
    await _queue(client, SOFIA_EMAIL)
    connector.fail_next.append((403, "ConversationBlockedByUser", {}))

    await _deliver(client)

    row = await _row(client)
    assert row.state == "unreachable" and row.last_error == "teams_ConversationBlockedByUser"


async def test_throttling_is_retried_after_retry_after(client: Client, connector: FakeBotConnector) -> None:
    await post(client, payload("personal_message", connector.url))
    connector.calls.clear()
    await _queue(client, SOFIA_EMAIL)
    connector.fail_next.append((429, "Throttled", {"Retry-After": "3"}))
    clock = services_of(client).clock
    assert isinstance(clock, FakeClock)

    await _deliver(client)
    assert (await _row(client)).state == "retry"
    clock.advance(seconds=4)
    await _deliver(client)

    assert (await _row(client)).state == "sent"
    assert len(connector.of("send")) == 1


async def test_a_connector_outage_is_retried_with_backoff(
    client: Client, connector: FakeBotConnector
) -> None:
    await post(client, payload("personal_message", connector.url))
    await _queue(client, SOFIA_EMAIL)
    connector.fail_next.append((502, "BadGateway", {}))

    dispatcher = await _deliver(client)

    row = await _row(client)
    assert row.state == "retry" and row.last_error == "teams_http_502:BadGateway"
    assert dispatcher.stats.retried == 1


async def test_an_update_replaces_the_message_in_place(client: Client, connector: FakeBotConnector) -> None:
    messenger = services_of(client).messengers["teams"]
    ref = SentRef(
        "teams", {"service_url": connector.url, "conversation_id": "a:chat-1", "activity_id": "1:abc"}
    )

    await messenger.update(
        ref, OutgoingMessage("Tack! Du valde ett digitalt möte.", context="Valt: digitalt")
    )

    (update,) = connector.of("update")
    assert (update.conversation_id, update.activity_id) == ("a:chat-1", "1:abc")


async def test_a_worker_without_the_route_registers_the_teams_messenger(tmp_path: Path) -> None:
    from bot.adapters.teams.messenger import TeamsMessenger
    from bot.adapters.teams.outbound import teams_outbound

    for host, expected in (("127.0.0.1", True), ("0.0.0.0", False)):  # no app id: loopback only
        services = await open_services(settings(tmp_path, HOST=host), clock=FakeClock(MONDAY))
        try:
            async with teams_outbound(services):
                assert isinstance(services.messengers.get("teams"), TeamsMessenger) is expected
        finally:
            await services.database.close()
