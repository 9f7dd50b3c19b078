"""The console's questions to the marts, one function per page or API resource.

SQL is written once for both warehouses (DuckDB and Snowflake share the layout of
`generate_schema_name`: schemas raw, staging, intermediate, analytics, observability) with
`?` placeholders. Every figure a page shows comes from here, so the browser tests compare
the pages with these marts queried directly.

The console reads figures, it does not derive them: a territory's clients, AUM, staffing and
load, an advisor's book and a corporate family's alignment are dbt's (the coverage marts,
`dbt_territory/models/marts/coverage/`, per night). It reads those tables in analytics rather
than the leadership views: these hold the newest night only and, on Snowflake, are secure
views filtered by the querying role's regions, so the console's totals would depend on the
role it connects as. What stays here: the filters (region, segment, tier, territory, type,
severity), ordering and limits, and looking records up.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from territory.console.reader import Reader, WarehouseUnavailable

CHANGE_TYPES = ("NEW", "CHANGED", "REMOVED", "MERGED", "SPLIT")
SEVERITIES = ("ERROR", "WARNING", "INFO")
# rpt_assignment_conflicts.conflict_type's accepted values (a test holds the two together).
CONFLICT_TYPES = (
    "territory_overlap",
    "whitelist_clash",
    "whitelist_blacklist_clash",
    "hierarchy_split",
    "orphan_reference",
    "hierarchy_cycle",
    "advisor_multiple_territories",
    "blacklist_blocks_all",
    "over_capacity",
    "unknown_region_segment",
)
# What the console needs to exist before a page can say anything.
REQUIRED_MARTS = (
    "dim_client",
    "dim_territory",
    "dim_advisor",
    "fct_client_assignment",
    "fct_assignment_change",
    "fct_assignment_history",
    "client_crosswalk",
    "dim_client_record",
    "rpt_assignment_conflicts",
    "rpt_duplicate_candidates",
    "rpt_match_evidence",
    "rpt_applied_match_decisions",
    "rpt_assignment_change_reasons",
    "rpt_territory_staffing",
    "rpt_advisor_books",
    "rpt_corporate_families",
    "rpt_client_placement",
    "rpt_active_client_rules",
)


# The marts' surrogate keys (macro surrogate_key: 32-hex hashes). The console joins on them but
# never shows one: a person reads business ids (CRM, territory, advisor e-mail, rule ids).
SURROGATE_KEYS = frozenset(
    {
        "advisor_key",
        "assignment_key",
        "change_key",
        "client_key",
        "conflict_key",
        "history_key",
        "identity_key",
        "territory_key",
    }
)


def _rows(reader: Reader, sql: str, *params: object) -> list[dict[str, Any]]:
    return [
        {name: value for name, value in row.items() if name not in SURROGATE_KEYS}
        for row in reader.query(sql, params)
    ]


@dataclass
class _Where:
    """AND-ed conditions with their `?` parameters, in order; a filter not given adds none."""

    conditions: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, condition: str, *params: object) -> _Where:
        self.conditions.append(condition)
        self.params.extend(params)
        return self

    def given(self, value: object, condition: str) -> _Where:
        """`condition` with `value` for each of its `?`, unless `value` is None."""
        if value is None:
            return self
        return self.add(condition, *[value] * condition.count("?"))

    @property
    def sql(self) -> str:
        return " and ".join(self.conditions) or "true"


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
def _territory_staffing(
    reader: Reader, run_date: date, columns: str, where: _Where, order_by: str
) -> list[dict[str, Any]]:
    """Rows of rpt_territory_staffing on the night: the one question about territories."""
    return _rows(
        reader,
        f"""
        select {columns}
        from analytics.rpt_territory_staffing
        where run_date = ? and {where.sql}
        order by {order_by}
        """,
        run_date,
        *where.params,
    )


def territories(
    reader: Reader,
    run_date: date,
    region: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
) -> list[dict[str, Any]]:
    """Every territory with its clients, AUM and advisors' load on the night."""
    rows = _territory_staffing(
        reader,
        run_date,
        """
        territory_id,
        territory_name,
        region,
        segment,
        tier,
        is_unassigned,
        clients,
        total_aum_usd as aum_usd,
        clients_without_advisor,
        active_advisors,
        total_capacity as capacity,
        capacity_load as load
        """,
        _Where()
        .given(region, "lower(region) = lower(?)")
        .given(segment, "lower(segment) = lower(?)")
        .given(tier, "lower(coalesce(tier, '')) = lower(?)"),
        "clients desc, territory_id",
    )
    books = defaultdict(list)
    for advisor in advisors(reader, run_date):
        books[advisor["territory_id"]].append(advisor)
    for row in rows:
        row["advisors"] = books.get(row["territory_id"], [])
        row["load"] = row.pop("load")  # after the advisors, where the API has always had it
    return rows


