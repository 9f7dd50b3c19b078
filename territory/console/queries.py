"""The console's questions to the marts, one function per page or API resource.

SQL is written once for both warehouses (DuckDB and Snowflake share the layout of
`generate_schema_name`: schemas raw, staging, intermediate, analytics, observability) with
`?` placeholders. Every figure a page shows comes from here, so the browser tests compare
the pages with these marts queried directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from territory.console.reader import Reader, WarehouseUnavailable

CHANGE_TYPES = ("NEW", "CHANGED", "REMOVED", "MERGED", "SPLIT")
SEVERITIES = ("ERROR", "WARNING", "INFO")
# What the console needs to exist before a page can say anything.
REQUIRED_MARTS = (
    "dim_client",
    "dim_territory",
    "dim_advisor",
    "fct_client_assignment",
    "fct_assignment_change",
    "fct_assignment_history",
    "client_crosswalk",
    "rpt_assignment_conflicts",
    "rpt_duplicate_candidates",
    "rpt_match_evidence",
    "rpt_assignment_change_reasons",
)


def _rows(reader: Reader, sql: str, *params: object) -> list[dict[str, Any]]:
    return reader.query(sql, params)


def check_marts(reader: Reader) -> None:
    """Raise WarehouseUnavailable(state='empty') when the marts are not built yet."""
    found = {
        row["table_name"].lower()
        for row in _rows(
            reader,
            "select table_name from information_schema.tables "
            "where lower(table_schema) = 'analytics'",
        )
    }
    missing = [name for name in REQUIRED_MARTS if name not in found]
    if len(missing) == len(REQUIRED_MARTS):
        raise WarehouseUnavailable(
            "The warehouse holds no marts yet.",
            state="empty",
            hint="Build the nights with `territory run --inbox INBOX --all` "
            "(or `territory transform` after a load).",
        )
    if missing:
        raise WarehouseUnavailable(
            "The warehouse was built by an older version of the project: it lacks analytics."
            + ", analytics.".join(missing)
            + ".",
            state="empty",
            hint="Rebuild its nights with `territory run --inbox INBOX --all`.",
        )
    if not _rows(reader, "select run_date from analytics.fct_client_assignment limit 1"):
        raise WarehouseUnavailable(
            "The marts are built but hold no night yet.",
            state="empty",
            hint="Load and build a night with `territory run --inbox INBOX --date YYYY-MM-DD`.",
        )


@dataclass(frozen=True)
class Nights:
    built: list[date]  # nights with assignments, oldest first
    pending: list[date]  # loaded into raw but not (re)built since (the ledger)

    @property
    def newest(self) -> date:
        return self.built[-1]

    @property
    def next_night(self) -> date:
        """The first night a decision made now can reach: the day after the newest night
        built or loaded (a night loaded but not built may be building right now)."""
        return max([*self.built, *self.pending]) + timedelta(days=1)


def nights(reader: Reader) -> Nights:
    built = [
        row["run_date"]
        for row in _rows(
            reader,
            "select distinct run_date from analytics.fct_client_assignment order by run_date",
        )
    ]
    pending: list[date] = []
    ledger = _rows(
        reader,
        "select count(*) as n from information_schema.tables "
        "where lower(table_schema) = 'observability' and lower(table_name) = 'night_ledger'",
    )
    if ledger and ledger[0]["n"]:
        pending = [
            row["run_date"]
            for row in _rows(
                reader,
                "select run_date from observability.night_ledger "
                "where built_seq is null or coalesce(loaded_seq, 0) > built_seq "
                "order by run_date",
            )
        ]
    return Nights(built=built, pending=pending)


# -- territories -----------------------------------------------------------------------------
def territories(
    reader: Reader,
    run_date: date,
    region: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
) -> list[dict[str, Any]]:
    """Every territory with its clients, AUM and advisors' load on the night."""
    rows = _rows(
        reader,
        """
        with assignments as (
            select * from analytics.fct_client_assignment where run_date = ?
        ),
        assigned as (
            select
                assignments.territory_id,
                count(*) as clients,
                coalesce(sum(clients.aum_usd), 0) as aum_usd,
                sum(case when assignments.advisor_email is null then 1 else 0 end)
                    as clients_without_advisor
            from assignments
            left join analytics.dim_client as clients
                on assignments.client_key = clients.client_key
            group by assignments.territory_id
        ),
        staffing as (
            select
                territory_id,
                sum(case when is_active then 1 else 0 end) as active_advisors,
                sum(case when is_active then capacity else 0 end) as capacity
            from analytics.dim_advisor
            group by territory_id
        )
        select
            territories.territory_id,
            territories.territory_name,
            territories.region,
            territories.segment,
            territories.tier,
            territories.is_unassigned,
            coalesce(assigned.clients, 0) as clients,
            coalesce(assigned.aum_usd, 0) as aum_usd,
            coalesce(assigned.clients_without_advisor, 0) as clients_without_advisor,
            coalesce(staffing.active_advisors, 0) as active_advisors,
            coalesce(staffing.capacity, 0) as capacity
        from analytics.dim_territory as territories
        left join assigned on territories.territory_id = assigned.territory_id
        left join staffing on territories.territory_id = staffing.territory_id
        where (? is null or lower(territories.region) = lower(?))
            and (? is null or lower(territories.segment) = lower(?))
            and (? is null or lower(coalesce(territories.tier, '')) = lower(?))
        order by clients desc, territories.territory_id
        """,
        run_date,
        region,
        region,
        segment,
        segment,
        tier,
        tier,
    )
    books = defaultdict(list)
    for advisor in advisors(reader, run_date):
        books[advisor["territory_id"]].append(advisor)
    for row in rows:
        row["advisors"] = books.get(row["territory_id"], [])
        row["load"] = _ratio(row["clients"] - row["clients_without_advisor"], row["capacity"])
    return rows


