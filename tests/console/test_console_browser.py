"""The console end to end in a real browser (Debian's chromium, headless, driven by Playwright).

GIVEN a generated CRM inbox built for two nights by `territory run`, and `territory serve`
started on it, every page shows the numbers the marts hold (checked against direct SQL), a
duplicate's CRM id finds its master, a parent's page shows its subsidiaries, and a steward's
decision made in the browser changes the crosswalk on the next `territory run` -- started while
the console is serving, which keeps answering and does not disturb the run -- and the change
log gives the decision as the reason. Every page is photographed into
benchmarks/results/screens/ (TERRITORY_SCREENS_DIR to change).
"""

from __future__ import annotations

import csv
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from shared_builds import BuiltNights

from loaders.inbox import inbox_dates
from territory.core.project import CHECKOUT_DIR as PROJECT_ROOT

# One worker under pytest-xdist (make test): one served site and browser for the module; the
# decision test changes the site.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("console_browser")]

SCREENS = Path(os.environ.get("TERRITORY_SCREENS_DIR", PROJECT_ROOT / "benchmarks/results/screens"))
STEWARD = "Dana Steward"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "no chromium on PATH: apt-get install -y chromium (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Site:
    url: str
    inbox: Path
    warehouse: Path
    env: dict[str, str]
    nights: list[date]
    server: subprocess.Popen

    def sql(self, query: str, *params: object) -> list[dict[str, Any]]:
        """The marts, queried directly (read-only, closed at once: the run must get the file)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            cursor = connection.execute(query, list(params))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def territory(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "territory", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(small_nights: BuiltNights, work: Path) -> Iterator[Site]:
    """`territory serve` on a private copy of `small_inbox` whose every night but the last is
    built (the copy is the site's own: a steward's decision and the next night change it)."""
    inbox = work / "inbox"
    shutil.copytree(small_nights.inbox, inbox)
    nights = inbox_dates(inbox)
    home = small_nights.copy(nights[-2], work / "home")
    env = {
        **os.environ,
        "TERRITORY_HOME": str(home),
        "TERRITORY_LAKE_ROOT": str(home / "lake"),
        "TERRITORY_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    port = _free_port()
    site = Site(f"http://127.0.0.1:{port}", inbox, home / "warehouse.duckdb", env, nights, None)  # type: ignore[arg-type]
    log = (work / "serve.log").open("w")
    site.server = subprocess.Popen(
        [sys.executable, "-m", "territory", "serve", "--port", str(port), "--inbox", str(inbox)],
        env={**env, "TERRITORY_STEWARD": STEWARD},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if site.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert site.server.poll() is None, (work / "serve.log").read_text()
            assert time.monotonic() < deadline, "the console did not come up"
            time.sleep(0.2)
        yield site
    finally:
        site.server.terminate()
        site.server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def site(small_nights: BuiltNights, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site every page test reads (none changes it)."""
    with serve(small_nights, tmp_path_factory.mktemp("console")) as site:
        yield site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@contextmanager
