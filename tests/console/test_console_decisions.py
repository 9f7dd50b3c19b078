"""The steward's journal: what the console writes and the loaders land as `match_decisions`."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from loaders.lake import LocalLake
from loaders.pipeline import inbox_file, land_source
from loaders.sanitize import SourceError, sanitize
from loaders.sources import SOURCES
from territory.console.decisions import DecisionError, DecisionJournal, JournalError, journal_path

NIGHT = date(2026, 1, 8)


def test_a_decision_is_appended_with_who_when_and_the_night(tmp_path: Path) -> None:
    journal = DecisionJournal(tmp_path / "inbox")
    first = journal.record(
        "C2",
        "C1",
        "merge",
        "alice",
        NIGHT,
        note="same LEI,\n renamed",
        now=datetime(2026, 1, 7, 9, tzinfo=UTC),
    )
    assert (first.client_id_a, first.client_id_b) == ("C1", "C2")  # ordered pair
    assert first.decided_at == "2026-01-07T09:00:00.000000Z"
    assert first.effective_from == "2026-01-08"
    assert first.note == "same LEI, renamed"  # one line: the CSV stays one row per decision
    later = journal.record(
        "C1", "C2", "never_merge", "bob", NIGHT, now=datetime(2026, 1, 7, 10, tzinfo=UTC)
    )
    assert [d.decision_id for d in journal.read()] == [first.decision_id, later.decision_id]
    assert journal.standing() == {("C1", "C2"): later}  # the later decision on a pair stands


@pytest.mark.parametrize(
    ("a", "b", "decision", "message"),
    [("C1", "C1", "merge", "itself"), ("C1", "", "merge", "two"), ("C1", "C2", "maybe", "unknown")],
    ids=["same-record", "missing-record", "unknown-decision"],
)
def test_refused_decisions(tmp_path: Path, a: str, b: str, decision: str, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        DecisionJournal(tmp_path).record(a, b, decision, "alice", NIGHT)
    assert not journal_path(tmp_path).exists()


def test_the_loaders_land_the_journal_from_the_steward_folder_every_night(tmp_path: Path) -> None:
    """The registry reads the journal from INBOX/steward/ whatever the night, and the sanitizer
    takes the console's file as it is: nothing quarantined, types parsed."""
    inbox = tmp_path / "inbox"
    journal = DecisionJournal(inbox)
    journal.record("C1", "C2", "merge", "alice", NIGHT, note='quoted "note", comma')
    journal.record("C3", "C4", "never_merge", "bob", NIGHT)
    source = SOURCES["match_decisions"]
    assert inbox_file(inbox, source, date(2026, 1, 9)) == journal.path
    result = sanitize(
        journal.path,
        source,
        run_date=NIGHT,
        load_time=datetime(2026, 1, 8, tzinfo=UTC),
        source_file="x",
    )
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (2, 2, 0)
    rows = result.rows.sort("client_id_a").to_dicts()
    assert rows[0]["note"] == 'quoted "note", comma'
    assert rows[1]["decision"] == "never_merge"
    assert rows[0]["effective_from"] == NIGHT


def test_a_repeated_submit_journals_once(tmp_path: Path) -> None:
    """A double click or a reloaded POST is the pair's standing decision again: one entry. A
    different note, steward or decision is a new decision."""
    journal = DecisionJournal(tmp_path)
    first = journal.record("C1", "C2", "merge", "alice", NIGHT, note="same LEI")
    again = journal.record("C2", "C1", "merge", "alice", NIGHT, note="  same   LEI ")
    assert again == first and len(journal.read()) == 1
    journal.record("C1", "C2", "merge", "bob", NIGHT, note="same LEI")
    journal.record("C1", "C2", "never_merge", "bob", NIGHT, note="same LEI")
    back = journal.record("C1", "C2", "merge", "bob", NIGHT, note="same LEI")
    assert len(journal.read()) == 4 and journal.standing()[("C1", "C2")] == back


def _decide(inbox: str, index: int) -> str:
    journal = DecisionJournal(Path(inbox))
    return journal.record(f"A{index}", f"B{index}", "merge", f"steward {index}", NIGHT).decision_id


def test_concurrent_decisions_from_several_processes_are_all_journalled(tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=6) as pool:
        made = list(pool.map(_decide, [str(tmp_path)] * 36, range(36)))
    journalled = DecisionJournal(tmp_path).read()
    assert sorted(d.decision_id for d in journalled) == sorted(made)
    assert len(set(made)) == 36


def test_the_journal_and_its_folder_are_fsynced_before_the_decision_is_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    journal = DecisionJournal(tmp_path)
    journal.record("C1", "C2", "merge", "alice", NIGHT)
    folder = str(journal.path.parent)
    assert len(synced) == 2
    assert synced[0].startswith(f"{folder}/.match_decisions.csv.")  # the new version, then
    assert synced[1] == folder  # the folder entry its rename made


BROKEN_LINES = {
    "unknown-decision": "SD-bad,C3,C4,maybe,,alice,2026-01-07T10:00:00.000000Z,2026-01-08",
    "bad-timestamp": "SD-bad,C3,C4,merge,,alice,yesterday,2026-01-08",
    "extra-field": "SD-bad,C3,C4,merge,,alice,2026-01-07T10:00:00.000000Z,2026-01-08,x",
    "open-quote": 'SD-bad,C3,C4,merge,"half a note,alice,2026-01-07T10:00:00.000000Z,2026-01-08',
}


@pytest.mark.parametrize("broken", sorted(BROKEN_LINES))
def test_a_journal_that_does_not_parse_stops_the_night_and_loses_no_decision(
    tmp_path: Path, broken: str
) -> None:
    """Edited by hand and broken on line 3: the console adds nothing to it and the night's
    load stops naming line 3; once the line is fixed, every decision lands."""
    inbox = tmp_path / "inbox"
    journal = DecisionJournal(inbox)
    good = journal.record("C1", "C2", "merge", "alice", NIGHT, now=datetime(2026, 1, 7, tzinfo=UTC))
    with journal.path.open("a", encoding="utf-8") as handle:
        handle.write(BROKEN_LINES[broken] + "\n")
    before = journal.path.read_bytes()
    with pytest.raises(JournalError, match="line 3"):
        journal.record("C5", "C6", "merge", "bob", NIGHT)
    assert journal.path.read_bytes() == before

    lake = LocalLake(tmp_path / "lake")
    source = SOURCES["match_decisions"]
    with pytest.raises(SourceError, match="line 3") as stopped:
        land_source(inbox, source, date(2026, 1, 9), lake)
    assert "match_decisions.csv" in str(stopped.value)
    assert lake.latest_partition(source.name, date(2026, 1, 9)) is None  # nothing half-landed

    lines = before.decode().splitlines()
    lines[2] = (
        "SD-fixed,C3,C4,never_merge,fixed by hand,alice,2026-01-07T10:00:00.000000Z,2026-01-08"
    )
    journal.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = land_source(inbox, source, date(2026, 1, 9), lake)
    assert (report.rows_landed, report.rows_quarantined) == (2, 0)
    assert {d.decision_id for d in journal.read()} == {good.decision_id, "SD-fixed"}
