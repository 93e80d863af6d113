"""Settings: one frozen object built from an environment mapping (design 4.4).

Only ``bot/__main__.py`` / the CLI reads the real environment; everything else receives Settings.
Secrets are wrapped in ``Secret`` so they never show in ``repr`` or logs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL: Final = "sqlite+aiosqlite:///var/remm.db"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_LOG_LEVELS: Final = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret value that prints as ``***``."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('***')" if self.value else "Secret('')"

    def __str__(self) -> str:
        return "***" if self.value else ""

    def __bool__(self) -> bool:
        return bool(self.value)


def normalise_database_url(url: str) -> str:
    """Map the URL forms people paste (postgres://, postgresql://, sqlite:///) to async drivers."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise SettingsError(
        "DATABASE_URL must be a PostgreSQL (postgresql://...) or SQLite (sqlite:///path) URL; "
        f"got a URL starting with {url.split(':', 1)[0]!r}"
    )


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost": the bind decides local-only features (design 4.4)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 3978
    public_url: str = ""
    slack_bot_token: Secret = Secret("")
    slack_signing_secret: Secret = Secret("")
    slack_client_id: str = ""
    slack_client_secret: Secret = Secret("")
    slack_api_url: str = "https://slack.com/api/"
    microsoft_app_id: str = ""
    microsoft_app_password: Secret = Secret("")
    microsoft_app_tenant_id: str = ""
    graph_api_url: str = "https://graph.microsoft.com/v1.0"
    graph_token_url: str = "https://login.microsoftonline.com"  # noqa: S105 (an endpoint, not a secret)
    google_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (an endpoint, not a secret)
    google_api_url: str = "https://www.googleapis.com"
    webhook_secret: Secret = Secret("")
    scheduler_enabled: bool = True
    # Graph notifications a web process accepts are worked off by `remm-bot worker` processes instead.
    ingest_in_workers: bool = False
    # How much lower than the web processes' a `remm-bot worker` runs (nice); 0: as it was started.
    worker_niceness: int = 10
    timezone: str = "Europe/Stockholm"
    default_locale: str = "sv"
    log_level: str = "INFO"
    log_format: str = "text"
    retention_days: int = 395

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build from a mapping (``os.environ`` in production, a dict in tests); refuse bad values."""
        read = _Reader(env)
        return cls(
            database_url=normalise_database_url(read.text("DATABASE_URL", DEFAULT_DATABASE_URL)),
            host=read.text("HOST", "127.0.0.1"),
            port=read.integer("PORT", 3978, low=1, high=65535),
            public_url=read.url("PUBLIC_URL", ""),
            slack_bot_token=Secret(read.text("SLACK_BOT_TOKEN", "")),
            slack_signing_secret=Secret(read.text("SLACK_SIGNING_SECRET", "")),
            slack_client_id=read.text("SLACK_CLIENT_ID", ""),
            slack_client_secret=Secret(read.text("SLACK_CLIENT_SECRET", "")),
            slack_api_url=read.url("SLACK_API_URL", "https://slack.com/api/"),
            microsoft_app_id=read.text("MICROSOFT_APP_ID", ""),
            microsoft_app_password=Secret(read.text("MICROSOFT_APP_PASSWORD", "")),
            microsoft_app_tenant_id=read.text("MICROSOFT_APP_TENANT_ID", ""),
            graph_api_url=read.url("GRAPH_API_URL", "https://graph.microsoft.com/v1.0"),
            graph_token_url=read.url("GRAPH_TOKEN_URL", "https://login.microsoftonline.com"),
            google_token_url=read.url("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token"),
            google_api_url=read.url("GOOGLE_API_URL", "https://www.googleapis.com"),
            webhook_secret=Secret(read.text("WEBHOOK_SECRET", "")),
            scheduler_enabled=read.boolean("SCHEDULER_ENABLED", True),
            ingest_in_workers=read.boolean("INGEST_IN_WORKERS", False),
            worker_niceness=read.integer("WORKER_NICENESS", 10, low=0, high=19),
            timezone=read.timezone("TIMEZONE", "Europe/Stockholm"),
            default_locale=read.choice("DEFAULT_LOCALE", "sv", {"sv", "en"}),
            log_level=read.choice("LOG_LEVEL", "INFO", _LOG_LEVELS, upper=True),
            log_format=read.choice("LOG_FORMAT", "text", {"text", "json"}),
            retention_days=read.integer("RETENTION_DAYS", 395, low=1, high=36500),
        )

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret) and (bool(self.slack_bot_token) or self.slack_oauth_enabled)

    @property
    def slack_oauth_enabled(self) -> bool:
        return bool(self.slack_client_id) and bool(self.slack_client_secret)

    @property
    def loopback_bind(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def teams_enabled(self) -> bool:
        """With an app id always; without one only anonymously on a loopback bind (design 4.4)."""
        return bool(self.microsoft_app_id) or self.loopback_bind


@dataclass(frozen=True, slots=True)
class _Reader:
    env: Mapping[str, str]

    def text(self, name: str, default: str) -> str:
        value = self.env.get(name)
        return default if value is None or value.strip() == "" else value.strip()

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.text(name, str(default))
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name, "true" if default else "false").lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    def choice(
        self, name: str, default: str, allowed: frozenset[str] | set[str], *, upper: bool = False
    ) -> str:
        raw = self.text(name, default)
        raw = raw.upper() if upper else raw.lower()
        if raw not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(sorted(allowed))}; got {raw!r}")
        return raw

    def url(self, name: str, default: str) -> str:
        raw = self.text(name, default)
        if raw and not raw.startswith(("http://", "https://")):
            raise SettingsError(f"{name} must start with http:// or https://, got {raw!r}")
        return raw

    def timezone(self, name: str, default: str) -> str:
        raw = self.text(name, default)
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"{name} must be an IANA time zone such as Europe/Stockholm, got {raw!r}"
            ) from None
        return raw
