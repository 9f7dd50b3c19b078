"""`territory slim-ci` in a temporary git repository: what a change selects, what it defers to
production, and the impact report of a tier-threshold change.

One production DuckDB is built from the base commit (a small generated inbox) through the
command's own git-worktree path; each test then edits the working tree, runs Slim CI against
that production, and restores the file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from territory.config import build_config
from territory.core.project import dbt_project_dir
from territory.slim_ci import BUILT_TYPES, CI_DUCKDB_NAME, SlimCiResult, slim_ci

DBT_PROJECT_DIR = dbt_project_dir()


def run_slim_ci(**options) -> SlimCiResult:
    """`territory slim-ci` with these options, its state under the run's work folder."""
    config = build_config({"home": options["work"]}, environ={}, load_secrets=False)
    return slim_ci(config, **options)


# One worker under pytest-xdist (make test): one production build and git repository for the
# module, edited by each test in turn.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slim_ci")]

START = date(2026, 1, 5)
TIERS = Path("dbt_territory/seeds/segmentation_tiers.csv")


def _git(repo: Path, *arguments: str) -> None:
    subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.email=ci@example.com",
            "-c",
            "user.name=ci",
            *arguments,
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def ci_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository whose one commit is the current dbt project (the "main" branch)."""
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(
        DBT_PROJECT_DIR,
        repo / "dbt_territory",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "*.duckdb"),
    )
    _git(repo, "init", "--quiet")
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "--message", "base")
    return repo


@pytest.fixture(scope="module")
def work(ci_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Production built from the base commit: the first Slim CI run, with nothing changed."""
    from territory.synthetic import generate

    inbox = tmp_path_factory.mktemp("ci_inbox")
    generate(out=inbox, clients=400, days=1, seed=11, start_date=START, bad_rows_rate=0.0)
    work = tmp_path_factory.mktemp("slim_ci")
    result = run_slim_ci(repo=ci_repo, base="HEAD", inbox=inbox, work=work)
    # Stashed for the "nothing changed" test, which needs no run of its own.
    (work / "first_run.json").write_text(
        json.dumps({"built": sorted(result.built()), "nodes": len(result.nodes)})
    )
    return work


def _run(ci_repo: Path, work: Path) -> SlimCiResult:
    return run_slim_ci(
        repo=ci_repo, state=work / "state", prod_duckdb=work / "prod.duckdb", work=work
    )


@pytest.fixture
def edit(ci_repo: Path) -> Iterator:
    """Edit files of the working tree (the pull request); restored afterwards."""
    saved: dict[Path, str] = {}

    def apply(relative: str | Path, change) -> None:
        path = ci_repo / relative
        saved.setdefault(path, path.read_text())
        path.write_text(change(path.read_text()))

    yield apply
    for path, text in saved.items():
        path.write_text(text)


def _manifest(work: Path) -> dict:
    return json.loads((work / "target" / "manifest.json").read_text())


def _descendants(manifest: dict, unique_id: str) -> set[str]:
    """The node and everything downstream of it that materializes (the expected selection)."""
    found, stack = set(), [unique_id]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(manifest["child_map"].get(node, []))
    return {
        node
        for node in found
        if node in manifest["nodes"]
        and manifest["nodes"][node]["resource_type"] in BUILT_TYPES
        and manifest["nodes"][node]["config"].get("materialized") != "ephemeral"
    }


def _ci_relations(work: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(work / CI_DUCKDB_NAME), read_only=True) as connection:
        rows = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = ?",
            [Path(CI_DUCKDB_NAME).stem],
        ).fetchall()
    return {(schema, name) for schema, name in rows}


def test_nothing_changed_selects_nothing(ci_repo: Path, work: Path) -> None:
    first = json.loads((work / "first_run.json").read_text())
    assert first == {"built": [], "nodes": 0}
    # dbt's artifacts and logs went to the scratch folder, not into the checked-out project
    assert not (ci_repo / "dbt_territory" / "target").exists()
    assert not (ci_repo / "dbt_territory" / "logs").exists()
    assert (work / "state" / "manifest.json").is_file()


def test_changed_staging_model_builds_it_and_its_descendants(
    ci_repo: Path, work: Path, edit
) -> None:
    # GIVEN a pull request that edits one staging model
    edit(
        "dbt_territory/models/staging/crm/stg_crm__territories.sql",
        lambda sql: "-- Territory definitions, edited in a pull request.\n" + sql,
    )
    # WHEN Slim CI runs
    result = _run(ci_repo, work)
    # THEN exactly that model and what depends on it were built, and nothing else
    expected = _descendants(_manifest(work), "model.territory.stg_crm__territories")
    assert "model.territory.stg_crm__territories" in expected
    assert len(expected) > 1
    assert result.built() == expected
    reasons = {node.unique_id: node.reason for node in result.nodes}
    assert reasons["model.territory.stg_crm__territories"] == "modified: body"
    assert all(node.status in ("success", "pass", "warn") for node in result.nodes)
    assert "model.territory.stg_crm__clients" in result.deferred


