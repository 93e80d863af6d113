"""slack/manifest.yml asks for exactly the scopes the code names, and points Slack at the one route."""

from __future__ import annotations

import re
from pathlib import Path

from bot.adapters.slack.app import EVENTS
from bot.adapters.slack.config import BOT_SCOPES, SLASH_COMMAND

MANIFEST = (Path(__file__).parents[2] / "slack" / "manifest.yml").read_text(encoding="utf-8")


def _list_after(key: str) -> list[str]:
    """The YAML list under ``key:`` (the manifest is plain enough to read without a YAML parser)."""
    block = MANIFEST.split(f"{key}:\n", 1)[1]
    items = []
    for line in block.splitlines():
        if line.strip().startswith("#"):
            continue
        match = re.match(r"^\s+- (\S+)$", line)
        if not match:
            break
        items.append(match.group(1))
    return items


def test_the_manifest_asks_for_the_minimal_scopes() -> None:
    assert _list_after("    bot") == list(BOT_SCOPES)


def test_every_subscribed_event_has_a_listener() -> None:
    events = _list_after("    bot_events")
    assert {"app_home_opened", "app_mention", "app_uninstalled", "message.im", "tokens_revoked"} == set(
        events
    )
    assert all(EVENTS.match(event.split(".")[0]) for event in events)


def test_events_commands_and_clicks_share_one_request_url() -> None:
    urls = set(re.findall(r"(?:url|request_url): (\S+)", MANIFEST))
    assert urls == {"https://remm.example.se/slack/events"}
    assert f"- command: {SLASH_COMMAND}" in MANIFEST
    assert "https://remm.example.se/slack/oauth_redirect" in MANIFEST
