"""The console as a planning tool: an overview of the night beside the one before, a page per
territory and per advisor (JSON and CSV too), each agreeing with the marts it reads.

GIVEN the console over the three nights of the small inbox, built by the real nightly job.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from territory.console.app import ConsoleConfig, create_app

pytestmark = pytest.mark.slow  # reads a warehouse built by the real nightly job


@pytest.fixture(scope="module")
def site(small_nights: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    warehouse = small_nights.homes[-1] / "warehouse.duckdb"
    config = ConsoleConfig(duckdb_path=warehouse, state_dir=tmp_path_factory.mktemp("state"))
    with TestClient(create_app(config)) as client:
        client.nights = [str(night) for night in small_nights.nights]  # type: ignore[attr-defined]
        client.warehouse = warehouse  # type: ignore[attr-defined]
        yield client


def _one(site: TestClient, query: str, *params: object) -> Any:
    with duckdb.connect(str(site.warehouse), read_only=True) as connection:  # type: ignore[attr-defined]
        return connection.execute(query, list(params)).fetchall()[0][0]


def _figure(answer: dict[str, Any], figure: str) -> dict[str, Any]:
    (row,) = [row for row in answer["data"]["headlines"] if row["figure"] == figure]
    return row


def test_the_overview_sets_the_night_beside_the_one_before(site: TestClient) -> None:
    nights = site.nights  # type: ignore[attr-defined]
    answer = site.get("/api/overview").json()
    assert answer["night"] == nights[-1] and answer["data"]["previous_night"] == nights[-2]
    clients = _figure(answer, "clients")
    count = "select count(*) from analytics.fct_client_assignment where run_date = ?"
    assert clients["night"] == _one(site, count, nights[-1])
    assert clients["previous"] == _one(site, count, nights[-2])
    unassigned = _one(
        site,
        "select count(*) from analytics.fct_client_assignment"
        " where run_date = ? and territory_id = 'UNASSIGNED'",
        nights[-1],
    )
    assert _figure(answer, "unassigned_clients")["night"] == unassigned
    errors = _one(
        site, "select count(*) from analytics.rpt_assignment_conflicts where severity = 'ERROR'"
    )
    assert sum(row["conflicts"] for row in answer["data"]["error_conflicts"]) == errors
    assert answer["data"]["review_queue"] > 0
    changes = _one(
        site, "select count(*) from analytics.fct_assignment_change where run_date = ?", nights[-1]
    )
    assert sum(answer["data"]["changes"].values()) == changes
    page = site.get("/")
    assert page.status_code == 200
    for anchor in ("attention-errors", "attention-review", "attention-unassigned", "headlines"):
        assert f'id="{anchor}"' in page.text
    first = site.get("/api/overview", params={"date": nights[0]}).json()["data"]
    assert first["previous_night"] is None and first["error_conflicts"] is None
    assert answer["data"]["stale_exports"] == []
    assert "every delivery current" in page.text


def test_the_overview_names_a_nights_stale_deliveries(built_warehouse: Any, tmp_path: Any) -> None:
    """A WARN row of rpt_export_freshness (tests/dbt/test_export_freshness.py measures a real
    stale export) is named on that night's overview, and on no other night's."""
    with duckdb.connect(str(built_warehouse)) as connection:
        nights = [
            row[0]
            for row in connection.execute(
                "select distinct run_date from observability.rpt_export_freshness order by 1"
            ).fetchall()
        ]
        connection.execute(
            "update observability.rpt_export_freshness set status = 'WARN', age_days = 40,"
            " message = 'advisors.json: 40 days old (planted)'"
            " where run_date = ? and source_name = 'advisors'",
            [nights[0]],
        )
    config = ConsoleConfig(duckdb_path=built_warehouse, state_dir=tmp_path / "state")
    with TestClient(create_app(config)) as client:
        first = client.get("/api/overview", params={"date": str(nights[0])}).json()["data"]
        assert first["stale_exports"] == [
            {
                "source_file": "advisors.json",
                "status": "WARN",
                "age_days": 40,
                "message": "advisors.json: 40 days old (planted)",
            }
        ]
        assert client.get("/api/overview").json()["data"]["stale_exports"] == []
        page = client.get("/", params={"date": str(nights[0])}).text
        assert "1 stale delivery" in page and "advisors.json: 40 days old (planted)" in page


def _territory(site: TestClient) -> str:
    return _one(
        site,
        "select territory_id from analytics.fct_client_assignment where run_date = ?"
        " and territory_id != 'UNASSIGNED' group by territory_id order by count(*) desc limit 1",
        site.nights[-1],  # type: ignore[attr-defined]
    )


def test_a_territory_page_has_its_book_advisors_changes_and_trend(site: TestClient) -> None:
    territory = _territory(site)
    night = site.nights[-1]  # type: ignore[attr-defined]
    answer = site.get(
        f"/api/territories/{territory}", params={"per_page": 7, "sort": "-aum"}
    ).json()
    clients = _one(
        site,
        "select count(*) from analytics.fct_client_assignment"
        " where run_date = ? and territory_id = ?",
        night,
        territory,
    )
    assert answer["total"] == clients and len(answer["data"]) == 7 and answer["pages"] > 1
    aums = [row["aum_usd"] or 0 for row in answer["data"]]
    assert aums == sorted(aums, reverse=True)
    assert all(row["territory_id"] == territory and row["since"] for row in answer["data"])
    assert {row["advisor_email"] for row in answer["advisors"]}
    assert [row["run_date"] for row in answer["trend"]] == site.nights  # type: ignore[attr-defined]
    moved = answer["changes_in"] + answer["changes_out"]
    assert all(territory in (row["old_territory_id"], row["new_territory_id"]) for row in moved)
    page = site.get(f"/territories/{territory.lower()}")  # any case
    assert page.status_code == 200 and 'id="trend"' in page.text and 'id="csv"' in page.text
    download = site.get(f"/territories/{territory}/clients.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == clients and {row["territory_id"] for row in rows} == {territory}
    assert site.get("/territories/NO-SUCH").status_code == 404
    assert site.get(f"/api/territories/{territory}?sort=colour").status_code == 400


def test_an_advisor_page_has_the_book_its_tier_mix_and_capacity_by_night(
    site: TestClient,
) -> None:
    night = site.nights[-1]  # type: ignore[attr-defined]
    advisor = _one(
        site,
        "select advisor_email from analytics.fct_client_assignment where run_date = ?"
        " and advisor_email is not null group by advisor_email order by count(*) desc limit 1",
        night,
    )
    book = _one(
        site,
        "select count(*) from analytics.fct_client_assignment"
        " where run_date = ? and advisor_email = ?",
        night,
        advisor,
    )
    answer = site.get(f"/api/advisors/{advisor.upper()}", params={"per_page": 5}).json()
    assert answer["total"] == book and len(answer["data"]) == 5
    assert sum(mix["clients"] for mix in answer["tier_mix"]) == book
    assert answer["roster"] and {row["run_date"] for row in answer["trend"]} <= set(site.nights)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(site.get(f"/advisors/{advisor}/book.csv").text)))
    assert len(rows) == book and {row["advisor_email"] for row in rows} == {advisor}
    page = site.get(f"/advisors/{advisor}")
    assert page.status_code == 200 and 'id="tier-mix"' in page.text
    assert site.get("/advisors/nobody@nowhere.example").status_code == 404


def test_the_lists_link_to_the_new_pages(site: TestClient) -> None:
    territory = _territory(site)
    assert f'href="/territories/{territory}"' in site.get("/territories").text
    assert 'href="/advisors/' in site.get("/advisors").text
    assert 'href="/territories/UNASSIGNED"' in site.get("/").text


def test_small_defects_stay_fixed(site: TestClient) -> None:
    """UNASSIGNED has no region or segment (not "None"); a MERGED master keeps a name; a master
    id minted at a split reads "C… (since D)"; the client page spells a region as the
    territory definitions do."""
    territories = site.get("/territories").text
    unassigned = territories.split('data-territory="UNASSIGNED"', 1)[1].split("</tr>", 1)[0]
    assert "None" not in unassigned
    nights = site.nights  # type: ignore[attr-defined]
    for night in nights[1:]:
        for row in site.get("/api/changes", params={"date": night}).json()["data"]:
            if row["change_type"] == "MERGED":
                assert row["client_name"], row
    minted = _one(
        site,
        "select max(master_client_id) from analytics.fct_client_assignment"
        " where master_client_id like '%@%'",
    )
    if minted:
        record, since = minted.split("@")
        assert f"{record} (since {since})" in site.get(f"/clients/{minted}").text
    lowered = _one(
        site,
        "select min(clients.master_client_id) from analytics.dim_client as clients"
        " where clients.region_raw = lower(clients.region_raw)"
        " and exists (select 1 from analytics.dim_territory as territories"
        " where lower(territories.region) = lower(clients.region_raw)"
        " and territories.region != clients.region_raw)",
    )
    if lowered:
        page = site.get(f"/clients/{lowered}").text
        region = page.split("Region / segment</dt><dd>", 1)[1].split(" / ", 1)[0]
        assert region != region.lower(), region
