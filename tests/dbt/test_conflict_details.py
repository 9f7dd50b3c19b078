"""Every conflict says what it is in words: its detail names each territory, rule (by the id
sales-ops gave it, else the readable default) and client involved, and no column a person
reads holds a hash.

GIVEN the small generated inbox built night by night by the real nightly job (it plants rule
clashes, orphan rules, whitelist-and-blacklist pairs and unknown labels).
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pytest

pytestmark = pytest.mark.slow  # reads a warehouse built by the real nightly job

HASH = re.compile(r"\b[0-9a-f]{32}\b")


@pytest.fixture(scope="module")
def conflicts(small_nights: Any) -> list[dict[str, Any]]:
    warehouse = small_nights.homes[-1] / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(
            "select conflict_type, master_client_id, territory_id, advisor_email, involved_ids,"
            " detail from analytics.rpt_assignment_conflicts"
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_small_inbox_plants_the_conflicts_that_name_rules(
    conflicts: list[dict[str, Any]],
) -> None:
    kinds = {row["conflict_type"] for row in conflicts}
    assert {"whitelist_clash", "whitelist_blacklist_clash", "orphan_reference"} <= kinds


def test_each_detail_names_everything_it_involves_and_no_hash_is_shown(
    conflicts: list[dict[str, Any]],
) -> None:
    for row in conflicts:
        involved = [part for part in (row["involved_ids"] or "").split(", ") if part]
        assert involved, row
        for name in involved:
            assert name in row["detail"], (name, row)
        for column, value in row.items():
            assert not HASH.search(str(value or "")), (column, row)


def test_rules_are_named_with_their_reason_and_the_winner(
    conflicts: list[dict[str, Any]],
) -> None:
    clashes = [row for row in conflicts if row["conflict_type"] == "whitelist_clash"]
    for row in clashes:
        # "pin the client to 2 territories: WL-00012 (EMEA-FO from 2025-11-02: Cross-border
        # mandate); ...; the latest effective_from wins: EMEA-FO by WL-00012"
        assert re.search(
            r"pin the client to \d+ territories: .+ \(\S+ from \d{4}-\d\d-\d\d", row["detail"]
        )
        assert f"wins: {row['territory_id']} by " in row["detail"]
    named = [row for row in conflicts if re.search(r"\b(WL|BL)-\d{5}\b", row["involved_ids"] or "")]
    defaulted = [row for row in conflicts if "whitelist:" in (row["involved_ids"] or "")]
    assert named and defaulted, "both given and default rule ids appear"
