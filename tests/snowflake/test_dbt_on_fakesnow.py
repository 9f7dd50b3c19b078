"""The whole dbt project on Snowflake SQL, proven offline and row for row against DuckDB.

One generated inbox (`small_inbox`: 3,000 records), three nights, two warehouses:
- Snowflake SQL: landed into a moto S3 server on loopback, loaded by the loaders' Snowflake
  path (COPY INTO from an external stage over the bucket, MERGE / clone + rename) into a
  fakesnow server, then `dbt build` of the whole project on the `snowflake_emulated` target
  (seeds, staging, dedup, assignment, marts, history; unit tests are off on that target).
  fakesnow runs in this process, so its DuckDB reads the bucket through a registered s3fs
  filesystem (DuckDB cannot download httpfs here).
- DuckDB: the same inbox through `territory run`, the embedded default (`small_nights`, the
  suite's shared build of `small_inbox`).
The marts of both must be equal, row for row, after normalising driver types.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import boto3
import duckdb
import pytest
import s3fs
import snowflake.connector
from shared_builds import BuiltNights

from loaders.warehouse import snowflake as sf
from territory.config import build_config
from territory.nightly import dbt as transform
from territory.nightly import replay
from territory.nightly.runner import load

# One worker under pytest-xdist (make test): the fakesnow build is module state in this process.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fakesnow_build")]

CHECKOUT = Path(__file__).resolve().parents[2]
START = date(2026, 1, 5)
NIGHTS = [START + timedelta(days=offset) for offset in range(3)]
MARTS = [
    "dim_client",
    "client_crosswalk",
    "fct_client_assignment",
    "fct_assignment_change",
    "dim_territory",
    "dim_advisor",
    "dim_date",
    "rpt_assignment_conflicts",
    "rpt_duplicate_candidates",
    "rpt_client_assignments",
    "rpt_regional_summary",
    "rpt_territory_summary",
    "rpt_advisor_workload",
    "rpt_client_hierarchy",
    "rpt_assignment_history",
    "fct_assignment_history",
    "client_identity_history",
    "rpt_territory_staffing",
    "rpt_advisor_books",
    "rpt_corporate_families",
    "rpt_match_evidence",
    "er_model_parameters",
    "observability.rpt_export_freshness",
]
# Numbers compared to 12 significant digits: fakesnow sums number(38, 2) columns in floating
# point (1647831842.2400002 for 1647831842.24), where Snowflake and DuckDB sum exact decimals.
SIGNIFICANT_DIGITS = 12


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pytest.MonkeyPatch]:
    """Module-wide environment, restored afterwards (run_dbt sets TERRITORY_* itself)."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("home")
        for name in ("TERRITORY_DBT_TARGET", "TERRITORY_DUCKDB_PATH", "TERRITORY_LAKE_ROOT"):
            patch.setenv(name, os.environ.get(name, ""))  # restored on exit
        patch.setenv("TERRITORY_HOME", str(home))
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield patch


def fakesnow_duckdb() -> duckdb.DuckDBPyConnection:
    """The DuckDB connection behind the in-process fakesnow server (shared by its sessions)."""
    return sys.modules["fakesnow.server"].shared_fs.duck_conn


def build_on_fakesnow(
    inbox: Path, server: dict, endpoint: str, patch: pytest.MonkeyPatch
) -> snowflake.connector.SnowflakeConnection:
    database = f"territory_{uuid.uuid4().hex[:8]}"
    patch.setenv("TERRITORY_S3_ENDPOINT_URL", endpoint)
    patch.setenv("SNOWFLAKE_HOST", server["host"])
    patch.setenv("SNOWFLAKE_PORT", str(server["port"]))
    patch.setenv("SNOWFLAKE_DATABASE", database)
    bucket = f"lake-{database.replace('_', '-')}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    config = build_config(
        {"inbox": inbox, "target": "snowflake_emulated", "lake_root": f"s3://{bucket}/lake"},
        load_secrets=False,
    )
    lake = config.open_lake()

    files = fakesnow_duckdb()
    if files.filesystem_is_registered("s3"):
        files.unregister_filesystem("s3")
    files.register_filesystem(s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True))

    connection = snowflake.connector.connect(**server, database=database)
    connection.cursor().execute(f"create database if not exists {database}")
    connection.cursor().execute(f"use database {database}")
    warehouse = sf.SnowflakeWarehouse(connection=connection, emulated=True)
    warehouse.ensure_stage(f"{lake.root}/")
    for night in NIGHTS:
        load(config, night, lake=lake, warehouse=warehouse)
        result = transform.run_dbt(["build"], config, run_date=night)
        executed = {str(r.node.resource_type) for r in result.result.results}
        assert {"seed", "model", "test"} <= executed
        assert "unit_test" not in executed  # off on the emulator only
        replay.record_built(warehouse, night)
    # The night ledger (Snowflake SQL): both nights built, in order, nothing left to replay.
    assert replay.plan(warehouse).dates == []
    assert replay.plan(warehouse, [NIGHTS[0]]).dates == NIGHTS
    return connection


def normalise(value: object) -> object:
    """One representation per value whatever the driver: numbers as floats rounded to
    SIGNIFICANT_DIGITS, naive UTC timestamps, everything else as is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | float | int):
        return float(f"{float(value):.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None) - (value.utcoffset() or timedelta(0))
    return value


def table(cursor_rows: list[tuple], columns: list[str]) -> tuple[list[str], list[tuple]]:
    names = [name.lower() for name in columns]
    order = sorted(range(len(names)), key=names.__getitem__)
    rows = [tuple(normalise(row[i]) for i in order) for row in cursor_rows]
    return [names[i] for i in order], sorted(rows, key=repr)


def qualified(name: str) -> str:
    """A mart's name with its schema: analytics unless the name says another."""
    return name if "." in name else f"analytics.{name}"


