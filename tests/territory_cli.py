"""The `territory` CLI as its own process, as cron or an Airflow task runs it, on a private
home: no DuckDB connection (dbt-duckdb keeps one per process) outlives a command, and no
TERRITORY_* setting of the test process reaches it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def territory(home: Path, *arguments: str) -> str:
    """Run `territory ARGUMENTS` with lake and warehouse under `home`; its stdout."""
    done = _run(home, arguments)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def territory_fails(home: Path, *arguments: str) -> str:
    """Run `territory ARGUMENTS` as `territory` does, expecting it to fail; its stderr."""
    done = _run(home, arguments)
    assert done.returncode != 0, done.stdout[-3000:]
    return done.stderr


def _run(home: Path, arguments: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    inherited = {
        name: value for name, value in os.environ.items() if not name.startswith("TERRITORY_")
    }
    environment = {
        **inherited,
        "TERRITORY_HOME": str(home),
        "TERRITORY_LAKE_ROOT": str(home / "lake"),
        "TERRITORY_DUCKDB_PATH": str(home / "warehouse.duckdb"),
    }
    return subprocess.run(
        [sys.executable, "-m", "territory", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
