"""Snowflake SQL: checked as text, then executed against a fakesnow server through the real
snowflake-connector-python.

fakesnow lacks three things this SQL uses, so those are checked as text only: `ALTER TABLE ..
SWAP WITH` (the emulated target swaps by two renames instead), `ALTER SESSION SET QUERY_TAG`
(skipped there) and the `METADATA$FILENAME` / `METADATA$FILE_ROW_NUMBER` pseudo-columns
(null there). The stage sits over a local lake folder (`file://`): fakesnow reads stages
through DuckDB, which cannot reach the moto S3 server without the httpfs extension.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import snowflake.connector
from loader_inbox import DAY_1, DAY_2, client_row, clients_csv

from loaders.lake import LocalLake
from loaders.sources import SOURCES
from loaders.warehouse import snowflake as sf
from loaders.warehouse.base import landed_columns
from territory.config import build_config
from territory.nightly.runner import load

STAGE = "raw.territory_lake"
CLIENTS = SOURCES["clients"]
ADVISORS = SOURCES["advisors"]
URI = "s3://bucket/lake/clients/2026/01/05/data.parquet"


# -- SQL as text --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SOURCES), ids=list(SOURCES))
def test_copy_maps_every_column_explicitly(name: str) -> None:
    source = SOURCES[name]
    sql = sf.copy_into_sql(source, f"raw.{name}__load", STAGE, [URI])
    for column in landed_columns(source):
        assert f"$1:{column.name}::{sf.TYPES[column.type]}" in sql
    assert "match_by_column_name" not in sql  # never positional or name auto-mapping
    assert "current_timestamp()::timestamp_ntz" in sql
    assert "metadata$filename" in sql and "metadata$file_row_number" in sql
    assert f"from @{STAGE}/{name}/" in sql
    assert "files = ('2026/01/05/data.parquet')" in sql
    assert "force = true" in sql
    assert "file_format = (format_name = 'raw.territory_parquet')" in sql
    # the target column list and the select list line up one to one
    target = re.search(r"copy into \S+ \(\s*(.*?)\s*\)", sql, re.S).group(1).split(", ")
    selected = re.search(r"select\s+(.*?)\s+from @", sql, re.S).group(1).split(",\n")
    assert len(target) == len(selected) == len(landed_columns(source)) + 3


def test_daily_merge_sql_shape() -> None:
    statements = sf.merge_daily_sql(CLIENTS, DAY_1, URI, STAGE)
    tag = json.loads(re.search(r"query_tag = '(.*)'", statements[0]).group(1))
    assert tag == {
        "app": "territory",
        "run_date": "2026-01-05",
        "source": "clients",
        "step": "merge",
    }
    text = "\n".join(statements)
    assert "create transient table if not exists raw.clients" in text
    assert "copy into raw.clients__load" in text
    assert (
        "qualify row_number() over (\n    partition by client_id\n"
        "    order by last_modified desc nulls last, _source_row_number desc\n) = 1"
    ) in text
    merge = next(s for s in statements if s.startswith("merge into raw.clients"))
    assert "on target._run_date = batch._run_date and target.client_id = batch.client_id" in merge
    assert "target._run_date = '2026-01-05'::date" in merge
    assert "when matched and batch._is_gone then delete" in merge
    assert merge.index("then delete") < merge.index("then update") < merge.index("then insert")


def test_static_swap_sql_order() -> None:
    statements = sf.swap_static_sql(ADVISORS, [URI.replace("clients", "advisors")], STAGE)
    kinds = [s.split("\n")[0] for s in statements]
    assert kinds == [
        kinds[0],
        "create transient table if not exists raw.advisors (",
        "create or replace transient table raw.advisors__swap clone raw.advisors",
        "truncate table raw.advisors__swap",
        "copy into raw.advisors__swap (",
        "alter table raw.advisors__swap swap with raw.advisors",
        "drop table raw.advisors__swap",
    ]
    assert kinds[0].startswith("alter session set query_tag")


def test_stage_sql_names_the_integration() -> None:
    file_format, stage = sf.create_stage_sql("s3://bucket/lake", STAGE, "territory_s3")
    assert "type = parquet\n    use_logical_type = true" in file_format
    assert "url = 's3://bucket/lake/'" in stage and "storage_integration = territory_s3" in stage
    assert "file_format = raw.territory_parquet" in stage


def test_stage_file_is_relative_to_the_table_folder() -> None:
    assert sf.stage_file(URI) == "2026/01/05/data.parquet"
    assert sf.stage_file("/tmp/lake/clients/2026/01/05/data.parquet") == "2026/01/05/data.parquet"


def test_connection_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "acme-eu")
    monkeypatch.setenv("SNOWFLAKE_USER", "loader")
    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY_PATH", "/keys/loader.p8")
    monkeypatch.setenv("SNOWFLAKE_PASSWORD", "unused when a key is configured")
    monkeypatch.setenv("SNOWFLAKE_PORT", "8443")
    for name in ("SNOWFLAKE_HOST", "SNOWFLAKE_ROLE", "TERRITORY_SECRET_IDS"):
        monkeypatch.delenv(name, raising=False)
    settings = build_config().snowflake_settings()
    assert settings["account"] == "acme-eu" and settings["user"] == "loader"
    assert settings["private_key_file"] == "/keys/loader.p8" and "password" not in settings
    assert settings["role"] == "TERRITORY_ETL" and settings["schema"] == "raw"
    assert settings["port"] == 8443 and "host" not in settings


# -- executed against fakesnow -----------------------------------------------------------


@pytest.fixture
def snowflake_warehouse(fakesnow_server: dict, tmp_path: Path, request: pytest.FixtureRequest):
    database = f"territory_{abs(hash(request.node.name)) % 10**8}"
    connection = snowflake.connector.connect(**fakesnow_server, database=database)
    connection.cursor().execute(f"create database if not exists {database}")
    connection.cursor().execute(f"use database {database}")
    warehouse = sf.SnowflakeWarehouse(connection=connection, stage=STAGE, emulated=True)
    lake = LocalLake(tmp_path / "lake")
    warehouse.ensure_stage(f"file://{lake.root}/")
    yield warehouse, lake
    warehouse.close()


def clients_rows(query) -> list[tuple]:
    return [
        (str(row[0]), Decimal(row[1]), row[2], int(row[3]))
        for row in query(
            "select _run_date, aum_usd, client_id, _source_row_number "
            "from raw.clients order by _run_date, client_id"
        )
    ]


def test_merge_and_swap_run_on_fakesnow(
    snowflake_warehouse, tiny_inbox: Path, territory_home: Path
) -> None:
    warehouse, lake = snowflake_warehouse
    for _ in range(3):  # loading a date three times leaves one load's rows
        load(_config(tiny_inbox, "snowflake_emulated"), DAY_1, lake=lake, warehouse=warehouse)
        assert warehouse.count_rows(CLIENTS) == 60
        assert warehouse.count_rows(ADVISORS) == 3
    load(_config(tiny_inbox, "snowflake_emulated"), DAY_2, lake=lake, warehouse=warehouse)
    assert warehouse.count_rows(CLIENTS, DAY_2) == 60
    assert warehouse.count_rows(SOURCES["territories"]) == 5  # both versions, by _run_date
    kept = warehouse.query(
        "select aum_usd, _source_row_number from raw.clients "
        "where client_id = 'C0001' and _run_date = '2026-01-05'::date"
    )
    assert [(Decimal(aum), int(row)) for aum, row in kept] == [(Decimal("2000000.00"), 61)]
    ingested = warehouse.query("select count(*) from raw.clients where _ingested_at is null")
    assert ingested == [(0,)]
    # the version register holds every landed static version, in its own transaction
    register = warehouse.query(
        "select source_name, cast(_run_date as varchar), rows_landed from raw.static_versions "
        "order by 1, 2"
    )
    assert [(name, day, int(rows)) for name, day, rows in register] == [
        ("advisors", "2026-01-05", 3),
        ("blacklist", "2026-01-05", 1),
        ("territories", "2026-01-05", 2),
        ("territories", "2026-01-06", 3),
        ("whitelist", "2026-01-05", 1),
    ]
    assert any(s == "begin transaction" for s in sf.register_versions_statements(ADVISORS, []))

    # the same nights through DuckDB give the same raw rows
    load(_config(tiny_inbox, "duckdb"), DAY_1, lake=lake)
    load(_config(tiny_inbox, "duckdb"), DAY_2, lake=lake)
    with duckdb.connect(str(territory_home / "warehouse.duckdb"), read_only=True) as connection:
        assert clients_rows(warehouse.query) == clients_rows(
            lambda sql: connection.execute(sql).fetchall()
        )


def test_reloading_a_date_drops_rows_it_no_longer_has(
    snowflake_warehouse, tiny_inbox: Path
) -> None:
    warehouse, _ = snowflake_warehouse
    load_emulated(snowflake_warehouse, tiny_inbox, DAY_1, CLIENTS)
    load_emulated(snowflake_warehouse, tiny_inbox, DAY_2, CLIENTS)
    (tiny_inbox / DAY_2.isoformat() / "clients.csv").write_bytes(
        clients_csv([client_row("C0002", "Two", "2026-01-05")])
    )
    load_emulated(snowflake_warehouse, tiny_inbox, DAY_2, CLIENTS)
    assert warehouse.count_rows(CLIENTS, DAY_1) == 60
    assert warehouse.query("select client_id from raw.clients where _run_date = '2026-01-06'") == [
        ("C0002",)
    ]


def test_swap_statements_before_the_swap_leave_prod_untouched(
    snowflake_warehouse, tiny_inbox: Path
) -> None:
    """The production swap path, run statement by statement up to SWAP WITH (which fakesnow
    lacks): prod keeps its rows while the next version is built beside it."""
    warehouse, lake = snowflake_warehouse
    load_emulated(snowflake_warehouse, tiny_inbox, DAY_1, ADVISORS)
    new_version = {"advisor_email": {"0": "new@bank"}, "territory_id": {"0": "T1"}}
    new_version |= {"capacity": {"0": 5}, "full_name": {"0": "New"}, "is_active": {"0": True}}
    (tiny_inbox / DAY_2.isoformat() / "advisors.json").write_text(json.dumps(new_version))
    load_emulated(snowflake_warehouse, tiny_inbox, DAY_2, ADVISORS, step="land")
    uris = [lake.uri(f"advisors/{day:%Y/%m/%d}/data.parquet") for day in (DAY_1, DAY_2)]
    statements = sf.swap_static_sql(ADVISORS, uris, STAGE, emulated=False)
    swap_at = next(i for i, s in enumerate(statements) if " swap with " in s)
    for statement in statements[:swap_at]:
        warehouse._execute(statement)  # emulated: skips the query tag, nulls METADATA$
    assert warehouse.query("select count(*) from raw.advisors") == [(3,)]
    assert warehouse.query("select count(*) from raw.advisors__swap") == [(4,)]


def test_failed_copy_leaves_prod_untouched(snowflake_warehouse, tiny_inbox: Path) -> None:
    warehouse, lake = snowflake_warehouse
    load_emulated(snowflake_warehouse, tiny_inbox, DAY_1, ADVISORS)
    before = warehouse.query("select * exclude (_ingested_at) from raw.advisors order by 1")
    # a version in the lake that is not Parquet: the COPY fails before any swap
    lake.put("advisors/2026/01/06/data.parquet", b"not parquet")
    with pytest.raises(snowflake.connector.errors.Error):
        warehouse.load_static(ADVISORS, [lake.uri(f"advisors/{d:%Y/%m/%d}/data.parquet")
                                         for d in (DAY_1, date(2026, 1, 6))])  # fmt: skip
    after = warehouse.query("select * exclude (_ingested_at) from raw.advisors order by 1")
    assert after == before and len(after) == 3


def load_emulated(snowflake_warehouse, inbox: Path, day, *sources, step: str = "all") -> None:
    """`territory load --target snowflake_emulated` of `sources` (all by default) into the
    fixture's warehouse and lake."""
    warehouse, lake = snowflake_warehouse
    config = _config(inbox, "snowflake_emulated")
    load(config, day, sources=sources or None, step=step, lake=lake, warehouse=warehouse)


def _config(inbox: Path, target: str):
    """What `territory load --inbox INBOX --target TARGET` would build (environment included)."""
    return build_config({"inbox": inbox, "target": target}, load_secrets=False)
