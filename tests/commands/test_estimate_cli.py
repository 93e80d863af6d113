from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def test_flight_estimate_prints_the_documented_object_with_its_sources() -> None:
    result = runner.invoke(
        app,
        [
            "estimate",
            "--from",
            "Stockholm",
            "--to",
            "Luleå",
            "--mode",
            "flight",
            "--travellers",
            "2",
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {
        "origin",
        "destination",
        "mode",
        "round_trip",
        "travellers",
        "distance_km",
        "travel_hours",
        "co2e_kg",
        "cost_sek",
        "digital",
        "savings",
        "factors",
    } <= set(data)
    assert set(data["cost_sek"]) == {"total", "tickets", "mileage", "per_diem", "hotel", "staff_time"}
    assert (data["origin"]["name"], data["destination"]["name"], data["travellers"]) == (
        "Stockholm",
        "Luleå",
        2,
    )
    keys = {source["key"] for source in data["factors"]["sources"]}
    assert "emission.flight_domestic" in keys
    assert all(source["source"] and source["unit"] for source in data["factors"]["sources"])


def test_text_output_is_swedish_by_default_and_english_on_request() -> None:
    swedish = runner.invoke(app, ["estimate", "--from", "Umeå", "--to", "Göteborg"])
    english = runner.invoke(app, ["estimate", "--from", "Umeå", "--to", "Göteborg", "--lang", "en"])

    assert swedish.exit_code == 0 and english.exit_code == 0
    assert "Ett digitalt möte sparar" in swedish.stdout and "Så räknade vi" in swedish.stdout
    assert "A digital meeting saves" in english.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "Xyzzyville", "--to", "Umeå"], "unknown place 'Xyzzyville'"),
        (["--from", "Göteborg", "--to", "Gothenburg"], "same place"),
        (["--from", "Stockholm", "--to", "Umeå", "--travellers", "0"], "travellers"),
        (["--from", "Stockholm", "--to", "Umeå", "--travellers", "501"], "travellers"),
        (["--from", "Stockholm", "--to", "Umeå", "--nights", "-1"], "nights"),
        (["--from", "Stockholm", "--to", "Umeå", "--lang", "de"], "--lang"),
    ],
)
def test_bad_input_exits_2_with_a_message_that_names_the_problem(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["estimate", *arguments])

    assert result.exit_code == 2
    assert message in result.stderr


def test_unknown_mode_is_refused_by_the_option_parser() -> None:
    result = runner.invoke(app, ["estimate", "--from", "Stockholm", "--to", "Umeå", "--mode", "zeppelin"])
    assert result.exit_code == 2
    assert "zeppelin" in result.stderr


def test_a_small_typo_resolves_and_an_unknown_place_gets_suggestions() -> None:
    typo = runner.invoke(app, ["estimate", "--from", "Stockholm", "--to", "Sundsvalll", "--json"])
    unknown = runner.invoke(app, ["estimate", "--from", "Stockholm", "--to", "Xyzzyville"])

    assert typo.exit_code == 0 and '"name": "Sundsvall"' in typo.stdout
    assert unknown.exit_code == 2 and "did you mean" in unknown.stderr
