"""A fake Slack Web API on 127.0.0.1 (ephemeral port), used by the real AsyncWebClient (SLACK_API_URL).

It answers the methods remm-bot calls, records every call, and can be told to fail: ``fail`` queues error
answers per method (Slack's ``ok: false`` errors, or an HTTP status with Retry-After). Token rotation is
real enough to catch a refresh token spent twice: each refresh token works once. Tests wait for calls
with ``wait_for``, which wakes on arrival instead of polling.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

TEAM = "T0TEAM001"
BOT_USER = "U0REMMBOT"
BOT_ID = "B0REMMBOT"
APP_ID = "A0REMMAPP"
WAIT_SECONDS = 10.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str


@dataclass
class Failure:
    error: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeSlackApi:
    # users.info answers: user id -> the user object (profile.email, locale, tz...).
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, deque[Failure]] = field(default_factory=lambda: defaultdict(deque))
    invalid_tokens: set[str] = field(default_factory=set)
    # oauth.v2.access: what an install answers, and how token rotation behaves.
    install_answer: dict[str, Any] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    refresh_delay: float = 0.0
    url: str = ""
    _runner: web.AppRunner | None = None
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _history: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def api_url(self) -> str:
        return f"{self.url}api/"

    def hook_url(self, name: str) -> str:
        """A response_url pointing here (Slack's is https://hooks.slack.com/...)."""
        return f"{self.url}hooks/{name}"

    async def start(self, port: int = 0) -> FakeSlackApi:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(
        self, method: str, *, error: str = "", status: int = 200, retry_after: int | None = None
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.failures[method].append(Failure(error, status, headers))

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1) -> list[Call]:
        """The calls of ``method`` once there are ``count``; a test that waits in vain fails after 10 s."""
        async with asyncio.timeout(WAIT_SECONDS), self._arrived:
            await self._arrived.wait_for(lambda: len(self.of(method)) >= count)
        return self.of(method)

    async def _stats(self, _request: web.Request) -> web.Response:
        """How many calls of each method arrived (the benchmark, which runs this fake in its own process)."""
        counts: dict[str, int] = defaultdict(int)
        for call in self.calls:
            counts[call.method] += 1
        return web.json_response(counts)

    async def _hook(self, request: web.Request) -> web.Response:
        await self._record(f"hook:{request.match_info['name']}", await request.json(), "")
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or params.get("token", "")
        await self._record(method, params, token)
        queued = self.failures.get(method)
        if queued:
            failure = queued.popleft()
            body = {"ok": False, "error": failure.error or "ratelimited"}
            return web.json_response(body, status=failure.status, headers=failure.headers)
        if method != "oauth.v2.access" and (not token or token in self.invalid_tokens):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(await handler(params))

    async def _record(self, method: str, params: dict[str, Any], token: str) -> None:
        async with self._arrived:
            self.calls.append(Call(method, params, token))
            self._arrived.notify_all()

    async def _auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://remm-test.slack.com/",
            "team": "Remm Test",
            "user": "remm-bot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    async def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    async def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": f"D{params['users']}"}}

    async def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"1767000000.{next(self._ts):06d}"
        message = {"type": "message", "ts": ts, "text": params.get("text"), "bot_id": BOT_ID}
        if params.get("metadata"):
            message["metadata"] = params["metadata"]
        self._history[str(params["channel"])].insert(0, message)
        return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    async def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": params.get("text")}

    async def _chat_postEphemeral(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"1767000000.{next(self._ts):06d}"}

    async def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        messages = self._history.get(str(params.get("channel")), [])
        with_metadata = str(params.get("include_all_metadata")).lower() in {"1", "true"}
        shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in messages]
        return {"ok": True, "messages": shown, "has_more": False}

    async def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VHOME", **_json(params.get("view"))}}

    async def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VMODAL", **_json(params.get("view"))}}

    async def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("grant_type") != "refresh_token":
            return self.install_answer or {"ok": False, "error": "invalid_code"}
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)  # widens the window in which two processes could race
        spent = str(params.get("refresh_token"))
        if spent not in self.refresh_tokens:
            return {"ok": False, "error": "invalid_refresh_token"}
        self.refresh_tokens.discard(spent)  # Slack's refresh tokens work once
        number = len(self.of("oauth.v2.access"))
        fresh = f"xoxe-1-refresh-{number}"
        self.refresh_tokens.add(fresh)
        return {
            "ok": True,
            "access_token": f"xoxe.xoxb-rotated-{number}",
            "refresh_token": fresh,
            "expires_in": 43200,
            "token_type": "bot",
            "scope": "chat:write",
            "bot_user_id": BOT_USER,
            "app_id": APP_ID,
            "team": {"id": TEAM, "name": "Remm Test"},
        }


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if not raw:
        return params
    if request.content_type == "application/json":
        params.update(json.loads(raw))
    else:
        params.update(dict(parse_qsl(raw, keep_blank_values=True)))
    for key in ("blocks", "metadata", "view"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return dict(json.loads(value))
    return dict(value or {})


def user(user_id: str, email: str | None, *, name: str = "", locale: str = "sv-SE") -> dict[str, Any]:
    """A users.info ``user`` object, as Slack's documentation shows it (the fields remm-bot reads)."""
    profile: dict[str, Any] = {"real_name": name or user_id, "display_name": name or user_id}
    if email is not None:
        profile["email"] = email
    return {
        "id": user_id,
        "team_id": TEAM,
        "name": (name or user_id).lower().replace(" ", "."),
        "real_name": name or user_id,
        "tz": "Europe/Stockholm",
        "locale": locale,
        "is_bot": False,
        "deleted": False,
        "profile": profile,
    }
