"""Client de-duplication benchmark: the dbt entity resolution against the generator's truth.

For each size: generate a one-day CRM inbox, load raw.clients into a fresh DuckDB, run dbt up
to ``client_crosswalk`` and print wall time, candidate-pair counts and pairwise precision,
recall and F1 against ``INBOX/truth/entities.csv``. Beside it, the seed-style baseline
(rapidfuzz ``token_sort_ratio >= 85`` over all pairs, then connected components) runs where it
finishes under ``--baseline-cap`` seconds; above that its time is extrapolated from the rows it
did compare (marked ``~``) and its F1 is not reported.

    python benchmarks/dedup_benchmark.py --sizes 10000,100000 [--work /tmp/dedup-bench]
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

RUN_DATE = date(2026, 1, 5)


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int


def pairwise_scores(conn: duckdb.DuckDBPyConnection, assignments: str, truth_csv: Path) -> Scores:
    """Pairwise P/R/F1 of a (client_id, master_client_id) relation against the truth file,
    over the clients the relation holds (pairs counted from cluster sizes, never enumerated)."""
    row = conn.sql(
        f"""
        with joined as (
            select a.client_id, a.master_client_id, t.entity_id
            from ({assignments}) as a
            inner join read_csv('{truth_csv}', header = true, all_varchar = true) as t
                on a.client_id = t.client_id
        ),
        predicted as (
            select coalesce(sum(n * (n - 1) / 2), 0) as pairs
            from (select count(*) as n from joined group by master_client_id)
        ),
        actual as (
            select coalesce(sum(n * (n - 1) / 2), 0) as pairs
            from (select count(*) as n from joined group by entity_id)
        ),
        agreed as (
            select coalesce(sum(n * (n - 1) / 2), 0) as pairs
            from (select count(*) as n from joined group by master_client_id, entity_id)
        )
        select agreed.pairs, predicted.pairs, actual.pairs from agreed, predicted, actual
        """
    ).fetchall()[0]
    agreed, predicted, actual = (int(v) for v in row)
    precision = agreed / predicted if predicted else 1.0
    recall = agreed / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, actual, predicted)


def build_inbox(work: Path, clients: int, seed: int) -> Path:
    from territory.synthetic import generate

    inbox = work / f"inbox_{clients}"
    if not (inbox / "truth" / "entities.csv").exists():
        shutil.rmtree(inbox, ignore_errors=True)
        generate(out=inbox, clients=clients, days=1, seed=seed, start_date=RUN_DATE)
    return inbox


def run_entity_resolution(work: Path, inbox: Path, clients: int) -> dict[str, float]:
    """Load raw.clients and run dbt up to client_crosswalk; return timings in seconds."""
    from territory.config import build_config
    from territory.loaders.sources import SOURCES
    from territory.nightly.dbt import run_dbt
    from territory.nightly.runner import load

    home = work / f"home_{clients}"
    shutil.rmtree(home, ignore_errors=True)
    config = build_config({"home": home, "inbox": inbox}, load_secrets=False)
    started = time.perf_counter()
    load(config, RUN_DATE, sources=[SOURCES["clients"], SOURCES["match_decisions"]])
    loaded = time.perf_counter()
    run_dbt(["seed", "--select", "match_overrides"], config, run_date=RUN_DATE)
    seeded = time.perf_counter()
    result = run_dbt(
        ["run", "--select", "+client_crosswalk", "--exclude", "resource_type:seed"],
        config,
        run_date=RUN_DATE,
    )
    finished = time.perf_counter()
    models = {
        node.node.name: float(node.execution_time)
        for node in result.result.results  # type: ignore[attr-defined]
    }
    return {
        "load_s": loaded - started,
        "dbt_run_s": finished - seeded,
        "models_s": sum(models.values()),
        **{f"model:{name}": seconds for name, seconds in models.items()},
    }


def baseline(inbox: Path, cap_seconds: float) -> tuple[float, bool, dict[str, str] | None]:
    """rapidfuzz token_sort_ratio >= 85 over every pair (row blocks), then union-find.

    Returns (seconds, finished, assignments); when the cap stops it, seconds is the
    extrapolation to all rows and assignments is None."""
    import pandas as pd
    from rapidfuzz import fuzz, process, utils

    # As the seed did: pandas, the first two columns, last row per client_id wins.
    frame = pd.read_csv(
        inbox / RUN_DATE.isoformat() / "clients.csv", dtype=str, keep_default_na=False
    ).iloc[:, :2]
    frame.columns = ["client_id", "client_name"]
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame[(frame.client_id != "") & (frame.client_name != "")]
    frame = frame.drop_duplicates("client_id", keep="last")
    ids = frame["client_id"].tolist()
    names = [utils.default_process(name) for name in frame["client_name"].tolist()]
    n = len(names)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    block = 500
    started = time.perf_counter()
    for start in range(0, n, block):
        scores = process.cdist(
            names[start : start + block],
            names,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=85,
            dtype=np.uint8,
            workers=1,
        )
        rows, cols = np.nonzero(scores)
        for row, col in zip(rows + start, cols, strict=True):
            if row < col:
                parent[find(row)] = find(col)
        elapsed = time.perf_counter() - started
        if elapsed > cap_seconds and start + block < n:
            done = start + block
            return elapsed * n / done, False, None
    elapsed = time.perf_counter() - started
    return elapsed, True, {ids[i]: ids[find(i)] for i in range(n)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--baseline-cap", type=float, default=120.0, help="seconds")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    lines = []
    for clients in (int(size) for size in args.sizes.split(",")):
        inbox = build_inbox(args.work, clients, args.seed)
        timings = run_entity_resolution(args.work, inbox, clients)
        # dbt-duckdb keeps its in-process handle open: connect with the same (default) config.
        conn = duckdb.connect(str(args.work / f"home_{clients}" / "warehouse.duckdb"))
        truth = inbox / "truth" / "entities.csv"
        scores = pairwise_scores(
            conn, "select client_id, master_client_id from analytics.client_crosswalk", truth
        )
        staged, candidates, oversized, merged = conn.sql(
            """
            select
                (select count(*) from intermediate.int_clients_normalized),
                (select count(*) from intermediate.int_client_pairs_blocked),
                (select count(distinct blocking_rule || blocking_key)
                 from intermediate.int_client_blocking_keys where is_oversized),
                (select count(*) from intermediate.int_client_pairs_scored
                 where match_decision = 'merge')
            """
        ).fetchall()[0]
        print(f"\n== {clients:,} clients ({staged:,} staged records) ==")
        for name, seconds in sorted(timings.items()):
            print(f"  {name:<40} {seconds:8.2f} s")
        print(
            f"  candidate pairs {candidates:,} (all pairs {staged * (staged - 1) // 2:,}; "
            f"{candidates / max(staged, 1):.1f} per record); oversized keys skipped {oversized:,};"
            f" merged pairs {merged:,}"
        )
        print(
            f"  dbt ER   P={scores.precision:.4f} R={scores.recall:.4f} F1={scores.f1:.4f} "
            f"(true pairs {scores.true_pairs:,}, predicted {scores.predicted_pairs:,})"
        )
        base_text = "skipped"
        if not args.skip_baseline:
            seconds, finished, assignments = baseline(inbox, args.baseline_cap)
            if finished and assignments is not None:
                import polars as pl

                frame = pl.DataFrame(
                    {"client_id": list(assignments), "master_client_id": list(assignments.values())}
                )
                conn.register("baseline_crosswalk", frame)
                base = pairwise_scores(conn, "select * from baseline_crosswalk", truth)
                base_text = (
                    f"{seconds:.1f} s, F1={base.f1:.4f} "
                    f"(P={base.precision:.4f} R={base.recall:.4f})"
                )
            else:
                base_text = f"~{seconds:.0f} s extrapolated (stopped at the cap), F1 n/a"
            print(f"  baseline rapidfuzz token_sort_ratio>=85: {base_text}")
            print(f"  speed ratio baseline / dbt run: {seconds / timings['dbt_run_s']:.1f}x")
        conn.close()
        lines.append(
            f"| {clients:,} | {timings['dbt_run_s']:.1f} s ({timings['models_s']:.1f} s in models) "
            f"| {candidates:,} | {scores.precision:.4f} | {scores.recall:.4f} | {scores.f1:.4f} "
            f"| {base_text} |"
        )
    print("\n| clients | dbt run | candidate pairs | precision | recall | F1 | baseline |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
