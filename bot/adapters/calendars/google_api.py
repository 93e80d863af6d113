"""Google Calendar and the Admin SDK directory over HTTP, as a service account acting for users.

Credentials: ``organisation.settings["google"] = {"key_env": "NAME", "admin_email": "..."}`` where the
environment variable NAME holds the path of the service account's JSON key (domain-wide delegation
granted for the calendar.readonly and admin.directory.user.readonly scopes); ``admin_email`` is the
administrator the directory is read as.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from bot.adapters.calendars.http import HttpClient
from bot.adapters.calendars.tokens import ServiceAccount
from bot.domain.organisations import Organisation
from bot.ingest.directory import GOOGLE_DIRECTORY_SCOPE
from bot.ingest.ports import JsonObject, NotConfigured
from bot.ports import Clock
from bot.settings import Settings

CALENDAR_SCOPE: Final = "https://www.googleapis.com/auth/calendar.readonly"


class GoogleHttpApi:
    def __init__(self, http: HttpClient, *, base_url: str, account: ServiceAccount) -> None:
        self._http, self._base, self._account = http, base_url.rstrip("/"), account

    async def _call(
        self,
        method: str,
        path: str,
        subject: str,
        scope: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> JsonObject:
        token = await self._account.token(subject, (scope,))
        headers = {"Authorization": f"Bearer {token}"}
        answer = await self._http.request(
            method, f"{self._base}{path}", headers=headers, params=params, json_body=body
        )
        return answer.json()

    async def watch(self, subject: str, calendar_id: str, body: JsonObject) -> JsonObject:
        path = f"/calendar/v3/calendars/{quote(calendar_id, safe='@')}/events/watch"
        return await self._call("POST", path, subject, CALENDAR_SCOPE, body=body)

    async def stop_channel(self, subject: str, channel_id: str, resource_id: str) -> None:
        body = {"id": channel_id, "resourceId": resource_id}
        await self._call("POST", "/calendar/v3/channels/stop", subject, CALENDAR_SCOPE, body=body)

    async def events_page(self, subject: str, calendar_id: str, params: Mapping[str, str]) -> JsonObject:
        path = f"/calendar/v3/calendars/{quote(calendar_id, safe='@')}/events"
        return await self._call("GET", path, subject, CALENDAR_SCOPE, params=params)

    async def users_page(self, subject: str, params: Mapping[str, str]) -> JsonObject:
        return await self._call(
            "GET", "/admin/directory/v1/users", subject, GOOGLE_DIRECTORY_SCOPE, params=params
        )


class GoogleApis:
    """(client, administrator's email) for an organisation; one client per service-account key."""

    def __init__(self, http: HttpClient, *, settings: Settings, env: Mapping[str, str], clock: Clock) -> None:
        self._http, self._settings, self._env, self._clock = http, settings, env, clock
        self._clients: dict[str, GoogleHttpApi] = {}

    def __call__(self, organisation: Organisation) -> tuple[GoogleHttpApi, str]:
        own = organisation.settings.get("google")
        if not isinstance(own, Mapping) or not own.get("key_env"):
            raise NotConfigured(
                "no directory or calendar credentials: set settings.graph (Microsoft 365) or settings.google "
                '{"key_env": ..., "admin_email": ...} (Google Workspace) for the organisation'
            )
        key_env = str(own["key_env"])
        path = self._env.get(key_env, "")
        if not path:
            raise NotConfigured(f"the environment variable {key_env} (settings.google.key_env) is not set")
        if path not in self._clients:
            account = ServiceAccount(
                self._http, token_url=self._settings.google_token_url, key=_key(path), clock=self._clock
            )
            self._clients[path] = GoogleHttpApi(
                self._http, base_url=self._settings.google_api_url, account=account
            )
        return self._clients[path], str(own.get("admin_email") or "")


def _key(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotConfigured(f"the service account key cannot be read ({type(error).__name__})") from None
    if not isinstance(data, dict) or not data.get("client_email") or not data.get("private_key"):
        raise NotConfigured("the service account key has no client_email or private_key")
    return data
