"""Shared config of the Territory DAGs: paths, assets, default args, notifier, run timeout, profile.

Not a DAG file (listed in `.airflowignore`); the DAG files import it from the DAG folder, which
Airflow puts on `sys.path`. Everything is read from environment variables when a DAG file is
parsed (`TERRITORY_*`, `AIRFLOW_VAR_*`, `AIRFLOW_CONN_*`), never from the metadata database,
so parsing stays fast and nothing is configured by clicking.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shlex
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, BaseNotifier

log = logging.getLogger("territory.airflow")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_territory"
OWNER = "territory-data"

# One slot: DuckDB takes one writer process at a time, so every task that writes the
# warehouse (raw loads, dbt nodes) queues on it. `airflow pools set territory_warehouse 1 ...`
WAREHOUSE_POOL = "territory_warehouse"
# The Airflow connection holding the alert webhook (Slack incoming webhook or any HTTP
# endpoint that accepts a JSON POST, e.g. an email gateway): AIRFLOW_CONN_TERRITORY_ALERTS.
ALERT_CONN_ID = "territory_alerts"
SNOWFLAKE_CONN_ID = "territory_snowflake"


def setting(name: str, default: str) -> str:
    """`TERRITORY_<NAME>`, else the Airflow Variable `territory_<name>` given as
    `AIRFLOW_VAR_TERRITORY_<NAME>`, else the default. Read from the environment only: a DAG file
    must not query the metadata DB at parse time."""
    key = name.upper()
    return os.environ.get(f"TERRITORY_{key}") or os.environ.get(
        f"AIRFLOW_VAR_TERRITORY_{key}", default
    )


def territory_bin() -> str:
    """The `territory` CLI next to the running interpreter (the project's venv)."""
    import sys

    candidate = Path(sys.executable).parent / "territory"
    return str(candidate) if candidate.exists() else "territory"


def dbt_executable() -> str:
    """`dbt` next to the running interpreter (only `LoadMode.DBT_LS` runs it at parse time)."""
    import sys

    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def target() -> str:
    """The one setting choosing the warehouse: `duckdb` (embedded default) or `snowflake`."""
    return setting("target", "duckdb")


def start_date() -> datetime:
    """First night the ingest DAG catches up from (`TERRITORY_START_DATE`, YYYY-MM-DD, UTC)."""
    return datetime.fromisoformat(setting("start_date", "2026-01-05")).replace(tzinfo=UTC)


def end_date() -> datetime | None:
    """Last night the ingest DAG runs (`TERRITORY_END_DATE`, optional): a finite inbox (a demo,
    a bounded backfill) is caught up without queueing nights that have no export. The end of
    that day: the night's run is the interval starting at 02:00 on it, and Airflow schedules no
    interval starting after the DAG's end_date (midnight would drop the last night)."""
    text = setting("end_date", "")
    if not text:
        return None
    day = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return day.replace(hour=23, minute=59, second=59)


def warehouse_lock() -> Path:
    """The writer lock of the embedded warehouse (`<TERRITORY_DUCKDB_PATH>.writer.lock`): DuckDB
    takes one writer process and fails, not waits, when the file is taken. The one-slot pool
    orders the writers Airflow schedules; a Cosmos watcher consumer may also write (its
    fallback to a single-node dbt run), so it and the raw loads hold this `flock` while they
    write. A relative path is taken from the project root, as every process must agree on it."""
    duckdb_path = Path(setting("duckdb_path", ".territory/warehouse.duckdb"))
    if not duckdb_path.is_absolute():
        duckdb_path = PROJECT_ROOT / duckdb_path
    return duckdb_path.with_name(duckdb_path.name + ".writer.lock")


@contextlib.contextmanager
def warehouse_writer() -> Iterator[None]:
    """Hold the warehouse writer lock (blocking) in this process."""
    lock = warehouse_lock()
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def locked(command: str) -> str:
    """A shell command run under the warehouse writer lock (util-linux `flock`, blocking)."""
    lock = warehouse_lock()
    return f"mkdir -p {shlex.quote(str(lock.parent))} && flock {shlex.quote(str(lock))} {command}"


def manifest_path() -> Path:
    return Path(setting("dbt_manifest", str(DBT_PROJECT_DIR / "target" / "manifest.json")))


# The assets the DAGs hand over: one per stage, the run date travels in the event's extra.
LAKE_ASSET = Asset(name="territory_lake", uri="territory://lake/partitions", group="territory")
WAREHOUSE_ASSET = Asset(name="territory_raw", uri="territory://warehouse/raw", group="territory")


class TerritoryNotifier(BaseNotifier):
    """Logs a failure and, when the `territory_alerts` connection exists, POSTs it as JSON
    (`{"text": ...}`, the Slack incoming-webhook shape) to the connection's URL. Used as the
    task-level and the DAG-level `on_failure_callback`."""

    template_fields = ()

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        # Nothing to template. Skipping also sidesteps Airflow 3.3.2's dag.test() DAG-callback
        # path, which hands notifiers a SerializedDAG without a template environment.
        return

    def notify(self, context: Any) -> None:
        ti = context.get("ti") or context.get("task_instance")
        dag_run = context.get("dag_run")
        dag_id = getattr(dag_run, "dag_id", None) or getattr(ti, "dag_id", "?")
        run_id = getattr(dag_run, "run_id", "?")
        if ti is not None and "reason" not in context:  # DAG-level callbacks carry a reason
            what = f"task {dag_id}.{ti.task_id} failed (try {getattr(ti, 'try_number', '?')})"
            detail = context.get("exception")
        else:
            what = f"DAG run {dag_id} failed"
            detail = context.get("reason")
        text = f"Territory: {what}, run {run_id}: {detail}"
        log.error("%s", text)
        send_alert(
            text, {"dag_id": dag_id, "task_id": getattr(ti, "task_id", None), "run_id": run_id}
        )


def send_alert(text: str, details: dict[str, Any] | None = None) -> bool:
    """POST the alert to the webhook connection if one is configured; never raise."""
    url = alert_url()
    if not url:
        return False
    body = json.dumps({"text": text, **(details or {})}, default=str).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10):
            return True
    except OSError as error:  # an alert that cannot be sent must not mask the real failure
        log.warning("alert webhook %s failed: %s", ALERT_CONN_ID, error)
        return False


