"""The console's warehouse reader never holds the DuckDB file, so the nightly writer is never
refused; it serves verified copies and says when a night is being built."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from territory.console.reader import DuckDBSnapshotReader, WarehouseUnavailable, writer_lock


def _warehouse(path: Path, rows: int = 3) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema analytics")
        connection.execute(f"create table analytics.t as select range as n from range({rows})")
    return path


def _hold(path: Path, mode: str, seconds: float, sql: str = "") -> subprocess.Popen:
    """Another process opening the file (read_write or read_only) and holding it."""
    code = textwrap.dedent(
        f"""
        import duckdb, sys, time
        connection = duckdb.connect({str(path)!r}, read_only={mode == "read_only"})
        {f"connection.execute({sql!r})" if sql else ""}
        print("open", flush=True)
        time.sleep({seconds})
        connection.close()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "open"
    return process


def test_duckdb_refuses_a_reader_while_a_writer_holds_the_file(tmp_path: Path) -> None:
    """What the design rests on: the engine's actual locking, checked on the installed DuckDB."""
    path = _warehouse(tmp_path / "w.duckdb")
    writer = _hold(path, "read_write", 3)
    try:
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(path), read_only=True)
    finally:
        writer.wait()
    reader = duckdb.connect(str(path), read_only=True)
    try:  # and a writer is refused while any other process reads
        refused = subprocess.run(
            [sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r})"],
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0 and "lock" in refused.stderr
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("mode", "expected"), [("read_write", "write"), ("read_only", "read")], ids=["writer", "reader"]
)
def test_writer_lock_names_the_holder_without_taking_a_lock(
    tmp_path: Path, mode: str, expected: str
) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    assert writer_lock(path) is None
    holder = _hold(path, mode, 2)
    try:
        assert writer_lock(path) == (expected, holder.pid)
    finally:
        holder.wait()
    assert writer_lock(path) is None
    assert writer_lock(tmp_path / "missing.duckdb") is None


def test_console_keeps_answering_and_never_disturbs_the_writer(tmp_path: Path) -> None:
    """GIVEN the console serving a warehouse, WHEN another process writes it for a while, THEN
    the writer's open and writes succeed, the console answers every query meanwhile from its
    copy and says a night is being built, and shows the new data once the writer is done."""
    path = _warehouse(tmp_path / "w.duckdb", rows=3)
    reader = DuckDBSnapshotReader(path, tmp_path / "snapshots", poll_seconds=0.1)
    reader.start()
    try:
        assert reader.query("select count(*) as n from analytics.t") == [{"n": 3}]
        assert reader.status().state == "ok"
        writer = _hold(path, "read_write", 2, "insert into analytics.t select 99 from range(4)")
        answers, states = [], set()
        while writer.poll() is None:
            held_before = writer_lock(path)
            answer = reader.query("select count(*) as n from analytics.t")[0]["n"]
            state = reader.status().state
            # Only what was answered while the writer held the file throughout: once it lets
            # go (before its process has exited) the console may rightly serve the new night.
            if held_before and writer_lock(path):
                answers.append(answer)
                states.add(state)
            time.sleep(0.05)
        assert writer.returncode == 0, "the writer was disturbed"
        assert answers and set(answers) == {3}, "answers come from the copy taken before"
        assert "building" in states
        deadline = time.monotonic() + 10
        while reader.query("select count(*) as n from analytics.t")[0]["n"] != 7:
            assert time.monotonic() < deadline, "the console never picked up the new night"
            time.sleep(0.1)
        assert reader.status().state == "ok"
        # Copies are the console's own; the live file is never opened by it.
        assert all(p.parent == tmp_path / "snapshots" for p in (tmp_path / "snapshots").iterdir())
    finally:
        reader.close()


def test_a_writer_that_starts_during_the_copy_discards_it(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    reader = DuckDBSnapshotReader(path, tmp_path / "snapshots", poll_seconds=60)
    assert reader.refresh() is True
    writer = _hold(path, "read_write", 0.5, "insert into analytics.t values (5)")
    try:
        assert reader.refresh() is False  # a writer holds it: keep the old copy
        assert reader.status().state == "building"
    finally:
        writer.wait()
    assert reader.refresh() is True
    assert reader.query("select count(*) as n from analytics.t") == [{"n": 4}]
    reader.close()


def test_no_warehouse_yet_is_said_plainly(tmp_path: Path) -> None:
    reader = DuckDBSnapshotReader(tmp_path / "none.duckdb", tmp_path / "snapshots")
    reader.start()
    try:
        with pytest.raises(WarehouseUnavailable, match="No warehouse yet") as raised:
            reader.query("select 1")
        assert raised.value.state == "no_warehouse"
        assert reader.status().state == "no_warehouse"
    finally:
        reader.close()


def test_a_night_building_before_any_copy_is_said_plainly(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    writer = _hold(path, "read_write", 2)
    try:
        reader = DuckDBSnapshotReader(path, tmp_path / "snapshots")
        reader.refresh()
        with pytest.raises(WarehouseUnavailable, match="being built") as raised:
            reader.query("select 1")
        assert raised.value.state == "building"
    finally:
        writer.wait()
    reader.close()
