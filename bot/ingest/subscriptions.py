"""What Graph subscriptions and Google channels share: one per active person, renewed before expiry.

A failure for one person (an unlicensed mailbox, a calendar that is gone) is counted and logged, and
never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.ingest.ports import CalendarLink, CalendarLinks
from bot.ports import People

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SubscribeReport:
    created: int = 0
    existing: int = 0
    failed: int = 0


async def subscribe_everyone(
    organisation: Organisation,
    *,
    provider: str,
    people: People,
    links: CalendarLinks,
    subscribe: Callable[[Organisation, Person], Awaitable[CalendarLink]],
) -> SubscribeReport:
    """A link for every active person who has none yet."""
    created = existing = failed = 0
    for person in await people.list(organisation.id):
        if await links.for_person(provider, person.id):
            existing += 1
            continue
        try:
            await subscribe(organisation, person)
            created += 1
        except Exception as error:
            log.warning("%s link for person %s failed: %s", provider, person.id, type(error).__name__)
            failed += 1
    return SubscribeReport(created, existing, failed)


async def renew_links(
    *, provider: str, links: CalendarLinks, before: datetime, renew: Callable[[CalendarLink], Awaitable[None]]
) -> int:
    """Every link that expires before ``before``, renewed; returns how many were."""
    renewed = 0
    for link in await links.expiring(provider, before=before):
        try:
            await renew(link)
            renewed += 1
        except Exception as error:
            log.warning("%s link %s not renewed: %s", provider, link.external_id, type(error).__name__)
    return renewed
