"""What the web chat needs from storage (``storage.webchat.SqlWebchat`` implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from storage.webchat import WebchatEntry, WebchatSession


class WebchatStore(Protocol):
    async def add(
        self, *, organisation_id: int, person_id: int, payload: dict[str, Any], now: datetime
    ) -> WebchatEntry: ...

    async def replace(
        self, message_id: int, *, person_id: int, payload: dict[str, Any], now: datetime
    ) -> WebchatEntry | None: ...

    async def by_ids(self, person_id: int, ids: Sequence[int]) -> list[WebchatEntry]: ...

    async def history(self, person_id: int, *, after: int = 0) -> list[WebchatEntry]: ...

    async def changed_since(self, person_id: int, *, since: datetime) -> list[WebchatEntry]: ...

    async def open_session(
        self, *, organisation_id: int, person_id: int, now: datetime
    ) -> WebchatSession: ...

    async def session_for(self, token: str, *, now: datetime) -> WebchatSession | None: ...


def entry_json(entry: WebchatEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "message": entry.payload,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }
