"""Test state built once per session and shared by the tests (and pytest-xdist workers) that
read it; a test that changes it works on a copy."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from filelock import FileLock


def shared_build(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder `name`, filled by `build(folder)` once per test session: under pytest-xdist
    the first worker to ask builds it while the others wait on a file lock, then all read it.

    What is built here is shared: a test reads it, or copies it (`copy_home`) to change it.
    Anything holding a DuckDB file must be built in a child process (`territory_cli`), so the
    file is closed and whole before another process reads or copies it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's folder, above every worker's own
    folder = root / "shared" / name
    finished = folder.parent / f"{name}.built"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(folder.parent / f"{name}.lock"):
        if not finished.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
            folder.mkdir()
            build(folder)
            finished.touch()
    return folder


def copy_home(source: Path, destination: Path) -> Path:
    """A private copy of a built home (lake, warehouse, dbt artifacts), for a test to change."""
    shutil.copytree(source, destination)
    return destination


@dataclass(frozen=True)
class BuiltNights:
    """`territory run` over `inbox`, one night at a time: the home as each night left it."""

    inbox: Path
    nights: list[date]
    homes: list[Path]

    def copy(self, night: date, destination: Path) -> Path:
        """A private home holding every night up to and including `night`."""
        return copy_home(self.homes[self.nights.index(night)], destination)
