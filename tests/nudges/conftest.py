"""A database with the sample organisation loaded, and services on a simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import Services, build_services
from bot.domain.organisations import Organisation
from bot.sample_loader import load_sample
from bot.settings import Settings
from storage.database import Database
from tests.fakes.clock import FakeClock
from tests.fakes.messenger import FakeMessenger

# Thursday before the sample week (2026-01-12), 09:00 in Stockholm: working hours, days ahead of the trips.
THURSDAY_MORNING = datetime(2026, 1, 8, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(THURSDAY_MORNING)


@pytest.fixture
async def services(database: Database, clock: FakeClock) -> Services:
    built = build_services(Settings.from_env({}), database, clock=clock)
    built.messengers["webchat"] = FakeMessenger()
    built.start_dispatcher()
    return built


@pytest.fixture
async def sample_org(services: Services) -> Organisation:
    organisation, created = await load_sample(services)
    assert created
    return organisation
