"""The web chat in a real browser: the real app on an ephemeral loopback port, used as a newcomer would."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic

import pytest
from aiohttp import web
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Locator, Page, expect

from bot.app import SERVICES, create_app
from bot.clock import SimulatedClock
from bot.ingest.shapes import parse_travel_request
from bot.settings import Settings

pytestmark = pytest.mark.browser

SOFIA = "Sofia Åkesson"
TRIP = "Jag ska till Umeå på tisdag, vi är två"
GO_DIGITAL = "Gör det digitalt"
CHOSE_DIGITAL = "Du valde ett digitalt möte"
MONDAY_MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm: nudges go out at once


class MondayClock(SimulatedClock):
    """A Monday morning that moves with real time, so an updated card gets a later timestamp."""

    def __init__(self) -> None:
        super().__init__(MONDAY_MORNING)
        self._started = monotonic()

    def now(self) -> datetime:
        return self.current + timedelta(seconds=monotonic() - self._started)


@dataclass
class Served:
    app: web.Application
    url: str
    clock: MondayClock


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false"}
    )
    clock = MondayClock()
    app = create_app(settings, sample=True, clock=clock)
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield Served(app, f"http://{host}:{port}", clock)
    finally:
        await runner.cleanup()


@pytest.fixture
async def page(browser: Browser, served: Served) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    opened = await context.new_page()
    await opened.goto(served.url + "/")
    yield opened
    await context.close()


def bot_cards(page: Page) -> Locator:
    return page.get_by_role("log").locator("article.msg-bot")


async def choose_person(page: Page, name: str) -> None:
    await page.get_by_role("button", name=re.compile(name)).click()
    await expect(page.get_by_role("banner")).to_contain_text(name)


async def send_proactive_nudge(served: Served) -> None:
    """A travel request arrives for Sofia; the outbox dispatcher delivers the nudge to her open page."""
    services = served.app[SERVICES]
    organisation = await services.organisations.by_slug("hallbar")
    assert organisation is not None
    departure = served.clock.now().date() + timedelta(days=5)
    request = parse_travel_request(
        {
            "request_id": "browser-test-1",
            "requester_email": "sofia.akesson@mhs.example.se",
            "origin": "Stockholm",
            "destination": "Luleå",
            "departure_date": departure.isoformat(),
            "return_date": (departure + timedelta(days=1)).isoformat(),
            "travellers": 1,
            "mode": "flight",
            "status": "submitted",
        }
    )
    result = await services.nudge_service.travel_request_changed(organisation.id, request)
    assert result.decisions, f"no nudge decided for the travel request: {result}"
    dispatcher = services.dispatcher or services.start_dispatcher()
    assert await dispatcher.run_once() >= 1


async def serious_violations(page: Page) -> list[dict[str, object]]:
    results = await Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus, as a keyboard-only user would."""
    await expect(target).to_be_visible()
    for _ in range(limit):
        if await target.evaluate("node => node === document.activeElement"):
            return
        await page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{target} not reached with {limit} presses of Tab")


async def test_a_trip_question_a_digital_choice_and_a_proactive_nudge_in_the_browser(
    page: Page, served: Served
) -> None:
    await choose_person(page, SOFIA)
    composer = page.get_by_label("Ditt meddelande")
    await composer.fill(TRIP)
    await composer.press("Enter")

    card = bot_cards(page).filter(has=page.get_by_role("button", name=GO_DIGITAL))
    await expect(card.locator("dl")).to_contain_text("kg CO2e")
    await expect(card.locator("dl")).to_contain_text("kr")
    card_id = int(await card.get_attribute("data-id") or 0)
    await card.get_by_role("button", name=GO_DIGITAL).click()

    chosen = page.locator(f'article.msg-bot[data-id="{card_id}"]')
    await expect(chosen).to_contain_text(CHOSE_DIGITAL)
    await expect(chosen.get_by_role("button")).to_have_count(0)
    follow_up = bot_cards(page).last
    await expect(follow_up).to_contain_text("Så här gör du")
    assert int(await follow_up.get_attribute("data-id") or 0) > card_id
    await expect(page.get_by_role("log").get_by_text(TRIP)).to_be_visible()  # the own line stays

    await send_proactive_nudge(served)

    nudge = bot_cards(page).filter(has_text="Luleå")
    await expect(nudge).to_have_count(1)
    await expect(nudge.get_by_role("button", name=GO_DIGITAL)).to_be_visible()
    if screenshot := os.environ.get("WEBCHAT_SCREENSHOT"):
        await page.screenshot(path=screenshot)
    violations = await serious_violations(page)
    assert not violations, violations


async def test_the_whole_chat_works_with_the_keyboard_alone(page: Page) -> None:
    await tab_to(page, page.get_by_label("Sök person"))
    await page.keyboard.type("sofia")
    await tab_to(page, page.get_by_role("button", name=re.compile(SOFIA)))
    await page.keyboard.press("Enter")

    composer = page.get_by_label("Ditt meddelande")
    await tab_to(page, composer)
    await page.keyboard.type(TRIP)
    await page.keyboard.press("Enter")
    button = bot_cards(page).last.get_by_role("button", name=GO_DIGITAL)
    await expect(composer).to_be_focused()
    await tab_to(page, button, backwards=True)
    await page.keyboard.press("Enter")

    await expect(bot_cards(page).filter(has_text=CHOSE_DIGITAL)).to_have_count(1)
    await expect(bot_cards(page).last.get_by_role("heading")).to_be_focused()
    violations = await serious_violations(page)
    assert not violations, violations
