"""Benchmark (not a test): sanitize + land N client rows vs the bare Polars floor.

    .venv/bin/python benchmarks/loader_benchmark.py [--clients 1000000] [--work DIR] [--repeat 2]

Generates one night of N CRM records with `loaders.generate`, then times, in the same run and
on the same file:
  floor: `polars.read_csv(file).write_parquet(out)` (no checks, no lineage, no quarantine);
  land:  `loaders.pipeline.land_source` (read, snake-case headers, typed parse, required-field
         checks, quarantine with reasons, lineage, deterministic Parquet, atomic publish).
Prints rows/s for each and the ratio land/floor (target: within 2x). Best of --repeat runs.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from loaders.generate import generate
from loaders.lake import LocalLake
from loaders.pipeline import inbox_file, land_source
from loaders.settings import SOURCES

RUN_DATE = date(2026, 1, 5)


def best_of(repeat: int, action) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=2)
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
    floor = best_of(args.repeat, lambda: pl.read_csv(path).write_parquet(floor_out))
    rows = pl.scan_csv(path).select(pl.len()).collect().item()

    reports = []

    def land() -> None:
        lake = LocalLake(work / "lake")
        reports.append(land_source(inbox, source, RUN_DATE, lake, max_quarantine_rate=1.0))

    landed = best_of(args.repeat, land)
    report = reports[-1]
    print(f"file: {path} ({rows:,} rows, {size_mb:,.1f} MB)")
    print(f"floor  read_csv+write_parquet : {floor:6.2f}s  {rows / floor:>12,.0f} rows/s")
    print(f"land   sanitize+quarantine+lake: {landed:6.2f}s  {rows / landed:>12,.0f} rows/s")
    print(f"ratio  land / floor            : {landed / floor:6.2f}x  (target <= 2.00x)")
    print(
        f"counts read {report.rows_read:,} = landed {report.rows_landed:,} + quarantined "
        f"{report.rows_quarantined:,}: {report.reconciles}"
    )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
