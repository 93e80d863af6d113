"""A mention in a channel goes to the router too; the answer is private (ephemeral) to the person."""

from __future__ import annotations

from tests.slack.conftest import SOFIA_ID, Slack, event


async def test_a_mention_is_answered_privately_in_the_channel(slack: Slack) -> None:
    body = event(
        "app_mention", text="<@U0REMMBOT> Jag ska till Luleå på torsdag", event={"channel": "C0PROJECT"}
    )

    response = await slack.event(body)
    await slack.settled()

    assert response.status == 200
    answers = slack.fake.of("chat.postEphemeral")
    assert {(c.params["channel"], c.params["user"]) for c in answers} == {("C0PROJECT", SOFIA_ID)}
    assert any("Luleå" in call.params["text"] for call in answers)
    assert slack.fake.of("chat.postMessage") == []


async def test_a_mention_in_a_thread_is_answered_in_the_thread(slack: Slack) -> None:
    body = event("app_mention", text="<@U0REMMBOT> hjälp", event={"channel": "C0PROJECT", "thread_ts": "1.5"})

    await slack.event(body)
    await slack.settled()

    assert {call.params.get("thread_ts") for call in slack.fake.of("chat.postEphemeral")} == {"1.5"}


async def test_another_app_mentioning_the_bot_gets_no_answer(slack: Slack) -> None:
    body = event("app_mention", text="<@U0REMMBOT> hej", event={"channel": "C0PROJECT", "bot_id": "B0OTHER"})

    await slack.event(body)
    await slack.settled()

    assert slack.fake.of("chat.postEphemeral") == [] and slack.fake.of("users.info") == []
