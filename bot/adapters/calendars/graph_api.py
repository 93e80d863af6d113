"""Microsoft Graph over HTTP, app-only, one client per (tenant, app).

Credentials: ``organisation.settings["graph"] = {"tenant_id", "client_id", "secret_env"}`` where
``secret_env`` names the environment variable that holds the client secret (secrets only ever come
from the environment); without it, MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD / MICROSOFT_APP_TENANT_ID.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from bot.adapters.calendars.http import HttpClient, error_for
from bot.adapters.calendars.tokens import ClientCredentials
from bot.domain.organisations import Organisation
from bot.ingest.ports import JsonObject, NotConfigured, ProviderError
from bot.ports import Clock
from bot.settings import Settings

# Times in UTC, so no Windows zone names need mapping; never the body, even where a field would bring it.
_PREFER = 'outlook.timezone="UTC", outlook.body-content-type="text"'
# Graph takes at most 20 requests in one JSON batch (POST /$batch).
BATCH_LIMIT: Final = 20


@dataclass(frozen=True, slots=True)
class GraphCredentials:
    tenant_id: str
    client_id: str
    secret: str


def graph_credentials(
    organisation: Organisation, settings: Settings, env: Mapping[str, str]
) -> GraphCredentials:
    own = organisation.settings.get("graph")
    if isinstance(own, Mapping):
        tenant, client, secret_env = (str(own.get(k) or "") for k in ("tenant_id", "client_id", "secret_env"))
        if not (tenant and client and secret_env):
            raise NotConfigured("settings.graph needs tenant_id, client_id and secret_env")
        secret = env.get(secret_env, "")
        if not secret:
            raise NotConfigured(
                f"the environment variable {secret_env} (settings.graph.secret_env) is not set"
            )
        return GraphCredentials(tenant, client, secret)
    password = settings.microsoft_app_password.value
    if settings.microsoft_app_id and password and settings.microsoft_app_tenant_id:
        return GraphCredentials(settings.microsoft_app_tenant_id, settings.microsoft_app_id, password)
    raise NotConfigured(
        "no Graph credentials: set settings.graph for the organisation, or MICROSOFT_APP_ID, "
        "MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID"
    )


class GraphHttpApi:
    def __init__(self, http: HttpClient, *, base_url: str, tokens: ClientCredentials) -> None:
        self._http, self._base, self._tokens = http, base_url.rstrip("/"), tokens

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> JsonObject:
        url = path if path.startswith(("http://", "https://")) else f"{self._base}{path}"
        headers = {"Authorization": f"Bearer {await self._tokens.token()}", "Prefer": _PREFER}
        answer = await self._http.request(method, url, headers=headers, params=params, json_body=body)
        return answer.json()

    async def create_subscription(self, body: JsonObject) -> JsonObject:
        return await self._call("POST", "/subscriptions", body=body)

    async def renew_subscription(self, subscription_id: str, expires_at: datetime) -> JsonObject:
        expiry = expires_at.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        return await self._call(
            "PATCH", f"/subscriptions/{quote(subscription_id)}", body={"expirationDateTime": expiry}
        )

    async def delete_subscription(self, subscription_id: str) -> None:
        await self._call("DELETE", f"/subscriptions/{quote(subscription_id)}")

    async def get_event(self, user: str, event_id: str, select: Sequence[str]) -> JsonObject:
        return await self._call("GET", _event_path(user, event_id), params={"$select": ",".join(select)})

    async def get_events(
        self, wanted: Sequence[tuple[str, str]], select: Sequence[str]
    ) -> list[JsonObject | ProviderError]:
        """Events of any mailboxes in JSON batches of up to 20: one HTTP call for each batch instead of one
        per event (Graph's throttling counts calls, and each costs a round trip). Each event has its own
        answer: the event, or the error its status means (404 NotFoundError; 429 and 5xx ProviderError, to
        be tried again). A batch that fails as a whole fails each of its events."""
        query = f"$select={','.join(select)}"
        results: list[JsonObject | ProviderError] = []
        for start in range(0, len(wanted), BATCH_LIMIT):
            chunk = wanted[start : start + BATCH_LIMIT]
            requests = [
                {
                    "id": str(n),
                    "method": "GET",
                    "url": f"{_event_path(user, event_id)}?{query}",
                    "headers": {"Prefer": _PREFER},
                }
                for n, (user, event_id) in enumerate(chunk)
            ]
            try:
                answer = await self._call("POST", "/$batch", body={"requests": requests})
            except ProviderError as error:
                results += [error] * len(chunk)
                continue
            responses = answer.get("responses")
            by_id = {
                str(item.get("id")): item
                for item in (responses if isinstance(responses, list) else [])
                if isinstance(item, Mapping)
            }
            results += [_batched(by_id.get(str(n))) for n in range(len(chunk))]
        return results

    async def delta_page(self, url_or_path: str, params: Mapping[str, str] | None) -> JsonObject:
        return await self._call("GET", url_or_path, params=params)

    async def users_page(self, url_or_path: str, params: Mapping[str, str] | None) -> JsonObject:
        return await self._call("GET", url_or_path, params=params)

    async def update_event(self, user: str, event_id: str, body: JsonObject) -> None:
        await self._call("PATCH", _event_path(user, event_id), body=body)


def _event_path(user: str, event_id: str) -> str:
    """An event in a mailbox; Graph's event ids may hold "/" and "=", so every character is escaped."""
    return f"/users/{quote(user)}/events/{quote(event_id, safe='')}"


def _batched(response: Mapping[str, Any] | None) -> JsonObject | ProviderError:
    """One answer of a JSON batch, read as the same request alone would have been."""
    if response is None:
        return ProviderError(0, "GET got no answer in its batch")
    status, body = response.get("status"), response.get("body")
    if not isinstance(status, int):
        return ProviderError(0, "GET got an answer without a status in its batch")
    if 200 <= status < 300 and isinstance(body, dict):
        return body
    if 200 <= status < 300:
        return ProviderError(status, "the answer is not a JSON object")
    return error_for("GET", status, body)


class GraphApis:
    """The Graph client for an organisation's credentials, built once per (tenant, app)."""

    def __init__(self, http: HttpClient, *, settings: Settings, env: Mapping[str, str], clock: Clock) -> None:
        self._http, self._settings, self._env, self._clock = http, settings, env, clock
        self._clients: dict[tuple[str, str], GraphHttpApi] = {}

    def __call__(self, organisation: Organisation) -> GraphHttpApi:
        credentials = graph_credentials(organisation, self._settings, self._env)
        key = (credentials.tenant_id, credentials.client_id)
        if key not in self._clients:
            tokens = ClientCredentials(
                self._http,
                token_url=self._settings.graph_token_url,
                tenant=credentials.tenant_id,
                client_id=credentials.client_id,
                secret=credentials.secret,
                clock=self._clock,
            )
            self._clients[key] = GraphHttpApi(
                self._http, base_url=self._settings.graph_api_url, tokens=tokens
            )
        return self._clients[key]
