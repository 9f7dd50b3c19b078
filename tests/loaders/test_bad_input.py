"""The bad-input corpus (`bad_input/`, expected outcomes in `bad_input/manifest.yml`) through
the real `territory load` CLI on a local lake and a real DuckDB file; then one dbt night over
the corpus files only dbt can judge (a whitelist revoked by an empty re-delivery, a blacklist
that blocks every candidate territory)."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from loader_inbox import DAY_1, DAY_2

from loaders.sources import SOURCES
from territory.cli import main

CORPUS = Path(__file__).parent / "bad_input"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yml").read_text())
CASES = {case["id"]: case for case in MANIFEST["cases"]}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def deliver(inbox: Path, day: str, files: dict[str, str | None]) -> None:
    folder = inbox / day
    folder.mkdir(parents=True, exist_ok=True)
    for name, corpus_file in files.items():
        target = folder / SOURCES[name].file
        if corpus_file is None:
            target.unlink(missing_ok=True)
        else:
            shutil.copyfile(CORPUS / corpus_file, target)


def as_text(rows: list) -> list[list[str | None]]:
    return [[None if value is None else str(value) for value in row] for row in rows]


def check_counts(lake: Path, day: str, name: str, expected: dict[str, int]) -> None:
    """The report's counts, reconciled, and the lake objects holding exactly those rows."""
    partition = lake / name / day.replace("-", "/")
    report = json.loads((partition / "load_report.json").read_text())
    counts = {key: report[f"rows_{key}"] for key in ("read", "landed", "quarantined", "collapsed")}
    assert counts == expected, name
    assert counts["read"] == counts["landed"] + counts["quarantined"] + counts["collapsed"]
    if (partition / "quarantine.parquet").exists():
        assert pl.read_parquet(partition / "quarantine.parquet").height == counts["quarantined"]
    if report["status"] != "failed":
        assert pl.read_parquet(partition / "data.parquet").height == counts["landed"]


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input(
    case: dict,
    tmp_path: Path,
    territory_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox, lake = tmp_path / "inbox", territory_home / "lake"
    port = str(closed_port())
    for step in case["steps"]:
        # GIVEN the step's delivery and environment
        deliver(inbox, step["date"], step["files"])
        for name, value in step.get("env", {}).items():
            monkeypatch.setenv(name, value.replace("{closed_port}", port))
        # WHEN `territory load` runs on it
        status = main(["load", "--inbox", str(inbox), "--date", step["date"], *step["args"]])
        out, err = capsys.readouterr()
        # THEN the outcome is the manifest's
        assert status == step["exit"], err
        if step["exit"]:
            failed = [line for line in err.splitlines() if "territory load: FAILED:" in line]
            assert len(failed) == 1, err
            assert step["message"].replace("{closed_port}", port) in failed[0]
        for text in step.get("output", []):
            assert text in out
        for text in step.get("not_in_output", []):
            assert text not in out + err
        for name, expected in step.get("counts", {}).items():
            check_counts(lake, step["date"], name, expected)
        partition = step["date"].replace("-", "/")
        for name, reasons in step.get("reasons", {}).items():
            report = json.loads((lake / name / partition / "load_report.json").read_text())
            assert report["quarantine_reasons"] == reasons
        for name, rows in step.get("quarantine", {}).items():
            quarantine = pl.read_parquet(lake / name / partition / "quarantine.parquet")
            assert quarantine.select(list(rows[0])).to_dicts() == rows
        for key in step.get("lake_absent", []):
            assert not (lake / key).exists(), key
        for key in step.get("lake_present", []):
            assert (lake / key).exists(), key
        for check in step.get("sql", []):
            with duckdb.connect(str(territory_home / "warehouse.duckdb"), read_only=True) as db:
                assert as_text(db.execute(check["query"]).fetchall()) == as_text(check["rows"])


def test_every_corpus_file_has_a_case() -> None:
    used = {
        corpus_file
        for case in CASES.values()
        for step in case["steps"]
        for corpus_file in step["files"].values()
        if corpus_file
    }
    assert used == {path.name for path in CORPUS.iterdir() if path.name != "manifest.yml"}


def query(warehouse: Path, sql: str) -> list[tuple]:
    # Not read-only: dbt's in-process DuckDB connection has the file open read-write.
    with duckdb.connect(str(warehouse)) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.slow
def test_a_dbt_night_reports_what_the_loaders_cannot_judge(
    tiny_inbox: Path, territory_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN day 1 pins C0003 and C0005 (whitelist) and blacklists C0005 from T2, its only
    # candidate territory; day 2 re-delivers the whitelist header-only
    deliver(
        tiny_inbox,
        DAY_1.isoformat(),
        {"whitelist": "whitelist_two_rules.csv", "blacklist": "blacklist_blocks_all.csv"},
    )
    deliver(tiny_inbox, DAY_2.isoformat(), {"whitelist": "whitelist_header_only.csv"})
    # WHEN both nights run (the real nightly job: load every source, dbt build)
    assert main(["run", "--inbox", str(tiny_inbox), "--all"]) == 0, capsys.readouterr().err
    warehouse = territory_home / "warehouse.duckdb"

    def assigned(day, rule_type: str) -> list[tuple]:
        return query(
            warehouse,
            "select crosswalk.client_id, assignment.territory_id "
            "from analytics.fct_client_assignment as assignment "
            "inner join analytics.client_crosswalk as crosswalk "
            "on assignment.master_client_id = crosswalk.master_client_id "
            f"where assignment.run_date = date '{day}' and assignment.rule_type = '{rule_type}' "
            "order by 1",
        )

    # THEN day 1 assigns by the whitelist (C0005's pin beats its blacklist) ...
    assert [client for client, _ in assigned(DAY_1, "whitelist")] == ["C0003", "C0005"]
    # ... and from day 2, with the whitelist revoked, nobody is whitelisted
    assert assigned(DAY_2, "whitelist") == []
    assert query(warehouse, "select count(*) from staging.stg_crm__whitelist") == [(0,)]
    # AND on day 2 C0005, blacklisted from its only candidate, is UNASSIGNED and reported
    assert ("C0005", "UNASSIGNED") in assigned(DAY_2, "unassigned")
    findings = query(
        warehouse,
        "select crosswalk.client_id, conflict.severity, conflict.detail "
        "from analytics.rpt_assignment_conflicts as conflict "
        "inner join analytics.client_crosswalk as crosswalk "
        "on conflict.master_client_id = crosswalk.master_client_id "
        f"where conflict.run_date = date '{DAY_2}' "
        "and conflict.conflict_type = 'blacklist_blocks_all'",
    )
    ((client, severity, detail),) = findings
    assert (client, severity) == ("C0005", "WARNING")
    # The rule by its readable id (the file gives none: list, client, territory, start).
    assert detail.startswith("blacklist rules blacklist:C0005:T2:"), detail
    assert detail.endswith(
        " block every territory that routes the client (T2); the client is left UNASSIGNED"
    ), detail
