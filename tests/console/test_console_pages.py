"""Console pages and API without a built night: errors a user understands, never a trace; and
the same marts read through the Snowflake connection (fakesnow)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from territory.console.app import ConsoleConfig, create_app
from territory.console.reader import SnowflakeReader


def _client(tmp_path: Path, warehouse: Path, **options: Any) -> TestClient:
    config = ConsoleConfig(duckdb_path=warehouse, state_dir=tmp_path / "console", **options)
    return TestClient(create_app(config))


@pytest.mark.parametrize("path", ["/territories", "/clients/C1", "/review", "/changes"])
def test_no_warehouse_yet(tmp_path: Path, path: str) -> None:
    with _client(tmp_path, tmp_path / "missing.duckdb") as client:
        page = client.get(path)
        assert page.status_code == 503
        assert "No warehouse yet" in page.text and "territory run" in page.text
        assert "Traceback" not in page.text
        api = client.get("/api/territories")
        assert api.status_code == 503 and api.json()["state"] == "no_warehouse"
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["state"] == "no_warehouse"


def test_an_empty_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw; create table raw.clients (client_id varchar)")
    with _client(tmp_path, warehouse) as client:
        page = client.get("/territories")
        assert page.status_code == 503
        assert "The warehouse is empty" in page.text and "holds no marts yet" in page.text
        assert client.get("/health").json()["state"] == "empty"


def test_a_warehouse_built_by_an_older_version(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema analytics; create table analytics.dim_client (x int)")
    with _client(tmp_path, warehouse) as client:
        page = client.get("/review")
        assert page.status_code == 503
        assert "older version" in page.text and "analytics.rpt_match_evidence" in page.text
        assert "territory run --inbox INBOX --all" in page.text


def test_a_night_being_built_before_any_copy(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); "
            "print('open', flush=True); time.sleep(3)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    try:
        with _client(tmp_path, warehouse) as client:
            page = client.get("/territories")
            assert page.status_code == 503 and page.headers["retry-after"] == "5"
            assert "A night is being built" in page.text
            assert 'http-equiv="refresh"' in page.text  # the page comes back by itself
    finally:
        holder.wait()
    assert holder.returncode == 0


class _Broken:
    target = "duckdb"

    def query(self, sql: str, params: object = ()) -> list[dict[str, Any]]:
        raise RuntimeError("secret internals")

    def status(self) -> Any:
        from territory.console.reader import ReaderStatus

        return ReaderStatus("duckdb", "ok", "test")

    def close(self) -> None:
        pass


def test_an_unexpected_error_is_a_page_not_a_trace(tmp_path: Path) -> None:
    app = create_app(ConsoleConfig(state_dir=tmp_path), reader=_Broken())
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/territories")
        assert page.status_code == 500
        assert "Something went wrong" in page.text
        assert "secret internals" not in page.text and "Traceback" not in page.text
        assert client.get("/api/advisors").json() == {
            "detail": "The console could not answer this request; the server log has the details."
        }


# -- Snowflake: the same queries through the connector (qmark placeholders) on fakesnow -------
MARTS = {
    "dim_territory": "territory_key varchar, territory_id varchar, territory_name varchar, "
    "region varchar, segment varchar, tier varchar, is_unassigned boolean",
    "dim_client": "client_key varchar, master_client_id varchar, client_name varchar, "
    "country varchar, city varchar, aum_usd number(38, 2), tier varchar, record_count int",
    "dim_advisor": "advisor_key varchar, advisor_email varchar, full_name varchar, "
    "territory_id varchar, capacity int, is_active boolean",
    "fct_client_assignment": "run_date date, master_client_id varchar, client_key varchar, "
    "territory_id varchar, advisor_email varchar, advisor_key varchar, advisor_assignment varchar",
    "fct_assignment_change": "change_key varchar, run_date date, master_client_id varchar, "
    "change_type varchar",
    "client_crosswalk": "client_id varchar, master_client_id varchar",
    "fct_assignment_history": "master_client_id varchar, version_number int",
    "rpt_assignment_conflicts": "severity varchar, conflict_type varchar",
    "rpt_duplicate_candidates": "client_id_a varchar, client_id_b varchar",
    "rpt_match_evidence": "client_id_a varchar, client_id_b varchar",
    "rpt_assignment_change_reasons": "change_key varchar",
    "rpt_territory_staffing": "run_date date, territory_id varchar, territory_name varchar, "
    "region varchar, segment varchar, tier varchar, is_unassigned boolean, clients bigint, "
    "total_aum_usd number(38, 2), clients_without_advisor bigint, not_staffed_clients bigint, "
    "over_capacity_clients bigint, active_advisors bigint, total_capacity bigint, "
    "capacity_load double",
    "rpt_advisor_books": "run_date date, advisor_key varchar, advisor_email varchar, "
    "full_name varchar, territory_id varchar, is_active boolean, capacity int, clients bigint, "
    "retained_clients bigint, placed_clients bigint, territory_over_capacity_clients bigint, "
    "remaining_capacity bigint, capacity_load double, is_full boolean",
    "rpt_corporate_families": "run_date date, ultimate_parent_id varchar, "
    "ultimate_parent_name varchar, territory_id varchar, subsidiaries bigint, "
    "subsidiaries_apart bigint",
    "dim_client_record": "client_id varchar, master_client_id varchar, client_name varchar",
    "rpt_applied_match_decisions": "decision_id varchar, override_source varchar",
    "rpt_client_placement": "master_client_id varchar, family_root_id varchar",
    "rpt_active_client_rules": "rule_id varchar, master_client_id varchar",
}
ROWS = [
    "insert into analytics.dim_territory values ('t1', 'NA-AM', 'North America AM', 'NA', 'AM', "
    "null, false), ('t2', 'UNASSIGNED', 'Unassigned', 'n/a', 'n/a', null, true)",
    "insert into analytics.dim_client values ('k1', 'C1', 'Acme', 'US', 'NYC', 100.50, 'GOLD', 2),"
    " ('k2', 'C3', 'Beta', 'US', 'LA', 20, 'SILVER', 1)",
    "insert into analytics.dim_advisor values ('a1', 'ann@x.com', 'Ann', 'NA-AM', 1, true)",
    "insert into analytics.fct_client_assignment values "
    "('2026-01-05', 'C1', 'k1', 'NA-AM', 'ann@x.com', 'a1', 'retained'), "
    "('2026-01-05', 'C3', 'k2', 'NA-AM', null, null, 'over_capacity')",
    "insert into analytics.client_crosswalk values ('C1', 'C1'), ('C2', 'C1'), ('C3', 'C3')",
    # The coverage marts dbt derives from the rows above.
    "insert into analytics.rpt_territory_staffing values "
    "('2026-01-05', 'NA-AM', 'North America AM', 'NA', 'AM', null, false, 2, 120.50, 1, 0, 1, "
    "1, 1, 1.0), "
    "('2026-01-05', 'UNASSIGNED', 'Unassigned', 'n/a', 'n/a', null, true, 0, 0, 0, 0, 0, 0, 0, "
    "null)",
    "insert into analytics.rpt_advisor_books values "
    "('2026-01-05', 'a1', 'ann@x.com', 'Ann', 'NA-AM', true, 1, 1, 1, 0, 1, 0, 1.0, true)",
]


@pytest.fixture
def snowflake_reader(fakesnow_server: dict) -> Iterator[SnowflakeReader]:
    import snowflake.connector

    settings = {**fakesnow_server, "database": "TERRITORY_CONSOLE"}
    with snowflake.connector.connect(**fakesnow_server) as connection:
        cursor = connection.cursor()
        cursor.execute("create database if not exists territory_console")
        cursor.execute("use database territory_console")
        cursor.execute("create schema if not exists analytics")
        for table, columns in MARTS.items():
            cursor.execute(f"create or replace table analytics.{table} ({columns})")
        for statement in ROWS:
            cursor.execute(statement)
    reader = SnowflakeReader(settings, target="snowflake_emulated")
    yield reader
    reader.close()


def test_the_api_reads_the_marts_through_snowflake(
    tmp_path: Path, snowflake_reader: SnowflakeReader
) -> None:
    app = create_app(
        ConsoleConfig(target="snowflake_emulated", state_dir=tmp_path), snowflake_reader
    )
    with TestClient(app) as client:
        territories = client.get("/api/territories").json()
        assert territories["night"] == "2026-01-05"
        na = next(row for row in territories["data"] if row["territory_id"] == "NA-AM")
        assert (na["clients"], na["aum_usd"], na["clients_without_advisor"]) == (2, 120.5, 1)
        assert [a["advisor_email"] for a in na["advisors"]] == ["ann@x.com"]
        assert (na["capacity"], na["load"]) == (1, 1.0)
        assert [
            row["territory_id"] for row in client.get("/api/territories?region=na").json()["data"]
        ] == ["NA-AM"]
        advisors = client.get("/api/advisors").json()
        assert advisors["data"][0]["clients"] == 1 and advisors["data"][0]["is_full"] is True
        assert [
            (gap["territory_id"], gap["over_capacity_clients"]) for gap in advisors["staffing_gaps"]
        ] == [("NA-AM", 1)]
        assert client.get("/hierarchy").status_code == 200  # the families, none here
        assert client.get("/health").json()["state"] == "ok"
        assert client.get("/api/clients/NOPE").status_code == 404


def test_the_conflict_types_the_console_accepts_are_the_marts() -> None:
    """The console's filter list and rpt_assignment_conflicts' accepted values stay one list."""
    import yaml

    from territory.console.queries import CONFLICT_TYPES

    models = Path(__file__).parents[2] / "dbt_territory" / "models" / "marts" / "core"
    spec = yaml.safe_load((models / "_core__models.yml").read_text())
    (conflicts,) = [m for m in spec["models"] if m["name"] == "rpt_assignment_conflicts"]
    (column,) = [column for column in conflicts["columns"] if column["name"] == "conflict_type"]
    (accepted,) = [
        test["accepted_values"]["arguments"]["values"]
        for test in column["data_tests"]
        if isinstance(test, dict) and "accepted_values" in test
    ]
    assert sorted(CONFLICT_TYPES) == sorted(accepted)
