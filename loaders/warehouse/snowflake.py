"""Production warehouse: Snowflake SQL generated from the source registry.

Landed Parquet is read through an external stage over the lake root (a storage integration
grants Snowflake read access to the bucket; nothing is uploaded from here) with `COPY INTO`
and an explicit `$1:<column>` mapping, never positional auto-mapping. Daily sources merge one
run date; static sources are rebuilt beside prod and swapped in. Raw tables are transient:
they are rebuilt from the lake at will, so Fail-safe storage buys nothing, and clone + swap
keep prod and its replacement of the same kind.

Connection settings come from the SNOWFLAKE_* variables of the configuration, the stage
name from TERRITORY_SNOWFLAKE_STAGE (`territory.config`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from loaders.sources import Source
from loaders.warehouse.base import (
    RAW_SCHEMA,
    StaticVersion,
    Warehouse,
    WarehouseError,
    batch_dedup_order,
    create_versions_table_sql,
    landed_columns,
    raw_columns,
    register_versions_sql,
)

TYPES = {
    "string": "varchar",
    "decimal": "number(38, 2)",
    "integer": "number(38, 0)",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp_ntz",
}
# Created by snowflake_sql/50_lake_stage.sql in production (`ensure_stage` for dev and tests).
DEFAULT_STAGE = f"{RAW_SCHEMA}.territory_lake"
DEFAULT_FILE_FORMAT = f"{RAW_SCHEMA}.territory_parquet"
# What the load records besides the landed columns; the order matches INGEST_COLUMNS.
INGEST_EXPRESSIONS = {
    "_ingested_at": "current_timestamp()::timestamp_ntz",
    "_file_name": "metadata$filename",
    "_file_row_number": "metadata$file_row_number",
}


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def stage_file(uri: str) -> str:
    """A landed object's path under its table folder: `YYYY/MM/DD/data.parquet`.

    The stage sits over the lake root, so `@stage/<table>/` + this names the object whatever
    the root (s3://bucket/prefix or a folder)."""
    parts = uri.replace("\\", "/").rstrip("/").split("/")
    if len(parts) < 4:
        raise ValueError(f"not a lake partition object: {uri}")
    return "/".join(parts[-4:])


def query_tag_sql(source: Source, step: str, run_date: date | None = None) -> str:
    """Tags every statement of a load in QUERY_HISTORY, for cost attribution and audit."""
    tag = {"app": "territory", "source": source.name, "step": step}
    if run_date is not None:
        tag["run_date"] = run_date.isoformat()
    return f"alter session set query_tag = {_quote(json.dumps(tag, sort_keys=True))}"


def create_raw_table_sql(source: Source, table: str | None = None, replace: bool = False) -> str:
    columns = ",\n    ".join(f"{c.name} {TYPES[c.type]}" for c in raw_columns(source))
    verb = (
        "create or replace transient table" if replace else "create transient table if not exists"
    )
    return f"{verb} {table or f'{RAW_SCHEMA}.{source.name}'} (\n    {columns}\n)"


def create_stage_sql(
    url: str,
    stage: str = DEFAULT_STAGE,
    integration: str | None = None,
    file_format: str = DEFAULT_FILE_FORMAT,
) -> list[str]:
    """The Parquet file format and the external stage over the lake root; production runs
    the same in snowflake_sql/50_lake_stage.sql with the storage integration."""
    access = f"\n    storage_integration = {integration}" if integration else ""
    return [
        f"create file format if not exists {file_format}\n    type = parquet\n"
        "    use_logical_type = true",
        f"create stage if not exists {stage}\n    url = {_quote(url.rstrip('/') + '/')}{access}\n"
        f"    file_format = {file_format}",
    ]


def copy_into_sql(
    source: Source,
    table: str,
    stage: str,
    uris: list[str],
    file_format: str = DEFAULT_FILE_FORMAT,
) -> str:
    """COPY the named partition objects into `table` with an explicit `$1:col` mapping."""
    names = [c.name for c in raw_columns(source)]
    selects = [f"$1:{c.name}::{TYPES[c.type]}" for c in landed_columns(source)]
    selects += [INGEST_EXPRESSIONS[name] for name in names[len(selects) :]]
    files = ", ".join(_quote(stage_file(uri)) for uri in uris)
    select_list = ",\n            ".join(selects)
    return (
        f"copy into {table} (\n    {', '.join(names)}\n)\n"
        f"from (\n    select\n            {select_list}\n"
        f"    from @{stage}/{source.name}/\n)\n"
        f"files = ({files})\n"
        f"file_format = (format_name = {_quote(file_format)})\n"
        # A date is re-loaded on purpose; load metadata would otherwise skip the same object.
        "force = true\n"
        "on_error = abort_statement"
    )


def merge_daily_sql(
    source: Source,
    run_date: date,
    uri: str,
    stage: str,
    file_format: str = DEFAULT_FILE_FORMAT,
) -> list[str]:
    """Daily pattern: COPY the partition into a load table, dedupe the batch by natural key
    (QUALIFY), then one MERGE that updates, inserts and deletes that date's rows the batch no
    longer has. One statement is atomic without a transaction: loading a date N times leaves
    the rows of one load, and a failed load leaves the raw table as it was."""
    table = f"{RAW_SCHEMA}.{source.name}"
    landing = f"{RAW_SCHEMA}.{source.name}__load"
    batch = f"{RAW_SCHEMA}.{source.name}__batch"
    key = list(source.natural_key)
    names = [c.name for c in raw_columns(source)]
    on = " and ".join(f"target.{k} = batch.{k}" for k in ["_run_date", *key])
    still_there = " and ".join(f"kept.{k} = target.{k}" for k in key)
    updates = ",\n    ".join(f"{n} = batch.{n}" for n in names if n not in ["_run_date", *key])
    return [
        query_tag_sql(source, "merge", run_date),
        create_raw_table_sql(source),
        create_raw_table_sql(source, landing, replace=True),
        copy_into_sql(source, landing, stage, [uri], file_format),
        f"create or replace transient table {batch} as\n"
        f"select * from {landing}\nqualify row_number() over (\n"
        f"    partition by {', '.join(key)}\n    order by {batch_dedup_order(source)}\n) = 1",
        f"merge into {table} as target\nusing (\n"
        f"    select batch.*, false as _is_gone from {batch} as batch\n    union all\n"
        f"    select target.*, true as _is_gone from {table} as target\n"
        f"    where target._run_date = {_quote(run_date.isoformat())}::date\n"
        f"        and not exists (select 1 from {batch} as kept where {still_there})\n"
        f") as batch\n    on {on}\n"
        "when matched and batch._is_gone then delete\n"
        f"when matched then update set\n    {updates}\n"
        f"when not matched then insert ({', '.join(names)})\n"
        f"    values ({', '.join(f'batch.{n}' for n in names)})",
        f"drop table if exists {landing}",
        f"drop table if exists {batch}",
    ]


def swap_static_sql(
    source: Source,
    uris: list[str],
    stage: str,
    emulated: bool = False,
    file_format: str = DEFAULT_FILE_FORMAT,
) -> list[str]:
    """Static pattern: clone prod to a transient table, truncate it, COPY every landed version
    in, then SWAP it with prod. A failed COPY stops before the swap: prod is untouched.

    `emulated`: the fakesnow emulator has no SWAP WITH; two renames stand in (not atomic)."""
    table = f"{RAW_SCHEMA}.{source.name}"
    swap = f"{RAW_SCHEMA}.{source.name}__swap"
    statements = [
        query_tag_sql(source, "swap"),
        create_raw_table_sql(source),
        f"create or replace transient table {swap} clone {table}",
        f"truncate table {swap}",
    ]
    if uris:
        statements.append(copy_into_sql(source, swap, stage, uris, file_format))
    if emulated:
        old = f"{RAW_SCHEMA}.{source.name}__old"
        statements += [
            f"drop table if exists {old}",
            f"alter table {table} rename to {old}",
            f"alter table {swap} rename to {table}",
            f"drop table {old}",
        ]
    else:
        statements += [f"alter table {swap} swap with {table}", f"drop table {swap}"]
    return statements


def register_versions_statements(source: Source, versions: Sequence[StaticVersion]) -> list[str]:
    """The version register rewrite for one source, as one transaction (DML only: the swap
    before it is DDL, which commits on its own)."""
    return [
        create_versions_table_sql(TYPES, "create transient table if not exists"),
        "begin transaction",
        *register_versions_sql(source, versions, TYPES, INGEST_EXPRESSIONS["_ingested_at"]),
        "commit",
    ]


def emulator_compatible(statement: str) -> str | None:
    """The statement as the fakesnow emulator can run it, or None to skip it.

    fakesnow lacks QUERY_TAG and the METADATA$ pseudo-columns: the tag is skipped and the
    file name / row number load as null there. Real Snowflake always gets the full SQL."""
    if statement.startswith("alter session set query_tag"):
        return None
    for name in ("metadata$filename", "metadata$file_row_number"):
        statement = statement.replace(name, "null")
    return statement


def describe_connection(settings: dict[str, object]) -> str:
    """Where a connection goes, for messages: account, host, user, role; never a secret."""
    host = settings.get("host") or f"{settings.get('account')}.snowflakecomputing.com"
    port = f":{settings['port']}" if settings.get("port") else ""
    return (
        f"Snowflake account {settings.get('account')!r} at {settings.get('protocol') or 'https'}"
        f"://{host}{port} as user {settings.get('user')!r} (role {settings.get('role')!r})"
    )


def connect(settings: dict[str, object]) -> object:
    """snowflake.connector.connect(), its failure as one WarehouseError naming what was tried:
    the one place the project opens a Snowflake connection (the loaders, the console, Slim CI
    and the account setup all call it; a test holds that)."""
    import snowflake.connector

    try:
        return snowflake.connector.connect(**settings)
    except Exception as error:
        detail = " ".join(str(error).split())
        raise WarehouseError(
            f"cannot connect to {describe_connection(settings)}: {type(error).__name__}: {detail}"
        ) from error


class SnowflakeWarehouse(Warehouse):
    dialect = "snowflake"

    def __init__(
        self,
        connection: object,
        stage: str | None = None,
        emulated: bool = False,
        file_format: str | None = None,
    ) -> None:
        self.connection = connection
        self.stage = stage or DEFAULT_STAGE
        self.file_format = file_format or DEFAULT_FILE_FORMAT
        self.emulated = emulated
        self._execute(f"create schema if not exists {RAW_SCHEMA}")

    def _execute(self, statement: str) -> list[tuple]:
        if self.emulated:
            compatible = emulator_compatible(statement)
            if compatible is None:
                return []
            statement = compatible
        cursor = self.connection.cursor()  # type: ignore[attr-defined]
        try:
            cursor.execute(statement)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _run(self, statements: list[str]) -> None:
        for statement in statements:
            self._execute(statement)

    def ensure_stage(self, url: str, integration: str | None = None) -> None:
        for statement in create_stage_sql(url, self.stage, integration, self.file_format):
            self._execute(statement)

    def load_daily(self, source: Source, run_date: date, uri: str) -> int:
        self._run(merge_daily_sql(source, run_date, uri, self.stage, self.file_format))
        return self.count_rows(source, run_date)

    def load_static(
        self, source: Source, uris: list[str], versions: Sequence[StaticVersion] | None = None
    ) -> int:
        self._run(swap_static_sql(source, uris, self.stage, self.emulated, self.file_format))
        if versions is not None:
            try:
                self._run(register_versions_statements(source, versions))
            except BaseException:
                self._execute("rollback")
                raise
        return self.count_rows(source)

    def count_rows(self, source: Source, run_date: date | None = None) -> int:
        sql = f"select count(*) from {RAW_SCHEMA}.{source.name}"
        if run_date is not None:
            sql += f" where _run_date = {_quote(run_date.isoformat())}::date"
        rows = self._execute(sql)
        return int(rows[0][0]) if rows else 0

    def query(self, sql: str) -> list[tuple]:
        return self._execute(sql)

    def close(self) -> None:
        self.connection.close()  # type: ignore[attr-defined]
