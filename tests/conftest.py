"""Shared fixtures: a generated inbox and the homes the real nightly job builds from it, each
built once per session (across pytest-xdist workers) and copied by the tests that change them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fakesnow import server as _start_fakesnow_server
from moto.server import ThreadedMotoServer
from shared_builds import BuiltNights, shared_build
from territory_cli import territory

from territory.config import Config, build_config

pytest_plugins = ["xdist_groups"]

# Taken at import: once fakesnow.server() has run, the name `fakesnow.server` is its submodule.
assert callable(_start_fakesnow_server)

os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

SMALL_START = date(2026, 1, 5)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (in their order): under pytest-xdist the workers start on the long ones
    and the quick ones fill the end, instead of one worker finishing a long test alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def territory_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private lake folder and DuckDB file for one test."""
    monkeypatch.setenv("TERRITORY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TERRITORY_LAKE_ROOT", str(tmp_path / "home" / "lake"))
    monkeypatch.setenv("TERRITORY_DUCKDB_PATH", str(tmp_path / "home" / "warehouse.duckdb"))
    return tmp_path / "home"


@pytest.fixture
def territory_config(territory_home: Path) -> Config:
    """The configuration a command would build in `territory_home` (environment over defaults)."""
    return build_config(load_secrets=False)


@pytest.fixture(scope="session")
def small_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three nights of a 3,000-record CRM, with malformed rows and duplicates (read-only)."""
    from territory.synthetic import generate

    def build(out: Path) -> None:
        generate(
            out=out, clients=3_000, days=3, seed=7, start_date=SMALL_START, bad_rows_rate=0.005
        )

    return shared_build(tmp_path_factory, "small_inbox", build)


@pytest.fixture(scope="session")
def small_nights(small_inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltNights:
    """`small_inbox` built night by night by the real nightly job (one build per night for the
    whole session): the homes after night 1, 2 and 3."""
    from loaders.inbox import inbox_dates

    nights = inbox_dates(small_inbox)

    def build(folder: Path) -> None:
        home = folder / "building"
        for night in nights:
            territory(home, "run", "--inbox", str(small_inbox), "--date", str(night))
            shutil.copytree(home, folder / str(night))
        shutil.rmtree(home)

    folder = shared_build(tmp_path_factory, "small_nights", build)
    return BuiltNights(small_inbox, nights, [folder / str(night) for night in nights])


@pytest.fixture
def built_warehouse(small_nights: BuiltNights, tmp_path: Path) -> Path:
    """A private copy of the DuckDB file after every night of `small_inbox`, in order."""
    home = small_nights.copy(small_nights.nights[-1], tmp_path / "built")
    return home / "warehouse.duckdb"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """URL of a moto server on loopback: real HTTP AWS endpoints (S3, Secrets Manager) for
    boto3, s3fs and Polars."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fakesnow_server() -> Iterator[dict]:
    """Connection kwargs of a fakesnow server (Snowflake protocol on loopback), one per module."""
    with _start_fakesnow_server() as connection_kwargs:
        yield connection_kwargs


@pytest.fixture(scope="session")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`territory manifest` (what `make manifest` runs) of the dbt project as it is now, in tmp,
    once per session. A separate process: dbt in-process would set the dbt target for the whole
    session."""

    def build(target_path: Path) -> None:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "territory"),
                "manifest",
                "--target-path",
                str(target_path),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        assert result.stdout.strip().endswith("manifest.json"), result.stdout

    return shared_build(tmp_path_factory, "dbt_manifest", build) / "manifest.json"
