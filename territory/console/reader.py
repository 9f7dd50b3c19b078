"""Read-only access to the marts, without ever standing in the nightly job's way.

DuckDB takes one writer process, and a read-only connection from another process is refused
while the writer holds the file (and, the other way round, a writer cannot open the file while
any reader holds it: `territory run` would fail). So the console never opens the live file.
It copies it instead, when no writer holds it, and serves the copy:

1. `writer_lock()` asks the kernel whether a conflicting POSIX lock is held on the file
   (`fcntl(F_GETLK)`: a question, it takes no lock), and by which process.
2. When the file changed since the snapshot and no writer holds it, it is copied (with a
   leftover `.wal`, if any) beside the console's state; the copy is kept only when the file's
   identity (inode, size, mtime) and the absence of a writer are the same after the copy as
   before it, and DuckDB opens it read-only. Otherwise it is retried on the next poll.
3. Requests read the newest good snapshot; while a writer holds the live file the status
   says a night is being built and the pages show the snapshot they read and how old it is.

On Snowflake the views are read through the Snowflake connection (readers never block
writers there), with the configuration's connection settings (`Config.snowflake_settings`,
passed down by `territory serve`).

This is the console's one access layer, and deliberately not the loaders' `Warehouse`: that
is the write side (load, swap, merge, the night ledger) holding the live file, which the
console must never open; the console needs parameterised reads returning named rows from a
snapshot that never stands in the nightly job's way.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from territory.core.errors import TerritoryError

log = logging.getLogger("territory.console")

ANALYTICS = "analytics"
# struct flock on Linux: l_type, l_whence, l_start, l_len, l_pid (+ padding).
_FLOCK = "hhqqi"


class WarehouseUnavailable(TerritoryError):
    """No warehouse to read yet (never built, or a night is being built and no copy exists)."""

    def __init__(self, message: str, *, state: str, hint: str = "") -> None:
        super().__init__(message)
        self.state = state
        self.hint = hint


@dataclass(frozen=True)
class ReaderStatus:
    """What the pages say about the data they show."""

    target: str
    state: str  # ok | building | no_warehouse | empty
    # The live file's name (never its path: responses show no filesystem path) or the
    # Snowflake account and database.
    source: str
    snapshot_at: datetime | None = None  # when the data shown was copied (DuckDB)
    live_modified_at: datetime | None = None
    writer_pid: int | None = None
    writer_seen_at: datetime | None = None
    detail: str = ""

    @property
    def is_building(self) -> bool:
        return self.state == "building"

    def as_dict(self) -> dict[str, Any]:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {
            "target": self.target,
            "state": self.state,
            "source": self.source,
            "snapshot_at": stamp(self.snapshot_at),
            "live_modified_at": stamp(self.live_modified_at),
            "writer_pid": self.writer_pid,
            "writer_seen_at": stamp(self.writer_seen_at),
            "detail": self.detail,
        }


class Reader(Protocol):
    target: str

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]: ...

    def status(self) -> ReaderStatus: ...

    def close(self) -> None: ...


def writer_lock(path: Path) -> tuple[str, int] | None:
    """The lock another process holds on `path` ("write" or "read", its pid), or None.

    F_GETLK reports the first lock that would conflict with the one described (here an
    exclusive lock on the whole file) and takes none: the writer is never disturbed."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0) + bytes(8)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
        lock_type, _, _, _, pid = struct.unpack_from(_FLOCK, answer)
    finally:
        os.close(fd)
    if lock_type == fcntl.F_UNLCK:
        return None
    return ("write" if lock_type == fcntl.F_WRLCK else "read", pid)