HEADLINES = (
    ("clients", "master clients"),
    ("aum_usd", "AUM"),
    ("unassigned_clients", "unassigned clients"),
    ("clients_without_advisor", "clients without an advisor"),
    ("territories", "territories"),
    ("unstaffed_territories", "territories without an active advisor"),
    ("over_capacity_territories", "territories over capacity"),
    ("active_advisors", "active advisors"),
    ("capacity", "advisor places"),
)


def headlines(reader: Reader, run_dates: list[date]) -> dict[date, dict[str, Any]]:
    """The overview's figures of each night asked for (rpt_territory_staffing summed)."""
    marks = ", ".join("?" for _ in run_dates)
    rows = _rows(
        reader,
        f"""
        select
            run_date,
            sum(clients) as clients,
            sum(total_aum_usd) as aum_usd,
            sum(case when is_unassigned then clients else 0 end) as unassigned_clients,
            sum(case when is_unassigned then 0 else clients_without_advisor end)
                as clients_without_advisor,
            sum(case when is_unassigned then 0 else 1 end) as territories,
            sum(case when not is_unassigned and active_advisors = 0 and clients > 0
                then 1 else 0 end) as unstaffed_territories,
            sum(case when over_capacity_clients > 0 then 1 else 0 end)
                as over_capacity_territories,
            sum(active_advisors) as active_advisors,
            sum(total_capacity) as capacity
        from analytics.rpt_territory_staffing
        where run_date in ({marks})
        group by run_date
        """,
        *run_dates,
    )
    return {row.pop("run_date"): row for row in rows}


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


def territory_ids(reader: Reader) -> list[str]:
    """Every territory id the console can filter by (UNASSIGNED included)."""
    return [
        row["territory_id"]
        for row in _rows(
            reader, "select territory_id from analytics.dim_territory order by territory_id"
        )
    ]


def staffing_gaps(reader: Reader, run_date: date) -> list[dict[str, Any]]:
    """Territories whose clients could not all get an advisor: none active (not_staffed) or
    every active advisor full (over_capacity)."""
    return _territory_staffing(
        reader,
        run_date,
        "territory_id, territory_name, not_staffed_clients, over_capacity_clients, clients",
        _Where().add("not_staffed_clients + over_capacity_clients > 0"),
        "not_staffed_clients + over_capacity_clients desc, territory_id",
    )


def stale_exports(reader: Reader, run_date: date) -> list[dict[str, Any]]:
    """The night's deliveries past a staleness threshold of the source registry (WARN, or
    ERROR: the night then failed its build), errors first; none for a warehouse built before
    observability.rpt_export_freshness existed."""
    (measured,) = reader.query(
        "select count(*) as n from information_schema.tables where lower(table_schema) = "
        "'observability' and lower(table_name) = 'rpt_export_freshness'"
    )
    if not measured["n"]:
        return []
    return _rows(
        reader,
        """
        select source_file, status, age_days, message
        from observability.rpt_export_freshness
        where run_date = ? and status <> 'OK'
        order by case status when 'ERROR' then 1 else 2 end, source_file
        """,
        run_date,
    )


# -- advisors --------------------------------------------------------------------------------
def advisors(
    reader: Reader, run_date: date, territory: str | None = None, advisor: str | None = None
) -> list[dict[str, Any]]:
    """Each advisor's book on the night against capacity (load = clients / capacity)."""
    where = _Where().given(territory, "territory_id = ?").given(advisor, "advisor_email = ?")
    return _rows(
        reader,
        f"""
        select
            advisor_email,
            full_name,
            territory_id,
            is_active,
            capacity,
            clients,
            retained_clients,
            placed_clients,
            territory_over_capacity_clients,
            capacity_load as load,
            is_full
        from analytics.rpt_advisor_books
        where run_date = ? and {where.sql}
        order by territory_id, advisor_email
        """,
        run_date,
        *where.params,
    )


