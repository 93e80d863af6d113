"""bolt's per-request client, copied from the app's instead of built anew: still a client of its own."""

from __future__ import annotations

import json

import aiohttp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.bolt_app import LeanAsyncApp
from tests.slack.conftest import event


async def test_each_request_gets_its_own_client_on_the_shared_session() -> None:
    async with aiohttp.ClientSession() as session:
        app_client = AsyncWebClient(token=None, base_url="http://127.0.0.1:9/api/", session=session)
        bolt = LeanAsyncApp(client=app_client, signing_secret="secret", authorize=lambda **_: None)
        first = AsyncBoltRequest(body=json.dumps(event("app_mention", text="hej")))
        second = AsyncBoltRequest(body=json.dumps(event("app_mention", text="hej")))
        bolt._init_context(first)
        bolt._init_context(second)

        first.context.client.token = "xoxb-first"  # what bolt's authorization does with a request's client

        assert first.context.client is not app_client and second.context.client is not first.context.client
        assert (app_client.token, second.context.client.token) == (None, None)
        assert first.context.client.base_url == app_client.base_url
        assert first.context.client.session is app_client.session
        assert first.context.client.default_params == {"team_id": first.context.team_id}
        assert first.context.client.retry_handlers is not app_client.retry_handlers
