"""Fake Microsoft Graph (with its token endpoint) and fake Google (token, Calendar, Directory) on loopback.

They answer in the documented shapes (tests/payloads/) and record what they were asked, so tests assert
on what the fake received, not on which function was called.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jwt
from aiohttp import web
from yarl import URL

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"


def payload(name: str, **values: str) -> dict[str, Any]:
    """A documented payload with its ``{placeholders}`` filled, without its ``_source`` note."""
    text = (PAYLOADS / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key.replace("_", "-") + "}", value)
    data: dict[str, Any] = json.loads(text)
    data.pop("_source", None)
    return data


@asynccontextmanager
async def start_fake(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


@dataclass
class FakeGraph:
    url: str = ""
    token: str = "fake-graph-token"
    events: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: list[dict[str, Any]] = field(default_factory=list)
    # (mailbox, event id, removed?) in order: what a delta token has not seen yet.
    changes: list[tuple[str, str, bool]] = field(default_factory=list)
    expired_delta_tokens: set[str] = field(default_factory=set)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    patches: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    page_size: int = 50
    # Statuses to answer event fetches with, in order, before answering normally (an outage).
    failures: list[int] = field(default_factory=list)
    # The same for one event id alone.
    failures_for: dict[str, list[int]] = field(default_factory=dict)

    def put_event(self, mailbox: str, event: dict[str, Any]) -> None:
        self.events[(mailbox.lower(), event["id"])] = event
        self.changes.append((mailbox.lower(), event["id"], False))

    def remove_event(self, mailbox: str, event_id: str) -> None:
        self.events.pop((mailbox.lower(), event_id), None)
        self.changes.append((mailbox.lower(), event_id, True))

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.post("/{tenant}/oauth2/v2.0/token", self._token),
                web.post("/v1.0/subscriptions", self._subscribe),
                web.patch("/v1.0/subscriptions/{id}", self._renew),
                web.delete("/v1.0/subscriptions/{id}", self._unsubscribe),
                web.get("/v1.0/users/{user}/events/{id}", self._event),
                web.post("/v1.0/$batch", self._batch),
                web.patch("/v1.0/users/{user}/events/{id}", self._patch_event),
                web.get("/v1.0/users/{user}/calendarView/delta", self._delta),
                web.get("/v1.0/users", self._users),
            ]
        )
        return app

    def _authorised(self, request: web.Request) -> None:
        self.requests.append((request.method, request.path, dict(request.query)))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": {"code": "InvalidAuthenticationToken"}}),
                content_type="application/json",
            )

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append(
            {k: str(v) for k, v in form.items()} | {"tenant": request.match_info["tenant"]}
        )
        if form.get("grant_type") != "client_credentials" or form.get("client_secret") != "app-password":
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(payload("graph/token.json", access_token=self.token))

    async def _subscribe(self, request: web.Request) -> web.Response:
        self._authorised(request)
        body = await request.json()
        subscription_id = str(uuid.uuid4())
        answer = payload(
            "graph/subscription.json",
            subscription_id=subscription_id,
            resource=body["resource"],
            client_state=body["clientState"],
            notification_url=body["notificationUrl"],
            lifecycle_notification_url=body["lifecycleNotificationUrl"],
            expiration=body["expirationDateTime"],
        )
        self.subscriptions[subscription_id] = answer
        return web.json_response(answer, status=201)

    async def _renew(self, request: web.Request) -> web.Response:
        self._authorised(request)
        found = self.subscriptions.get(request.match_info["id"])
        if found is None:
            return web.json_response({"error": {"code": "ResourceNotFound"}}, status=404)
        found["expirationDateTime"] = (await request.json())["expirationDateTime"]
        return web.json_response(found)

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        self._authorised(request)
        self.subscriptions.pop(request.match_info["id"], None)
        return web.Response(status=204)

    async def _event(self, request: web.Request) -> web.Response:
        self._authorised(request)
        status, body = self._event_answer(
            request.match_info["user"], request.match_info["id"], request.query.get("$select", "")
        )
        return web.json_response(body, status=status)

    async def _batch(self, request: web.Request) -> web.Response:
        """JSON batching as Graph documents it: up to 20 requests, each answered on its own (id, status,
        headers, body); each is recorded as if it had come alone."""
        self._authorised(request)
        requests = (await request.json())["requests"]
        if len(requests) > 20:
            return web.json_response({"error": {"code": "BadRequest"}}, status=400)
        responses = []
        for item in requests:
            url = URL(item["url"])
            _, users, user, events, event_id = url.raw_path.split("/")
            assert (users, events, item["method"]) == ("users", "events", "GET")
            assert item["headers"]["Prefer"].startswith('outlook.timezone="UTC"')
            self.requests.append(("GET", f"/v1.0{url.path}", dict(url.query)))
            status, body = self._event_answer(unquote(user), unquote(event_id), url.query.get("$select", ""))
            headers = {"Content-Type": "application/json"} | ({"Retry-After": "10"} if status == 429 else {})
            responses.append({"id": item["id"], "status": status, "headers": headers, "body": body})
        return web.json_response({"responses": responses[::-1]})  # Graph keeps no order either

    def _event_answer(self, user: str, event_id: str, select: str) -> tuple[int, dict[str, Any]]:
        failures = self.failures_for.get(event_id) or self.failures
        if failures:
            return failures.pop(0), {"error": {"code": "ServiceUnavailable"}}
        event = self.events.get((user.lower(), event_id))
        if event is None:
            return 404, {"error": {"code": "ErrorItemNotFound"}}
        selected = select.split(",")
        return 200, {k: v for k, v in event.items() if k in selected or k.startswith("@") or k == "id"}

    async def _patch_event(self, request: web.Request) -> web.Response:
        self._authorised(request)
        key = (request.match_info["user"].lower(), request.match_info["id"])
        body = await request.json()
        self.patches.append((key[0], key[1], body))
        if key not in self.events:
            return web.json_response({"error": {"code": "ErrorItemNotFound"}}, status=404)
        self.events[key] |= body
        return web.json_response(self.events[key])

    async def _delta(self, request: web.Request) -> web.Response:
        self._authorised(request)
        user = request.match_info["user"].lower()
        token = request.query.get("$deltatoken")
        if token in self.expired_delta_tokens:
            return web.json_response({"error": {"code": "SyncStateNotFound"}}, status=410)
        if token is None:
            ids = [(eid, False) for (mailbox, eid) in self.events if mailbox == user]
        else:
            ids = [(eid, removed) for mailbox, eid, removed in self.changes[int(token) :] if mailbox == user]
        skip = int(request.query.get("$skiptoken", "0"))
        page = ids[skip : skip + self.page_size]
        value = [
            {"id": eid, "@removed": {"reason": "deleted"}} if gone else self.events[(user, eid)]
            for eid, gone in page
        ]
        base = f"{self.url}/v1.0/users/{user}/calendarView/delta"
        answer: dict[str, Any] = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)"
        }
        if skip + self.page_size < len(ids):
            query = f"$skiptoken={skip + self.page_size}" + (f"&$deltatoken={token}" if token else "")
            answer["@odata.nextLink"] = f"{base}?{query}"
        else:
            answer["@odata.deltaLink"] = f"{base}?$deltatoken={len(self.changes)}"
        return web.json_response(answer | {"value": value})

    async def _users(self, request: web.Request) -> web.Response:
        self._authorised(request)
        skip = int(request.query.get("$skiptoken", "0"))
        page = self.users[skip : skip + self.page_size]
        answer: dict[str, Any] = {"value": page}
        if skip + self.page_size < len(self.users):
            answer["@odata.nextLink"] = f"{self.url}/v1.0/users?$skiptoken={skip + self.page_size}"
        return web.json_response(answer)


@dataclass
class FakeGoogle:
    url: str = ""
    public_key: str = ""
    events: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    changes: list[tuple[str, str]] = field(default_factory=list)
    gone_tokens: set[str] = field(default_factory=set)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    stopped: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    lists: list[dict[str, str]] = field(default_factory=list)
    page_size: int = 50

    def put_event(self, calendar: str, event: dict[str, Any]) -> None:
        self.events.setdefault(calendar.lower(), {})[event["id"]] = event
        self.changes.append((calendar.lower(), event["id"]))

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.post("/token", self._token),
                web.post("/calendar/v3/calendars/{calendar}/events/watch", self._watch),
                web.post("/calendar/v3/channels/stop", self._stop),
                web.get("/calendar/v3/calendars/{calendar}/events", self._list),
                web.get("/admin/directory/v1/users", self._users),
            ]
        )
        return app

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        try:
            claims = jwt.decode(  # signature and audience; the times are the tests' simulated clock
                str(form.get("assertion")),
                self.public_key,
                algorithms=["RS256"],
                audience=f"{self.url}/token",
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as error:
            return web.json_response({"error": "invalid_grant", "error_description": str(error)}, status=400)
        self.assertions.append(claims)
        return web.json_response(
            {"access_token": f"google-token:{claims['sub']}", "expires_in": 3599, "token_type": "Bearer"}
        )

    def _subject(self, request: web.Request) -> str:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer google-token:"):
            raise web.HTTPUnauthorized()
        return auth.removeprefix("Bearer google-token:")

    async def _watch(self, request: web.Request) -> web.Response:
        self._subject(request)
        body = await request.json()
        calendar = request.match_info["calendar"]
        answer = payload(
            "google/channel.json",
            channel_id=body["id"],
            resource_id=f"res-{uuid.uuid4().hex[:12]}",
            calendar_id=calendar,
            channel_token=body["token"],
            expiration_ms=str(
                body.get("expiration") or int((datetime.now(UTC) + timedelta(days=7)).timestamp() * 1000)
            ),
        )
        self.channels[body["id"]] = answer | {"calendar": calendar, "address": body["address"]}
        return web.json_response(answer)

    async def _stop(self, request: web.Request) -> web.Response:
        self._subject(request)
        self.stopped.append(await request.json())
        return web.Response(status=204)

    async def _list(self, request: web.Request) -> web.Response:
        self._subject(request)
        calendar = request.match_info["calendar"].lower()
        self.lists.append(dict(request.query))
        token = request.query.get("syncToken")
        if token in self.gone_tokens:
            return web.json_response(payload("google/gone.json"), status=410)
        mine = self.events.get(calendar, {})
        if token is None:
            ids = list(mine)
        else:
            ids = list(dict.fromkeys(eid for cal, eid in self.changes[int(token) :] if cal == calendar))
        skip = int(request.query.get("pageToken", "0"))
        answer = payload("google/events_list.json", calendar_id=calendar, sync_token=str(len(self.changes)))
        answer["items"] = [mine[eid] for eid in ids[skip : skip + self.page_size] if eid in mine]
        if skip + self.page_size < len(ids):
            answer.pop("nextSyncToken")
            answer["nextPageToken"] = str(skip + self.page_size)
        return web.json_response(answer)

    async def _users(self, request: web.Request) -> web.Response:
        self._subject(request)
        skip = int(request.query.get("pageToken", "0"))
        answer: dict[str, Any] = {
            "kind": "admin#directory#users",
            "users": self.users[skip : skip + self.page_size],
        }
        if skip + self.page_size < len(self.users):
            answer["nextPageToken"] = str(skip + self.page_size)
        return web.json_response(answer)
