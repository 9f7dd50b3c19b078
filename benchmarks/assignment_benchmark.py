"""Territory assignment benchmark: `dbt build` wall time over generated CRMs of several sizes.

For each size: generate a one-day inbox, land and load every source into a fresh DuckDB (not
timed), then time (1) the whole `dbt build` (staging, de-duplication, assignment, tests,
snapshot) and (2) a rebuild of the assignment part only (`int_clients_tiered+`: tiers,
hierarchy, rules, resolution, advisor placement, star schema, conflicts, leadership views and
their tests) over the already de-duplicated clients. Prints wall times and row counts.

    python benchmarks/assignment_benchmark.py --sizes 10000,100000 [--work /tmp/assign-bench]
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb

RUN_DATE = date(2026, 1, 5)
ASSIGNMENT_PART = "int_clients_tiered+ int_clients_hierarchy_walked+ int_rules_activated+"


def prepare(work: Path, clients: int, seed: int) -> Path:
    """Generate and load one night; returns the DuckDB file."""
    from loaders.commands import load
    from loaders.generate import generate
    from loaders.lake import LocalLake

    home = work / f"size_{clients}"
    shutil.rmtree(home, ignore_errors=True)
    inbox = home / "inbox"
    generate(out=inbox, clients=clients, days=1, seed=seed, start_date=RUN_DATE)
    os.environ["TERRITORY_DUCKDB_PATH"] = str(home / "warehouse.duckdb")
    os.environ["TERRITORY_LAKE_ROOT"] = str(home / "lake")
    load(inbox, RUN_DATE, LocalLake(home / "lake"))
    return home / "warehouse.duckdb"


def timed_dbt(command: list[str], target_path: Path) -> float:
    from loaders.transform import run_dbt

    started = time.perf_counter()
    run_dbt([*command, "--target-path", str(target_path)], run_date=RUN_DATE)
    return time.perf_counter() - started


def row_counts(warehouse: Path) -> dict[str, int]:
    queries = {
        "raw client rows": "select count(*) from raw.clients",
        "master clients": "select count(*) from analytics.dim_client",
        "assignments": "select count(*) from analytics.fct_client_assignment",
        "unassigned": "select count(*) from analytics.fct_client_assignment "
        "where territory_id = 'UNASSIGNED'",
        "over capacity": "select count(*) from analytics.fct_client_assignment "
        "where advisor_assignment = 'over_capacity'",
        "conflicts": "select count(*) from analytics.rpt_assignment_conflicts",
    }
    with duckdb.connect(str(warehouse)) as conn:
        return {name: conn.execute(sql).fetchone()[0] for name, sql in queries.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated client counts")
    parser.add_argument("--work", type=Path, default=Path("/tmp/assign-bench"))
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

    print(f"{'clients':>10} {'full build s':>13} {'assignment s':>13}  row counts")
    for size in (int(part) for part in args.sizes.split(",")):
        warehouse = prepare(args.work, size, args.seed)
        target = args.work / f"size_{size}" / "target"
        full = timed_dbt(["build"], target)
        part = timed_dbt(["build", "--select", ASSIGNMENT_PART], target)
        counts = ", ".join(f"{name} {n:,}" for name, n in row_counts(warehouse).items())
        print(f"{size:>10,} {full:>13.1f} {part:>13.1f}  {counts}", flush=True)


if __name__ == "__main__":
    main()
