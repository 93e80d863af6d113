"""The pure translation between the neutral model and Adaptive Cards."""

from __future__ import annotations

from bot.adapters.teams.translate import (
    card_action_data,
    click_from_data,
    needs_card,
    to_adaptive_card,
)
from bot.messages import Action, ActionId, ActionStyle, Choice, Fact, Option, OutgoingMessage, TextInput

NUDGE = OutgoingMessage(
    "**Ska du resa till Umeå?**\nDu sparar:\n- 9 h restid\n- 180 kg CO2e\nLäs mer på [remm.se](https://www.remm.se/)",
    facts=(Fact("Tid", "9 h"), Fact("Klimat", "180 kg CO2e")),
    actions=(
        Action(ActionId.NUDGE_GO_DIGITAL, "Digitalt", "12", ActionStyle.PRIMARY),
        Action(ActionId.NUDGE_OPT_OUT, "Inga fler tips", "12", ActionStyle.DANGER),
    ),
    context="Beräknat för flyg",
)


def test_text_lines_become_text_blocks_and_a_run_of_bullets_one_block() -> None:
    card = to_adaptive_card(NUDGE)

    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    assert texts[:3] == ["**Ska du resa till Umeå?**", "Du sparar:", "- 9 h restid\r- 180 kg CO2e"]
    assert texts[3] == "Läs mer på [remm.se](https://www.remm.se/)"
    assert card["body"][-1]["isSubtle"] is True  # the context line
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"


def test_facts_become_a_fact_set() -> None:
    (fact_set,) = [b for b in to_adaptive_card(NUDGE)["body"] if b["type"] == "FactSet"]

    assert fact_set["facts"] == [
        {"title": "Tid", "value": "9 h"},
        {"title": "Klimat", "value": "180 kg CO2e"},
    ]


def test_buttons_carry_the_action_id_and_value_with_styles() -> None:
    execute = to_adaptive_card(NUDGE)["actions"]
    submit = to_adaptive_card(NUDGE, buttons="Action.Submit")["actions"]

    assert execute[0] == {
        "type": "Action.Execute",
        "title": "Digitalt",
        "verb": "nudge.go_digital",
        "data": {"action_id": "nudge.go_digital", "value": "12"},
        "style": "positive",
    }
    assert execute[1]["style"] == "destructive"
    assert submit[0]["type"] == "Action.Submit" and "verb" not in submit[0]


def test_inputs_become_choice_sets_and_text_inputs() -> None:
    message = OutgoingMessage(
        "Varför behöver du resa?",
        inputs=(
            Choice("reason", "Skäl", (Option("negotiation", "Förhandling"), Option("other", "Annat"))),
            TextInput("reason_text", "Berätta gärna mer", max_length=300),
        ),
    )

    choice, free_text = to_adaptive_card(message)["body"][1:]

    assert choice["type"] == "Input.ChoiceSet" and choice["isRequired"] is True
    assert choice["choices"] == [
        {"title": "Förhandling", "value": "negotiation"},
        {"title": "Annat", "value": "other"},
    ]
    assert free_text == {
        "type": "Input.Text",
        "id": "reason_text",
        "label": "Berätta gärna mer",
        "isMultiline": True,
        "maxLength": 300,
        "isRequired": False,
    }


def test_a_relative_chart_is_shown_only_with_an_https_public_url() -> None:
    message = OutgoingMessage("Veckan", image="/media/abc.png")

    assert not [b for b in to_adaptive_card(message)["body"] if b["type"] == "Image"]
    (image,) = [
        b
        for b in to_adaptive_card(message, public_url="https://remm.example.se")["body"]
        if b["type"] == "Image"
    ]
    assert image["url"] == "https://remm.example.se/media/abc.png"


def test_plain_text_needs_no_card() -> None:
    assert not needs_card(OutgoingMessage("Hej"))
    assert needs_card(NUDGE)


def test_clicks_are_read_back_with_input_values_and_without_teams_own_keys() -> None:
    data = {
        "action_id": "nudge.travel_anyway",
        "value": "12",
        "reason": "other",
        "reason_text": "x" * 5000,
        "msteams": {"type": "messageBack"},
    }

    click = click_from_data(data)

    assert click is not None
    assert (click.action_id, click.value) == ("nudge.travel_anyway", "12")
    assert set(click.inputs) == {"reason", "reason_text"} and len(click.inputs["reason_text"]) == 2000


def test_anything_else_is_not_a_click() -> None:
    for data in (None, "nudge.go_digital", {"value": "1"}, {"action_id": 5}, ["action_id"]):
        assert click_from_data(data) is None
    assert card_action_data({"action": {"type": "Action.Execute", "data": {"a": 1}}}) == {"a": 1}
    assert card_action_data({"action": "x"}) is None
