"""A tiny hand-written inbox whose every row is known, for the loader tests.

Two run dates: 2026-01-05 delivers every source (with messy headers, an index artifact, both
timestamp formats, thousands separators, a duplicate key and two bad rows); 2026-01-06
delivers clients (a client gone, one changed, one new) and a new territories version; the
other static references are absent, so the day-1 versions stand.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

DAY_1 = date(2026, 1, 5)
DAY_2 = date(2026, 1, 6)
GOOD_CLIENTS = 60  # day 1: 60 good rows + 1 duplicate key + 2 bad rows = 63 read
CLIENT_HEADER = [
    "Unnamed: 0",
    " Client ID",
    "client NAME",
    "Parent Client ID",
    "Country",
    "Region",
    "Segment",
    "City",
    "Postal Code",
    "AUM (USD)",
    "Annual Revenue (USD)",
    "Advisor Email",
    "Last Modified ",
]


def _client(number: int, modified: str, aum: str = "1,250,000.50") -> list[str]:
    return [
        f"C{number:04d}",
        f" Client {number} Ltd ",
        "",
        "GB",
        "EMEA",
        "Institutional",
        "London",
        "EC1A 1BB",
        aum,
        "98,000",
        f"advisor{number % 3}@bank.example",
        modified,
    ]


def client_row(client_id: str, name: str, modified: str, **values: str) -> list[str]:
    """A clients.csv row (without the index column) with every other column empty; `values`
    by column name (`aum_usd="1,000"`)."""
    columns = [
        "parent_client_id",
        "country",
        "region",
        "segment",
        "city",
        "postal_code",
        "aum_usd",
        "annual_revenue_usd",
        "advisor_email",
    ]
    return [client_id, name, *(values.get(column, "") for column in columns), modified]


def clients_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CLIENT_HEADER)
    for index, row in enumerate(rows):
        writer.writerow([str(index), *row])
    return buffer.getvalue().encode()


def day_1_clients() -> list[list[str]]:
    rows = [
        _client(n, "2026-01-04T10:00:00Z" if n % 2 else "01/04/2026 10:00")
        for n in range(1, GOOD_CLIENTS + 1)
    ]
    rows.append(_client(1, "2026-01-04T11:30:00Z", aum="2,000,000"))  # later duplicate of C0001
    rows.append(_client(901, "2026-01-04T10:00:00Z", aum="lots"))  # bad amount
    rows.append(_client(902, ""))  # missing required last_modified
    return rows


def day_2_clients() -> list[list[str]]:
    rows = [_client(n, "2026-01-05T09:00:00Z") for n in range(2, GOOD_CLIENTS + 1)]  # C0001 gone
    rows[0] = _client(2, "2026-01-05T12:00:00Z", aum="3,000,000")  # C0002 changed
    rows.append(_client(61, "2026-01-05T09:00:00Z"))  # new client
    return rows


ADVISORS_COLUMNS = {
    "Advisor Email": {"0": "advisor0@bank.example", "1": "advisor1@bank.example", "2": "a2@x"},
    "Full Name": {"0": "Ann Zero", "1": "Bob One", "2": "Cy Two"},
    "Territory ID": {"0": "T1", "1": "T2", "2": "T1"},
    "Capacity": {"0": "1,000", "1": 250, "2": 10},
    "Is Active": {"0": True, "1": "no", "2": "yes"},
}
TERRITORIES = (
    "territory_id,territory_name,region,segment,tier\n"
    "T1,EMEA Institutional Gold,EMEA,Institutional,Gold\n"
    "T2,EMEA Institutional,EMEA,Institutional,\n"
)
RULES = "client_id,territory_id,effective_from,effective_to,reason\nC0003,T1,2026-01-01,,pinned\n"


def write_inbox(root: Path) -> Path:
    day_1 = root / DAY_1.isoformat()
    day_2 = root / DAY_2.isoformat()
    day_1.mkdir(parents=True)
    day_2.mkdir(parents=True)
    (day_1 / "clients.csv").write_bytes(clients_csv(day_1_clients()))
    (day_1 / "advisors.json").write_text(json.dumps(ADVISORS_COLUMNS))
    (day_1 / "territories.csv").write_text(TERRITORIES)
    (day_1 / "whitelist.csv").write_text(RULES)
    (day_1 / "blacklist.csv").write_text(RULES.replace("C0003", "C0004"))
    (day_2 / "clients.csv").write_bytes(clients_csv(day_2_clients()))
    (day_2 / "territories.csv").write_text(TERRITORIES + "T3,APAC Corporate,APAC,Corporate,\n")
    return root
