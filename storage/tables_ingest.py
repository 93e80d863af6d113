"""Calendar subscriptions, sync tokens, iCalendar feeds and directory sync state."""

from __future__ import annotations