def advisor_trend(reader: Reader, advisor_email: str) -> list[dict[str, Any]]:
    """An advisor's book and capacity on every built night (each roster line)."""
    return _rows(
        reader,
        """
        select run_date, territory_id, is_active, capacity, clients, capacity_load as load
        from analytics.rpt_advisor_books
        where advisor_email = ?
        order by run_date, territory_id
        """,
        advisor_email,
    )


def advisor_emails(reader: Reader) -> list[str]:
    return [
        row["advisor_email"]
        for row in _rows(
            reader, "select distinct advisor_email from analytics.rpt_advisor_books order by 1"
        )
    ]


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


PAGE_SIZE = 50


@dataclass(frozen=True)
class Paged:
    """One page of a longer answer: its rows, which page, and how many rows there are."""

    rows: list[dict[str, Any]]
    page: int
    size: int
    total: int
    sort: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.size + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.page * self.size, self.total)


def _paged(
    reader: Reader,
    sql: str,
    params: list[object],
    order_by: str,
    page: int,
    size: int = PAGE_SIZE,
    sort: str = "",
) -> Paged:
    """`sql`'s rows `order_by`, page `page` (1-based) of `size`, with the total count."""
    page = max(1, page)
    rows = _rows(
        reader,
        f"""
        select answer.*, count(*) over () as total_rows
        from ({sql}) as answer
        order by {order_by}
        limit ? offset ?
        """,
        *params,
        size,
        (page - 1) * size,
    )
    if not rows and page > 1:  # past the end: count without the page's rows
        total = _rows(reader, f"select count(*) as n from ({sql}) as answer", *params)[0]["n"]
    else:
        total = rows[0]["total_rows"] if rows else 0
    for row in rows:
        del row["total_rows"]
    return Paged(rows, page, size, int(total), sort)


# Sorting: the key a page or API call names -> the ORDER BY it means; "-key" is descending.
SEARCH_SORTS = {
    "name": "client_name",
    "country": "country",
    "city": "city",
    "aum": "aum_usd",
    "tier": "tier",
    "records": "record_count",
    "territory": "territory_id",
    "advisor": "advisor_name",
}
DEFAULT_SEARCH_SORT = "-aum"


def _order_by(sort: str, sorts: dict[str, str], tie_breaker: str) -> str:
    key = sort.removeprefix("-")
    if key not in sorts:
        listed = ", ".join(sorted(sorts))
        raise ValueError(f"unknown sort {sort!r}: expected one of {listed} (prefix - to reverse)")
    direction = "desc nulls last" if sort.startswith("-") else "asc nulls last"
    return f"{sorts[key]} {direction}, {tie_breaker}"


_FOLDED = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l"})


