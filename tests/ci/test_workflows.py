"""The GitHub workflows, read as GitHub reads them (parsed YAML, `${{ }}` expressions evaluated):

- they call only what the repository has: make targets, `territory` sub-commands and options,
  dbt profile targets, tools in the venv, files and folders;
- every action is pinned to a full commit SHA with its version in a comment, one pin per action;
- cd deploys only after ci succeeded for a push to main, and deploys exactly that commit;
- each job holds the permissions its steps need and no more.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from territory.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
# Files a workflow step makes before a later step ships them.
BUILT_BY_EARLIER_STEPS = {"dbt_territory/target/manifest.json", "dist/"}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
REPOSITORY = "acme/territory"
CI_SHA = "c1" * 20  # the commit ci.yml tested
MAIN_TIP = "ff" * 20  # main by the time cd starts (a later push)


def _workflow(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _steps(document: dict) -> list[dict]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def _action(uses: str) -> str:
    """`owner/repo` of `owner/repo[/path]@ref`."""
    return "/".join(uses.split("@")[0].split("/")[:2])


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


# -- GitHub's expression language (the part these workflows use) ---------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[()!<>\[\],.*])|(?P<name>[A-Za-z_][\w-]*))"
)
STATUS_FUNCTIONS = ("success", "always", "failure", "cancelled")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while text[position:].strip():
        match = TOKEN.match(text, position)
        assert match, f"cannot read the expression at {text[position:]!r}"
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (
        isinstance(value, float) and math.isnan(value)
    )


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    try:
        return float(value.strip() or 0) if isinstance(value, str) else math.nan
    except ValueError:
        return math.nan


def _equal(left: Any, right: Any) -> bool:
    """GitHub's loose equality: strings case-insensitively, other mixes as numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) and not isinstance(left, int | float | bool):
        return left == right
    return _number(left) == _number(right)


def evaluate(text: str, context: dict, functions: dict[str, Callable] | None = None) -> Any:
    """The value of one expression (without `${{ }}`): literals, property paths, ! && || and
    comparisons, and the status functions given in `functions`."""
    tokens, functions = _tokens(text), functions or {}
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take(expected: str | None = None) -> tuple[str, str]:
        nonlocal position
        token = tokens[position]
        assert expected is None or token[1] == expected, (expected, token, text)
        position += 1
        return token

    def disjunction() -> Any:
        value = conjunction()
        while peek() == ("op", "||"):
            take()
            right = conjunction()
            value = value if _truthy(value) else right
        return value

    def conjunction() -> Any:
        value = unary()
        while peek() == ("op", "&&"):
            take()
            right = unary()
            value = right if _truthy(value) else value
        return value

    def unary() -> Any:
        if peek() == ("op", "!"):
            take()
            return not _truthy(unary())
        return comparison()

    def comparison() -> Any:
        left = primary()
        token = peek()
        if token and token[1] in ("==", "!=", "<", ">", "<=", ">="):
            operator = take()[1]
            right = primary()
            if operator in ("==", "!="):
                return _equal(left, right) == (operator == "==")
            left_number, right_number = _number(left), _number(right)
            return {
                "<": left_number < right_number,
                ">": left_number > right_number,
                "<=": left_number <= right_number,
                ">=": left_number >= right_number,
            }[operator]
        return left

    def primary() -> Any:
        kind, value = take()
        if value == "(":
            inner = disjunction()
            take(")")
            return inner
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "number":
            return float(value)
        assert kind == "name", (kind, value, text)
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        if peek() == ("op", "("):
            take("(")
            take(")")
            assert value in functions, f"function {value}() is not modelled here: {text}"
            return functions[value]()
        result = context.get(value)
        while peek() in (("op", "."), ("op", "[")):
            if take()[1] == ".":
                key = take()[1]
            else:
                key = disjunction()
                take("]")
            result = result.get(key) if isinstance(result, dict) else None
        return result

    result = disjunction()
    assert position == len(tokens), f"unread tokens in {text!r}"
    return result


def render(value: Any, context: dict) -> Any:
    """A workflow value, its `${{ }}` expressions evaluated (a lone expression keeps its type)."""
    if not isinstance(value, str):
        return value
    whole = EXPRESSION.fullmatch(value.strip())
    if whole:
        return evaluate(whole.group(1), context)
    return EXPRESSION.sub(lambda match: str(evaluate(match.group(1), context) or ""), value)


