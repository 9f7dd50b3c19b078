"""The nightly job's steps: land (sanitize -> lake), load (lake -> raw tables), transform (dbt).

`territory run`, the Airflow DAGs and the tests all call these functions, so they can never
disagree about what a night does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import polars as pl

from loaders.inbox import night_of
from loaders.lake import DATA_FILE, QUARANTINE_FILE, REPORT_FILE, Lake, partition_key
from loaders.sanitize import Sanitized, SourceError, sanitize
from loaders.sources import (
    DEFAULT_MAX_QUARANTINE_RATE,
    QUARANTINE_REASON,
    SOURCES,
    Source,
)
from loaders.warehouse import StaticVersion, Warehouse

log = logging.getLogger("territory")


@dataclass
class SourceReport:
    """What one source did on one run date. Counts reconcile: read = landed + quarantined +
    collapsed (exact repeats of a landed row in a static file)."""

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
    rows_collapsed: int = 0
    blank_lines: int = 0
    missing_columns: list[str] = field(default_factory=list)  # allowed, loaded as null
    encoding: str = "utf-8"
    undecodable_bytes: int = 0

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_landed + self.rows_quarantined + self.rows_collapsed

    def line(self) -> str:
        loaded = "-" if self.rows_loaded is None else f"{self.rows_loaded:,}"
        standing = f" (standing: {self.standing_partition})" if self.status == "absent" else ""
        notes = []
        if self.status in ("landed", "loaded") and not self.rows_landed:
            notes.append("empty delivery: replaces the standing version")
        if self.rows_collapsed:
            notes.append(f"collapsed {self.rows_collapsed:,} exact duplicate(s)")
        if self.blank_lines:
            notes.append(f"skipped {self.blank_lines:,} blank line(s)")
        if self.dropped_columns:
            notes.append(f"unknown columns not loaded: {', '.join(self.dropped_columns)}")
        if self.missing_columns:
            notes.append(f"missing columns loaded empty: {', '.join(self.missing_columns)}")
        if self.encoding != "utf-8":
            notes.append(f"encoding {self.encoding} (detected)")
        if self.undecodable_bytes:
            notes.append(f"{self.undecodable_bytes:,} undecodable byte(s)")
        return (
            f"{self.source:<12} {self.status:<8} read {self.rows_read:>10,}  "
            f"landed {self.rows_landed:>10,}  quarantined {self.rows_quarantined:>7,}  "
            f"loaded {loaded:>10}{standing}" + "".join(f"; {note}" for note in notes)
        )


def logical_time(run_date: date) -> datetime:
    """The run's logical time (UTC midnight of the run date): lineage never reads the clock,
    so re-running a date produces identical bytes."""
    return datetime.combine(run_date, time(0, 0), tzinfo=UTC)


def inbox_file(inbox: Path, source: Source, run_date: date) -> Path:
    return Path(inbox) / (source.inbox_folder or run_date.isoformat()) / source.file


def latest_earlier_delivery(inbox: Path, source: Source, run_date: date) -> date | None:
    """The newest inbox night before `run_date` that delivered this static source's file."""
    if source.inbox_folder:
        return None  # one file for every night, not per-night deliveries
    nights = []
    for folder in Path(inbox).iterdir() if Path(inbox).is_dir() else []:
        night = night_of(folder.name)
        if night is not None and night < run_date and (folder / source.file).is_file():
            nights.append(night)
    return max(nights, default=None)


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
    allow_missing_columns: Collection[str] = (),
) -> SourceReport:
    """Sanitize one inbox file and publish `<table>/YYYY/MM/DD/data.parquet` + quarantine.

    `allow_missing_columns`: `source.column` names (settings.allowed_missing_columns) whose
    absence from the header is accepted (loaded as null); any other missing column fails.

    A landing that fails leaves `load_report.json` with status `failed` and no data.parquet
    for the date (a stale one is removed), so the warehouse step refuses the date instead of
    loading an earlier landing."""
    path = inbox_file(inbox, source, run_date)
    report = SourceReport(source.name, run_date.isoformat(), str(path))
    if not path.is_file():
        if source.cadence == "daily":
            message = f"{path}: required {source.cadence} file is missing"
            _record_failure(lake, source, run_date, report, message, quarantine_written=False)
            raise SourceError(message)
        _clear_failed_landing(lake, source, run_date)  # the failed delivery was withdrawn
        standing = lake.latest_partition(source.name, run_date)
        delivered = latest_earlier_delivery(inbox, source, run_date)
        if (
            delivered is not None
            and (standing is None or delivered > standing)
            and not lake.exists(partition_key(source.name, delivered, REPORT_FILE))
        ):
            # A caught-up or backfilled night whose standing version the lake never saw (a
            # fresh lake, a start date after the delivery): land that delivery first. One that
            # was tried and failed is not retried here: the warehouse step refuses it.
            log.info("%s: none for %s; landing the %s delivery", source.name, run_date, delivered)
            land_source(
                inbox,
                source,
                delivered,
                lake,
                max_quarantine_rate=max_quarantine_rate,
                allow_missing_columns=allow_missing_columns,
            )
            standing = delivered
        if standing is None and source.required_file:
            raise SourceError(
                f"{path}: missing, and no earlier {source.name} partition stands in the lake"
            )
        report.status = "absent"
        report.standing_partition = standing.isoformat() if standing else None
        log.debug("%s: no file for %s; standing partition %s", source.name, run_date, standing)
        return report

    allowed = {
        name.split(".", 1)[1]
        for name in allow_missing_columns
        if name.startswith(f"{source.name}.")
    }
    quarantine_written = False
    try:
        try:
            result = sanitize(
                path,  # Polars maps the file: no copy of it in memory
                source,
                run_date=run_date,
                load_time=load_time or logical_time(run_date),
                source_file=f"{run_date.isoformat()}/{source.file}",
                allow_missing=allowed,
            )
        except SourceError as error:
            # The sanitizer knows the file's name; the operator needs its full path.
            raise SourceError(str(error).replace(f"{source.file}:", f"{path}:", 1)) from error
        _count(report, result)
        if not report.reconciles:  # a bug, never a data problem: refuse to publish
            raise SourceError(f"{path}: counts do not reconcile: {report}")
        if source.required_file and not result.rows_read:
            raise SourceError(
                f"{path}: file has a header but no rows ({source.name} is required: an empty "
                "delivery is refused, not loaded)"
            )
        # Quarantine first and always (an empty file when clean), so a re-run replaces a stale
        # one.
        lake.write_parquet(partition_key(source.name, run_date, QUARANTINE_FILE), result.quarantine)
        quarantine_written = True
        if source.all_or_nothing and result.rows_quarantined:
            raise SourceError(
                f"{path}: {result.rows_quarantined:,} row(s) do not parse and {source.name} "
                f"lands every row or none ({_quarantined_lines(result.quarantine)}); fix or "
                "remove the line(s): nothing of the file was landed"
            )
        rate = result.rows_quarantined / result.rows_read if result.rows_read else 0.0
        if rate > max_quarantine_rate:
            examples = "; ".join(f"{count:,} x {reason}" for reason, count in _top_reasons(report))
            raise SourceError(
                f"{path}: {result.rows_quarantined:,} of {result.rows_read:,} rows quarantined "
                f"({rate:.1%}) exceeds the ceiling of {max_quarantine_rate:.1%} ({examples}); "
                f"see {lake.uri(partition_key(source.name, run_date, QUARANTINE_FILE))}"
            )
        if source.required_file and not result.rows_landed:
            raise SourceError(f"{path}: no row landed ({source.name} is required)")
    except SourceError as error:
        _record_failure(lake, source, run_date, report, str(error), quarantine_written)
        raise
    lake.write_parquet(partition_key(source.name, run_date, DATA_FILE), result.rows)
    report.status = "landed"
    report.standing_partition = run_date.isoformat()
    _write_report(lake, source, run_date, report)
    log.debug("%s", report.line())  # printed by the command with the night's other reports
    return report


