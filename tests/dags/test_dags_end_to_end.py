"""The three DAGs run in-process (`dag.test()`) for two nights on a generated inbox against
DuckDB, then a night with a broken export fails fast and raises an alert."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

pytestmark = pytest.mark.slow

NIGHTS = [date(2026, 1, 5), date(2026, 1, 6)]
BROKEN_NIGHT = date(2026, 1, 7)


class _AlertSink(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:  # the webhook a Slack/email gateway would expose
        length = int(self.headers.get("Content-Length", 0))
        _AlertSink.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def alert_webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    """A real HTTP endpoint on loopback, wired as the `territory_alerts` connection."""
    server = HTTPServer(("127.0.0.1", 0), _AlertSink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _AlertSink.received = []
    monkeypatch.setenv("AIRFLOW_CONN_TERRITORY_ALERTS", f"http://127.0.0.1:{server.server_port}/")
    yield _AlertSink.received
    server.shutdown()


@pytest.fixture
def nightly_env(
    airflow_env: Path,
    territory_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A 3-night inbox whose third night has no clients export; quick retries."""
    from loaders.generate import generate

    inbox = tmp_path / "inbox"
    generate(out=inbox, clients=300, days=3, seed=11, start_date=NIGHTS[0], bad_rows_rate=0.005)
    (inbox / BROKEN_NIGHT.isoformat() / "clients.csv").unlink()
    monkeypatch.setenv("TERRITORY_INBOX", str(inbox))
    monkeypatch.setenv("TERRITORY_TARGET", "duckdb")
    # One quick retry keeps the retry path exercised without waiting 5 minutes.
    monkeypatch.setenv("TERRITORY_RETRIES", "1")
    monkeypatch.setenv("TERRITORY_RETRY_DELAY_SECONDS", "0")
    return inbox


def test_two_nights_build_the_marts_and_a_broken_night_fails_fast(
    nightly_env: Path, territory_home: Path, alert_webhook: list[dict]
) -> None:
    import territory_local

    territory_local.prepare_metadata_db()
    dags = territory_local.load_dags()  # parsed now, with this test's settings

    # WHEN two nights run through ingest -> load -> transform
    for night in NIGHTS:
        results = territory_local.run_night(dags, night)
        territory_local.print_results(night, results)
        # THEN every DAG run and every task succeeded
        assert [(dag_id, state) for dag_id, state, _ in results] == [
            (dag_id, "success") for dag_id in territory_local.DAG_IDS
        ]
        for dag_id, _, tasks in results:
            bad = {task: state for task, state in tasks.items() if state != "success"}
            assert not bad, (dag_id, bad)
    assert alert_webhook == []

    # THEN the marts hold both nights, each master client assigned exactly once per night
    with duckdb.connect(str(territory_home / "warehouse.duckdb"), read_only=True) as conn:
        raw_dates = conn.sql("select distinct _run_date from raw.clients order by 1").fetchall()
        assert [row[0] for row in raw_dates] == NIGHTS
        per_night = conn.sql(
            "select run_date, count(*), count(distinct master_client_id) "
            "from analytics.fct_client_assignment group by run_date order by run_date"
        ).fetchall()
        assert [row[0] for row in per_night] == NIGHTS
        assert all(rows == distinct and rows > 0 for _, rows, distinct in per_night)
        (dim_clients,) = conn.execute("select count(*) from analytics.dim_client").fetchone()
        assert dim_clients == per_night[-1][1]  # the dimension is the last night's clients
        (crosswalked,) = conn.execute(
            "select count(distinct client_id) from analytics.client_crosswalk"
        ).fetchone()
        (landed,) = conn.execute(
            "select count(distinct client_id) from raw.clients where _run_date = ?",
            [NIGHTS[-1]],
        ).fetchone()
        assert crosswalked == landed

    # WHEN the clients export of the third night is missing
    results = territory_local.run_night(dags, BROKEN_NIGHT)
    territory_local.print_results(BROKEN_NIGHT, results)

    # THEN the ingest run fails, nothing downstream runs and the alert went out
    assert [(dag_id, state) for dag_id, state, _ in results] == [("territory_ingest", "failed")]
    tasks = results[0][2]
    assert tasks["land.clients"] == "failed"
    assert tasks["publish_lake_partition"] == "upstream_failed"  # no asset event emitted
    texts = [alert["text"] for alert in alert_webhook]
    assert any("territory_ingest.land.clients failed (try 2)" in text for text in texts), texts
    assert any("DAG run territory_ingest failed" in text for text in texts), texts
