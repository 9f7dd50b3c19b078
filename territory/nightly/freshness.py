"""The night's stale deliveries, as dbt measured them (`observability.rpt_export_freshness`,
thresholds in the source registry): the summary, `territory transform --record-built` (so the
Airflow alert) and a failed night's error message read them here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loaders.warehouse import Warehouse
from territory.nightly.dbt import TransformError

TABLE = "observability.rpt_export_freshness"
LINE_PREFIX = "stale export"  # a finding's line (`territory transform --record-built`)


class StaleExportError(TransformError):
    """A delivery is past its error threshold: the night was not built."""


@dataclass(frozen=True)
class Finding:
    source_file: str
    status: str  # WARN or ERROR
    message: str

    def line(self) -> str:
        return f"{LINE_PREFIX} ({self.status}): {self.message}"


def findings(warehouse: Warehouse, run_date: date) -> list[Finding]:
    """The night's WARN and ERROR rows, errors first; none when the night was never measured
    (the table is built by the night's `dbt build`)."""
    (built,) = warehouse.query(
        "select count(*) from information_schema.tables where lower(table_schema) = "
        "'observability' and lower(table_name) = 'rpt_export_freshness'"
    )[0]
    if not built:
        return []
    rows = warehouse.query(
        f"select source_file, status, message from {TABLE} "
        f"where run_date = date '{run_date.isoformat()}' and status <> 'OK' "
        "order by case status when 'ERROR' then 1 else 2 end, source_file"
    )
    return [Finding(*row) for row in rows]


def explain_failure(warehouse: Warehouse, run_date: date, error: TransformError) -> TransformError:
    """The error to raise for a failed night: a stale delivery in words when that is why."""
    stale = [finding for finding in findings(warehouse, run_date) if finding.status == "ERROR"]
    if not stale:
        return error
    return StaleExportError(
        f"night {run_date} not built: "
        + "; ".join(finding.message for finding in stale)
        + " (thresholds in loaders/sources.py; deliver a current export, then "
        f"`territory transform --date {run_date}`). dbt: {error}"
    )
