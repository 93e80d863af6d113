"""Logging: plain text for people, JSON lines for collectors; each line carries the request id."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from bot.web.middleware import request_id_var


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time, not the one at start (test runners swap it)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(*, level: str, fmt: str) -> None:
    handler = _CurrentStderr()
    handler.addFilter(_RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    # Replace only our own handler: a second call (tests, the CLI) must not stack or drop others.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _CurrentStderr)] + [handler]
    root.setLevel(level)
    # The access log would print every path with query strings; keep it at warnings.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Alembic narrates every migration step at INFO; our own line says which revision we reached.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    # These print SQL with parameters, request bodies or tokens at INFO or DEBUG: never below WARNING.
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


PAYLOAD_LOGGERS = (
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "slack_sdk",
    "slack_bolt",
    "msal",
    "microsoft_agents",
    "urllib3",
    "asyncio",
)
