"""Webhook routes (design 4.2): our own calendar and travel webhooks, Microsoft Graph change and
lifecycle notifications, Google Calendar push notifications, and the OpenAPI document.

Every refusal is a 4xx JSON ``{"error", "detail", "field"}``; nothing is stored for a refused request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from aiohttp import web

from bot.ingest.intake import IntakeError, Kind, parse_json
from bot.ingest.kit import IngestKit
from bot.web.openapi import openapi_document

log = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 1024 * 1024
# Graph expects the validation token echoed within 10 s; it is at most a few hundred characters.
MAX_VALIDATION_TOKEN: Final = 1024
_STATUS: Final = {
    "invalid_json": 400,
    "missing_organisation": 400,
    "unknown_organisation": 404,
    "missing_signature": 401,
    "bad_timestamp": 401,
    "stale_timestamp": 401,
    "bad_signature": 401,
    "not_configured": 403,
    "replayed": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
}


def refusal(status: int, code: str, detail: str, field: str = "") -> web.Response:
    body = {"error": code, "detail": detail} | ({"field": field} if field else {})
    return web.json_response(body, status=status)


class Webhooks:
    """The routes exist from the start; the ingestion kit arrives once the app's services are open."""

    def __init__(self, kit: Callable[[], IngestKit]) -> None:
        self._kit = kit

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/webhooks/calendar", self.calendar),
            web.post("/webhooks/travel", self.travel),
            web.post("/webhooks/graph", self.graph),
            web.post("/webhooks/graph/lifecycle", self.graph_lifecycle),
            web.post("/webhooks/google", self.google),
            web.get("/openapi.json", self.openapi),
        ]

    async def calendar(self, request: web.Request) -> web.Response:
        return await self._ours("calendar", request)

    async def travel(self, request: web.Request) -> web.Response:
        return await self._ours("travel", request)

    async def _ours(self, kind: Kind, request: web.Request) -> web.Response:
        body = await _read_body(request)
        if isinstance(body, web.Response):
            return body
        try:
            accepted = await self._kit().intake.receive(kind, request.headers, body)
        except IntakeError as error:
            log.info("%s webhook refused: %s (%s)", kind, error.code, error.field or "-")
            status = _STATUS.get(error.code, 422)
            return refusal(status, error.code, str(error), error.field)
        return web.json_response(accepted.as_json(), status=202)

    async def graph(self, request: web.Request) -> web.Response:
        """Change notifications: committed to the inbound log, answered 202, processed afterwards."""
        return await self._graph(request, lifecycle=False)

    async def graph_lifecycle(self, request: web.Request) -> web.Response:
        return await self._graph(request, lifecycle=True)

    async def _graph(self, request: web.Request, *, lifecycle: bool) -> web.Response:
        if "validationToken" in request.query:
            return _echo(request.query["validationToken"])
        body = await _read_body(request)
        if isinstance(body, web.Response):
            return body
        inbox = self._kit().graph_inbox
        try:
            payload = parse_json(body)
            accepted = await (inbox.accept_lifecycle(payload) if lifecycle else inbox.accept(payload))
        except IntakeError as error:
            return refusal(_STATUS.get(error.code, 422), error.code, str(error), error.field)
        return web.json_response({"accepted": accepted}, status=202)

    async def google(self, request: web.Request) -> web.Response:
        """A push notification: headers only. The channel token is checked; sync runs afterwards."""
        body = await _read_body(request)
        if isinstance(body, web.Response):
            return body
        if not await self._kit().google_inbox.accept(request.headers):
            return refusal(403, "unknown_channel", "unknown channel or wrong channel token")
        return web.Response(status=200)

    async def openapi(self, _request: web.Request) -> web.Response:
        return web.json_response(openapi_document())


async def _read_body(request: web.Request) -> bytes | web.Response:
    """The raw body (signatures are over the exact bytes), refused past 1 MB before reading it all."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return refusal(413, "too_large", "the body is larger than 1 MB")
    chunks, size = [], 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return refusal(413, "too_large", "the body is larger than 1 MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _echo(token: str) -> web.Response:
    """Graph's validation handshake: the token back, as plain text, at once."""
    if len(token) > MAX_VALIDATION_TOKEN:
        return refusal(400, "invalid_token", "validationToken is too long", "validationToken")
    return web.Response(text=token, content_type="text/plain", status=200)


def install_webhooks(app: web.Application, kit: Callable[[], IngestKit]) -> None:
    """Routes, plus: resume notifications accepted before a restart, and stop background work on shutdown."""
    app.add_routes(Webhooks(kit).routes())

    async def resume(_app: web.Application) -> None:
        await kit().resume()

    async def stop(_app: web.Application) -> None:
        await kit().close()

    app.on_startup.append(resume)
    app.on_shutdown.append(stop)
