"""Withdrawing what a meeting queued, when it is cancelled or its people no longer need to travel."""

from __future__ import annotations

from bot.nudges.ports import NudgeStore
from bot.ports import Clock


class Withdrawals:
    def __init__(self, *, nudges: NudgeStore, clock: Clock) -> None:
        self._nudges, self._clock = nudges, clock

    async def if_from(self, person_id: int, meeting_id: int, *, subject: str | None = None) -> int:
        """Withdraw only a nudge that came from this very meeting, not another occurrence of its series."""
        for nudge in await self._nudges.for_meeting(person_id, meeting_id):
            if subject is None or nudge.subject == subject:
                return int(
                    await self._nudges.withdraw(
                        person_id=person_id, subject=nudge.subject, now=self._clock.now()
                    )
                )
        return 0
