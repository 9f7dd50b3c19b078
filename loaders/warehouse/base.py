"""What every warehouse dialect provides, and the registry facts their SQL is generated from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from loaders.errors import TerritoryError
from loaders.sources import (
    INGEST_COLUMNS,
    LINEAGE_COLUMNS,
    STATIC_VERSIONS_COLUMNS,
    STATIC_VERSIONS_TABLE,
    Column,
    Source,
)

RAW_SCHEMA = "raw"
VERSIONS_TABLE = f"{RAW_SCHEMA}.{STATIC_VERSIONS_TABLE}"


class WarehouseError(TerritoryError):
    """The warehouse cannot be reached; names what was tried, never a secret."""


@dataclass(frozen=True)
class StaticVersion:
    """One landed version of a static source: its run date and rows (0 = delivered empty)."""

    run_date: date
    rows_landed: int | None = None


def landed_columns(source: Source) -> list[Column]:
    """Columns of a landed Parquet file, in order: the contract's, then lineage."""
    return [*source.columns, *LINEAGE_COLUMNS]


def raw_columns(source: Source) -> list[Column]:
    """Columns of a raw table: landed columns plus what the warehouse load records."""
    return [*landed_columns(source), *INGEST_COLUMNS]


def batch_dedup_order(source: Source) -> str:
    """Within one batch, the row kept per natural key: latest by the source's order column,
    then the last in the file."""
    order = [f"{source.order_by} desc nulls last"] if source.order_by else []
    return ", ".join([*order, "_source_row_number desc"])


def create_versions_table_sql(types: Mapping[str, str], create: str) -> str:
    """`create`: the dialect's `create table if not exists` (Snowflake: transient)."""
    columns = ",\n    ".join(f"{c.name} {types[c.type]}" for c in STATIC_VERSIONS_COLUMNS)
    return f"{create} {VERSIONS_TABLE} (\n    {columns}\n)"


def register_versions_sql(
    source: Source, versions: Sequence[StaticVersion], types: Mapping[str, str], now: str
) -> list[str]:
    """Replace the source's rows of the version register with these versions (run inside the
    caller's transaction)."""
    name = source.name.replace("'", "''")
    statements = [f"delete from {VERSIONS_TABLE} where source_name = '{name}'"]
    if versions:
        names = ", ".join(c.name for c in STATIC_VERSIONS_COLUMNS)
        rows = "\n    union all\n    ".join(
            f"select '{name}', cast('{version.run_date.isoformat()}' as {types['date']}), "
            f"cast({'null' if version.rows_landed is None else int(version.rows_landed)} "
            f"as {types['integer']}), {now}"
            for version in versions
        )
        statements.append(f"insert into {VERSIONS_TABLE} ({names})\n    {rows}")
    return statements


class Warehouse(ABC):
    """Loads landed lake partitions into `raw.<source>` tables.

    Daily sources merge one run date's partition (re-loading a date replaces exactly that
    date's rows); static sources are swapped whole from every landed version, so staging
    picks the version standing on any run date and a backfill reproduces that night.
    """

    dialect: str

    @abstractmethod
    def load_daily(self, source: Source, run_date: date, uri: str) -> int:
        """Merge one date's partition; return the raw rows now held for that date."""

    @abstractmethod
    def load_static(
        self, source: Source, uris: list[str], versions: Sequence[StaticVersion] | None = None
    ) -> int:
        """Swap the raw table for the union of these partitions; return its row count.

        `versions`: every landed version, empty ones included; the source's rows of the version
        register (`raw.static_versions`, what staging picks the standing version from) are
        replaced by them. None leaves the register alone."""

    @abstractmethod
    def count_rows(self, source: Source, run_date: date | None = None) -> int: ...

    @abstractmethod
    def query(self, sql: str) -> list[tuple]:
        """Rows of a read-only query (reports, summaries, tests)."""

    def execute(self, statements: list[str]) -> None:
        """Run DDL/DML statements in order (the night ledger, `territory.nightly.replay`)."""
        for statement in statements:
            self.query(statement)

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
