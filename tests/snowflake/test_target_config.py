"""Target-conditional config: the leadership views re-attach their row access policies after
every build on production Snowflake only, and the fakesnow workarounds render on the
`snowflake_emulated` target only.

dbt replaces a view on each build, which drops the policies attached to it; the leadership
folder's post-hook `{{ apply_governance_policies() }}` renders `call
governance.apply_policies()` (snowflake_sql/60_governance.sql) on the `snowflake` target and
nothing anywhere else (DuckDB, the fakesnow emulator, the Slim CI database).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner

from territory.core.project import dbt_project_dir

DBT_PROJECT_DIR = dbt_project_dir()

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HOOK = "{{ apply_governance_policies() }}"
CALL = "call governance.apply_policies()"


def dbt(arguments: list[str], profiles_dir: Path, target: str):
    paths = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(profiles_dir)]
    result = dbtRunner().invoke([*arguments, *paths, "--target", target])
    assert result.success, result.exception
    return result.result


def test_post_hook_is_on_every_leadership_view_and_nowhere_else() -> None:
    manifest = dbt(["parse"], DBT_PROJECT_DIR, "lint")
    hooked = {
        node.name
        for node in manifest.nodes.values()
        if any(hook.sql == HOOK for hook in getattr(node.config, "post_hook", []))
    }
    leadership = {
        node.name
        for node in manifest.nodes.values()
        if node.resource_type == "model" and "leadership" in node.fqn
    }
    assert len(leadership) >= 6
    assert hooked == leadership


@pytest.fixture
def profiles_named_like_production(fakesnow_server: dict, tmp_path: Path) -> Path:
    """A profile whose targets carry production's names but reach the loopback fakesnow server:
    the hook's condition is the target name, and compiling needs a live connection."""
    emulator = {
        "type": "snowflake",
        "account": "fakesnow",
        "user": "fakesnow",
        "password": "fakesnow",  # pragma: allowlist secret
        "host": fakesnow_server["host"],
        "port": fakesnow_server["port"],
        "protocol": "http",
        "database": "territory_hook",
        "schema": "analytics",
        "threads": 1,
    }
    outputs = {name: emulator for name in ("snowflake", "ci", "snowflake_emulated")}
    profile = {"territory": {"target": "snowflake", "outputs": outputs}}
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump(profile))
    return tmp_path


# Rendered in one compile per target, parts separated by "|": the hook, then two macros that
# carry fakesnow workarounds, each beside what dbt renders without the workaround.
PROBE = "|".join(
    [
        HOOK,
        "{{ sort_tokens('name') }}",
        "{{ default__sort_tokens('name') }}",
        "{{ dbt.generate_series(3) }}",
        "{{ dbt.default__generate_series(3) }}",
    ]
)


@pytest.mark.parametrize(
    ("target", "hook"),
    [("snowflake", CALL), ("ci", ""), ("snowflake_emulated", ""), ("lint", "")],
    ids=["snowflake", "ci", "snowflake_emulated", "duckdb"],
)
def test_hook_calls_the_procedure_on_production_only(
    profiles_named_like_production: Path, target: str, hook: str
) -> None:
    profiles = DBT_PROJECT_DIR if target == "lint" else profiles_named_like_production
    compiled = dbt(["compile", "--inline", PROBE], profiles, target)
    rendered, sort, plain_sort, series, plain_series = (
        part.strip() for part in compiled.results[0].node.compiled_code.split("|")
    )
    assert rendered == hook
    if target in ("snowflake", "ci"):  # production SQL: the workarounds render nothing new
        assert (sort, series) == (plain_sort, plain_series)
    elif target == "snowflake_emulated":
        assert "strtok_to_array" in sort and sort != plain_sort
        assert "cast(generated_number as integer)" in series


def test_the_called_procedure_is_created_by_the_setup_scripts() -> None:
    governance = (ROOT / "snowflake_sql" / "60_governance.sql").read_text().lower()
    assert "create or replace procedure governance.apply_policies()" in governance
    assert "grant usage on procedure governance.apply_policies() to role territory_etl" in (
        governance
    )
    assert CALL in (ROOT / "snowflake_sql" / "90_attach_policies.sql").read_text().lower()