def search_words(text: str) -> list[str]:
    """A query's words as dim_client_record.search_text holds them: lowercase, accents
    folded, `&` read "and", dots and apostrophes dropped, any other punctuation a space."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLDED))
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    plain = re.sub(r"[.,'’`]", "", plain.replace("&", " and "))
    return list(dict.fromkeys(re.findall(r"[a-z0-9]+", plain)))


def search_clients(
    reader: Reader,
    text: str,
    run_date: date,
    page: int = 1,
    sort: str = DEFAULT_SEARCH_SORT,
    size: int = PAGE_SIZE,
) -> Paged:
    """Masters one of whose CRM records has every word of `text` (any order, each the start
    of a word of its name, normalised name, city or CRM id), or whose CRM id is `text`, with
    their territory and advisor on `run_date`. A query with no letter or digit ("%") finds the
    names containing it as it is: nothing in a query is a wildcard."""
    words = search_words(text)
    if words:
        match = " and ".join("contains(records.search_text, ?)" for _ in words)
        match_params: list[object] = [f" {word}" for word in words]
    else:
        match = "contains(lower(records.client_name), ?)"
        match_params = [text.strip().lower()]
    sql = f"""
        with hits as (
            select distinct records.master_client_id
            from analytics.dim_client_record as records
            where ({match}) or upper(records.client_id) = upper(?)
        )
        select
            clients.master_client_id,
            clients.client_name,
            clients.country,
            clients.city,
            clients.aum_usd,
            clients.tier,
            clients.record_count,
            assignments.territory_id,
            territories.territory_name,
            assignments.advisor_email,
            advisors.full_name as advisor_name
        from analytics.dim_client as clients
        inner join hits on clients.master_client_id = hits.master_client_id
        left join analytics.fct_client_assignment as assignments
            on clients.master_client_id = assignments.master_client_id
            and assignments.run_date = ?
        left join analytics.dim_territory as territories
            on assignments.territory_id = territories.territory_id
        left join analytics.dim_advisor as advisors
            on assignments.advisor_key = advisors.advisor_key
    """
    return _paged(
        reader,
        sql,
        [*match_params, text.strip(), run_date],
        _order_by(sort, SEARCH_SORTS, "master_client_id"),
        page,
        size,
        sort,
    )


# -- a territory's book ----------------------------------------------------------------------
BOOK_SORTS = {
    "name": "client_name",
    "aum": "aum_usd",
    "tier": "tier",
    "advisor": "advisor_email",
    "since": "since",
    "territory": "territory_id",
}
DEFAULT_BOOK_SORT = "-aum"


def book(
    reader: Reader,
    run_date: date,
    *,
    territory: str | None = None,
    advisor: str | None = None,
    page: int = 1,
    sort: str = DEFAULT_BOOK_SORT,
    size: int | None = PAGE_SIZE,
) -> Paged:
    """The master clients of a territory or of an advisor on the night, with the night they
    joined (the SCD2 version of fct_assignment_history holding that night). Name and AUM are
    dim_client's, as in rpt_territory_staffing. `size` None: every row (CSV downloads)."""
    where = (
        _Where()
        .given(territory, "assignments.territory_id = ?")
        .given(advisor, "assignments.advisor_email = ?")
    )
    sql = f"""
        select
            assignments.master_client_id,
            clients.client_name,
            clients.country,
            clients.aum_usd,
            assignments.tier,
            assignments.territory_id,
            assignments.advisor_email,
            assignments.advisor_assignment,
            assignments.rule_type,
            assignments.rule_id,
            history.valid_from as since
        from analytics.fct_client_assignment as assignments
        left join analytics.dim_client as clients
            on assignments.master_client_id = clients.master_client_id
        left join analytics.fct_assignment_history as history
            on assignments.master_client_id = history.master_client_id
            and history.valid_from <= assignments.run_date
            and (history.valid_to is null or assignments.run_date < history.valid_to)
        where assignments.run_date = ? and {where.sql}
    """
    order_by = _order_by(sort, BOOK_SORTS, "master_client_id")
    if size is None:
        rows = _rows(reader, f"{sql} order by {order_by}", run_date, *where.params)
        return Paged(rows, 1, max(1, len(rows)), len(rows), sort)
    return _paged(reader, sql, [run_date, *where.params], order_by, page, size, sort)


