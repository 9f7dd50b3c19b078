"""Entity-resolution benchmark: the dbt matcher beside Splink 5, per generator profile and size.

    python benchmarks/dedup_benchmark.py --sizes 100000 --profile default,family_offices \
        [--peer splink] [--work /tmp/dedup-bench] [--out benchmarks/results] [--baseline-cap S]

For each profile (`territory generate --profile`) and size: generate a one-day CRM inbox (cached
under --work), then, each in its own process (wall time and peak RSS by os.wait4):

* **dbt ER**: load raw.clients into a fresh DuckDB and `dbt run` up to `client_crosswalk`
  (what the nightly job runs); scored as it runs (the crosswalk) and at its best threshold
  over `int_client_pairs_scored.match_score` (connected components of the pairs at or above
  it); plus the recall of each blocking key of `int_client_blocking_keys` and the parameters
  the matcher learned.
* **Splink 5** (`--peer splink`; the `bench` extra), DuckDB backend in memory, on the records dbt
  normalised (`intermediate.int_clients_normalized`: the same clients, the same cleaned name),
  configured as Splink's tutorial shows a new user (`splink_settings.json`, committed beside this
  file): name with term-frequency adjustments, name-token overlap, country exact, city
  Jaro-Winkler, postcode Levenshtein, AUM; blocking on the first name token, the postcode, the
  city with the name's first three letters; u by random sampling, m by expectation maximisation.
  Timed from registering the records to the clusters at match probability 0.9; scored at 0.9,
  at 0.97 and at its best threshold.
* the seed-style **rapidfuzz baseline** (token_sort_ratio >= 85 over all pairs, union-find)
  where it finishes under --baseline-cap seconds (`--skip-baseline` to leave it out).

Pairwise precision, recall and F1 against the generator's `truth/entities.csv` for every tool.
Writes OUT/matcher.md (printed too) and OUT/matcher.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from territory.synthetic.truth import Scores, pairwise_scores

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: `benchmarks.` imports resolve from the checkout
    sys.path.insert(0, str(ROOT))

RUN_DATE = date(2026, 1, 5)
SPLINK_SETTINGS = Path(__file__).with_name("splink_settings.json")
SPLINK_THRESHOLDS = (0.9, 0.97)  # the two rows of the table; the first is the timed run
# Thresholds searched for each tool's best F1 (Splink: match probability; dbt: match_score).
SPLINK_SEARCH = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999, 0.9999, 0.99999, 0.999999)
DBT_SEARCH = (0.3, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999)
SPLINK_SEED = 42


def build_inbox(work: Path, clients: int, seed: int, profile: str = "default") -> Path:
    from territory.synthetic import generate

    inbox = work / f"inbox_{run_name(clients, profile)}"
    if not (inbox / "truth" / "entities.csv").exists():
        shutil.rmtree(inbox, ignore_errors=True)
        generate(
            out=inbox, clients=clients, days=1, seed=seed, start_date=RUN_DATE, profile=profile
        )
    return inbox


def run_name(clients: int, profile: str = "default") -> str:
    """The folder suffix of one run (the default profile keeps the name it always had)."""
    return str(clients) if profile == "default" else f"{profile}_{clients}"


def run_entity_resolution(home: Path, inbox: Path) -> dict[str, float]:
    """Load raw.clients into `home` and run dbt up to client_crosswalk; timings in seconds."""
    from loaders.sources import SOURCES
    from territory.config import build_config
    from territory.nightly.dbt import run_dbt
    from territory.nightly.runner import load

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
    }


def components(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Connected components of an edge list: each id to its component's smallest id."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in pairs:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    return {node: find(node) for node in parent}


def scores_of_pairs(
    conn: duckdb.DuckDBPyConnection, clients: str, pairs: list[tuple[str, str]], truth: Path
) -> Scores:
    """Pairwise scores of the clusters `pairs` make over every client of the query `clients`
    (a client in no pair is its own cluster)."""
    import polars as pl

    master = components(pairs)
    frame = pl.DataFrame(
        {"client_id": list(master), "master_client_id": list(master.values())},
        schema={"client_id": pl.String, "master_client_id": pl.String},
    )
    conn.register("clustered_pairs", frame)
    try:
        return pairwise_scores(
            conn,
            f"""
            select all_clients.client_id,
                coalesce(clustered_pairs.master_client_id, all_clients.client_id)
                    as master_client_id
            from ({clients}) as all_clients
            left join clustered_pairs using (client_id)
            """,
            truth,
        )
    finally:
        conn.unregister("clustered_pairs")


def best_of(found: dict[float, Scores]) -> tuple[float, Scores]:
    return max(found.items(), key=lambda item: (item[1].f1, -item[0]))


def blocking_recall(conn: duckdb.DuckDBPyConnection, truth_csv: Path) -> list[tuple]:
    """The recall of the dbt blocking over the staged clients, per rule and in all, in SQL.

    A true pair is two staged records of one truth entity. Per rule (int_client_blocking_keys,
    keys not oversized): the pairs sharing a key of that rule, those no other rule brings, the
    true pairs among them and those only that rule finds. The last row is
    int_client_pairs_blocked itself (every rule and the manual overrides). Rows:
    (rule, pairs, pairs only this rule, true pairs found, true pairs only this rule, all true
    pairs, oversized keys skipped)."""
    return conn.sql(
        f"""
        with truth as (
            select t.client_id, t.entity_id
            from read_csv('{truth_csv}', header = true, all_varchar = true) as t
            inner join intermediate.int_clients_normalized as c
                on t.client_id = c.client_id::varchar
        ),
        true_pairs as (
            select coalesce(sum(n * (n - 1) / 2), 0)::bigint as total
            from (select count(*) as n from truth group by entity_id)
        ),
        keys as (
            select distinct client_id::varchar as client_id, blocking_rule, blocking_key
            from intermediate.int_client_blocking_keys
            where not is_oversized
        ),
        rule_pairs as (
            select distinct l.blocking_rule, l.client_id as client_id_a, r.client_id as client_id_b
            from keys as l
            inner join keys as r
                on l.blocking_rule = r.blocking_rule
                and l.blocking_key = r.blocking_key
                and l.client_id < r.client_id
        ),
        pair_rules as (
            select client_id_a, client_id_b, count(*) as rules
            from rule_pairs group by all
        ),
        labelled as (
            select
                rule_pairs.blocking_rule,
                pair_rules.rules,
                coalesce(ta.entity_id = tb.entity_id, false) as is_true
            from rule_pairs
            inner join pair_rules using (client_id_a, client_id_b)
            left join truth as ta on rule_pairs.client_id_a = ta.client_id
            left join truth as tb on rule_pairs.client_id_b = tb.client_id
        ),
        oversized as (
            select blocking_rule, count(distinct blocking_key) as keys
            from intermediate.int_client_blocking_keys where is_oversized group by all
        ),
        per_rule as (
            select
                blocking_rule,
                count(*) as pairs,
                count(*) filter (where rules = 1) as only_pairs,
                count(*) filter (where is_true) as found,
                count(*) filter (where is_true and rules = 1) as only_found
            from labelled group by all
        ),
        blocked as (
            select
                count(*) as pairs,
                count(*) filter (where coalesce(ta.entity_id = tb.entity_id, false)) as found
            from intermediate.int_client_pairs_blocked as p
            left join truth as ta on p.client_id_a::varchar = ta.client_id
            left join truth as tb on p.client_id_b::varchar = tb.client_id
        )
        select
            per_rule.blocking_rule, pairs, only_pairs, found, only_found, true_pairs.total,
            coalesce(oversized.keys, 0)
        from per_rule
        cross join true_pairs
        left join oversized using (blocking_rule)
        union all
        select
            'all (int_client_pairs_blocked)', blocked.pairs, null, blocked.found, null,
            true_pairs.total, (select coalesce(sum(keys), 0) from oversized)
        from blocked cross join true_pairs
        order by blocking_rule = 'all (int_client_pairs_blocked)', blocking_rule
        """
    ).fetchall()


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
    pairs: list[tuple[str, str]] = []
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
        pairs += [(ids[row], ids[col]) for row, col in zip(rows + start, cols, strict=True)]
        elapsed = time.perf_counter() - started
        if elapsed > cap_seconds and start + block < n:
            done = start + block
            return elapsed * n / done, False, None
    master = components(pairs)
    elapsed = time.perf_counter() - started
    return elapsed, True, {client_id: master.get(client_id, client_id) for client_id in ids}


STAGED_CLIENTS = "select client_id::varchar as client_id from intermediate.int_clients_normalized"


def step_dbt(home: Path, inbox: Path) -> dict:
    """The dbt matcher as the nightly job runs it, its best threshold and its blocking recall."""
    timings = run_entity_resolution(home, inbox)
    truth = inbox / "truth" / "entities.csv"
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        as_run = pairwise_scores(
            conn, "select client_id, master_client_id from analytics.client_crosswalk", truth
        )
        staged, candidates = conn.sql(
            "select (select count(*) from intermediate.int_clients_normalized), "
            "(select count(*) from intermediate.int_client_pairs_scored)"
        ).fetchall()[0]
        scored = conn.sql(
            "select client_id_a::varchar, client_id_b::varchar, match_score "
            "from intermediate.int_client_pairs_scored"
        ).fetchall()
        by_threshold = {
            threshold: scores_of_pairs(
                conn, STAGED_CLIENTS, [(a, b) for a, b, s in scored if s >= threshold], truth
            )
            for threshold in DBT_SEARCH
        }
        recall = blocking_recall(conn, truth)
        # What the matcher learned from these records.
        parameters = conn.sql(
            "select comparison, comparison_level, m_probability, u_probability, "
            "random_u_probability, match_weight, em_last_change "
            "from intermediate.int_client_match_model order by comparison, comparison_level"
        ).fetchall()
    threshold, best = best_of(by_threshold)
    return {
        **timings,
        "records": staged,
        "candidate_pairs": candidates,
        "as_run": asdict(as_run),
        "best_threshold": threshold,
        "best": asdict(best),
        "blocking_recall": [list(row) for row in recall],
        "parameters": [list(row) for row in parameters],
    }


def splink_settings() -> dict:
    """The committed Splink settings (a Splink 5 settings dictionary)."""
    return json.loads(SPLINK_SETTINGS.read_text())


def step_splink(warehouse: Path, truth: Path) -> dict:
    """Splink 5 on the records dbt normalised, trained as its tutorial does; clusters at each
    threshold, the first of SPLINK_THRESHOLDS timed from registering the records."""
    from splink import DuckDBAPI, Linker, block_on
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    with duckdb.connect(str(warehouse), read_only=True) as source:
        records = source.sql(
            """
            select client_id::varchar as client_id, name_normalized,
                nullif(split_part(name_normalized, ' ', 1), '') as name_first_token,
                string_split(name_normalized, ' ') as name_tokens,
                country, city_key, postal_code, aum_usd::double as aum_usd
            from intermediate.int_clients_normalized
            """
        ).to_arrow_table()
    splink_conn = duckdb.connect()  # in memory: Splink's tables stay out of the warehouse
    try:
        started = time.perf_counter()
        db_api = DuckDBAPI(splink_conn)
        frame = db_api.register(records, dataset_display_name="clients")
        linker = Linker(frame, splink_settings(), log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("name_normalized", "postal_code"), block_on("name_normalized", "city_key")],
            recall=0.7,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=SPLINK_SEED)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("name_normalized")
        )
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("postal_code"))
        predictions = linker.inference.predict(threshold_match_probability=min(SPLINK_SEARCH))
        timed = SPLINK_THRESHOLDS[0]
        clusters = {
            timed: linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=timed
            ).as_pyarrow_table()
        }
        seconds = time.perf_counter() - started
        edges = splink_conn.sql(
            f"select client_id_l, client_id_r, match_probability from {predictions.physical_name}"
        ).fetchall()
        # Outside the timing: the pairs its prediction blocking makes (Splink's own count;
        # exact up to 200k records, estimated from a 5% record sample above that).
        counted = count_comparisons_from_blocking_rules(
            frame,
            blocking_rules=splink_settings()["blocking_rules_to_generate_predictions"],
            link_type="dedupe_only",
            unique_id_column_name="client_id",
            record_sample_proportion=1.0 if records.num_rows <= 200_000 else 0.05,
        )
    finally:
        splink_conn.close()
    candidate_pairs = counted[-1]["cumulative_comparison_count"] if counted else 0
    estimated = bool(counted) and counted[-1]["is_estimate"]
    with duckdb.connect() as conn:
        conn.register("records", records)
        by_threshold = {
            threshold: scores_of_pairs(
                conn,
                "select client_id from records",
                [(a, b) for a, b, p in edges if p >= threshold],
                truth,
            )
            for threshold in sorted({*SPLINK_SEARCH, *SPLINK_THRESHOLDS})
        }
        conn.register("timed_clusters", clusters[timed])
        timed_scores = pairwise_scores(
            conn, "select client_id, cluster_id as master_client_id from timed_clusters", truth
        )
    threshold, best = best_of(by_threshold)
    return {
        "seconds": seconds,
        "records": records.num_rows,
        "candidate_pairs": candidate_pairs,
        "candidate_pairs_estimated": estimated,
        "timed_threshold": timed,
        "timed": asdict(timed_scores),
        "at": {str(t): asdict(by_threshold[t]) for t in SPLINK_THRESHOLDS},
        "best_threshold": threshold,
        "best": asdict(best),
    }


def baseline_scores(inbox: Path, cap: float) -> dict:
    """The rapidfuzz baseline (`baseline`) and, when it finished, its pairwise scores; the one
    answer of both benchmarks' baseline step (here and `benchmarks/run.py`)."""
    seconds, finished, assignments = baseline(inbox, cap)
    answer: dict = {"seconds": seconds, "finished": finished, "f1": None}
    if finished and assignments is not None:
        import polars as pl

        with duckdb.connect() as conn:
            conn.register(
                "baseline_crosswalk",
                pl.DataFrame(
                    {"client_id": list(assignments), "master_client_id": list(assignments.values())}
                ),
            )
            scores = pairwise_scores(
                conn, "select * from baseline_crosswalk", inbox / "truth" / "entities.csv"
            )
        answer.update(precision=scores.precision, recall=scores.recall, f1=scores.f1)
    return answer


