"""Decisions that can't be forged: a cross-origin request, a form without the page's CSRF
token, an API write without the token, or a console with no steward identity records nothing.
Every response carries the security headers, and no page or endpoint shows a filesystem path.

GIVEN the console over a warehouse built by the real nightly job (a private copy per module).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from territory.console.app import ConsoleConfig, create_app
from territory.console.decisions import DecisionJournal, journal_path
from territory.console.security import API_TOKEN_HEADER, SECURITY_HEADERS
from territory.core.project import CHECKOUT_DIR

pytestmark = pytest.mark.slow  # reads a warehouse built by the real nightly job

API_TOKEN = "a-long-random-api-token"
STEWARD = "Dana Steward"
EVIL = {"Origin": "http://evil.example"}


@dataclass
class Built:
    work: Path
    warehouse: Path
    pair: tuple[str, str]


@pytest.fixture(scope="module")
def built(small_nights: Any, tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("security")
    home = small_nights.copy(small_nights.nights[-1], work / "home")
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        ((a, b),) = connection.sql(
            "select client_id_a, client_id_b from analytics.rpt_duplicate_candidates"
            " order by match_score desc, client_id_a, client_id_b limit 1"
        ).fetchall()
    return Built(work, warehouse, (a, b))


@pytest.fixture
def console(built: Built, tmp_path: Path) -> Iterator[Any]:
    """A factory of consoles over the built warehouse, each with its own inbox."""
    opened: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        config = ConsoleConfig(
            duckdb_path=built.warehouse,
            state_dir=tmp_path / "console",
            inbox=tmp_path / "inbox",
            **options,
        )
        client = TestClient(create_app(config)).__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _journal(tmp_path: Path) -> bytes | None:
    path = journal_path(tmp_path / "inbox")
    return path.read_bytes() if path.exists() else None


class _Forms(HTMLParser):
    """The hidden CSRF token of a page's forms and the links it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name") == "csrf_token":
            self.tokens.append(named.get("value") or "")
        if tag == "a" and named.get("href"):
            self.links.append(named["href"] or "")


def _parse(html: str) -> _Forms:
    forms = _Forms()
    forms.feed(html)
    return forms


def _form(pair: tuple[str, str], token: str | None, decision: str = "merge") -> dict[str, str]:
    body = {"client_id_a": pair[0], "client_id_b": pair[1], "decision": decision, "note": "n"}
    if token is not None:
        body["csrf_token"] = token
    return body


