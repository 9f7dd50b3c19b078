"""The review queue a page at a time: 50 pairs a page, filtered by band, country and probability,
sorted by probability, every pair reachable; a vetoed pair shows its veto, not a score; after a
decision the steward is back on the same page and filters, at the pair.

GIVEN the console over a warehouse built by the real nightly job (a private copy).
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest
from fastapi.testclient import TestClient

from territory.console.app import ConsoleConfig, create_app

pytestmark = pytest.mark.slow  # reads a warehouse built by the real nightly job

QUEUE = """
    select candidates.client_id_a, candidates.client_id_b, candidates.is_same_master,
        evidence.match_probability, evidence.is_number_conflict, evidence.is_parent_link,
        evidence.country_a, evidence.country_b
    from analytics.rpt_duplicate_candidates as candidates
    inner join analytics.rpt_match_evidence as evidence
        using (client_id_a, client_id_b)
"""


@pytest.fixture(scope="module")
def warehouse(small_nights: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = small_nights.copy(small_nights.nights[-1], tmp_path_factory.mktemp("review") / "h")
    return home / "warehouse.duckdb"


@pytest.fixture(scope="module")
def client(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    state = tmp_path_factory.mktemp("review-state")
    config = ConsoleConfig(
        duckdb_path=warehouse, state_dir=state / "console", inbox=state, steward="Dana"
    )
    with TestClient(create_app(config)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def pairs(warehouse: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(QUEUE)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _pages(client: TestClient, per_page: int = 50, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        answer = client.get(
            "/api/review-queue", params={**params, "page": page, "per_page": per_page}
        ).json()
        assert len(answer["data"]) <= per_page
        rows += answer["data"]
        pages = answer["pages"]
        page += 1
    assert len(rows) == answer["total"]
    return rows


def _ids(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(row["client_id_a"], row["client_id_b"]) for row in rows]


def test_every_pair_is_reachable_a_page_at_a_time_most_likely_first(
    client: TestClient, pairs: list[dict[str, Any]]
) -> None:
    open_pairs = [pair for pair in pairs if not pair["is_same_master"]]
    assert len(open_pairs) > 20, "the small inbox should need several pages of 10"
    first = client.get("/api/review-queue").json()
    assert len(first["data"]) == min(50, len(open_pairs)) and first["total"] == len(open_pairs)
    rows = _pages(client, per_page=10)
    assert sorted(_ids(rows)) == sorted(_ids(open_pairs))
    probabilities = [row["match_probability"] for row in rows]
    assert probabilities == sorted(probabilities, reverse=True)
    everything = _pages(client, per_page=10, include_same_master=True, sort="probability")
    assert len(everything) == len(pairs)
    ascending = [row["match_probability"] for row in everything]
    assert ascending == sorted(ascending)


def test_filters_narrow_the_queue_to_what_they_say(
    client: TestClient, pairs: list[dict[str, Any]]
) -> None:
    open_pairs = [pair for pair in pairs if not pair["is_same_master"]]
    vetoed = {
        (p["client_id_a"], p["client_id_b"])
        for p in open_pairs
        if p["is_number_conflict"] or p["is_parent_link"]
    }
    assert vetoed, "the small inbox has vetoed pairs"
    assert set(_ids(_pages(client, band="vetoed"))) == vetoed
    low = _pages(client, band="LOW")
    assert set(_ids(low)) == {(p["client_id_a"], p["client_id_b"]) for p in open_pairs} - vetoed
    country = open_pairs[0]["country_a"]
    in_country = _pages(client, country=country)
    assert in_country and all(country in (r["country_a"], r["country_b"]) for r in in_country)
    assert len(in_country) == sum(country in (p["country_a"], p["country_b"]) for p in open_pairs)
    ranged = _pages(client, min_probability=0.2, max_probability=0.4)
    expected = [p for p in open_pairs if 0.2 <= p["match_probability"] <= 0.4]
    assert len(ranged) == len(expected)
    assert all(0.2 <= r["match_probability"] <= 0.4 for r in ranged)
    for wrong in ({"band": "HIGH"}, {"sort": "name"}, {"min_probability": 2}):
        assert client.get("/api/review-queue", params=wrong).status_code in (400, 422), wrong


class _Cards(HTMLParser):
    """Each pair card's id and its header's text."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: dict[str, str] = {}
        self._card: str | None = None
        self._in_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "article" and named.get("data-pair"):
            self._card = named["data-pair"]
            self.headers[self._card] = ""
        elif tag == "header" and self._card:
            self._in_header = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "header":
            self._in_header = False

    def handle_data(self, data: str) -> None:
        if self._in_header and self._card:
            self.headers[self._card] += data


def test_a_vetoed_pair_shows_its_veto_and_a_page_stays_small(
    client: TestClient, pairs: list[dict[str, Any]]
) -> None:
    page = client.get("/review", params={"band": "VETOED"})
    assert page.status_code == 200
    cards = _Cards()
    cards.feed(page.text)
    assert cards.headers
    for header in cards.headers.values():
        assert "vetoed:" in header and "1.000" not in header
    full = client.get("/review")
    assert len(full.content) < 150_000, len(full.content)


def test_after_a_decision_the_steward_is_back_on_the_same_page_at_the_pair(
    client: TestClient,
) -> None:
    here = "/review?show=all&sort=probability&page=1"
    page = client.get(here)
    cards = _Cards()
    cards.feed(page.text)
    pair = list(cards.headers)[-1]
    a, b = pair.split("|")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/review/decisions",
        data={
            "client_id_a": a,
            "client_id_b": b,
            "decision": "never_merge",
            "back": here,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert (location.path, query["page"], query["show"], query["sort"]) == (
        "/review",
        ["1"],
        ["all"],
        ["probability"],
    )
    assert (
        location.fragment
        and f'id="{location.fragment}"' in client.get(f"{location.path}?{location.query}").text
    )
    assert query["decided"][0].startswith("SD-")
