"""The embedded warehouse: DuckDB SQL generated from the source registry, run in transactions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from loaders.sources import Source
from loaders.warehouse.base import (
    RAW_SCHEMA,
    StaticVersion,
    Warehouse,
    batch_dedup_order,
    create_versions_table_sql,
    landed_columns,
    raw_columns,
    register_versions_sql,
)

TYPES = {
    "string": "varchar",
    "decimal": "decimal(38, 2)",
    "integer": "bigint",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


# Warehouse time of a load, UTC, as the raw tables' timestamp type.
_NOW = "cast(current_timestamp at time zone 'UTC' as timestamp)"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_raw_table_sql(source: Source, table: str | None = None) -> str:
    columns = ",\n    ".join(f"{c.name} {TYPES[c.type]}" for c in raw_columns(source))
    return (
        f"create table if not exists {table or f'{RAW_SCHEMA}.{source.name}'} (\n    {columns}\n)"
    )


def _select_landed(source: Source, uris: list[str]) -> str:
    """Rows of landed files with explicit column mapping and the ingest columns."""
    files = ", ".join(_quote(uri) for uri in uris)
    columns = ",\n        ".join(
        f"cast({c.name} as {TYPES[c.type]}) as {c.name}" for c in landed_columns(source)
    )
    return (
        f"select\n        {columns},\n"
        f"        {_NOW} as _ingested_at,\n"
        "        filename as _file_name,\n"
        # DuckDB counts from 0; Snowflake's METADATA$FILE_ROW_NUMBER (and the lineage) from 1.
        "        file_row_number + 1 as _file_row_number\n"
        f"    from read_parquet([{files}], filename = true, file_row_number = true, "
        "union_by_name = true)"
    )


def merge_daily_sql(source: Source, run_date: date, uri: str) -> list[str]:
    """Daily pattern: dedupe the batch by natural key, drop that date's rows the batch no
    longer has, MERGE the rest. Loading a date N times leaves the rows of one load."""
    table = f"{RAW_SCHEMA}.{source.name}"
    batch = f"{source.name}__batch"
    key = list(source.natural_key)
    names = [c.name for c in raw_columns(source)]
    on = " and ".join(f"target.{k} = batch.{k}" for k in ["_run_date", *key])
    batch_key_match = " and ".join(f"batch.{k} = target.{k}" for k in key)
    updates = ",\n        ".join(f"{n} = batch.{n}" for n in names if n not in key)
    return [
        create_raw_table_sql(source),
        f"create or replace temp table {batch} as\n    {_select_landed(source, [uri])}\n"
        f"    qualify row_number() over (\n        partition by {', '.join(key)}\n"
        f"        order by {batch_dedup_order(source)}\n    ) = 1",
        f"delete from {table} as target\nwhere target._run_date = date {_quote(str(run_date))}\n"
        f"    and not exists (select 1 from {batch} as batch where {batch_key_match})",
        f"merge into {table} as target\nusing {batch} as batch\n    on {on}\n"
        f"when matched then update set\n        {updates}\n"
        f"when not matched then insert ({', '.join(names)})\n"
        f"    values ({', '.join(f'batch.{n}' for n in names)})",
        f"drop table {batch}",
    ]


def swap_static_sql(
    source: Source, uris: list[str], versions: Sequence[StaticVersion] | None = None
) -> list[str]:
    """Static pattern: build the next version beside prod, then swap it in, in one transaction
    (a failed load leaves prod untouched). With `versions`, the version register is rewritten
    for the source in the same transaction, so raw table and register never disagree."""
    table = f"{RAW_SCHEMA}.{source.name}"
    swap = f"{RAW_SCHEMA}.{source.name}__swap"
    names = ", ".join(c.name for c in raw_columns(source))
    statements = [
        create_raw_table_sql(source),
        f"drop table if exists {swap}",
        create_raw_table_sql(source, swap),
    ]
    if uris:
        statements.append(f"insert into {swap} ({names})\n    {_select_landed(source, uris)}")
    statements += [f"drop table {table}", f"alter table {swap} rename to {source.name}"]
    if versions is not None:
        statements += [
            create_versions_table_sql(TYPES, "create table if not exists"),
            *register_versions_sql(source, versions, TYPES, _NOW),
        ]
    return statements


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"

    def __init__(self, path: str | Path, filesystem: object | None = None) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.connection = duckdb.connect(self.path)
        self.connection.execute(f"create schema if not exists {RAW_SCHEMA}")
        if filesystem is not None:
            # An fsspec filesystem (s3fs) lets DuckDB read s3:// without the httpfs extension.
            self.connection.register_filesystem(filesystem)

    def _run(self, statements: list[str]) -> None:
        self.connection.execute("begin transaction")
        try:
            for statement in statements:
                self.connection.execute(statement)
        except BaseException:
            self.connection.execute("rollback")
            raise
        self.connection.execute("commit")

    def load_daily(self, source: Source, run_date: date, uri: str) -> int:
        self._run(merge_daily_sql(source, run_date, uri))
        return self.count_rows(source, run_date)

    def load_static(
        self, source: Source, uris: list[str], versions: Sequence[StaticVersion] | None = None
    ) -> int:
        self._run(swap_static_sql(source, uris, versions))
        return self.count_rows(source)

    def count_rows(self, source: Source, run_date: date | None = None) -> int:
        sql = f"select count(*) from {RAW_SCHEMA}.{source.name}"
        if run_date is not None:
            sql += f" where _run_date = date {_quote(str(run_date))}"
        row = self.connection.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def query(self, sql: str) -> list[tuple]:
        return self.connection.execute(sql).fetchall()

    def close(self) -> None:
        self.connection.close()
