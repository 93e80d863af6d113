"""The simulated clock, started on a Monday morning in January (working hours in Stockholm)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import SimulatedClock


class FakeClock(SimulatedClock):
    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start or datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