def _count(report: SourceReport, result: Sanitized) -> None:
    report.rows_read = result.rows_read
    report.rows_landed = result.rows_landed
    report.rows_quarantined = result.rows_quarantined
    report.rows_collapsed = result.rows_collapsed
    report.blank_lines = result.blank_lines
    report.dropped_columns = list(result.dropped_columns)
    report.missing_columns = list(result.missing_columns)
    report.encoding = result.encoding
    report.undecodable_bytes = result.undecodable_bytes
    if result.rows_quarantined:
        reasons = result.quarantine.get_column(QUARANTINE_REASON).str.replace_all(r": '.*?'", "")
        report.quarantine_reasons = dict(sorted(reasons.value_counts().iter_rows()))


def _top_reasons(report: SourceReport, limit: int = 3) -> list[tuple[str, int]]:
    ranked = sorted(report.quarantine_reasons.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def _write_report(lake: Lake, source: Source, run_date: date, report: SourceReport) -> None:
    lake.put(
        partition_key(source.name, run_date, REPORT_FILE),
        json.dumps(asdict(report), indent=2, sort_keys=True).encode(),
    )


def _quarantined_lines(quarantine: pl.DataFrame, shown: int = 5) -> str:
    """'line 3: reason; line 7: reason' for the first quarantined rows (line 1 is the header;
    a row spanning lines in quotes is counted as one)."""
    rows = quarantine.select("_source_row_number", QUARANTINE_REASON).sort("_source_row_number")
    listed = [f"line {number + 1}: {reason}" for number, reason in rows.head(shown).iter_rows()]
    more = f"; and {rows.height - shown:,} more" if rows.height > shown else ""
    return "; ".join(listed) + more


def _record_failure(
    lake: Lake,
    source: Source,
    run_date: date,
    report: SourceReport,
    message: str,
    quarantine_written: bool,
) -> None:
    """Mark the date's landing failed: a failed report, no data (and no stale quarantine)."""
    report.status = "failed"
    report.error = message
    report.standing_partition = None
    try:
        lake.delete(partition_key(source.name, run_date, DATA_FILE))
        if not quarantine_written:
            lake.delete(partition_key(source.name, run_date, QUARANTINE_FILE))
        _write_report(lake, source, run_date, report)
    except Exception as error:  # the lake itself is failing: the original error is the news
        log.warning("%s %s: could not record the failed landing: %s", source.name, run_date, error)


def _clear_failed_landing(lake: Lake, source: Source, run_date: date) -> None:
    report = read_land_report(source, run_date, lake)
    if report is not None and report.status == "failed":
        lake.delete(partition_key(source.name, run_date, REPORT_FILE))
        lake.delete(partition_key(source.name, run_date, QUARANTINE_FILE))


def read_land_report(source: Source, run_date: date, lake: Lake) -> SourceReport | None:
    key = partition_key(source.name, run_date, REPORT_FILE)
    if not lake.exists(key):
        return None
    fields = SourceReport.__dataclass_fields__
    return SourceReport(**{k: v for k, v in json.loads(lake.get(key)).items() if k in fields})


def _refuse_failed(source: Source, day: date, report: SourceReport, run_date: date) -> None:
    which = "its" if day == run_date else f"the standing delivery's ({day})"
    raise SourceError(
        f"{source.name} {run_date}: {which} landing failed, so the warehouse step refuses the "
        f"date (nothing loaded); fix the file and land it again. The landing said: {report.error}"
    )


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
    if report is not None and report.status == "failed":
        _refuse_failed(source, run_date, report, run_date)
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
        standing = lake.latest_partition(source.name, run_date)
        if report is None:
            # No delivery that day; an attempt after the standing version that failed stands
            # in the way (loading the older version would hide it).
            attempts = [d for d in lake.partitions(source.name, REPORT_FILE) if d <= run_date]
            if attempts and (standing is None or attempts[-1] > standing):
                attempt = read_land_report(source, attempts[-1], lake)
                if attempt is not None and attempt.status == "failed":
                    _refuse_failed(source, attempts[-1], attempt, run_date)
        # Every landed version goes in, empty ones too (the register says they were
        # delivered); staging picks the one standing on each run date.
        versions = lake.partitions(source.name)
        uris = [lake.uri(partition_key(source.name, day, DATA_FILE)) for day in versions]
        register = [_static_version(source, day, lake) for day in versions]
        warehouse.load_static(source, uris, versions=register)
        loaded = warehouse.count_rows(source, run_date) if report else 0
        if report is None:
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
    log.debug("%s", report.line())  # printed by the command with the night's other reports
    return report


def _static_version(source: Source, day: date, lake: Lake) -> StaticVersion:
    landed = read_land_report(source, day, lake)
    return StaticVersion(day, landed.rows_landed if landed is not None else None)
