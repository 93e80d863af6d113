"""Charts are PNG bytes drawn without a display; media ids are signed and refuse any change."""

from __future__ import annotations

import pytest

from bot.reports.chart import chart_id, render_png
from bot.reports.tokens import BadToken, sign, verify
from storage.database import Database
from storage.reports import SqlReports

SPEC = {
    "locale": "sv",
    "unit": "din enhet (19 personer)",
    "weeks": [f"W{week:02d}" for week in range(37, 49)],
    "trips": [5, 7, 3, 9, 4, 6, 8, 5, 3, 2, 4, 3],
    "avoided": [0, 1, 2, 1, 3, 2, 4, 3, 5, 4, 6, 5],
    "baseline": 6.5,
}


def test_a_chart_is_a_png_with_or_without_a_baseline() -> None:
    assert render_png(SPEC).startswith(b"\x89PNG\r\n\x1a\n")
    assert render_png(SPEC | {"baseline": None, "locale": "en"}).startswith(b"\x89PNG")


def test_the_same_picture_gets_the_same_id_and_another_one_another() -> None:
    assert chart_id(1, SPEC) == chart_id(1, dict(SPEC))
    assert chart_id(1, SPEC) != chart_id(2, SPEC) != chart_id(1, SPEC | {"baseline": 7.0})


def test_a_token_names_its_chart_and_refuses_any_change() -> None:
    key = b"k" * 32
    token = sign("abc", 7, key)

    assert verify(token, key) == ("abc", 7)
    payload, signature = token.split(".")
    for bad in (f"{payload}x.{signature}", f"{payload}.{signature[:-1]}", payload, "", "..", token + "="):
        with pytest.raises(BadToken):
            verify(bad, key)
    with pytest.raises(BadToken):
        verify(token, b"another key")


async def test_the_signing_key_is_shared_by_every_process_and_follows_the_webhook_secret(
    database: Database,
) -> None:
    first, second = SqlReports(database), SqlReports(database)

    stored = await first.signing_key("")
    assert await second.signing_key("") == stored == await first.signing_key("")
    assert await SqlReports(database).signing_key("webhook-secret") != stored
    assert await SqlReports(database).signing_key("webhook-secret") == await SqlReports(database).signing_key(
        "webhook-secret"
    )
