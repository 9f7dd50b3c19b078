"""The transform DAG under a real Airflow scheduler, per Cosmos execution mode, against the dbt
step of `territory run` on the same inbox (part of `make bench`).

For each size: a 2-night inbox (cached in --work); the baseline loads and builds it night by
night with the CLI (`territory load`, then the timed `territory transform --date D`, the dbt step
of `territory run`); then for each mode a fresh stack (`territory/airflow_stack.py`: scheduler,
DAG processor, triggerer, API server, LocalExecutor) runs the three DAGs over the inbox with
`TERRITORY_DBT_EXECUTION_MODE=<mode>`, and the wall time of each transform run that built a
night (its start to its end, as the REST API reports them) is compared with the baseline.
Writes benchmarks/results/airflow_latest.{md,json}.

    python benchmarks/airflow_benchmark.py --clients 2000 --modes watcher,local_subprocess
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from territory import airflow_stack as stack

ROOT = Path(__file__).resolve().parent.parent

MODES = ("watcher", "local_dbt_runner", "local_subprocess")
RESULTS = ROOT / "benchmarks" / "results"
START = date(2026, 1, 5)


def territory(env: dict[str, str], *args: str) -> float:
    """Run the CLI, return its wall time; raise with its output on failure."""
    began = time.perf_counter()
    done = subprocess.run(
        [str(stack.BIN / "territory"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"territory {' '.join(args)}:\n{(done.stdout + done.stderr)[-3000:]}")
    return time.perf_counter() - began


def inbox_for(work: Path, clients: int) -> Path:
    inbox = work / f"airflow-inbox-{clients}"
    if not (inbox / "2026-01-06").is_dir():
        territory({}, "generate", "--out", str(inbox), "--clients", str(clients), "--days", "2")
    return inbox


def baseline(work: Path, source: Path, inbox: Path) -> dict[str, float]:
    """Seconds of `territory transform --date D` (the dbt step of `territory run`) per night."""
    home = work / "baseline"
    env = {
        "PYTHONPATH": str(source),
        "TERRITORY_HOME": str(home),
        "TERRITORY_LAKE_ROOT": str(home / "lake"),
        "TERRITORY_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    seconds = {}
    for night in stack.inbox_nights(inbox):
        territory(env, "load", "--inbox", str(inbox), "--date", night.isoformat())
        seconds[night.isoformat()] = territory(env, "transform", "--date", night.isoformat())
    return seconds


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def timeline(run: dict[str, Any], tis: list[dict[str, Any]]) -> list[dict[str, Any]]:
    began = _at(run["start_date"])

    def offset(ti: dict[str, Any], field: str) -> float | None:
        return round((_at(ti[field]) - began).total_seconds(), 1) if ti.get(field) else None

    rows = [
        {
            "task": ti["task_id"],
            "state": ti["state"],
            "queued": offset(ti, "queued_when"),
            "start": offset(ti, "start_date"),
            "end": offset(ti, "end_date"),
        }
        for ti in tis
    ]
    return sorted(rows, key=lambda row: (row["start"] is None, row["start"] or 0))


def under_scheduler(
    work: Path, source: Path, inbox: Path, mode: str, timeout: float, nights_to_run: int
) -> dict[str, Any]:
    """Run the inbox's first `nights_to_run` nights through a fresh stack in `mode`; per built
    night, the transform run's wall time and its tasks' states."""
    home = work / f"stack-{mode}"
    nights = stack.inbox_nights(inbox)[:nights_to_run]
    env = stack.stack_environment(
        home,
        inbox,
        nights[0],
        nights[-1],
        stack.free_port(),
        source_root=source,
        extra={"TERRITORY_DBT_EXECUTION_MODE": mode, "TERRITORY_RETRY_DELAY_SECONDS": "10"},
    )
    began = time.perf_counter()
    try:
        api = stack.up_stack(home, env)
        stack.wait_quiet(api, len(nights), timeout)
        total = time.perf_counter() - began
        per_night: dict[str, Any] = {}
        for night, run in sorted(stack.built_nights(api).items()):
            tis = api.task_instances("territory_transform", run["dag_run_id"])
            states: dict[str, int] = {}
            for ti in tis:
                states[str(ti["state"])] = states.get(str(ti["state"]), 0) + 1
            dbt = [ti for ti in tis if ti["task_id"].startswith("dbt.") and ti["start_date"]]
            per_night[night] = {
                "run_seconds": (_at(run["end_date"]) - _at(run["start_date"])).total_seconds(),
                "dbt_seconds": (
                    max(_at(ti["end_date"]) for ti in dbt)
                    - min(_at(ti["start_date"]) for ti in dbt)
                ).total_seconds()
                if dbt
                else None,
                "tasks": len(tis),
                "states": states,
                # Per task, seconds from the run's start: when queued, started, ended (where the
                # run's time goes: task start-up, scheduling gaps, the longest chain).
                "timeline": timeline(run, tis),
                "state": run["state"],
            }
        return {"nights": per_night, "stack_seconds": total}
    finally:
        stack.stop(home)


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "| mode | clients | night | transform run (s) | dbt tasks span (s) | tasks | "
        "`territory transform` (s) | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for mode, outcome in result["modes"].items():
            if "error" in outcome:
                lines.append(
                    f"| {mode} | {result['clients']:,} | - | failed: "
                    f"{outcome['error'][:80]} | | | | |"
                )
                continue
            for night, figures in outcome["nights"].items():
                base = result["baseline"][night]
                lines.append(
                    f"| {mode} | {result['clients']:,} | {night} | {figures['run_seconds']:.0f} "
                    f"| {figures['dbt_seconds'] or 0:.0f} | {figures['tasks']} | {base:.1f} "
                    f"| {figures['run_seconds'] / base:.1f}x |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="2000", help="comma-separated sizes")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--work", type=Path, default=Path("/tmp/territory-bench"))
    parser.add_argument("--timeout", type=float, default=3600, help="per mode, seconds")
    parser.add_argument("--output", default="airflow_latest", help="results file name")
    parser.add_argument("--nights", type=int, default=2, help="nights run under the scheduler")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for clients in [int(size) for size in args.clients.split(",")]:
        run_work = work / f"airflow-{clients}-{int(time.time())}"
        source = stack.snapshot_sources(run_work / "src")
        inbox = inbox_for(work, clients)
        print(f"== {clients:,} clients: `territory transform` per night", flush=True)
        result: dict[str, Any] = {"clients": clients, "baseline": baseline(run_work, source, inbox)}
        print(f"   {result['baseline']}", flush=True)
        result["modes"] = {}
        for mode in args.modes.split(","):
            print(f"== {clients:,} clients: {mode} under the scheduler", flush=True)
            try:
                result["modes"][mode] = under_scheduler(
                    run_work, source, inbox, mode, args.timeout, args.nights
                )
            except Exception as error:  # record it and go on with the other modes
                result["modes"][mode] = {"error": str(error)}
            print(f"   {json.dumps(result['modes'][mode])}", flush=True)
        results.append(result)
    table = render(results)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = args.output
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2))
    (RESULTS / f"{name}.md").write_text(
        "# Transform DAG under a real scheduler vs `territory transform`\n\n" + table + "\n"
    )
    failed = any("error" in outcome for r in results for outcome in r["modes"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
