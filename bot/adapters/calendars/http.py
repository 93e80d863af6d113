"""One shared aiohttp session for the providers, opened on first use; statuses mapped to neutral errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDict

from bot.ingest.ports import GoneError, NotFoundError, ProviderError

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise ProviderError(self.status, "the answer is not JSON") from None
        if not isinstance(data, dict):
            raise ProviderError(self.status, "the answer is not a JSON object")
        return data


class HttpClient:
    def __init__(self, *, limit: int = 100) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._limit = limit

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit)
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, connector=connector)
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        max_bytes: int = 20 * 1024 * 1024,
        ok: tuple[int, ...] = (),
    ) -> Answer:
        """The answer of a 2xx (or a status in ``ok``); 404 NotFoundError, 410 GoneError, or ProviderError."""
        try:
            async with self._open().request(
                method, url, headers=headers, params=params, json=json_body, data=form
            ) as response:
                body = await response.content.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise ProviderError(response.status, "the answer is too large")
                answer = Answer(response.status, CIMultiDict(response.headers), body)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ProviderError(0, f"{method} failed: {type(error).__name__}") from None
        if 200 <= answer.status < 300 or answer.status in ok:
            return answer
        raise error_of(method, answer)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def error_of(method: str, answer: Answer) -> ProviderError:
    """The provider's error code only: its message may quote what was sent (names, subjects)."""
    try:
        data = json.loads(answer.body) if answer.body else {}
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        data = {}
    return error_for(method, answer.status, data)


def error_for(method: str, status: int, data: Any) -> ProviderError:
    """The error a status means, named by the code in an already parsed error body (``error_of``)."""
    error = data.get("error") if isinstance(data, dict) else None
    code = (
        str(error.get("code") or error.get("status") or "") if isinstance(error, dict) else str(error or "")
    )
    message = f"{method} answered {status} {code[:80]}".strip()
    if status == 404:
        return NotFoundError(404, message)
    if status == 410:
        return GoneError(410, message)
    return ProviderError(status, message)
