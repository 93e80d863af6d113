"""Clicks on a nudge: the outcome is stored and the original message is updated in place."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from storage.tables import OutcomeRow
from tests.slack.conftest import SOFIA_ID, Slack, event, payload
from tests.slack.fake_slack import TEAM

DM = "D0SOFIA01"


async def estimate_card(slack: Slack, text: str = "Jag ska till Luleå på torsdag") -> dict[str, Any]:
    """Ask in the direct message; the posted card (its ts and buttons)."""
    await slack.event(event("message_im", text=text, event={"channel": DM}))
    await slack.settled()
    card = slack.fake.of("chat.postMessage")[-1]
    return {"ts": "1767000000.000002", **card.params}


def click(card: dict[str, Any], action_id: str, **changes: Any) -> dict[str, Any]:
    buttons = next(b for b in card["blocks"] if b["type"] == "actions")["elements"]
    button = next(b for b in buttons if b["action_id"] == action_id)
    body = payload(
        "block_actions",
        team={"id": TEAM},
        user={"id": SOFIA_ID, "team_id": TEAM},
        container={"type": "message", "message_ts": card["ts"], "channel_id": DM, "is_ephemeral": False},
        channel={"id": DM, "name": "directmessage"},
    )
    body["actions"] = [{**body["actions"][0], "action_id": action_id, "value": button["value"]}]
    return {**body, "trigger_id": f"1232.{uuid.uuid4().hex}", **changes}


async def outcomes(slack: Slack) -> list[OutcomeRow]:
    async with slack.services.database.session() as session:
        return list((await session.execute(select(OutcomeRow))).scalars())


async def test_choosing_digital_updates_the_card_in_place_and_stores_the_outcome(slack: Slack) -> None:
    card = await estimate_card(slack)

    response = await slack.interaction(click(card, "nudge.go_digital"))
    await slack.settled()

    assert response.status == 200
    [update] = slack.fake.of("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (DM, card["ts"])
    assert not any(block["type"] == "actions" for block in update.params["blocks"])
    assert "digitalt" in str(update.params["blocks"])
    [outcome] = await outcomes(slack)
    assert outcome.choice == "digital" and outcome.avoided_trip and outcome.co2e_saved_kg > 0


async def test_a_second_click_changes_nothing(slack: Slack) -> None:
    card = await estimate_card(slack)
    await slack.interaction(click(card, "nudge.go_digital"))
    await slack.settled()

    await slack.interaction(click(card, "nudge.go_hybrid"))
    await slack.settled()

    assert [o.choice for o in await outcomes(slack)] == ["digital"]
    assert "redan svarat" in slack.fake.of("chat.postMessage")[-1].params["text"]


async def test_a_click_on_an_ephemeral_card_is_answered_through_the_response_url(slack: Slack) -> None:
    card = await estimate_card(slack)
    body = click(card, "nudge.take_train", response_url=slack.fake.hook_url("click"))
    body["container"]["is_ephemeral"] = True

    await slack.interaction(body)
    await slack.settled()

    [replaced] = slack.fake.of("hook:click")
    assert replaced.params["replace_original"] is True and "tåg" in replaced.params["text"].lower() + str(
        replaced.params["blocks"]
    )
    assert slack.fake.of("chat.update") == []
