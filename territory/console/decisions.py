"""The steward's journal of match decisions: where the console writes while the night runs.

A decision (merge / never merge two CRM records, with who, when and an optional note) is a
row appended to `INBOX/steward/match_decisions.csv` (the source `match_decisions` of the
registry, `loaders/sources.py`). The warehouse is never written: each night
lands the whole journal as that night's version of the static source, and dbt applies every
decision whose `effective_from` (the first night not yet built when it was made) is on or
before the run date, beside the `match_overrides` seed. A backfill of an earlier night
therefore rebuilds it as it was, and a decision made while a night is being built is applied
on the next one.

Writes take an exclusive `flock` on a lock file beside the journal (two console processes,
or a request and a CLI), then replace the file atomically (temp file fsynced, renamed, folder
fsynced), so a land reading the journal sees the old or the new version, never half of one,
and a decision acknowledged to the steward survives a crash. A repeated submit (a double
click, a reload of the POST) is the pair's standing decision again and journals nothing. A
journal that does not parse is never rewritten: the console refuses to add to it and the
night's load stops naming the line (the source is `all_or_nothing`), so no decision is lost.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path

from loaders.sources import SOURCES, STEWARD_FOLDER
from territory.core.errors import TerritoryError

DECISIONS_SOURCE = SOURCES["match_decisions"]
DECISIONS = ("merge", "never_merge")
NOTE_MAX_LENGTH = 500


@dataclass(frozen=True)
class Decision:
    decision_id: str
    client_id_a: str
    client_id_b: str
    decision: str
    note: str
    decided_by: str
    decided_at: str  # ISO-8601 UTC, `Z`
    effective_from: str  # YYYY-MM-DD: the first night it applies to

    @property
    def pair(self) -> tuple[str, str]:
        return (self.client_id_a, self.client_id_b)


HEADER = [f.name for f in fields(Decision)]
if DECISIONS_SOURCE.column_names != HEADER:  # one definition of the journal: the registry's
    raise RuntimeError("the journal's columns must match the registry's match_decisions")


def journal_path(inbox: Path) -> Path:
    return Path(inbox) / STEWARD_FOLDER / DECISIONS_SOURCE.file


class DecisionError(TerritoryError, ValueError):
    """A decision the journal refuses (unknown decision, same record twice, ...)."""


class JournalError(TerritoryError):
    """The journal on disk does not parse: nothing is added to it until someone fixes it."""


@dataclass
class DecisionJournal:
    inbox: Path

    @property
    def path(self) -> Path:
        return journal_path(self.inbox)

    def read(self) -> list[Decision]:
        """Every decision, oldest line first; JournalError naming the line when one does not
        parse (the checks the night's landing makes, so the console never accepts a journal
        the night would refuse)."""
        if not self.path.is_file():
            return []
        name = self.path.name
        with self.path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next(reader, None)
                if header != HEADER:
                    raise JournalError(f"{name} line 1: header {header} is not {HEADER}")
                decisions = []
                for values in reader:
                    line = reader.line_num
                    if len(values) != len(HEADER):
                        raise JournalError(
                            f"{name} line {line}: {len(values)} fields, expected {len(HEADER)}"
                        )
                    decisions.append(_checked(Decision(*values), f"{name} line {line}"))
            except csv.Error as error:
                raise JournalError(f"{name} line {reader.line_num}: {error}") from None
        return decisions

    def standing(self) -> dict[tuple[str, str], Decision]:
        """The latest decision per pair (a later decision on a pair replaces the earlier)."""
        return standing_decisions(self.read())

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with (self.path.parent / f".{self.path.name}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def record(
        self,
        client_id_a: str,
        client_id_b: str,
        decision: str,
        decided_by: str,
        effective_from: date,
        note: str = "",
        now: datetime | None = None,
    ) -> Decision:
        """Append one decision; returns it as written."""
        a, b = (client_id_a or "").strip(), (client_id_b or "").strip()
        if not a or not b:
            raise DecisionError("a decision names two CRM records")
        if a == b:
            raise DecisionError(f"{a}: a record cannot be decided against itself")
        if decision not in DECISIONS:
            raise DecisionError(f"unknown decision {decision!r}: expected merge or never_merge")
        clean_note = " ".join((note or "").split())[:NOTE_MAX_LENGTH]
        stamp = (now or datetime.now(UTC)).astimezone(UTC)
        decided_at = stamp.isoformat(timespec="microseconds").replace("+00:00", "Z")
        low, high = sorted((a, b))
        digest = hashlib.sha256(f"{low}|{high}|{decision}|{decided_at}".encode()).hexdigest()
        entry = Decision(
            decision_id=f"SD-{digest[:12]}",
            client_id_a=low,
            client_id_b=high,
            decision=decision,
            note=clean_note,
            decided_by=decided_by,
            decided_at=decided_at,
            effective_from=effective_from.isoformat(),
        )
        with self._locked():
            rows = self.read()
            standing = standing_decisions(rows).get(entry.pair)
            if standing is not None and _same_decision(standing, entry):
                return standing  # a repeated submit: journalled once
            self._write([*rows, entry])
        return entry

    def _write(self, rows: list[Decision]) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        # The rename is durable only once the folder's entry is on disk.
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def standing_decisions(decisions: list[Decision]) -> dict[tuple[str, str], Decision]:
    latest: dict[tuple[str, str], Decision] = {}
    for decision in sorted(decisions, key=lambda d: (d.decided_at, d.decision_id)):
        latest[decision.pair] = decision
    return latest


def _same_decision(one: Decision, other: Decision) -> bool:
    def what(decision: Decision) -> tuple[str, str, str]:
        return (decision.decision, decision.decided_by, decision.note)

    return what(one) == what(other)


def _checked(decision: Decision, where: str) -> Decision:
    if not decision.decision_id or not decision.client_id_a or not decision.client_id_b:
        raise JournalError(f"{where}: a decision needs its id and both CRM records")
    if decision.decision not in DECISIONS:
        raise JournalError(f"{where}: unknown decision {decision.decision!r}")
    if not decision.decided_by:
        raise JournalError(f"{where}: no steward (decided_by)")
    try:
        datetime.fromisoformat(decision.decided_at)
        date.fromisoformat(decision.effective_from)
    except ValueError as error:
        raise JournalError(f"{where}: {error}") from None
    return decision
