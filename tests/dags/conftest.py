"""Airflow for the DAG tests: a private AIRFLOW_HOME + SQLite metadata DB, the project's DAG
folder, and a manifest compiled from the current dbt project.

Airflow reads its config when first imported, so the environment is set here, at import, before
any test module imports airflow.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = ROOT / "dags"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="territory-airflow-"))

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(AIRFLOW_HOME / "cosmos"),
    }
)
if str(DAGS_FOLDER) not in sys.path:
    sys.path.append(str(DAGS_FOLDER))  # what the DAG processor does for a bundle


@pytest.fixture(scope="session")
def airflow_env(manifest: Path) -> Iterator[Path]:
    """Point the DAGs at the fresh manifest for the session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TERRITORY_DBT_MANIFEST", str(manifest))
        yield manifest


@pytest.fixture(scope="session")
def dagbag(airflow_env: Path) -> object:
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(
        dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER, bundle_name="dags-folder"
    )


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
def alert_webhook() -> Iterator[tuple[str, list[dict]]]:
    """A real HTTP endpoint on loopback for the `territory_alerts` connection."""
    server = HTTPServer(("127.0.0.1", 0), _AlertSink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _AlertSink.received = []
    yield f"http://127.0.0.1:{server.server_port}/", _AlertSink.received
    server.shutdown()
