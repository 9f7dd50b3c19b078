"""
### territory_ingest: land one night of CRM exports into the lake

Nightly at 02:00 UTC (`CronDataIntervalTimetable`, UTC) with `catchup=True` from
`TERRITORY_START_DATE`; the run for the interval starting on day D lands the inbox folder
`INBOX/D/` (the run date is the logical date, `{{ ds }}`). One task per source, each a
separate `territory load --step land` process, so a large file's memory is returned when its
task ends. Static references sit behind `latest_only`: a 30-day backfill lands them once (the
lake already holds the versions of past nights; manual runs and `airflow dags test` are never
skipped). When every landing succeeded, `publish_lake_partition` emits the `territory_lake`
asset with the run date in the event's extra, which schedules `territory_load`.

Config: `TERRITORY_INBOX`, `TERRITORY_LAKE_ROOT`, `TERRITORY_START_DATE`, retries and alerts
(see `territory_common.py`).
"""

from __future__ import annotations

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.latest_only import LatestOnlyOperator
from airflow.sdk import DAG, CronDataIntervalTimetable, TaskGroup, task
from territory_common import (
    LAKE_ASSET,
    dag_kwargs,
    start_date,
    target,
    territory_bin,
)

from loaders.settings import SOURCES

with DAG(
    dag_id="territory_ingest",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=start_date(),
    catchup=True,
    **dag_kwargs(__doc__, ["ingest", "lake"]),
) as dag:
    latest_only = LatestOnlyOperator(task_id="latest_only")

    with TaskGroup("land", tooltip="one `territory load --step land` process per source") as land:
        for name, source in SOURCES.items():
            land_task = BashOperator(
                task_id=name,
                bash_command=(
                    f"{territory_bin()} load --step land --source {name} --date {{{{ ds }}}} "
                    f"--target {target()}"
                ),
                doc_md=f"Sanitize `{source.file}` ({source.cadence}) and land it in the lake.",
            )
            if source.cadence == "static":
                latest_only >> land_task

    @task(outlets=[LAKE_ASSET], trigger_rule="none_failed")
    def publish_lake_partition(*, ds: str, outlet_events=None) -> str:
        """Announce the landed partition; skipped static references are not failures."""
        outlet_events[LAKE_ASSET].extra = {"run_date": ds, "run_dates": [ds]}
        return ds

    land >> publish_lake_partition()
