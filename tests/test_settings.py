from __future__ import annotations

import pytest

from bot.settings import Secret, Settings, SettingsError, is_loopback_host, normalise_database_url


def test_defaults_run_on_embedded_sqlite_with_the_local_web_chat() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite+aiosqlite:///var/remm.db"
    assert (settings.host, settings.port, settings.timezone, settings.default_locale) == (
        "127.0.0.1",
        3978,
        "Europe/Stockholm",
        "sv",
    )
    assert settings.teams_enabled and not settings.slack_enabled


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/remm", "postgresql+asyncpg://u:p@db:5432/remm"),
        ("postgresql://u@db/remm", "postgresql+asyncpg://u@db/remm"),
        ("postgresql+asyncpg://u@db/remm", "postgresql+asyncpg://u@db/remm"),
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
    ],
)
def test_database_urls_are_normalised_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"SCHEDULER_ENABLED": "maybe"}, "SCHEDULER_ENABLED"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
        ({"WORKER_NICENESS": "20"}, "WORKER_NICENESS"),
        ({"WORKER_NICENESS": "-5"}, "WORKER_NICENESS"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"PUBLIC_URL": "bot.example.se"}, "PUBLIC_URL"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
    ],
)
def test_invalid_values_are_refused_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_secrets_never_appear_in_repr() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-very-secret", "WEBHOOK_SECRET": "hush-hush"})
    assert "xoxb-very-secret" not in repr(settings)
    assert "hush-hush" not in repr(settings)
    assert settings.slack_bot_token.value == "xoxb-very-secret"
    assert str(Secret("x")) == "***"


def test_teams_without_app_id_is_on_only_for_a_loopback_bind() -> None:
    assert Settings.from_env({"HOST": "127.0.0.1"}).teams_enabled
    assert not Settings.from_env({"HOST": "0.0.0.0"}).teams_enabled
    assert Settings.from_env({"HOST": "0.0.0.0", "MICROSOFT_APP_ID": "app"}).teams_enabled


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("bot.local", False),
    ],
)
def test_loopback_is_decided_by_the_bound_address(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
