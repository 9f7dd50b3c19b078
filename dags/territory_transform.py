"""
### territory_transform: dbt, one Airflow task per model and seed (Cosmos), night by night

Scheduled on the `territory_raw` asset. Nights are built in date order (the replay rule,
`territory/nightly/replay.py`): `run_dates` asks the warehouse's night ledger which nights to build
(`territory transform --plan`: every night loaded since its last build, or `conf.run_date`,
and every later night after the earliest of them). This run builds the first of them, passed
to every dbt node as `--vars '{run_date: ...}'`, records it built, and when more remain
triggers the next run of this DAG (queued behind this one, `max_active_runs=1`), which plans
again. So a coalesced asset event, a catch-up or a backfill of an earlier night builds every
night in order, unattended, exactly as `territory run` / `territory transform` would.

Rendering: Cosmos `DbtTaskGroup` from the manifest compiled by `make manifest`
(`LoadMode.DBT_MANIFEST`: parsing this file reads JSON, it never runs dbt), so a new model
appears as a task as soon as the manifest is rebuilt.

Execution: `ExecutionMode.WATCHER` (default; `TERRITORY_DBT_EXECUTION_MODE` picks another of
`EXECUTION_MODES`, measured by `benchmarks/airflow_benchmark.py`). `dbt.dbt_producer_watcher`
runs one `dbt build` of the whole selection, in the one-slot `territory_warehouse` pool: tests
run right after their model and a failing test stops everything downstream of it, as in
`territory run`, for one dbt start-up and one parse a night instead of one per node. Each model
and seed keeps its own task, `dbt.<node>.run` (and `dbt.<node>.test` for its tests,
`TestBehavior.AFTER_EACH`), settled in the triggerer from the producer's result for that node
(`territory.orchestration.watcher.report_node_tasks_from_the_triggerer`), so the UI shows
the night node by node for about the cost of the build alone. Node tasks never run dbt and wait
outside the pool; the producer holds its slot for the whole build, and the raw loads and the
ledger tasks hold the warehouse writer lock (`territory_common.warehouse_writer`), so two
writers never meet in DuckDB. dbt unit tests are CI checks and are excluded here.

Profile: `TERRITORY_TARGET` (or `AIRFLOW_VAR_TERRITORY_TARGET`) = `duckdb` uses
`dbt_territory/profiles.yml` (file from `TERRITORY_DUCKDB_PATH`); `snowflake` maps the Airflow
connection `territory_snowflake`.
"""

from __future__ import annotations

import json
import subprocess

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, get_current_context, task
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ExecutionMode,
    InvocationMode,
    LoadMode,
    ProjectConfig,
    RenderConfig,
    TestBehavior,
    TestIndirectSelection,
)
from territory_common import (
    DBT_PROJECT_DIR,
    RUN_DATES_TASK,
    WAREHOUSE_ASSET,
    WAREHOUSE_POOL,
    alert_stale_exports,
    dag_kwargs,
    dbt_executable,
    manifest_path,
    profile_config,
    setting,
    start_date,
    target,
    territory_bin,
    warehouse_writer,
)


def load_mode() -> LoadMode:
    """`dbt_manifest` (default); `TERRITORY_DBT_LOAD_MODE=dbt_ls` only for the parse benchmark."""
    return LoadMode(setting("dbt_load_mode", LoadMode.DBT_MANIFEST.value))


# How Cosmos runs dbt (`TERRITORY_DBT_EXECUTION_MODE`; benchmarks/airflow_benchmark.py measures
# each under a real scheduler): execution mode, invocation, test behaviour.
EXECUTION_MODES: dict[str, tuple[ExecutionMode, InvocationMode | None, TestBehavior]] = {
    # One `dbt build --select <node>` process per task.
    "local_subprocess": (ExecutionMode.LOCAL, InvocationMode.SUBPROCESS, TestBehavior.BUILD),
    # The same, with dbt's Python runner inside the task process (no dbt process start-up).
    "local_dbt_runner": (ExecutionMode.LOCAL, InvocationMode.DBT_RUNNER, TestBehavior.BUILD),
    # One `dbt build` of the whole project in a producer task; one sensor task per model (and
    # per model's tests) reports that node's result as dbt finishes it.
    "watcher": (ExecutionMode.WATCHER, None, TestBehavior.AFTER_EACH),
}
DEFAULT_EXECUTION_MODE = "watcher"


