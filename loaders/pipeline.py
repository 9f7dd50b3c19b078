"""The nightly job's steps: land (sanitize -> lake), load (lake -> raw tables), transform (dbt).

`territory run`, the Airflow DAGs and the tests all call these functions, so they can never
disagree about what a night does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from loaders.lake import DATA_FILE, QUARANTINE_FILE, REPORT_FILE, Lake, partition_key
from loaders.sanitize import SourceError, sanitize
from loaders.settings import DEFAULT_MAX_QUARANTINE_RATE, SOURCES, Source
from loaders.warehouse import Warehouse

log = logging.getLogger("territory")


@dataclass
class SourceReport:
    """What one source did on one run date. Counts reconcile: read = landed + quarantined."""

    source: str
    run_date: str
    file: str
    status: str = "pending"  # landed | absent | loaded | failed
    rows_read: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    rows_loaded: int | None = None
    standing_partition: str | None = None  # static sources: the version in force that night
    dropped_columns: list[str] = field(default_factory=list)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_landed + self.rows_quarantined

    def line(self) -> str:
        loaded = "-" if self.rows_loaded is None else f"{self.rows_loaded:,}"
        standing = f" (standing: {self.standing_partition})" if self.status == "absent" else ""
        return (
            f"{self.source:<12} {self.status:<8} read {self.rows_read:>10,}  "
            f"landed {self.rows_landed:>10,}  quarantined {self.rows_quarantined:>7,}  "
            f"loaded {loaded:>10}{standing}"
        )


def logical_time(run_date: date) -> datetime:
    """The run's logical time (UTC midnight of the run date): lineage never reads the clock,
    so re-running a date produces identical bytes."""
    return datetime.combine(run_date, time(0, 0), tzinfo=UTC)


def inbox_file(inbox: Path, source: Source, run_date: date) -> Path:
    return Path(inbox) / run_date.isoformat() / source.file


def select_sources(names: Iterable[str] | None) -> list[Source]:
    if not names:
        return list(SOURCES.values())
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise SourceError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    return [SOURCES[name] for name in names]


def land_source(
    inbox: Path,
    source: Source,
    run_date: date,
    lake: Lake,
    max_quarantine_rate: float = DEFAULT_MAX_QUARANTINE_RATE,
    load_time: datetime | None = None,
) -> SourceReport:
    """Sanitize one inbox file and publish `<table>/YYYY/MM/DD/data.parquet` + quarantine."""
    path = inbox_file(inbox, source, run_date)
    report = SourceReport(source.name, run_date.isoformat(), str(path))
    if not path.is_file():
        if source.cadence == "daily":
            raise SourceError(f"{path}: required {source.cadence} file is missing")
        standing = lake.latest_partition(source.name, run_date)
        if standing is None and source.required_file:
            raise SourceError(
                f"{path}: missing, and no earlier {source.name} partition stands in the lake"
            )
        report.status = "absent"
        report.standing_partition = standing.isoformat() if standing else None
        log.info("%s: no file for %s; standing partition %s", source.name, run_date, standing)
        return report

    try:
        result = sanitize(
            path,  # Polars maps the file: no copy of it in memory
            source,
            run_date=run_date,
            load_time=load_time or logical_time(run_date),
            source_file=f"{run_date.isoformat()}/{source.file}",
        )
    except SourceError as error:
        # The sanitizer knows the file's name; the operator needs its full path.
        raise SourceError(str(error).replace(f"{source.file}:", f"{path}:", 1)) from error
    report.rows_read = result.rows_read
    report.rows_landed = result.rows_landed
    report.rows_quarantined = result.rows_quarantined
    report.dropped_columns = list(result.dropped_columns)
    if result.rows_quarantined:
        reasons = result.quarantine.get_column("_reject_reason").str.replace_all(r": '.*?'", "")
        report.quarantine_reasons = dict(sorted(reasons.value_counts().iter_rows()))
    if not report.reconciles:  # a bug, never a data problem: refuse to publish
        raise SourceError(f"{path}: counts do not reconcile: {report}")
    if source.cadence == "daily" and result.rows_read == 0:
        raise SourceError(f"{path}: file has a header but no rows")

    # Quarantine first and always (an empty file when clean), so a re-run replaces a stale one.
    lake.write_parquet(partition_key(source.name, run_date, QUARANTINE_FILE), result.quarantine)
    rate = result.rows_quarantined / result.rows_read if result.rows_read else 0.0
    if rate > max_quarantine_rate:
        raise SourceError(
            f"{path}: {result.rows_quarantined:,} of {result.rows_read:,} rows quarantined "
            f"({rate:.1%}) exceeds the ceiling of {max_quarantine_rate:.1%}; see "
            f"{lake.uri(partition_key(source.name, run_date, QUARANTINE_FILE))}"
        )
    lake.write_parquet(partition_key(source.name, run_date, DATA_FILE), result.rows)
    report.status = "landed"
    report.standing_partition = run_date.isoformat()
    lake.put(
        partition_key(source.name, run_date, REPORT_FILE),
        json.dumps(asdict(report), indent=2, sort_keys=True).encode(),
    )
    log.info("%s", report.line())
    return report


def read_land_report(source: Source, run_date: date, lake: Lake) -> SourceReport | None:
    key = partition_key(source.name, run_date, REPORT_FILE)
    if not lake.exists(key):
        return None
    return SourceReport(**json.loads(lake.get(key)))


def load_source(source: Source, run_date: date, lake: Lake, warehouse: Warehouse) -> SourceReport:
    """Load the landed partition(s) into `raw.<source>` and check counts against the report."""
    try:
        return _load_source(source, run_date, lake, warehouse)
    except SourceError:
        raise
    except Exception as error:
        # Any driver's error (DuckDB, Snowflake, S3): the raw table is as it was; say which load.
        raise SourceError(
            f"{source.name} {run_date}: warehouse load into {warehouse.dialect} failed, raw table "
            f"left as it was: {type(error).__name__}: {error}"
        ) from error


def _load_source(source: Source, run_date: date, lake: Lake, warehouse: Warehouse) -> SourceReport:
    report = read_land_report(source, run_date, lake)
    if source.cadence == "daily":
        if report is None:
            raise SourceError(
                f"{source.name}: nothing landed for {run_date}; run the land step first"
            )
        loaded = warehouse.load_daily(
            source, run_date, lake.uri(partition_key(source.name, run_date, DATA_FILE))
        )
        # The batch collapses repeated natural keys, so loaded <= landed; never more.
        if loaded > report.rows_landed or (report.rows_landed and not loaded):
            raise SourceError(
                f"{source.name} {run_date}: loaded {loaded:,} rows but {report.rows_landed:,} "
                "were landed"
            )
    else:
        # Every landed version goes in; staging picks the one standing on each run date.
        versions = lake.partitions(source.name)
        uris = [lake.uri(partition_key(source.name, day, DATA_FILE)) for day in versions]
        warehouse.load_static(source, uris)
        loaded = warehouse.count_rows(source, run_date) if report else 0
        if report is None:
            standing = lake.latest_partition(source.name, run_date)
            # No delivery that day: report the raw rows of the version standing in for it.
            loaded = warehouse.count_rows(source, standing) if standing else 0
            report = SourceReport(
                source.name,
                run_date.isoformat(),
                str(source.file),
                status="absent",
                standing_partition=standing.isoformat() if standing else None,
            )
        elif loaded != report.rows_landed:
            raise SourceError(
                f"{source.name} {run_date}: loaded {loaded:,} rows but {report.rows_landed:,} "
                "were landed"
            )
    report.rows_loaded = loaded
    if report.status == "landed":
        report.status = "loaded"
    log.info("%s", report.line())
    return report
