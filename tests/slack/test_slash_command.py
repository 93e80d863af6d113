"""``/remm``: help, a trip in short form ("/remm Umeå 3"), settings, stats and policy questions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.work import command_text
from tests.slack.conftest import Slack


async def _answers(slack: Slack, text: str) -> list[dict[str, Any]]:
    response = await slack.command(text)
    await slack.settled()
    assert response.status == 200 and await response.text() == ""
    return [call.params for call in slack.fake.of("hook:cmd")]


async def test_a_short_trip_means_that_many_people_to_the_place(slack: Slack) -> None:
    answers = await _answers(slack, "Umeå 3")

    estimate = answers[-1]
    assert estimate["response_type"] == "ephemeral" and estimate["replace_original"] is False
    assert "Umeå" in estimate["text"]
    context = next(b for b in estimate["blocks"] if b["type"] == "context")
    assert "3 resenär" in context["elements"][0]["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", "remm-bot", id="nothing-is-help"),
        pytest.param("hjälp", "remm-bot", id="help"),
        pytest.param("inställningar", "inställningar", id="settings"),
        pytest.param("statistik", "tips", id="stats"),
    ],
)
async def test_the_commands_answer_privately(slack: Slack, text: str, expected: str) -> None:
    answers = await _answers(slack, text)

    assert expected.lower() in answers[-1]["text"].lower()


async def test_a_policy_question_is_answered_from_the_policy(slack: Slack) -> None:
    answers = await _answers(slack, "Får jag flyga till Malmö?")

    answer = answers[-1]
    assert "resepolicy" in answer["text"] and "tåg" in answer["text"]
    buttons = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"]
    assert {button["action_id"] for button in buttons} == {"policy.feedback", "policy.feedback#2"}


def test_the_short_form_is_read_as_a_sentence_in_the_persons_language() -> None:
    assert command_text("Umeå 3", "sv") == "Umeå, vi är 3"
    assert command_text("Umea 12", "en") == "Umea, we are 12"
    assert command_text("  ", "sv") == "help"
    assert command_text("tåg eller flyg till Göteborg", "sv") == "tåg eller flyg till Göteborg"