def open_page(browser: Any, site: Site) -> Iterator[Any]:
    """A page that may load nothing but the console itself (no CDN, no other host), and on
    which the Content-Security-Policy blocks nothing (no inline script or style slipped in)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not outside, f"the console asked for outside resources: {outside}"
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    with open_page(browser, site) as page:
        yield page


def _shoot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=False)


def _int(text: str) -> int:
    return int(text.replace(",", "").strip())


def test_territories_page_shows_the_marts_numbers(page: Any, site: Site) -> None:
    night = site.nights[-2]
    page.goto(site.url + "/territories")
    assert page.inner_text("#night") == night.isoformat()
    ((expected,),) = [
        tuple(row.values())
        for row in site.sql(
            "select count(*) from analytics.fct_client_assignment where run_date = ?", night
        )
    ]
    assert _int(page.inner_text("#kpi-clients")) == expected
    per_territory = site.sql(
        """
        select assignments.territory_id, count(*) as clients, sum(clients.aum_usd) as aum_usd
        from analytics.fct_client_assignment as assignments
        left join analytics.dim_client as clients on assignments.client_key = clients.client_key
        where assignments.run_date = ?
        group by 1
        """,
        night,
    )
    assert (
        page.locator("#territories tbody tr").count()
        == site.sql("select count(*) as n from analytics.dim_territory")[0]["n"]
    )
    for row in per_territory:
        cells = page.locator(f'#territories tr[data-territory="{row["territory_id"]}"]')
        assert _int(cells.locator("td.clients").inner_text()) == row["clients"]
        shown = Decimal(cells.locator("td.aum").get_attribute("data-value"))
        assert shown == (row["aum_usd"] or 0)
    assert page.locator("svg.chart rect.series-a").count() >= 10  # the chart, drawn locally
    _shoot(page, "territories")
    page.select_option("select[name=region]", "EMEA")
    page.wait_for_url("**region=EMEA**")
    regions = {
        cell.strip()
        for cell in page.locator("#territories tbody tr td:nth-child(3)").all_inner_texts()
    }
    assert regions == {"EMEA"}


def test_search_by_a_duplicates_crm_id_lands_on_its_master(page: Any, site: Site) -> None:
    duplicate = site.sql(
        """
        select crosswalk.client_id, crosswalk.master_client_id, clients.record_count
        from analytics.client_crosswalk as crosswalk
        inner join analytics.dim_client as clients
            on crosswalk.master_client_id = clients.master_client_id
        where crosswalk.client_id <> crosswalk.master_client_id
        order by clients.record_count desc, crosswalk.client_id
        limit 1
        """
    )[0]
    page.goto(site.url + "/clients")
    page.fill("#client-search", duplicate["client_id"])
    page.press("#client-search", "Enter")
    page.wait_for_url(f"**/clients/{duplicate['master_client_id']}**")
    assert page.inner_text("#master-id") == duplicate["master_client_id"]
    assert duplicate["client_id"] in page.inner_text("#resolved")
    assert _int(page.inner_text("#record-count")) == duplicate["record_count"]
    assert page.locator("#records tbody tr").count() == duplicate["record_count"]
    assert page.locator(f'#records tr[data-client-id="{duplicate["client_id"]}"]').count() == 1
    assert page.locator("#evidence tbody tr").count() >= 1  # the evidence of each merge
    today = site.sql(
        "select territory_id from analytics.fct_client_assignment "
        "where master_client_id = ? and run_date = ?",
        duplicate["master_client_id"],
        site.nights[-2],
    )[0]
    assert page.inner_text("#assignment-territory").startswith(today["territory_id"])
    history = site.sql(
        "select count(*) as n from analytics.fct_assignment_history where master_client_id = ?",
        duplicate["master_client_id"],
    )[0]["n"]
    assert page.locator("#history tbody tr").count() == history
    _shoot(page, "client")


def test_a_parents_hierarchy_shows_its_subsidiaries(page: Any, site: Site) -> None:
    # The largest family with a whitelisted member, else with a member in another territory
    # than its parent, else the largest.
    family = site.sql(
        """
        select
            clients.ultimate_parent_id,
            count(*) as subsidiaries,
            count(*) filter (where members.territory_id <> parents.territory_id) as apart,
            count(*) filter (where members.rule_type = 'whitelist') as whitelisted
        from analytics.dim_client as clients
        left join analytics.fct_client_assignment as members
            on clients.master_client_id = members.master_client_id and members.run_date = ?
        left join analytics.fct_client_assignment as parents
            on clients.ultimate_parent_id = parents.master_client_id and parents.run_date = ?
        where clients.ultimate_parent_id is not null
            and clients.ultimate_parent_id <> clients.master_client_id
        group by 1
        order by whitelisted > 0 desc, apart > 0 desc, subsidiaries desc, 1
        limit 1
        """,
        site.nights[-2],
        site.nights[-2],
    )[0]
    members = site.sql(
        """
        select clients.master_client_id, assignments.territory_id
        from analytics.dim_client as clients
        left join analytics.fct_client_assignment as assignments
            on clients.master_client_id = assignments.master_client_id and assignments.run_date = ?
        where clients.ultimate_parent_id = ? or clients.master_client_id = ?
        """,
        site.nights[-2],
        family["ultimate_parent_id"],
        family["ultimate_parent_id"],
    )
    page.goto(f"{site.url}/hierarchy?client={family['ultimate_parent_id']}")
    assert page.locator("#tree tbody tr").count() == family["subsidiaries"] + 1
    assert page.locator("#tree tbody tr.apart").count() == family["apart"]
    for member in members:
        row = page.locator(f'#tree tr[data-client="{member["master_client_id"]}"]')
        assert row.locator("td.territory").inner_text() == (member["territory_id"] or "–")
    _shoot(page, "hierarchy")
    page.goto(site.url + "/hierarchy")
    assert page.locator("#families tbody tr").count() >= 1


def test_advisor_workload_page(page: Any, site: Site) -> None:
    night = site.nights[-2]
    page.goto(site.url + "/advisors")
    books = {
        row["advisor_email"]: row["clients"]
        for row in site.sql(
            """
            select advisors.advisor_email || '|' || advisors.territory_id as advisor_email,
                count(assignments.master_client_id) as clients
            from analytics.dim_advisor as advisors
            left join analytics.fct_client_assignment as assignments
                on advisors.advisor_key = assignments.advisor_key and assignments.run_date = ?
            group by 1
            """,
            night,
        )
    }
    rows = page.locator("#advisors tbody tr")
    assert rows.count() == len(books)
    for index in range(min(rows.count(), 15)):
        row = rows.nth(index)
        key = f"{row.get_attribute('data-advisor')}|{row.locator('td').nth(1).inner_text()}"
        assert _int(row.locator("td.clients").inner_text()) == books[key]
    gaps = site.sql(
        "select count(distinct territory_id) as n from analytics.fct_client_assignment "
        "where run_date = ? and advisor_assignment in ('not_staffed', 'over_capacity')",
        night,
    )[0]["n"]
    assert page.locator("#gaps tbody tr").count() == gaps
    _shoot(page, "advisors")


def test_from_the_overview_to_a_territory_and_an_advisor(page: Any, site: Site) -> None:
    night = site.nights[-2]
    page.goto(site.url + "/")
    assert page.inner_text("#night") == night.isoformat()
    clients = site.sql(
        "select count(*) as n from analytics.fct_client_assignment where run_date = ?", night
    )[0]["n"]
    shown = page.locator('#headlines tr[data-figure="clients"] td').nth(1).inner_text()
    assert _int(shown) == clients
    _shoot(page, "overview")
    page.click("#attention-unassigned a")
    page.wait_for_url("**/territories/UNASSIGNED")
    unassigned = site.sql(
        "select count(*) as n from analytics.fct_client_assignment"
        " where run_date = ? and territory_id = 'UNASSIGNED'",
        night,
    )[0]["n"]
    assert _int(page.inner_text("#kpi-clients")) == unassigned
    busiest = site.sql(
        "select territory_id, advisor_email, count(*) as n from analytics.fct_client_assignment"
        " where run_date = ? and advisor_email is not null group by 1, 2 order by 3 desc limit 1",
        night,
    )[0]
    page.goto(f"{site.url}/territories")
    page.click(f'#territories tr[data-territory="{busiest["territory_id"]}"] td a')
    page.wait_for_url(f"**/territories/{busiest['territory_id']}")
    assert page.locator("#clients tbody tr").count() == min(
        50, _int(page.inner_text("#kpi-clients"))
    )
    _shoot(page, "territory")
    page.click(f'#advisors tr[data-advisor="{busiest["advisor_email"]}"] a')
    page.wait_for_url("**/advisors/**")
    assert _int(page.inner_text("#kpi-clients")) == busiest["n"]
    _shoot(page, "advisor")


def test_the_night_picker_shows_an_older_night_everywhere(page: Any, site: Site) -> None:
    first, newest = site.nights[0], site.nights[-2]
    page.goto(site.url + "/territories")
    page.select_option("#night-picker", first.isoformat())
    page.wait_for_url(f"**date={first}**")
    assert page.inner_text("#night") == first.isoformat()
    clients = site.sql(
        "select count(*) as n from analytics.fct_client_assignment where run_date = ?", first
    )[0]["n"]
    assert _int(page.inner_text("#kpi-clients")) == clients
    page.click("header nav a:has-text('Advisor workload')")
    page.wait_for_url(f"**/advisors?date={first}")
    assert page.inner_text("#night") == first.isoformat()
    page.goto(f"{site.url}/advisors?date=1999-01-01")
    assert newest.isoformat() in page.content() and first.isoformat() in page.content()


def test_changes_page_counts_each_night(page: Any, site: Site) -> None:
    page.goto(site.url + "/changes")
    for row in site.sql(
        "select run_date, count(*) as n from analytics.fct_assignment_change group by 1"
    ):
        cells = page.locator(f'#counts tr[data-night="{row["run_date"]}"] td')
        assert _int(cells.last.inner_text()) == row["n"]
    night = site.nights[-2]
    new = site.sql(
        "select count(*) as n from analytics.fct_assignment_change "
        "where run_date = ? and change_type = 'NEW'",
        night,
    )[0]["n"]
    page.goto(f"{site.url}/changes?date={night}&type=NEW")
    assert page.locator('#changes tr[data-change="NEW"]').count() == new
    page.goto(f"{site.url}/changes?date={night}")
    _shoot(page, "changes")


def test_conflicts_page_by_severity(page: Any, site: Site) -> None:
    page.goto(site.url + "/conflicts")
    for row in site.sql(
        "select severity, conflict_type, count(*) as n from analytics.rpt_assignment_conflicts "
        "group by 1, 2"
    ):
        cell = page.locator(
            f'#conflict-counts tr[data-severity="{row["severity"]}"]'
            f'[data-type="{row["conflict_type"]}"] td.n'
        )
        assert _int(cell.inner_text()) == row["n"]
    errors = site.sql(
        "select count(*) as n from analytics.rpt_assignment_conflicts where severity = 'ERROR'"
    )[0]["n"]
    page.goto(site.url + "/conflicts?severity=ERROR")
    assert page.locator("#conflicts tbody tr.error").count() == errors
    page.goto(site.url + "/conflicts")
    _shoot(page, "conflicts")


def test_api_and_its_documentation(page: Any, site: Site) -> None:
    duplicate = site.sql(
        "select client_id, master_client_id from analytics.client_crosswalk "
        "where client_id <> master_client_id order by client_id limit 1"
    )[0]
    answer = site.get(f"/api/clients/{duplicate['client_id']}").json()
    assert answer["master_client_id"] == duplicate["master_client_id"]
    assert answer["data"]["golden"]["master_client_id"] == duplicate["master_client_id"]
    unknown = site.get("/api/clients/NO-SUCH-ID")
    assert unknown.status_code == 404 and "NO-SUCH-ID" in unknown.json()["detail"]
    assert (
        len(site.get("/api/territories").json()["data"])
        == site.sql("select count(*) as n from analytics.dim_territory")[0]["n"]
    )
    for path in ("/api/advisors", "/api/changes", "/api/review-queue", "/api/conflicts"):
        assert site.get(path).status_code == 200, path
    spec = site.get("/openapi.json").json()
    assert {"/api/territories", "/api/clients/{crm_client_id}", "/api/changes"} <= set(
        spec["paths"]
    )
    page.goto(site.url + "/docs")
    # Swagger UI, served by the console itself.
    page.get_by_text("/api/review-queue", exact=True).first.wait_for()
    _shoot(page, "api-docs")
    page.goto(site.url + "/clients/NO-SUCH-ID")
    assert "Not found" in page.inner_text("#error") and "NO-SUCH-ID" in page.inner_text("#error")
    _shoot(page, "error-not-found")


def test_a_stewards_decision_is_applied_by_the_next_night(
    browser: Any, small_nights: BuiltNights, tmp_path: Path
) -> None:
    """Merge in the browser, run the next night while the console serves, see the result (on a
    site of its own: this changes it)."""
    with serve(small_nights, tmp_path) as site, open_page(browser, site) as page:
        steward_merges_and_the_next_night_applies_it(page, site)


def steward_merges_and_the_next_night_applies_it(page: Any, site: Site) -> None:
    last = site.nights[-1]
    queue = site.sql(
        "select client_id_a, client_id_b from analytics.rpt_duplicate_candidates "
        "where not is_same_master"
    )
    page.goto(site.url + "/review")
    assert _int(page.inner_text("#queue-count").split()[0]) == len(queue)
    assert page.locator("article.pair").count() == min(50, len(queue))
    assert page.inner_text("#steward") == STEWARD
    _shoot(page, "review-queue")
    # The last pair of the page, least likely first: after deciding, the steward is back on
    # the same ordering, scrolled to the pair, not at the top.
    page.goto(site.url + "/review?sort=probability")
    card = page.locator("article.pair").last
    a, b = card.get_attribute("data-pair").split("|")
    pair = {"client_id_a": a, "client_id_b": b}
    card.locator("input[name=note]").fill("same company, renamed after the acquisition")
    card.locator("button.merge").click()
    page.wait_for_selector("#decided")
    assert "sort=probability" in page.url and "#pair-" in page.url
    decided_card = page.locator(f'article.pair[data-pair="{a}|{b}"]')
    assert "merge" in decided_card.locator(".decided").inner_text()
    box, viewport = decided_card.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["y"] < viewport["height"], "not scrolled to the pair"
    with (site.inbox / "steward" / "match_decisions.csv").open() as journal:
        (decision,) = list(csv.DictReader(journal))
    assert (decision["client_id_a"], decision["client_id_b"]) == (
        pair["client_id_a"],
        pair["client_id_b"],
    )
    assert decision["decision"] == "merge" and decision["decided_by"] == STEWARD
    assert decision["effective_from"] == last.isoformat()

    # The next night, while the console serves: it keeps answering, the run is not disturbed.
    run = subprocess.Popen(
        [sys.executable, "-m", "territory", "run", "--inbox", str(site.inbox), f"--date={last}"],
        env=site.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    states, shot = [], False
    while run.poll() is None:
        health = site.get("/health")
        territories = site.get("/territories")
        assert territories.status_code == 200, territories.text[:500]
        states.append(health.json()["state"])
        if health.json()["state"] == "building" and not shot:
            page.goto(site.url + "/territories")
            if page.locator("#building-banner").count():
                _shoot(page, "territories-while-a-night-is-built")
                shot = True
        time.sleep(0.2)
    output = run.stdout.read() if run.stdout else ""
    assert run.returncode == 0, output[-3000:]
    assert "building" in states, "the console never saw the run holding the warehouse"
    deadline = time.monotonic() + 60
    while site.get("/health").json().get("newest_night") != last.isoformat():
        assert time.monotonic() < deadline, "the console never showed the new night"
        time.sleep(0.5)

    masters = {
        row["client_id"]: row["master_client_id"]
        for row in site.sql(
            "select client_id, master_client_id from analytics.client_crosswalk "
            "where client_id in (?, ?)",
            pair["client_id_a"],
            pair["client_id_b"],
        )
    }
    assert masters[pair["client_id_a"]] == masters[pair["client_id_b"]], "not merged"
    reasons = site.sql(
        "select * from analytics.rpt_assignment_change_reasons where match_decision_id = ?",
        decision["decision_id"],
    )
    assert reasons and reasons[0]["change_reason"] == "steward_merge"
    assert reasons[0]["run_date"] == last and reasons[0]["decided_by"] == STEWARD
    page.goto(f"{site.url}/changes?date={last}")
    reason = page.locator(f'#changes span[data-decision="{decision["decision_id"]}"]')
    assert reason.count() == 1 and reason.inner_text() == "steward merge"
    row_text = page.locator(f'#changes tr[data-client="{reasons[0]["master_client_id"]}"]')
    assert "same company, renamed" in row_text.inner_text()
    page.goto(f"{site.url}/changes?date={last}&type={reasons[0]['change_type']}")
    _shoot(page, "changes-with-a-steward-decision")
    page.goto(site.url + "/review")
    assert page.locator(f'#decisions tr[data-decision="{decision["decision_id"]}"]').inner_text()
    assert (
        "yes"
        in page.locator(f'#decisions tr[data-decision="{decision["decision_id"]}"]').inner_text()
    )


def test_a_form_on_another_site_cannot_record_a_decision(browser: Any, site: Site) -> None:
    """A page on another origin that posts a decision form to the console, as a steward's
    browser would run it: refused, and the journal is not touched."""
    pair = site.sql(
        "select client_id_a, client_id_b from analytics.rpt_duplicate_candidates limit 1"
    )[0]
    evil_page = f"""<!doctype html><form method="post" action="{site.url}/review/decisions">
        <input name="client_id_a" value="{pair["client_id_a"]}">
        <input name="client_id_b" value="{pair["client_id_b"]}">
        <input name="decision" value="merge"><input name="csrf_token" value="guessed">
        </form><script>document.forms[0].submit()</script>""".encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(evil_page)

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    journal = site.inbox / "steward" / "match_decisions.csv"
    before = journal.read_bytes() if journal.exists() else None
    context = browser.new_context()
    page = context.new_page()
    try:
        with page.expect_response(lambda r: r.url.endswith("/review/decisions")) as posted:
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        assert posted.value.status == 403
    finally:
        context.close()
        server.shutdown()
    assert (journal.read_bytes() if journal.exists() else None) == before