def territory_filters(reader: Reader) -> dict[str, list[str]]:
    options = {}
    for column in ("region", "segment", "tier"):
        options[column] = [
            row["value"]
            for row in _rows(
                reader,
                f"select distinct {column} as value from analytics.dim_territory "
                f"where {column} is not null order by 1",
            )
        ]
    return options


def _ratio(numerator: Any, denominator: Any) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


# -- advisors --------------------------------------------------------------------------------
def advisors(reader: Reader, run_date: date, territory: str | None = None) -> list[dict[str, Any]]:
    """Each advisor's book on the night against capacity (load = clients / capacity)."""
    rows = _rows(
        reader,
        """
        with books as (
            select
                advisor_key,
                count(*) as clients,
                sum(case when advisor_assignment = 'retained' then 1 else 0 end)
                    as retained_clients,
                sum(case when advisor_assignment = 'placed' then 1 else 0 end) as placed_clients
            from analytics.fct_client_assignment
            where run_date = ? and advisor_key is not null
            group by advisor_key
        ),
        waiting as (
            select territory_id, count(*) as over_capacity_clients
            from analytics.fct_client_assignment
            where run_date = ? and advisor_assignment = 'over_capacity'
            group by territory_id
        )
        select
            advisors.advisor_email,
            advisors.full_name,
            advisors.territory_id,
            advisors.is_active,
            advisors.capacity,
            coalesce(books.clients, 0) as clients,
            coalesce(books.retained_clients, 0) as retained_clients,
            coalesce(books.placed_clients, 0) as placed_clients,
            coalesce(waiting.over_capacity_clients, 0) as territory_over_capacity_clients
        from analytics.dim_advisor as advisors
        left join books on advisors.advisor_key = books.advisor_key
        left join waiting on advisors.territory_id = waiting.territory_id
        where (? is null or advisors.territory_id = ?)
        order by advisors.territory_id, advisors.advisor_email
        """,
        run_date,
        run_date,
        territory,
        territory,
    )
    for row in rows:
        row["load"] = _ratio(row["clients"], row["capacity"])
        row["is_full"] = bool(row["is_active"]) and row["clients"] >= (row["capacity"] or 0)
    return rows


