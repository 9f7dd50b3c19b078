"""What every warehouse dialect provides, and the registry facts their SQL is generated from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date

from loaders.settings import INGEST_COLUMNS, LINEAGE_COLUMNS, Column, Source

RAW_SCHEMA = "raw"


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
    def load_static(self, source: Source, uris: list[str]) -> int:
        """Swap the raw table for the union of these partitions; return its row count."""

    @abstractmethod
    def count_rows(self, source: Source, run_date: date | None = None) -> int: ...

    @abstractmethod
    def query(self, sql: str) -> list[tuple]:
        """Rows of a read-only query (reports, summaries, tests)."""

    def execute(self, statements: list[str]) -> None:
        """Run DDL/DML statements in order (the night ledger, `loaders.replay`)."""
        for statement in statements:
            self.query(statement)

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
