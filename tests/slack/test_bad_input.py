"""Signed but malformed bodies are a 400 with a JSON error, and nothing is processed."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.slack.conftest import Slack, event, payload

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MALFORMED = [
    pytest.param('{"type": "event_callback", "event": ', JSON, id="broken-json"),
    pytest.param("[1, 2, 3]", JSON, id="not-an-object"),
    pytest.param("[" * 100_000, JSON, id="nested-past-the-parser"),
    pytest.param("payload=%7Bnot-json", FORM, id="broken-payload-field"),
    pytest.param("payload=" + "%5B" * 100_000, FORM, id="payload-nested-past-the-parser"),
    pytest.param(json.dumps({"type": "something_else"}), JSON, id="unknown-type"),
    pytest.param(json.dumps({"type": "event_callback", "event_id": "Ev1"}), JSON, id="no-event"),
    pytest.param(
        json.dumps({"type": "event_callback", "event": {"type": "app_mention"}}), JSON, id="no-event-id"
    ),
    pytest.param(urlencode({"command": "/remm", "text": "hej"}), FORM, id="command-without-user"),
    pytest.param(
        urlencode({"payload": json.dumps({"type": "block_actions"})}), FORM, id="click-without-user"
    ),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_a_malformed_body_is_a_400_with_a_json_error(
    slack: Slack, body: str, content_type: str
) -> None:
    response = await slack.post(body, content_type)

    assert response.status == 400
    error = await response.json()
    assert error["error"] == "bad_request" and error["detail"]
    assert slack.fake.calls == []


async def test_an_event_nobody_handles_is_acknowledged_without_work(slack: Slack) -> None:
    body = event("message_im", event={"type": "reaction_added", "reaction": "thumbsup"})

    response = await slack.event(body)
    await slack.settled()

    assert response.status == 200
    assert slack.fake.of("chat.postMessage") == []


async def test_a_click_on_an_unknown_action_id_is_ignored_with_a_log_line(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    click = payload(
        "block_actions", team={"id": "T0TEAM001"}, user={"id": "U0SOFIA01", "team_id": "T0TEAM001"}
    )

    with caplog.at_level("INFO", logger="bot.adapters.slack"):
        response = await slack.interaction(click)
        await slack.settled()

    assert response.status == 200
    assert "unknown action id 'WaXA'" in caplog.text
    assert [call.method for call in slack.fake.calls if call.method != "auth.test"] == []
