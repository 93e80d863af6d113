"""A fake Bot Connector on 127.0.0.1 (ephemeral port) that records what the bot sends it.

It answers the paths the SDK and our messenger use: replies, sends, updates, creating a 1:1 chat, member
lookups and paged rosters. ``fail_next`` queues error answers (status, error code, headers) for sends.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    kind: str  # reply | send | update | create
    conversation_id: str
    activity_id: str
    body: dict[str, Any]
    authorization: str


@dataclass
class FakeBotConnector:
    # Member lookups: user id (29:...) -> the member object the connector returns (email etc.).
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    fail_next: deque[tuple[int, str, dict[str, str]]] = field(default_factory=deque)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.add_routes(
            [
                web.post("/v3/conversations", self._create),
                web.post("/v3/conversations/{cid}/activities", self._send),
                web.post("/v3/conversations/{cid}/activities/{aid}", self._reply),
                web.put("/v3/conversations/{cid}/activities/{aid}", self._update),
                web.get("/v3/conversations/{cid}/members/{uid}", self._member),
                web.get("/v3/conversations/{cid}/pagedmembers", self._roster),
                web.get("/v3/conversations/{cid}/pagedMembers", self._roster),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def of(self, kind: str) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]

    def _failure(self) -> web.Response | None:
        if not self.fail_next:
            return None
        status, code, headers = self.fail_next.popleft()
        body = {"error": {"code": code, "message": f"fake {code}"}}
        return web.json_response(body, status=status, headers=headers)

    async def _record(self, request: web.Request, kind: str) -> web.Response:
        failure = self._failure()
        if failure is not None:
            return failure
        body = await request.json()
        activity_id = request.match_info.get("aid", "")
        self.calls.append(
            Call(kind, request.match_info["cid"], activity_id, body, request.headers.get("Authorization", ""))
        )
        return web.json_response({"id": activity_id if kind == "update" else f"1:sent-{next(self._ids)}"})

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update")

    async def _create(self, request: web.Request) -> web.Response:
        failure = self._failure()
        if failure is not None:
            return failure
        body = await request.json()
        conversation_id = f"a:created-{next(self._ids)}"
        self.calls.append(Call("create", conversation_id, "", body, request.headers.get("Authorization", "")))
        return web.json_response({"id": conversation_id}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(member)

    async def _roster(self, request: web.Request) -> web.Response:
        return web.json_response({"members": list(self.members.values())})
