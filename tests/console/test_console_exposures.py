"""The console reads the marts and nothing else, and each page's exposure
(`models/exposures/_exposures.yml`) names exactly the relations the page queries: every page
and its API are requested against a built warehouse through a reader that records the
relations each query names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from fastapi.testclient import TestClient

from territory.console.app import ConsoleConfig, create_app, open_reader
from territory.console.security import API_TOKEN_HEADER

pytestmark = pytest.mark.slow  # reads a warehouse built by the real nightly job

ROOT = Path(__file__).resolve().parents[2]
EXPOSURES = ROOT / "dbt_territory" / "models" / "exposures" / "_exposures.yml"
RELATION = re.compile(r"\b(analytics|staging|intermediate|raw|observability)\.(\w+)", re.I)
# The nightly job's own state, not a model (no exposure can name it): which nights are loaded
# and not yet built, so a decision says the night it applies from.
NIGHT_LEDGER = ("observability", "night_ledger")
API_TOKEN = "exposure-test-token"
# The requests that make up each page: the page (with and without its argument) and its API.
PAGES = {
    "console_overview": ["/", "/api/overview"],
    "console_territories": ["/territories", "/api/territories"],
    "console_territory": [
        "/territories/UNASSIGNED",
        "/api/territories/UNASSIGNED",
        "/territories/UNASSIGNED/clients.csv",
    ],
    "console_advisor": [
        "/advisors/{advisor}",
        "/api/advisors/{advisor}",
        "/advisors/{advisor}/book.csv",
    ],
    "console_client": [
        "/clients?q={name}",
        "/clients/{client}",
        "/api/clients?q={name}",
        "/api/clients/{client}",
    ],
    "console_hierarchy": ["/hierarchy", "/hierarchy?client={client}", "/api/hierarchy/{client}"],
    "console_advisor_workload": ["/advisors", "/api/advisors"],
    "console_changes": ["/changes", "/api/changes"],
    "console_conflicts": ["/conflicts", "/api/conflicts"],
    "console_review_queue": [
        "/review?show=all",
        "/api/review-queue",
        "/api/decisions",
        ("POST /api/decisions", {"client_id_a": "{client}", "client_id_b": "{other}"}),
    ],
}


class RecordingReader:
    """The console's own reader, noting which schema.relation each query names."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.relations: set[tuple[str, str]] = set()

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        self.relations.update((s.lower(), r.lower()) for s, r in RELATION.findall(sql))
        return self.inner.query(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _exposed() -> dict[str, set[str]]:
    exposures = yaml.safe_load(EXPOSURES.read_text())["exposures"]
    return {
        exposure["name"]: {re.sub(r"ref\('(\w+)'\)", r"\1", ref) for ref in exposure["depends_on"]}
        for exposure in exposures
        if exposure["name"].startswith("console_")
    }


@pytest.fixture(scope="module")
def console(small_nights: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    work = tmp_path_factory.mktemp("exposures")
    home = small_nights.copy(small_nights.nights[-1], work / "home")
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        # A client in a corporate family, so the hierarchy page shows a tree.
        ((other,),) = conn.sql("select max(client_id) from analytics.dim_client_record").fetchall()
        ((client, name),) = conn.sql(
            "select records.client_id, records.client_name"
            " from analytics.dim_client_record as records"
            " inner join analytics.dim_client as clients"
            " on records.master_client_id = clients.master_client_id"
            " where clients.hierarchy_depth > 0 order by records.client_id limit 1"
        ).fetchall()
        ((advisor,),) = conn.sql(
            "select min(advisor_email) from analytics.rpt_advisor_books where clients > 0"
        ).fetchall()
    config = ConsoleConfig(
        duckdb_path=warehouse,
        state_dir=work / "console",
        inbox=work,
        steward="Exposure Tester",
        api_token=API_TOKEN,
    )
    reader = RecordingReader(open_reader(config))
    with TestClient(create_app(config, reader=reader)) as client_app:
        yield (
            client_app,
            reader,
            {
                "client": client,
                "other": other,
                "name": name.split()[0],
                "advisor": advisor,
            },
        )


def test_the_exposures_name_every_console_page() -> None:
    assert set(_exposed()) == set(PAGES)


@pytest.mark.parametrize("exposure", sorted(PAGES))
def test_each_page_queries_exactly_the_relations_its_exposure_names(
    console: tuple, exposure: str
) -> None:
    client_app, reader, arguments = console
    client_app.get("/health")  # the reader's own start-up queries are no page's
    reader.relations.clear()
    for request in PAGES[exposure]:
        if isinstance(request, tuple):  # a decision the page records
            path, body = request
            posted = {key: value.format(**arguments) for key, value in body.items()}
            response = client_app.post(
                path.split()[1],
                json={**posted, "decision": "merge"},
                headers={API_TOKEN_HEADER: API_TOKEN},
            )
            assert response.status_code == 201, (path, response.text[:500])
            continue
        response = client_app.get(request.format(**arguments))
        assert response.status_code == 200, (request, response.text[:500])
    queried = reader.relations - {NIGHT_LEDGER}
    schemas = {schema for schema, _ in queried}
    # The marts: analytics, and the observability reports dbt builds (models/marts/observability).
    assert schemas <= {"analytics", "observability"}, (
        f"{exposure} reads around the marts: {queried}"
    )
    assert all(name.startswith("rpt_") for schema, name in queried if schema == "observability")
    assert {relation for _, relation in queried} == _exposed()[exposure]
