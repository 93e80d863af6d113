"""SlackMessenger for the outbox: post with the outbox id in metadata, update, errors mapped for retries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.messenger import SlackMessenger
from bot.domain.delivery import OutboxItem, OutboxKind, SentRef
from bot.messages import Action, ActionId, OutgoingMessage, Recipient
from bot.ports import DeliveryFailed, RateLimited, RecipientUnreachable
from storage.database import Database
from storage.slack import SqlSlackInstallations
from tests.slack.conftest import Build
from tests.slack.fake_slack import TEAM, FakeSlackApi
from tests.slack.test_token_rotation import CLIENT_ID, config, install

TOKEN = "xoxb-single"
ADDRESS = {"outbox_id": 41, "realm": TEAM, "external_id": "U0SOFIA01", "channel": "D0SOFIA01"}
CARD = OutgoingMessage(
    "**Resa till Umeå?**", actions=(Action(ActionId.NUDGE_GO_DIGITAL, "Digitalt", "7"),), context="Uppskattat"
)


@pytest.fixture
def messenger(build: Build, fake_slack: FakeSlackApi) -> SlackMessenger:
    return build(SlackConfig(signing_secret="s", bot_token=TOKEN, api_url=fake_slack.api_url))


def recipient(**address: object) -> Recipient:
    return Recipient(1, 1, "slack", {**ADDRESS, **address})


async def test_a_message_is_posted_in_the_direct_message_with_the_outbox_id_in_its_metadata(
    messenger: SlackMessenger, fake_slack: FakeSlackApi
) -> None:
    ref = await messenger.send(recipient(), CARD, key="meeting:test:1")

    [post] = fake_slack.of("chat.postMessage")
    assert post.token == TOKEN and post.params["channel"] == "D0SOFIA01"
    assert post.params["metadata"] == {"event_type": "remm_outbox", "event_payload": {"outbox_id": 41}}
    assert post.params["text"] == "*Resa till Umeå?*" and post.params["blocks"][-1]["type"] == "actions"
    assert ref == SentRef("slack") and ref.data["ts"] and ref.data["team"] == TEAM
    assert fake_slack.of("conversations.open") == []


async def test_without_a_stored_channel_the_direct_message_is_opened(
    messenger: SlackMessenger, fake_slack: FakeSlackApi
) -> None:
    await messenger.send(recipient(channel=None), CARD, key="k")

    assert [call.params["users"] for call in fake_slack.of("conversations.open")] == ["U0SOFIA01"]
    assert fake_slack.of("chat.postMessage")[0].params["channel"] == "DU0SOFIA01"


async def test_an_update_replaces_the_message_in_place(
    messenger: SlackMessenger, fake_slack: FakeSlackApi
) -> None:
    ref = await messenger.send(recipient(), CARD, key="k")

    await messenger.update(ref, OutgoingMessage("Du valde digitalt"))

    [update] = fake_slack.of("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (ref.data["channel"], ref.data["ts"])


@pytest.mark.parametrize(
    ("error", "expected", "reason"),
    [
        ("account_inactive", RecipientUnreachable, "slack:account_inactive"),
        ("user_not_found", RecipientUnreachable, "slack:user_not_found"),
        ("channel_not_found", RecipientUnreachable, "slack:channel_not_found"),
        ("is_archived", RecipientUnreachable, "slack:is_archived"),
        ("not_allowed_token_type", RecipientUnreachable, "slack:not_allowed_token_type"),
        ("missing_scope", RecipientUnreachable, "slack:missing_scope"),
        ("internal_error", DeliveryFailed, "slack:internal_error"),
        ("fatal_error", DeliveryFailed, "slack:fatal_error"),
    ],
)
async def test_slacks_errors_become_the_outboxs(
    messenger: SlackMessenger, fake_slack: FakeSlackApi, error: str, expected: type[Exception], reason: str
) -> None:
    fake_slack.fail("chat.postMessage", error=error)

    with pytest.raises(expected) as raised:
        await messenger.send(recipient(), CARD, key="k")

    assert getattr(raised.value, "reason", None) == reason


async def test_a_rate_limit_carries_slacks_retry_after(
    messenger: SlackMessenger, fake_slack: FakeSlackApi
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=30)

    with pytest.raises(RateLimited) as raised:
        await messenger.send(recipient(), CARD, key="k")

    assert raised.value.retry_after == 30.0
    assert len(fake_slack.of("chat.postMessage")) == 1  # no retry of its own: the dispatcher retries


async def test_a_server_error_is_a_passing_fault(messenger: SlackMessenger, fake_slack: FakeSlackApi) -> None:
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable")

    with pytest.raises(DeliveryFailed):
        await messenger.send(recipient(), CARD, key="k")


async def test_slack_out_of_reach_is_a_passing_fault(
    messenger: SlackMessenger, fake_slack: FakeSlackApi
) -> None:
    await fake_slack.stop()

    with pytest.raises(DeliveryFailed, match="network"):
        await messenger.send(recipient(), CARD, key="k")


async def test_after_a_crash_the_posted_message_is_found_by_its_metadata(
    messenger: SlackMessenger, fake_slack: FakeSlackApi
) -> None:
    ref = await messenger.send(recipient(), CARD, key="k")
    item = OutboxItem(41, "k", OutboxKind.NUDGE, recipient(), CARD, attempts=1, maybe_delivered=True)
    never = OutboxItem(
        42, "k2", OutboxKind.NUDGE, recipient(outbox_id=42), CARD, attempts=1, maybe_delivered=True
    )

    assert await messenger.find_delivered(item) == ref
    assert await messenger.find_delivered(never) is None
    assert fake_slack.of("conversations.history")[0].params["include_all_metadata"] in {"1", "true", True}


async def test_a_refused_rotating_token_is_refreshed_and_the_message_sent(
    database: Database, fake_slack: FakeSlackApi, build: Build
) -> None:
    await install(database, expires_in=timedelta(hours=6))
    fake_slack.refresh_tokens, fake_slack.invalid_tokens = {"xoxe-1-first"}, {"xoxe.xoxb-first"}

    await build(config(fake_slack)).send(recipient(), CARD, key="k")

    assert [call.token for call in fake_slack.of("chat.postMessage")] == [
        "xoxe.xoxb-first",
        "xoxe.xoxb-rotated-1",
    ]
    assert len(fake_slack.of("oauth.v2.access")) == 1


async def test_an_outbox_send_refreshes_an_expiring_token_first(
    database: Database, fake_slack: FakeSlackApi, build: Build
) -> None:
    await install(database, expires_in=timedelta(minutes=20))
    fake_slack.refresh_tokens = {"xoxe-1-first"}

    await build(config(fake_slack)).send(recipient(), CARD, key="k")

    assert [call.token for call in fake_slack.of("chat.postMessage")] == ["xoxe.xoxb-rotated-1"]


async def test_a_refused_token_that_cannot_rotate_marks_the_installation_broken(
    database: Database, fake_slack: FakeSlackApi, build: Build
) -> None:
    await install(database, expires_in=timedelta(hours=6), refresh=None)
    fake_slack.invalid_tokens = {"xoxe.xoxb-first"}
    messenger = build(config(fake_slack))

    with pytest.raises(RecipientUnreachable, match="invalid_auth"):
        await messenger.send(recipient(), CARD, key="k")
    with pytest.raises(RecipientUnreachable, match="invalid_auth"):
        await messenger.send(recipient(), CARD, key="k2")

    assert len(fake_slack.of("chat.postMessage")) == 1  # the second send knows the installation is broken
    found = await SqlSlackInstallations(database).find(client_id=CLIENT_ID, enterprise_id=None, team_id=TEAM)
    assert found is not None and found.status == "broken"
