"""A Messenger that records what it was asked to send, and can be told to fail."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.domain.delivery import SentRef
from bot.messages import OutgoingMessage, Recipient


@dataclass
class Sent:
    recipient: Recipient
    message: OutgoingMessage
    key: str


@dataclass
class FakeMessenger:
    channel: str = "webchat"
    sent: list[Sent] = field(default_factory=list)
    updates: list[tuple[SentRef, OutgoingMessage]] = field(default_factory=list)
    # Exceptions to raise on the next calls, in order (then succeed).
    failures: deque[Exception] = field(default_factory=deque)

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        if self.failures:
            raise self.failures.popleft()
        self.sent.append(Sent(recipient, message, key))
        return SentRef(self.channel, {"message_id": f"m{len(self.sent)}", "person_id": recipient.person_id})

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None:
        if self.failures:
            raise self.failures.popleft()
        self.updates.append((ref, message))
