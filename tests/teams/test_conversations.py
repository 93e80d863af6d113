"""Documented Teams payloads through POST /api/messages; the answers are read at the fake connector."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tests.teams.conftest import (
    DANIEL_AAD,
    DANIEL_USER,
    SOFIA_AAD,
    TENANT,
    payload,
    post,
    services_of,
)
from tests.teams.fake_connector import FakeBotConnector

Client = TestClient  # type: ignore[type-arg]


def _card(call_body: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = call_body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return dict(attachment["content"])


def _text(call_body: dict[str, Any]) -> str:
    """What a person reads: the message text, or every TextBlock of its card."""
    if "text" in call_body:
        return str(call_body["text"])
    return "\n".join(b["text"] for b in _card(call_body)["body"] if b["type"] == "TextBlock")


def _buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["data"]["action_id"]: a for a in card.get("actions", [])}


async def _trip_card(client: Client, connector: FakeBotConnector) -> tuple[str, dict[str, Any]]:
    """Sofia asks about a trip; returns the id of the card the bot sent and the card."""
    response = await post(client, payload("personal_message", connector.url))
    assert response.status == 202, await response.text()
    card_reply = connector.of("reply")[-1]
    return f"1:sent-{len(connector.calls)}", _card(card_reply.body)


async def test_a_personal_message_gets_the_privacy_notice_and_an_estimate_card(
    client: Client, connector: FakeBotConnector
) -> None:
    await post(client, payload("personal_message", connector.url))

    notice, card_reply = connector.of("reply")
    assert "Om dina uppgifter" in notice.body["text"]
    assert notice.activity_id == "1485983408511"  # a reply to Sofia's message
    card = _card(card_reply.body)
    assert card["version"] == "1.5"
    facts = {f["title"]: f["value"] for f in next(b for b in card["body"] if b["type"] == "FactSet")["facts"]}
    assert "kg CO2e" in facts["Klimat"]
    digital = _buttons(card)["nudge.go_digital"]
    assert digital["type"] == "Action.Execute" and digital["data"]["value"].isdigit()


async def test_the_person_is_linked_by_email_and_the_personal_reference_is_stored(
    client: Client, connector: FakeBotConnector
) -> None:
    await post(client, payload("personal_message", connector.url))

    contact = await services_of(client).people.by_identity(kind="teams", realm=TENANT, external_id=SOFIA_AAD)
    assert contact is not None and contact.name == "Sofia Åkesson"
    from storage.teams import SqlTeamsContacts

    stored = await SqlTeamsContacts(services_of(client).database).find(
        tenant_id=TENANT, aad_object_id=SOFIA_AAD
    )
    assert stored is not None
    assert stored.address["reference"]["conversation"]["id"].startswith("a:17I0kl8")
    assert stored.address["reference"]["serviceUrl"] == connector.url


async def test_a_channel_message_answers_in_the_thread_with_the_mention_stripped(
    client: Client, connector: FakeBotConnector
) -> None:
    response = await post(client, payload("channel_message_mention", connector.url))

    assert response.status == 202
    replies = connector.of("reply")
    assert replies and all(r.conversation_id.startswith("19:b5a5c6c8") for r in replies)
    assert all(r.activity_id == "1486000117863" for r in replies)
    assert "Göteborg" in _text(replies[-1].body)  # understood without the "<at>remm-bot</at>"


async def test_a_channel_message_keeps_the_personal_chat_as_the_nudge_address(
    client: Client, connector: FakeBotConnector
) -> None:
    from storage.teams import SqlTeamsContacts

    await post(client, payload("personal_message", connector.url))
    await post(client, payload("channel_message_mention", connector.url))

    stored = await SqlTeamsContacts(services_of(client).database).find(
        tenant_id=TENANT, aad_object_id=SOFIA_AAD
    )
    assert stored is not None and stored.address["reference"]["conversation"]["id"].startswith("a:")


async def test_installing_the_app_welcomes_once_in_the_persons_language(
    client: Client, connector: FakeBotConnector
) -> None:
    await post(client, payload("installation_update_add", connector.url))
    await post(client, payload("conversation_update_members_added", connector.url))

    (welcome,) = connector.calls
    assert welcome.body["text"].startswith("Hej Sofia!")
    contact = await services_of(client).people.by_identity(kind="teams", realm=TENANT, external_id=SOFIA_AAD)
    assert contact is not None


async def test_an_action_submit_click_updates_the_card_in_place(
    client: Client, connector: FakeBotConnector
) -> None:
    card_id, card = await _trip_card(client, connector)
    data = _buttons(card)["nudge.go_digital"]["data"]

    response = await post(
        client, payload("action_submit_message", connector.url, value=data, replyToId=card_id, id="submit-1")
    )

    assert response.status == 202
    (update,) = connector.of("update")
    assert update.activity_id == card_id
    updated = _card(update.body)
    assert "actions" not in updated  # the buttons gave way to the choice made


async def test_an_execute_invoke_answers_with_the_reason_card(
    client: Client, connector: FakeBotConnector
) -> None:
    _card_id, card = await _trip_card(client, connector)
    data = _buttons(card)["nudge.travel_anyway"]["data"]
    invoke = payload("adaptive_card_action_invoke", connector.url)
    invoke["value"]["action"]["data"] = data

    response = await post(client, invoke)

    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    inputs = {item["id"]: item["type"] for item in body["value"]["body"] if item["type"].startswith("Input.")}
    assert inputs == {"reason": "Input.ChoiceSet", "reason_text": "Input.Text"}


async def test_the_reason_form_records_the_choice(client: Client, connector: FakeBotConnector) -> None:
    _card_id, card = await _trip_card(client, connector)
    data = {**_buttons(card)["nudge.travel_anyway"]["data"], "reason": "negotiation", "reason_text": "Avtal"}
    invoke = payload("adaptive_card_action_invoke", connector.url)
    invoke["value"]["action"]["data"] = data

    body = await (await post(client, invoke)).json()

    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert not any(item["type"].startswith("Input.") for item in body["value"]["body"])


async def test_an_unknown_action_id_gets_a_polite_reply(client: Client, connector: FakeBotConnector) -> None:
    await _trip_card(client, connector)
    submit = payload(
        "action_submit_message", connector.url, value={"action_id": "nudge.fly_to_mars", "value": "1"}
    )

    await post(client, submit)

    assert "känner jag inte igen" in connector.of("reply")[-1].body["text"]


async def test_teams_resending_an_activity_is_answered_once(
    client: Client, connector: FakeBotConnector
) -> None:
    activity = payload("personal_message", connector.url)

    first, second = await post(client, activity), await post(client, activity)

    assert (first.status, second.status) == (202, 202)
    assert len(connector.of("reply")) == 2  # the privacy notice and the card, not four


async def test_someone_not_in_the_directory_gets_the_onboarding(
    client: Client, connector: FakeBotConnector
) -> None:
    stranger = {"id": "29:stranger", "aadObjectId": "11111111-2222-3333-4444-555555555555", "name": "X"}
    connector.members["29:stranger"] = {**stranger, "email": "someone@elsewhere.example"}

    await post(client, payload("personal_message", connector.url, **{"from": stranger}))

    assert "personalregister" in connector.of("reply")[-1].body["text"]


async def test_a_malformed_activity_is_refused_with_json(client: Client, connector: FakeBotConnector) -> None:
    no_conversation = payload("personal_message", connector.url)
    del no_conversation["conversation"]

    for body in (no_conversation, {"type": 5}, [1, 2]):
        response = await post(client, body)  # type: ignore[arg-type]
        assert response.status == 400
        assert (await response.json())["error"] in {"invalid_activity", "invalid_json"}
    garbled = await client.post(
        "/api/messages", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbled.status == 400 and (await garbled.json())["error"] == "invalid_json"
    assert connector.calls == []


async def test_a_failing_turn_says_something_friendly_and_never_the_exception(
    client: Client, connector: FakeBotConnector
) -> None:
    router = services_of(client).router

    async def broken(*_args: Any) -> Any:
        raise RuntimeError("database password is hunter2")

    router.on_message = broken  # type: ignore[method-assign]
    response = await post(client, payload("personal_message", connector.url))

    assert response.status == 202
    (reply,) = connector.of("reply")
    assert "något gick fel" in reply.body["text"].lower()
    assert "hunter2" not in str(reply.body)


async def test_an_overloaded_database_gets_the_friendly_reply_and_a_warning_without_a_traceback(
    client: Client, connector: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    router = services_of(client).router

    async def overloaded(*_args: Any) -> Any:
        raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached, connection timed out")

    router.on_message = overloaded  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="bot.adapters.teams.agent"):
        response = await post(client, payload("personal_message", connector.url))

    assert response.status == 202
    (reply,) = connector.of("reply")
    assert "något gick fel" in reply.body["text"].lower()
    (record,) = [r for r in caplog.records if "Teams turn failed" in r.getMessage()]
    assert (record.levelno, record.exc_info) == (logging.WARNING, None)
    assert "database unavailable" in record.getMessage()


async def test_adding_the_bot_to_a_team_links_the_roster_for_later_nudges(
    client: Client, connector: FakeBotConnector
) -> None:
    team_install = payload(
        "channel_message_mention",
        connector.url,
        type="conversationUpdate",
        id="f:team-install",
        membersAdded=[{"id": "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c"}],
        text=None,
    )

    await post(client, team_install)

    daniel = await services_of(client).people.by_identity(kind="teams", realm=TENANT, external_id=DANIEL_AAD)
    assert daniel is not None and daniel.name == "Daniel Okafor"
    assert connector.of("reply")  # one short introduction in the channel
    assert DANIEL_USER in connector.members


async def test_an_activity_left_unfinished_by_a_crash_is_handled_when_teams_resends_it(
    client: Client, connector: FakeBotConnector
) -> None:
    from datetime import timedelta

    from microsoft_agents.activity import Activity

    from bot.adapters.teams.agent import delivery_id

    services = services_of(client)
    for age, expected_replies in ((timedelta(seconds=5), 0), (timedelta(minutes=2), 2)):
        activity = payload("personal_message", connector.url, id=f"crashed-{age.seconds}")
        key = delivery_id(Activity.model_validate(activity))
        connector.calls.clear()
        started = services.clock.now() - age
        await services.inbound.begin(
            source="teams",
            delivery_id=key,
            payload={"type": "message", "at": started.isoformat()},
            now=started,
        )

        await post(client, activity)

        assert len(connector.of("reply")) == expected_replies  # in flight elsewhere: dropped; dead: taken
