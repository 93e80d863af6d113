from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "LOG_LEVEL": "WARNING"}


def test_create_link_and_list_an_organisation(env: dict[str, str]) -> None:
    created = runner.invoke(app, ["org", "create", "trafikverket", "--name", "Trafikverket"], env=env)
    linked = runner.invoke(app, ["org", "link", "slack_team", "T0123"], env=env)
    listed = runner.invoke(app, ["org", "list"], env=env)

    assert (created.exit_code, linked.exit_code, listed.exit_code) == (0, 0, 0)
    assert "trafikverket\tTrafikverket\tslack_team:T0123" in listed.stdout


def test_a_duplicate_organisation_is_refused_with_exit_2(env: dict[str, str]) -> None:
    runner.invoke(app, ["org", "create", "myndigheten"], env=env)
    again = runner.invoke(app, ["org", "create", "myndigheten"], env=env)

    assert again.exit_code == 2 and "exists already" in again.stderr


def test_linking_with_several_organisations_needs_org(env: dict[str, str]) -> None:
    runner.invoke(app, ["org", "create", "a"], env=env)
    runner.invoke(app, ["org", "create", "b"], env=env)

    ambiguous = runner.invoke(app, ["org", "link", "entra_tenant", "tid"], env=env)
    unknown = runner.invoke(app, ["org", "link", "entra_tenant", "tid", "--org", "c"], env=env)
    listed = runner.invoke(app, ["org", "list"], env=env)

    assert ambiguous.exit_code == 2 and "--org" in ambiguous.stderr
    assert unknown.exit_code == 2 and "no organisation with id 'c'" in unknown.stderr
    assert "entra_tenant" not in listed.stdout


def test_an_unreachable_database_is_bad_input_naming_it_without_the_password(env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["org", "list"], env=env | {"DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/x"}
    )

    assert result.exit_code == 2
    assert "127.0.0.1:1" in result.stderr and "pw" not in result.stderr


def test_an_invalid_setting_is_refused_naming_the_variable(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["org", "list"], env=env | {"PORT": "eighty"})
    assert result.exit_code == 2 and "PORT" in result.stderr
