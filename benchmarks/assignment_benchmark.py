"""Territory assignment benchmark: `dbt build` wall time over generated CRMs of several sizes.

For each size: generate a one-day inbox, land and load every source into a fresh DuckDB (not
timed), then time (1) the whole `dbt build` (staging, de-duplication, assignment, tests,
snapshot) and (2) a rebuild of the assignment part only (`int_clients_tiered+`: tiers,
hierarchy, rules, resolution, advisor placement, star schema, conflicts, leadership views and
their tests) over the already de-duplicated clients. Prints wall times, row counts and, from
dbt's run_results.json, the slowest nodes of each build (node seconds, not wall time: dbt runs
two threads). `--reuse` skips generation, loading and the full build when the size's warehouse
is already built, so the assignment part can be re-timed without re-running de-duplication.

    python benchmarks/assignment_benchmark.py --sizes 10000,100000 [--work /tmp/assign-bench]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb

RUN_DATE = date(2026, 1, 5)
ASSIGNMENT_PART = "int_clients_tiered+ int_clients_hierarchy_walked+ int_rules_activated+"


def size_config(work: Path, clients: int):
    """The configuration of one size's run: its own home (lake, warehouse, inbox)."""
    from territory.config import build_config

    home = work / f"size_{clients}"
    return build_config({"home": home, "inbox": home / "inbox"}, load_secrets=False)


def prepare(work: Path, clients: int, seed: int) -> Path:
    """Generate and load one night; returns the DuckDB file."""
    from territory.nightly.runner import load
    from territory.synthetic import generate

    config = size_config(work, clients)
    shutil.rmtree(config.home, ignore_errors=True)
    generate(out=config.inbox, clients=clients, days=1, seed=seed, start_date=RUN_DATE)
    load(config, RUN_DATE)
    return config.duckdb_path


def timed_dbt(config, command: list[str], target_path: Path) -> tuple[float, list[dict]]:
    """Wall seconds of one dbt invocation and its node results (name, type, seconds)."""
    from territory.nightly.dbt import run_dbt

    started = time.perf_counter()
    run_dbt([*command, "--target-path", str(target_path)], config, run_date=RUN_DATE)
    wall = time.perf_counter() - started
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    nodes = [
        {
            "id": result["unique_id"],
            "name": result["unique_id"].split(".")[-1],
            "type": result["unique_id"].split(".")[0],
            "seconds": result["execution_time"],
        }
        for result in results
    ]
    return wall, nodes


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


def print_profile(title: str, nodes: list[dict], top: int) -> None:
    by_type: dict[str, float] = {}
    for node in nodes:
        by_type[node["type"]] = by_type.get(node["type"], 0.0) + node["seconds"]
    totals = ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in sorted(by_type.items()))
    print(f"  {title}: {len(nodes)} nodes, node seconds by type: {totals}")
    for node in sorted(nodes, key=lambda node: -node["seconds"])[:top]:
        print(f"    {node['seconds']:8.2f}  {node['type']:<9} {node['name']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated client counts")
    parser.add_argument("--work", type=Path, default=Path("/tmp/assign-bench"))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--top", type=int, default=12, help="slowest nodes listed per build")
    parser.add_argument(
        "--reuse", action="store_true", help="keep an already built warehouse of the size"
    )
    args = parser.parse_args()

    summary = []
    for size in (int(part) for part in args.sizes.split(",")):
        config = size_config(args.work, size)
        home, warehouse = config.home, config.duckdb_path
        full = None
        if not (args.reuse and warehouse.exists()):
            prepare(args.work, size, args.seed)
            full, full_nodes = timed_dbt(config, ["build"], home / "target_full")
        part, part_nodes = timed_dbt(
            config, ["build", "--select", ASSIGNMENT_PART], home / "target_part"
        )
        print(f"\n{size:,} clients", flush=True)
        if full is not None:
            assignment_ids = {node["id"] for node in part_nodes}
            in_part = sum(n["seconds"] for n in full_nodes if n["id"] in assignment_ids)
            rest = sum(n["seconds"] for n in full_nodes if n["id"] not in assignment_ids)
            print(
                f"  full build {full:.1f} s wall; node seconds: assignment part {in_part:.1f}, "
                f"staging + de-duplication + rest {rest:.1f}"
            )
            print_profile("full build", full_nodes, args.top)
        print(f"  assignment part rebuilt alone: {part:.1f} s wall")
        print_profile("assignment part", part_nodes, args.top)
        counts = row_counts(warehouse)
        print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()), flush=True)
        summary.append((size, full, part, counts))

    print(f"\n{'clients':>10} {'full build s':>13} {'assignment s':>13}  row counts")
    for size, full, part, counts in summary:
        full_text = f"{full:.1f}" if full is not None else "(reused)"
        text = ", ".join(f"{name} {n:,}" for name, n in counts.items())
        print(f"{size:>10,} {full_text:>13} {part:>13.1f}  {text}")


if __name__ == "__main__":
    main()
