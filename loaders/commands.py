"""What each `territory` sub-command does, over the pipeline steps."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path

from loaders import replay
from loaders.lake import Lake, S3Lake, open_lake
from loaders.pipeline import SourceReport, land_source, load_source, select_sources
from loaders.settings import (
    DEFAULT_MAX_QUARANTINE_RATE,
    Source,
    default_duckdb_path,
    default_state_dir,
)
from loaders.warehouse import Warehouse, open_warehouse

log = logging.getLogger("territory")


def load(
    inbox: Path,
    run_date: date,
    lake: Lake,
    target: str = "duckdb",
    sources: Sequence[Source] | None = None,
    step: str = "all",
    max_quarantine_rate: float = DEFAULT_MAX_QUARANTINE_RATE,
    warehouse: Warehouse | None = None,
    allow_missing_columns: Collection[str] = (),
) -> list[SourceReport]:
    """Land and/or load the given sources (all by default) for one run date."""
    chosen = list(sources) if sources else select_sources(None)
    reports: dict[str, SourceReport] = {}
    if step in ("land", "all"):
        for number, source in enumerate(chosen, 1):
            log.debug("[%d/%d] landing %s for %s", number, len(chosen), source.name, run_date)
            reports[source.name] = land_source(
                inbox,
                source,
                run_date,
                lake,
                max_quarantine_rate=max_quarantine_rate,
                allow_missing_columns=allow_missing_columns,
            )
    if step in ("warehouse", "all"):
        owned = warehouse is None
        warehouse = warehouse or open_warehouse(target, **_warehouse_options(target, lake))
        try:
            for number, source in enumerate(chosen, 1):
                log.debug("[%d/%d] loading raw.%s (%s)", number, len(chosen), source.name, target)
                loaded = load_source(source, run_date, lake, warehouse)
                if source.name in reports:
                    loaded.quarantine_reasons = reports[source.name].quarantine_reasons
                reports[source.name] = loaded
            replay.record_loaded(warehouse, run_date)  # the night's build is now stale
        finally:
            if owned:
                warehouse.close()
    return list(reports.values())


def _warehouse_options(target: str, lake: Lake | None = None) -> dict[str, object]:
    """DuckDB reads an S3 lake through s3fs (no httpfs extension download needed)."""
    if target == "duckdb" and isinstance(lake, S3Lake):
        import s3fs

        return {"filesystem": s3fs.S3FileSystem(endpoint_url=lake.endpoint_url)}
    return {"emulated": True} if target == "snowflake_emulated" else {}


def print_load_reports(reports: Sequence[SourceReport], run_date: date) -> None:
    print(f"\n== load {run_date} ==")
    for report in reports:
        print("  " + report.line())
        for reason, count in report.quarantine_reasons.items():
            print(f"      quarantined {count:>6,} x {reason}")


def run_nightly(
    inbox: Path,
    dates: Sequence[date],
    lake: Lake,
    target: str = "duckdb",
    max_quarantine_rate: float = DEFAULT_MAX_QUARANTINE_RATE,
    verbose: bool = False,
    allow_missing_columns: Collection[str] = (),
) -> replay.Plan:
    """The nightly job: load every source of each date (oldest first), then build every night
    from the earliest one loaded onward, in date order (the replay rule)."""
    for run_date in sorted(dates):
        reports = load(
            inbox,
            run_date,
            lake,
            target,
            max_quarantine_rate=max_quarantine_rate,
            allow_missing_columns=allow_missing_columns,
        )
        print_load_reports(reports, run_date)
    return build_nights(dates, target, verbose=verbose)


def build_nights(
    requested: Sequence[date] = (),
    target: str = "duckdb",
    select: str | None = None,
    print_summary: bool = True,
    verbose: bool = False,
) -> replay.Plan:
    """`dbt build` of the requested nights and of every later night already known, in order,
    so each sees the previous night it would have seen in an in-order run. With nothing
    requested: the nights loaded since their last build (else the newest night again)."""
    from loaders import summary, transform

    with open_warehouse(target, **_warehouse_options(target)) as warehouse:
        nights = replay.plan(warehouse, requested)
        if not nights.dates and not requested:
            newest = [night.run_date for night in replay.nights(warehouse)][-1:]
            if not newest:
                raise replay.ReplayError("nothing loaded yet: run `territory load` first")
            nights = replay.Plan(dates=newest, replayed=newest)
    print(f"\n== {nights.describe()} ==")
    for run_date in nights.dates:
        transform.build(run_date, target=target, select=select, verbose=verbose)
        with open_warehouse(target, **_warehouse_options(target)) as warehouse:
            if select is None:  # a partial build leaves the night as stale as it was
                replay.record_built(warehouse, run_date)
            if print_summary and target == "duckdb":
                print(summary.render(warehouse, run_date))
    return nights


def _transform(args: argparse.Namespace) -> int:
    """`territory transform`: build by the replay rule, or (Airflow) print the plan / record a
    night its dbt task group built."""
    import json

    if args.plan or args.record_built:
        with open_warehouse(args.target, **_warehouse_options(args.target)) as warehouse:
            if args.record_built:
                replay.record_built(warehouse, args.record_built)
                return 0
            nights = replay.plan(warehouse, args.date or ())
        print(json.dumps([day.isoformat() for day in nights.dates]))
        log.info("%s", nights.describe())
        return 0
    build_nights(
        args.date or (),
        target=args.target,
        select=args.select,
        print_summary=False,
        verbose=args.verbose,
    )
    return 0


def dispatch(args: argparse.Namespace) -> int:
    from loaders.secrets import load_into_environ

    load_into_environ()  # TERRITORY_SECRET_IDS set: credentials from Secrets Manager; env wins
    if args.command == "generate":
        from loaders.generate import generate

        report = generate(
            out=args.out,
            clients=args.clients,
            days=args.days,
            seed=args.seed,
            start_date=args.start_date,
            bad_rows_rate=args.bad_rows_rate,
        )
        print(report.summary())
        return 0
    if args.command == "contract":
        from loaders import contract

        if args.check:
            if contract.SOURCES_YAML.read_text() != contract.sources_yaml():
                raise ValueError(f"{contract.SOURCES_YAML} is stale: run `territory contract`")
            return 0
        print("\n".join(contract.write()))
        return 0
    if args.command == "manifest":  # dbt alone: no lake or warehouse to open
        from loaders.transform import compile_manifest

        print(compile_manifest(args.target_path, target=args.target))
        return 0
    if args.command == "load":
        reports = load(
            args.inbox,
            args.date,
            open_lake(args.lake_root),
            args.target,
            sources=select_sources(args.source),
            step=args.step,
            max_quarantine_rate=args.max_quarantine_rate,
            allow_missing_columns=args.allow_missing_columns,
        )
        print_load_reports(reports, args.date)
        return 0
    if args.command == "transform":
        return _transform(args)
    if args.command == "run":
        from loaders.cli import inbox_dates

        dates = inbox_dates(args.inbox) if args.all else sorted(set(args.date))
        run_nightly(
            args.inbox,
            dates,
            open_lake(args.lake_root),
            args.target,
            args.max_quarantine_rate,
            verbose=args.verbose,
            allow_missing_columns=args.allow_missing_columns,
        )
        return 0
    if args.command == "slim-ci":
        from loaders.slim_ci import slim_ci

        if not (args.base or args.state):
            raise ValueError("slim-ci needs --base REF or --state DIR")
        slim_ci(  # prints the markdown report
            repo=args.repo,
            base=args.base,
            state=args.state,
            inbox=args.inbox,
            prod_duckdb=args.prod_duckdb,
            run_date=args.date,
            target=args.target,
            work=args.work,
            report=args.report,
        )
        return 0
    if args.command == "serve":
        from territory.console.app import ConsoleConfig
        from territory.console.server import serve

        config = ConsoleConfig(
            target=args.target,
            duckdb_path=Path(default_duckdb_path()),
            state_dir=default_state_dir() / "console",
            inbox=args.inbox,
            steward=args.steward,
        )
        return serve(config, host=args.host, port=args.port)
    if args.command == "snowflake-setup":
        from loaders import snowflake_setup

        report = snowflake_setup.run(
            scripts_dir=args.scripts_dir or snowflake_setup.SCRIPTS_DIR,
            only=args.only,
            overrides=snowflake_setup.parse_var_options(args.var),
            dry_run=args.dry_run,
        )
        if not args.dry_run:
            print(report.summary())
        return 0
    raise ValueError(f"unknown command {args.command}")
