"""Benchmark (not a test): sanitize + land N client rows vs the bare Polars floor.

    .venv/bin/python benchmarks/loader_benchmark.py [--clients 1000000] [--work DIR] [--repeat 5]

Generates one night of N CRM records with `territory.synthetic`, then times, in the same run and
on the same file:
  floor: `polars.read_csv(file).write_parquet(out)` (no checks, no lineage, no quarantine);
  land:  `loaders.pipeline.land_source` (read, snake-case headers, typed parse,
         required-field checks, quarantine with reasons, lineage, deterministic Parquet, atomic
         publish).
Runs --repeat rounds, each timing the floor and the land back to back (alternating which goes
first), so both see the same machine load; prints each round's ratio land/floor (target: within
2x), their median and spread, and rows/s of the median round.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from loaders.lake import LocalLake
from loaders.pipeline import inbox_file, land_source
from loaders.sources import SOURCES
from territory.synthetic import generate

RUN_DATE = date(2026, 1, 5)


def timed(action) -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds (all threads) of one call."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="territory-bench-"))
    inbox = work / "inbox"
    source = SOURCES["clients"]
    path = inbox_file(inbox, source, RUN_DATE)
    if not path.is_file():
        started = time.perf_counter()
        generate(out=inbox, clients=args.clients, days=1, seed=1, start_date=RUN_DATE)
        print(f"generated {path} in {time.perf_counter() - started:.1f}s")
    size_mb = path.stat().st_size / 1e6

    floor_out = work / "floor.parquet"
    rows = pl.scan_csv(path).select(pl.len()).collect().item()
    reports = []

    def floor() -> None:
        pl.read_csv(path).write_parquet(floor_out)

    def land() -> None:
        lake = LocalLake(work / "lake")
        reports.append(land_source(inbox, source, RUN_DATE, lake, max_quarantine_rate=1.0))

    print(f"file: {path} ({rows:,} rows, {size_mb:,.1f} MB)")
    rounds = []  # ((floor wall, cpu), (land wall, cpu))
    for number in range(1, args.repeat + 1):
        # Alternate which goes first, so neither always inherits the other's warm caches.
        if number % 2:
            floor_t = timed(floor)
            land_t = timed(land)
        else:
            land_t = timed(land)
            floor_t = timed(floor)
        rounds.append((floor_t, land_t))
        print(
            f"round {number}: floor {floor_t[0]:6.2f}s  land {land_t[0]:6.2f}s  "
            f"{land_t[0] / floor_t[0]:5.2f}x  (CPU {land_t[1] / floor_t[1]:4.2f}x)"
        )
    # CPU time barely depends on what else the machine runs: a check on the wall ratio.
    ratios = sorted(land[0] / floor[0] for floor, land in rounds)
    cpu_ratios = sorted(land[1] / floor[1] for floor, land in rounds)
    (floor_s, _), (land_s, _) = sorted(rounds, key=lambda pair: pair[1][0] / pair[0][0])[
        len(rounds) // 2
    ]
    report = reports[-1]
    print(f"floor  read_csv+write_parquet : {floor_s:6.2f}s  {rows / floor_s:>12,.0f} rows/s")
    print(f"land   sanitize+quarantine+lake: {land_s:6.2f}s  {rows / land_s:>12,.0f} rows/s")
    print(
        f"ratio  land / floor            : {statistics.median(ratios):6.2f}x median of "
        f"{len(ratios)} rounds (min {ratios[0]:.2f}x, max {ratios[-1]:.2f}x; target <= 2.00x)"
    )
    print(
        f"CPU    land / floor            : {statistics.median(cpu_ratios):6.2f}x median "
        f"(min {cpu_ratios[0]:.2f}x, max {cpu_ratios[-1]:.2f}x)"
    )
    print(
        f"counts read {report.rows_read:,} = landed {report.rows_landed:,} + quarantined "
        f"{report.rows_quarantined:,}: {report.reconciles}"
    )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
