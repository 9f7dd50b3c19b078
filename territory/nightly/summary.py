"""The short report printed after each night: what was deduplicated, assigned and changed."""

from __future__ import annotations

from datetime import date

from territory.loaders.warehouse import Warehouse


def render(warehouse: Warehouse, run_date: date) -> str:
    day = f"date '{run_date.isoformat()}'"
    (records,) = warehouse.query("select count(*) from staging.stg_crm__clients")[0]
    (masters,) = warehouse.query(
        "select count(distinct master_client_id) from analytics.client_crosswalk"
    )[0]
    territories = warehouse.query(
        "select territory_id, count(*) as clients from analytics.fct_client_assignment "
        f"where run_date = {day} group by territory_id order by clients desc, territory_id"
    )
    rules = warehouse.query(
        "select rule_type, count(*) from analytics.fct_client_assignment "
        f"where run_date = {day} group by rule_type order by 2 desc, 1"
    )
    changes = warehouse.query(
        "select change_type, count(*) from analytics.fct_assignment_change "
        f"where run_date = {day} group by change_type order by change_type"
    )
    conflicts = warehouse.query(
        "select severity, count(*) from analytics.rpt_assignment_conflicts "
        "group by severity order by case severity when 'ERROR' then 1 "
        "when 'WARNING' then 2 else 3 end"
    )
    lines = [
        f"== {run_date}: {records:,} client "
        f"records -> {masters:,} master clients after de-duplication ==",
        "  assignments by rule: " + ", ".join(f"{rule} {n:,}" for rule, n in rules),
        "  changes since previous run: "
        + (", ".join(f"{kind} {n:,}" for kind, n in changes) or "none (first run)"),
        "  conflicts: " + (", ".join(f"{level} {n:,}" for level, n in conflicts) or "none"),
        f"  assignments per territory ({len(territories)} territories):",
    ]
    width = 4
    for start in range(0, len(territories), width):
        chunk = territories[start : start + width]
        lines.append("    " + "  ".join(f"{tid:<22}{n:>8,}" for tid, n in chunk))
    return "\n".join(lines)
