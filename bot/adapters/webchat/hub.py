"""Live updates for open web chat pages in this process; pages also poll for other processes' writes."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from storage.webchat import WebchatEntry

Event = tuple[str, WebchatEntry]


class WebchatHub:
    def __init__(self) -> None:
        self._queues: defaultdict[int, set[asyncio.Queue[Event]]] = defaultdict(set)
        self.closing = asyncio.Event()

    def subscribe(self, person_id: int) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=100)
        self._queues[person_id].add(queue)
        return queue

    def unsubscribe(self, person_id: int, queue: asyncio.Queue[Event]) -> None:
        self._queues[person_id].discard(queue)
        if not self._queues[person_id]:
            del self._queues[person_id]

    def publish(self, person_id: int, kind: str, entry: WebchatEntry) -> None:
        for queue in list(self._queues.get(person_id, ())):
            if not queue.full():  # a stalled page catches up from the database when it reconnects
                queue.put_nowait((kind, entry))

    def close(self) -> None:
        self.closing.set()
