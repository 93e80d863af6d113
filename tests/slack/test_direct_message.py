"""A direct message goes to the same router as the web chat; the answer is posted back in the DM."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from storage.tables import IdentityRow, InboundRow
from tests.slack.conftest import SOFIA, SOFIA_ID, Slack, event
from tests.slack.fake_slack import TEAM


async def test_a_trip_in_a_direct_message_is_answered_with_the_estimate(slack: Slack) -> None:
    body = event("message_im", text="Jag ska till Umeå på tisdag, vi är tre", event={"channel": "D0SOFIA01"})

    response = await slack.event(body)
    await slack.settled()

    assert response.status == 200
    posts = slack.fake.of("chat.postMessage")
    assert [call.params["channel"] for call in posts] == ["D0SOFIA01", "D0SOFIA01"]
    privacy, estimate = (call.params for call in posts)
    assert "uppgifter" in privacy["text"]
    assert "Umeå" in estimate["text"]
    kinds = [block["type"] for block in estimate["blocks"]]
    assert kinds[:2] == ["section", "section"] and "actions" in kinds and "context" in kinds
    buttons = next(b for b in estimate["blocks"] if b["type"] == "actions")["elements"]
    assert buttons[0]["action_id"] == "nudge.go_digital" and buttons[0]["style"] == "primary"
    assert "3 resenär" in next(b for b in estimate["blocks"] if b["type"] == "context")["elements"][0]["text"]


async def test_the_person_is_matched_by_email_and_remembered_with_the_direct_message(slack: Slack) -> None:
    await slack.event(event("message_im", text="hjälp", event={"channel": "D0SOFIA01"}))
    await slack.settled()

    async with slack.services.database.session() as session:
        [identity] = (await session.execute(select(IdentityRow).where(IdentityRow.kind == "slack"))).scalars()
        inbound = list((await session.execute(select(InboundRow))).scalars())
    person = await slack.services.people.by_id(identity.person_id)
    assert person is not None and person.email == SOFIA and person.last_channel == "slack"
    assert (identity.realm, identity.external_id, identity.address) == (
        TEAM,
        SOFIA_ID,
        {"channel": "D0SOFIA01"},
    )
    assert [(row.state, row.payload) for row in inbound] == [("done", None)]
    assert len(slack.fake.of("users.info")) == 1


async def test_two_messages_at_once_from_someone_new_link_them_once(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    first = event("message_im", text="hjälp", event={"channel": "D0SOFIA01"})
    second = event("message_im", text="statistik", event={"channel": "D0SOFIA01"})

    answers = await asyncio.gather(slack.event(first), slack.event(second))
    await slack.settled()

    assert [answer.status for answer in answers] == [200, 200]
    async with slack.services.database.session() as session:
        identities = list((await session.execute(select(IdentityRow))).scalars())
    assert [(i.kind, i.external_id) for i in identities if i.kind == "slack"] == [("slack", SOFIA_ID)]
    assert "failed" not in caplog.text
