"""The App Home: what the bot does, the person's settings, quiet hours and this month's figures."""

from __future__ import annotations

import uuid
from typing import Any

from tests.slack.conftest import SOFIA_ID, Slack, event, payload
from tests.slack.fake_slack import TEAM
from tests.slack.test_block_actions import click, estimate_card


def _text(view: dict[str, Any]) -> str:
    return str(view["blocks"])


async def test_opening_the_home_tab_publishes_it(slack: Slack) -> None:
    response = await slack.event(event("app_home_opened", user_id=SOFIA_ID))
    await slack.settled()

    assert response.status == 200
    [published] = slack.fake.of("views.publish")
    view = published.params["view"]
    assert published.params["user_id"] == SOFIA_ID and view["type"] == "home"
    text = _text(view)
    for expected in (
        "Dina inställningar",
        "svenska",
        "Tysta tider",
        "08:00–17:00",
        "Inga tips ännu",
        "/remm",
    ):
        assert expected in text
    actions = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [
        "settings.snooze_day",
        "settings.snooze_week",
        "settings.opt_out",
        "settings.language",
        "settings.monthly_summary",
    ]


async def test_the_home_shows_this_months_figures(slack: Slack) -> None:
    card = await estimate_card(slack)
    await slack.interaction(click(card, "nudge.go_digital"))
    await slack.settled()
    await slack.event(event("app_home_opened", user_id=SOFIA_ID))
    await slack.settled()

    text = _text(slack.fake.of("views.publish")[-1].params["view"])
    assert "*Undvikna resor*\\n1" in text and "kg CO2e" in text


async def test_a_settings_click_in_the_home_redraws_it(slack: Slack) -> None:
    body = payload(
        "block_actions",
        team={"id": TEAM},
        user={"id": SOFIA_ID, "team_id": TEAM},
        container={"type": "view", "view_id": "VHOME"},
        trigger_id=f"1.{uuid.uuid4().hex}",
    )
    body.pop("channel")
    body.pop("message")
    body["view"] = {"id": "VHOME", "type": "home", "blocks": []}
    body["actions"] = [{"type": "button", "action_id": "settings.language", "value": "en", "block_id": "b"}]

    await slack.interaction(body)
    await slack.settled()

    [published] = slack.fake.of("views.publish")
    assert "Your settings" in _text(published.params["view"])
    assert slack.fake.of("chat.update") == []


async def test_the_messages_tab_publishes_nothing(slack: Slack) -> None:
    await slack.event(event("app_home_opened", user_id=SOFIA_ID, event={"tab": "messages"}))
    await slack.settled()

    assert slack.fake.of("views.publish") == []
