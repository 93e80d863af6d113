"""app_uninstalled and tokens_revoked: the workspace's people become unreachable on Slack."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.delivery import OutboxKind
from bot.messages import OutgoingMessage, Recipient
from bot.ports import RecipientUnreachable
from storage.outbox import enqueue
from storage.tables import OutboxRow
from tests.slack.conftest import JOHAN, SOFIA_ID, Slack, event


async def _queue_for_sofia(slack: Slack) -> None:
    """Sofia wrote once (so she has a Slack identity), and a message to her waits in the outbox."""
    await slack.event(event("message_im", text="hjälp", event={"channel": "D0SOFIA01"}))
    await slack.settled()
    person = await slack.services.people.by_identity(kind="slack", realm="T0TEAM001", external_id=SOFIA_ID)
    assert person is not None
    johan = await slack.services.people.by_email(person.organisation_id, JOHAN)
    assert johan is not None
    async with slack.services.database.transaction() as session:
        for who in (person, johan):
            await enqueue(
                session,
                organisation_id=person.organisation_id,
                person_id=who.id,
                key="digest:test",
                kind=OutboxKind.DIGEST,
                channel="slack",
                message=OutgoingMessage("Veckans siffror"),
                due_at=slack.services.clock.now(),
            )


async def _states(slack: Slack) -> dict[int, tuple[str, str | None]]:
    async with slack.services.database.session() as session:
        rows = (await session.execute(select(OutboxRow))).scalars()
        return {row.person_id: (row.state, row.last_error) for row in rows}


async def test_an_uninstall_makes_the_workspaces_people_unreachable(slack: Slack) -> None:
    await _queue_for_sofia(slack)

    response = await slack.event(event("app_uninstalled"))
    await slack.settled()

    assert response.status == 200
    states = list((await _states(slack)).values())
    assert ("unreachable", "slack:app_uninstalled") in states
    assert ("queued", None) in states  # Johan never wrote from this workspace: no Slack identity there


async def test_after_an_uninstall_the_messenger_refuses_without_calling_slack(slack: Slack) -> None:
    await _queue_for_sofia(slack)
    await slack.event(event("app_uninstalled"))
    await slack.settled()
    before = len(slack.fake.calls)
    slack.fake.invalid_tokens.add("xoxb-remm-test")  # the uninstalled app's token is dead at Slack

    messenger = slack.services.messengers["slack"]
    address = {"realm": "T0TEAM001", "external_id": SOFIA_ID, "channel": "D0SOFIA01"}

    with pytest.raises(RecipientUnreachable, match="app_uninstalled"):
        await messenger.send(Recipient(1, 1, "slack", address), OutgoingMessage("hej"), key="k")

    assert [call.method for call in slack.fake.calls[before:]] == ["auth.test"]


async def test_revoked_user_tokens_alone_change_nothing(slack: Slack) -> None:
    await _queue_for_sofia(slack)
    body = event("tokens_revoked", event={"tokens": {"oauth": ["U0SOFIA01"], "bot": []}})

    await slack.event(body)
    await slack.settled()

    assert {state for state, _error in (await _states(slack)).values()} == {"queued"}


async def test_revoked_bot_tokens_are_an_uninstall(slack: Slack) -> None:
    await _queue_for_sofia(slack)

    await slack.event(event("tokens_revoked"))
    await slack.settled()

    assert ("unreachable", "slack:tokens_revoked") in (await _states(slack)).values()