def run_step(name: str, arguments: list[str], log: Path) -> tuple[dict, float]:
    """One `--helper` step of this file in its own process: its JSON answer and peak RSS in MiB
    (`benchmarks.run.helper`)."""
    from benchmarks.run import helper

    environment = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    stage, answer = helper(name, arguments, environment, log, script=__file__)
    return answer, stage.peak_rss_mb


def fmt_scores(scores: dict | None) -> str:
    if not scores:
        return "| | |"
    return f"{scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f}"


def render(results: list[dict]) -> str:
    lines = [
        "# Entity resolution beside Splink",
        "",
        "Written by `benchmarks/dedup_benchmark.py` (`make bench-matcher`). Seconds: the tool's"
        " own work (dbt: `dbt run` to `client_crosswalk`; Splink: registering the records to"
        " its clusters at 0.9, training included); peak RSS of its process. Pairs: the"
        " candidate pairs each tool scores. P/R/F1: pairwise, against the generator's truth.",
        "",
        "| profile | records | tool | seconds | peak RSS MiB | pairs scored | P | R | F1 |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        head = f"| {result['profile']} | {result['dbt']['records']:,} "
        dbt = result["dbt"]
        lines.append(
            f"{head}| dbt ER, as it runs | {dbt['dbt_run_s']:.1f} | {result['dbt_rss_mb']:,.0f} "
            f"| {dbt['candidate_pairs']:,} | {fmt_scores(dbt['as_run'])} |"
        )
        lines.append(
            f"{head}| dbt ER, best match_score threshold ({dbt['best_threshold']}) | | | "
            f"| {fmt_scores(dbt['best'])} |"
        )
        splink = result.get("splink")
        if splink:
            for threshold, scores in splink["at"].items():
                timing = (
                    f"{splink['seconds']:.1f} | {result['splink_rss_mb']:,.0f} "
                    f"| {'~' if splink['candidate_pairs_estimated'] else ''}"
                    f"{splink['candidate_pairs']:,}"
                    if float(threshold) == splink["timed_threshold"]
                    else "| |"
                )
                lines.append(
                    f"{head}| Splink 5, p >= {threshold} | {timing} | {fmt_scores(scores)} |"
                )
            lines.append(
                f"{head}| Splink 5, best threshold ({splink['best_threshold']}) | | | "
                f"| {fmt_scores(splink['best'])} |"
            )
        if result.get("splink_error"):
            lines.append(f"{head}| Splink 5 | failed: {result['splink_error']} | | | | | |")
        base = result.get("baseline")
        if base:
            figures = fmt_scores(base) if base["finished"] else "stopped at the cap | |"
            approx = "" if base["finished"] else "~"
            lines.append(
                f"{head}| rapidfuzz baseline | {approx}{base['seconds']:.1f} | | all | {figures} |"
            )
    for result in results:
        lines += [
            "",
            f"## Learned parameters, {result['profile']}, {result['dbt']['records']:,} records",
            "",
            "`int_client_match_model` (`analytics.er_model_parameters`): m by EM, u among the"
            " candidates by EM and among random pairs; weight = log2(m / u) in bits (the prior:"
            " its log2 odds, m its share of candidate pairs); the last EM round's largest change.",
            "",
            "| attribute | level | m | u | u (random pairs) | weight | last change |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for comparison, level, m, u, random_u, weight, change in result["dbt"]["parameters"]:
            lines.append(
                f"| {comparison} | {level} | {m:.4f} | {'' if u is None else f'{u:.5f}'} "
                f"| {'' if random_u is None else f'{random_u:.5f}'} | {weight:+.2f} "
                f"| {change:.1e} |"
            )
    for result in results:
        lines += [
            "",
            f"## Blocking recall, {result['profile']}, {result['dbt']['records']:,} records",
            "",
            "True pairs: two staged records of one truth entity. Per key of"
            " `int_client_blocking_keys` (oversized keys skipped), then every key together"
            " (`int_client_pairs_blocked`).",
            "",
            "| key | pairs | pairs only it brings | true pairs found | recall | found by it alone "
            "| oversized keys |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for rule, pairs, only, found, only_found, true_pairs, oversized in result["dbt"][
            "blocking_recall"
        ]:
            recall = found / true_pairs if true_pairs else 1.0
            lines.append(
                f"| {rule} | {pairs:,} | {'' if only is None else f'{only:,}'} "
                f"| {found:,} of {true_pairs:,} | {recall:.4f} "
                f"| {'' if only_found is None else f'{only_found:,}'} | {oversized:,} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--profile", default="default,family_offices")
    parser.add_argument("--peer", choices=("splink", "none"), default="splink")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--baseline-cap", type=float, default=120.0, help="seconds")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--helper", choices=("dbt", "splink", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inbox", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.helper:  # one step in a child process: its answer as JSON
        if args.helper == "dbt":
            answer = step_dbt(args.home, args.inbox)
        elif args.helper == "splink":
            answer = step_splink(
                args.home / "warehouse.duckdb", args.inbox / "truth" / "entities.csv"
            )
        else:
            answer = baseline_scores(args.inbox, args.baseline_cap)
        args.answer.write_text(json.dumps(answer))
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for profile in (name.strip() for name in args.profile.split(",") if name.strip()):
        for clients in (int(size) for size in args.sizes.split(",")):
            name = run_name(clients, profile)
            inbox = build_inbox(args.work, clients, args.seed, profile)
            logs = args.work / "logs" / name
            result: dict = {"profile": profile, "clients": clients}
            # dbt's warehouse is also what Splink reads its records from.
            where = ["--home", str(args.work / f"home_{name}"), "--inbox", str(inbox)]
            result["dbt"], result["dbt_rss_mb"] = run_step("dbt", where, logs / "dbt.log")
            print(f"{name}: dbt ER F1 {result['dbt']['as_run']['f1']:.4f}", flush=True)
            if args.peer == "splink":
                try:
                    result["splink"], result["splink_rss_mb"] = run_step(
                        "splink", where, logs / "splink.log"
                    )
                    print(f"{name}: Splink F1 {result['splink']['timed']['f1']:.4f}", flush=True)
                except RuntimeError as error:  # a failed Splink run is a row, not a crash
                    result["splink_error"] = str(error).strip().splitlines()[-1][:160]
                    print(f"{name}: Splink failed: {result['splink_error']}", flush=True)
            if not args.skip_baseline:
                result["baseline"], _ = run_step(
                    "baseline",
                    [*where, "--baseline-cap", str(args.baseline_cap)],
                    logs / "baseline.log",
                )
            results.append(result)
    report = render(results)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matcher.md").write_text(report)
    (args.out / "matcher.json").write_text(json.dumps({"results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
