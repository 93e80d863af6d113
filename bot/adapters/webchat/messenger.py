"""The web chat's Messenger for the outbox: store the message, tell the open pages."""

from __future__ import annotations

from bot.adapters.webchat.hub import WebchatHub
from bot.adapters.webchat.store import WebchatStore
from bot.domain.delivery import SentRef
from bot.messages import OutgoingMessage, Recipient
from bot.ports import Clock, RecipientUnreachable


class WebchatMessenger:
    def __init__(self, store: WebchatStore, hub: WebchatHub, clock: Clock) -> None:
        self._store, self._hub, self._clock = store, hub, clock

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        entry = await self._store.add(
            organisation_id=recipient.organisation_id,
            person_id=recipient.person_id,
            payload=message.to_dict(),
            now=self._clock.now(),
        )
        self._hub.publish(recipient.person_id, "message", entry)
        return SentRef("webchat", {"message_id": entry.id, "person_id": recipient.person_id})

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None:
        person_id = int(ref.data["person_id"])
        entry = await self._store.replace(
            int(ref.data["message_id"]), person_id=person_id, payload=message.to_dict(), now=self._clock.now()
        )
        if entry is None:
            raise RecipientUnreachable("webchat_message_gone")
        self._hub.publish(person_id, "update", entry)
