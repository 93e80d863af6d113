"""Slack Web API errors, sorted into what the outbox does with them (design 5.3)."""

from __future__ import annotations

from typing import Final

from slack_sdk.errors import SlackApiError

# This person cannot be reached this way; trying again changes nothing (the reason is stored on the row).
UNREACHABLE: Final = frozenset(
    {
        "account_inactive",
        "user_not_found",
        "channel_not_found",
        "is_archived",
        "not_allowed_token_type",
        "missing_scope",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)
# The token itself is refused: refresh it when it rotates, else the installation is broken.
AUTH: Final = frozenset({"invalid_auth", "token_expired", "not_authed"})
REVOKED: Final = frozenset({"token_revoked", "app_uninstalled", "team_disabled"})


def error_code(error: SlackApiError) -> str:
    """Slack's ``error`` string, or ``http_<status>`` when the answer carried none (a 5xx page)."""
    response = error.response
    data = response.data if isinstance(response.data, dict) else {}
    code = data.get("error")
    return str(code) if code else f"http_{response.status_code}"


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (429 with Retry-After), or None when it did not rate-limit."""
    response = error.response
    if response.status_code != 429 and error_code(error) != "ratelimited":
        return None
    raw = response.headers.get("Retry-After") or response.headers.get("retry-after") or "1"
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 1.0