def execution_mode() -> str:
    mode = setting("dbt_execution_mode", DEFAULT_EXECUTION_MODE)
    if mode not in EXECUTION_MODES:
        raise ValueError(f"TERRITORY_DBT_EXECUTION_MODE={mode!r}: one of {sorted(EXECUTION_MODES)}")
    return mode


MODE = execution_mode()
COSMOS_EXECUTION, INVOCATION, TEST_BEHAVIOR = EXECUTION_MODES[MODE]


with DAG(
    dag_id="territory_transform",
    schedule=[WAREHOUSE_ASSET],
    start_date=start_date(),
    catchup=False,
    **dag_kwargs(__doc__, ["dbt", "cosmos"]),
) as dag:

    @task(task_id=RUN_DATES_TASK, pool=WAREHOUSE_POOL)
    def run_dates() -> list[str]:
        """The nights to build, oldest first (`territory transform --plan`)."""
        conf = get_current_context()["dag_run"].conf or {}
        requested = ["--date", str(conf["run_date"])] if conf.get("run_date") else []
        with warehouse_writer():
            planned = subprocess.run(
                [territory_bin(), "transform", "--plan", "--target", target(), *requested],
                capture_output=True,
                text=True,
                check=True,
            )
        return json.loads(planned.stdout.strip().splitlines()[-1])

    @task.short_circuit
    def has_night_to_build(nights: list[str]) -> bool:
        """Another run already built every loaded night: nothing to do."""
        return bool(nights)

    first_night = f"{{{{ ti.xcom_pull(task_ids='{RUN_DATES_TASK}')[0] }}}}"

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=manifest_path(),
            project_name="territory",
        ),
        profile_config=profile_config(),
        execution_config=ExecutionConfig(
            execution_mode=COSMOS_EXECUTION,
            invocation_mode=INVOCATION,
            dbt_executable_path=dbt_executable(),
            test_indirect_selection=TestIndirectSelection.BUILDABLE,
        ),
        render_config=RenderConfig(
            load_method=load_mode(),
            test_behavior=TEST_BEHAVIOR,
            # Under the watcher, one `dbt build` runs every test anyway; a detached test's
            # sensor has no per-model result to read and would only defer and wait.
            should_detach_multiple_parents_tests=COSMOS_EXECUTION == ExecutionMode.LOCAL,
            emit_datasets=False,
            # dbt unit tests are CI checks on fixtures (dbt's advice: keep them out of
            # production builds); data tests still run with every node.
            exclude=["resource_type:unit_test"],
        ),
        operator_args={
            "pool": WAREHOUSE_POOL,
            "install_deps": False,
            "vars": {"run_date": first_night},
        },
    )

    if COSMOS_EXECUTION == ExecutionMode.WATCHER:
        # Cosmos internals stay in one module of the package (territory/orchestration/).
        from territory.orchestration.watcher import report_node_tasks_from_the_triggerer

        report_node_tasks_from_the_triggerer(dag.tasks, dbt.group_id)

    @task(task_id="record_built", pool=WAREHOUSE_POOL)
    def record_built(nights: list[str]) -> None:
        """Record in the night ledger that this night was built, then alert on each of its stale
        deliveries (past a warning threshold of the source registry; past an error threshold
        the dbt build itself failed)."""
        with warehouse_writer():
            recorded = subprocess.run(
                [territory_bin(), "transform", "--record-built", nights[0], "--target", target()],
                capture_output=True,
                text=True,
                check=False,
            )
        if recorded.returncode:
            raise RuntimeError(f"territory transform --record-built failed: {recorded.stderr}")
        alert_stale_exports(nights[0], recorded.stdout)

    @task.short_circuit
    def more_nights(nights: list[str]) -> bool:
        """Later nights still to build in this plan."""
        return len(nights) > 1

    build_next_night = TriggerDagRunOperator(
        task_id="build_next_night",
        trigger_dag_id="territory_transform",
        conf={"replay": True},
        doc_md="Queue the next run of this DAG, which plans again and builds the next night.",
    )

    nights = run_dates()
    recorded = record_built(nights)
    has_night_to_build(nights) >> dbt >> recorded >> more_nights(nights) >> build_next_night
