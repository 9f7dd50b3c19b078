"""The GitHub workflows parse and call only what the repository has: make targets, `territory`
sub-commands and options, dbt profile targets, tools in the venv, files and folders."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from loaders.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
# Files a workflow step makes before a later step ships them.
BUILT_BY_EARLIER_STEPS = {"dbt_territory/target/manifest.json", "dist/"}
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def _workflow(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _steps(document: dict) -> list[dict]:
    return [step for job in document["jobs"].values() for step in job["steps"]]


def _commands(script: str) -> list[list[str]]:
    """Shell commands of a `run:` script, as argument lists (expressions become `X`)."""
    text = EXPRESSION.sub("X", script).replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        for part in re.split(r"&&|\|\||;|\|", line):
            words = shlex.split(part, comments=True)
            if words:
                commands.append(words)
    return commands


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, flags=re.MULTILINE))


def _profile_targets() -> dict[str, dict]:
    profiles = yaml.safe_load((ROOT / "dbt_territory" / "profiles.yml").read_text())
    return profiles["territory"]["outputs"]


def _option(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words else None


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml"], ids=["ci", "cd"])
def test_workflow_calls_only_what_the_repo_has(name: str) -> None:
    document = _workflow(name)
    assert document["on"] and document["jobs"]
    for job_name, job in document["jobs"].items():
        assert job.get("runs-on") and job.get("timeout-minutes"), job_name
        for need in [job.get("needs")] if isinstance(job.get("needs"), str) else []:
            assert need in document["jobs"]
    checked = 0
    for step in _steps(document):
        assert ("uses" in step) != ("run" in step), step
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
            dependency = (step.get("with") or {}).get("cache-dependency-path")
            assert dependency is None or (ROOT / dependency).is_file(), dependency
            continue
        for words in _commands(step["run"]):
            program = words[0]
            if program == "make":
                assert set(words[1:]) <= _make_targets(), words
            elif program.startswith(".venv/bin/"):
                tool = program.removeprefix(".venv/bin/")
                assert tool in {"territory", "dbt", "python", "ruff", "sqlfluff", "pytest"}, tool
                if tool == "territory":
                    build_parser().parse_args(words[1:])  # exits on an unknown command/option
                if tool == "dbt":
                    for folder in ("--project-dir", "--profiles-dir"):
                        assert (ROOT / _option(words, folder)).is_dir(), words
                    assert _option(words, "--target") in _profile_targets(), words
            elif program == "terraform":
                chdir = next(word for word in words if word.startswith("-chdir="))
                assert list((ROOT / chdir.removeprefix("-chdir=")).glob("*.tf")), chdir
            elif program == "aws" and words[1:3] in (["s3", "sync"], ["s3", "cp"]):
                assert (ROOT / words[3]).exists() or words[3] in BUILT_BY_EARLIER_STEPS, words
            else:
                assert program in {"cat", "python", "true"}, f"unexpected command {words}"
            checked += 1
    assert checked


def test_slim_ci_reads_the_manifest_cd_publishes() -> None:
    ci, cd = _workflow("ci.yml"), _workflow("cd.yml")
    uploads = [step for step in _steps(cd) if step.get("uses", "").startswith("actions/upload")]
    (upload,) = [step for step in uploads if step["with"]["name"] == "prod-manifest"]
    assert upload["with"]["path"] == "dbt_territory/target/manifest.json"
    (download,) = [
        step for step in _steps(ci) if "action-download-artifact" in step.get("uses", "")
    ]
    assert download["with"]["workflow"] == "cd.yml" and download["with"]["branch"] == "main"
    assert download["with"]["name"] == "prod-manifest"
    # A missing artifact must not fail the job: slim-ci then does a full build.
    assert download["with"]["if_no_artifact_found"] == "warn"
    slim = next(
        words
        for step in _steps(ci)
        for words in _commands(step.get("run", ""))
        if words[:2] == [".venv/bin/territory", "slim-ci"]
    )
    arguments = build_parser().parse_args(slim[1:])
    assert arguments.target == "ci"
    assert arguments.state == Path(download["with"]["path"])
    # The `ci` target is Snowflake, in its own database, with production's credentials.
    targets = _profile_targets()
    assert targets["ci"]["type"] == "snowflake"
    assert "SNOWFLAKE_CI_DATABASE" in targets["ci"]["database"]
    for key in ("account", "user", "password", "role", "warehouse"):
        assert targets["ci"][key] == targets["snowflake"][key], key
    slim_job = next(job for job in ci["jobs"].values() if "slim-ci" in str(job["steps"]))
    for secret in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD"):
        assert slim_job["env"][secret] == "${{ secrets." + secret + " }}"


def test_ci_stages_run_in_order_lint_test_slim_ci() -> None:
    jobs = _workflow("ci.yml")["jobs"]
    runs = {
        name: " ".join(str(step.get("run", "")) for step in job["steps"])
        for name, job in jobs.items()
    }
    assert "make lint" in runs["lint"]
    assert "make test" in runs["test"] and jobs["test"]["needs"] == "lint"
    assert "territory slim-ci" in runs["slim-ci"] and jobs["slim-ci"]["needs"] == "test"
    assert "pull_request" in jobs["slim-ci"]["if"]
