"""Nightly-job benchmark: every stage timed from 10k to 1M clients, against seed-style baselines.

    .venv/bin/python benchmarks/run.py [--sizes 10000,100000,1000000] [--quick]
        [--work /tmp/territory-bench] [--out benchmarks/results] [--baseline-cap 300]

For each size: generate two nights (cached under --work), then run the nightly job stage by
stage, each in its own process through the `territory` CLI (what cron and Airflow run), and
record wall time and peak RSS (os.wait4) of each: sanitize+land, warehouse load, `dbt build`
(with the de-duplication and assignment model groups read from run_results.json). Night 2, the
next day's file (~0.5% new, ~2% updated, ~0.3% removed records), is timed against night 1.

In the same run, on the same files:
  floor     bare `polars.read_csv().write_parquet()` of the clients file (the loaders' floor);
  dedup     the seed-style rapidfuzz token_sort_ratio >= 85 over all pairs
            (benchmarks/dedup_benchmark.baseline), stopped at --baseline-cap and extrapolated
            (marked ~) when capped;
  rules     the per-row Python evaluation of the precedence (tests/reference_assignment.py),
            which is also the oracle the share of matching assignments is measured against.
Quality: pairwise de-dup precision/recall/F1 against the generator's truth.

Writes a markdown report (printed too) to OUT/latest.md, the raw figures to OUT/latest.json and
a log-log plot of time vs clients to OUT/latest.png. A size whose estimated peak memory (the
largest measured peak RSS scaled linearly) exceeds 80% of RAM is not run; the report says so.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks.*` and `loaders.*` importable
    sys.path.insert(0, str(ROOT))

FIRST_NIGHT = date(2026, 1, 5)  # dedup_benchmark.baseline reads this date's file
NIGHTS = (FIRST_NIGHT, FIRST_NIGHT + timedelta(days=1))
BIN = Path(sys.executable).parent
MEMORY_SHARE = 0.8
# dbt model folders -> the groups reported inside `dbt build` (their data tests excluded).
GROUPS = {
    "models/staging/": "staging",
    "models/intermediate/clients/": "dedup",
    "models/marts/entity_resolution/": "dedup",
    "models/intermediate/assignment/": "assignment",
    "models/marts/core/": "assignment",
    "models/marts/leadership/": "assignment",
}


@dataclass
class Stage:
    seconds: float
    peak_rss_mb: float
    cached: bool = False


@dataclass
class SizeResult:
    clients: int
    stages: dict[str, Stage] = field(default_factory=dict)
    dbt_groups: dict[str, dict[str, float]] = field(default_factory=dict)  # night -> group -> s
    slowest_nodes: list[tuple[str, float]] = field(default_factory=list)
    quality: dict[str, float] = field(default_factory=dict)
    dedup_baseline: dict[str, object] = field(default_factory=dict)
    rules_baseline: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------
# Processes
# ------------------------------------------------------------------------------------------


def run_stage(argv: list[str], env: dict[str, str], log: Path) -> Stage:
    """Run one process to completion; wall time and its peak RSS (children included)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({process.returncode}); {log}:\n{tail}")
    return Stage(seconds, usage.ru_maxrss / 1024)  # Linux reports KiB


def helper(
    name: str, args: list[str], env: dict[str, str], log: Path, script: str = __file__
) -> tuple[Stage, dict]:
    """Run one `--helper` step of `script` (this file by default) in its own process; returns
    its wall time and peak RSS, and its JSON answer."""
    answer = log.with_suffix(".json")
    stage = run_stage(
        [sys.executable, script, "--helper", name, "--answer", str(answer), *args], env, log
    )
    return stage, json.loads(answer.read_text())


def environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TERRITORY_HOME": str(home),
        "TERRITORY_LAKE_ROOT": str(home / "lake"),
        "TERRITORY_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(home / "target"),
        "DBT_LOG_PATH": str(home / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


# ------------------------------------------------------------------------------------------
# Helper steps (each runs in its own process so its memory is measured on its own)
# ------------------------------------------------------------------------------------------


def helper_floor(clients_csv: str, out: str) -> dict:
    import polars as pl

    pl.read_csv(clients_csv).write_parquet(out)
    return {"rows": pl.scan_parquet(out).select(pl.len()).collect().item()}


def helper_quality(warehouse: str, inbox: str, night: str, previous: str, expected: str) -> dict:
    """Dedup P/R/F1 of client_crosswalk vs truth, and the per-row recomputation of the
    precedence (timed: the seed-style rules baseline) compared with fct_client_assignment."""
    import duckdb

    from territory.synthetic.truth import pairwise_scores
    from tests.reference_assignment import Assignment, read_staged, recompute

    run_date = date.fromisoformat(night)
    before = pickle.loads(Path(previous).read_bytes()) if previous else {}
    started = time.perf_counter()
    staged = read_staged(Path(warehouse))
    read = time.perf_counter()
    recomputed = recompute(staged, run_date, previous=before)
    finished = time.perf_counter()
    Path(expected).write_bytes(pickle.dumps(recomputed))
    with duckdb.connect(warehouse, read_only=True) as conn:
        scores = pairwise_scores(
            conn,
            "select client_id, master_client_id from analytics.client_crosswalk",
            Path(inbox) / "truth" / "entities.csv",
        )
        actual = {
            row[0]: Assignment(*row[1:])
            for row in conn.execute(
                "select master_client_id, territory_id, advisor_email, tier, rule_type, rule_id "
                "from analytics.fct_client_assignment where run_date = ?",
                [run_date],
            ).fetchall()
        }
    matching = sum(1 for master, found in actual.items() if recomputed.get(master) == found)
    return {
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "assignments": len(actual),
        "recomputed": len(recomputed),
        # Over the union: a client only one side has counts as a mismatch.
        "matching_share": matching / max(len(actual.keys() | recomputed.keys()), 1),
        "read_s": read - started,
        "recompute_s": finished - read,
    }


def helper_dedup_baseline(inbox: str, cap: str) -> dict:
    from benchmarks.dedup_benchmark import baseline_scores

    return baseline_scores(Path(inbox), float(cap))


HELPERS = {
    "floor": helper_floor,
    "quality": helper_quality,
    "dedup-baseline": helper_dedup_baseline,
}


# ------------------------------------------------------------------------------------------
# One size
# ------------------------------------------------------------------------------------------


def dbt_groups(target: Path) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Seconds per model group and the slowest nodes, from run_results.json + manifest.json."""
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    results = json.loads((target / "run_results.json").read_text())
    groups = dict.fromkeys(("staging", "dedup", "assignment", "tests", "other"), 0.0)
    timed = []
    for result in results["results"]:
        unique_id = result["unique_id"]
        node = manifest.get(unique_id, {})
        seconds = float(result["execution_time"])
        timed.append((unique_id.split(".", 2)[-1], seconds))
        if unique_id.startswith(("test.", "unit_test.")):  # data tests and unit tests
            groups["tests"] += seconds
            continue
        path = node.get("original_file_path", "")
        group = next((name for prefix, name in GROUPS.items() if path.startswith(prefix)), None)
        groups[group or "other"] += seconds  # seeds, snapshots, hooks
    groups["elapsed"] = float(results.get("elapsed_time", 0.0))
    return groups, sorted(timed, key=lambda item: -item[1])[:5]


def generate_cached(work: Path, clients: int, seed: int) -> tuple[Path, Stage]:
    """The two-night inbox for this size, generated once per work dir (its timing kept)."""
    inbox = work / f"inbox_{clients}_seed{seed}"
    record = inbox / "generate.json"
    if record.is_file():
        return inbox, Stage(**{**json.loads(record.read_text()), "cached": True})
    shutil.rmtree(inbox, ignore_errors=True)
    stage = run_stage(
        [
            str(BIN / "territory"),
            "generate",
            *("--out", str(inbox), "--clients", str(clients), "--days", str(len(NIGHTS))),
            *("--seed", str(seed), "--start-date", FIRST_NIGHT.isoformat()),
        ],
        {**os.environ, "PYTHONPATH": str(ROOT)},
        work / f"logs_{clients}" / "generate.log",
    )
    record.write_text(json.dumps({"seconds": stage.seconds, "peak_rss_mb": stage.peak_rss_mb}))
    return inbox, stage


def bench_size(work: Path, clients: int, seed: int, cap: float) -> SizeResult:
    result = SizeResult(clients)
    inbox, result.stages["generate"] = generate_cached(work, clients, seed)
    home = work / f"home_{clients}"
    shutil.rmtree(home, ignore_errors=True)
    env = environment(home)
    logs = home / "logs"
    territory = str(BIN / "territory")
    expected = ""
    # The floor runs right before night 1's land, on the same file, so that both see the
    # same machine load: their ratio is the loaders' overhead.
    clients_csv = inbox / FIRST_NIGHT.isoformat() / "clients.csv"
    result.stages["floor"], _ = helper(
        "floor", [str(clients_csv), str(home / "floor.parquet")], env, logs / "floor.log"
    )
    for number, night in enumerate(NIGHTS, 1):
        load = [territory, "load", "--inbox", str(inbox), "--date", night.isoformat()]
        print(f"  night {number} ({night}): land, warehouse load, dbt build", flush=True)
        result.stages[f"land_{number}"] = run_stage(
            [*load, "--step", "land"], env, logs / f"land_{number}.log"
        )
        result.stages[f"warehouse_{number}"] = run_stage(
            [*load, "--step", "warehouse"], env, logs / f"warehouse_{number}.log"
        )
        result.stages[f"dbt_{number}"] = run_stage(
            [territory, "transform", "--date", night.isoformat()], env, logs / f"dbt_{number}.log"
        )
        groups, slowest = dbt_groups(home / "target")
        result.dbt_groups[str(number)] = groups
        if number == 1:
            result.slowest_nodes = slowest
        previous, expected = expected, str(home / f"recomputed_{number}.pickle")
        stage, answer = helper(
            "quality",
            [str(home / "warehouse.duckdb"), str(inbox), night.isoformat(), previous, expected],
            env,
            logs / f"quality_{number}.log",
        )
        result.stages[f"rules_baseline_{number}"] = stage
        result.quality.update({f"{key}_{number}": value for key, value in answer.items()})

    print("  baseline: rapidfuzz dedup", flush=True)
    result.stages["dedup_baseline"], result.dedup_baseline = helper(
        "dedup-baseline", [str(inbox), str(cap)], env, logs / "dedup_baseline.log"
    )
    return result


# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------


def night_seconds(result: SizeResult, number: int) -> float:
    return sum(result.stages[f"{name}_{number}"].seconds for name in ("land", "warehouse", "dbt"))


def peak_mb(result: SizeResult) -> tuple[float, str]:
    name, stage = max(result.stages.items(), key=lambda item: item[1].peak_rss_mb)
    return stage.peak_rss_mb, name


def seconds(value: float, approx: bool = False) -> str:
    return f"{'~' if approx else ''}{value:,.{2 if value < 10 else 1}f}"


def ratio(numerator: float, denominator: float, approx: bool = False) -> str:
    if not denominator:
        return "n/a"
    value = numerator / denominator
    return f"{'~' if approx else ''}{value:,.{2 if value < 10 else 1}f}x"


def memory_limit_mb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def estimate_peak_mb(results: list[SizeResult], clients: int) -> float | None:
    """Peak RSS at `clients`, extrapolated on the line through the two largest sizes measured
    (a fixed start-up footprint plus a per-client slope); proportional from a single size."""
    if not results:
        return None
    measured = sorted((result.clients, peak_mb(result)[0]) for result in results)
    if len(measured) > 1:
        (small, small_mb), (large, large_mb) = measured[-2:]
        if large_mb > small_mb:
            return large_mb + (large_mb - small_mb) / (large - small) * (clients - large)
    large, large_mb = measured[-1]
    return large_mb * clients / large


def render(results: list[SizeResult], skipped: list[tuple[int, str]], cap: float) -> str:
    lines = [
        "# Territory benchmark",
        "",
        f"Machine: {os.cpu_count()} CPUs, {memory_limit_mb() / 1024:.0f} GiB RAM; DuckDB target; "
        "wall seconds per process (start-up included); peak RSS in MiB. Night 2 = the next "
        "day's file (~0.5% new, ~2% updated, ~0.3% removed records).",
        "",
        "## Nightly job (seconds)",
        "",
        "| clients | generate | land | warehouse load | dbt build | ↳ dedup models "
        "| ↳ assignment models | night 1 | night 2 | night 2 / night 1 | peak RSS MiB (stage) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        stages, groups = result.stages, result.dbt_groups["1"]
        peak, where = peak_mb(result)
        generated = stages["generate"]
        lines.append(
            f"| {result.clients:,} | {seconds(generated.seconds)}"
            f"{' (cached)' if generated.cached else ''} | {seconds(stages['land_1'].seconds)} "
            f"| {seconds(stages['warehouse_1'].seconds)} | {seconds(stages['dbt_1'].seconds)} "
            f"| {seconds(groups['dedup'])} | {seconds(groups['assignment'])} "
            f"| {seconds(night_seconds(result, 1))} | {seconds(night_seconds(result, 2))} "
            f"| {ratio(night_seconds(result, 2), night_seconds(result, 1))} "
            f"| {peak:,.0f} ({where}) |"
        )
    for clients, reason in skipped:
        lines.append(f"| {clients:,} | not run: {reason} |" + " |" * 9)
    lines += [
        "",
        "## Against the seed-style baselines (same files, same run)",
        "",
        f"Baseline dedup: rapidfuzz token_sort_ratio >= 85 over all pairs, capped at {cap:.0f} s "
        "(`~` = extrapolated from the rows compared). Baseline rules: the precedence evaluated "
        "row by row in Python (reading the staged tables included).",
        "",
        "| clients | land | polars floor | land / floor | dedup models | rapidfuzz baseline "
        "| baseline / dbt | assignment models | per-row Python | per-row / dbt |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        stages, groups = result.stages, result.dbt_groups["1"]
        capped = not result.dedup_baseline["finished"]
        dedup_base = float(result.dedup_baseline["seconds"])
        rules = result.quality["read_s_1"] + result.quality["recompute_s_1"]
        lines.append(
            f"| {result.clients:,} | {seconds(stages['land_1'].seconds)} "
            f"| {seconds(stages['floor'].seconds)} "
            f"| {ratio(stages['land_1'].seconds, stages['floor'].seconds)} "
            f"| {seconds(groups['dedup'])} | {seconds(dedup_base, capped)} "
            f"| {ratio(dedup_base, groups['dedup'], capped)} | {seconds(groups['assignment'])} "
            f"| {seconds(rules)} | {ratio(rules, groups['assignment'])} |"
        )
    lines += [
        "",
        "## Quality",
        "",
        "Pairwise de-dup scores of `client_crosswalk` against the generator's truth (night 1); "
        "share of `fct_client_assignment` rows equal (territory, advisor, tier, rule) to the "
        "independent Python recomputation (tests/reference_assignment.py).",
        "",
        "| clients | precision | recall | F1 | baseline F1 | assignments (night 1) "
        "| matching night 1 | matching night 2 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        quality = result.quality
        base_f1 = result.dedup_baseline.get("f1")
        lines.append(
            f"| {result.clients:,} | {quality['precision_1']:.4f} | {quality['recall_1']:.4f} "
            f"| {quality['f1_1']:.4f} | {'n/a (capped)' if base_f1 is None else f'{base_f1:.4f}'} "
            f"| {quality['assignments_1']:,} | {quality['matching_share_1']:.2%} "
            f"| {quality['matching_share_2']:.2%} |"
        )
    if results:
        largest = max(results, key=lambda result: result.clients)
        groups = largest.dbt_groups["1"]
        lines += [
            "",
            f"## Where time goes at {largest.clients:,} clients (night 1)",
            "",
            "dbt node time by group (s): "
            + ", ".join(
                f"{name} {value:,.1f}" for name, value in groups.items() if name != "elapsed"
            )
            + f". The dbt process took {largest.stages['dbt_1'].seconds:,.1f} s, dbt's own "
            f"elapsed {groups['elapsed']:,.1f} s (the rest: start-up and project parse). "
            "Slowest nodes: "
            + ", ".join(f"`{name}` {value:,.1f}" for name, value in largest.slowest_nodes)
            + ".",
        ]
        following = largest.clients * 10
        estimate = estimate_peak_mb(results, following)
        if not any(clients == following for clients, _ in skipped) and estimate is not None:
            fits = estimate <= MEMORY_SHARE * memory_limit_mb()
            lines += [
                "",
                f"Next size {following:,}: estimated peak RSS {estimate / 1024:,.1f} GiB "
                f"(extrapolated from the sizes above) of {memory_limit_mb() / 1024:,.0f} GiB RAM: "
                + ("should fit (`--sizes` it to run)." if fits else "would not fit; not run."),
            ]
    return "\n".join(lines) + "\n"


def plot(results: list[SizeResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [result.clients for result in results]
    figure, axes = plt.subplots(figsize=(8, 5.5))
    series = [
        ("nightly job, night 1 (this tool)", "C0", "-", [night_seconds(r, 1) for r in results]),
        ("dbt dedup models", "C1", "-", [r.dbt_groups["1"]["dedup"] for r in results]),
        ("rapidfuzz dedup baseline", "C1", "--", [r.dedup_baseline["seconds"] for r in results]),
        ("dbt assignment models", "C2", "-", [r.dbt_groups["1"]["assignment"] for r in results]),
        (
            "per-row Python rules baseline",
            "C2",
            "--",
            [r.quality["read_s_1"] + r.quality["recompute_s_1"] for r in results],
        ),
        ("land (sanitize + lake)", "C3", "-", [r.stages["land_1"].seconds for r in results]),
        ("polars CSV->Parquet floor", "C3", "--", [r.stages["floor"].seconds for r in results]),
    ]
    for label, colour, style, values in series:
        axes.plot(sizes, values, style, color=colour, marker="o", label=label)
    capped = [(r.clients, r.dedup_baseline["seconds"]) for r in results]
    capped = [
        point for point, r in zip(capped, results, strict=True) if not r.dedup_baseline["finished"]
    ]
    if capped:
        axes.scatter(
            *zip(*capped, strict=True),
            s=120,
            facecolors="none",
            edgecolors="C1",
            label="extrapolated (capped)",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("clients (CRM records on night 1)")
    axes.set_ylabel("wall seconds")
    axes.set_title("Territory nightly job vs seed-style baselines")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated client counts (default 10k,100k,1M)")
    parser.add_argument("--quick", action="store_true", help="2k and 10k, 20 s baseline cap")
    parser.add_argument("--work", type=Path, default=Path("/tmp/territory-bench"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--baseline-cap", type=float, help="seconds (default 300, quick 20)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--helper", choices=sorted(HELPERS), help=argparse.SUPPRESS)
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.helper:
        args.answer.write_text(json.dumps(HELPERS[args.helper](*rest)))
        return 0
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    default_sizes = "2000,10000" if args.quick else "10000,100000,1000000"
    sizes = sorted(int(size) for size in (args.sizes or default_sizes).split(","))
    cap = args.baseline_cap or (20.0 if args.quick else 300.0)
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    results: list[SizeResult] = []
    skipped: list[tuple[int, str]] = []
    for clients in sizes:
        estimate = estimate_peak_mb(results, clients)
        if estimate is not None and estimate > MEMORY_SHARE * memory_limit_mb():
            skipped.append(
                (
                    clients,
                    f"estimated peak RSS {estimate / 1024:,.1f} GiB > {MEMORY_SHARE:.0%} "
                    f"of {memory_limit_mb() / 1024:,.0f} GiB RAM",
                )
            )
            continue
        print(f"== {clients:,} clients ==", flush=True)
        results.append(bench_size(args.work, clients, args.seed, cap))

    report = render(results, skipped, cap)
    (args.out / "latest.md").write_text(report)
    (args.out / "latest.json").write_text(
        json.dumps(
            {"baseline_cap_s": cap, "results": [asdict(r) for r in results], "skipped": skipped},
            indent=1,
        )
    )
    if results:
        plot(results, args.out / "latest.png")
    print("\n" + report)
    print(f"written: {args.out / 'latest.md'}, {args.out / 'latest.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