def territory_trend(reader: Reader, territory_id: str) -> list[dict[str, Any]]:
    """A territory's clients, AUM and clients without an advisor on every built night."""
    return _rows(
        reader,
        """
        select run_date, clients, total_aum_usd as aum_usd, clients_without_advisor,
            active_advisors, total_capacity as capacity
        from analytics.rpt_territory_staffing
        where territory_id = ?
        order by run_date
        """,
        territory_id,
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
    # The CRM's free-text labels as the territory definitions spell them (a record may say
    # "north america"); the delivered text when no territory uses the label.
    for column in ("region", "segment"):
        raw = golden[0].get(f"{column}_raw")
        label = _rows(
            reader,
            f"select min({column}) as label from analytics.dim_territory"
            f" where lower(trim({column})) = lower(trim(?))",
            raw,
        )
        golden[0][f"{column}_label"] = (label[0]["label"] if label else None) or raw
    records = _rows(
        reader,
        """
        select
            client_id,
            match_confidence,
            match_score,
            match_rule,
            client_name,
            country,
            city,
            postal_code,
            aum_usd,
            parent_client_id,
            advisor_email,
            last_modified_at
        from analytics.dim_client_record
        where master_client_id = ?
        order by client_id
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
    changes = _change_log(
        reader,
        _Where().add(
            "(changes.master_client_id = ? or reasons.related_master_client_id = ?)",
            master_client_id,
            master_client_id,
        ),
        "changes.run_date, changes.master_client_id",
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
        select *
        from analytics.dim_client_record
        where client_id in ({marks})
        """,
        *crm_client_ids,
    )
    return {row["client_id"]: row for row in rows}


# -- hierarchy -------------------------------------------------------------------------------
def hierarchy(reader: Reader, master_client_id: str) -> dict[str, Any] | None:
    """The client's ultimate parent and every master below it on the newest night, with each
    node's territory and why it sits there (rpt_client_placement); the rules (whitelist /
    blacklist) standing on the night."""
    found = _rows(
        reader,
        "select family_root_id, family_root_territory_id from analytics.rpt_client_placement "
        "where master_client_id = ?",
        master_client_id,
    )
    if not found:
        return None
    top, parent_territory = found[0]["family_root_id"], found[0]["family_root_territory_id"]
    nodes = _rows(
        reader,
        """
        select
            master_client_id,
            client_name,
            country,
            aum_usd,
            parent_master_client_id,
            ultimate_parent_id,
            hierarchy_depth,
            has_hierarchy_cycle,
            territory_id,
            rule_type,
            rule_id,
            advisor_email,
            is_with_family_root as is_with_parent,
            placement_reason as explanation
        from analytics.rpt_client_placement
        where family_root_id = ?
        order by hierarchy_depth, master_client_id
        """,
        top,
    )
    ids = [node["master_client_id"] for node in nodes]
    marks = ", ".join("?" for _ in ids)
    rules = _rows(
        reader,
        f"""
        select rule_list, master_client_id, territory_id, effective_from, effective_to
        from analytics.rpt_active_client_rules
        where master_client_id in ({marks})
        order by master_client_id, rule_list, territory_id
        """,
        *ids,
    )
    by_client = defaultdict(list)
    for rule in rules:
        by_client[rule["master_client_id"]].append(rule)
    children = defaultdict(list)
    for node in nodes:
        node["rules"] = by_client.get(node["master_client_id"], [])
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


def families(reader: Reader, run_date: date, limit: int = 25) -> list[dict[str, Any]]:
    """Corporate families by size, with how many members sit apart from the parent."""
    return _rows(
        reader,
        """
        select
            ultimate_parent_id,
            ultimate_parent_name as client_name,
            territory_id,
            subsidiaries,
            subsidiaries_apart as apart_from_parent
        from analytics.rpt_corporate_families
        where run_date = ?
        order by subsidiaries desc, subsidiaries_apart desc, ultimate_parent_id
        limit ?
        """,
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


def _change_log(
    reader: Reader,
    where: _Where,
    order_by: str,
    *,
    with_client_name: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """fct_assignment_change rows with why each happened (rpt_assignment_change_reasons: the
    cause, the reason in words, the match decision when one caused it): the one question about
    the change log."""
    # A MERGED or REMOVED master has no golden record any more: its founding record (the CRM
    # id the master id was minted from) still names it.
    name = (
        ", coalesce(clients.client_name, founding.client_name) as client_name"
        if with_client_name
        else ""
    )
    named = (
        "left join analytics.dim_client as clients "
        "on changes.master_client_id = clients.master_client_id "
        "left join analytics.dim_client_record as founding "
        "on split_part(changes.master_client_id, '@', 1) = founding.client_id"
        if with_client_name
        else ""
    )
    return _rows(
        reader,
        f"""
        select
            changes.*{name},
            reasons.change_reason,
            reasons.reason,
            reasons.match_decision_id,
            reasons.decided_by,
            reasons.decided_at,
            reasons.note as decision_note,
            reasons.related_master_client_id
        from analytics.fct_assignment_change as changes
        {named}
        left join analytics.rpt_assignment_change_reasons as reasons
            on changes.change_key = reasons.change_key
        where {where.sql}
        order by {order_by}
        {"limit ?" if limit is not None else ""}
        """,
        *where.params,
        *([] if limit is None else [limit]),
    )


def changes(
    reader: Reader,
    run_date: date,
    territory: str | None = None,
    change_type: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    return _change_log(
        reader,
        _Where()
        .add("changes.run_date = ?", run_date)
        .given(territory, "(changes.old_territory_id = ? or changes.new_territory_id = ?)")
        .given(change_type, "changes.change_type = ?"),
        "changes.change_type, changes.master_client_id",
        with_client_name=True,
        limit=limit,
    )


# -- conflicts -------------------------------------------------------------------------------
_SEVERITY_RANK = "case severity when 'ERROR' then 1 when 'WARNING' then 2 else 3 end"


def conflicts(
    reader: Reader, severity: str | None = None, conflict_type: str | None = None
) -> list[dict[str, Any]]:
    where = _Where().given(severity, "severity = ?").given(conflict_type, "conflict_type = ?")
    return _rows(
        reader,
        f"""
        select
            run_date, severity, conflict_type, master_client_id, territory_id, advisor_email,
            involved_ids, detail
        from analytics.rpt_assignment_conflicts
        where {where.sql}
        order by {_SEVERITY_RANK}, conflict_type, master_client_id, territory_id
        """,
        *where.params,
    )


def conflict_counts(reader: Reader) -> list[dict[str, Any]]:
    return _rows(
        reader,
        f"""
        select severity, conflict_type, count(*) as conflicts
        from analytics.rpt_assignment_conflicts
        group by severity, conflict_type
        order by {_SEVERITY_RANK}, conflict_type
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


REVIEW_BANDS = ("LOW", "VETOED")
REVIEW_SORTS = {"probability": "match_probability", "weight": "match_weight"}
DEFAULT_REVIEW_SORT = "-probability"


@dataclass(frozen=True)
class ReviewFilter:
    """What the review queue is narrowed to; None: not filtered on."""

    include_same_master: bool = False
    band: str | None = None  # LOW (doubtful) or VETOED (a hard constraint kept them apart)
    country: str | None = None  # either record's
    min_probability: float | None = None
    max_probability: float | None = None

    def __post_init__(self) -> None:
        if self.band is not None and self.band not in REVIEW_BANDS:
            raise ValueError(f"unknown band {self.band!r}: expected LOW or VETOED")
        for bound in (self.min_probability, self.max_probability):
            if bound is not None and not 0 <= bound <= 1:
                raise ValueError(f"a probability bound is between 0 and 1, not {bound}")


def review_queue(
    reader: Reader,
    where: ReviewFilter = ReviewFilter(),  # frozen: one shared default is safe
    page: int = 1,
    sort: str = DEFAULT_REVIEW_SORT,
    size: int = PAGE_SIZE,
) -> Paged:
    """The LOW-band and vetoed candidates with both records and the per-attribute evidence,
    `where` narrows them, a page at a time. A vetoed pair's probability is what the evidence
    alone says; the veto, not the probability, is why it was not merged."""
    sql = """
        select
            candidates.client_id_a,
            candidates.client_id_b,
            candidates.match_score,
            candidates.match_rule,
            candidates.blocking_rule,
            candidates.is_same_master,
            case
                when evidence.is_number_conflict or evidence.is_parent_link then 'VETOED'
                else 'LOW'
            end as review_band,
            evidence.client_name_a, evidence.client_name_b,
            evidence.country_a, evidence.country_b,
            evidence.city_a, evidence.city_b,
            evidence.postal_code_a, evidence.postal_code_b,
            evidence.aum_usd_a, evidence.aum_usd_b,
            evidence.parent_client_id_a, evidence.parent_client_id_b,
            evidence.prior_weight,
            evidence.name_evidence, evidence.name_weight, evidence.name_tf_weight,
            evidence.location_evidence, evidence.location_weight,
            evidence.aum_evidence, evidence.aum_weight,
            evidence.parent_evidence, evidence.parent_weight,
            evidence.match_weight, evidence.match_probability,
            evidence.is_number_conflict,
            evidence.is_parent_link
        from analytics.rpt_duplicate_candidates as candidates
        left join analytics.rpt_match_evidence as evidence
            on candidates.client_id_a = evidence.client_id_a
            and candidates.client_id_b = evidence.client_id_b
    """
    conditions = (
        _Where()
        .add("(? or not is_same_master)", where.include_same_master)
        .given(where.band, "review_band = ?")
        .given(where.country, "(country_a = ? or country_b = ?)")
        .given(where.min_probability, "match_probability >= ?")
        .given(where.max_probability, "match_probability <= ?")
    )
    return _paged(
        reader,
        f"select * from ({sql}) as queue where {conditions.sql}",
        conditions.params,
        _order_by(sort, REVIEW_SORTS, "client_id_a, client_id_b"),
        page,
        size,
        sort,
    )


def review_countries(reader: Reader) -> list[str]:
    """The countries of the queue's records (the country filter's choices)."""
    rows = _rows(
        reader,
        """
        select distinct country from (
            select country_a as country from analytics.rpt_duplicate_candidates
            union all
            select country_b from analytics.rpt_duplicate_candidates
        ) as sides
        where country is not null
        order by country
        """,
    )
    return [row["country"] for row in rows]


def applied_decision_ids(reader: Reader) -> set[str]:
    """Steward decisions the newest build applied (its unioned overrides)."""
    rows = _rows(
        reader,
        "select decision_id from analytics.rpt_applied_match_decisions "
        "where override_source = 'steward'",
    )
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
