"""`benchmarks/dedup_benchmark.py` end to end at about 2,000 records: the dbt matcher and Splink
(when the `bench` extra is installed; CI installs it) on the same records, the table and the
blocking recall written to matcher.md and matcher.json. Figures are not asserted beyond being
measured (no quality or timing thresholds in tests)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZE = 2_000


def _peer() -> str:
    if importlib.util.find_spec("splink") is not None:
        return "splink"
    message = "splink is not installed: make bench-install (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    return "none"


@pytest.mark.slow
def test_the_matcher_bench_measures_both_tools_on_the_same_records(tmp_path: Path) -> None:
    peer = _peer()
    out = tmp_path / "results"
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "dedup_benchmark.py"),
            *("--sizes", str(SIZE), "--profile", "default", "--peer", peer),
            *("--work", str(tmp_path / "work"), "--out", str(out), "--skip-baseline"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    report = (out / "matcher.md").read_text()
    assert report in finished.stdout  # printed as well as written
    (result,) = json.loads((out / "matcher.json").read_text())["results"]
    dbt = result["dbt"]
    assert 0.9 * SIZE < dbt["records"] <= SIZE
    assert 0.0 < dbt["as_run"]["f1"] <= 1.0
    assert dbt["best"]["f1"] > 0.0 and dbt["candidate_pairs"] > 0
    assert result["dbt_rss_mb"] > 0
    assert "| default | " in report and "dbt ER, as it runs" in report
    # Blocking recall: a row per key, then all keys together, over the same true pairs.
    *keys, union = dbt["blocking_recall"]
    assert union[0] == "all (int_client_pairs_blocked)" and keys
    true_pairs = {row[5] for row in dbt["blocking_recall"]}
    assert len(true_pairs) == 1 and union[3] <= true_pairs.pop()
    assert all(row[3] <= union[3] for row in keys)
    # The parameters the matcher learned: every attribute and the prior.
    learned = {row[0] for row in dbt["parameters"]}
    assert learned == {"name", "location", "aum", "parent", "prior"}
    assert "## Learned parameters, default" in report
    if peer == "splink":
        splink = result["splink"]
        assert splink["records"] == dbt["records"]  # the very records dbt resolved
        assert set(splink["at"]) == {"0.9", "0.97"}
        assert 0.0 < splink["timed"]["f1"] <= 1.0 and splink["candidate_pairs"] > 0
        assert splink["timed"] == splink["at"]["0.9"]  # its clusters agree with the pairs'
        assert "Splink 5, p >= 0.9" in report
