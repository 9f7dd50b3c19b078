"""The one source registry: every inbox file, its schema, key and load mode, declared once.

The sanitizer, the quarantine checks, the warehouse SQL of each dialect, the dbt
``sources`` YAML (checked by a test) and the README's data contract all read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    minimum: int | None = None  # numeric columns: a smaller value is quarantined
    allowed: tuple[str, ...] = ()  # string columns: any other value is quarantined
    # The file may leave the column out altogether (loaded as null): a column added to the
    # contract later, which files written before it do not have.
    may_be_absent: bool = False


@dataclass(frozen=True)
class Staleness:
    """When a delivery is stale, in days before the night's run date (never the wall clock, so a
    backfill of an old inbox measures each night against its own date). A daily export is
    measured by the newest value of `column` in the delivery; a static reference by the age of
    the version standing on the night. Past `warn_after_days` the night reports it (summary,
    console, Airflow alert); past `error_after_days` the night's build fails."""

    warn_after_days: int
    error_after_days: int | None = None  # None: a warning only, never a failed night
    column: str | None = None  # daily sources: the modification time measured

    def __post_init__(self) -> None:
        if self.error_after_days is not None and self.error_after_days < self.warn_after_days:
            raise ValueError("a staleness error threshold must not come before its warning")


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
    # (earlier, later) date columns: a row whose `later` is not after its `earlier` is
    # quarantined (both present; an empty `later` is open-ended).
    date_ranges: tuple[tuple[str, str], ...] = ()
    # A fixed inbox folder read every night instead of the night's own (the steward's journal).
    inbox_folder: str | None = None
    # Every row or none: a row that would be quarantined fails the landing instead, naming its
    # line (each row of the steward's journal is a decision someone made; a night that left
    # one out would undo it without a word).
    all_or_nothing: bool = False
    # When the delivery is stale (rpt_export_freshness); None: never (the steward's journal).
    stale_after: Staleness | None = None

    def __post_init__(self) -> None:
        staleness = self.stale_after
        if staleness is None:
            return
        if (staleness.column is not None) != (self.cadence == "daily"):
            raise ValueError(
                f"{self.name}: a daily export is measured by a column, a static reference by "
                "the age of its standing version"
            )
        if staleness.column is not None and staleness.column not in self.column_names:
            raise ValueError(f"{self.name}: no column {staleness.column!r} to measure staleness")

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

# The inbox folder the console writes the data steward's match decisions to (not a night).
STEWARD_FOLDER = "steward"

