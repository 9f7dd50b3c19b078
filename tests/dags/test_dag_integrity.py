"""The DAG folder imports cleanly and every DAG is wired as specified (DagBag, no scheduler)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

DAG_IDS = ["territory_ingest", "territory_load", "territory_transform"]
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


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
    # A night's dbt build is not retried task by task (it is rebuilt by a new run, in order):
    # the watcher's producer and node tasks are the only tasks without retries.
    single_try = {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")} - {PRODUCER_DONE}
    for task in dag.tasks:
        assert task.owner == "territory-data", task.task_id
        assert task.retries == (0 if task.task_id in single_try else 3), task.task_id
        assert task.retry_delay == timedelta(minutes=5), task.task_id
        assert any(
            isinstance(cb, TerritoryNotifier) for cb in _callbacks(task.on_failure_callback)
        ), task.task_id


def _callbacks(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def test_ingest_is_nightly_with_catchup_and_lands_every_source_every_night(dagbag) -> None:
    """A caught-up night is computed from its own reference data: nothing it lands sits behind
    `latest_only`, which would skip the static sources of every night but the newest."""
    from loaders.sources import SOURCES

    dag = dagbag.dags["territory_ingest"]
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"  # real intervals
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) in {"UTC", "Timezone('UTC')"}
    assert dag.catchup is True
    assert dag.start_date is not None
    assert not any("latest_only" in type(task).__name__.lower() for task in dag.tasks)
    for name in SOURCES:
        land = dag.get_task(f"land.{name}")
        assert f"--source {name}" in land.bash_command and "--step land" in land.bash_command
        assert land.upstream_task_ids == set(), name


def test_assets_link_ingest_to_load_to_transform(dagbag) -> None:
    from territory_common import LAKE_ASSET, WAREHOUSE_ASSET

    from loaders.sources import SOURCES

    ingest, load, transform = (dagbag.dags[dag_id] for dag_id in DAG_IDS)
    assert ingest.get_task("publish_lake_partition").outlets == [LAKE_ASSET]
    assert load.get_task("publish_warehouse").outlets == [WAREHOUSE_ASSET]
    assert _assets(load) == [LAKE_ASSET]
    assert _assets(transform) == [WAREHOUSE_ASSET]
    # The asset is emitted only when every source of the night landed.
    publish = ingest.get_task("publish_lake_partition")
    assert publish.upstream_task_ids == {f"land.{name}" for name in SOURCES}
    assert str(publish.trigger_rule) in {"all_success", "TriggerRule.ALL_SUCCESS"}


def _assets(dag) -> list:
    return list(dag.timetable.asset_condition.objects)


def test_every_warehouse_writer_runs_in_the_one_slot_pool(dagbag) -> None:
    """DuckDB takes one writer: every task that writes it holds the one-slot pool, the raw loads
    also the writer lock. The watcher's node tasks never run dbt (they report the producer's
    results from the triggerer), so they wait outside the pool."""
    from territory_common import WAREHOUSE_POOL, warehouse_lock

    load = dagbag.dags["territory_load"]
    transform = dagbag.dags["territory_transform"]
    loads = [t for t in load.tasks if t.task_id.startswith("warehouse.")]
    assert loads and {task.pool for task in loads} == {WAREHOUSE_POOL}
    assert all(f"flock {warehouse_lock()}" in task.bash_command for task in loads)
    producer = transform.get_task(PRODUCER)
    assert producer.pool == WAREHOUSE_POOL
    for consumer in _node_tasks(transform):
        assert consumer.pool == "default_pool", consumer.task_id
    for task_id in ("run_dates", "record_built"):
        assert transform.get_task(task_id).pool == WAREHOUSE_POOL


def test_node_tasks_start_in_the_triggerer_and_do_not_wait_for_each_other(dagbag) -> None:
    """Each node task is settled by the producer's result for its node: it starts in the
    triggerer, never retries, and (below the roots) does not wait for its parents' tasks, whose
    edges stay drawn; only the roots wait for the plan. The producer does not retry."""
    from territory.orchestration.watcher import TRIGGER_CLASSPATH

    transform = dagbag.dags["territory_transform"]
    producer = transform.get_task(PRODUCER)
    assert type(producer).__name__ == "NodeResultsProducer" and producer.retries == 0
    roots = set()
    for consumer in _node_tasks(transform):
        assert consumer.start_from_trigger, consumer.task_id
        args = consumer.start_trigger_args
        assert args.trigger_cls == TRIGGER_CLASSPATH and args.next_method == "execute_complete"
        assert args.trigger_kwargs["unique_id"] == consumer.model_unique_id
        assert args.trigger_kwargs["producer_task_id"] == PRODUCER
        assert consumer.retries == 0, consumer.task_id
        if consumer.upstream_task_ids == {"has_night_to_build"}:
            roots.add(consumer.task_id)
            assert consumer.trigger_rule == "all_success", consumer.task_id
        else:
            assert consumer.upstream_task_ids, consumer.task_id
            assert consumer.trigger_rule == "always", consumer.task_id
    assert "dbt.stg_crm__clients.run" in roots
    assert "dbt.int_clients_normalized.run" not in roots


def _node_tasks(transform) -> list:
    tasks = [t for t in _dbt_tasks(transform) if t.task_id not in {PRODUCER, PRODUCER_DONE}]
    assert tasks
    return tasks


PRODUCER = "dbt.dbt_producer_watcher"
PRODUCER_DONE = "dbt.dbt_producer_watcher_done"


def _dbt_tasks(dag) -> list:
    return [task for task in dag.tasks if task.task_id.startswith("dbt.")]


def _rendered_nodes(transform) -> dict[str, set[str]]:
    """Node name -> the suffixes Cosmos rendered for it (`run`, `seed`, `test`)."""
    nodes: dict[str, set[str]] = {}
    for task in _dbt_tasks(transform):
        if task.task_id in {PRODUCER, PRODUCER_DONE}:
            continue
        name = task.task_id.removeprefix("dbt.")
        # `dbt.<node>.run` + `dbt.<node>.test` (a node with tests), `dbt.<node>_run` (none)
        node, _, suffix = name.rpartition("." if "." in name else "_")
        nodes.setdefault(node, set()).add(suffix)
    return nodes


def test_cosmos_renders_one_task_per_model_and_seed(dagbag, manifest: Path) -> None:
    """Compared with the compiled manifest: a model missing from the DAG fails this test. One
    watcher task per model and seed, one per node's tests, no other dbt task but the producer."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    built = {
        node["name"]: node["resource_type"]
        for node in nodes
        if node["package_name"] == "territory"
        and node["resource_type"] in {"model", "seed", "snapshot"}
    }
    tested = {
        parent.split(".")[-1]
        for node in nodes
        if node["resource_type"] == "test"
        for parent in node["depends_on"]["nodes"]
    }
    transform = dagbag.dags["territory_transform"]
    rendered = _rendered_nodes(transform)
    assert set(rendered) == set(built)
    for name, resource_type in built.items():
        action = "seed" if resource_type == "seed" else "run"
        assert action in rendered[name], name
        assert rendered[name] <= {action, "test"}, name
    assert any("test" in suffixes for suffixes in rendered.values())
    for name in set(built) - tested:
        assert "test" not in rendered[name], name


