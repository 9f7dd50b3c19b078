"""Every change of the audit trail says why in words, naming its cause.

GIVEN a hand-made inbox of three nights in which each cause of a change is planted once: a
segment that no territory routes, a tier crossing a band, a whitelist entry taking effect and
one expiring, a blacklist entry taking effect and one expiring, a parent link made and one
broken, a parent that moves, a steward's merge and never-merge, a new and a removed client,
renamed territory definitions, an advisor's capacity cut (the client moves to a colleague), an
advisor leaving the roster, a territory's places running out and freeing up again.
WHEN the real nightly job builds the nights in order.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from territory_cli import territory

pytestmark = pytest.mark.slow  # three real nightly runs

NIGHTS = ("2026-01-05", "2026-01-06", "2026-01-07")
HASH = re.compile(r"\b[0-9a-f]{32}\b")
M = 1_000_000

CLIENT_COLUMNS = [
    "client_id",
    "client_name",
    "parent_client_id",
    "country",
    "region",
    "segment",
    "city",
    "postal_code",
    "aum_usd",
    "annual_revenue_usd",
    "advisor_email",
    "last_modified",
]
# client_id: (name, country, city, postcode, region, segment, AUM, advisor, parent)
CLIENTS: dict[str, tuple[str, str, str, str, str, str, int, str, str]] = {
    "C01": ("Aldgate Savings Bank", "UK", "London", "EC1A 1AA", "EMEA", "Bank", 100 * M, "b2", ""),
    "C02": ("Brixton Mutual Bank", "UK", "Bristol", "BS1 2BB", "EMEA", "Bank", 100 * M, "b2", ""),
    "C03": ("Camden Merchant Bank", "UK", "Cardiff", "CF1 3CC", "EMEA", "Bank", 60 * M, "b2", ""),
    "C04": ("Dalston Holdings", "UK", "Derby", "DE1 4DD", "EMEA", "Bank", 60 * M, "b2", ""),
    "C05": ("Ealing Capital", "UK", "Exeter", "EX1 5EE", "EMEA", "Bank", 300 * M, "g1", ""),
    "C06": ("Fulham Trust Bank", "UK", "Falmouth", "TR1 6FF", "EMEA", "Bank", 300 * M, "b2", ""),
    "C07": ("Greenwich Bank", "UK", "Glasgow", "G1 7GG", "EMEA", "Bank", 60 * M, "b2", ""),
    "C08": ("Hackney Group", "Singapore", "Singapore", "018956", "APAC", "Bank", 500 * M, "p2", ""),
    "C09": ("Islington Bank", "UK", "Ipswich", "IP1 9II", "EMEA", "Bank", 60 * M, "b2", "C10"),
    "C10": ("Kensington Group", "Japan", "Tokyo", "100-0001", "APAC", "Bank", 500 * M, "p2", ""),
    "C11": ("Lambeth Bank", "UK", "Leeds", "LS1 1LL", "EMEA", "Bank", 60 * M, "b2", "C12"),
    "C12": ("Mayfair Group", "UK", "Manchester", "M1 2MM", "EMEA", "Bank", 500 * M, "g1", ""),
    "C13": (
        "Oval Asset Holdings",
        "UK",
        "Oxford",
        "OX1 3OO",
        "EMEA",
        "Family Office",
        20 * M,
        "f1",
        "",
    ),
    "C14": (
        "Pimlico Investments",
        "UK",
        "Plymouth",
        "PL1 4PP",
        "EMEA",
        "Family Office",
        10 * M,
        "f1",
        "",
    ),
    "C16": (
        "Queensway Capital",
        "UK",
        "Reading",
        "RG1 6QQ",
        "EMEA",
        "Family Office",
        30 * M,
        "f1",
        "",
    ),
    "C17": (
        "Queensway Capital",
        "UK",
        "Reading",
        "RG1 6QQ",
        "EMEA",
        "Family Office",
        30 * M,
        "f1",
        "",
    ),
    "C19": ("Southwark Bank", "UK", "Sheffield", "S1 9SS", "EMEA", "Bank", 40 * M, "b2", ""),
    "C20": ("Tooting Insurance", "UK", "Truro", "TR2 0TT", "EMEA", "Insurance", 40 * M, "i1", ""),
    "C21": ("Uxbridge Bank", "UK", "York", "YO1 1UU", "EMEA", "Bank", 200 * M, "b1", ""),
    "C22": ("Vauxhall Bank", "UK", "Hull", "HU1 2VV", "EMEA", "Bank", 100 * M, "b1", ""),
    "C23": ("Wembley Bank", "Australia", "Sydney", "2000", "APAC", "Bank", 60 * M, "p1", ""),
    "C24": ("Acton Manufacturing", "UK", "Bath", "BA1 4AA", "EMEA", "Corporate", 200 * M, "k1", ""),
    "C25": ("Barnet Logistics", "UK", "Luton", "LU1 5BB", "EMEA", "Corporate", 100 * M, "k1", ""),
}
NEW_ON_NIGHT_2 = {
    "C18": ("Richmond Bank", "UK", "Norwich", "NR1 8RR", "EMEA", "Bank", 40 * M, "b2", ""),
}
# What night 2 changes in a client's own record: column index in the tuple above -> value.
NIGHT_2_EDITS: dict[str, dict[int, Any]] = {
    "C01": {5: "TBD"},  # segment no territory routes
    "C02": {6: 300 * M},  # Silver -> Gold
    "C07": {8: "C08"},  # a parent link made
    "C09": {8: ""},  # a parent link broken
    "C12": {1: "Japan", 2: "Osaka", 4: "APAC"},  # the parent of C11 moves
}

TERRITORIES_1 = [
    ("EMEA-BNK", "EMEA", "Bank", ""),
    ("EMEA-BNK-GOLD", "EMEA", "Bank", "Gold"),
    ("EMEA-INS", "EMEA", "Insurance", ""),
    ("EMEA-CORP", "EMEA", "Corporate", ""),
    ("EMEA-FO", "EMEA", "Family Office", ""),
    ("APAC-BNK", "APAC", "Bank", ""),
]
TERRITORIES_2 = [
    row if row[0] != "EMEA-INS" else ("EMEA-INSURE", *row[1:]) for row in TERRITORIES_1
]

ADVISORS_1 = {
    "b1": ("EMEA-BNK", 2),
    "b2": ("EMEA-BNK", 50),
    "g1": ("EMEA-BNK-GOLD", 10),
    "i1": ("EMEA-INS", 10),
    "k1": ("EMEA-CORP", 2),
    "f1": ("EMEA-FO", 10),
    "p1": ("APAC-BNK", 10),
    "p2": ("APAC-BNK", 10),
}
ADVISORS_2 = {
    **{name: row for name, row in ADVISORS_1.items() if name != "p1"},  # p1 leaves
    "b1": ("EMEA-BNK", 1),  # capacity cut: the smaller of its two clients moves to b2
    "i1": ("EMEA-INSURE", 10),
    "k1": ("EMEA-CORP", 1),  # places run out: the smaller client has no advisor
}
ADVISORS_3 = {**ADVISORS_2, "k1": ("EMEA-CORP", 2)}  # and free up again

RULES_HEADER = "rule_id,client_id,territory_id,effective_from,effective_to,reason\n"
WHITELIST_1 = RULES_HEADER + "WL-00002,C04,EMEA-FO,2025-12-01,2026-01-06,Interim cover\n"
WHITELIST_2 = WHITELIST_1 + "WL-00001,C03,EMEA-FO,2026-01-06,,Cross-border mandate\n"
BLACKLIST_1 = RULES_HEADER + "BL-00002,C06,EMEA-BNK-GOLD,2025-12-01,2026-01-06,Pending review\n"
BLACKLIST_2 = BLACKLIST_1 + "BL-00001,C05,EMEA-BNK-GOLD,2026-01-06,,Conflict of interest\n"
DECISIONS = (
    "decision_id,client_id_a,client_id_b,decision,note,decided_by,decided_at,effective_from\n"
    "SD-1,C13,C14,merge,same family office,ann,2026-01-05T18:00:00Z,2026-01-06\n"
    "SD-2,C16,C17,never_merge,two mandates,bob,2026-01-05T18:05:00Z,2026-01-06\n"
)


def _email(advisor: str) -> str:
    return f"{advisor}@bank.example"


def _clients_csv(clients: dict[str, tuple[Any, ...]], modified: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CLIENT_COLUMNS)
    for client_id, (
        name,
        country,
        city,
        postcode,
        region,
        segment,
        aum,
        advisor,
        parent,
    ) in clients.items():
        writer.writerow(
            [
                client_id,
                name,
                parent,
                country,
                region,
                segment,
                city,
                postcode,
                aum,
                "",
                _email(advisor),
                modified,
            ]
        )
    return buffer.getvalue()


def _territories_csv(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["territory_id,territory_name,region,segment,tier"]
    lines += [
        f"{tid},{tid} territory,{region},{segment},{tier}" for tid, region, segment, tier in rows
    ]
    return "\n".join(lines) + "\n"


def _advisors_json(advisors: dict[str, tuple[str, int]]) -> str:
    rows = [
        (_email(name), name.upper(), territory_id, capacity)
        for name, (territory_id, capacity) in advisors.items()
    ]
    return json.dumps(
        {
            "advisor_email": {str(i): row[0] for i, row in enumerate(rows)},
            "full_name": {str(i): row[1] for i, row in enumerate(rows)},
            "territory_id": {str(i): row[2] for i, row in enumerate(rows)},
            "capacity": {str(i): row[3] for i, row in enumerate(rows)},
            "is_active": {str(i): True for i, _ in enumerate(rows)},
        }
    )


def write_inbox(root: Path) -> Path:
    night_1, night_2, night_3 = (root / night for night in NIGHTS)
    for folder in (night_1, night_2, night_3, root / "steward"):
        folder.mkdir(parents=True)
    edited = {
        client_id: tuple(
            NIGHT_2_EDITS.get(client_id, {}).get(i, value) for i, value in enumerate(row)
        )
        for client_id, row in CLIENTS.items()
        if client_id != "C19"  # removed
    }
    edited.update(NEW_ON_NIGHT_2)
    (night_1 / "clients.csv").write_text(_clients_csv(CLIENTS, "2026-01-04T10:00:00Z"))
    (night_2 / "clients.csv").write_text(_clients_csv(edited, "2026-01-05T10:00:00Z"))
    (night_3 / "clients.csv").write_text(_clients_csv(edited, "2026-01-05T10:00:00Z"))
    (night_1 / "territories.csv").write_text(_territories_csv(TERRITORIES_1))
    (night_2 / "territories.csv").write_text(_territories_csv(TERRITORIES_2))
    (night_1 / "advisors.json").write_text(_advisors_json(ADVISORS_1))
    (night_2 / "advisors.json").write_text(_advisors_json(ADVISORS_2))
    (night_3 / "advisors.json").write_text(_advisors_json(ADVISORS_3))
    (night_1 / "whitelist.csv").write_text(WHITELIST_1)
    (night_2 / "whitelist.csv").write_text(WHITELIST_2)
    (night_1 / "blacklist.csv").write_text(BLACKLIST_1)
    (night_2 / "blacklist.csv").write_text(BLACKLIST_2)
    (root / "steward" / "match_decisions.csv").write_text(DECISIONS)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The warehouse after the three nights (the first alone, then two in one run, as a
    backfill would), and what that second run printed."""
    root = tmp_path_factory.mktemp("reasons")
    inbox = write_inbox(root / "inbox")
    home = root / "home"
    territory(home, "run", "--inbox", str(inbox), "--date", NIGHTS[0])
    printed = territory(
        home, "run", "--inbox", str(inbox), "--date", NIGHTS[1], "--date", NIGHTS[2]
    )
    return home / "warehouse.duckdb", printed


