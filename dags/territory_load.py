"""
### territory_load: load the landed partition(s) into the warehouse raw tables

Scheduled on the `territory_lake` asset. `run_dates` reads the run date(s) from the triggering
asset events (Airflow coalesces events queued while this DAG was busy: every date is loaded,
oldest first), or from `conf.run_date` on a manual run. Then one
`territory load --step warehouse` process per source: the daily `clients` partition is merged
into `raw.clients` (re-loading a date replaces exactly that date) and static references are
rebuilt from every landed version and swapped in. The command checks the rows loaded against
the partition's `load_report.json` and exits non-zero on a mismatch, which fails the task.
Every warehouse writer runs in the one-slot `territory_warehouse` pool (DuckDB takes one
writer) and under the warehouse writer lock (`territory_common.warehouse_lock`). On success
`publish_warehouse` emits the `territory_raw` asset for `territory_transform`.
"""

from __future__ import annotations

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup, get_current_context, task
from territory_common import (
    LAKE_ASSET,
    RUN_DATES_TASK,
    WAREHOUSE_ASSET,
    WAREHOUSE_POOL,
    dag_kwargs,
    locked,
    run_dates_from_context,
    start_date,
    target,
    territory_bin,
)

from loaders.sources import SOURCES

with DAG(
    dag_id="territory_load",
    schedule=[LAKE_ASSET],
    start_date=start_date(),
    catchup=False,
    **dag_kwargs(__doc__, ["warehouse", "raw"]),
) as dag:

    @task(task_id=RUN_DATES_TASK)
    def run_dates() -> list[str]:
        """The run dates this run loads, oldest first."""
        return run_dates_from_context(get_current_context(), LAKE_ASSET)

    dates = run_dates()
    pulled = f"{{{{ ti.xcom_pull(task_ids='{RUN_DATES_TASK}') | join(' ') }}}}"

    with TaskGroup("warehouse", tooltip="one `territory load --step warehouse` per source") as load:
        for name in SOURCES:
            BashOperator(
                task_id=name,
                pool=WAREHOUSE_POOL,
                bash_command=(
                    "set -euo pipefail; "
                    f"for run_date in {pulled}; do "
                    + locked(
                        f"{territory_bin()} load --step warehouse --source {name} "
                        f'--date "$run_date" --target {target()}'
                    )
                    + "; done"
                ),
                doc_md=f"Load `raw.{name}` from the lake and check it against the load report.",
            )

    @task(outlets=[WAREHOUSE_ASSET])
    def publish_warehouse(loaded: list[str], *, outlet_events=None) -> str:
        """Announce the loaded raw tables; the newest date is the night to transform."""
        outlet_events[WAREHOUSE_ASSET].extra = {"run_date": loaded[-1], "run_dates": loaded}
        return loaded[-1]

    dates >> load >> publish_warehouse(dates)
