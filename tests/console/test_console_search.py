"""Client search: every word of a query must start a word of a record's name (punctuation and
legal forms ignored, any order), city or CRM id; nothing is a wildcard; every match is counted
and reachable page by page; each result shows its territory and advisor.

GIVEN the console over a warehouse built by the real nightly job (a private copy, to which one
test adds a name with a `%` in it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from territory.console.app import ConsoleConfig, create_app
from territory.console.queries import search_words

pytestmark = pytest.mark.slow  # reads a warehouse built by the real nightly job


@pytest.fixture(scope="module")
def warehouse(small_nights: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("search")
    home = small_nights.copy(small_nights.nights[-1], work / "home")
    path = home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        # One name with the wildcards of LIKE in it, as a CRM might hold it.
        connection.execute(
            "update analytics.dim_client_record set client_name = client_name || ' 100%_Owned'"
            " where client_id = (select min(client_id) from analytics.dim_client_record)"
        )
    return path


@pytest.fixture(scope="module")
def client(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    config = ConsoleConfig(duckdb_path=warehouse, state_dir=tmp_path_factory.mktemp("state"))
    with TestClient(create_app(config)) as test_client:
        yield test_client


def _sql(warehouse: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql(query).fetchall()


def _all_pages(client: TestClient, q: str, per_page: int, sort: str = "-aum") -> list[dict]:
    rows: list[dict] = []
    first = client.get("/api/clients", params={"q": q, "per_page": per_page, "sort": sort}).json()
    rows += first["data"]
    for page in range(2, first["pages"] + 1):
        answer = client.get(
            "/api/clients", params={"q": q, "per_page": per_page, "page": page, "sort": sort}
        ).json()
        assert answer["total"] == first["total"]
        rows += answer["data"]
    assert len(rows) == first["total"]
    return rows


def test_query_words_are_read_as_the_names_are_normalised() -> None:
    assert search_words("Kondo & Aoki") == ["kondo", "and", "aoki"]
    assert search_words("  L.L.C.  Zürich-Nord, O'Brien  ") == ["llc", "zurich", "nord", "obrien"]
    assert search_words("%_") == []


def test_words_in_any_order_find_a_name_with_an_ampersand(
    client: TestClient, warehouse: Path
) -> None:
    ((name, master),) = _sql(
        warehouse,
        "select client_name, master_client_id from analytics.dim_client_record"
        " where client_name like '% & %' order by client_id limit 1",
    )
    left, right = name.split(" & ", 1)
    query = f"{right.split()[0].lower()} {left.split()[-1].lower()}"  # "aoki kondo"
    found = _all_pages(client, query, per_page=200)
    assert master in {row["master_client_id"] for row in found}, (query, name)
    page = client.get("/clients", params={"q": query})
    assert page.status_code == 200 and f'data-client="{master}"' in page.text


def test_a_percent_sign_is_not_a_wildcard(client: TestClient, warehouse: Path) -> None:
    expected = {
        master
        for (master,) in _sql(
            warehouse,
            "select distinct master_client_id from analytics.dim_client_record"
            " where contains(client_name, '%')",
        )
    }
    assert len(expected) == 1
    for query in ("%", "%_"):
        found = _all_pages(client, query, per_page=100)
        assert {row["master_client_id"] for row in found} == expected, query
    assert _all_pages(client, "_", per_page=100)  # the same name holds "_" too
    assert _all_pages(client, "#", per_page=100) == []


def test_a_common_word_counts_every_match_and_pages_through_all(
    client: TestClient, warehouse: Path
) -> None:
    records = _sql(
        warehouse,
        "select records.master_client_id, records.client_name, records.city"
        " from analytics.dim_client_record as records",
    )
    words: dict[str, set[str]] = {}
    for master, name, _city in records:
        for word in set(re.findall(r"[a-z]+", name.lower())):
            words.setdefault(word, set()).add(master)
    word = max((w for w in words if len(w) >= 5), key=lambda w: len(words[w]))
    # Independently: masters with a record whose name or city has a word starting so.
    start = re.compile(rf"(?<![a-z0-9]){word}")
    expected = {
        master
        for master, name, city in records
        if start.search(name.lower()) or (city and start.search(city.lower()))
    }
    assert len(expected) > 120, (word, len(expected))
    first = client.get("/api/clients", params={"q": word.upper()}).json()
    assert first["total"] == len(expected) and len(first["data"]) == 50
    assert first["pages"] == -(-len(expected) // 50)
    found = _all_pages(client, word, per_page=50, sort="name")
    ids = [row["master_client_id"] for row in found]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    names = [row["client_name"] for row in found]
    assert names == sorted(names, key=lambda n: (n is None, n))  # sorted across pages

    page = client.get("/clients", params={"q": word, "page": 2, "sort": "-records"})
    assert f"<strong>{len(expected):,}</strong> clients match" in page.text
    assert 'rel="next"' in page.text or first["pages"] == 2
    assert 'rel="prev"' in page.text and "page 2 of" in page.text


def test_results_show_the_territory_and_advisor_of_the_night(
    client: TestClient, warehouse: Path
) -> None:
    ((master, name, territory, advisor),) = _sql(
        warehouse,
        "select clients.master_client_id, clients.client_name, assignments.territory_id,"
        " advisors.full_name"
        " from analytics.fct_client_assignment as assignments"
        " inner join analytics.dim_client as clients using (master_client_id)"
        " inner join analytics.dim_advisor as advisors using (advisor_key)"
        " where assignments.run_date = (select max(run_date) from analytics.fct_client_assignment)"
        " order by clients.master_client_id limit 1",
    )
    found = _all_pages(client, " ".join(search_words(name)), per_page=200)
    (row,) = [row for row in found if row["master_client_id"] == master]
    assert (row["territory_id"], row["advisor_name"]) == (territory, advisor)


def test_an_unknown_sort_is_a_clear_400(client: TestClient) -> None:
    answer = client.get("/api/clients", params={"q": "a", "sort": "salary"})
    assert answer.status_code == 400 and "unknown sort" in answer.json()["detail"]
