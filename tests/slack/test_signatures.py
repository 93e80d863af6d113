"""Requests from Slack are signed (v0, HMAC-SHA256 over "v0:timestamp:body"); anything else is refused."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from storage.tables import InboundRow
from tests.slack.conftest import Slack, event, signed

# Slack's published example, from "Verifying requests from Slack"
# (https://docs.slack.dev/authentication/verifying-requests-from-slack).
VECTOR_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VECTOR_TIMESTAMP = "1531420618"
VECTOR_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_slacks_published_signing_example_verifies() -> None:
    verifier = SignatureVerifier(VECTOR_SECRET)

    assert verifier.generate_signature(timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY) == VECTOR_SIGNATURE


async def _nothing_processed(slack: Slack) -> None:
    async with slack.services.database.session() as session:
        assert (await session.execute(select(func.count()).select_from(InboundRow))).scalar_one() == 0
    assert slack.fake.calls == []


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="unsigned"),
        pytest.param({"X-Slack-Request-Timestamp": str(int(time.time()))}, id="no-signature"),
        pytest.param("stale", id="six-minutes-old"),
        pytest.param("tampered", id="tampered-body"),
        pytest.param("wrong-secret", id="other-secret"),
    ],
)
async def test_a_request_without_a_valid_signature_is_refused_and_nothing_happens(
    slack: Slack, headers: object
) -> None:
    raw = json.dumps(event("message_im", text="hej"))
    if headers == "stale":
        headers = signed(raw, timestamp=int(time.time()) - 6 * 60)
    elif headers == "tampered":
        headers = signed(raw.replace("hej", "hej då"))
    elif headers == "wrong-secret":
        headers = signed(raw, secret="someone-else")
    assert isinstance(headers, dict)

    response = await slack.post(raw, "application/json", headers)

    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"
    await slack.settled()
    await _nothing_processed(slack)


async def test_the_published_example_is_refused_when_it_is_old(slack: Slack) -> None:
    headers = {"X-Slack-Request-Timestamp": VECTOR_TIMESTAMP, "X-Slack-Signature": VECTOR_SIGNATURE}

    response = await slack.post(VECTOR_BODY, "application/x-www-form-urlencoded", headers)

    assert response.status == 401