def test_a_cross_origin_post_is_refused_and_writes_nothing(
    console: Any, built: Built, tmp_path: Path
) -> None:
    client = console(steward=STEWARD, api_token=API_TOKEN)
    (token,) = set(_parse(client.get("/review").text).tokens)
    for headers in (EVIL, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        form = client.post(
            "/review/decisions",
            data=_form(built.pair, token),
            headers=headers,
            follow_redirects=False,
        )
        assert form.status_code == 403 and "Cross-origin" in form.json()["detail"]
        api = client.post(
            "/api/decisions",
            json=_form(built.pair, None),
            headers={**headers, API_TOKEN_HEADER: API_TOKEN},
        )
        assert api.status_code == 403
    assert _journal(tmp_path) is None


def test_a_form_needs_the_token_of_a_page_this_browser_was_served(
    console: Any, built: Built, tmp_path: Path
) -> None:
    client = console(steward=STEWARD)
    page = client.get("/review")
    (token,) = set(_parse(page.text).tokens)
    for forged in (None, "", "0" * 64):
        refused = client.post(
            "/review/decisions", data=_form(built.pair, forged), follow_redirects=False
        )
        assert refused.status_code == 403, refused.text[:300]
    # Another browser (no cookie) replaying this page's token is refused too.
    stranger = console(steward=STEWARD)
    replayed = stranger.post(
        "/review/decisions", data=_form(built.pair, token), follow_redirects=False
    )
    assert replayed.status_code == 403
    assert _journal(tmp_path) is None

    same_origin = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    accepted = client.post(
        "/review/decisions",
        data=_form(built.pair, token),
        headers=same_origin,
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text[:300]
    assert STEWARD in (_journal(tmp_path) or b"").decode()


def test_api_writes_need_the_configured_token(console: Any, built: Built, tmp_path: Path) -> None:
    without_token = console(steward=STEWARD)
    refused = without_token.post(
        "/api/decisions", json=_form(built.pair, None), headers={API_TOKEN_HEADER: "guess"}
    )
    assert refused.status_code == 403 and "TERRITORY_API_TOKEN" in refused.json()["detail"]
    assert without_token.get("/health").json()["api_writes_enabled"] is False

    client = console(steward=STEWARD, api_token=API_TOKEN)
    for headers in ({}, {API_TOKEN_HEADER: "wrong"}):
        assert (
            client.post("/api/decisions", json=_form(built.pair, None), headers=headers).status_code
            == 403
        )
    assert _journal(tmp_path) is None
    made = client.post(
        "/api/decisions", json=_form(built.pair, None), headers={API_TOKEN_HEADER: API_TOKEN}
    )
    assert made.status_code == 201 and made.json()["data"]["decided_by"] == STEWARD


def test_every_state_changing_route_refuses_an_unauthenticated_request(
    console: Any, built: Built, tmp_path: Path
) -> None:
    """Any POST route there is, now or later: no token, no write."""
    client = console(steward=STEWARD, api_token=API_TOKEN)
    unsafe = [
        (method, route.path)
        for route in client.app.routes
        for method in getattr(route, "methods", set()) - {"GET", "HEAD", "OPTIONS"}
    ]
    assert unsafe, "the console has decision routes"
    for method, path in unsafe:
        response = client.request(method, path, data=_form(built.pair, None))
        assert response.status_code in (403, 422), (method, path, response.status_code)
        response = client.request(method, path, json=_form(built.pair, None))
        assert response.status_code in (403, 422), (method, path, response.status_code)
    assert _journal(tmp_path) is None


def test_no_steward_identity_means_read_only(console: Any, built: Built, tmp_path: Path) -> None:
    client = console(api_token=API_TOKEN)
    page = client.get("/review")
    assert "Read-only: no steward identity" in page.text
    assert 'action="/review/decisions"' not in page.text and not _parse(page.text).tokens
    refused = client.post(
        "/api/decisions", json=_form(built.pair, None), headers={API_TOKEN_HEADER: API_TOKEN}
    )
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert _journal(tmp_path) is None


def test_a_proxys_user_header_names_the_steward_when_configured(
    console: Any, built: Built, tmp_path: Path
) -> None:
    client = console(steward_header="X-Forwarded-User", api_token=API_TOKEN)
    signed_in = {"X-Forwarded-User": "erin@example.com"}
    assert "erin@example.com" in client.get("/review", headers=signed_in).text
    assert "Read-only" in client.get("/review").text  # the proxy named nobody
    token = {API_TOKEN_HEADER: API_TOKEN}
    assert (
        client.post("/api/decisions", json=_form(built.pair, None), headers=token).status_code
        == 403
    )
    made = client.post(
        "/api/decisions", json=_form(built.pair, None), headers={**token, **signed_in}
    )
    assert made.status_code == 201 and made.json()["data"]["decided_by"] == "erin@example.com"
    # Not configured: the same header is anyone's to send, so it is ignored.
    plain = console()
    assert "Read-only" in plain.get("/review", headers=signed_in).text


def _forbidden_paths(built: Built, tmp_path: Path) -> list[str]:
    candidates = {
        str(built.work),
        str(built.warehouse.parent),
        str(tmp_path),
        str(Path.home()),
        os.getcwd(),
        str(CHECKOUT_DIR),
        sys.prefix,
    }
    return sorted(path for path in candidates if len(path) > 1)


# An absolute filesystem path anywhere in a body: a typical root folder after a quote, a space,
# a colon or the start of a line (a URL's path follows its host, never one of these).
ABSOLUTE_PATH = re.compile(
    r"""(?:^|[\s"'(:=>])/(?:home|root|tmp|work|var|usr|opt|srv|mnt|Users|private)/"""
)


# A surrogate key of the marts: people read business ids, never these.
SURROGATE_HASH = re.compile(r"\b[0-9a-f]{32}\b")


def test_every_page_and_endpoint_has_the_headers_and_no_filesystem_path_or_hash(
    console: Any, built: Built, tmp_path: Path
) -> None:
    client = console(steward=STEWARD, api_token=API_TOKEN)
    forbidden = _forbidden_paths(built, tmp_path)
    client_id = built.pair[0]
    seeds = ["/", "/health", "/docs", "/openapi.json", "/static/console.css", "/no/such/page"]
    for route in client.app.routes:
        if "GET" in getattr(route, "methods", set()) and route.path not in ("/docs", "/"):
            seeds.append(
                route.path.replace("{crm_client_id}", client_id).replace(
                    "{master_client_id}", client_id
                )
            )
    seeds += ["/api/clients?q=a", f"/clients?q={client_id}", "/api/hierarchy/NO-SUCH"]
    seen: set[str] = set()
    queue = list(dict.fromkeys(seeds))
    while queue and len(seen) < 250:
        path = queue.pop(0)
        if path in seen or "{" in path:
            continue
        seen.add(path)
        response = client.get(path)
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (path, header)
        body = response.text
        for folder in forbidden:
            assert folder not in body, f"{path} shows the path {folder}"
        assert not ABSOLUTE_PATH.search(body), (path, ABSOLUTE_PATH.search(body))
        assert not SURROGATE_HASH.search(body), (path, SURROGATE_HASH.search(body))
        assert "Traceback" not in body
        if response.headers.get("content-type", "").startswith("text/html"):
            for link in _parse(body).links:
                if link.startswith("/") and not link.startswith("//"):
                    queue.append(link.split("#")[0])
    assert len(seen) > 30, f"the crawl reached only {len(seen)} pages"


def test_a_journal_that_does_not_parse_is_reported_and_left_alone(
    console: Any, built: Built, tmp_path: Path
) -> None:
    client = console(steward=STEWARD, api_token=API_TOKEN)
    journal = journal_path(tmp_path / "inbox")
    journal.parent.mkdir(parents=True)
    journal.write_text("decision_id,client_id_a\nSD-1,C1\n", encoding="utf-8")
    page = client.get("/review")
    assert page.status_code == 503 and "match_decisions.csv line 1" in page.text
    made = client.post(
        "/api/decisions", json=_form(built.pair, None), headers={API_TOKEN_HEADER: API_TOKEN}
    )
    assert made.status_code == 503 and "does not parse" in made.json()["detail"]
    assert journal.read_text(encoding="utf-8") == "decision_id,client_id_a\nSD-1,C1\n"


def test_a_double_submit_journals_once_and_concurrent_decisions_all_land(
    console: Any, built: Built, tmp_path: Path
) -> None:
    client = console(steward=STEWARD, api_token=API_TOKEN)
    (token,) = set(_parse(client.get("/review").text).tokens)
    for _ in range(2):  # a double click
        answer = client.post(
            "/review/decisions", data=_form(built.pair, token), follow_redirects=False
        )
        assert answer.status_code == 303
    assert len(DecisionJournal(tmp_path / "inbox").read()) == 1

    # Two consoles on one inbox (two stewards' browsers), deciding at the same moment.
    other = console(steward="Erin Steward", api_token=API_TOKEN)
    header = {API_TOKEN_HEADER: API_TOKEN}
    ids = _sql_ids(built, 8)

    def decide(index: int) -> int:
        chosen = client if index % 2 else other
        body = {"client_id_a": ids[index], "client_id_b": ids[index + 8], "decision": "merge"}
        return chosen.post("/api/decisions", json=body, headers=header).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(decide, range(8)))
    assert codes == [201] * 8
    assert len(DecisionJournal(tmp_path / "inbox").read()) == 1 + 8
    standing = DecisionJournal(tmp_path / "inbox").standing()
    assert standing[tuple(sorted(built.pair))].decided_by == STEWARD


def _sql_ids(built: Built, count: int) -> list[str]:
    with duckdb.connect(str(built.warehouse), read_only=True) as connection:
        rows = connection.sql(
            f"select client_id from analytics.dim_client_record order by client_id"
            f" limit {2 * count}"
        ).fetchall()
    return [client_id for (client_id,) in rows]
