"""Reading JSON request bodies with errors that say what is wrong (design 4.2: 4xx with a JSON body)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.web.middleware import JsonHttpError


async def read_object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise JsonHttpError(400, "invalid_json", "the body is not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise JsonHttpError(400, "invalid_json", "the body must be a JSON object")
    return data


def field(data: dict[str, Any], name: str, kind: type, *, required: bool = True, default: Any = None) -> Any:
    """One field of the right JSON type (bool is not an int here), or 400 naming the field."""
    if name not in data or data[name] is None:
        if required:
            raise JsonHttpError(400, "missing_field", f"{name} is required")
        return default
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise JsonHttpError(400, "invalid_field", f"{name} must be a {kind.__name__}")
    return value
