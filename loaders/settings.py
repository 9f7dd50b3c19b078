"""The one source registry: every inbox file, its schema, key and load mode, declared once.

The sanitizer, the quarantine checks, the warehouse SQL of each dialect, the dbt
``sources`` YAML (checked by a test) and the README's data contract all read this.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# Logical column types; each dialect maps them to its own SQL type.
ColumnType = Literal["string", "decimal", "integer", "boolean", "date", "timestamp"]
Cadence = Literal["daily", "static"]
FileFormat = Literal["csv", "json"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Source:
    """One inbox file and the raw table it lands in."""

    name: str  # lake table name and raw table name
    file: str  # file name inside INBOX/YYYY-MM-DD/
    format: FileFormat
    cadence: Cadence  # daily: merged by run date; static: swapped whole, last one stands
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    # Within one file, the row kept for a natural key: latest by this column, then by row number.
    order_by: str | None = None
    description: str = ""
    # daily: the file must be there every run date; static: some version must have been
    # delivered on or before the run date.
    required_file: bool = False
    aliases: dict[str, str] = field(default_factory=dict)  # snake_cased header -> column name

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]


# Lineage columns added to every landed row (Parquet) and every raw table.
LINEAGE_COLUMNS: tuple[Column, ...] = (
    Column("_run_date", "date", description="Logical run date (the inbox folder's date)."),
    Column("_load_time", "timestamp", description="The run's logical time, UTC."),
    Column("_source_file", "string", description="Inbox file the row came from."),
    Column("_source_row_number", "integer", description="1-based row in the source file."),
)
# Added by the warehouse load, not present in Parquet.
INGEST_COLUMNS: tuple[Column, ...] = (
    Column("_ingested_at", "timestamp", description="Warehouse server time of the load."),
    Column("_file_name", "string", description="Lake object the row was loaded from."),
    Column("_file_row_number", "integer", description="1-based row in that lake object."),
)
QUARANTINE_REASON = "_reject_reason"

_RULE_COLUMNS = (
    Column("client_id", "string", required=True),
    Column("territory_id", "string", required=True),
    Column("effective_from", "date", required=True),
    Column("effective_to", "date"),
    Column("reason", "string"),
)

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            name="clients",
            file="clients.csv",
            format="csv",
            cadence="daily",
            required_file=True,
            description="The CRM's full daily export of institutional-client records.",
            columns=(
                Column("client_id", "string", required=True, description="CRM record id."),
                Column("client_name", "string", required=True),
                Column("parent_client_id", "string", description="Empty for top-level orgs."),
                Column("country", "string"),
                Column("region", "string", description="Free text from the CRM."),
                Column("segment", "string", description="Free text from the CRM."),
                Column("city", "string"),
                Column("postal_code", "string"),
                Column("aum_usd", "decimal"),
                Column("annual_revenue_usd", "decimal"),
                Column("advisor_email", "string", description="The CRM's current advisor."),
                Column("last_modified", "timestamp", required=True),
            ),
            natural_key=("client_id",),
            order_by="last_modified",
        ),
        Source(
            name="advisors",
            file="advisors.json",
            format="json",
            cadence="static",
            description="Advisor roster (CRM API, column-oriented JSON).",
            columns=(
                Column("advisor_email", "string", required=True),
                Column("full_name", "string"),
                Column("territory_id", "string", required=True),
                Column("capacity", "integer", required=True),
                Column("is_active", "boolean"),
            ),
            # An advisor listed in two territories is a conflict dbt reports, not a load error.
            natural_key=("advisor_email", "territory_id"),
            required_file=True,
        ),
        Source(
            name="territories",
            file="territories.csv",
            format="csv",
            cadence="static",
            description="Territory definitions; empty tier = region+segment default.",
            columns=(
                Column("territory_id", "string", required=True),
                Column("territory_name", "string"),
                Column("region", "string", required=True),
                Column("segment", "string", required=True),
                Column("tier", "string"),
            ),
            natural_key=("territory_id",),
            required_file=True,
        ),
        Source(
            name="whitelist",
            file="whitelist.csv",
            format="csv",
            cadence="static",
            description="Sales-ops rule: pin a client to a territory for a date range.",
            columns=_RULE_COLUMNS,
            natural_key=("client_id", "territory_id", "effective_from"),
        ),
        Source(
            name="blacklist",
            file="blacklist.csv",
            format="csv",
            cadence="static",
            description="Sales-ops rule: keep a client out of a territory for a date range.",
            columns=_RULE_COLUMNS,
            natural_key=("client_id", "territory_id", "effective_from"),
        ),
    )
}


def source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


# Where things live by default: the embedded lake and warehouse under .territory/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_territory"


def default_state_dir() -> Path:
    return Path(os.environ.get("TERRITORY_HOME", ".territory"))


def default_lake_root() -> str:
    return os.environ.get("TERRITORY_LAKE_ROOT", str(default_state_dir() / "lake"))


def default_duckdb_path() -> str:
    return os.environ.get("TERRITORY_DUCKDB_PATH", str(default_state_dir() / "warehouse.duckdb"))


# Share of a file's rows allowed into quarantine before the load fails.
DEFAULT_MAX_QUARANTINE_RATE = float(os.environ.get("TERRITORY_MAX_QUARANTINE_RATE", "0.05"))