def test_dbt_tasks_build_their_node_with_the_run_date_var(dagbag) -> None:
    """One `dbt build` of the whole selection (the producer) for the night's first planned run
    date; each node task watches its node."""
    transform = dagbag.dags["territory_transform"]
    producer = transform.get_task(PRODUCER)
    assert producer.base_cmd == ["build"]
    assert "xcom_pull(task_ids='run_dates')[0]" in producer.vars["run_date"]
    assert "has_night_to_build" in producer.upstream_task_ids
    stg_clients = transform.get_task("dbt.stg_crm__clients.run")
    assert stg_clients.model_unique_id == "model.territory.stg_crm__clients"
    assert "has_night_to_build" in stg_clients.upstream_task_ids
    # The tests of a model gate its descendants: dbt build runs them in between, and the
    # model's test sensor sits between the model and its children in the DAG.
    assert transform.get_task("dbt.stg_crm__clients.test").upstream_task_ids == {
        "dbt.stg_crm__clients.run"
    }


@pytest.mark.parametrize("mode", ["local_subprocess", "local_dbt_runner"], ids=str)
def test_the_local_execution_modes_still_render_a_build_task_per_node(
    airflow_env: Path, manifest: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`TERRITORY_DBT_EXECUTION_MODE` switches Cosmos back to one `dbt build --select <node>`
    per task (the benchmark's other modes)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    monkeypatch.setenv("TERRITORY_DBT_EXECUTION_MODE", mode)
    bag = BundleDagBag(
        dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER, bundle_name="dags-folder"
    )
    assert bag.import_errors == {}
    transform = bag.dags["territory_transform"]
    stg_clients = transform.get_task("dbt.stg_crm__clients_model_build")
    assert stg_clients.base_cmd == ["build"]
    assert stg_clients.select == "fqn:territory.staging.crm.stg_crm__clients"
    assert str(stg_clients.invocation_mode).lower().endswith(mode.split("_", 1)[1])
    models = [
        node
        for node in json.loads(manifest.read_text())["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "territory"
    ]
    builds = [t for t in _dbt_tasks(transform) if t.task_id.endswith("_model_build")]
    assert len(builds) == len(models)
    assert {task.pool for task in _dbt_tasks(transform)} == {"territory_warehouse"}


def test_transform_builds_one_planned_night_per_run_and_queues_the_next(dagbag) -> None:
    from territory_common import WAREHOUSE_POOL

    transform = dagbag.dags["territory_transform"]
    dbt_tasks = {task.task_id for task in transform.tasks if task.task_id.startswith("dbt.")}
    record_built = transform.get_task("record_built")
    # after the dbt tasks, with the planned nights (run_dates' XCom)
    assert record_built.upstream_task_ids - {"run_dates"} <= dbt_tasks
    assert record_built.upstream_task_ids & dbt_tasks
    assert transform.get_task("more_nights").upstream_task_ids >= {"record_built", "run_dates"}
    trigger = transform.get_task("build_next_night")
    assert trigger.upstream_task_ids == {"more_nights"}
    assert trigger.trigger_dag_id == "territory_transform"
    # Reading the ledger and recording a build write the warehouse: the one slot.
    assert {transform.get_task(t).pool for t in ("run_dates", "record_built")} == {WAREHOUSE_POOL}


def test_recording_a_night_alerts_on_each_of_its_stale_deliveries(
    dagbag,
    built_warehouse: Path,
    alert_webhook: tuple[str, list[dict]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transform DAG's last task: the night's WARN rows of rpt_export_freshness (measured
    by dbt; tests/dbt/test_export_freshness.py plants a stale export) reach the webhook."""
    alert_url, alerts = alert_webhook
    home = built_warehouse.parent
    monkeypatch.setenv("TERRITORY_HOME", str(home))
    monkeypatch.setenv("TERRITORY_DUCKDB_PATH", str(built_warehouse))
    monkeypatch.setenv("TERRITORY_LAKE_ROOT", str(home / "lake"))
    monkeypatch.setenv("AIRFLOW_CONN_TERRITORY_ALERTS", alert_url)
    with duckdb.connect(str(built_warehouse)) as connection:
        (run_date,) = connection.execute(
            "select max(run_date) from observability.rpt_export_freshness"
        ).fetchone()
        connection.execute(
            "update observability.rpt_export_freshness set status = 'WARN', message = "
            "'advisors.json: planted' where source_name = 'advisors' and run_date = ?",
            [run_date],
        )
    transform = dagbag.dags["territory_transform"]
    transform.get_task("record_built").python_callable([run_date.isoformat()])
    assert [alert["text"] for alert in alerts] == [
        f"Territory: night {run_date} built with a stale export (WARN): advisors.json: planted"
    ]
    assert alerts[0]["kind"] == "stale_export"
