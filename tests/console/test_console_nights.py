"""Any night: every page and endpoint takes `?date=` (default the newest built night) and says
which night it shows; an unknown date or filter value is a 400 that lists the valid ones, on
every page alike; pages over marts kept for the newest night only say so for an older one.

GIVEN the console over the three nights of the small inbox, built by the real nightly job.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from territory.console.app import ConsoleConfig, create_app

pytestmark = pytest.mark.slow  # reads a warehouse built by the real nightly job

PAGES_BY_NIGHT = [
    "/",
    "/territories",
    "/territories/UNASSIGNED",
    "/advisors",
    "/changes",
    "/clients?q=capital",
    "/hierarchy",
]
APIS_BY_NIGHT = [
    "/api/overview",
    "/api/territories",
    "/api/territories/UNASSIGNED",
    "/api/advisors",
    "/api/changes",
    "/api/clients?q=capital",
]
NEWEST_ONLY = ["/conflicts", "/api/conflicts", "/review", "/api/review-queue"]


@pytest.fixture(scope="module")
def site(small_nights: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    warehouse = small_nights.homes[-1] / "warehouse.duckdb"
    config = ConsoleConfig(duckdb_path=warehouse, state_dir=tmp_path_factory.mktemp("state"))
    with TestClient(create_app(config)) as client:
        client.nights = [str(night) for night in small_nights.nights]  # type: ignore[attr-defined]
        client.warehouse = warehouse  # type: ignore[attr-defined]
        yield client


def _with(path: str, **params: str) -> str:
    joined = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{path}{'&' if '?' in path else '?'}{joined}"


def _sql(warehouse: Path, query: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(query, list(params)).fetchall()


@pytest.mark.parametrize("path", PAGES_BY_NIGHT)
def test_each_page_shows_the_night_asked_for(site: TestClient, path: str) -> None:
    first, newest = site.nights[0], site.nights[-1]  # type: ignore[attr-defined]
    page = site.get(_with(path, date=first))
    assert page.status_code == 200, page.text[:300]
    assert f'<strong id="night">{first}</strong> (newest {newest})' in page.text
    default = site.get(path)
    assert f'<strong id="night">{newest}</strong>' in default.text


@pytest.mark.parametrize("path", APIS_BY_NIGHT)
def test_each_endpoint_answers_for_the_night_asked_for(site: TestClient, path: str) -> None:
    first, newest = site.nights[0], site.nights[-1]  # type: ignore[attr-defined]
    assert site.get(_with(path, date=first)).json()["night"] == first
    assert site.get(path).json()["night"] == newest


def test_an_older_night_has_that_nights_figures(site: TestClient) -> None:
    first = site.nights[0]  # type: ignore[attr-defined]
    rows = site.get("/api/territories", params={"date": first}).json()["data"]
    expected = dict(
        _sql(
            site.warehouse,  # type: ignore[attr-defined]
            "select territory_id, count(*) from analytics.fct_client_assignment"
            " where run_date = ? group by territory_id",
            first,
        )
    )
    assert {row["territory_id"]: row["clients"] for row in rows if row["clients"]} == expected


@pytest.mark.parametrize("path", PAGES_BY_NIGHT + APIS_BY_NIGHT + NEWEST_ONLY)
def test_an_unknown_night_is_a_400_listing_the_built_ones(site: TestClient, path: str) -> None:
    for bad in ("2020-01-01", "yesterday"):
        answer = site.get(_with(path, date=bad))
        assert answer.status_code == 400, (path, bad)
        for night in site.nights:  # type: ignore[attr-defined]
            assert night in answer.text


@pytest.mark.parametrize("path", NEWEST_ONLY)
def test_newest_only_pages_say_so_for_an_older_night(site: TestClient, path: str) -> None:
    first, newest = site.nights[0], site.nights[-1]  # type: ignore[attr-defined]
    answer = site.get(_with(path, date=first))
    assert answer.status_code == 400
    assert f"newest night only ({newest})" in answer.text
    assert site.get(_with(path, date=newest)).status_code == 200


@pytest.mark.parametrize(
    ("path", "what", "valid"),
    [
        ("/territories?tier=Diamond", "tier", "Gold"),
        ("/api/territories?region=Mars", "region", "EMEA"),
        ("/advisors?status=busy", "status", "full, inactive"),
        ("/api/advisors?territory=NOPE", "territory", "UNASSIGNED"),
        ("/changes?type=MOVED", "change type", "CHANGED, MERGED, NEW, REMOVED, SPLIT"),
        ("/api/changes?type=MOVED", "change type", "CHANGED, MERGED, NEW, REMOVED, SPLIT"),
        ("/conflicts?severity=FATAL", "severity", "ERROR, INFO, WARNING"),
        ("/api/conflicts?type=nonsense", "conflict type", "whitelist_clash"),
        ("/review?band=HIGHEST", "band", "LOW, VETOED"),
        ("/api/review-queue?band=HIGHEST", "band", "LOW, VETOED"),
    ],
)
def test_an_unknown_filter_value_is_a_400_listing_the_valid_ones(
    site: TestClient, path: str, what: str, valid: str
) -> None:
    answer = site.get(path)
    assert answer.status_code == 400, answer.text[:300]
    assert f"unknown {what}" in answer.text and valid in answer.text


def test_filter_values_match_in_any_case(site: TestClient) -> None:
    assert site.get("/api/conflicts?severity=warning").status_code == 200
    assert site.get("/api/changes?type=new").status_code == 200
    assert site.get("/api/territories?region=emea").status_code == 200
