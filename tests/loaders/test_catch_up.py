"""A caught-up night computes from the reference data standing on it: a static source absent
that night, whose delivery the lake lacks (a fresh lake, a catch-up starting later), lands the
newest earlier delivery from the inbox first."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.lake import LocalLake
from loaders.pipeline import land_source
from loaders.sanitize import SourceError
from loaders.sources import SOURCES


def test_an_absent_static_source_lands_its_earlier_delivery(
    small_inbox: Path, tmp_path: Path
) -> None:
    from loaders.inbox import inbox_dates

    first, second, _ = inbox_dates(small_inbox)
    assert not (small_inbox / second.isoformat() / SOURCES["advisors"].file).exists()
    lake = LocalLake(tmp_path / "lake")

    report = land_source(small_inbox, SOURCES["advisors"], second, lake)

    assert report.status == "absent"
    assert report.standing_partition == first.isoformat()
    assert lake.partitions("advisors") == [first]


def test_a_required_source_never_delivered_fails(small_inbox: Path, tmp_path: Path) -> None:
    from loaders.inbox import inbox_dates

    first = inbox_dates(small_inbox)[0]
    inbox = tmp_path / "inbox"
    (inbox / first.isoformat()).mkdir(parents=True)
    with pytest.raises(SourceError, match="no earlier advisors partition"):
        land_source(inbox, SOURCES["advisors"], first, LocalLake(tmp_path / "lake"))