def alert_stale_exports(night: str, record_built_output: str) -> list[str]:
    """Alert on each stale delivery `territory transform --record-built` reported for a built
    night (warnings: the night was built all the same); the alerts' texts."""
    from territory.nightly import freshness

    texts = [
        f"Territory: night {night} built with a {line.strip()}"
        for line in record_built_output.splitlines()
        if line.startswith(freshness.LINE_PREFIX)
    ]
    for text in texts:
        log.warning("%s", text)
        send_alert(text, {"run_date": night, "kind": "stale_export"})
    return texts


def alert_url() -> str | None:
    from airflow.sdk import Connection

    try:
        connection = Connection.get(ALERT_CONN_ID)
    except Exception:  # not configured: log-only alerts
        return None
    if connection.host and connection.host.startswith("http"):
        return connection.host
    scheme = connection.conn_type if connection.conn_type in ("http", "https") else "https"
    port = f":{connection.port}" if connection.port else ""
    path = f"/{connection.schema}" if connection.schema else "/"
    return f"{scheme}://{connection.host}{port}{path}" if connection.host else None


def run_timeout() -> timedelta:
    """The run-time SLA: a run still going `TERRITORY_RUN_DEADLINE_MINUTES` after it started is
    failed, which fires the DAG's failure alert (a hung night would otherwise hold the one
    warehouse slot). A `dagrun_timeout`, not a `DeadlineAlert`: Airflow 3.3's DAGRUN_QUEUED_AT
    deadlines make `airflow tasks clear` (and the UI's clear) crash with a TypeError."""
    return timedelta(minutes=float(setting("run_deadline_minutes", "120")))


def default_args() -> dict[str, Any]:
    return {
        "owner": OWNER,
        "retries": int(setting("retries", "3")),
        "retry_delay": timedelta(seconds=float(setting("retry_delay_seconds", "300"))),
        "on_failure_callback": TerritoryNotifier(),
    }


def dag_kwargs(doc_md: str | None, tags: list[str]) -> dict[str, Any]:
    """What every Territory DAG shares."""
    return {
        "default_args": default_args(),
        "doc_md": doc_md,
        "tags": ["territory", *tags],
        "on_failure_callback": TerritoryNotifier(),
        "dagrun_timeout": run_timeout(),
        "max_active_runs": 1,
    }


RUN_DATES_TASK = "run_dates"


def run_dates_from_context(context: Any, asset: Asset | None) -> list[str]:
    """The run date(s) a run handles: `conf.run_date` (manual / `airflow dags test`), else every
    run date carried by the asset events that triggered it (several when Airflow coalesced
    queued events), else the logical date."""
    dag_run = context["dag_run"]
    conf = getattr(dag_run, "conf", None) or {}
    if conf.get("run_date"):
        return [str(conf["run_date"])]
    dates: set[str] = set()
    if asset is not None:
        for events in (context.get("triggering_asset_events") or {}).values():
            for event in events:
                extra = event.extra or {}
                dates.update(extra.get("run_dates") or [extra.get("run_date")])
    dates.discard(None)
    if not dates and context.get("logical_date"):
        dates.add(context["logical_date"].date().isoformat())
    if not dates:
        raise ValueError("no run date: pass conf {'run_date': 'YYYY-MM-DD'} or an asset event")
    return sorted(dates)


def profile_config() -> Any:
    """dbt profile for Cosmos, chosen by `target()`: the project's own profiles.yml (DuckDB file
    from TERRITORY_DUCKDB_PATH) on the embedded default, else a profile generated from the
    Airflow connection `territory_snowflake` (AIRFLOW_CONN_TERRITORY_SNOWFLAKE)."""
    from cosmos import ProfileConfig

    if target() == "snowflake":
        from cosmos.profiles import SnowflakeUserPasswordProfileMapping

        return ProfileConfig(
            profile_name="territory",
            target_name="snowflake",
            profile_mapping=SnowflakeUserPasswordProfileMapping(
                conn_id=SNOWFLAKE_CONN_ID, profile_args={"schema": "analytics"}
            ),
        )
    return ProfileConfig(
        profile_name="territory",
        target_name=target(),
        profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
    )
