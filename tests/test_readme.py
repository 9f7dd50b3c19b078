"""The README says only what is true of the CLI: every `territory` command and flag of its
command table exists, every option of every command is in the table, and every TERRITORY_*
variable the README names is one the code reads."""

from __future__ import annotations

import argparse
import re

import pytest

from territory.cli import build_parser
from territory.config import ENVIRONMENT_VARIABLES, S3_VARIABLES
from territory.core.project import CHECKOUT_DIR

README = (CHECKOUT_DIR / "README.md").read_text()


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _readme_commands() -> dict[str, set[str]]:
    """`territory <command> ...` in the first cell of each row of "Every command": its flags."""
    section = README.split("## Every command", 1)[1].split("\n## ", 1)[0]
    found: dict[str, set[str]] = {}
    for row in section.splitlines():
        if not row.startswith("|"):
            continue
        cell = row.split(" | ")[0]
        for usage in re.findall(r"`territory ([a-z-]+)([^`]*)`", cell):
            command, arguments = usage
            found.setdefault(command, set()).update(re.findall(r"--[a-z][a-z-]*", arguments))
    return found


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """A command's flags, those of its own subcommands included (`territory airflow up`)."""
    options = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subcommand in action.choices.values():
                options |= _options(subcommand)
        options |= {
            option
            for option in action.option_strings
            if option.startswith("--") and option != "--help"
        }
    return options


def test_every_command_is_in_the_readme_table() -> None:
    assert set(_readme_commands()) == set(_subcommands())


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_the_readme_lists_exactly_the_flags_of(command: str) -> None:
    documented = _readme_commands().get(command, set())
    actual = _options(_subcommands()[command])
    assert documented - actual == set(), f"README names flags `{command}` does not have"
    assert actual - documented == set(), f"`{command}` has flags the README does not name"


def _variables_read_by_the_code() -> set[str]:
    texts = [
        path.read_text()
        for folder in ("territory", "loaders", "dags")
        for path in (CHECKOUT_DIR / folder).rglob("*.py")
    ]
    texts += [(CHECKOUT_DIR / "dbt_territory" / "profiles.yml").read_text()]
    text = "\n".join(texts)
    # The DAGs' `setting("name", default)` reads TERRITORY_<NAME>.
    settings = {f"TERRITORY_{name.upper()}" for name in re.findall(r'setting\("(\w+)"', text)}
    return set(re.findall(r"TERRITORY_[A-Z0-9_]+", text)) | settings


def test_every_variable_the_readme_names_is_read_by_the_code() -> None:
    named = set(re.findall(r"`(TERRITORY_[A-Z0-9_]+)`", README))
    read = _variables_read_by_the_code()
    # Prefixes the README writes as a family (`TERRITORY_S3_*`), not variables.
    named = {name for name in named if not name.endswith("_")}
    assert named - read == set()


def test_every_configuration_variable_is_documented() -> None:
    for variable in (*ENVIRONMENT_VARIABLES.values(), *S3_VARIABLES.values()):
        assert f"`{variable}`" in README, variable


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (CHECKOUT_DIR / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    for target in re.findall(r"`make ([a-z][a-z-]*)", README):
        assert target in targets, f"README names `make {target}`"


def _generated(path: str) -> bool:
    """A path under a folder .gitignore lists: made by a command (`dbt_territory/target`, the
    wheel's `territory/_bundled/`), so absent from a fresh clone."""
    ignored = (CHECKOUT_DIR / ".gitignore").read_text().split()
    folders = [pattern.strip("/") for pattern in ignored if pattern.endswith("/")]
    return any(f"{path.rstrip('/')}/".startswith(f"{folder}/") for folder in folders)


def test_readme_paths_exist() -> None:
    """Every repository path the README names in backticks (`territory/...`, `dags/...`), on a
    fresh clone: generated folders excepted."""
    roots = ("territory/", "dags/", "dbt_territory/", "benchmarks/", "tests/", "snowflake_sql/")
    pattern = r"`((?:" + "|".join(roots) + r")[\w./-]+)`"
    named = set(re.findall(pattern, README))
    missing = [
        path  # a path, or the prefix of numbered files (`snowflake_sql/50`)
        for path in named
        if not list(CHECKOUT_DIR.glob(path.rstrip("/") + "*")) and not _generated(path)
    ]
    assert missing == []
