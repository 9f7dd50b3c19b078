"""Re-running a night replaces exactly that night in the run-date facts, also when its new result
is empty, and the derived assignment history closes removed clients on the run date.

Each test takes a private copy of `small_inbox`'s first two nights (built once for the session)
whose second night it may re-deliver (day 1's clients again, then retracted) and re-run."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from shared_builds import BuiltNights

pytestmark = pytest.mark.slow

# Models and seeds; the data tests and unit tests run in the other dbt tests.
BUILD_WITHOUT_TESTS = [
    "build",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
]


@dataclass
class Nights:
    inbox: Path
    lake_root: Path
    warehouse: Path
    first: date
    second: date

    @property
    def config(self):
        from territory.config import build_config

        home = self.warehouse.parent
        return build_config({"home": home, "inbox": self.inbox}, environ={}, load_secrets=False)


def query(warehouse: Path, sql: str) -> list[tuple]:
    # Same (default) configuration as the connection dbt-duckdb keeps open in this process.
    with duckdb.connect(str(warehouse)) as conn:
        return conn.execute(sql).fetchall()


def build(nights: Nights, run_date: date) -> None:
    from territory.nightly.dbt import run_dbt

    run_dbt(BUILD_WITHOUT_TESTS, nights.config, run_date=run_date)


def load_night(nights: Nights, run_date: date) -> None:
    from territory.nightly.runner import load

    load(nights.config, run_date)


def assignments(warehouse: Path, run_date: date) -> dict[str, tuple[str, str | None]]:
    found = query(
        warehouse,
        "select master_client_id, territory_id, advisor_email from analytics.fct_client_assignment "
        f"where run_date = date '{run_date}'",
    )
    return {master: (territory, advisor) for master, territory, advisor in found}


def expected_changes(before: dict, after: dict) -> set[tuple[str, str]]:
    """NEW / CHANGED / REMOVED between two nights of fct_client_assignment, in Python."""
    changes = {(master, "NEW") for master in after.keys() - before.keys()}
    changes |= {(master, "REMOVED") for master in before.keys() - after.keys()}
    changes |= {
        (master, "CHANGED")
        for master in before.keys() & after.keys()
        if before[master] != after[master]
    }
    return changes


def changes(warehouse: Path, run_date: date) -> set[tuple[str, str]]:
    found = query(
        warehouse,
        "select master_client_id, change_type from analytics.fct_assignment_change "
        f"where run_date = date '{run_date}'",
    )
    return set(found)


@pytest.fixture
def nights(small_nights: BuiltNights, tmp_path: Path) -> Nights:
    """Nights 1 and 2 of small_inbox built in order, in a private home and inbox."""
    first, second = small_nights.nights[:2]
    home = small_nights.copy(second, tmp_path / "home")
    inbox = tmp_path / "inbox"
    for night in (first, second):
        shutil.copytree(small_nights.inbox / night.isoformat(), inbox / night.isoformat())
    return Nights(inbox, home / "lake", home / "warehouse.duckdb", first, second)


def test_history_closes_removed_clients_on_the_run_date(nights: Nights) -> None:
    removed = {
        master for master, kind in changes(nights.warehouse, nights.second) if kind == "REMOVED"
    }
    assert removed, "the second generated night should drop some clients"
    closing = dict(
        query(
            nights.warehouse,
            "select master_client_id, max(valid_to) from analytics.fct_assignment_history "
            "group by master_client_id having count(valid_to) = count(*)",
        )
    )
    # Every removed client has no current version any more, closed on the second night...
    assert {master: closing.get(master) for master in removed} == dict.fromkeys(
        removed, nights.second
    )
    # ...and every version closed so far (changes and removals alike) is stamped in run dates.
    stamps = query(
        nights.warehouse,
        "select distinct valid_to from analytics.fct_assignment_history where valid_to is not null",
    )
    assert stamps == [(nights.second,)]


def test_rerun_replaces_the_nights_rows_even_when_empty(nights: Nights) -> None:
    warehouse, first, second = nights.warehouse, nights.first, nights.second
    before = changes(warehouse, second)
    assert before, "the second generated night should change some assignments"

    # WHEN night 2 is re-delivered with night 1's clients and re-run
    shutil.copy(nights.inbox / first.isoformat() / "clients.csv", nights.inbox / second.isoformat())
    load_night(nights, second)
    build(nights, second)
    # THEN its audit trail is recomputed from scratch: here nothing changed, so it is empty
    expected = expected_changes(assignments(warehouse, first), assignments(warehouse, second))
    assert expected == set(), "night 1's clients on night 2 should keep every assignment"
    assert changes(warehouse, second) == expected

    # WHEN night 2's delivery is retracted from raw and the night re-run
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(f"delete from raw.clients where _run_date = date '{second}'")
    build(nights, second)
    # THEN night 2 has no assignments and no changes left, and night 1 is untouched
    assert assignments(warehouse, second) == {}
    assert changes(warehouse, second) == set()
    counts = query(
        warehouse,
        "select run_date, count(*) from analytics.fct_client_assignment group by run_date",
    )
    assert [run_date for run_date, _ in counts] == [first]
