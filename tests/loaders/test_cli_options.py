"""The landing options every landing command shares, and what they accept."""

from __future__ import annotations

import pytest

from loaders import sources as settings
from territory import cli
from territory.cli import build_parser
from territory.config import ENVIRONMENT_VARIABLES

COMMANDS = {
    "load": ["load", "--inbox", "inbox", "--date", "2026-01-05"],
    "run": ["run", "--inbox", "inbox", "--all"],
}


def _config(argv: list[str]):
    return cli._config(cli.build_parser().parse_args(argv))


@pytest.mark.parametrize("command", list(COMMANDS), ids=list(COMMANDS))
def test_every_landing_command_reads_the_same_environment(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLES["max_quarantine_rate"], raising=False)
    monkeypatch.delenv(ENVIRONMENT_VARIABLES["allow_missing_columns"], raising=False)
    defaults = _config(COMMANDS[command])
    assert defaults.max_quarantine_rate == settings.DEFAULT_MAX_QUARANTINE_RATE == 0.05
    assert defaults.allow_missing_columns == frozenset()

    monkeypatch.setenv(ENVIRONMENT_VARIABLES["max_quarantine_rate"], "0.2")
    monkeypatch.setenv(ENVIRONMENT_VARIABLES["allow_missing_columns"], "aum_usd")
    config = _config(COMMANDS[command])
    assert config.max_quarantine_rate == 0.2
    assert config.allow_missing_columns == {"clients.aum_usd"}
    # a flag wins over its environment variable
    config = _config([*COMMANDS[command], "--max-quarantine-rate", "0.01"])
    assert config.max_quarantine_rate == 0.01


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("", set()),
        ("aum_usd", {"clients.aum_usd"}),
        ("clients.city, AUM_USD", {"clients.city", "clients.aum_usd"}),
        # a bare name every source declaring it; required ones (the rules' territory_id) never
        ("full_name", {"advisors.full_name"}),
        ("effective_to", {"whitelist.effective_to", "blacklist.effective_to"}),
    ],
    ids=["none", "bare", "qualified-and-case", "one-source", "two-sources"],
)
def test_allowed_missing_columns(text: str, allowed: set[str]) -> None:
    assert settings.allowed_missing_columns(text) == allowed


def test_all_allows_every_optional_column_and_no_required_one() -> None:
    allowed = settings.allowed_missing_columns("all")
    assert "clients.aum_usd" in allowed
    required = {
        f"{source.name}.{name}"
        for source in settings.SOURCES.values()
        for name in source.required_columns
    }
    assert not allowed & required


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--allow-missing-columns", "aum"], "no source declares a column 'aum'"),
        (["--allow-missing-columns", "client_id"], "is required and cannot be missing"),
        (["--max-quarantine-rate", "lots"], "must be a number in [0, 1]"),
        (["--max-quarantine-rate", "5"], "must be a number in [0, 1]"),
    ],
    ids=["unknown-column", "required-column", "not-a-number", "a-percentage"],
)
def test_bad_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*COMMANDS["load"], *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_bad_environment_value_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLES["max_quarantine_rate"], "five percent")
    assert cli.main(COMMANDS["run"]) == 1
    err = capsys.readouterr().err
    assert "territory run: FAILED: TERRITORY_MAX_QUARANTINE_RATE: max quarantine rate" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [["load", "--date", "2026-01-05"], ["load", "--date", "2026-01-05", "--step", "land"],
     ["run", "--all"]],
    ids=["load", "land", "run"],
)  # fmt: skip
def test_a_command_that_reads_the_inbox_without_one_fails_naming_the_flag_and_variable(
    argv: list[str], tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLES["inbox"], raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) != 0
    err = capsys.readouterr().err
    assert "no inbox: pass --inbox or set TERRITORY_INBOX" in err
    assert not (tmp_path / ".territory" / "lake").exists()  # failed before touching the lake
