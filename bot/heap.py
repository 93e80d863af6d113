"""The heap after start-up, moved out of the garbage collector's reach (every server process)."""

from __future__ import annotations

import functools
import gc
from datetime import UTC, datetime

from bot.nudges.calendar import load_working_days


@functools.cache
def settle_heap() -> None:
    """Once per process: move everything loaded at start (gazetteer, policy index, libraries: about
    250,000 objects) out of the garbage collector's reach. Otherwise each full collection walks them all,
    stalling the event loop for 100-150 ms, and every acknowledgement waiting at that moment with it.
    Objects still go when nothing refers to them; only cycles among these startup objects would stay.
    What the first nudge decision would load lazily (the holiday tables) is loaded first, so it is
    frozen too and that decision does not wait for it."""
    load_working_days(datetime.now(UTC).year)
    gc.collect()
    gc.freeze()
