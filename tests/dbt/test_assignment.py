"""Territory assignment end to end: two nights of generated data through the real loaders and
`dbt build`, checked against an independent Python recomputation of the precedence rules
(tiers, whitelist/blacklist, hierarchy, routing, advisor capacity and stickiness) from the
staged tables, and of the NEW / CHANGED / REMOVED audit between the two nights."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

# The recomputation is shared with benchmarks/run.py (quality column): one oracle, one place.
from reference_assignment import Assignment, read_staged, recompute, rows
from shared_builds import BuiltNights

pytestmark = pytest.mark.slow


def read_table(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse)) as conn:
        return rows(conn, sql)


def expected_changes(
    before: dict[str, Assignment], after: dict[str, Assignment]
) -> set[tuple[str, str, str | None, str | None, str | None, str | None]]:
    changes = set()
    for master in before.keys() | after.keys():
        old, new = before.get(master), after.get(master)
        if old is None:
            kind = "NEW"
        elif new is None:
            kind = "REMOVED"
        elif (old.territory_id, old.advisor_email) != (new.territory_id, new.advisor_email):
            kind = "CHANGED"
        else:
            continue
        changes.add(
            (
                master,
                kind,
                old.territory_id if old else None,
                new.territory_id if new else None,
                old.advisor_email if old else None,
                new.advisor_email if new else None,
            )
        )
    return changes


def snapshot(warehouse: Path, run_date: date) -> dict[str, Assignment]:
    found = read_table(
        warehouse,
        "select master_client_id, territory_id, advisor_email, tier, rule_type, rule_id "
        f"from analytics.fct_client_assignment where run_date = date '{run_date}'",
    )
    return {
        row["master_client_id"]: Assignment(
            row["territory_id"], row["advisor_email"], row["tier"], row["rule_type"], row["rule_id"]
        )
        for row in found
    }


def changes_in_warehouse(warehouse: Path, run_date: date) -> set[tuple]:
    # SPLIT and MERGED say why a master id arrived or left (tests/dbt/test_identities.py);
    # to the assignment rules they are an arrival and a departure.
    found = read_table(
        warehouse,
        "select master_client_id, case change_type when 'SPLIT' then 'NEW' "
        "when 'MERGED' then 'REMOVED' else change_type end, old_territory_id, new_territory_id, "
        "old_advisor_email, new_advisor_email from analytics.fct_assignment_change "
        f"where run_date = date '{run_date}'",
    )
    return {tuple(row.values()) for row in found}


def assert_same(actual: dict[str, Assignment], expected: dict[str, Assignment]) -> None:
    assert actual.keys() == expected.keys()
    wrong = {m: (actual[m], expected[m]) for m in expected if actual[m] != expected[m]}
    assert not wrong, f"{len(wrong)} assignments differ, e.g. {list(wrong.items())[:3]}"


def test_two_nights_match_an_independent_recomputation(
    small_nights: BuiltNights, tmp_path: Path
) -> None:
    from territory.config import build_config
    from territory.nightly.dbt import build

    first, second = small_nights.nights[:2]

    # GIVEN the first night built by the real nightly job
    warehouse = small_nights.copy(first, tmp_path / "first") / "warehouse.duckdb"
    expected_first = recompute(read_staged(warehouse), first, previous={})
    actual_first = snapshot(warehouse, first)
    # THEN every rule outcome matches the recomputation, and the first night has no changes
    assert_same(actual_first, expected_first)
    assert changes_in_warehouse(warehouse, first) == set()
    assert {a.rule_type for a in actual_first.values()} >= {
        "hierarchy",
        "tier_routing",
        "region_segment_default",
        "unassigned",
        "whitelist",
    }, "the generated data should exercise every rule type"

    # WHEN the second night runs (after the first, in the same home)
    home = small_nights.copy(second, tmp_path / "second")
    warehouse = home / "warehouse.duckdb"
    expected_second = recompute(read_staged(warehouse), second, previous=expected_first)
    # THEN its snapshot and its audit trail match, and the first night is untouched
    assert_same(snapshot(warehouse, second), expected_second)
    assert_same(snapshot(warehouse, first), expected_first)
    expected_audit = expected_changes(expected_first, expected_second)
    assert expected_audit, "two generated nights should differ somewhere"
    assert changes_in_warehouse(warehouse, second) == expected_audit

    # AND re-running the second night changes nothing (idempotent by run date)
    config = build_config(
        {"home": home, "inbox": small_nights.inbox}, environ={}, load_secrets=False
    )
    build(second, config)
    assert_same(snapshot(warehouse, second), expected_second)
    assert changes_in_warehouse(warehouse, second) == expected_audit
    counts = read_table(
        warehouse,
        "select run_date, count(*) as n from analytics.fct_client_assignment group by run_date",
    )
    assert {row["run_date"]: row["n"] for row in counts} == {
        first: len(expected_first),
        second: len(expected_second),
    }


def test_conflict_errors_fail_the_build_only_when_asked(built_warehouse: Path) -> None:
    """The generated rules contain an ERROR (a whitelist clash): the build warns by default and
    fails with var fail_on_conflict_errors."""
    from territory.nightly.dbt import TransformError, run_dbt

    errors = read_table(
        built_warehouse,
        "select conflict_type from analytics.rpt_assignment_conflicts where severity = 'ERROR'",
    )
    assert errors, "the generated rules should contain an ERROR conflict"
    from territory.config import build_config

    config = build_config({"duckdb_path": built_warehouse}, environ={}, load_secrets=False)
    run_dbt(["test", "--select", "assert_no_conflict_errors"], config)
    with pytest.raises(TransformError, match="assert_no_conflict_errors"):
        run_dbt(
            ["test", "--select", "assert_no_conflict_errors"],
            config,
            extra_vars={"fail_on_conflict_errors": True},
        )
