"""A Messenger that prints: the demo's channel. It keeps what it printed for the demo's summary."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.adapters.console.render import render_text
from bot.domain.delivery import SentRef
from bot.messages import OutgoingMessage, Recipient


@dataclass
class ConsoleMessenger:
    write: Callable[[str], None] = print
    name_of: Callable[[int], str] = str
    delivered: list[tuple[Recipient, OutgoingMessage]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        self.delivered.append((recipient, message))
        self.write(f"\n→ {self.name_of(recipient.person_id)}:\n{render_text(message)}")
        return SentRef("console", {"message_id": next(self._ids), "person_id": recipient.person_id})

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None:
        self.write(
            f"\n↻ {self.name_of(int(ref.data.get('person_id', 0)))} (updated):\n{render_text(message)}"
        )
