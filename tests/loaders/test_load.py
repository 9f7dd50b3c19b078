"""`territory load` end to end on the embedded default: local lake + a real DuckDB file.

Failure modes go through the real CLI (`territory.cli.main`); idempotency and crash safety are
checked on Parquet checksums and raw-table contents.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest
from loader_inbox import DAY_1, DAY_2, TERRITORIES, client_row, clients_csv

from loaders import lake as lake_module
from loaders.lake import LocalLake
from loaders.warehouse import duckdb as duckdb_warehouse
from territory.cli import main

TABLES = ("clients", "advisors", "territories", "whitelist", "blacklist")
ONE_ADVISOR = {
    "advisor_email": {"0": "new@bank"},
    "full_name": {"0": "New One"},
    "territory_id": {"0": "T1"},
    "capacity": {"0": 5},
    "is_active": {"0": True},
}


def territory_load(inbox: Path, day, *extra: str) -> int:
    return main(["load", "--inbox", str(inbox), "--date", day.isoformat(), *extra])


def raw_rows(database: Path, table: str) -> list[tuple]:
    """A raw table's rows, minus what legitimately differs between two loads (server time,
    the lake path the row came from)."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(
            f"select * exclude (_ingested_at, _file_name) from raw.{table} order by all"
        ).fetchall()


def checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_load_prints_reconciling_counts(
    tiny_inbox: Path, territory_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert territory_load(tiny_inbox, DAY_1) == 0
    out = capsys.readouterr().out
    assert "clients      loaded   read         63  landed         61  quarantined       2" in out
    assert "loaded         60" in out  # the duplicate C0001 collapses in the warehouse
    assert "quarantined      1 x aum_usd: not a valid decimal" in out
    lake = territory_home / "lake" / "clients" / "2026" / "01" / "05"
    assert sorted(path.name for path in lake.iterdir()) == [
        "data.parquet",
        "load_report.json",
        "quarantine.parquet",
    ]
    database = territory_home / "warehouse.duckdb"
    assert len(raw_rows(database, "clients")) == 60
    with duckdb.connect(str(database), read_only=True) as connection:
        kept = connection.execute(
            "select aum_usd, _source_row_number, _file_name, _file_row_number "
            "from raw.clients where client_id = 'C0001'"
        ).fetchall()
    # the later duplicate won; the file columns point at the landed object and its row
    assert kept == [(2_000_000, 61, str(lake / "data.parquet"), 61)]


def test_static_sources_stand_when_absent(
    tiny_inbox: Path, territory_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert territory_load(tiny_inbox, DAY_1) == 0
    assert territory_load(tiny_inbox, DAY_2) == 0
    out = capsys.readouterr().out
    assert "advisors     absent" in out and "(standing: 2026-01-05)" in out
    assert not (territory_home / "lake" / "advisors" / "2026" / "01" / "06").exists()
    # every landed territories version is in raw, each under its own _run_date
    versions = {row[5]: 0 for row in raw_rows(territory_home / "warehouse.duckdb", "territories")}
    assert sorted(versions) == [DAY_1, DAY_2]


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda day: (day / "clients.csv").unlink(), "clients.csv: required daily file is missing"),
        (lambda day: (day / "clients.csv").write_text(""), "clients.csv: file is empty"),
        (
            lambda day: (day / "territories.csv").write_text("territory_id,segment\nT1,Inst\n"),
            "territories.csv: header lacks required column(s) region",
        ),
        (
            lambda day: (day / "advisors.json").write_text('{"Advisor Email": {"0": '),
            "advisors.json: unparseable JSON",
        ),
        (
            lambda day: (day / "advisors.json").unlink(),
            "advisors.json: missing, and no earlier advisors partition stands in the lake",
        ),
        (
            lambda day: (day / "clients.csv").write_bytes(clients_csv([])),
            "clients.csv: file has a header but no rows",
        ),
    ],
    ids=[
        "missing-file",
        "empty-file",
        "missing-column",
        "bad-json",
        "no-static-version",
        "header-only",
    ],
)
def test_failures_exit_non_zero_naming_file_and_problem(
    tiny_inbox: Path,
    territory_home: Path,
    capsys: pytest.CaptureFixture[str],
    breakage,
    message: str,
) -> None:
    breakage(tiny_inbox / DAY_1.isoformat())
    assert territory_load(tiny_inbox, DAY_1) == 1
    error = capsys.readouterr().err
    assert "territory load: FAILED:" in error
    assert message in error
    assert str(tiny_inbox / DAY_1.isoformat()) in error  # names the file by its path


