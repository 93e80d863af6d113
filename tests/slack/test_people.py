"""People: matched by email; a newcomer chooses an office; a workspace without an organisation is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bot.settings import Settings
from storage.database import Database
from storage.slack import SlackWorkspaceRecord, SqlSlackInstallations
from tests.fakes.clock import FakeClock
from tests.slack.conftest import NEWCOMER, NEWCOMER_ID, Slack, event, payload, slack_env, start
from tests.slack.fake_slack import TEAM, FakeSlackApi

DM = "D0NEWBIE1"


async def test_someone_the_directory_does_not_know_is_offered_the_onboarding(slack: Slack) -> None:
    await slack.event(event("message_im", user_id=NEWCOMER_ID, text="hej", event={"channel": DM}))
    await slack.settled()

    [offer] = slack.fake.of("chat.postMessage")
    assert offer.params["channel"] == DM and "Välkommen" in offer.params["text"]
    picker = offer.params["blocks"][1]["elements"][0]
    assert picker["action_id"] == "slack.onboard"
    assert sorted(o["text"]["text"] for o in picker["options"]) == [
        "Göteborg",
        "Luleå",
        "Malmö",
        "Stockholm",
        "Umeå",
    ]
    assert await slack.services.people.by_email(1, NEWCOMER) is None


async def test_choosing_an_office_makes_them_a_person_of_the_organisation(slack: Slack) -> None:
    await slack.event(event("message_im", user_id=NEWCOMER_ID, text="hej", event={"channel": DM}))
    await slack.settled()
    picker = slack.fake.of("chat.postMessage")[0].params["blocks"][1]["elements"][0]
    umea = next(o for o in picker["options"] if o["text"]["text"] == "Umeå")
    click = payload(
        "block_actions",
        team={"id": TEAM},
        user={"id": NEWCOMER_ID, "team_id": TEAM},
        container={"type": "message", "message_ts": "1767000000.000001", "channel_id": DM},
        trigger_id=f"9.{uuid.uuid4().hex}",
    )
    click["actions"] = [{"type": "static_select", "action_id": "slack.onboard", "selected_option": umea}]

    await slack.interaction(click)
    await slack.settled()

    [organisation] = await slack.services.organisations.all()
    person = await slack.services.people.by_email(organisation.id, NEWCOMER)
    assert person is not None and person.name == "Nils Ny" and person.last_channel == "slack"
    office = await slack.services.offices.by_id(person.office_id or 0)
    assert office is not None and office.name == "Umeå"
    [welcome] = slack.fake.of("chat.update")
    assert "Välkommen, Nils Ny" in welcome.params["text"] and "Umeå" in welcome.params["text"]
    found = await slack.services.people.by_identity(kind="slack", realm=TEAM, external_id=NEWCOMER_ID)
    assert found is not None and found.id == person.id


async def test_without_an_email_in_slack_the_newcomer_is_told_why(slack: Slack) -> None:
    await slack.event(event("message_im", user_id="U0NOMAIL1", text="hej", event={"channel": "D0NOMAIL1"}))
    await slack.settled()

    [answer] = slack.fake.of("chat.postMessage")
    assert "e-postadress" in answer.params["text"]


async def test_a_workspace_not_linked_to_an_organisation_is_refused_politely(
    database: Database, fake_slack: FakeSlackApi, clock: FakeClock
) -> None:
    env = slack_env(database, fake_slack, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="s3cret")
    slack, client = await start(Settings.from_env(env), fake_slack, clock)
    try:
        await _install_unlinked(slack)
        await slack.event(event("message_im", text="hej", event={"channel": "D0SOFIA01"}))
        await slack.settled()

        [answer] = fake_slack.of("chat.postMessage")
        assert "inte kopplad" in answer.params["text"] and f"slack_team {TEAM}" in answer.params["text"]
        assert fake_slack.of("users.info") == []
    finally:
        await client.close()


async def _install_unlinked(slack: Slack) -> None:
    """An installation no operator has linked to an organisation (see test_oauth for the install itself)."""
    record = SlackWorkspaceRecord(
        client_id="111.222",
        enterprise_id=None,
        team_id=TEAM,
        installed_at=datetime.now(UTC),
        bot_token="xoxb-installed",
        bot_user_id="U0REMMBOT",
        bot_id="B0REMMBOT",
    )
    await SqlSlackInstallations(slack.services.database).save(record, now=datetime.now(UTC))