def _signature(path: Path) -> tuple[int, int, int, int, int] | None:
    """Identity of the live file and its WAL: a copy is good only if this did not move."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    wal = Path(f"{path}.wal")
    wal_stat = wal.stat() if wal.exists() else None
    return (
        stat.st_ino,
        stat.st_size,
        stat.st_mtime_ns,
        wal_stat.st_size if wal_stat else -1,
        wal_stat.st_mtime_ns if wal_stat else -1,
    )


def _utc(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


@dataclass
class _Snapshot:
    path: Path
    signature: tuple[int, ...]
    taken_at: datetime
    connection: Any
    users: int = 0
    retired: bool = False

    def close(self) -> None:
        self.connection.close()
        for stale in (self.path, Path(f"{self.path}.wal")):
            stale.unlink(missing_ok=True)


@dataclass
class DuckDBSnapshotReader:
    """Serves the marts of a DuckDB file from verified read-only copies of it."""

    live_path: Path
    snapshot_dir: Path
    poll_seconds: float = 1.0
    target: str = "duckdb"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _current: _Snapshot | None = field(default=None, repr=False)
    _sequence: int = field(default=0, repr=False)
    _writer: tuple[int, datetime] | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.live_path = Path(self.live_path).resolve()
        self.snapshot_dir = Path(self.snapshot_dir)
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        # Copies left by an earlier console process are not trusted: start from the live file.
        for leftover in self.snapshot_dir.glob("warehouse-*.duckdb*"):
            leftover.unlink(missing_ok=True)

    # -- refreshing ---------------------------------------------------------------------
    def start(self) -> None:
        """Poll the live file in the background (the first copy is taken right away)."""
        self.refresh()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._poll, name="territory-console-snapshot", daemon=True
            )
            self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception:  # keep serving the last good copy; say why in the log
                log.exception("snapshot refresh of %s failed", self.live_path)

    def refresh(self) -> bool:
        """Take a new snapshot when the live file changed and no writer holds it. True when
        a new snapshot is now served."""
        with self._refresh_lock:
            before = _signature(self.live_path)
            if before is None:
                return False
            held = writer_lock(self.live_path)
            if held and held[0] == "write":
                if self._writer is None or self._writer[0] != held[1]:
                    self._writer = (held[1], datetime.now(UTC))
                return False
            self._writer = None
            if self._current is not None and self._current.signature == before:
                return False
            return self._copy(before)

    def _copy(self, before: tuple[int, ...]) -> bool:
        import duckdb

        self._sequence += 1
        target = self.snapshot_dir / f"warehouse-{os.getpid()}-{self._sequence}.duckdb"
        started = time.perf_counter()
        try:
            shutil.copyfile(self.live_path, target)
            wal = Path(f"{self.live_path}.wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{target}.wal"))
        except FileNotFoundError:  # replaced or removed mid-copy: try again next poll
            self._discard(target)
            return False
        held = writer_lock(self.live_path)
        if _signature(self.live_path) != before or (held and held[0] == "write"):
            log.info("warehouse changed while it was copied; retrying on the next poll")
            self._discard(target)
            return False
        try:
            connection = duckdb.connect(str(target), read_only=True)
            connection.execute("select count(*) from information_schema.tables").fetchall()
        except duckdb.Error as error:
            log.warning("snapshot %s unreadable (%s); retrying on the next poll", target, error)
            self._discard(target)
            return False
        snapshot = _Snapshot(target, before, datetime.now(UTC), connection)
        with self._lock:
            previous, self._current = self._current, snapshot
            if previous is not None:
                previous.retired = True
                if previous.users == 0:
                    previous.close()
        log.info(
            "serving snapshot %s of %s (%.1f MB, copied in %.2fs)",
            target.name,
            self.live_path,
            target.stat().st_size / 1e6,
            time.perf_counter() - started,
        )
        return True

    @staticmethod
    def _discard(path: Path) -> None:
        for stale in (path, Path(f"{path}.wal")):
            stale.unlink(missing_ok=True)

    # -- reading ------------------------------------------------------------------------
    @contextlib.contextmanager
    def _session(self) -> Iterator[_Snapshot]:
        with self._lock:
            snapshot = self._current
            if snapshot is None:
                raise self._unavailable()
            snapshot.users += 1
        try:
            yield snapshot
        finally:
            with self._lock:
                snapshot.users -= 1
                if snapshot.retired and snapshot.users == 0:
                    snapshot.close()

    def _unavailable(self) -> WarehouseUnavailable:
        if not self.live_path.exists():
            return WarehouseUnavailable(
                f"No warehouse yet: {self.live_path.name} does not exist.",
                state="no_warehouse",
                hint="Build one with `territory run --inbox INBOX --all` (or `make demo`).",
            )
        if self._writer is not None:
            return WarehouseUnavailable(
                "A night is being built: the nightly job (process "
                f"{self._writer[0]}) holds the warehouse and no earlier copy exists yet.",
                state="building",
                hint="This page refreshes by itself; the console shows the warehouse as soon "
                "as the build releases it.",
            )
        return WarehouseUnavailable(
            f"The warehouse {self.live_path.name} could not be read yet.", state="no_warehouse"
        )

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        with self._session() as snapshot:
            cursor = snapshot.connection.cursor()
            try:
                cursor.execute(sql, list(params))
                names = [column[0] for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            finally:
                cursor.close()

    def status(self) -> ReaderStatus:
        signature = _signature(self.live_path)
        live_modified = _utc(signature[2]) if signature else None
        snapshot = self._current
        if snapshot is None:
            error = self._unavailable()
            return ReaderStatus(
                self.target,
                error.state,
                self.live_path.name,
                live_modified_at=live_modified,
                writer_pid=self._writer[0] if self._writer else None,
                writer_seen_at=self._writer[1] if self._writer else None,
                detail=str(error),
            )
        if self._writer is not None:
            return ReaderStatus(
                self.target,
                "building",
                self.live_path.name,
                snapshot_at=snapshot.taken_at,
                live_modified_at=live_modified,
                writer_pid=self._writer[0],
                writer_seen_at=self._writer[1],
                detail=f"A night is being built (process {self._writer[0]} holds the "
                "warehouse); showing the warehouse as it was before.",
            )
        return ReaderStatus(
            self.target,
            "ok",
            self.live_path.name,
            snapshot_at=snapshot.taken_at,
            live_modified_at=live_modified,
        )

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            if self._current is not None:
                self._current.retired = True
                if self._current.users == 0:
                    self._current.close()
                self._current = None


@dataclass
class SnowflakeReader:
    """The same marts through one Snowflake connection (MVCC: readers never block the load)."""

    connect_kwargs: dict[str, object]
    target: str = "snowflake"
    _connection: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _connect(self) -> Any:
        from loaders.warehouse.snowflake import connect

        if self._connection is None or self._connection.is_closed():
            # `?` placeholders, as on DuckDB: the page queries are written once.
            self._connection = connect({**self.connect_kwargs, "paramstyle": "qmark"})
        return self._connection

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        with self._lock:
            try:
                connection = self._connect()
            except Exception as error:
                raise WarehouseUnavailable(
                    f"Snowflake is not reachable: {type(error).__name__}: {error}",
                    state="no_warehouse",
                    hint="Check the SNOWFLAKE_* settings (loaders/warehouse/snowflake.py).",
                ) from error
            cursor = connection.cursor()
            try:
                cursor.execute(sql, list(params))
                names = [column[0].lower() for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            finally:
                cursor.close()

    def status(self) -> ReaderStatus:
        account = str(self.connect_kwargs.get("account") or self.connect_kwargs.get("host"))
        source = f"snowflake://{account}/{self.connect_kwargs.get('database')}"
        return ReaderStatus(self.target, "ok", source)

    def start(self) -> None:
        """Nothing to poll: Snowflake serves every query from committed data."""

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
