"""The sample organisation on a migrated database, with services on a simulated clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.app import Services, build_services
from bot.campaigns.service import CampaignService
from bot.domain.delivery import SentRef
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.messages import OutgoingMessage, Recipient
from bot.ports import RecipientUnreachable
from bot.sample_loader import load_sample
from bot.settings import Settings
from storage.database import Database
from tests.fakes.clock import FakeClock
from tests.fakes.messenger import FakeMessenger

COORDINATOR = "ebba.lindahl@mhs.example.se"
ADMIN = "rasmus.eklund@mhs.example.se"


@dataclass
class PartlyReachable(FakeMessenger):
    """The fake platform, where some people have blocked the bot or left."""

    unreachable: dict[int, str] = field(default_factory=dict)

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        if recipient.person_id in self.unreachable:
            raise RecipientUnreachable(self.unreachable[recipient.person_id])
        return await super().send(recipient, message, key=key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Monday 2026-01-12, 10:00 in Stockholm


@pytest.fixture
async def services(database: Database, clock: FakeClock) -> Services:
    built = build_services(Settings.from_env({}), database, clock=clock)
    built.messengers["webchat"] = PartlyReachable()
    built.start_dispatcher()
    return built


@pytest.fixture
def campaigns(services: Services) -> CampaignService:
    assert services.campaigns is not None
    return services.campaigns


@pytest.fixture
async def org(services: Services) -> Organisation:
    organisation, _created = await load_sample(services)
    return organisation


@pytest.fixture
async def ebba(services: Services, org: Organisation) -> Person:
    person = await services.people.by_email(org.id, COORDINATOR)
    assert person is not None and person.can_coordinate
    return person
