"""
### territory_transform: dbt, one Airflow task per model, seed and snapshot (Cosmos)

Scheduled on the `territory_raw` asset. `run_dates` picks the night to build (the newest date
in the triggering events, or `conf.run_date`), passed to every dbt node as
`--vars '{run_date: ...}'`, exactly what `territory transform --date` does.

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
    run_dates_from_context,
    setting,
    start_date,
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

    @task(task_id=RUN_DATES_TASK)
    def run_dates() -> list[str]:
        """The night to build: the newest run date the load announced."""
        return run_dates_from_context(get_current_context(), WAREHOUSE_ASSET)[-1:]

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
            "vars": {"run_date": f"{{{{ ti.xcom_pull(task_ids='{RUN_DATES_TASK}')[-1] }}}}"},
        },
    )

    run_dates() >> dbt
