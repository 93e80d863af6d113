"""Multi-workspace installs: /slack/install -> Slack -> /slack/oauth_redirect -> stored and linked."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.organisations import Organisation, RealmKind
from bot.settings import Settings
from storage.database import Database
from storage.tables_slack import SlackInstallationRow
from tests.fakes.clock import FakeClock
from tests.slack.conftest import SOFIA_ID, Slack, merge, payload, slack_env, start
from tests.slack.fake_slack import FakeSlackApi

CLIENT_ID, CLIENT_SECRET = "111.222", "client-s3cret"
ANSWERED_TEAM, ANSWERED_ENTERPRISE = "T9TK3CUKW", "E12345678"  # in Slack's documented oauth.v2.access answer
COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def multi(database: Database, fake_slack: FakeSlackApi, clock: FakeClock) -> AsyncIterator[Slack]:
    env = slack_env(database, fake_slack, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET)
    env.pop("SLACK_BOT_TOKEN")
    env["PUBLIC_URL"] = "https://remm.example.se"
    running, client = await start(Settings.from_env(env), fake_slack, clock)
    yield running
    await client.close()


async def _organisation(slack: Slack) -> Organisation:
    [organisation] = await slack.services.organisations.all()
    return organisation


async def _begin_install(slack: Slack) -> str:
    page = await slack.client.get("/slack/install")
    assert page.status == 200
    html = await page.text()
    assert "https://slack.com/oauth/v2/authorize?" in html and f"client_id={CLIENT_ID}" in html
    assert "users%3Aread.email" in html or "users:read.email" in html
    match = re.search(r"state=([A-Za-z0-9_\-]+)", html)
    assert match is not None
    assert page.cookies[COOKIE].value == match.group(1)
    return match.group(1)


async def _finish_install(slack: Slack, state: str, *, code: str = "1234.5678") -> tuple[int, str]:
    answer = await slack.client.get(
        "/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"{COOKIE}={state}"},
    )
    return answer.status, await answer.text()


def _installed(fake: FakeSlackApi, **changes: object) -> None:
    answer = payload("oauth_v2_access") | {"refresh_token": "xoxe-1-first", "expires_in": 43200}
    fake.install_answer = merge(answer, dict(changes))
    fake.refresh_tokens = {"xoxe-1-first"}


async def _rows(slack: Slack) -> list[SlackInstallationRow]:
    async with slack.services.database.session() as session:
        return list((await session.execute(select(SlackInstallationRow))).scalars())


async def test_an_install_is_stored_and_linked_to_the_organisation_of_its_team(multi: Slack) -> None:
    organisation = await _organisation(multi)
    await multi.services.organisations.link_realm(
        organisation.id, kind=RealmKind.SLACK_TEAM, external_id=ANSWERED_TEAM
    )
    _installed(multi.fake)

    status, page = await _finish_install(multi, await _begin_install(multi))

    assert status == 200 and organisation.name in page
    [exchange] = multi.fake.of("oauth.v2.access")
    assert exchange.params["code"] == "1234.5678"
    assert exchange.params["redirect_uri"] == "https://remm.example.se/slack/oauth_redirect"
    [row] = await _rows(multi)
    assert (row.client_id, row.team_id, row.enterprise_id) == (CLIENT_ID, ANSWERED_TEAM, ANSWERED_ENTERPRISE)
    assert row.organisation_id == organisation.id and row.status == "active"
    assert (
        row.bot_token == payload("oauth_v2_access")["access_token"]
        and row.bot_refresh_token == "xoxe-1-first"
    )
    assert row.bot_token_expires_at is not None
    left = row.bot_token_expires_at - datetime.now(UTC)
    assert timedelta(hours=11) < left <= timedelta(hours=12)  # Slack's real clock, as bolt stores it
    assert row.bot_id == "B0REMMBOT"  # from auth.test, which bolt asks right after the exchange


async def test_the_installed_workspace_is_served_with_its_own_token(multi: Slack) -> None:
    organisation = await _organisation(multi)
    await multi.services.organisations.link_realm(
        organisation.id, kind=RealmKind.SLACK_TEAM, external_id=ANSWERED_TEAM
    )
    _installed(multi.fake)
    await _finish_install(multi, await _begin_install(multi))
    body = payload("message_im", team_id=ANSWERED_TEAM, event={"user": SOFIA_ID, "text": "hjälp"})
    body["authorizations"] = [
        {"enterprise_id": ANSWERED_ENTERPRISE, "team_id": ANSWERED_TEAM, "is_bot": True}
    ]
    body["enterprise_id"] = ANSWERED_ENTERPRISE

    response = await multi.event(body)
    await multi.settled()

    assert response.status == 200
    posted = multi.fake.of("chat.postMessage")
    assert posted and {call.token for call in posted} == {payload("oauth_v2_access")["access_token"]}


async def test_an_install_nobody_linked_says_how_to_link_it(multi: Slack) -> None:
    _installed(multi.fake)

    status, page = await _finish_install(multi, await _begin_install(multi))

    assert status == 200 and f"remm-bot org link slack_team {ANSWERED_TEAM}" in page
    [row] = await _rows(multi)
    assert row.organisation_id is None


async def test_an_org_wide_install_serves_every_workspace_of_the_grid(multi: Slack) -> None:
    organisation = await _organisation(multi)
    await multi.services.organisations.link_realm(
        organisation.id, kind=RealmKind.SLACK_ENTERPRISE, external_id=ANSWERED_ENTERPRISE
    )
    _installed(multi.fake, team=None, is_enterprise_install=True)
    status, page = await _finish_install(multi, await _begin_install(multi))
    body = payload("message_im", team_id="T0GRIDWS1", event={"user": SOFIA_ID, "text": "hjälp"})
    body["authorizations"] = [
        {"enterprise_id": ANSWERED_ENTERPRISE, "team_id": None, "is_bot": True, "is_enterprise_install": True}
    ]
    body["enterprise_id"] = ANSWERED_ENTERPRISE

    await multi.event(body)
    await multi.settled()

    assert status == 200 and organisation.name in page
    [row] = await _rows(multi)
    assert (row.team_id, row.enterprise_id, row.is_enterprise_install) == ("", ANSWERED_ENTERPRISE, True)
    assert multi.fake.of("chat.postMessage")
    person = await multi.services.people.by_identity(kind="slack", realm="T0GRIDWS1", external_id=SOFIA_ID)
    assert person is not None


async def test_a_redirect_with_a_state_we_never_issued_is_refused(multi: Slack) -> None:
    _installed(multi.fake)

    status, _page = await _finish_install(multi, "forged-state")

    assert status == 401
    assert multi.fake.of("oauth.v2.access") == [] and await _rows(multi) == []


async def test_a_state_works_once(multi: Slack) -> None:
    _installed(multi.fake)
    state = await _begin_install(multi)
    await _finish_install(multi, state)

    status, _page = await _finish_install(multi, state)

    assert status == 401 and len(multi.fake.of("oauth.v2.access")) == 1


async def test_without_oauth_settings_there_is_no_install_page(slack: Slack) -> None:
    response = await slack.client.get("/slack/install")

    assert response.status == 404 and (await response.json())["error"] == "not_found"


async def test_an_event_from_a_workspace_without_an_installation_is_acknowledged_and_ignored(
    multi: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    body = payload("message_im", team_id=ANSWERED_TEAM, event={"user": SOFIA_ID, "text": "hjälp"})

    with caplog.at_level("INFO", logger="bot.adapters.slack"):
        response = await multi.event(body)
        await multi.settled()

    assert response.status == 200
    assert multi.fake.calls == []
    assert f"message from {ANSWERED_TEAM}, which has no active installation; ignored" in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelname != "INFO"] == []
