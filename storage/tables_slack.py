"""Slack installations, OAuth state and the token-refresh lock."""

from __future__ import annotations