@pytest.fixture(scope="module")
def reasons(built: tuple[Path, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(night, master client) -> its change row with the reason, after the three nights."""
    with duckdb.connect(str(built[0]), read_only=True) as connection:
        cursor = connection.execute(
            "select cast(changes.run_date as varchar), changes.*, reasons.change_reason,"
            " reasons.reason from analytics.fct_assignment_change as changes"
            " left join analytics.rpt_assignment_change_reasons as reasons"
            " on changes.change_key = reasons.change_key"
        )
        names = ["night", *[column[0] for column in cursor.description[1:]]]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {(row["night"], row["master_client_id"]): row for row in rows}


def test_the_run_prints_the_newest_night_in_full_and_a_line_for_the_one_before(
    built: tuple[Path, str],
) -> None:
    printed = built[1]
    assert re.search(
        rf"== {NIGHTS[1]}: \d+ master clients; changes .*NEW 1.*; unassigned 1;", printed
    )
    newest = printed.split(f"== {NIGHTS[2]}: ", 1)[1]
    assert "  unassigned clients: 1\n" in newest  # C01's segment TBD routes nowhere
    assert "territories over capacity: 0" in newest  # k1's places freed on night 3
    assert "ERROR conflicts: " in newest and "review queue: " in newest
    assert "make console" in newest
    assert "assignments per territory" not in printed  # no grid per night


def _reason(
    reasons: dict[tuple[str, str], dict[str, Any]], night: str, client: str
) -> dict[str, Any]:
    assert (night, client) in reasons, sorted(key for key in reasons if key[0] == night)
    return reasons[(night, client)]


@pytest.mark.parametrize(
    ("night", "client", "cause", "words"),
    [
        (
            "2026-01-06",
            "C01",
            "attributes_changed",
            "segment Bank → TBD; no territory routes EMEA / TBD / tier Silver: UNASSIGNED",
        ),
        (
            "2026-01-06",
            "C02",
            "attributes_changed",
            "tier Silver → Gold; EMEA / Bank / tier Gold routes to EMEA-BNK-GOLD",
        ),
        (
            "2026-01-06",
            "C03",
            "whitelist_started",
            "whitelist WL-00001 (Cross-border mandate) pins it to EMEA-FO",
        ),
        (
            "2026-01-06",
            "C04",
            "whitelist_ended",
            "whitelist WL-00002 (Interim cover) expired on 2026-01-06;"
            " EMEA / Bank routes to EMEA-BNK",
        ),
        (
            "2026-01-06",
            "C05",
            "blacklist_started",
            "blacklist BL-00001 (Conflict of interest) bars EMEA-BNK-GOLD;"
            " EMEA / Bank routes to EMEA-BNK",
        ),
        (
            "2026-01-06",
            "C06",
            "blacklist_ended",
            "blacklist BL-00002 (Pending review) no longer bars EMEA-BNK-GOLD",
        ),
        (
            "2026-01-06",
            "C07",
            "hierarchy_started",
            "it follows its ultimate parent C08 to APAC-BNK",
        ),
        (
            "2026-01-06",
            "C09",
            "hierarchy_ended",
            "it no longer follows its ultimate parent C10; EMEA / Bank routes to EMEA-BNK",
        ),
        (
            "2026-01-06",
            "C12",
            "attributes_changed",
            "region EMEA → APAC; APAC / Bank routes to APAC-BNK",
        ),
        (
            "2026-01-06",
            "C11",
            "parent_moved",
            "its ultimate parent C12 moved EMEA-BNK-GOLD → APAC-BNK",
        ),
        (
            "2026-01-06",
            "C18",
            "new_client",
            "new in the CRM export; EMEA / Bank routes to EMEA-BNK",
        ),
        (
            "2026-01-06",
            "C19",
            "records_gone",
            "none of its CRM records is in the clean export of 2026-01-06",
        ),
        (
            "2026-01-06",
            "C20",
            "routing_changed",
            "territory definitions changed: EMEA / Insurance routes to EMEA-INSURE",
        ),
        (
            "2026-01-06",
            "C22",
            "advisor_full",
            "b1@bank.example is full (clients with more AUM kept): advisor b2@bank.example",
        ),
        (
            "2026-01-06",
            "C23",
            "advisor_left",
            "p1@bank.example left the roster of APAC-BNK: advisor p2@bank.example",
        ),
        (
            "2026-01-06",
            "C25",
            "capacity_reached",
            "no advisor: EMEA-CORP is full (its 1 place is taken by clients with more AUM)",
        ),
        (
            "2026-01-07",
            "C25",
            "capacity_freed",
            "a place freed in EMEA-CORP: advisor k1@bank.example",
        ),
    ],
)
def test_each_planted_cause_is_named_in_words(
    reasons: dict[tuple[str, str], dict[str, Any]], night: str, client: str, cause: str, words: str
) -> None:
    row = _reason(reasons, night, client)
    assert row["change_reason"] == cause, row
    assert words in row["reason"], row


def test_steward_decisions_name_the_steward_the_records_and_the_note(
    reasons: dict[tuple[str, str], dict[str, Any]],
) -> None:
    night_2 = [row for (night, _), row in reasons.items() if night == "2026-01-06"]
    merged = [row for row in night_2 if row["change_type"] == "MERGED"]
    split = [row for row in night_2 if row["change_type"] == "SPLIT"]
    assert [row["change_reason"] for row in merged] == ["steward_merge"], merged
    assert (
        "steward ann merged C13 and C14 (“same family office”), decision SD-1; merged into "
        in (merged[0]["reason"])
    )
    assert [row["change_reason"] for row in split] == ["steward_never_merge"], split
    assert (
        "steward bob kept C16 and C17 apart (“two mandates”), decision SD-2; split off "
        in (split[0]["reason"])
    )


def test_every_change_has_a_specific_reason_and_no_hash(
    reasons: dict[tuple[str, str], dict[str, Any]],
) -> None:
    assert reasons
    for row in reasons.values():
        assert row["reason"] and row["change_reason"], row
        assert row["reason"] not in ("territory changed", "advisor changed"), row
        for column, value in row.items():
            if column != "change_key":  # the fact's own key, never shown
                assert not HASH.search(str(value or "")), (column, row)


GENERIC = {"territory changed", "advisor changed", "changed", ""}


def test_every_change_and_conflict_of_the_generated_nights_is_explained(small_nights: Any) -> None:
    """Over the demo's generator (the small inbox's three nights, built by the nightly job):
    every change row has a cause and a specific reason, every conflict a detail, and neither
    shows a hash."""
    warehouse = small_nights.homes[-1] / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        changes = connection.execute(
            "select changes.master_client_id, changes.change_type, reasons.change_reason,"
            " reasons.reason from analytics.fct_assignment_change as changes"
            " left join analytics.rpt_assignment_change_reasons as reasons"
            " on changes.change_key = reasons.change_key"
        ).fetchall()
        conflicts = connection.execute(
            "select conflict_type, involved_ids, detail from analytics.rpt_assignment_conflicts"
        ).fetchall()
    assert len(changes) > 50 and conflicts
    causes = {row[2] for row in changes}
    assert {"new_client", "records_gone", "attributes_changed"} <= causes, causes
    for row in changes:
        assert row[2] and (row[3] or "").strip() not in GENERIC, row
        assert not HASH.search(" ".join(str(value) for value in row)), row
    for row in conflicts:
        assert (row[2] or "").strip(), row
        assert not HASH.search(" ".join(str(value) for value in row)), row