def test_unmodified_upstream_model_is_deferred_not_rebuilt(ci_repo: Path, work: Path, edit) -> None:
    changed = "model.territory.fct_client_assignment"
    edit(
        "dbt_territory/models/marts/core/fct_client_assignment.sql",
        lambda sql: sql + "\n-- A pull request's edit.\n",
    )
    result = _run(ci_repo, work)
    manifest = _manifest(work)
    assert result.built() == _descendants(manifest, changed)
    parents = [
        parent
        for parent in manifest["parent_map"][changed]
        if manifest["nodes"].get(parent, {}).get("resource_type") == "model"
    ]
    assert parents, "fct_client_assignment reads an upstream model"
    prod_catalog = "prod"
    compiled = next((work / "target" / "compiled").rglob("fct_client_assignment.sql")).read_text()
    ci_relations = _ci_relations(work)
    for parent in parents:
        node = manifest["nodes"][parent]
        # not rebuilt, not present in the CI database, and read from production instead
        assert parent not in result.built()
        assert parent in result.deferred
        assert (node["schema"], node["alias"]) not in ci_relations
        assert f'"{prod_catalog}"."{node["schema"]}"."{node["alias"]}"' in compiled
    assert ("analytics", "fct_client_assignment") in ci_relations


@pytest.fixture(scope="module")
def tier_change(
    ci_repo: Path, work: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SlimCiResult, Path]:
    """A pull request lowering Gold's AUM floor from 250M to 100M (Silver ends at 100M): Slim
    CI against production in a work folder of its own (its CI database and manifest stay for
    the tests that read them), and the seed restored at once (the other tests see the base)."""
    tier_work = tmp_path_factory.mktemp("slim_ci_tiers")
    path = ci_repo / TIERS
    original = path.read_text()
    lowered = original.replace("Gold,250000000,1000000000", "Gold,100000000,1000000000")
    lowered = lowered.replace("Silver,50000000,250000000", "Silver,50000000,100000000")
    assert lowered != original
    path.write_text(lowered)
    try:
        result = run_slim_ci(
            repo=ci_repo, state=work / "state", prod_duckdb=work / "prod.duckdb", work=tier_work
        )
    finally:
        path.write_text(original)
    return result, tier_work


def test_changed_seed_builds_the_seed_and_its_descendants(
    tier_change: tuple[SlimCiResult, Path],
) -> None:
    result, tier_work = tier_change
    expected = _descendants(_manifest(tier_work), "seed.territory.segmentation_tiers")
    assert "model.territory.fct_client_assignment" in expected
    assert result.built() == expected
    assert {node.reason for node in result.nodes if node.unique_id in expected} >= {
        "modified: body",
        "downstream of segmentation_tiers",
    }


def test_impact_report_counts_the_clients_a_tier_change_moves(
    tier_change: tuple[SlimCiResult, Path], work: Path
) -> None:
    result, tier_work = tier_change
    impact = result.impact
    assert impact is not None and impact.run_date == START.isoformat()
    # Direct recomputation: both warehouses' assignment snapshots for the run date, compared in
    # Python.
    query = (
        "select master_client_id, territory_id, advisor_email, tier "
        "from analytics.fct_client_assignment where run_date = ?"
    )
    with duckdb.connect(str(work / "prod.duckdb"), read_only=True) as connection:
        production = {row[0]: row[1:] for row in connection.execute(query, [START]).fetchall()}
        # Only clients whose AUM lies in the moved band [100M, 250M) change tier.
        (in_band,) = connection.execute(
            "select count(*) from intermediate.int_clients_golden "
            "where aum_usd >= 100000000 and aum_usd < 250000000"
        ).fetchone()
    with duckdb.connect(str(tier_work / CI_DUCKDB_NAME), read_only=True) as connection:
        ci = {row[0]: row[1:] for row in connection.execute(query, [START]).fetchall()}
    both = production.keys() & ci.keys()
    moved = sum(production[key][:2] != ci[key][:2] for key in both)
    assert impact.compared == len(both) > 0
    assert impact.moved == moved > 0
    assert impact.territory_changed == sum(production[key][0] != ci[key][0] for key in both)
    assert impact.advisor_changed == sum(production[key][1] != ci[key][1] for key in both)
    assert impact.tier_changed == in_band > 0
    assert impact.only_in_ci == len(ci.keys() - production.keys())
    assert impact.only_in_production == len(production.keys() - ci.keys())
    report = result.markdown()
    assert f"| **moved (territory or advisor changed)** | **{moved:,}** |" in report


def test_without_a_production_manifest_it_falls_back_to_a_full_build(
    ci_repo: Path, work: Path, tmp_path: Path
) -> None:
    result = run_slim_ci(
        repo=ci_repo, state=tmp_path / "no_state", prod_duckdb=work / "prod.duckdb", work=work
    )
    manifest = _manifest(work)
    every_node = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in BUILT_TYPES
        and node["config"].get("materialized") != "ephemeral"
        and node["config"].get("enabled", True)
    }
    assert result.mode == "full"
    assert result.built() == every_node
    assert {node.reason for node in result.nodes} == {"full build"}
    assert result.impact is None and "full build" in result.markdown()
