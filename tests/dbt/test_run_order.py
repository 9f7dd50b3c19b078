"""Order never matters: any sequence of runs, re-runs and backfills of an inbox ends in the same
warehouse as the in-order run, table for table (the replay rule, `territory/nightly/replay.py`).

One 3-night inbox (`small_inbox`) whose in-order warehouse is built once for the session
(`small_nights`); every other sequence is compared with it over every table of `analytics` (the
marts, the per-date facts and the derived SCD2 history) with `except all` both ways."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from shared_builds import BuiltNights, copy_home
from territory_cli import territory

from loaders.inbox import inbox_dates
from territory.nightly.replay import Night, dirty_from

pytestmark = pytest.mark.slow

# Columns stamped with the warehouse clock, which no two runs share.
CLOCK_COLUMNS = {"_ingested_at", "loaded_at_warehouse"}


@pytest.fixture(scope="session")
def inbox(small_nights: BuiltNights) -> Path:
    return small_nights.inbox


@pytest.fixture(scope="session")
def in_order(small_nights: BuiltNights) -> Path:
    """The home after every night of the inbox, run in order (shared: a test that runs a night
    copies it)."""
    return small_nights.homes[-1]


@pytest.fixture(scope="session")
def nights(small_nights: BuiltNights) -> list[date]:
    assert len(small_nights.nights) == 3
    return small_nights.nights


# The tables dbt builds for readers: the marts, and the observability reports (not the run logs,
# which record each invocation).
COMPARED = (
    "(table_schema = 'analytics' or (table_schema = 'observability' and table_name like 'rpt_%'))"
)


def analytics_differences(expected: Path, actual: Path) -> dict[str, tuple[int, int]]:
    """Per mart (schema.table): rows only in `expected`, rows only in `actual` (except all)."""
    connection = duckdb.connect()
    try:
        connection.execute(f"attach '{expected}' as expected (read_only)")
        connection.execute(f"attach '{actual}' as actual (read_only)")
        tables = {
            catalog: sorted(
                f"{schema}.{name}"
                for (schema, name) in connection.execute(
                    "select table_schema, table_name from information_schema.tables "
                    f"where table_catalog = '{catalog}' and {COMPARED}"
                ).fetchall()
            )
            for catalog in ("expected", "actual")
        }
        assert tables["expected"] == tables["actual"]
        assert "analytics.fct_assignment_history" in tables["expected"]
        assert "observability.rpt_export_freshness" in tables["expected"]
        differences = {}
        for table in tables["expected"]:
            schema, name = table.split(".")
            columns = ", ".join(
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns where table_catalog = "
                    f"'expected' and table_schema = '{schema}' and table_name = '{name}' "
                    "order by ordinal_position"
                ).fetchall()
                if name not in CLOCK_COLUMNS
            )

            def only_in(left: str, right: str, table: str = table, columns: str = columns) -> int:
                return connection.execute(
                    f"select count(*) from (select {columns} from {left}.{table} "
                    f"except all select {columns} from {right}.{table})"
                ).fetchone()[0]

            differences[table] = (only_in("expected", "actual"), only_in("actual", "expected"))
        return differences
    finally:
        connection.close()


def assert_same_warehouse(expected: Path, actual: Path) -> None:
    differences = analytics_differences(expected / "warehouse.duckdb", actual / "warehouse.duckdb")
    assert {table: diff for table, diff in differences.items() if diff != (0, 0)} == {}


def test_running_every_night_twice_changes_nothing(
    inbox: Path, in_order: Path, nights: list[date], tmp_path: Path
) -> None:
    night_1, night_2, night_3 = nights
    home = copy_home(in_order, tmp_path / "home")
    output = territory(home, "run", "--inbox", str(inbox), "--all")
    assert f"building {night_1}, {night_2}, {night_3}" in output
    assert_same_warehouse(in_order, home)


def test_backfilling_a_night_replays_the_later_ones(
    inbox: Path, in_order: Path, small_nights: BuiltNights, tmp_path: Path
) -> None:
    night_1, night_2, night_3 = small_nights.nights
    home = small_nights.copy(night_1, tmp_path / "home")  # `territory run --date night_1`
    territory(home, "run", "--inbox", str(inbox), "--date", str(night_3))
    output = territory(home, "run", "--inbox", str(inbox), "--date", str(night_2))
    assert f"building {night_2}; replaying {night_3}" in output
    assert_same_warehouse(in_order, home)


def test_rerunning_an_earlier_night_replays_the_later_ones(
    inbox: Path, in_order: Path, nights: list[date], tmp_path: Path
) -> None:
    _, night_2, night_3 = nights
    home = copy_home(in_order, tmp_path / "home")
    output = territory(home, "run", "--inbox", str(inbox), "--date", str(night_2))
    assert f"building {night_2}; replaying {night_3}" in output
    assert_same_warehouse(in_order, home)


def test_a_reload_without_a_build_is_built_by_the_next_transform(
    inbox: Path, in_order: Path, nights: list[date], tmp_path: Path
) -> None:
    """`territory load` of an earlier night marks it stale; `territory transform` with no date
    then builds it and every later night."""
    _, night_2, night_3 = nights
    home = copy_home(in_order, tmp_path / "home")
    territory(home, "load", "--inbox", str(inbox), "--date", str(night_2))
    assert territory(home, "transform", "--plan").strip().splitlines()[-1] == (
        f'["{night_2}", "{night_3}"]'
    )
    territory(home, "transform")
    assert territory(home, "transform", "--plan").strip().splitlines()[-1] == "[]"
    assert_same_warehouse(in_order, home)


def test_current_marts_show_the_newest_night(in_order: Path, nights: list[date]) -> None:
    night_3 = nights[-1]
    with duckdb.connect(str(in_order / "warehouse.duckdb"), read_only=True) as connection:
        crosswalk_dates = connection.execute(
            "select distinct run_date from staging.stg_crm__clients"
        ).fetchall()
        (current_versions,) = connection.execute(
            "select count(*) from analytics.fct_assignment_history where is_current"
        ).fetchone()
        (newest_assignments,) = connection.execute(
            "select count(*) from analytics.fct_client_assignment "
            f"where run_date = date '{night_3}'"
        ).fetchone()
    assert crosswalk_dates == [(night_3,)]
    assert current_versions == newest_assignments


def test_history_is_the_gaps_and_islands_of_the_facts(in_order: Path) -> None:
    """Recomputed in Python from fct_client_assignment: a version per unbroken run of equal
    (territory, advisor, tier, rule) over consecutive run dates."""
    with duckdb.connect(str(in_order / "warehouse.duckdb"), read_only=True) as connection:
        facts = connection.execute(
            "select master_client_id, run_date, territory_id, advisor_email, tier, rule_type, "
            "rule_id from analytics.fct_client_assignment order by master_client_id, run_date"
        ).fetchall()
        history = set(
            connection.execute(
                "select master_client_id, territory_id, advisor_email, tier, rule_type, "
                "rule_id, valid_from, valid_to, is_current from analytics.fct_assignment_history"
            ).fetchall()
        )
    run_dates = sorted({row[1] for row in facts})
    following = dict(zip(run_dates, [*run_dates[1:], None], strict=True))
    expected: set[tuple] = set()
    current: list | None = None
    for master, run_date, *attributes in facts:
        continues = (
            current is not None
            and current[0] == master
            and following[current[-1]] == run_date
            and current[1] == attributes
        )
        if continues:
            current[-1] = run_date
            continue
        if current is not None:
            expected.add(_version(current, following))
        current = [master, attributes, run_date, run_date]
    expected.add(_version(current, following))
    assert history == expected
    changed = [row for row in history if row[7] is not None]
    assert changed, "the generated nights change some assignments"


def _version(current: list, following: dict) -> tuple:
    master, attributes, valid_from, last = current
    valid_to = following[last]
    return (master, *attributes, valid_from, valid_to, valid_to is None)


def test_inbox_folders_not_named_as_dates_are_an_error(tmp_path: Path) -> None:
    for name in ("2026-01-05", "2026-01-06", "truth", "20260107", "backup"):
        (tmp_path / name).mkdir()
    with pytest.raises(ValueError, match=r"not named YYYY-MM-DD: 20260107, backup"):
        inbox_dates(tmp_path)
    for name in ("20260107", "backup"):
        (tmp_path / name).rmdir()
    assert inbox_dates(tmp_path) == [date(2026, 1, 5), date(2026, 1, 6)]


@pytest.mark.parametrize(
    ("ledger", "requested", "expected"),
    [
        ([(1, 1, 2), (2, 3, 4)], [], None),
        ([(1, 1, 2), (2, 3, None)], [], 2),
        ([(1, 5, 2), (2, 3, 4)], [], 1),  # night 1 re-loaded since its build
        ([(1, 1, 6), (2, 3, 4)], [], 2),  # night 2 was built before night 1's rebuild
        ([(1, 1, 2), (2, 3, 4)], [2], 2),
        ([(1, None, None), (3, 1, 2)], [], 1),
    ],
    ids=["all-current", "never-built", "reloaded", "built-on-stale", "requested", "ledger-gap"],
)
def test_the_earliest_dirty_night(
    ledger: list[tuple], requested: list[int], expected: int | None
) -> None:
    nights = [Night(date(2026, 1, day), loaded, built) for day, loaded, built in ledger]
    start = dirty_from(nights, [date(2026, 1, day) for day in requested])
    assert start == (date(2026, 1, expected) if expected else None)


def test_no_company_is_reported_removed_and_new_on_one_night(inbox: Path, in_order: Path) -> None:
    """Master ids persist: no night reports a REMOVED master and a NEW master whose records are
    the same ground-truth entity (the generator's truth/entities.csv)."""
    truth = inbox / "truth" / "entities.csv"
    with duckdb.connect(str(in_order / "warehouse.duckdb"), read_only=True) as connection:
        (rekeyed,) = connection.execute(
            f"""
            with truth as (select * from read_csv('{truth}', all_varchar = true)),
            changes as (select * from analytics.fct_assignment_change),
            identities as (select * from analytics.client_identity_history),
            nights as (
                select run_date, lag(run_date) over (order by run_date) as previous_run_date
                from (select distinct run_date from identities)
            ),
            removed as (
                select changes.run_date, truth.entity_id
                from changes
                inner join nights on changes.run_date = nights.run_date
                inner join identities
                    on identities.run_date = nights.previous_run_date
                    and identities.master_client_id = changes.master_client_id
                inner join truth on identities.client_id = truth.client_id
                where changes.change_type = 'REMOVED'
            ),
            added as (
                select changes.run_date, truth.entity_id
                from changes
                inner join identities
                    on identities.run_date = changes.run_date
                    and identities.master_client_id = changes.master_client_id
                inner join truth on identities.client_id = truth.client_id
                where changes.change_type = 'NEW'
            )
            select count(*) from removed
            inner join added using (run_date, entity_id)
            """
        ).fetchone()
        (removed,) = connection.execute(
            "select count(*) from analytics.fct_assignment_change where change_type = 'REMOVED'"
        ).fetchone()
    assert removed, "the generated nights remove some clients"
    assert rekeyed == 0
