"""Block Kit from the neutral message model: pure, within Slack's limits, always with fallback text."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.translate import (
    action_name,
    clip,
    read_inputs,
    to_blocks,
    to_modal,
    to_mrkdwn,
    validate_inputs,
)
from bot.messages import Action, ActionId, ActionStyle, Choice, Fact, Option, OutgoingMessage, TextInput


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**Resa till Umeå?**", "*Resa till Umeå?*"),
        ("Läs [policyn](https://intra.example.se/policy?a=1&b=2)", "Läs <https://intra.example.se/policy?a=1&amp;b=2|policyn>"),
        ("- ett\n- två", "• ett\n• två"),
        ("5 < 7 & 9 > 8", "5 &lt; 7 &amp; 9 &gt; 8"),
        ("<@U123> <!channel>", "&lt;@U123&gt; &lt;!channel&gt;"),
        ("[not a link](javascript:alert(1))", "[not a link](javascript:alert(1))"),
    ],
)  # fmt: skip
def test_our_markdown_becomes_slacks_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_a_card_has_text_fields_context_and_buttons_in_that_order() -> None:
    message = OutgoingMessage(
        "**Till Luleå?**",
        facts=(Fact("Tid", "7 h"), Fact("CO2e", "250 kg")),
        actions=(
            Action(ActionId.NUDGE_GO_DIGITAL, "Digitalt", "7", ActionStyle.PRIMARY),
            Action(ActionId.NUDGE_OPT_OUT, "Inga fler tips", "7", ActionStyle.DANGER),
            Action(ActionId.NUDGE_EXPLAIN, "Hur räknade du?", "7"),
        ),
        context="Uppskattat för flyg",
    )

    rendered = to_blocks(message, locale="sv")

    assert rendered.text == "*Till Luleå?*"
    assert [block["type"] for block in rendered.blocks] == ["section", "section", "context", "actions"]
    assert rendered.blocks[1]["fields"] == [
        {"type": "mrkdwn", "text": "*Tid*\n7 h"},
        {"type": "mrkdwn", "text": "*CO2e*\n250 kg"},
    ]
    buttons = rendered.blocks[3]["elements"]
    assert [b.get("style") for b in buttons] == ["primary", "danger", None]
    assert buttons[0] == {
        "type": "button",
        "action_id": "nudge.go_digital",
        "text": {"type": "plain_text", "text": "Digitalt", "emoji": True},
        "value": "7",
        "style": "primary",
    }


def test_the_fallback_text_is_never_empty() -> None:
    assert to_blocks(OutgoingMessage("", facts=(Fact("Tid", "1 h"),)), locale="sv").text == "Tid"
    assert to_blocks(OutgoingMessage(""), locale="en").text == "A message from remm-bot"


def test_a_text_over_3000_characters_is_cut_and_says_so() -> None:
    rendered = to_blocks(OutgoingMessage("ord " * 2000), locale="sv")

    section = rendered.blocks[0]["text"]["text"]
    assert len(section) <= 3000 and section.endswith("(förkortat: Slack visar högst 3\u00a0000 tecken här)")
    assert len(rendered.text) <= 3000


def test_a_cut_never_breaks_a_link_or_an_entity() -> None:
    assert clip("abc <https://example.se|länk> def", 20, "") == "abc…"
    assert clip("abc &amp; def", 7, "") == "abc…"


def test_more_than_ten_facts_take_several_sections() -> None:
    facts = tuple(Fact(f"F{i}", str(i)) for i in range(23))

    blocks = to_blocks(OutgoingMessage("x", facts=facts), locale="sv").blocks

    assert [len(block.get("fields", [])) for block in blocks] == [0, 10, 10, 3]


def test_more_than_25_buttons_are_cut_and_the_message_says_so() -> None:
    actions = tuple(Action(ActionId.POLICY_FEEDBACK, f"B{i}", str(i)) for i in range(30))

    blocks = to_blocks(OutgoingMessage("x", actions=actions), locale="en").blocks

    [row] = [block for block in blocks if block["type"] == "actions"]
    assert len(row["elements"]) == 24
    assert "at most 25" in blocks[-1]["elements"][0]["text"]
    ids = [element["action_id"] for element in row["elements"]]
    assert len(set(ids)) == 24 and ids[:2] == ["policy.feedback", "policy.feedback#2"]
    assert {action_name(i) for i in ids} == {"policy.feedback"}


def test_more_than_50_blocks_are_cut_and_the_message_says_so() -> None:
    facts = tuple(Fact(f"F{i}", str(i)) for i in range(600))

    blocks = to_blocks(OutgoingMessage("x", facts=facts), locale="sv").blocks

    assert len(blocks) == 50 and "högst 50" in blocks[-1]["elements"][0]["text"]


def test_an_empty_value_is_left_out_of_a_button() -> None:
    [row] = to_blocks(
        OutgoingMessage("x", actions=(Action(ActionId.SETTINGS_OPT_OUT, "Av", ""),)), locale="sv"
    ).blocks[1:]

    assert "value" not in row["elements"][0]


def _form() -> OutgoingMessage:
    return OutgoingMessage(
        "Varför behöver du resa?",
        inputs=(
            Choice("reason", "Anledning", (Option("negotiation", "Förhandling"), Option("other", "Annat"))),
            TextInput("reason_text", "Något mer?", max_length=20),
        ),
        actions=(Action(ActionId.NUDGE_TRAVEL_ANYWAY, "Skicka", "7"),),
    )


def test_a_form_becomes_a_modal_with_one_input_block_per_input() -> None:
    modal = to_modal(_form(), callback_id="remm.form", private_metadata="{}", locale="sv")

    assert (modal["type"], modal["callback_id"], modal["submit"]["text"]) == ("modal", "remm.form", "Skicka")
    reason, text = modal["blocks"][1:]
    assert reason["block_id"] == "reason" and reason["optional"] is False
    assert [o["value"] for o in reason["element"]["options"]] == ["negotiation", "other"]
    assert text["element"] == {
        "type": "plain_text_input",
        "action_id": "reason_text",
        "multiline": True,
        "max_length": 20,
    }


def _submitted(**values: Any) -> dict[str, Any]:
    view = to_modal(_form(), callback_id="remm.form", private_metadata="{}", locale="sv")
    state: dict[str, Any] = {}
    if "reason" in values:
        state["reason"] = {
            "reason": {"type": "static_select", "selected_option": {"value": values["reason"]}}
        }
    if "reason_text" in values:
        state["reason_text"] = {"reason_text": {"type": "plain_text_input", "value": values["reason_text"]}}
    return {**view, "state": {"values": state}}


def test_a_valid_submission_has_no_errors_and_reads_as_input_values() -> None:
    view = _submitted(reason="negotiation", reason_text="Avtal")

    assert validate_inputs(view, "sv") == {}
    assert read_inputs(view) == {"reason": "negotiation", "reason_text": "Avtal"}


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({}, {"reason"}),
        ({"reason": "holiday"}, {"reason"}),
        ({"reason": "other", "reason_text": "x" * 21}, {"reason_text"}),
    ],
)
def test_slacks_error_format_names_the_blocks_to_fix(values: dict[str, str], errors: set[str]) -> None:
    assert set(validate_inputs(_submitted(**values), "en")) == errors
