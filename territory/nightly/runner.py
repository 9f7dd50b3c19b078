"""The nightly job over the pipeline steps: land and load a night, then build nights by the
replay rule. `territory load | transform | run`, Slim CI's production build and the tests
call these; Airflow tasks call the same commands through the CLI, in child processes (a DAG
file holds no loading logic, and a task's failure is the command's exit status)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date

from loaders.lake import Lake
from loaders.pipeline import SourceReport, land_source, load_source, select_sources
from loaders.sources import Source
from loaders.warehouse import Warehouse
from territory.config import Config
from territory.nightly import dbt, freshness, replay, summary

log = logging.getLogger("territory")


def load(
    config: Config,
    run_date: date,
    sources: Sequence[Source] | None = None,
    step: str = "all",
    lake: Lake | None = None,
    warehouse: Warehouse | None = None,
) -> list[SourceReport]:
    """Land and/or load the given sources (all by default) of `config.inbox` for one night."""
    chosen = list(sources) if sources else select_sources(None)
    inbox = config.require_inbox() if step in ("land", "all") else None
    lake = lake or config.open_lake()
    reports: dict[str, SourceReport] = {}
    if inbox is not None:
        for number, source in enumerate(chosen, 1):
            log.debug("[%d/%d] landing %s for %s", number, len(chosen), source.name, run_date)
            reports[source.name] = land_source(
                inbox,
                source,
                run_date,
                lake,
                max_quarantine_rate=config.max_quarantine_rate,
                allow_missing_columns=config.allow_missing_columns,
            )
    if step in ("warehouse", "all"):
        owned = warehouse is None
        warehouse = warehouse or config.open_warehouse()
        try:
            for number, source in enumerate(chosen, 1):
                log.debug(
                    "[%d/%d] loading raw.%s (%s)", number, len(chosen), source.name, config.target
                )
                loaded = load_source(source, run_date, lake, warehouse)
                if source.name in reports:
                    loaded.quarantine_reasons = reports[source.name].quarantine_reasons
                reports[source.name] = loaded
            replay.record_loaded(warehouse, run_date)  # the night's build is now stale
        finally:
            if owned:
                warehouse.close()
    return list(reports.values())


def print_load_reports(reports: Sequence[SourceReport], run_date: date) -> None:
    print(f"\n== load {run_date} ==")
    for report in reports:
        print("  " + report.line())
        for reason, count in report.quarantine_reasons.items():
            print(f"      quarantined {count:>6,} x {reason}")


def run_nightly(config: Config, dates: Sequence[date], verbose: bool = False) -> replay.Plan:
    """The nightly job: load every source of each date (oldest first), then build every night
    from the earliest one loaded onward, in date order (the replay rule)."""
    lake = config.open_lake()
    for run_date in sorted(dates):
        print_load_reports(load(config, run_date, lake=lake), run_date)
    return build_nights(config, dates, verbose=verbose)


def build_nights(
    config: Config,
    requested: Sequence[date] = (),
    select: str | None = None,
    print_summary: bool = True,
    verbose: bool = False,
) -> replay.Plan:
    """`dbt build` of the requested nights and of every later night already known, in order,
    so each sees the previous night it would have seen in an in-order run. With nothing
    requested: the nights loaded since their last build (else the newest night again)."""
    with config.open_warehouse() as warehouse:
        nights = replay.plan(warehouse, requested)
        if not nights.dates and not requested:
            newest = [night.run_date for night in replay.nights(warehouse)][-1:]
            if not newest:
                raise replay.ReplayError("nothing loaded yet: run `territory load` first")
            nights = replay.Plan(dates=newest, replayed=newest)
    print(f"\n== {nights.describe()} ==")
    for run_date in nights.dates:
        try:
            dbt.build(run_date, config, select=select, verbose=verbose)
        except dbt.TransformError as error:
            with config.open_warehouse() as warehouse:
                raise freshness.explain_failure(warehouse, run_date, error) from error
        with config.open_warehouse() as warehouse:
            if select is None:  # a partial build leaves the night as stale as it was
                replay.record_built(warehouse, run_date)
            if print_summary and config.target == "duckdb":
                # the newest night of the build in full, the ones before it in a line each
                newest = run_date == nights.dates[-1]
                print((summary.render if newest else summary.line)(warehouse, run_date))
    return nights


def plan_json(config: Config, requested: Sequence[date] = ()) -> str:
    """The nights `build_nights` would build, as a JSON list (the Airflow transform DAG)."""
    with config.open_warehouse() as warehouse:
        nights = replay.plan(warehouse, requested)
    log.info("%s", nights.describe())
    return json.dumps([day.isoformat() for day in nights.dates])


def record_built(config: Config, run_date: date) -> list[freshness.Finding]:
    """Record that a night was built (the Airflow transform DAG, after its dbt tasks); the
    night's stale-export warnings, for the DAG's alert."""
    with config.open_warehouse() as warehouse:
        replay.record_built(warehouse, run_date)
        return freshness.findings(warehouse, run_date)
