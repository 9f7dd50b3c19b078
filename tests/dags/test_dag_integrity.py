"""The DAG folder imports cleanly and every DAG is wired as specified (DagBag, no scheduler)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

DAG_IDS = ["territory_ingest", "territory_load", "territory_transform"]


def test_dag_folder_imports_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == DAG_IDS


@pytest.mark.parametrize("dag_id", DAG_IDS, ids=DAG_IDS)
def test_every_dag_has_tags_owner_docs_retries_callbacks_and_timeout(dagbag, dag_id) -> None:
    from airflow.utils.dag_cycle_tester import check_cycle
    from territory_common import TerritoryNotifier

    dag = dagbag.dags[dag_id]
    check_cycle(dag)  # raises on a cycle
    assert "territory" in dag.tags and len(dag.tags) >= 2
    assert dag.doc_md and dag_id in dag.doc_md
    assert dag.max_active_runs == 1
    assert dag.dagrun_timeout == timedelta(minutes=120), "a run-time SLA is set"
    assert not dag.deadline, "no DeadlineAlert: Airflow 3.3's queued-at deadlines break clear"
    assert any(isinstance(cb, TerritoryNotifier) for cb in _callbacks(dag.on_failure_callback))
    for task in dag.tasks:
        assert task.owner == "territory-data", task.task_id
        assert task.retries == 3, task.task_id
        assert task.retry_delay == timedelta(minutes=5), task.task_id
        assert any(
            isinstance(cb, TerritoryNotifier) for cb in _callbacks(task.on_failure_callback)
        ), task.task_id


def _callbacks(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def test_ingest_is_nightly_with_catchup_and_static_sources_latest_only(dagbag) -> None:
    from loaders.settings import SOURCES

    dag = dagbag.dags["territory_ingest"]
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"  # real intervals
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) in {"UTC", "Timezone('UTC')"}
    assert dag.catchup is True
    assert dag.start_date is not None
    latest_only = dag.get_task("latest_only")
    for name, source in SOURCES.items():
        land = dag.get_task(f"land.{name}")
        assert f"--source {name}" in land.bash_command and "--step land" in land.bash_command
        behind_latest_only = "latest_only" in land.upstream_task_ids
        assert behind_latest_only == (source.cadence == "static"), name
    assert latest_only.downstream_task_ids == {
        f"land.{name}" for name, source in SOURCES.items() if source.cadence == "static"
    }


def test_assets_link_ingest_to_load_to_transform(dagbag) -> None:
    from territory_common import LAKE_ASSET, WAREHOUSE_ASSET

    ingest, load, transform = (dagbag.dags[dag_id] for dag_id in DAG_IDS)
    assert ingest.get_task("publish_lake_partition").outlets == [LAKE_ASSET]
    assert load.get_task("publish_warehouse").outlets == [WAREHOUSE_ASSET]
    assert _assets(load) == [LAKE_ASSET]
    assert _assets(transform) == [WAREHOUSE_ASSET]
    # The asset is emitted only when every upstream task succeeded (or was skipped on purpose).
    publish = ingest.get_task("publish_lake_partition")
    assert publish.upstream_task_ids >= {"land.clients"}
    assert str(publish.trigger_rule) in {"none_failed", "TriggerRule.NONE_FAILED"}


def _assets(dag) -> list:
    return list(dag.timetable.asset_condition.objects)


def test_every_warehouse_writer_runs_in_the_one_slot_pool(dagbag) -> None:
    from territory_common import WAREHOUSE_POOL

    load = dagbag.dags["territory_load"]
    transform = dagbag.dags["territory_transform"]
    writers = [t for t in load.tasks if t.task_id.startswith("warehouse.")]
    writers += [t for t in transform.tasks if t.task_id.startswith("dbt.")]
    assert writers
    assert {task.pool for task in writers} == {WAREHOUSE_POOL}


def test_cosmos_renders_one_task_per_model_and_seed(dagbag, manifest: Path) -> None:
    """Compared with the compiled manifest: a model missing from the DAG fails this test."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    expected = {
        f"dbt.{node['name']}_{node['resource_type']}_build"
        for node in nodes
        if node["package_name"] == "territory"
        and node["resource_type"] in {"model", "seed", "snapshot"}
    }
    # Tests spanning several models run as their own task, after all of their parents.
    expected |= {
        f"dbt.{node['name']}_test"
        for node in nodes
        if node["resource_type"] == "test" and len(node["depends_on"]["nodes"]) > 1
    }
    transform = dagbag.dags["territory_transform"]
    rendered = {task.task_id for task in transform.tasks if task.task_id.startswith("dbt.")}
    assert any(name.endswith("_model_build") for name in expected)
    assert rendered == expected


def test_dbt_tasks_build_their_node_with_the_run_date_var(dagbag) -> None:
    transform = dagbag.dags["territory_transform"]
    stg_clients = transform.get_task("dbt.stg_crm__clients_model_build")
    assert stg_clients.base_cmd == ["build"]
    assert stg_clients.select == "fqn:territory.staging.crm.stg_crm__clients"
    assert "run_dates" in stg_clients.vars["run_date"]
    assert "run_dates" in stg_clients.upstream_task_ids