def test_quarantine_ceiling_fails_but_keeps_the_quarantine(
    tiny_inbox: Path, territory_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2 of 63 rows (3.2%) are bad: fine under the 5% default, fatal under 1%
    assert territory_load(tiny_inbox, DAY_1, "--max-quarantine-rate", "0.01") == 1
    error = capsys.readouterr().err
    assert "clients.csv: 2 of 63 rows quarantined (3.2%) exceeds the ceiling of 1.0%" in error
    partition = territory_home / "lake" / "clients" / "2026" / "01" / "05"
    assert (partition / "quarantine.parquet").is_file()
    assert not (partition / "data.parquet").exists()


def test_quarantine_ceiling_reads_its_environment_variable(
    tiny_inbox: Path,
    territory_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TERRITORY_MAX_QUARANTINE_RATE", "0.01")
    assert territory_load(tiny_inbox, DAY_1) == 1
    error = capsys.readouterr().err
    assert "clients.csv: 2 of 63 rows quarantined (3.2%) exceeds the ceiling of 1.0%" in error
    # and a flag wins over the variable
    assert territory_load(tiny_inbox, DAY_1, "--max-quarantine-rate", "0.05") == 0


def test_landing_a_date_twice_gives_identical_bytes(
    tiny_inbox: Path, territory_home: Path, tmp_path: Path
) -> None:
    for attempt in ("first", "second"):
        lake = tmp_path / attempt
        assert territory_load(tiny_inbox, DAY_1, "--step", "land", "--lake-root", str(lake)) == 0
    first, second = checksums(tmp_path / "first"), checksums(tmp_path / "second")
    assert len(first) == 15  # five sources x data, quarantine, report
    assert first == second
    # re-landing in place rewrites exactly that partition, with the same bytes
    before = checksums(tmp_path / "first")
    assert (
        territory_load(tiny_inbox, DAY_1, "--step", "land", "--lake-root", str(tmp_path / "first"))
        == 0
    )
    assert checksums(tmp_path / "first") == before


def test_relanding_a_date_touches_no_other_partition(
    tiny_inbox: Path, territory_home: Path
) -> None:
    lake = territory_home / "lake"
    assert territory_load(tiny_inbox, DAY_1, "--step", "land") == 0
    assert territory_load(tiny_inbox, DAY_2, "--step", "land") == 0
    day_1 = {k: v for k, v in checksums(lake).items() if "/2026/01/05/" in k}
    (tiny_inbox / DAY_2.isoformat() / "clients.csv").write_bytes(
        clients_csv([client_row("C1", "One", "2026-01-05")])
    )
    assert territory_load(tiny_inbox, DAY_2, "--step", "land") == 0
    assert {k: v for k, v in checksums(lake).items() if "/2026/01/05/" in k} == day_1


def test_three_loads_of_a_date_leave_one_loads_rows(tiny_inbox: Path, territory_home: Path) -> None:
    database = territory_home / "warehouse.duckdb"
    tables = []
    for _ in range(3):
        assert territory_load(tiny_inbox, DAY_1) == 0
        tables.append({table: raw_rows(database, table) for table in TABLES})
    assert tables[0] == tables[1] == tables[2]
    assert [len(tables[0][table]) for table in TABLES] == [60, 3, 2, 1, 1]


def test_reloading_a_date_replaces_exactly_that_date(
    tiny_inbox: Path, territory_home: Path
) -> None:
    database = territory_home / "warehouse.duckdb"
    assert territory_load(tiny_inbox, DAY_1) == 0
    assert territory_load(tiny_inbox, DAY_2) == 0
    day_1_rows = [row for row in raw_rows(database, "clients") if row[12] == DAY_1]
    # GIVEN day 2 re-delivered with one client only
    (tiny_inbox / DAY_2.isoformat() / "clients.csv").write_bytes(
        clients_csv([client_row("C0002", "Two", "2026-01-05")])
    )
    assert territory_load(tiny_inbox, DAY_2, "--max-quarantine-rate", "1") == 0
    rows = raw_rows(database, "clients")
    assert [row for row in rows if row[12] == DAY_1] == day_1_rows
    assert [(row[0], row[12]) for row in rows if row[12] == DAY_2] == [("C0002", DAY_2)]


def test_backfill_out_of_order_matches_in_order(
    tiny_inbox: Path, territory_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def night(home: str, day, *extra: str) -> None:
        monkeypatch.setenv("TERRITORY_DUCKDB_PATH", str(tmp_path / home / "warehouse.duckdb"))
        lake = str(tmp_path / home / "lake")
        assert territory_load(tiny_inbox, day, "--lake-root", lake, *extra) == 0

    night("in_order", DAY_1)
    night("in_order", DAY_2)
    # day 2's daily file and new territories arrive first; day 1 is backfilled after
    night("backfill", DAY_2, "--source", "clients", "--source", "territories")
    night("backfill", DAY_1)
    for table in TABLES:
        in_order = raw_rows(tmp_path / "in_order" / "warehouse.duckdb", table)
        backfill = raw_rows(tmp_path / "backfill" / "warehouse.duckdb", table)
        assert in_order == backfill, table
    assert len(raw_rows(tmp_path / "backfill" / "warehouse.duckdb", "clients")) == 120


def test_killed_land_leaves_the_previous_partition(
    tiny_inbox: Path,
    territory_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lake = territory_home / "lake"
    assert territory_load(tiny_inbox, DAY_1, "--step", "land") == 0
    before = checksums(lake)
    (tiny_inbox / DAY_1.isoformat() / "territories.csv").write_text(TERRITORIES.replace("T2", "T9"))

    def crash(source: str, target: str) -> None:
        raise OSError(f"killed while publishing {target}")  # bytes written, not yet published

    monkeypatch.setattr(lake_module.os, "replace", crash)
    with pytest.raises(OSError, match="killed while publishing"):
        LocalLake(lake).put("territories/2026/01/05/data.parquet", b"half a file")
    # the CLI ends in one line naming the error, not a traceback
    assert territory_load(tiny_inbox, DAY_1, "--step", "land", "--source", "territories") == 1
    error = capsys.readouterr().err
    assert "territory load: FAILED: OSError: killed while publishing" in error
    assert "Traceback" not in error
    monkeypatch.setattr(lake_module.os, "replace", os.replace)
    # previous objects intact, no temporary file left behind
    assert checksums(lake) == before
    assert not [path for path in lake.rglob(".*") if path.is_file()]


@pytest.mark.parametrize("table", ["clients", "advisors"], ids=["daily-merge", "static-swap"])
def test_killed_warehouse_load_leaves_raw_tables(
    tiny_inbox: Path,
    territory_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
) -> None:
    database = territory_home / "warehouse.duckdb"
    assert territory_load(tiny_inbox, DAY_1) == 0
    before = raw_rows(database, table)
    # GIVEN a new delivery landed in the lake
    day_2 = tiny_inbox / DAY_2.isoformat()
    (day_2 / "advisors.json").write_text(json.dumps(ONE_ADVISOR))
    assert territory_load(tiny_inbox, DAY_2, "--step", "land") == 0

    def failing(generator):
        def statements(*args, **kwargs):
            sql = generator(*args, **kwargs)
            # the new rows are written (delete done / next version built), not yet published
            publish = next(
                i for i, s in enumerate(sql) if s.startswith(("merge", "drop table raw."))
            )
            return [*sql[:publish], "select error('injected crash before publish')", *sql[publish:]]

        return statements

    for name in ("merge_daily_sql", "swap_static_sql"):
        monkeypatch.setattr(duckdb_warehouse, name, failing(getattr(duckdb_warehouse, name)))
    assert territory_load(tiny_inbox, DAY_2, "--step", "warehouse", "--source", table) == 1
    error = capsys.readouterr().err
    assert f"{table} 2026-01-06: warehouse load into duckdb failed, raw table left as" in error
    assert "injected crash before publish" in error
    assert raw_rows(database, table) == before
    with duckdb.connect(str(database), read_only=True) as connection:
        leftovers = connection.execute(
            "select table_name from information_schema.tables where table_name like '%__swap'"
        ).fetchall()
    assert leftovers == []
    assert os.path.exists(database)
