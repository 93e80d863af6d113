"""``GET /media/{signed id}.png`` (design 4.5): summary charts, for Slack, Teams and the web chat.

The id is signed by the server (``bot.reports.tokens``): a changed id is refused with 403, a chart that
no longer exists is 404. Charts are drawn on first request from their stored description, then kept as
PNG bytes in the database so that every process serves the same picture without drawing it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from bot.reports.chart import render_png
from bot.reports.tokens import BadToken, verify
from bot.settings import Settings
from bot.web.middleware import JsonHttpError

log = logging.getLogger(__name__)

CACHE_CONTROL = "private, max-age=86400"


class MediaStore(Protocol):
    async def signing_key(self, configured: str) -> bytes: ...

    async def chart(self, chart_id: str) -> tuple[int, dict[str, Any], bytes | None] | None: ...

    async def store_png(self, chart_id: str, png: bytes) -> None: ...


class MediaRoute:
    def __init__(self, settings: Settings, store: Callable[[], MediaStore]) -> None:
        self._settings, self._store = settings, store
        # matplotlib is not safe to use from several threads at once: one drawing at a time per process.
        self._drawing = asyncio.Lock()

    async def get(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if not name.endswith(".png"):
            raise JsonHttpError(404, "not_found", "no such media")
        store = self._store()
        key = await store.signing_key(self._settings.webhook_secret.value)
        try:
            chart_id, organisation_id = verify(name.removesuffix(".png"), key)
        except BadToken:
            raise JsonHttpError(403, "forbidden", "this media link is not valid") from None
        found = await store.chart(chart_id)
        if found is None or found[0] != organisation_id:
            raise JsonHttpError(404, "not_found", "this chart no longer exists")
        png = found[2] or await self._draw(store, chart_id, found[1])
        headers = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
        return web.Response(body=png, content_type="image/png", headers=headers)

    async def _draw(self, store: MediaStore, chart_id: str, spec: dict[str, Any]) -> bytes:
        async with self._drawing:
            png = await asyncio.to_thread(render_png, spec)
        await store.store_png(chart_id, png)
        log.info("chart %s drawn (%d bytes)", chart_id[:8], len(png))
        return png


def install_media(app: web.Application, settings: Settings) -> None:
    """Add the media route; the chart store is the running application's report repository."""
    route = MediaRoute(settings, lambda: _reports(app))
    app.router.add_get("/media/{name}", route.get)


def _reports(app: web.Application) -> MediaStore:
    # The composition root imports this module, so its key is looked up when a request comes, not at import.
    from bot.app import SERVICES

    return app[SERVICES].reports
