"""`benchmarks/run.py --quick` end to end at a tiny size: it runs every stage and baseline and
writes the report and the plot. Figures are not asserted (no timing assertions in tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZE = 300


@pytest.mark.slow
def test_quick_bench_writes_table_and_plot(tmp_path: Path) -> None:
    out = tmp_path / "results"
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            *("--sizes", str(SIZE), "--work", str(tmp_path / "work"), "--out", str(out)),
            *("--baseline-cap", "5"),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    report = (out / "latest.md").read_text()
    assert report in finished.stdout  # printed as well as written
    for header in (
        "| clients | generate | land | warehouse load | dbt build | ↳ dedup models "
        "| ↳ assignment models | night 1 | night 2 | night 2 / night 1 | peak RSS MiB (stage) |",
        "| clients | land | polars floor | land / floor | dedup models | rapidfuzz baseline "
        "| baseline / dbt | assignment models | per-row Python | per-row / dbt |",
        "| clients | precision | recall | F1 | baseline F1 | assignments (night 1) "
        "| matching night 1 | matching night 2 |",
    ):
        assert header in report
        table = report.split(header, 1)[1].strip().splitlines()
        row = table[1]  # after the alignment line: one row for the one size
        assert row.startswith(f"| {SIZE:,} |")
        assert row.count("|") == header.count("|")
        assert not table[2:] or not table[2].startswith("|"), "one row per size"
    assert "## Where time goes at 300 clients" in report

    figures = json.loads((out / "latest.json").read_text())["results"]
    assert [result["clients"] for result in figures] == [SIZE]
    quality = figures[0]["quality"]
    # The dbt assignment agrees with the independent recomputation on both nights.
    assert quality["matching_share_1"] == quality["matching_share_2"] == 1.0
    assert 0.0 < quality["f1_1"] <= 1.0

    png = (out / "latest.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
