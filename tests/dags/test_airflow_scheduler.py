"""The three DAGs under a real Airflow scheduler stack on loopback (scheduler, DAG processor,
triggerer, API server; LocalExecutor; SQLite), not `dag.test()`.

GIVEN a 2-night inbox (the first two of `small_inbox`) whose second night's clients export has not
arrived, a fresh AIRFLOW_HOME,
`TERRITORY_START_DATE`/`TERRITORY_END_DATE` on the inbox's nights and an alert webhook,
WHEN the DAGs are unpaused,
THEN night 1 is built, night 2's ingest fails after its retry (alerted, nothing downstream runs);
WHEN the export arrives and the failed task is cleared through the REST API,
THEN it succeeds, night 2 is loaded and built, every task succeeded or was skipped by design, and
both nights' assignments equal `territory run --all` on the same inbox;
WHEN night 2 is built again by a manual run while one of its raw tables is missing,
THEN that model's task, the tasks below it, the producer and the run fail (alerted), the rest is
green and the night is not recorded; WHEN the table is back and a new run builds the night,
THEN every task succeeds.

The code is a snapshot of the checkout taken when the test starts (`territory.airflow_stack.
snapshot_sources`), so edits made while it runs cannot mix two versions into one night.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from shared_builds import BuiltNights

from territory import airflow_stack as stack

pytestmark = pytest.mark.slow

NIGHTS = [date(2026, 1, 5), date(2026, 1, 6)]
WAIT_SECONDS = 25 * 60
ASSIGNMENT = (
    "select run_date, master_client_id, territory_id, advisor_email, rule_type, rule_id "
    "from analytics.fct_client_assignment"
)


def territory(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(stack.BIN / "territory"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout


def assignments(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return sorted(conn.sql(ASSIGNMENT).fetchall(), key=lambda row: tuple(map(str, row)))


def states_by_run(api: stack.AirflowApi, dag_id: str) -> dict[str, dict[str, dict[str, Any]]]:
    runs = api.dag_runs(dag_id)
    return {
        run_id: {ti["task_id"]: ti for ti in api.task_instances(dag_id, run_id)}
        for run_id in (run["dag_run_id"] for run in runs)
    }


def assert_transform_run_by_design(run_id: str, tis: dict[str, dict[str, Any]]) -> None:
    """A run that built a night: every task succeeded, except `build_next_night` when its plan
    had no later night. A run whose plan was empty (another run already built the night it was
    queued for): `has_night_to_build` skipped everything after it."""
    state = {task_id: ti["state"] for task_id, ti in tis.items()}
    assert state["run_dates"] == "success", (run_id, state)
    assert state["has_night_to_build"] == "success", (run_id, state)
    rest = {t: s for t, s in state.items() if t not in ("run_dates", "has_night_to_build")}
    if set(rest.values()) == {"skipped"}:
        return
    bad = {t: s for t, s in rest.items() if s != "success" and t != "build_next_night"}
    assert not bad, (run_id, bad)
    assert state["build_next_night"] in {"success", "skipped"}, (run_id, state)


def rebuild_night(api: stack.AirflowApi, night: date, timeout: float) -> dict[str, Any]:
    """Trigger the transform for one night (`{"run_date": ...}`), wait for that run to end."""
    run_id = api.trigger("territory_transform", {"run_date": night.isoformat()})["dag_run_id"]

    def ended() -> dict[str, Any] | None:
        runs = {run["dag_run_id"]: run for run in api.dag_runs("territory_transform")}
        return runs[run_id] if runs[run_id]["state"] in ("success", "failed") else None

    run = stack.wait_until(f"transform run {run_id}", ended, timeout)
    tis = {ti["task_id"]: ti for ti in api.task_instances("territory_transform", run_id)}
    return {"run": run, "tis": tis}


def test_two_nights_under_a_real_scheduler_then_a_failed_task_is_cleared(
    small_nights: BuiltNights, tmp_path: Path, alert_webhook: tuple[str, list[dict]]
) -> None:
    began = time.monotonic()
    alert_url, alerts = alert_webhook
    source = stack.snapshot_sources(tmp_path / "src")
    # The first two nights of `small_inbox`; the oracle is `territory run` of them in order
    # (the suite's shared build, `small_nights`).
    inbox = tmp_path / "inbox"
    for night in NIGHTS:
        shutil.copytree(small_nights.inbox / night.isoformat(), inbox / night.isoformat())
    assert stack.inbox_nights(inbox) == NIGHTS == small_nights.nights[: len(NIGHTS)]
    expected = assignments(small_nights.homes[len(NIGHTS) - 1] / "warehouse.duckdb")

    # Night 2's clients export has not arrived yet.
    late = inbox / NIGHTS[1].isoformat() / "clients.csv"
    held_back = tmp_path / "clients.late.csv"
    shutil.move(late, held_back)

    home = tmp_path / "home"
    env = stack.stack_environment(
        home,
        inbox,
        NIGHTS[0],
        NIGHTS[-1],
        stack.free_port(),
        source_root=source,
        extra={
            "AIRFLOW_CONN_TERRITORY_ALERTS": alert_url,
            "TERRITORY_RETRIES": "1",  # one quick retry: the retry path runs, fast
            "TERRITORY_RETRY_DELAY_SECONDS": "2",
        },
    )
    for key in ("TERRITORY_INBOX", "TERRITORY_LAKE_ROOT", "TERRITORY_DUCKDB_PATH", "AIRFLOW_HOME"):
        assert Path(env[key]).is_absolute(), key
    try:
        api = stack.up_stack(home, env)  # manifest, db migrate, pool, 4 components, unpaused
        pools = {pool["name"]: pool["slots"] for pool in api.get("/pools")["pools"]}
        assert pools[stack.WAREHOUSE_POOL] == 1

        # THEN night 1 is built and night 2's ingest fails loudly, after its retry
        stack.wait_quiet(api, len(NIGHTS), WAIT_SECONDS - (time.monotonic() - began))
        ingest = states_by_run(api, "territory_ingest")
        runs = {run["logical_date"][:10]: run for run in api.dag_runs("territory_ingest")}
        assert {night: run["state"] for night, run in runs.items()} == {
            NIGHTS[0].isoformat(): "success",
            NIGHTS[1].isoformat(): "failed",
        }
        broken_run = runs[NIGHTS[1].isoformat()]["dag_run_id"]
        land = ingest[broken_run]["land.clients"]
        assert (land["state"], land["try_number"]) == ("failed", 2)
        assert ingest[broken_run]["publish_lake_partition"]["state"] == "upstream_failed"
        assert list(stack.built_nights(api)) == [NIGHTS[0].isoformat()]
        texts = [alert["text"] for alert in alerts]
        assert any("territory_ingest.land.clients failed (try 2)" in t for t in texts), texts
        assert any("DAG run territory_ingest failed" in t for t in texts), texts

        # WHEN the export arrives and the failed task is cleared through the REST API
        shutil.move(held_back, late)
        cleared = api.clear(
            "territory_ingest",
            broken_run,
            ["land.clients"],
            only_failed=False,
            include_downstream=True,
            reset_dag_runs=True,
        )
        assert {ti["task_id"] for ti in cleared["task_instances"]} == {
            "land.clients",
            "publish_lake_partition",
        }

        # THEN it succeeds, and night 2 flows through load and transform
        stack.wait_quiet(api, len(NIGHTS), WAIT_SECONDS - (time.monotonic() - began))
        land = states_by_run(api, "territory_ingest")[broken_run]["land.clients"]
        assert (land["state"], land["try_number"]) == ("success", 3)
        assert sorted(stack.built_nights(api)) == [night.isoformat() for night in NIGHTS]
        for dag_id in ("territory_ingest", "territory_load"):
            for run_id, tis in states_by_run(api, dag_id).items():
                bad = {t: ti["state"] for t, ti in tis.items() if ti["state"] != "success"}
                assert not bad, (dag_id, run_id, bad)
        for run_id, tis in states_by_run(api, "territory_transform").items():
            assert_transform_run_by_design(run_id, tis)
        for dag_id in stack.DAG_IDS:
            assert {run["state"] for run in api.dag_runs(dag_id)} == {"success"}, dag_id

        # WHEN night 2 is built again (a manual run) and one dbt model fails in the build
        warehouse = home / "warehouse.duckdb"
        with duckdb.connect(str(warehouse)) as conn:  # the stack is idle: no other writer
            conn.execute("alter table raw.territories rename to territories_gone")
        failed = rebuild_night(api, NIGHTS[1], WAIT_SECONDS - (time.monotonic() - began))
        # THEN the run fails at that model and below it, the rest is green, nothing is recorded
        assert failed["run"]["state"] == "failed"
        state = {task_id: ti["state"] for task_id, ti in failed["tis"].items()}
        assert state["dbt.stg_crm__territories.run"] == "failed"
        assert state["dbt.dim_territory.run"] == "failed"  # dbt skipped it: upstream failed
        assert state["dbt.fct_client_assignment.run"] == "failed"
        assert state["dbt.stg_crm__clients.run"] == state["dbt.stg_crm__clients.test"] == "success"
        assert state["dbt.dbt_producer_watcher"] == "failed"
        assert state["record_built"] == "upstream_failed"
        texts = [alert["text"] for alert in alerts]
        assert any("territory_transform.dbt.stg_crm__territories.run failed" in t for t in texts)

        # WHEN the table is back and the night is built by a new run: THEN it all succeeds
        with duckdb.connect(str(warehouse)) as conn:
            conn.execute("alter table raw.territories_gone rename to territories")
        rebuilt = rebuild_night(api, NIGHTS[1], WAIT_SECONDS - (time.monotonic() - began))
        assert rebuilt["run"]["state"] == "success"
        assert_transform_run_by_design(rebuilt["run"]["dag_run_id"], rebuilt["tis"])
    finally:
        stack.stop(home)
    assert not stack.running_components(home)

    # THEN both nights equal `territory run --all`, each with advisors and territories, and the
    # night ledger has nothing left to build
    assert assignments(warehouse) == expected
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        per_night = conn.sql(
            "select run_date, count(*), count(distinct territory_id), "
            "count(distinct advisor_email) from analytics.fct_client_assignment "
            "group by run_date order by run_date"
        ).fetchall()
        assert [row[0] for row in per_night] == NIGHTS
        assert all(rows > 0 and territories > 1 and advisors > 1 for _, rows, territories,
                   advisors in per_night), per_night  # fmt: skip
    stack_env = {k: v for k, v in env.items() if k.startswith(("TERRITORY_", "PYTHONPATH"))}
    plan = territory(stack_env, "transform", "--plan").strip().splitlines()[-1]
    assert json.loads(plan) == []
    print(f"scheduler end-to-end: {time.monotonic() - began:.0f} s")
