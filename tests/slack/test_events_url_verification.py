"""Slack checks the Request URL with a url_verification challenge; the route answers it."""

from __future__ import annotations

from tests.slack.conftest import Slack, payload


async def test_the_challenge_is_answered(slack: Slack) -> None:
    response = await slack.event(payload("url_verification"))

    assert response.status == 200
    assert (await response.json())["challenge"] == payload("url_verification")["challenge"]
    assert slack.fake.calls == []