def _needs(job: dict) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def jobs_that_run(document: dict, context: dict) -> dict[str, dict]:
    """The jobs GitHub starts for `context`, each with its evaluated outputs. A job runs when its
    `if` holds; an `if` without a status function means `success() && (...)`, and success()
    means every job it needs ran and succeeded (a skipped need skips it)."""
    jobs, ran, decided = document["jobs"], {}, set()
    while len(decided) < len(jobs):
        ready = [
            name
            for name, job in jobs.items()
            if name not in decided and set(_needs(job)) <= decided
        ]
        assert ready, "the jobs' needs form a cycle"
        for name in ready:
            job = jobs[name]
            succeeded = all(need in ran for need in _needs(job))
            scope = {**context, "needs": {n: {"outputs": ran[n]} for n in _needs(job) if n in ran}}
            condition = job.get("if")
            if condition is None:
                runs = succeeded
            else:
                text = str(condition).strip()
                whole = EXPRESSION.fullmatch(text)
                text = whole.group(1) if whole else text
                functions = {
                    "success": lambda ok=succeeded: ok,
                    "always": lambda: True,
                    "failure": lambda: False,
                    "cancelled": lambda: False,
                }
                holds = _truthy(evaluate(text, scope, functions))
                explicit = any(re.search(rf"\b{f}\s*\(", text) for f in STATUS_FUNCTIONS)
                runs = holds if explicit else succeeded and holds
            decided.add(name)
            if runs:
                ran[name] = {key: render(v, scope) for key, v in job.get("outputs", {}).items()}
    return ran


def _checkout_refs(document: dict, context: dict) -> dict[str, Any]:
    """For each job that runs: the commit its checkout step checks out."""
    ran = jobs_that_run(document, context)
    refs = {}
    for name in ran:
        job = document["jobs"][name]
        scope = {**context, "needs": {n: {"outputs": ran[n]} for n in _needs(job) if n in ran}}
        for step in job.get("steps", []):
            if _action(step.get("uses", "")) == "actions/checkout":
                ref = (step.get("with") or {}).get("ref")
                # No `ref`: checkout takes github.sha, the commit of the triggering event.
                refs[name] = render(ref, scope) if ref else context["github"]["sha"]
    return refs


def _github(event_name: str, ref: str = "refs/heads/main", **event: Any) -> dict:
    return {
        "github": {
            "event_name": event_name,
            "ref": ref,
            "sha": MAIN_TIP,
            "repository": REPOSITORY,
            "workflow": "cd",
            "event": event,
        },
        "vars": {"TERRITORY_DEPLOY_BUCKET": "territory-deploy", "AWS_REGION": "eu-west-1"},
        "secrets": {},
    }


def _ci_completed(**run: Any) -> dict:
    """The context of cd started by a completed ci run (github.event.workflow_run)."""
    workflow_run = {
        "name": "ci",
        "conclusion": "success",
        "event": "push",
        "head_branch": "main",
        "head_sha": CI_SHA,
        "head_repository": {"full_name": REPOSITORY},
        "html_url": "https://github.invalid/acme/territory/actions/runs/1",
    }
    workflow_run.update(run)
    return _github("workflow_run", workflow_run=workflow_run)


def test_the_expression_evaluator_follows_githubs_rules() -> None:
    context = {"github": {"sha": "abc", "event": {}}, "vars": {}}
    assert evaluate("github.event.workflow_run.head_sha || github.sha", context) == "abc"
    assert evaluate("vars.MISSING != ''", context) is False  # null and '' compare equal
    assert evaluate("'Main' == 'main' && !(1 > 2)", context) is True
    assert evaluate("github.nothing && 'x'", context) is None
    assert render("s3://${{ github.sha }}/x", context) == "s3://abc/x"


# -- what the steps call ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml"], ids=["ci", "cd"])
def test_workflow_calls_only_what_the_repo_has(name: str) -> None:
    document = _workflow(name)
    assert document["on"] and document["jobs"]
    for job_name, job in document["jobs"].items():
        assert job.get("runs-on") and job.get("timeout-minutes"), job_name
        for need in _needs(job):
            assert need in document["jobs"], (job_name, need)
    checked = 0
    for step in _steps(document):
        assert ("uses" in step) != ("run" in step), step
        if "uses" in step:
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
                assert program in {"cat", "echo", "python", "true"}, f"unexpected command {words}"
            checked += 1
    assert checked


# -- pinned actions -----------------------------------------------------------------------------


