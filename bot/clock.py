"""The real clock; tests use ``tests/fakes/clock.py`` so nothing ever sleeps for timing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class SimulatedClock:
    """Time that moves only when told, or when someone waits on it: for the demo and for tests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware start")
        self.current = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.current = moment
