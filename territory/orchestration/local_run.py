"""Run the three Territory DAGs in-process for given nights (`dag.test()`), no scheduler:
`territory airflow local --date D` runs it in a child process with the configuration's child
environment (`make airflow-demo`; the scheduler test runs a real stack). For each run date, in
order, `territory_ingest` (logical date D 02:00 UTC), then `territory_load` and
`territory_transform` with `conf={"run_date": D}` standing in for the asset events a scheduler
would deliver. A night stops at the first DAG run that does not succeed. Needs AIRFLOW_HOME (a
metadata DB is created there) and AIRFLOW__CORE__DAGS_FOLDER pointing at the checkout's dags/.

    territory airflow local --date 2026-01-05 --date 2026-01-06
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from territory.core.project import CHECKOUT_DIR

DAGS_FOLDER = CHECKOUT_DIR / "dags"
DAG_IDS = ("territory_ingest", "territory_load", "territory_transform")
MAX_REPLAYED_NIGHTS = 100


def prepare_metadata_db() -> None:
    """Create/upgrade the metadata DB and the one-slot warehouse pool (idempotent)."""
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb
    from territory_common import WAREHOUSE_POOL

    initdb()
    Pool.create_or_update_pool(
        name=WAREHOUSE_POOL,
        slots=1,
        description="DuckDB takes one writer: every warehouse-writing task",
        include_deferred=False,
    )


def load_dags() -> dict[str, object]:
    """Parse the DAG folder. The transform must run one dbt process per node here
    (TERRITORY_DBT_EXECUTION_MODE=local_subprocess, set by `territory airflow local`):
    `dag.test()` runs one task at a time and resolves a deferral inline, so a watcher sensor
    picked before its producer would wait on a producer that never starts."""
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(
        dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER, bundle_name="dags-folder"
    )
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return {dag_id: bag.dags[dag_id] for dag_id in DAG_IDS}


def task_states(dag_run: object) -> dict[str, str]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = (
            session.query(TaskInstance.task_id, TaskInstance.state)
            .filter(
                TaskInstance.dag_id == dag_run.dag_id,  # type: ignore[attr-defined]
                TaskInstance.run_id == dag_run.run_id,  # type: ignore[attr-defined]
            )
            .all()
        )
    return {task_id: str(state) for task_id, state in sorted(rows)}


def run_night(dags: dict[str, object], run_date: date) -> list[tuple[str, str, dict[str, str]]]:
    """Run ingest -> load -> transform for one night; stop at the first run that fails. The
    transform runs again while a run asks for the next night of its plan (`build_next_night`),
    standing in for the scheduler starting the run that task queued."""
    logical = datetime.combine(run_date, time(2, 0), tzinfo=UTC)
    results: list[tuple[str, str, dict[str, str]]] = []
    for dag_id in DAG_IDS:
        conf = None if dag_id == "territory_ingest" else {"run_date": run_date.isoformat()}
        for attempt in range(MAX_REPLAYED_NIGHTS):
            dag_run = dags[dag_id].test(  # type: ignore[attr-defined]
                logical_date=logical + timedelta(seconds=attempt), run_conf=conf
            )
            state, tasks = str(dag_run.state), task_states(dag_run)
            results.append((dag_id, state, tasks))
            if state != "success" or tasks.get("build_next_night") != "success":
                break
            conf = {"replay": True}
        if state != "success":
            break
    return results


def print_results(run_date: date, results: Sequence[tuple[str, str, dict[str, str]]]) -> None:
    print(f"\n== airflow night {run_date} ==")
    for dag_id, state, tasks in results:
        print(f"  {dag_id:<22} {state}")
        for task_id, task_state in tasks.items():
            print(f"      {task_id:<55} {task_state}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", type=date.fromisoformat, action="append", required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(DAGS_FOLDER))
    prepare_metadata_db()
    dags = load_dags()
    ok = True
    for run_date in sorted(args.date):
        results = run_night(dags, run_date)
        print_results(run_date, results)
        if any(state != "success" for _, state, _ in results):
            ok = False
            break
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