def read_fakesnow(connection, name: str) -> tuple[list[str], list[tuple]]:
    cursor = connection.cursor()
    cursor.execute(f"select * from {qualified(name)}")
    return table(cursor.fetchall(), [column[0] for column in cursor.description])


def read_duckdb(path: Path, name: str) -> tuple[list[str], list[tuple]]:
    # Read-only: the shared build is read by other tests (and workers) at the same time.
    with duckdb.connect(str(path), read_only=True) as connection:
        result = connection.execute(f"select * from {qualified(name)}")
        return table(result.fetchall(), [column[0] for column in result.description])


@pytest.fixture(scope="module")
def both_builds(
    small_nights: BuiltNights,
    fakesnow_server: dict,
    moto_endpoint: str,
    environment: pytest.MonkeyPatch,
):
    assert small_nights.nights == NIGHTS
    snowflake_connection = build_on_fakesnow(
        small_nights.inbox, fakesnow_server, moto_endpoint, environment
    )
    # The embedded default's build of the same inbox (shared by the suite: read, not changed)
    yield snowflake_connection, small_nights.homes[-1] / "warehouse.duckdb"
    snowflake_connection.close()


@pytest.mark.parametrize("mart", MARTS, ids=MARTS)
def test_mart_matches_duckdb_row_for_row(both_builds, mart: str) -> None:
    snowflake_connection, duckdb_path = both_builds
    columns, emulated = read_fakesnow(snowflake_connection, mart)
    expected_columns, expected = read_duckdb(duckdb_path, mart)
    assert columns == expected_columns
    assert expected, f"{mart} is empty on DuckDB: nothing compared"
    emulated_rows, expected_rows = set(emulated), set(expected)
    missing = [row for row in expected if row not in emulated_rows]
    extra = [row for row in emulated if row not in expected_rows]
    assert (missing[:5], extra[:5]) == ([], []), f"{len(missing)} missing, {len(extra)} extra"
    assert len(emulated) == len(expected)


def test_both_nights_reached_the_facts(both_builds) -> None:
    snowflake_connection, _ = both_builds
    cursor = snowflake_connection.cursor()
    cursor.execute(
        "select run_date, count(*) from analytics.fct_client_assignment group by 1 order by 1"
    )
    counts = cursor.fetchall()
    assert [day for day, _ in counts] == NIGHTS and all(count > 250 for _, count in counts)
    cursor.execute("select count(*) from analytics.fct_assignment_history where is_current")
    assert cursor.fetchone()[0] == counts[-1][1]


def test_raw_tables_came_through_the_s3_stage(both_builds) -> None:
    snowflake_connection, _ = both_builds
    cursor = snowflake_connection.cursor()
    cursor.execute("show stages in schema raw")
    names = [column[0].lower() for column in cursor.description]
    stage = dict(zip(names, cursor.fetchone(), strict=True))
    assert stage["name"] == "TERRITORY_LAKE" and stage["url"].startswith("s3://lake-")
    cursor.execute("select _run_date, count(*) from raw.clients group by 1 order by 1")
    assert [day for day, _ in cursor.fetchall()] == NIGHTS


def test_apply_policies_finds_a_filter_column_on_every_leadership_view(
    both_builds, manifest: Path
) -> None:
    """The view discovery of governance.apply_policies() (its `secure_views` cursor, read from
    snowflake_sql/60_governance.sql) over the columns of the warehouse dbt built: every
    leadership view has REGION or TERRITORY_ID, so the procedure attaches a row access policy
    to each and returns no FAILED. fakesnow keeps no SECURE flag (IS_SECURE is always NO), so
    the cursor's `is_secure = 'YES'` reads as the views dbt makes secure on Snowflake: those
    under marts/leadership."""
    snowflake_connection, _ = both_builds
    procedure = (CHECKOUT / "snowflake_sql" / "60_governance.sql").read_text()
    (discovery,) = re.findall(r"secure_views cursor for\s+(select.*?);", procedure, re.S)
    nodes = json.loads(manifest.read_text())["nodes"].values()
    leadership = sorted(
        node["name"].upper()
        for node in nodes
        if node["resource_type"] == "model" and node["fqn"][1:3] == ["marts", "leadership"]
    )
    secure = "views.table_name in (" + ", ".join(f"'{name}'" for name in leadership) + ")"
    assert "views.is_secure = 'YES'" in discovery
    cursor = snowflake_connection.cursor()
    cursor.execute("select current_database()")
    (database,) = cursor.fetchone()
    cursor.execute(
        discovery.replace("&{database}", database).replace("views.is_secure = 'YES'", secure)
    )
    found = {name: (has_region, has_territory) for name, has_region, has_territory in cursor}
    assert sorted(found) == leadership
    unfiltered = [name for name, flags in found.items() if flags == (0, 0)]
    assert unfiltered == [], "apply_policies() would return FAILED and revoke these"
    # The column each policy goes on, as the README's Deploy section says.
    on_region = {name for name, (has_region, _) in found.items() if has_region}
    assert on_region == {"RPT_REGIONAL_SUMMARY", "RPT_TERRITORY_SUMMARY"}
