"""Scheduled ingestion work as plain async functions of the app's services (the scheduler calls them).

Each is idempotent: running it twice, or in two processes, does no harm (renewals look at expiry times,
syncs go through the nudge engine, which is idempotent by source id). Each returns a one-line summary.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.ingest.kit import IngestKit
from bot.ingest.ports import NotConfigured
from bot.ports import Organisations

log = logging.getLogger(__name__)


class HasIngest(Protocol):
    @property
    def ingest(self) -> IngestKit: ...

    @property
    def organisations(self) -> Organisations: ...


async def renew_graph_subscriptions(services: HasIngest) -> str:
    """Graph subscriptions that expire within a day are renewed (or created again if Graph lost them)."""
    return f"{await services.ingest.graph.renew_expiring()} graph subscriptions renewed"


async def renew_google_channels(services: HasIngest) -> str:
    """Google channels cannot be renewed: a new one is opened a day before the old one ends."""
    return f"{await services.ingest.google.renew_expiring()} google channels renewed"


async def catch_up_google(services: HasIngest) -> str:
    """An incremental sync of every watched Google calendar, in case a push was lost."""
    seen = 0
    for link in await services.ingest.google.links():
        try:
            seen += await services.ingest.google.catch_up(link)
        except Exception as error:
            log.warning("google catch-up for channel %s failed: %s", link.external_id, type(error).__name__)
    return f"{seen} google events caught up"


async def catch_up_graph(services: HasIngest) -> str:
    """A delta round for every subscribed mailbox: what notifications missed (downtime) is caught up."""
    seen = 0
    for link in await services.ingest.graph_links():
        try:
            seen += await services.ingest.graph.catch_up(link)
        except Exception as error:  # one mailbox must not stop the others
            log.warning(
                "graph catch-up for subscription %s failed: %s", link.external_id, type(error).__name__
            )
    return f"{seen} graph events caught up"


async def poll_ics_feeds(services: HasIngest) -> str:
    """Every stored iCalendar feed, read again (a 304 when unchanged)."""
    report = await services.ingest.ics.poll_all()
    return f"{report.occurrences} feed occurrences read, {report.nudges} nudges, {report.cancelled} cancelled"


async def sync_people(services: HasIngest) -> str:
    """Every organisation with a directory configured: people added, updated and deactivated."""
    done = []
    for organisation in await services.organisations.all():
        try:
            source, result = await services.ingest.directory.sync(organisation)
        except NotConfigured:
            continue
        except Exception as error:  # an empty or unreachable directory: nobody is changed
            log.warning("people sync for %s failed: %s", organisation.slug, type(error).__name__)
            done.append(f"{organisation.slug}: not synced ({type(error).__name__})")
            continue
        done.append(
            f"{organisation.slug} ({source}): +{result.added} ~{result.updated} -{result.deactivated}"
        )
    return "; ".join(done) or "no directory configured"


async def resume_notifications(services: HasIngest) -> str:
    """Notifications accepted but not processed (a crash, or Graph was down): processed now."""
    return f"{await services.ingest.resume()} notifications resumed"
