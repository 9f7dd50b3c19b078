"""The embedded dialect's generated SQL, as text (its execution is covered by test_load.py)."""

from __future__ import annotations

from datetime import date

import pytest

from loaders.sources import SOURCES
from loaders.warehouse import StaticVersion
from loaders.warehouse import duckdb as dd
from loaders.warehouse.base import landed_columns, raw_columns

URI = "/lake/clients/2026/01/05/data.parquet"


@pytest.mark.parametrize("name", list(SOURCES), ids=list(SOURCES))
def test_landed_columns_are_mapped_by_name_and_cast(name: str) -> None:
    source = SOURCES[name]
    sql = "\n".join(dd.swap_static_sql(source, [URI]))
    for column in landed_columns(source):
        assert f"cast({column.name} as {dd.TYPES[column.type]}) as {column.name}" in sql
    assert f"insert into raw.{name}__swap ({', '.join(c.name for c in raw_columns(source))})" in sql
    assert "filename = true, file_row_number = true" in sql


def test_daily_merge_dedupes_then_merges_one_date() -> None:
    statements = dd.merge_daily_sql(SOURCES["clients"], date(2026, 1, 5), URI)
    batch, delete, merge = statements[1], statements[2], statements[3]
    assert "qualify row_number() over (\n        partition by client_id" in batch
    assert "order by last_modified desc nulls last, _source_row_number desc" in batch
    assert delete.startswith("delete from raw.clients as target")
    assert "target._run_date = date '2026-01-05'" in delete
    assert merge.startswith("merge into raw.clients as target")
    assert "on target._run_date = batch._run_date and target.client_id = batch.client_id" in merge


def test_static_swap_builds_beside_prod_then_renames() -> None:
    statements = dd.swap_static_sql(SOURCES["territories"], [URI])
    assert statements[-2:] == [
        "drop table raw.territories",
        "alter table raw.territories__swap rename to territories",
    ]
    assert statements.index("drop table if exists raw.territories__swap") < len(statements) - 2


def test_static_swap_rewrites_the_version_register_in_the_same_transaction() -> None:
    versions = [StaticVersion(date(2026, 1, 5), 2), StaticVersion(date(2026, 1, 6), 0)]
    statements = dd.swap_static_sql(SOURCES["whitelist"], [URI], versions)
    rename = statements.index("alter table raw.whitelist__swap rename to whitelist")
    register = statements[rename + 1 :]
    assert register[0].startswith("create table if not exists raw.static_versions (")
    assert register[1] == "delete from raw.static_versions where source_name = 'whitelist'"
    assert "cast('2026-01-06' as date), cast(0 as bigint)" in register[2]  # the empty version
    # no versions landed: the source's register rows go, nothing is inserted
    empty = dd.swap_static_sql(SOURCES["whitelist"], [], [])
    assert empty[-1] == "delete from raw.static_versions where source_name = 'whitelist'"
