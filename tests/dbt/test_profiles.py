"""Every generator profile runs through the real nightly job: two nights of the `family_offices`
profile (person-named family offices, namesakes, typos in every field) land, load and build like
the default, every staged record is in the crosswalk once, and the matcher's pairwise scores on
it are measured (printed, not asserted: the profile exists to show where the matcher is weak,
`benchmarks/results/matcher.md`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from territory_cli import territory

from territory.synthetic.truth import pairwise_scores

pytestmark = pytest.mark.slow

START = date(2026, 1, 5)


def test_two_family_office_nights_build_end_to_end(tmp_path: Path) -> None:
    from territory.synthetic import generate

    inbox, home = tmp_path / "inbox", tmp_path / "home"
    generate(inbox, clients=600, days=2, seed=23, start_date=START, profile="family_offices")
    output = territory(home, "run", "--inbox", str(inbox), "--all")
    assert "building 2026-01-05, 2026-01-06" in output
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        per_night = conn.sql(
            "select run_date, count(*), count(distinct territory_id) "
            "from analytics.fct_client_assignment group by run_date order by run_date"
        ).fetchall()
        staged, mapped, distinct = conn.sql(
            """
            select
                (select count(*) from staging.stg_crm__clients),
                (select count(*) from analytics.client_crosswalk),
                (select count(distinct client_id) from analytics.client_crosswalk)
            """
        ).fetchall()[0]
        ((family_office_share,),) = conn.execute(
            "select avg((segment_key = 'family office')::int) from staging.stg_crm__clients"
        ).fetchall()
        scores = pairwise_scores(
            conn,
            "select client_id, master_client_id from analytics.client_crosswalk",
            inbox / "truth" / "entities.csv",
        )
    assert [night for night, _, _ in per_night] == [START, date(2026, 1, 6)]
    assert all(rows > 400 and territories > 1 for _, rows, territories in per_night), per_night
    assert staged == mapped == distinct
    assert family_office_share > 0.95
    assert scores.true_pairs > 0
    print(f"family_offices: P={scores.precision:.3f} R={scores.recall:.3f} F1={scores.f1:.3f}")