def _uses_nodes(name: str) -> list[tuple[str, str]]:
    """Every `uses:` value of a workflow (steps and reusable-workflow jobs) with the comment
    that follows it on its line, as the YAML parser locates the value."""
    text = (WORKFLOWS / name).read_text()
    lines = text.splitlines()
    found = []

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == "uses" and isinstance(value, yaml.ScalarNode):
                    end = value.end_mark
                    found.append((value.value, lines[end.line][end.column :]))
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    walk(yaml.compose(text))
    return found


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml"], ids=["ci", "cd"])
def test_every_action_is_pinned_to_a_commit_sha_with_its_version(name: str) -> None:
    nodes = _uses_nodes(name)
    document = _workflow(name)
    parsed = [step["uses"] for step in _steps(document) if "uses" in step]
    parsed += [job["uses"] for job in document["jobs"].values() if "uses" in job]
    assert sorted(value for value, _ in nodes) == sorted(parsed) and parsed
    for uses, rest_of_line in nodes:
        if uses.startswith("./"):
            continue  # an action of this repository: pinned by the commit being run
        if uses.startswith("docker://"):
            assert re.fullmatch(r"docker://[^@\s]+@sha256:[0-9a-f]{64}", uses), uses
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", uses), (
            f"{uses}: pin the action to the full 40-hex commit SHA of a release"
        )
        assert re.fullmatch(r"\s+#\s*v\d+(\.\d+)*\s*", rest_of_line), (
            f"{uses}: say the release the SHA is in a comment (`@<sha> # v1.2.3`)"
        )


def test_one_pin_per_action_across_the_workflows() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for name in ("ci.yml", "cd.yml"):
        for uses, rest_of_line in _uses_nodes(name):
            sha = uses.split("@")[1]
            pins.setdefault(_action(uses), set()).add((sha, rest_of_line.strip()))
    assert {action: pin for action, pin in pins.items() if len(pin) > 1} == {}


# -- cd waits for ci ----------------------------------------------------------------------------


def test_cd_starts_only_from_a_completed_ci_run_on_main_or_by_hand() -> None:
    ci, cd = _workflow("ci.yml"), _workflow("cd.yml")
    assert set(cd["on"]) == {"workflow_run", "workflow_dispatch"}  # no push: never before CI
    trigger = cd["on"]["workflow_run"]
    assert trigger["workflows"] == [ci["name"]]
    assert trigger["types"] == ["completed"]
    assert trigger["branches"] == ["main"]
    # ... and ci does run for pushes to main, so every push to main reaches cd through it.
    assert "main" in ci["on"]["push"]["branches"]


def test_cd_deploys_the_commit_ci_tested_when_ci_succeeded() -> None:
    cd = _workflow("cd.yml")
    ran = jobs_that_run(cd, _ci_completed())
    assert set(ran) == set(cd["jobs"])  # manifest, deploy, terraform plan: all of them
    refs = _checkout_refs(cd, _ci_completed())
    assert refs and set(refs.values()) == {CI_SHA}, refs  # not MAIN_TIP, a later commit
    jobs_with_code = {n for n, job in cd["jobs"].items() if "actions/checkout" in str(job)}
    assert set(refs) == jobs_with_code


@pytest.mark.parametrize(
    "run",
    [
        {"conclusion": "failure"},
        {"conclusion": "cancelled"},  # a newer push to main cancelled it
        {"conclusion": "timed_out"},
        {"conclusion": "skipped"},
        {"conclusion": "action_required"},
        {"conclusion": None},
        # a fork's pull request from its own branch called main: not a push to this main
        {"event": "pull_request", "head_repository": {"full_name": "someone/territory"}},
        {"event": "pull_request"},
        {"head_repository": {"full_name": "someone/territory"}},
        {"head_branch": "feature"},
    ],
    ids=lambda run: "-".join(f"{key}={value}" for key, value in run.items()),
)
def test_cd_runs_no_job_unless_ci_succeeded_for_a_push_to_main(run: dict) -> None:
    assert jobs_that_run(_workflow("cd.yml"), _ci_completed(**run)) == {}


def test_a_manual_cd_run_deploys_main_and_only_main() -> None:
    cd = _workflow("cd.yml")
    on_main = _github("workflow_dispatch")
    assert set(jobs_that_run(cd, on_main)) == set(cd["jobs"])
    assert set(_checkout_refs(cd, on_main).values()) == {MAIN_TIP}
    assert jobs_that_run(cd, _github("workflow_dispatch", ref="refs/heads/feature")) == {}


def test_without_a_deploy_bucket_cd_publishes_the_manifest_but_deploys_nothing() -> None:
    context = _ci_completed()
    context["vars"] = {}
    ran = jobs_that_run(_workflow("cd.yml"), context)
    assert "manifest" in ran and "deploy" not in ran