def staffing_gaps(reader: Reader, run_date: date) -> list[dict[str, Any]]:
    """Territories whose clients could not all get an advisor: none active (not_staffed) or
    every active advisor full (over_capacity)."""
    return _rows(
        reader,
        """
        select
            assignments.territory_id,
            territories.territory_name,
            sum(case when assignments.advisor_assignment = 'not_staffed' then 1 else 0 end)
                as not_staffed_clients,
            sum(case when assignments.advisor_assignment = 'over_capacity' then 1 else 0 end)
                as over_capacity_clients,
            count(*) as clients
        from analytics.fct_client_assignment as assignments
        inner join analytics.dim_territory as territories
            on assignments.territory_id = territories.territory_id
        where assignments.run_date = ?
        group by assignments.territory_id, territories.territory_name
        having sum(case when assignments.advisor_assignment in ('not_staffed', 'over_capacity')
                   then 1 else 0 end) > 0
        order by not_staffed_clients + over_capacity_clients desc, assignments.territory_id
        """,
        run_date,
    )


# -- clients ---------------------------------------------------------------------------------
def resolve_master(reader: Reader, crm_client_id: str) -> str | None:
    """A master client id as it is, else any CRM record id (a duplicate's too) -> its master;
    None when unknown. (Master ids persist, so one need not be a live record's id.)"""
    wanted = crm_client_id.strip()
    rows = _rows(
        reader,
        """
        select master_client_id, 0 as preference
        from analytics.dim_client
        where master_client_id = ?
        union all
        select master_client_id, 1 as preference
        from analytics.client_crosswalk
        where upper(client_id) = upper(?)
        order by preference
        limit 1
        """,
        wanted,
        wanted,
    )
    return rows[0]["master_client_id"] if rows else None


