"""The steward's journal: what the console writes and the loaders land as `match_decisions`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from territory.console.decisions import DecisionError, DecisionJournal, journal_path
from territory.loaders.pipeline import inbox_file
from territory.loaders.sanitize import sanitize
from territory.loaders.sources import SOURCES

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
