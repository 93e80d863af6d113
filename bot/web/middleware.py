"""Cross-cutting HTTP concerns: request ids, and errors as JSON ``{"error", "detail"}`` (design 4.2)."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
from contextvars import ContextVar
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from bot import metrics
from storage.database import is_unavailable

log = logging.getLogger(__name__)

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
# A random prefix per process and a counter: unique like a uuid4, without a system call per request.
_ID_PREFIX: Final = secrets.token_hex(8)
_ID_COUNTER: Final = itertools.count(1)
_SAFE_ID: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_REASON_CODES: Final = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    503: "unavailable",
}


def json_error(status: int, code: str, detail: str, *, headers: dict[str, str] | None = None) -> web.Response:
    metrics.errors.labels(str(status), code).inc()
    return web.json_response({"error": code, "detail": detail}, status=status, headers=headers)


class JsonHttpError(web.HTTPException):
    """Raise from any handler: becomes a JSON error with the given status, code and detail."""

    def __init__(self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        super().__init__(headers=headers, reason=code)
        self.code = code
        self.detail = detail


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-Id", "")
    if incoming and _SAFE_ID.match(incoming):
        request_id = incoming
    else:
        request_id = f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"
    token = request_id_var.set(request_id)
    try:
        response = await handler(request)
        response.headers["X-Request-Id"] = request_id
        return response
    finally:
        request_id_var.reset(token)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No traceback ever reaches a client: HTTP errors become JSON, anything else a logged 500."""
    try:
        return await handler(request)
    except JsonHttpError as error:
        return json_error(error.status_code, error.code, error.detail, headers=_passthrough(error))
    except web.HTTPException as error:
        if error.status_code < 400:
            raise
        code = _REASON_CODES.get(error.status_code, "error")
        detail = (
            error.text if error.text and not error.text.startswith(f"{error.status_code}:") else error.reason
        )
        return json_error(error.status_code, code, detail or code, headers=_passthrough(error))
    except Exception as error:
        if is_unavailable(error):
            # The platform retries on 503; nothing was accepted, so nothing is lost.
            log.warning("database unavailable on %s %s", request.method, request.path)
            return json_error(
                503,
                "unavailable",
                "the database is unavailable; try again shortly",
                headers={"Retry-After": "5"},
            )
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(
            500, "internal", "something went wrong on our side; the request id is in X-Request-Id"
        )


def _passthrough(error: web.HTTPException) -> dict[str, str]:
    keep = ("Retry-After", "Allow", "WWW-Authenticate")
    return {name: error.headers[name] for name in keep if name in error.headers}