def search_clients(reader: Reader, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Masters whose golden name, or any of whose CRM records' id or name, matches."""
    pattern = f"%{text.strip().lower()}%"
    return _rows(
        reader,
        """
        with hits as (
            select distinct crosswalk.master_client_id
            from analytics.client_crosswalk as crosswalk
            left join staging.stg_crm__clients as records
                on crosswalk.client_id = records.client_id
            where upper(crosswalk.client_id) = upper(?)
                or lower(records.client_name) like ?
        )
        select
            clients.master_client_id,
            clients.client_name,
            clients.country,
            clients.city,
            clients.aum_usd,
            clients.tier,
            clients.record_count
        from analytics.dim_client as clients
        where clients.master_client_id in (select master_client_id from hits)
            or lower(clients.client_name) like ?
        order by clients.aum_usd desc nulls last, clients.master_client_id
        limit ?
        """,
        text.strip(),
        pattern,
        pattern,
        limit,
    )


def client(reader: Reader, master_client_id: str, run_date: date) -> dict[str, Any] | None:
    """The golden record, its CRM records with the evidence of each merge, its assignment on
    the night and its whole history."""
    golden = _rows(
        reader,
        "select * from analytics.dim_client where master_client_id = ?",
        master_client_id,
    )
    if not golden:
        return None
    records = _rows(
        reader,
        """
        select
            crosswalk.client_id,
            crosswalk.match_confidence,
            crosswalk.match_score,
            crosswalk.match_rule,
            records.client_name,
            records.country,
            records.city,
            records.postal_code,
            records.aum_usd,
            records.parent_client_id,
            records.advisor_email,
            records.last_modified_at
        from analytics.client_crosswalk as crosswalk
        left join staging.stg_crm__clients as records
            on crosswalk.client_id = records.client_id
        where crosswalk.master_client_id = ?
        order by crosswalk.client_id
        """,
        master_client_id,
    )
    evidence = _rows(
        reader,
        """
        select evidence.*
        from analytics.rpt_match_evidence as evidence
        inner join analytics.client_crosswalk as crosswalk_a
            on evidence.client_id_a = crosswalk_a.client_id
        inner join analytics.client_crosswalk as crosswalk_b
            on evidence.client_id_b = crosswalk_b.client_id
        where crosswalk_a.master_client_id = ? and crosswalk_b.master_client_id = ?
        order by evidence.match_score desc, evidence.client_id_a, evidence.client_id_b
        """,
        master_client_id,
        master_client_id,
    )
    today = _rows(
        reader,
        """
        select
            assignments.*,
            territories.territory_name,
            advisors.full_name as advisor_name
        from analytics.fct_client_assignment as assignments
        left join analytics.dim_territory as territories
            on assignments.territory_id = territories.territory_id
        left join analytics.dim_advisor as advisors
            on assignments.advisor_key = advisors.advisor_key
        where assignments.master_client_id = ? and assignments.run_date = ?
        """,
        master_client_id,
        run_date,
    )
    history = _rows(
        reader,
        "select * from analytics.fct_assignment_history where master_client_id = ? "
        "order by version_number",
        master_client_id,
    )
    changes = _rows(
        reader,
        """
        select
            changes.*,
            reasons.change_reason,
            reasons.match_decision_id,
            reasons.decided_by,
            reasons.decided_at,
            reasons.note as decision_note,
            reasons.related_master_client_id
        from analytics.fct_assignment_change as changes
        left join analytics.rpt_assignment_change_reasons as reasons
            on changes.change_key = reasons.change_key
        where changes.master_client_id = ?
            or reasons.related_master_client_id = ?
        order by changes.run_date, changes.master_client_id
        """,
        master_client_id,
        master_client_id,
    )
    return {
        "golden": golden[0],
        "records": records,
        "evidence": evidence,
        "assignment": today[0] if today else None,
        "history": history,
        "changes": changes,
    }


def records_of(reader: Reader, crm_client_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Staged CRM records by id, with the master each belongs to."""
    if not crm_client_ids:
        return {}
    marks = ", ".join("?" for _ in crm_client_ids)
    rows = _rows(
        reader,
        f"""
        select records.*, crosswalk.master_client_id
        from staging.stg_crm__clients as records
        left join analytics.client_crosswalk as crosswalk
            on records.client_id = crosswalk.client_id
        where records.client_id in ({marks})
        """,
        *crm_client_ids,
    )
    return {row["client_id"]: row for row in rows}


# -- hierarchy -------------------------------------------------------------------------------
def hierarchy(reader: Reader, master_client_id: str, run_date: date) -> dict[str, Any] | None:
    """The client's ultimate parent and every master below it, with each node's territory and
    the rule that put it there; the rules (whitelist / blacklist) standing on the night."""
    found = _rows(
        reader,
        "select master_client_id, ultimate_parent_id, has_hierarchy_cycle "
        "from analytics.dim_client where master_client_id = ?",
        master_client_id,
    )
    if not found:
        return None
    top = found[0]["ultimate_parent_id"] or master_client_id
    nodes = _rows(
        reader,
        """
        select
            clients.master_client_id,
            clients.client_name,
            clients.country,
            clients.aum_usd,
            clients.parent_master_client_id,
            clients.ultimate_parent_id,
            clients.hierarchy_depth,
            clients.has_hierarchy_cycle,
            assignments.territory_id,
            assignments.rule_type,
            assignments.rule_id,
            assignments.advisor_email
        from analytics.dim_client as clients
        left join analytics.fct_client_assignment as assignments
            on clients.master_client_id = assignments.master_client_id
            and assignments.run_date = ?
        where clients.master_client_id = ? or clients.ultimate_parent_id = ?
        order by clients.hierarchy_depth, clients.master_client_id
        """,
        run_date,
        top,
        top,
    )
    ids = [node["master_client_id"] for node in nodes]
    marks = ", ".join("?" for _ in ids)
    rules = _rows(
        reader,
        f"""
        select rule_list, master_client_id, territory_id, effective_from, effective_to
        from intermediate.int_rules_activated
        where master_client_id in ({marks})
        order by master_client_id, rule_list, territory_id
        """,
        *ids,
    )
    by_client = defaultdict(list)
    for rule in rules:
        by_client[rule["master_client_id"]].append(rule)
    parent_territory = next(
        (node["territory_id"] for node in nodes if node["master_client_id"] == top), None
    )
    children = defaultdict(list)
    for node in nodes:
        node["rules"] = by_client.get(node["master_client_id"], [])
        node["is_with_parent"] = node["territory_id"] == parent_territory
        node["explanation"] = _explain(node, top, parent_territory)
        if node["master_client_id"] != top:
            children[node["parent_master_client_id"]].append(node)
    tree: list[dict[str, Any]] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        tree.append({**node, "depth": depth})
        for child in children.get(node["master_client_id"], []):
            if depth < 50:  # a cycle in the data never loops the page
                walk(child, depth + 1)

    root = next((node for node in nodes if node["master_client_id"] == top), None)
    if root is not None:
        walk(root, 0)
    # Nodes whose parent is outside the family (a cycle) still show, at the end.
    shown = {node["master_client_id"] for node in tree}
    tree.extend({**node, "depth": 1} for node in nodes if node["master_client_id"] not in shown)
    return {
        "focus": master_client_id,
        "ultimate_parent_id": top,
        "parent_territory_id": parent_territory,
        "nodes": tree,
        "differing": sum(1 for node in tree if not node["is_with_parent"]),
    }


def _explain(node: dict[str, Any], top: str, parent_territory: str | None) -> str:
    if node["master_client_id"] == top:
        return "ultimate parent"
    rule = node["rule_type"]
    if rule == "hierarchy":
        return "follows its ultimate parent"
    if rule == "whitelist":
        return f"whitelisted to {node['territory_id']}"
    blacklisted = [r["territory_id"] for r in node["rules"] if r["rule_list"] == "blacklist"]
    if parent_territory in blacklisted:
        return f"blacklisted from {parent_territory}; routed by {rule}"
    if node["has_hierarchy_cycle"]:
        return f"parent chain has a cycle; routed by {rule}"
    if parent_territory == "UNASSIGNED":
        return f"parent is unassigned; routed by {rule}"
    return f"routed by {rule}"


def families(reader: Reader, run_date: date, limit: int = 25) -> list[dict[str, Any]]:
    """Corporate families by size, with how many members sit apart from the parent."""
    return _rows(
        reader,
        """
        with members as (
            select
                clients.ultimate_parent_id,
                clients.master_client_id,
                assignments.territory_id
            from analytics.dim_client as clients
            left join analytics.fct_client_assignment as assignments
                on clients.master_client_id = assignments.master_client_id
                and assignments.run_date = ?
            where clients.ultimate_parent_id is not null
                and clients.ultimate_parent_id <> clients.master_client_id
        ),
        parents as (
            select
                clients.master_client_id,
                clients.client_name,
                assignments.territory_id
            from analytics.dim_client as clients
            left join analytics.fct_client_assignment as assignments
                on clients.master_client_id = assignments.master_client_id
                and assignments.run_date = ?
        )
        select
            parents.master_client_id as ultimate_parent_id,
            parents.client_name,
            parents.territory_id,
            count(*) as subsidiaries,
            sum(case when members.territory_id is distinct from parents.territory_id
                then 1 else 0 end) as apart_from_parent
        from members
        inner join parents on members.ultimate_parent_id = parents.master_client_id
        group by parents.master_client_id, parents.client_name, parents.territory_id
        order by subsidiaries desc, apart_from_parent desc, parents.master_client_id
        limit ?
        """,
        run_date,
        run_date,
        limit,
    )


# -- changes ---------------------------------------------------------------------------------
def change_counts(reader: Reader) -> list[dict[str, Any]]:
    """NEW / CHANGED / REMOVED per night."""
    rows = _rows(
        reader,
        "select run_date, change_type, count(*) as changes from analytics.fct_assignment_change "
        "group by run_date, change_type order by run_date, change_type",
    )
    nights_: dict[date, dict[str, Any]] = {}
    for row in rows:
        night = nights_.setdefault(row["run_date"], {"run_date": row["run_date"], "total": 0})
        night[row["change_type"]] = row["changes"]
        night["total"] += row["changes"]
    return list(nights_.values())


def changes(
    reader: Reader,
    run_date: date,
    territory: str | None = None,
    change_type: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    return _rows(
        reader,
        """
        select
            changes.*,
            clients.client_name,
            reasons.change_reason,
            reasons.match_decision_id,
            reasons.decided_by,
            reasons.decided_at,
            reasons.note as decision_note,
            reasons.related_master_client_id
        from analytics.fct_assignment_change as changes
        left join analytics.dim_client as clients
            on changes.master_client_id = clients.master_client_id
        left join analytics.rpt_assignment_change_reasons as reasons
            on changes.change_key = reasons.change_key
        where changes.run_date = ?
            and (? is null or changes.old_territory_id = ? or changes.new_territory_id = ?)
            and (? is null or changes.change_type = ?)
        order by changes.change_type, changes.master_client_id
        limit ?
        """,
        run_date,
        territory,
        territory,
        territory,
        change_type,
        change_type,
        limit,
    )


# -- conflicts -------------------------------------------------------------------------------
def conflicts(
    reader: Reader, severity: str | None = None, conflict_type: str | None = None
) -> list[dict[str, Any]]:
    return _rows(
        reader,
        """
        select *
        from analytics.rpt_assignment_conflicts
        where (? is null or severity = ?) and (? is null or conflict_type = ?)
        order by case severity when 'ERROR' then 1 when 'WARNING' then 2 else 3 end,
            conflict_type, master_client_id, territory_id
        """,
        severity,
        severity,
        conflict_type,
        conflict_type,
    )


def conflict_counts(reader: Reader) -> list[dict[str, Any]]:
    return _rows(
        reader,
        """
        select severity, conflict_type, count(*) as conflicts
        from analytics.rpt_assignment_conflicts
        group by severity, conflict_type
        order by case severity when 'ERROR' then 1 when 'WARNING' then 2 else 3 end,
            conflict_type
        """,
    )


# -- review queue ----------------------------------------------------------------------------
EVIDENCE_SIDES = (
    "client_name",
    "country",
    "city",
    "postal_code",
    "aum_usd",
    "parent_client_id",
)


def review_queue(reader: Reader, include_same_master: bool = False) -> list[dict[str, Any]]:
    """The LOW-band (and vetoed) candidates with both records and the per-attribute evidence."""
    return _rows(
        reader,
        """
        select
            candidates.client_id_a,
            candidates.client_id_b,
            candidates.match_score,
            candidates.match_rule,
            candidates.blocking_rule,
            candidates.is_same_master,
            evidence.client_name_a, evidence.client_name_b,
            evidence.country_a, evidence.country_b,
            evidence.city_a, evidence.city_b,
            evidence.postal_code_a, evidence.postal_code_b,
            evidence.aum_usd_a, evidence.aum_usd_b,
            evidence.parent_client_id_a, evidence.parent_client_id_b,
            evidence.name_jaro_winkler,
            evidence.name_edit_similarity,
            evidence.distinctive_token_share,
            evidence.country_agreement,
            evidence.city_agreement,
            evidence.postal_agreement,
            evidence.aum_agreement,
            evidence.is_rare_token_shared,
            evidence.is_number_conflict,
            evidence.is_parent_link,
            evidence.is_uncorroborated_variant
        from analytics.rpt_duplicate_candidates as candidates
        left join analytics.rpt_match_evidence as evidence
            on candidates.client_id_a = evidence.client_id_a
            and candidates.client_id_b = evidence.client_id_b
        where ? or not candidates.is_same_master
        order by candidates.match_score desc, candidates.client_id_a, candidates.client_id_b
        """,
        include_same_master,
    )


def applied_decision_ids(reader: Reader) -> set[str]:
    """Steward decisions the newest build applied (its unioned overrides)."""
    try:
        rows = _rows(
            reader,
            "select decision_id from intermediate.int_match_overrides_unioned "
            "where override_source = 'steward'",
        )
    except Exception:  # a warehouse built before the journal existed
        return set()
    return {row["decision_id"] for row in rows}


def as_json(value: Any) -> Any:
    """Decimals and dates as JSON numbers and ISO strings."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value
