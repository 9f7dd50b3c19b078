"""Stale deliveries are measured against each night's own run date, reported past the warning
threshold and fail the night past the error threshold (thresholds in the source registry).

GIVEN the generated CRM's first two nights with every `Last Modified` set back: 5 days before
night 1 (past the 3-day warning) and 17 days before night 2 (past the 7-day error).
WHEN the real nightly job runs them in order.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from shared_builds import BuiltNights
from territory_cli import territory, territory_fails

from loaders.sources import Source, Staleness

pytestmark = pytest.mark.slow  # real nightly runs


def _stale_copy(night: Path, destination: Path, last_modified: str) -> None:
    """The night's deliveries, its clients.csv with every `Last Modified` = `last_modified`."""
    shutil.copytree(night, destination)
    clients = destination / "clients.csv"
    frame = pl.read_csv(clients, infer_schema=False)
    (column,) = [name for name in frame.columns if name.strip().lower() == "last modified"]
    frame.with_columns(pl.lit(last_modified).alias(column)).write_csv(clients)


def test_a_stale_export_warns_then_fails_the_night_with_its_reason(
    small_inbox: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    _stale_copy(small_inbox / "2026-01-05", inbox / "2026-01-05", "2025-12-31T09:00:00Z")
    _stale_copy(small_inbox / "2026-01-06", inbox / "2026-01-06", "2025-12-20T09:00:00Z")
    home = tmp_path / "home"

    warned = territory(home, "run", "--inbox", str(inbox), "--date", "2026-01-05")
    warning = (
        "clients.csv: newest last_modified in the delivery is 2025-12-31, 5 days before the "
        "night of 2026-01-05 (warning after 3 days, failing after 7 days)"
    )
    assert f"stale deliveries: {warning}" in warned
    # What the Airflow transform DAG's last task prints and alerts on.
    recorded = territory(home, "transform", "--record-built", "2026-01-05")
    assert f"stale export (WARN): {warning}" in recorded

    failed = territory_fails(home, "run", "--inbox", str(inbox), "--date", "2026-01-06")
    assert (
        "night 2026-01-06 not built: clients.csv: newest last_modified in the delivery is "
        "2025-12-20, 17 days before the night of 2026-01-06 (warning after 3 days, failing "
        "after 7 days)"
    ) in failed
    # The failed night stays to be built: the next run (a current export) builds it.
    assert '"2026-01-06"' in territory(home, "transform", "--plan")


def test_old_nights_are_judged_by_their_own_dates_not_the_clock(
    small_nights: BuiltNights,
) -> None:
    # The generated nights are far in the past by the wall clock (a backfill of an old inbox):
    # against their own run dates, every delivery is current.
    assert (date.today() - small_nights.nights[-1]).days > 100
    warehouse = small_nights.homes[-1] / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.sql(
            "select run_date, source_name, status, age_days "
            "from observability.rpt_export_freshness order by run_date, source_name"
        ).fetchall()
    measured = {(run_date, source) for run_date, source, _, _ in rows}
    expected_sources = {"clients", "advisors", "territories", "whitelist", "blacklist"}
    assert measured == {(night, s) for night in small_nights.nights for s in expected_sources}
    assert {status for _, _, status, _ in rows} == {"OK"}
    # Night 3 still stands on night 1's roster: its age is counted from night 1.
    ages = {(run_date, source): age for run_date, source, _, age in rows}
    assert ages[(small_nights.nights[2], "advisors")] == 2


def test_thresholds_that_cannot_be_measured_are_refused() -> None:
    with pytest.raises(ValueError, match="error threshold must not come before"):
        Staleness(warn_after_days=7, error_after_days=3)
    with pytest.raises(ValueError, match="measured by a column"):
        Source(
            name="roster",
            file="roster.csv",
            format="csv",
            cadence="static",
            columns=(),
            natural_key=(),
            stale_after=Staleness(warn_after_days=1, column="updated"),
        )
