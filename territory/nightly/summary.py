"""The report printed after a build: the newest night in full (what was deduplicated and
assigned, what changed, and what needs a person: unassigned clients, unstaffed or
over-capacity territories, ERROR conflicts by name, stale deliveries, the review queue), one
line per earlier night of the same build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from loaders.warehouse import Warehouse
from territory.nightly import freshness

SHOWN = 8  # territories named per line; the console lists them all


@dataclass(frozen=True)
class Night:
    masters: int
    changes: list[Any]
    unassigned: int
    unstaffed: list[str]
    over_capacity: list[tuple[str, int]]
    stale: list[freshness.Finding]


def _night(warehouse: Warehouse, run_date: date) -> Night:
    day = f"date '{run_date.isoformat()}'"
    (masters,) = warehouse.query(
        f"select count(*) from analytics.fct_client_assignment where run_date = {day}"
    )[0]
    changes = warehouse.query(
        "select change_type, count(*) from analytics.fct_assignment_change "
        f"where run_date = {day} group by change_type order by change_type"
    )
    staffing = warehouse.query(
        "select territory_id, is_unassigned, clients, active_advisors, over_capacity_clients "
        f"from analytics.rpt_territory_staffing where run_date = {day} "
        "order by over_capacity_clients desc, clients desc, territory_id"
    )
    return Night(
        masters=masters,
        changes=changes,
        unassigned=sum(row[2] for row in staffing if row[1]),
        unstaffed=[row[0] for row in staffing if not row[1] and row[2] and not row[3]],
        over_capacity=[(row[0], row[4]) for row in staffing if not row[1] and row[4]],
        stale=freshness.findings(warehouse, run_date),
    )


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f", and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _changes(changes: list[Any]) -> str:
    listed = ", ".join(f"{kind} {n:,}" for kind, n in changes)
    return listed or "none (first night)"


def line(warehouse: Warehouse, run_date: date) -> str:
    """One line for a night built before the newest of a build."""
    night = _night(warehouse, run_date)
    return (
        f"== {run_date}: {night.masters:,} master clients; changes {_changes(night.changes)};"
        f" unassigned {night.unassigned:,}; over capacity {len(night.over_capacity)}"
        f" territories; unstaffed {len(night.unstaffed)}"
        + "".join(f"; stale {finding.source_file}" for finding in night.stale)
        + " =="
    )


def render(warehouse: Warehouse, run_date: date) -> str:
    """The newest night of a build, in full."""
    night = _night(warehouse, run_date)
    (records,) = warehouse.query("select count(*) from staging.stg_crm__clients")[0]
    rules = warehouse.query(
        "select rule_type, count(*) from analytics.fct_client_assignment "
        f"where run_date = date '{run_date.isoformat()}' group by rule_type order by 2 desc, 1"
    )
    conflicts = warehouse.query(
        "select severity, conflict_type, count(*) from analytics.rpt_assignment_conflicts "
        "group by severity, conflict_type order by case severity when 'ERROR' then 1 "
        "when 'WARNING' then 2 else 3 end, 3 desc, 2"
    )
    # The console's review queue: doubtful or vetoed candidates not already one master.
    (review,) = warehouse.query(
        "select count(*) from analytics.rpt_duplicate_candidates where not is_same_master"
    )[0]
    errors = [(kind, n) for level, kind, n in conflicts if level == "ERROR"]
    others: dict[str, int] = {}
    for level, _, n in conflicts:
        if level != "ERROR":
            others[level] = others.get(level, 0) + n
    over = night.over_capacity
    unstaffed = night.unstaffed
    lines = [
        f"== {run_date}: {records:,} client records -> {night.masters:,} master clients"
        " after de-duplication ==",
        "  assignments by rule: " + ", ".join(f"{rule} {n:,}" for rule, n in rules),
        f"  changes since the previous night: {_changes(night.changes)}",
        f"  unassigned clients: {night.unassigned:,}",
        f"  territories without an active advisor: {len(unstaffed)}"
        + (f" ({_names(unstaffed)})" if unstaffed else ""),
        f"  territories over capacity: {len(over)}"
        + (" (" + _names([f"{tid} {n:,} over" for tid, n in over]) + ")" if over else ""),
        "  ERROR conflicts: "
        + (
            f"{sum(n for _, n in errors):,} (" + ", ".join(f"{k} {n:,}" for k, n in errors) + ")"
            if errors
            else "none"
        )
        + "".join(f"; {level} {n:,}" for level, n in others.items()),
        "  stale deliveries: "
        + ("; ".join(finding.message for finding in night.stale) if night.stale else "none"),
        f"  review queue: {review:,} doubtful pairs for a data steward",
        "  details: `make console` (or `territory serve`), then http://127.0.0.1:8000/",
    ]
    return "\n".join(lines)
