"""The dbt project's shape, read from its parsed manifest (no warehouse): layers point down
(staging -> intermediate -> marts, never back up), each piece of shared logic has one home, and
the leadership views carry enforced contracts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from territory.core.project import dbt_project_dir

DBT_PROJECT_DIR = dbt_project_dir()

LAYERS = {"staging": 1, "intermediate": 2, "marts": 3}
DISPATCH_PREFIX = re.compile(r"^(default|duckdb|snowflake)__")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory):
    target = tmp_path_factory.mktemp("manifest")
    paths = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    artifacts = ["--target-path", str(target), "--log-path", str(target)]
    result = dbtRunner().invoke(["parse", *paths, "--target", "lint", *artifacts])
    assert result.success, result.exception
    return result.result


def _models(manifest) -> dict:
    return {
        unique_id: node
        for unique_id, node in manifest.nodes.items()
        if node.resource_type == "model" and node.package_name == "territory"
    }


def test_every_model_sits_in_a_layer(manifest) -> None:
    assert all(node.fqn[1] in LAYERS for node in _models(manifest).values())


def test_layers_point_down(manifest) -> None:
    models = _models(manifest)
    upward = [
        f"{node.name} ({node.fqn[1]}) reads {models[parent].name} ({models[parent].fqn[1]})"
        for node in models.values()
        for parent in node.depends_on.nodes
        if parent in models and LAYERS[models[parent].fqn[1]] > LAYERS[node.fqn[1]]
    ]
    assert upward == []


def test_only_staging_calls_source(manifest) -> None:
    # In the models' own SQL: the run_date() macro's fallback (no `run_date` var: the newest
    # loaded night) reads raw.clients on behalf of any model, by design.
    callers = {
        node.name for node in _models(manifest).values() if re.search(r"\bsource\(", node.raw_code)
    }
    assert callers and all(name.startswith("stg_") for name in callers), callers


def test_match_overrides_seed_is_staged_once(manifest) -> None:
    readers = {
        node.name
        for node in _models(manifest).values()
        if "seed.territory.match_overrides" in node.depends_on.nodes
    }
    assert readers == {"stg_seeds__match_overrides"}


def test_run_date_pairs_are_derived_once(manifest) -> None:
    models = {node.name: node for node in _models(manifest).values()}
    for name in (
        "int_client_identity_events",
        "rpt_assignment_change_reasons",
        "fct_assignment_change",
        "fct_assignment_history",
    ):
        assert "model.territory.int_run_dates" in models[name].depends_on.nodes, name
    # Only int_run_dates orders the run dates in a window ("each night and the one before").
    windowed = {
        name
        for name, node in models.items()
        if re.search(r"over\s*\(\s*order by run_date\s*\)", node.raw_code)
    }
    assert windowed == {"int_run_dates"}


def test_advisor_allocation_is_intermediate_and_the_fact_reads_it(manifest) -> None:
    models = {node.name: node for node in _models(manifest).values()}
    allocation = models["int_advisor_allocation"]
    assert allocation.fqn[1] == "intermediate"
    assert allocation.config.materialized == "incremental"
    fact = models["fct_client_assignment"]
    assert "model.territory.int_advisor_allocation" in fact.depends_on.nodes
    assert "{{ this }}" not in fact.raw_code  # the self-read lives in the allocation


def test_leadership_views_have_enforced_contracts(manifest) -> None:
    leadership = [node for node in _models(manifest).values() if "leadership" in node.fqn]
    assert len(leadership) >= 6
    for node in leadership:
        assert node.config.contract.enforced, node.name
        assert node.columns, node.name
        untyped = [column.name for column in node.columns.values() if not column.data_type]
        assert untyped == [], node.name


def test_macro_files_are_named_after_their_macros(manifest) -> None:
    """Each macro file is named after a macro it holds (its dispatch family: `x`, `default__x`,
    `duckdb__x`, `snowflake__x` all live in x.sql)."""
    by_file: dict[str, set[str]] = {}
    for macro in manifest.macros.values():
        if macro.package_name == "territory":
            by_file.setdefault(Path(macro.original_file_path).stem, set()).add(macro.name)
    assert by_file
    for stem, names in by_file.items():
        assert stem in {DISPATCH_PREFIX.sub("", name) for name in names}, (stem, names)
        for name in names:
            if DISPATCH_PREFIX.match(name):
                assert DISPATCH_PREFIX.sub("", name) == stem, (stem, name)
