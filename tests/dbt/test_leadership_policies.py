"""Every leadership view can carry a row access policy: Snowflake's
`governance.apply_policies()` filters a secure view on its REGION column, else on its
TERRITORY_ID column, and revokes SALES_LEADERSHIP's access to one with neither (FAILED). Read
from the dbt manifest (the views' enforced contracts are their columns)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
POLICY_COLUMNS = {"region", "territory_id"}


def _leadership_views(manifest: Path) -> dict[str, set[str]]:
    nodes = json.loads(manifest.read_text())["nodes"]
    return {
        node["name"]: {column.lower() for column in node["columns"]}
        for node in nodes.values()
        if node["resource_type"] == "model" and "/leadership/" in f"/{node['original_file_path']}"
    }


def test_every_leadership_view_has_a_column_its_policy_filters_on(manifest: Path) -> None:
    views = _leadership_views(manifest)
    assert "rpt_assignment_history" in views and len(views) >= 6
    unfiltered = sorted(name for name, columns in views.items() if not columns & POLICY_COLUMNS)
    assert not unfiltered, f"leadership views apply_policies() cannot filter: {unfiltered}"


def test_the_procedure_looks_for_the_same_two_columns() -> None:
    """The test above is only as good as its premise: the procedure keys on REGION, then
    TERRITORY_ID, and nothing else."""
    procedure = (ROOT / "snowflake_sql" / "60_governance.sql").read_text()
    keyed = set(re.findall(r"columns\.column_name = '([A-Z_]+)'", procedure))
    assert {column.upper() for column in POLICY_COLUMNS} == keyed


@pytest.mark.slow
def test_a_move_between_regions_is_seen_from_both_sides(small_nights: object) -> None:
    import duckdb

    warehouse = small_nights.homes[-1] / "warehouse.duckdb"  # type: ignore[attr-defined]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        moves = connection.execute(
            "select change_type, old_territory_id, new_territory_id, count(*),"
            " string_agg(movement || ':' || territory_id, ',' order by movement)"
            " from analytics.rpt_assignment_history"
            " group by run_date, master_client_id, change_type, old_territory_id,"
            " new_territory_id"
        ).fetchall()
        changes = connection.execute(
            "select count(*) from analytics.fct_assignment_change"
        ).fetchall()[0][0]
    assert len(moves) == changes
    for change_type, old, new, rows, sides in moves:
        if old and new and old != new:
            assert rows == 2 and sides == f"in:{new},out:{old}", (change_type, sides)
        elif old == new:
            assert sides == f"within:{new}"
        else:
            assert rows == 1 and sides in (f"in:{new}", f"out:{old}")
