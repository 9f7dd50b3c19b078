"""The replay rule: dated state is built in date order, so any sequence of runs ends as the
in-order run would.

Advisor stickiness, change detection and the assignment history read the previous night, so a
night built on a stale or missing predecessor is wrong. The warehouse keeps a ledger of each
night: when it was last loaded and last built (monotonic sequence numbers, plus the warehouse
clock for the audit). A night is *dirty* when it was requested, loaded but never built,
re-loaded since its build, or built before an earlier night was rebuilt. Building means: the
earliest dirty night, then every later known night, in order. CLI (`territory run`,
`territory transform`), Airflow and Slim CI's production build all go through `plan`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from loaders.warehouse import Warehouse
from territory.core.errors import TerritoryError

log = logging.getLogger("territory")

LEDGER = "observability.night_ledger"


@dataclass(frozen=True)
class Night:
    run_date: date
    loaded_seq: int | None
    built_seq: int | None


def _ensure_ledger(warehouse: Warehouse) -> None:
    warehouse.execute(
        [
            "create schema if not exists observability",
            f"create table if not exists {LEDGER} ("
            "run_date date not null, loaded_seq bigint, loaded_at timestamp, "
            "built_seq bigint, built_at timestamp)",
        ]
    )


def nights(warehouse: Warehouse) -> list[Night]:
    """Every night the ledger or `raw.clients` knows, oldest first (a date in raw but not in
    the ledger, e.g. loaded by an older version, counts as loaded and never built)."""
    _ensure_ledger(warehouse)
    rows = warehouse.query(
        f"select run_date, loaded_seq, built_seq from {LEDGER} order by run_date"
    )
    known = {row[0]: Night(row[0], row[1], row[2]) for row in rows}
    for (raw_date,) in _raw_dates(warehouse):
        known.setdefault(raw_date, Night(raw_date, 0, None))
    return [known[day] for day in sorted(known)]


def _raw_dates(warehouse: Warehouse) -> list[tuple]:
    exists = warehouse.query(
        "select count(*) from information_schema.tables "
        "where lower(table_schema) = 'raw' and lower(table_name) = 'clients'"
    )
    if not exists or not exists[0][0]:
        return []
    return warehouse.query("select distinct _run_date from raw.clients order by 1")


def _record(warehouse: Warehouse, run_date: date, column: str) -> None:
    _ensure_ledger(warehouse)
    ((latest,),) = warehouse.query(
        f"select coalesce(max(greatest(coalesce(loaded_seq, 0), coalesce(built_seq, 0))), 0) "
        f"from {LEDGER}"
    )
    day = f"cast('{run_date.isoformat()}' as date)"
    warehouse.execute(
        [
            f"merge into {LEDGER} as ledger using (select {day} as run_date) as night "
            "on ledger.run_date = night.run_date "
            f"when matched then update set {column}_seq = {int(latest) + 1}, "
            f"{column}_at = current_timestamp "
            f"when not matched then insert (run_date, {column}_seq, {column}_at) "
            f"values (night.run_date, {int(latest) + 1}, current_timestamp)"
        ]
    )


def record_loaded(warehouse: Warehouse, run_date: date) -> None:
    """The raw tables now hold this night's (re)delivery: its build is stale."""
    _record(warehouse, run_date, "loaded")


def record_built(warehouse: Warehouse, run_date: date) -> None:
    """`dbt build` of this night succeeded on top of every earlier night as it stands."""
    _record(warehouse, run_date, "built")


def _is_stale(night: Night) -> bool:
    """Never built, or loaded again since its build."""
    return night.built_seq is None or (night.loaded_seq or 0) > night.built_seq


def dirty_from(known: Sequence[Night], requested: Iterable[date] = ()) -> date | None:
    """The earliest night that must be (re)built, or None when every night is current."""
    candidates = set(requested)
    newest_build = None  # the latest build sequence among earlier nights
    for night in known:
        if _is_stale(night) or (newest_build is not None and night.built_seq < newest_build):
            candidates.add(night.run_date)
        if night.built_seq is not None:
            newest_build = max(newest_build or 0, night.built_seq)
    return min(candidates) if candidates else None


@dataclass(frozen=True)
class Plan:
    dates: list[date]  # every night to build, oldest first
    replayed: list[date]  # of those, the nights built before and rebuilt only to stay in order

    def describe(self) -> str:
        """`building 2026-01-05; replaying 2026-01-06, 2026-01-07` for the run's output."""
        fresh = [day.isoformat() for day in self.dates if day not in self.replayed]
        parts = ["building " + ", ".join(fresh)] if fresh else []
        if self.replayed:
            parts.append("replaying " + ", ".join(day.isoformat() for day in self.replayed))
        return "; ".join(parts) or "nothing to build: every loaded night is built"


def plan(warehouse: Warehouse, requested: Iterable[date] = ()) -> Plan:
    """The nights to build, in order: the earliest dirty or requested night and every later one
    the warehouse knows. A requested night that was never loaded is an error."""
    requested = sorted(set(requested))
    known = nights(warehouse)
    loaded = {night.run_date for night in known if night.loaded_seq is not None}
    missing = [day for day in requested if day not in loaded]
    if missing:
        raise ReplayError(
            "no clients loaded for "
            + ", ".join(day.isoformat() for day in missing)
            + ": run `territory load --date ...` (or `territory run`) first"
        )
    start = dirty_from(known, requested)
    chosen = [night for night in known if start is not None and night.run_date >= start]
    first_dirty = {night.run_date for night in chosen if _is_stale(night)} | set(requested)
    return Plan(
        dates=[night.run_date for night in chosen],
        replayed=[
            night.run_date
            for night in chosen
            if night.run_date not in first_dirty and night.built_seq is not None
        ],
    )


class ReplayError(TerritoryError, ValueError):
    """A night cannot be built as asked (e.g. nothing was loaded for it)."""
