"""The assignment precedence recomputed in plain Python, independently of the dbt models.

One oracle for two users: tests/dbt/test_assignment.py asserts the warehouse matches it row for
row, and benchmarks/run.py reports the share that matches at scale and times it as the
seed-style per-row rule evaluation. It is test code (the oracle the SQL is checked against),
so it lives under tests/; the benchmark imports it from here (`tests.reference_assignment`,
plain Python, no pytest) rather than keep a second copy that could drift. Reads the staged
tables (after dedup), walks the documented precedence (whitelist > hierarchy > tier routing >
region/segment default > UNASSIGNED, blacklist vetoes) and places advisors (stickiness,
capacity, greedy fill).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from territory.core.project import dbt_project_dir

DBT_PROJECT_DIR = dbt_project_dir()

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
    # Territories by (region, segment): a client can only route to its own place. An index, not
    # a shortcut: every territory of the place is still considered (keeps 1M clients linear).
    by_place: dict[tuple[str | None, str | None], list[tuple[str, dict]]] = {}
    for territory_id, territory in territories.items():
        place = (normalize(territory["region"]), normalize(territory["segment"]))
        by_place.setdefault(place, []).append((territory_id, territory))
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
        if region is not None and segment is not None:
            for territory_id, territory in by_place.get((region, segment), []):
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
    kept = Counter((advisor, resolved[master][0]) for master, advisor in advisor_of.items())
    remaining: dict[str, dict[str, int]] = {}
    for (email, territory_id), seats in capacity.items():
        remaining.setdefault(territory_id, {})[email] = seats - kept[(email, territory_id)]
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
