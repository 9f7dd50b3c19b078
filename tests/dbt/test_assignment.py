"""Territory assignment end to end: two nights of generated data through the real loaders and
`dbt build`, checked against an independent Python recomputation of the precedence rules
(tiers, whitelist/blacklist, hierarchy, routing, advisor capacity and stickiness) from the
staged tables, and of the NEW / CHANGED / REMOVED audit between the two nights."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loaders.settings import DBT_PROJECT_DIR

TIERS_SEED = Path(DBT_PROJECT_DIR) / "seeds" / "segmentation_tiers.csv"
UNASSIGNED = "UNASSIGNED"


@dataclass(frozen=True)
class Assignment:
    territory_id: str
    advisor_email: str | None
    tier: str
    rule_type: str
    rule_id: str


def normalize(label: str | None) -> str | None:
    """Case- and whitespace-insensitive matching key, written independently of the macro."""
    if label is None:
        return None
    return " ".join(label.lower().split()) or None


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_staged(warehouse: Path) -> dict[str, list[dict]]:
    # Same (default) configuration as the connection dbt-duckdb keeps open in this process.
    with duckdb.connect(str(warehouse)) as conn:
        return {
            "golden": rows(conn, "select * from intermediate.int_clients_golden"),
            "crosswalk": rows(conn, "select * from analytics.client_crosswalk"),
            "territories": rows(conn, "select * from staging.stg_crm__territories"),
            "whitelist": rows(conn, "select * from staging.stg_crm__whitelist"),
            "blacklist": rows(conn, "select * from staging.stg_crm__blacklist"),
            "advisors": rows(conn, "select * from staging.stg_crm__advisors"),
        }


def read_table(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse)) as conn:
        return rows(conn, sql)


def tier_of(aum: Decimal | None, bands: list[dict]) -> str:
    for band in sorted(bands, key=lambda band: int(band["priority"])):
        low = Decimal(band["min_aum_usd"])
        high = Decimal(band["max_aum_usd"]) if band["max_aum_usd"] else None
        if aum is not None and low <= aum and (high is None or aum < high):
            return band["tier"]
    return max(bands, key=lambda band: int(band["priority"]))["tier"]


def walk_up(client: str, parent_of: dict[str, str | None]) -> tuple[str | None, int]:
    """(ultimate parent or None on a cycle, depth)."""
    seen = {client}
    current, depth = client, 0
    while (parent := parent_of.get(current)) is not None:
        if parent in seen:
            return None, depth
        seen.add(parent)
        current, depth = parent, depth + 1
    return current, depth


def is_active(rule: dict, run_date: date) -> bool:
    return rule["effective_from"] <= run_date and (
        rule["effective_to"] is None or run_date < rule["effective_to"]
    )


def recompute(
    staged: dict[str, list[dict]], run_date: date, previous: dict[str, Assignment]
) -> dict[str, Assignment]:
    """The documented precedence, in plain Python."""
    bands = list(csv.DictReader(TIERS_SEED.open()))
    master_of = {row["client_id"]: row["master_client_id"] for row in staged["crosswalk"]}
    clients = {row["master_client_id"]: row for row in staged["golden"]}
    territories = {row["territory_id"]: row for row in staged["territories"]}
    parent_of = {
        master: (
            row["parent_master_client_id"] if row["parent_master_client_id"] != master else None
        )
        for master, row in clients.items()
    }
    tiers = {master: tier_of(row["aum_usd"], bands) for master, row in clients.items()}

    whitelist: dict[str, list[dict]] = {}
    for rule in staged["whitelist"]:
        known = rule["client_id"] in master_of and rule["territory_id"] in territories
        if known and is_active(rule, run_date):
            whitelist.setdefault(master_of[rule["client_id"]], []).append(rule)
    blacklisted = {
        (master_of[rule["client_id"]], rule["territory_id"])
        for rule in staged["blacklist"]
        if is_active(rule, run_date) and rule["client_id"] in master_of
    }

    def routed(master: str) -> tuple[str, str, str]:
        row = clients[master]
        region, segment = normalize(row["region_raw"]), normalize(row["segment_raw"])
        tier = normalize(tiers[master])
        candidates = []
        for territory_id, territory in territories.items():
            same_place = (normalize(territory["region"]), normalize(territory["segment"])) == (
                region,
                segment,
            )
            if not same_place or region is None or segment is None:
                continue
            territory_tier = normalize(territory["tier"])
            if territory_tier is None:
                candidates.append((4, territory_id, "region_segment_default"))
            elif territory_tier == tier:
                candidates.append((3, territory_id, "tier_routing"))
        for _, territory_id, rule_type in sorted(candidates):
            if (master, territory_id) not in blacklisted:
                return territory_id, rule_type, territory_id
        return UNASSIGNED, "unassigned", UNASSIGNED

    def own(master: str) -> tuple[str, str, str]:
        if master in whitelist:
            best = sorted(
                whitelist[master],
                key=lambda rule: (-rule["effective_from"].toordinal(), rule["territory_id"]),
            )[0]
            return best["territory_id"], "whitelist", best["rule_id"]
        return routed(master)

    resolved: dict[str, tuple[str, str, str]] = {}
    for master in clients:
        decision = own(master)
        if decision[1] != "whitelist":
            top, depth = walk_up(master, parent_of)
            if top is not None and depth > 0:
                parent_territory = own(top)[0]
                if parent_territory != UNASSIGNED and (master, parent_territory) not in blacklisted:
                    decision = (parent_territory, "hierarchy", top)
        resolved[master] = decision

    # Advisors: keep yesterday's (else the CRM's) advisor when active in the territory and
    # within capacity; place the rest greedily on the most remaining capacity.
    capacity = {
        (row["advisor_email"], row["territory_id"]): row["capacity"]
        for row in staged["advisors"]
        if row["is_active"]
    }

    def by_size(master: str) -> tuple:
        aum = clients[master]["aum_usd"]
        return (aum is None, -(aum or 0), master)

    keepers: dict[tuple[str, str], list[str]] = {}
    for master, (territory_id, _, _) in resolved.items():
        earlier = previous.get(master)
        for email in (earlier.advisor_email if earlier else None, clients[master]["advisor_email"]):
            if email is not None and (email, territory_id) in capacity:
                keepers.setdefault((email, territory_id), []).append(master)
                break
    advisor_of: dict[str, str | None] = {}
    for key, masters in keepers.items():
        for master in sorted(masters, key=by_size)[: max(capacity[key], 0)]:
            advisor_of[master] = key[0]
    remaining: dict[str, dict[str, int]] = {}
    for (email, territory_id), seats in capacity.items():
        kept = sum(
            1
            for master, advisor in advisor_of.items()
            if advisor == email and resolved[master][0] == territory_id
        )
        remaining.setdefault(territory_id, {})[email] = seats - kept
    for master in sorted((m for m in resolved if m not in advisor_of), key=by_size):
        free = remaining.get(resolved[master][0], {})
        best = min(free, key=lambda email: (-free[email], email), default=None)
        if best is not None and free[best] > 0:
            free[best] -= 1
            advisor_of[master] = best
        else:
            advisor_of[master] = None

    return {
        master: Assignment(territory_id, advisor_of[master], tiers[master], rule_type, rule_id)
        for master, (territory_id, rule_type, rule_id) in resolved.items()
    }


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
    found = read_table(
        warehouse,
        "select master_client_id, change_type, old_territory_id, new_territory_id, "
        "old_advisor_email, new_advisor_email from analytics.fct_assignment_change "
        f"where run_date = date '{run_date}'",
    )
    return {tuple(row.values()) for row in found}


def assert_same(actual: dict[str, Assignment], expected: dict[str, Assignment]) -> None:
    assert actual.keys() == expected.keys()
    wrong = {m: (actual[m], expected[m]) for m in expected if actual[m] != expected[m]}
    assert not wrong, f"{len(wrong)} assignments differ, e.g. {list(wrong.items())[:3]}"


@pytest.mark.parametrize("nights", [2], ids=["two-consecutive-nights"])
def test_two_nights_match_an_independent_recomputation(
    nights: int, small_inbox: Path, territory_home: Path
) -> None:
    from loaders.cli import inbox_dates
    from loaders.commands import run_nightly
    from loaders.lake import LocalLake
    from loaders.transform import build

    warehouse = Path(os.environ["TERRITORY_DUCKDB_PATH"])
    lake = LocalLake(territory_home / "lake")
    first, second = inbox_dates(small_inbox)[:nights]

    # GIVEN the first night built by the real nightly job
    run_nightly(small_inbox, [first], lake)
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

    # WHEN the second night runs
    run_nightly(small_inbox, [second], lake)
    expected_second = recompute(read_staged(warehouse), second, previous=expected_first)
    # THEN its snapshot and its audit trail match, and the first night is untouched
    assert_same(snapshot(warehouse, second), expected_second)
    assert_same(snapshot(warehouse, first), expected_first)
    expected_audit = expected_changes(expected_first, expected_second)
    assert expected_audit, "two generated nights should differ somewhere"
    assert changes_in_warehouse(warehouse, second) == expected_audit

    # AND re-running the second night changes nothing (idempotent by run date)
    build(second)
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
    from loaders.transform import TransformError, run_dbt

    errors = read_table(
        built_warehouse,
        "select conflict_type from analytics.rpt_assignment_conflicts where severity = 'ERROR'",
    )
    assert errors, "the generated rules should contain an ERROR conflict"
    saved = os.environ.get("TERRITORY_DUCKDB_PATH")
    os.environ["TERRITORY_DUCKDB_PATH"] = str(built_warehouse)
    try:
        run_dbt(["test", "--select", "assert_no_conflict_errors"])
        with pytest.raises(TransformError, match="assert_no_conflict_errors"):
            run_dbt(
                ["test", "--select", "assert_no_conflict_errors"],
                extra_vars={"fail_on_conflict_errors": True},
            )
    finally:
        if saved is None:
            os.environ.pop("TERRITORY_DUCKDB_PATH", None)
        else:
            os.environ["TERRITORY_DUCKDB_PATH"] = saved
