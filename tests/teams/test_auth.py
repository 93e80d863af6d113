"""With an app id set, /api/messages takes only Bot Framework tokens, checked by the SDK's validator.

The signing keys come from a test key set through the one seam (``TeamsSeams.signing_keys``); validation
itself stays on. Tokens are signed with PyJWT and RSA keys made here with ``cryptography``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.adapters.teams.app import TEAMS_SEAMS, TeamsSeams
from bot.adapters.teams.auth import StaticSigningKeys
from bot.app import create_app
from bot.domain.organisations import RealmKind
from tests.fakes.clock import FakeClock
from tests.teams.conftest import MONDAY, TENANT, payload, post, services_of, settings, started
from tests.teams.fake_connector import FakeBotConnector

Client = TestClient  # type: ignore[type-arg]
APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"
KEY_ID = "remm-test-key"


class FixedTokens:
    async def token(self, *, refresh: bool = False) -> str:
        return "connector-token"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


TEST_KEY, OTHER_KEY = _key(), _key()


def _jwks(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}


def _token(key: rsa.RSAPrivateKey, service_url: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": KEY_ID})


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Client]:
    env = {
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "not-used",
        "MICROSOFT_APP_TENANT_ID": TENANT,
    }
    app = create_app(settings(tmp_path, **env), sample=True, clock=FakeClock(MONDAY))
    app[TEAMS_SEAMS] = TeamsSeams(signing_keys=StaticSigningKeys(_jwks(TEST_KEY)), tokens=FixedTokens())
    async for client in started(app):
        organisation = (await services_of(client).organisations.all())[0]
        await services_of(client).organisations.link_realm(
            organisation.id, kind=RealmKind.ENTRA_TENANT, external_id=TENANT
        )
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_request_without_a_token_is_refused(secured: Client, connector: FakeBotConnector) -> None:
    response = await post(secured, payload("personal_message", connector.url))

    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"
    assert connector.calls == []


async def test_a_token_signed_by_an_unknown_key_is_refused(
    secured: Client, connector: FakeBotConnector
) -> None:
    forged = _token(OTHER_KEY, connector.url)

    response = await post(secured, payload("personal_message", connector.url), **_bearer(forged))

    assert response.status == 401
    assert connector.calls == []


@pytest.mark.parametrize(
    "claims",
    [{"aud": "someone-else"}, {"exp": int(time.time()) - 3600}, {"iss": "https://evil.example"}],
    ids=["audience", "expired", "issuer"],
)
async def test_a_token_with_wrong_claims_is_refused(
    secured: Client, connector: FakeBotConnector, claims: dict[str, Any]
) -> None:
    token = _token(TEST_KEY, connector.url, **claims)

    response = await post(secured, payload("personal_message", connector.url), **_bearer(token))

    assert response.status == 401


async def test_a_token_signed_by_the_test_key_is_accepted_and_answered_with_our_token(
    secured: Client, connector: FakeBotConnector
) -> None:
    token = _token(TEST_KEY, connector.url)

    response = await post(secured, payload("personal_message", connector.url), **_bearer(token))

    assert response.status == 202, await response.text()
    replies = connector.of("reply")
    assert len(replies) == 2
    assert {r.authorization for r in replies} == {"Bearer connector-token"}


async def test_a_service_url_other_than_the_tokens_is_refused(
    secured: Client, connector: FakeBotConnector
) -> None:
    token = _token(TEST_KEY, "https://smba.trafficmanager.net/emea/")

    response = await post(secured, payload("personal_message", connector.url), **_bearer(token))

    assert response.status == 401
    assert connector.calls == []


async def test_a_tenant_not_linked_to_an_organisation_is_refused_politely(
    secured: Client, connector: FakeBotConnector
) -> None:
    token = _token(TEST_KEY, connector.url)
    other = payload("personal_message", connector.url)
    other["conversation"]["tenantId"] = "99999999-8888-7777-6666-555555555555"
    other["channelData"]["tenant"]["id"] = "99999999-8888-7777-6666-555555555555"

    response = await post(secured, other, **_bearer(token))

    assert response.status == 202
    (reply,) = connector.of("reply")
    assert "inte ansluten" in reply.body["text"]


async def test_the_token_check_guards_only_the_teams_route(secured: Client) -> None:
    assert (await secured.get("/healthz")).status == 200


async def test_teams_is_off_without_an_app_id_on_a_public_bind(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path, HOST="0.0.0.0"), clock=FakeClock(MONDAY))
    async for client in started(app):
        response = await client.post("/api/messages", json={"type": "message"})
        assert response.status in (404, 405)


async def test_on_a_public_bind_only_microsoft_connectors_are_answered(
    tmp_path: Path, connector: FakeBotConnector
) -> None:
    env = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "not-used", "HOST": "0.0.0.0"}
    app = create_app(settings(tmp_path, **env), clock=FakeClock(MONDAY))
    app[TEAMS_SEAMS] = TeamsSeams(signing_keys=StaticSigningKeys(_jwks(TEST_KEY)), tokens=FixedTokens())
    async for client in started(app):
        token = _token(TEST_KEY, connector.url)  # a valid token naming a loopback connector

        response = await post(client, payload("personal_message", connector.url), **_bearer(token))

        assert response.status == 401
        assert "Bot Framework address" in (await response.json())["detail"]
    assert connector.calls == []
