"""The notification path's small cache: one load serves every caller that asks while it runs."""

from __future__ import annotations

import asyncio

import pytest

from bot.ingest.cache import TtlCache


class Loads:
    """A load that waits until released, counting how often it was started."""

    def __init__(self, value: str = "Myndigheten", error: Exception | None = None) -> None:
        self.started, self.release = 0, asyncio.Event()
        self._value, self._error = value, error

    async def __call__(self) -> str:
        self.started += 1
        await self.release.wait()
        if self._error is not None:
            raise self._error
        return self._value


async def test_callers_asking_at_once_share_one_load_and_later_ones_the_kept_value() -> None:
    cache: TtlCache[int, str] = TtlCache(seconds=60, max_items=10)
    load = Loads()

    callers = [asyncio.create_task(cache.get_or_load(1, load)) for _ in range(16)]
    await asyncio.sleep(0)
    load.release.set()

    assert await asyncio.gather(*callers) == ["Myndigheten"] * 16
    assert await cache.get_or_load(1, Loads("another")) == "Myndigheten"
    assert load.started == 1


async def test_a_failed_load_reaches_every_caller_and_is_tried_again_next_time() -> None:
    cache: TtlCache[int, str] = TtlCache(seconds=60, max_items=10)
    failing = Loads(error=LookupError("no organisation 1"))
    failing.release.set()

    results = await asyncio.gather(*(cache.get_or_load(1, failing) for _ in range(3)), return_exceptions=True)

    assert [str(result) for result in results] == ["no organisation 1"] * 3
    assert failing.started == 1
    working = Loads()
    working.release.set()
    assert await cache.get_or_load(1, working) == "Myndigheten"


async def test_a_caller_that_gives_up_does_not_cancel_the_load_others_wait_for() -> None:
    cache: TtlCache[int, str] = TtlCache(seconds=60, max_items=10)
    load = Loads()
    impatient = asyncio.create_task(cache.get_or_load(1, load))
    patient = asyncio.create_task(cache.get_or_load(1, load))
    await asyncio.sleep(0)

    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    load.release.set()

    assert await patient == "Myndigheten"
    assert load.started == 1
