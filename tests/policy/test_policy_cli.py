"""``ask`` through Typer's CliRunner on a tiny app, as bot/cli.py will register it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.commands.ask import ask_command, run_ask
from bot.policy import import_paths

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "sample" / "policy"


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    application.command("ask")(ask_command)

    @application.command("other")
    def other() -> None:
        """A second command, so that "ask" stays a subcommand as in the real CLI."""

    return application


def invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["ask", *args])
    return result.exit_code, result.stdout, result.stderr


def test_ask_with_policy_quotes_the_passage(app: typer.Typer) -> None:
    code, out, _ = invoke(
        app, "Får jag ta flyget till Malmö?", "--policy", str(SAMPLE / "sv" / "mötes-och-resepolicy.md")
    )
    assert code == 0
    assert "› 4. Val av färdsätt: tåg före flyg" in out
    assert "> Välj det färdsätt som ger lägst klimatpåverkan" in out
    assert "Källa: mötes-och-resepolicy.md" in out


def test_ask_json_has_the_documented_keys(app: typer.Typer) -> None:
    code, out, _ = invoke(
        app, "When do I get per diem?", "--policy", str(SAMPLE / "sv"), "--lang", "en", "--json"
    )
    payload = json.loads(out)
    assert code == 0
    assert {"answer", "passages", "confidence", "lang"} <= set(payload)
    assert payload["lang"] == "en"
    assert payload["passages"][0]["heading"] == "9. Traktamente och ersättningar"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   ", "--policy", str(SAMPLE / "sv")], "Skriv en fråga"),
        (["x" * 5_000, "--policy", str(SAMPLE / "sv")], "högst 4000 tecken"),
        (["och det är", "--policy", str(SAMPLE / "sv")], "inga sökbara ord"),
        (["flyg", "--lang", "de"], "Okänt språk: de"),
        (["flyg", "--policy", "finns-inte.md"], "finns-inte.md: filen finns inte."),
    ],
)
def test_bad_input_exits_2_with_a_message_on_stderr(app: typer.Typer, args: list[str], message: str) -> None:
    code, out, err = invoke(app, *args)
    assert code == 2
    assert message in err
    assert out == ""


def test_a_document_that_does_not_parse_exits_2_naming_it(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "bra.md").write_text("# Policy\n\nTåg före flyg.\n")
    (tmp_path / "trasig.pdf").write_bytes(b"%PDF-1.4 broken")
    code, out, err = invoke(app, "flyg", "--policy", str(tmp_path), "--lang", "en")
    assert (code, out) == (2, "")
    # the last line: a handler another test left on a closed stream may print logging noise before it
    assert err.strip().splitlines()[-1] == "trasig.pdf: the document cannot be read (not a readable PDF)."


def test_run_ask_takes_any_documents(capsys: pytest.CaptureFixture[str]) -> None:
    documents = import_paths([SAMPLE / "en"])
    assert run_ask("Can I travel first class?", documents, "en", json_output=False) == 0
    assert "First class on trains" in capsys.readouterr().out
