"""DAG-folder parse time: Cosmos `LoadMode.DBT_MANIFEST` (the default) versus `LoadMode.DBT_LS`.

Each sample is a fresh Python process that parses `dags/` with Airflow's `BundleDagBag` (what
the DAG processor does); the time printed is the parse alone, interpreter start excluded.
Cosmos' dbt-ls cache is off so every DBT_LS parse really runs `dbt ls`.

    .venv/bin/python benchmarks/dag_parse_benchmark.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"
PROBE = """
import json, sys, time
started = time.perf_counter()
from airflow.dag_processing.dagbag import BundleDagBag
bag = BundleDagBag(dag_folder=sys.argv[1], bundle_path=sys.argv[1], bundle_name="dags-folder")
elapsed = time.perf_counter() - started
tasks = sum(len(dag.tasks) for dag in bag.dags.values())
print(json.dumps({"seconds": elapsed, "dags": len(bag.dags), "tasks": tasks,
                  "errors": len(bag.import_errors)}))
"""


def compile_manifest(target_path: Path) -> Path:
    """`territory manifest` into `target_path`, in its own process: dbt in-process would leave
    its target in this process's environment, which the parse probes inherit."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "territory"),
            "manifest",
            "--target-path",
            str(target_path),
        ],
        stdout=subprocess.PIPE,  # the manifest's path; dbt's errors go to stderr as they come
        text=True,
        check=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])


def parse_once(mode: str, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAGS)],
        env={**env, "TERRITORY_DBT_LOAD_MODE": mode},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per load mode")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="territory-parse-bench-"))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(work / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{work / 'airflow.db'}",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(work / "cosmos"),
        "TERRITORY_DBT_MANIFEST": str(compile_manifest(work / "target")),
        "TERRITORY_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    modes = ["dbt_manifest", "dbt_ls"]
    samples: dict[str, list[dict]] = {mode: [] for mode in modes}
    for _ in range(args.runs):
        for mode in modes:  # interleaved, so both modes see the same machine load
            samples[mode].append(parse_once(mode, env))
    print(f"\nDAG folder parse time ({args.runs} fresh processes per mode, dags/: 3 DAGs)")
    print(f"{'load mode':<14} {'median s':>9} {'min s':>7} {'max s':>7} {'tasks':>6} {'errors':>6}")
    for mode in modes:
        seconds = [sample["seconds"] for sample in samples[mode]]
        last = samples[mode][-1]
        print(
            f"{mode:<14} {statistics.median(seconds):>9.2f} {min(seconds):>7.2f} "
            f"{max(seconds):>7.2f} {last['tasks']:>6} {last['errors']:>6}"
        )
    ratio = statistics.median(s["seconds"] for s in samples["dbt_ls"]) / statistics.median(
        s["seconds"] for s in samples["dbt_manifest"]
    )
    print(f"dbt_ls / dbt_manifest: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