_RULE_COLUMNS = (
    Column(
        "rule_id",
        "string",
        may_be_absent=True,
        description="The rule's id as sales-ops name it (optional; default "
        "<file>:<client_id>:<territory_id>:<effective_from>).",
    ),
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
            # A CRM's full export always holds the day's edits: a long weekend leaves three days
            # without one, a week means the export is stuck on an old copy.
            stale_after=Staleness(warn_after_days=3, error_after_days=7, column="last_modified"),
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
                Column("capacity", "integer", required=True, minimum=0),
                Column("is_active", "boolean"),
            ),
            # An advisor listed in two territories is a conflict dbt reports, not a load error.
            natural_key=("advisor_email", "territory_id"),
            required_file=True,
            # Joiners and leavers reach the roster monthly; a quarter-old roster assigns to them.
            stale_after=Staleness(warn_after_days=35, error_after_days=100),
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
            # Territory plans are yearly; a plan older than a year and a quarter is last year's.
            stale_after=Staleness(warn_after_days=100, error_after_days=460),
        ),
        Source(
            name="whitelist",
            file="whitelist.csv",
            format="csv",
            cadence="static",
            description="Sales-ops rule: pin a client to a territory for a date range.",
            columns=_RULE_COLUMNS,
            natural_key=("client_id", "territory_id", "effective_from"),
            date_ranges=(("effective_from", "effective_to"),),
            # A rule list may rightly stand unchanged for long: a quarterly reminder, never a
            # failed night.
            stale_after=Staleness(warn_after_days=100),
        ),
        Source(
            name="blacklist",
            file="blacklist.csv",
            format="csv",
            cadence="static",
            description="Sales-ops rule: keep a client out of a territory for a date range.",
            columns=_RULE_COLUMNS,
            natural_key=("client_id", "territory_id", "effective_from"),
            date_ranges=(("effective_from", "effective_to"),),
            # A rule list may rightly stand unchanged for long: a quarterly reminder, never a
            # failed night.
            stale_after=Staleness(warn_after_days=100),
        ),
        Source(
            name="match_decisions",
            file="match_decisions.csv",
            format="csv",
            cadence="static",
            inbox_folder=STEWARD_FOLDER,
            description="Data-steward match decisions from the console's review queue "
            "(INBOX/steward/, the whole journal landed every night).",
            columns=(
                Column("decision_id", "string", required=True, description="Journal id."),
                Column("client_id_a", "string", required=True),
                Column("client_id_b", "string", required=True),
                Column(
                    "decision",
                    "string",
                    required=True,
                    allowed=("merge", "never_merge"),
                    description="merge or never_merge.",
                ),
                Column("note", "string"),
                Column("decided_by", "string", required=True),
                Column("decided_at", "timestamp", required=True),
                Column("effective_from", "date", required=True, description="First night."),
            ),
            natural_key=("decision_id",),
            order_by="decided_at",
            all_or_nothing=True,
        ),
    )
}


# The register of static versions: one row per (static source, run date) landed, an empty
# delivery included, so staging knows which version stands even when it holds no rows. The
# warehouse step rebuilds a source's rows from the lake with its raw table.
STATIC_VERSIONS_TABLE = "static_versions"
STATIC_VERSIONS_COLUMNS: tuple[Column, ...] = (
    Column("source_name", "string", required=True, description="Static source (raw table)."),
    Column("_run_date", "date", required=True, description="Run date the version was landed."),
    Column("rows_landed", "integer", description="Rows the version holds; 0 = delivered empty."),
    Column("_ingested_at", "timestamp", description="Warehouse server time of the load."),
)

# The timestamp spellings of the contract (UTC), what the loaders parse first and the
# synthetic generator writes; the sanitizer also accepts their variants (see sanitize.py).
TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M")

# Share of a file's rows allowed into quarantine before the load fails.
DEFAULT_MAX_QUARANTINE_RATE = 0.05


def quarantine_rate(text: str | float) -> float:
    """A quarantine ceiling: a share between 0 and 1."""
    try:
        rate = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"max quarantine rate must be a number in [0, 1], got {text!r}") from None
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"max quarantine rate must be a number in [0, 1], got {text!r}")
    return rate


def allowed_missing_columns(text: str | None) -> frozenset[str]:
    """`source.column` names a header may lack, from `aum_usd,clients.city` or `all`.

    A bare column name applies to every source that declares it; `all` (or `*`) to every
    optional column. Required columns can never be missing, and an unknown name is an error
    (a typo must not silently allow nothing)."""
    allowed: set[str] = set()
    optional = {
        f"{source.name}.{column.name}": column
        for source in SOURCES.values()
        for column in source.columns
    }
    for entry in (part.strip().lower() for part in (text or "").split(",")):
        if not entry:
            continue
        if entry in ("all", "*"):
            allowed.update(name for name, column in optional.items() if not column.required)
            continue
        matches = [name for name in optional if entry in (name, name.split(".", 1)[1])]
        if not matches:
            raise ValueError(f"--allow-missing-columns: no source declares a column {entry!r}")
        required = [name for name in matches if optional[name].required]
        if required and len(required) == len(matches):
            raise ValueError(
                f"--allow-missing-columns: {', '.join(required)} is required and cannot be missing"
            )
        allowed.update(name for name in matches if not optional[name].required)
    return frozenset(allowed)
