"""
### territory_transform: dbt, one Airflow task per model and seed (Cosmos), night by night

Scheduled on the `territory_raw` asset. Nights are built in date order (the replay rule,
`loaders/replay.py`): `run_dates` asks the warehouse's night ledger which nights to build
(`territory transform --plan`: every night loaded since its last build, or `conf.run_date`,
and every later night after the earliest of them). This run builds the first of them, passed
to every dbt node as `--vars '{run_date: ...}'`, records it built, and when more remain
triggers the next run of this DAG (queued behind this one, `max_active_runs=1`), which plans
again. So a coalesced asset event, a catch-up or a backfill of an earlier night builds every
night in order, unattended, exactly as `territory run` / `territory transform` would.

Rendering: Cosmos `DbtTaskGroup` from the manifest compiled by `make manifest`
(`LoadMode.DBT_MANIFEST`: parsing this file reads JSON, it never runs dbt), so a new model
appears as a task as soon as the manifest is rebuilt. Tests: `TestBehavior.BUILD`, each node
runs `dbt build --select <node>` (the model, then its own tests, in one dbt invocation): a
failing test fails that task and stops everything downstream of it, as in `territory run`,
with half the dbt start-ups of AFTER_EACH (each costs seconds of parsing on a small worker).
Tests that span several models (relationships) run as their own task after all their parents
(`should_detach_multiple_parents_tests`), and `indirect_selection=buildable` keeps a node's
`dbt build` from picking up a test whose other parents are not built yet (e.g. a test added
since the manifest was compiled). dbt unit tests are CI checks and are excluded here. Each dbt
node runs as its own process (`InvocationMode.SUBPROCESS`), releasing DuckDB's lock at task end.

Profile: `TERRITORY_TARGET` (or `AIRFLOW_VAR_TERRITORY_TARGET`) = `duckdb` uses
`dbt_territory/profiles.yml` (file from `TERRITORY_DUCKDB_PATH`); `snowflake` maps the Airflow
connection `territory_snowflake`. Every dbt task runs in the one-slot `territory_warehouse` pool.
"""

from __future__ import annotations

import json
import subprocess

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, get_current_context, task
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
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
    dag_kwargs,
    dbt_executable,
    manifest_path,
    profile_config,
    setting,
    start_date,
    target,
    territory_bin,
)


def load_mode() -> LoadMode:
    """`dbt_manifest` (default); `TERRITORY_DBT_LOAD_MODE=dbt_ls` only for the parse benchmark."""
    return LoadMode(setting("dbt_load_mode", LoadMode.DBT_MANIFEST.value))


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
            # Each dbt node in its own process: its memory and DuckDB's file lock are released
            # when the task ends, whatever runs the task (worker, dag.test()).
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=dbt_executable(),
            test_indirect_selection=TestIndirectSelection.BUILDABLE,
        ),
        render_config=RenderConfig(
            load_method=load_mode(),
            test_behavior=TestBehavior.BUILD,
            should_detach_multiple_parents_tests=True,
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

    record_built = BashOperator(
        task_id="record_built",
        pool=WAREHOUSE_POOL,
        bash_command=(
            f"{territory_bin()} transform --record-built {first_night} --target {target()}"
        ),
        doc_md="Record in the night ledger that this night was built.",
    )

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
    has_night_to_build(nights) >> dbt >> record_built >> more_nights(nights) >> build_next_night
