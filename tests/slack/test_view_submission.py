""" "I need to travel" opens a modal for the reason; its submission is checked with Slack's error format."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from storage.tables import OutcomeRow
from tests.slack.conftest import SOFIA_ID, Slack, payload
from tests.slack.fake_slack import TEAM
from tests.slack.test_block_actions import DM, click, estimate_card


def submission(modal: dict[str, Any], **values: str) -> dict[str, Any]:
    """What Slack posts when the person presses Send: the view as opened, with their answers in state."""
    state: dict[str, Any] = {}
    if "reason" in values:
        option = {"text": {"type": "plain_text", "text": "?"}, "value": values["reason"]}
        state["reason"] = {"reason": {"type": "static_select", "selected_option": option}}
    if "reason_text" in values:
        state["reason_text"] = {"reason_text": {"type": "plain_text_input", "value": values["reason_text"]}}
    body = payload("view_submission", team={"id": TEAM}, user={"id": SOFIA_ID, "team_id": TEAM})
    body["view"] = {**body["view"], **modal, "state": {"values": state}}
    body["trigger_id"] = f"1246.{uuid.uuid4().hex}"
    return body


async def opened_modal(slack: Slack) -> tuple[dict[str, Any], dict[str, Any]]:
    card = await estimate_card(slack)
    await slack.interaction(click(card, "nudge.travel_anyway"))
    await slack.settled()
    [opened] = slack.fake.of("views.open")
    return card, opened.params["view"]


async def test_i_need_to_travel_opens_a_modal_asking_for_the_reason(slack: Slack) -> None:
    _card, modal = await opened_modal(slack)

    assert modal["type"] == "modal" and modal["callback_id"] == "remm.form"
    inputs = {block["block_id"]: block for block in modal["blocks"] if block["type"] == "input"}
    assert inputs["reason"]["element"]["type"] == "static_select" and not inputs["reason"]["optional"]
    assert len(inputs["reason"]["element"]["options"]) == 8
    assert inputs["reason_text"]["optional"] and inputs["reason_text"]["element"]["max_length"] == 500
    assert slack.fake.of("chat.update") == []


async def test_a_submission_without_a_reason_gets_slacks_errors_and_records_nothing(slack: Slack) -> None:
    _card, modal = await opened_modal(slack)

    response = await slack.interaction(submission(modal, reason_text="x" * 501))
    await slack.settled()

    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"reason", "reason_text"}
    assert "500" in answer["errors"]["reason_text"]
    async with slack.services.database.session() as session:
        assert list((await session.execute(select(OutcomeRow))).scalars()) == []


async def test_a_valid_reason_is_stored_and_the_card_updated_in_place(slack: Slack) -> None:
    card, modal = await opened_modal(slack)

    response = await slack.interaction(submission(modal, reason="negotiation", reason_text="Avtalet"))
    await slack.settled()

    assert response.status == 200 and await response.text() == ""
    [update] = slack.fake.of("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (DM, card["ts"])
    async with slack.services.database.session() as session:
        [outcome] = (await session.execute(select(OutcomeRow))).scalars()
    assert (outcome.choice, outcome.reason_category, outcome.reason_text) == (
        "travel_anyway",
        "negotiation",
        "Avtalet",
    )


async def test_an_option_that_was_never_offered_is_refused(slack: Slack) -> None:
    _card, modal = await opened_modal(slack)

    response = await slack.interaction(submission(modal, reason="holiday"))

    assert (await response.json())["errors"].keys() == {"reason"}
