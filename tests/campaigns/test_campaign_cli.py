"""`remm-bot campaign ...` on the sample organisation: the happy path, refusals with exit code 2."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
EBBA = "ebba.lindahl@mhs.example.se"
CREATE = [
    "campaign",
    "create",
    "--title",
    "Resfria möten-veckan",
    "--text-sv",
    "Prova digitalt.",
    "--text-en",
    "Try digital.",
]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    values = {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "LOG_LEVEL": "WARNING"}
    assert runner.invoke(app, ["chat"], input="hej\n", env=values).exit_code == 0  # loads the sample
    return values


def test_create_send_list_show_and_stats(env: dict[str, str], tmp_path: Path) -> None:
    audience = ["--audience", "department=Planering", "--audience", "role=Enhetschef"]
    survey = ["--survey", "Digitala möten fungerar för mig|Digital meetings work for me", "--im-in"]
    variant_b = ["--variant-b-sv", "Få en dag tillbaka.", "--variant-b-en", "Get a day back."]
    options = [*audience, *survey, "--reminder-days", "3", *variant_b]
    created = runner.invoke(app, [*CREATE, "--as", EBBA, *options], env=env)
    sent = runner.invoke(app, ["campaign", "send", "1", "--as", EBBA], env=env)
    again = runner.invoke(app, ["campaign", "send", "1", "--as", EBBA], env=env)
    listed = runner.invoke(app, ["campaign", "list"], env=env)
    shown = runner.invoke(app, ["campaign", "show", "1"], env=env)
    stats = runner.invoke(app, ["campaign", "stats", "1", "--csv", str(tmp_path / "c.csv")], env=env)

    assert [r.exit_code for r in (created, sent, again, listed, shown, stats)] == [0] * 6, created.stderr
    assert (
        'created campaign 1 "Resfria möten-veckan"' in created.stdout
        and "preview is queued" in created.stdout
    )
    recipients = int(sent.stdout.split(": ")[1].split()[0])
    assert recipients >= 1 and f"{recipients} newly queued" in sent.stdout
    assert "sent already" in again.stdout
    assert f"1\tsent\t{recipients}\t0\t0\t0\t0\tResfria möten-veckan" in listed.stdout
    assert (
        "audience: department=Planering, role=Enhetschef" in shown.stdout
        and "reminder: after 3 days" in shown.stdout
    )
    assert '"opened" is not measured' in stats.stdout
    rows = list(csv.DictReader(io.StringIO((tmp_path / "c.csv").read_text(encoding="utf-8"))))
    assert [r["variant"] for r in rows] == ["A", "B", "all"] and rows[2]["targeted"] == str(recipients)


def test_someone_without_the_permission_is_refused_with_exit_2(env: dict[str, str]) -> None:
    result = runner.invoke(
        app, [*CREATE, "--as", "sofia.akesson@mhs.example.se", "--audience", "everyone"], env=env
    )
    assert result.exit_code == 2 and "coordinator" in result.stderr


def test_create_and_send_need_an_explicit_actor(env: dict[str, str]) -> None:
    assert runner.invoke(app, [*CREATE, "--audience", "everyone"], env=env).exit_code == 2
    assert runner.invoke(app, ["campaign", "send", "1"], env=env).exit_code == 2


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ([], "no audience"),
        (["--audience", "department=Planerng"], 'no department called "Planerng"'),
        (["--audience", "office=Kiruna"], 'no office called "Kiruna"'),
        (["--audience", "role=Astronaut"], 'Nobody has the role "Astronaut"'),
        (["--audience", "team=x"], "do not understand the audience"),
        (["--audience", "everyone", "--send-at", "2020-01-01T09:00"], "has passed already"),
        (["--audience", "everyone", "--send-at", "soon"], "do not understand the time"),
        (["--audience", "everyone", "--reminder-days", "2"], "needs a button"),
        (["--audience", "everyone", "--link", "ftp://x"], "does not look like a web address"),
        (["--audience", "everyone", "--variant-b-sv", "Hej"], "Variant B needs text"),
    ],
)
def test_bad_input_exits_2_with_the_reason_and_stores_nothing(
    env: dict[str, str], extra: list[str], reason: str
) -> None:
    result = runner.invoke(app, [*CREATE, "--as", EBBA, *extra], env=env)
    listed = runner.invoke(app, ["campaign", "list"], env=env)

    assert result.exit_code == 2 and reason in result.stderr
    assert listed.stdout.strip().count("\n") == 0  # the header only


def test_empty_text_is_refused(env: dict[str, str]) -> None:
    args = [
        "campaign",
        "create",
        "--as",
        EBBA,
        "--title",
        "T",
        "--text-sv",
        " ",
        "--text-en",
        "x",
        "--audience",
        "everyone",
    ]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2 and "missing in Swedish" in result.stderr


def test_an_unknown_campaign_exits_2(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["campaign", "stats", "42"], env=env)
    assert result.exit_code == 2 and "no campaign #42" in result.stderr
