"""Batches: events that arrive together are evaluated together, never two of one person in one batch."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence

import pytest

from bot.nudges.batches import Batches


class Recorder:
    """An evaluate function that records its batches and holds each until released."""

    def __init__(self, *, fail_on: str | None = None, refuse: str | None = None) -> None:
        self.batches: list[tuple[Hashable, list[str]]] = []
        self.release = asyncio.Event()
        self.release.set()
        self._fail_on, self._refuse = fail_on, refuse

    async def __call__(self, group: Hashable, items: Sequence[str]) -> list[str | Exception]:
        self.batches.append((group, list(items)))
        await self.release.wait()
        if self._fail_on in items and len(items) > 1:
            raise RuntimeError("the batch failed")
        return [
            ValueError(item) if item in (self._refuse, self._fail_on) else f"done {item}" for item in items
        ]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


Submission = tuple[Hashable, str, set[str]]  # organisation, event, keys


async def _behind_one_event(
    recorder: Recorder, batches: Batches[str, str], submissions: list[Submission]
) -> tuple[asyncio.Future[str], list[asyncio.Future[str]]]:
    """Event "x" taken alone and held; ``submissions`` arrive while it is evaluated; then all go on."""
    recorder.release.clear()
    blocker = asyncio.ensure_future(batches.submit(1, "x", frozenset({"x"})))
    await _settle()
    waiting = [
        asyncio.ensure_future(batches.submit(g, name, frozenset(keys))) for g, name, keys in submissions
    ]
    await _settle()
    recorder.release.set()
    return blocker, waiting


async def test_a_lone_event_is_evaluated_at_once_and_those_arriving_meanwhile_share_the_next_batch() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batches: Batches[str, str] = Batches(recorder, lanes=1)

    first = asyncio.ensure_future(batches.submit(1, "a", frozenset({"a"})))
    await _settle()
    rest = [asyncio.ensure_future(batches.submit(1, x, frozenset({x}))) for x in "bcd"]
    await _settle()
    recorder.release.set()

    assert await asyncio.gather(first, *rest) == ["done a", "done b", "done c", "done d"]
    assert recorder.batches == [(1, ["a"]), (1, ["b", "c", "d"])]


async def test_events_sharing_a_key_never_share_a_batch_and_keep_their_order() -> None:
    recorder = Recorder()
    batches: Batches[str, str] = Batches(recorder, lanes=1)
    submissions: list[Submission] = [
        (1, "a1", {"anna"}),
        (1, "b", {"bo"}),
        (1, "a2", {"anna", "cia"}),
        (1, "c", {"cia"}),
    ]
    blocker, waiting = await _behind_one_event(recorder, batches, submissions)
    await asyncio.gather(blocker, *waiting)

    # a2 waits for a1 (Anna), and c waits for a2 (Cia), which came first.
    assert recorder.batches == [(1, ["x"]), (1, ["a1", "b"]), (1, ["a2"]), (1, ["c"])]


async def test_a_batch_holds_one_organisation() -> None:
    recorder = Recorder()
    batches: Batches[str, str] = Batches(recorder, lanes=1)
    submissions: list[Submission] = [(2, "p", {"p"}), (1, "q", {"q"}), (2, "r", {"r"})]
    blocker, waiting = await _behind_one_event(recorder, batches, submissions)
    await asyncio.gather(blocker, *waiting)

    assert recorder.batches == [(1, ["x"]), (2, ["p", "r"]), (1, ["q"])]


async def test_a_refused_event_fails_alone_and_its_neighbours_succeed() -> None:
    recorder = Recorder(refuse="b")
    batches: Batches[str, str] = Batches(recorder, lanes=1)
    blocker, waiting = await _behind_one_event(recorder, batches, [(1, x, {x}) for x in "abc"])

    outcomes = await asyncio.gather(blocker, *waiting, return_exceptions=True)

    assert outcomes[:2] == ["done x", "done a"] and outcomes[3] == "done c"
    assert isinstance(outcomes[2], ValueError)


async def test_when_a_whole_batch_fails_each_event_is_tried_alone_so_only_the_culprit_fails() -> None:
    recorder = Recorder(fail_on="b")
    batches: Batches[str, str] = Batches(recorder, lanes=1)
    blocker, waiting = await _behind_one_event(recorder, batches, [(1, x, {x}) for x in "abc"])

    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    await blocker

    assert outcomes[0] == "done a" and outcomes[2] == "done c"
    assert isinstance(outcomes[1], ValueError)
    assert recorder.batches[1:] == [(1, ["a", "b", "c"]), (1, ["a"]), (1, ["b"]), (1, ["c"])]


async def test_two_lanes_run_batches_with_nothing_in_common_side_by_side() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batches: Batches[str, str] = Batches(recorder, lanes=2)

    first = asyncio.ensure_future(batches.submit(1, "a", frozenset({"anna"})))
    second = asyncio.ensure_future(batches.submit(1, "b", frozenset({"bo"})))
    same_person = asyncio.ensure_future(batches.submit(1, "a2", frozenset({"anna"})))
    await _settle()

    assert recorder.batches == [(1, ["a"]), (1, ["b"])]  # a2 waits for Anna's batch
    recorder.release.set()
    assert await asyncio.gather(first, second, same_person) == ["done a", "done b", "done a2"]
    assert recorder.batches[2:] == [(1, ["a2"])]


@pytest.mark.parametrize("most", [1, 2])
async def test_a_batch_never_exceeds_its_size(most: int) -> None:
    recorder = Recorder()
    recorder.release.clear()
    batches: Batches[str, str] = Batches(recorder, lanes=1, most=most)
    waiting = [asyncio.ensure_future(batches.submit(1, x, frozenset({x}))) for x in "abcde"]
    await _settle()
    recorder.release.set()
    await asyncio.gather(*waiting)

    assert max(len(items) for _, items in recorder.batches) == most
    assert [x for _, items in recorder.batches for x in items] == list("abcde")
