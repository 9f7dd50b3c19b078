"""
### territory_ingest: land one night of CRM exports into the lake

Nightly at 02:00 UTC (`CronDataIntervalTimetable`, UTC) with `catchup=True` from
`TERRITORY_START_DATE`; the run for the interval starting on day D lands the inbox folder
`INBOX/D/` (the run date is the logical date, `{{ ds }}`). One task per source, each a
separate `territory load --step land` process, so a large file's memory is returned when its
task ends. Every night lands every source, caught-up nights included: a static reference
absent that night stands on the version delivered before it (the command lands that earlier
delivery from the inbox when the lake lacks it), and a night whose required references were
never delivered fails. Nothing a night is computed from sits behind `latest_only`. When every
landing succeeded, `publish_lake_partition` emits the `territory_lake` asset with the run date
in the event's extra, which schedules `territory_load`.

Config: `TERRITORY_INBOX`, `TERRITORY_LAKE_ROOT`, `TERRITORY_START_DATE`, `TERRITORY_END_DATE`
(optional: the last night to catch up to), retries and alerts (see `territory_common.py`).
"""

from __future__ import annotations

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, CronDataIntervalTimetable, TaskGroup, task
from territory_common import (
    LAKE_ASSET,
    dag_kwargs,
    end_date,
    start_date,
    target,
    territory_bin,
)

from loaders.sources import SOURCES

with DAG(
    dag_id="territory_ingest",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=start_date(),
    end_date=end_date(),
    catchup=True,
    **dag_kwargs(__doc__, ["ingest", "lake"]),
) as dag:
    with TaskGroup("land", tooltip="one `territory load --step land` process per source") as land:
        for name, source in SOURCES.items():
            BashOperator(
                task_id=name,
                bash_command=(
                    f"{territory_bin()} load --step land --source {name} --date {{{{ ds }}}} "
                    f"--target {target()}"
                ),
                doc_md=f"Sanitize `{source.file}` ({source.cadence}) and land it in the lake.",
            )

    @task(outlets=[LAKE_ASSET])
    def publish_lake_partition(*, ds: str, outlet_events=None) -> str:
        """Announce the landed partition once every source landed."""
        outlet_events[LAKE_ASSET].extra = {"run_date": ds, "run_dates": [ds]}
        return ds

    land >> publish_lake_partition()
