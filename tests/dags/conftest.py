"""Airflow for the DAG tests: a private AIRFLOW_HOME + SQLite metadata DB, the project's DAG
folder, and a manifest compiled from the current dbt project.

Airflow reads its config when first imported, so the environment is set here, at import, before
any test module imports airflow.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

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