def test_deploys_queue_and_older_ci_runs_on_main_are_cancelled() -> None:
    ci, cd = _workflow("ci.yml"), _workflow("cd.yml")
    # cd: one group for every run, never cancelled half-way through a deploy.
    groups = {render(cd["concurrency"]["group"], _ci_completed(head_sha=sha)) for sha in ("1", "2")}
    assert len(groups) == 1 and cd["concurrency"]["cancel-in-progress"] is False
    # ci: a newer push to main cancels the older run (which then deploys nothing, above), so
    # an older commit never deploys after a newer one.
    context = {"github": {"workflow": ci["name"], "ref": "refs/heads/main"}}
    assert render(ci["concurrency"]["group"], context) == "ci-ci-refs/heads/main"
    assert ci["concurrency"]["cancel-in-progress"] is True


def test_the_deploy_uses_the_manifest_built_in_the_same_run() -> None:
    cd = _workflow("cd.yml")
    (upload_job,) = [
        name for name, job in cd["jobs"].items() if "actions/upload-artifact" in str(job)
    ]
    (download_job,) = [
        name for name, job in cd["jobs"].items() if "actions/download-artifact" in str(job)
    ]
    assert upload_job in _needs(cd["jobs"][download_job])
    assert cd["jobs"][download_job]["environment"] == "production"


# -- permissions ----------------------------------------------------------------------------------

# What each action needs from the GITHUB_TOKEN; an action not listed needs nothing.
ACTION_PERMISSIONS = {
    "actions/checkout": {"contents": "read"},
    "aws-actions/configure-aws-credentials": {"id-token": "write"},  # OIDC
    "dawidd6/action-download-artifact": {"actions": "read"},  # another workflow's artifact
    "marocchino/sticky-pull-request-comment": {"pull-requests": "write"},
}


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml"], ids=["ci", "cd"])
def test_each_job_has_exactly_the_permissions_its_steps_need(name: str) -> None:
    document = _workflow(name)
    assert document["permissions"] == {"contents": "read"}, "read-only unless a job says more"
    for job_name, job in document["jobs"].items():
        granted = job.get("permissions", document["permissions"])
        assert isinstance(granted, dict), f"{job_name}: no read-all/write-all"
        needed: dict[str, str] = {}
        for step in job.get("steps", []):
            needed.update(ACTION_PERMISSIONS.get(_action(step.get("uses", "")), {}))
        assert granted == needed, job_name


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml"], ids=["ci", "cd"])
def test_no_checkout_leaves_the_token_in_the_clone(name: str) -> None:
    checkouts = [
        step
        for step in _steps(_workflow(name))
        if _action(step.get("uses", "")) == "actions/checkout"
    ]
    assert checkouts
    for step in checkouts:
        assert (step.get("with") or {}).get("persist-credentials") is False, step


def test_secrets_reach_only_the_jobs_that_should_have_them() -> None:
    cd, ci = _workflow("cd.yml"), _workflow("ci.yml")
    for name, job in cd["jobs"].items():
        if "secrets.AWS_DEPLOY_ROLE_ARN" in str(job):
            assert job.get("environment") == "production", name  # its protection rules apply
    for name, job in ci["jobs"].items():
        if "secrets." in str(job):
            # Pull requests from forks get no secrets: the job runs for this repository's only.
            condition = job["if"]
            pull_request = {"event_name": "pull_request", "repository": REPOSITORY}
            for head, runs in ((REPOSITORY, True), ("someone/territory", False)):
                event = {"pull_request": {"head": {"repo": {"full_name": head}}}}
                context = {"github": {**pull_request, "event": event}}
                assert _truthy(evaluate(condition, context)) is runs, (name, head)


# -- ci --------------------------------------------------------------------------------------------


def test_slim_ci_reads_the_manifest_cd_publishes() -> None:
    ci, cd = _workflow("ci.yml"), _workflow("cd.yml")
    uploads = [
        step for step in _steps(cd) if _action(step.get("uses", "")) == "actions/upload-artifact"
    ]
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
    assert arguments.slim_target == "ci"
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


def test_every_ci_installs_checkov_before_the_whole_suite() -> None:
    """Both set CI (GitHub Actions does; .ci/run exports it), where the checkov test fails
    instead of skipping when checkov is missing: each installs it before `make test`."""
    test_job = _workflow("ci.yml")["jobs"]["test"]
    github = [words for step in test_job["steps"] for words in _commands(step.get("run", ""))]
    local = _commands((ROOT / ".ci" / "run").read_text())
    exports = [words for words in local if words[:1] == ["export"]]
    assert ["export", "CI=${CI:-true}"] in exports
    assert local.index(["export", "CI=${CI:-true}"]) < local.index(["make", "test"])
    for commands in (github, local):
        assert ["make", "checkov"] in commands and ["make", "test"] in commands
        assert commands.index(["make", "checkov"]) < commands.index(["make", "test"])
