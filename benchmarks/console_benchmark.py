"""Console page benchmark: bytes and headless render time of the heaviest pages over a built home.

    .venv/bin/python benchmarks/console_benchmark.py --home HOME [--repeat 5]
        [--out benchmarks/results]

Starts `territory serve` over HOME's warehouse (as `make console` does), then for each page
measures the HTML's size (one GET) and the time Debian's chromium, headless and driven by
Playwright, takes from navigation to the `load` event (median of --repeat loads, a fresh
page each). The pages: the review queue (first page, and filtered to vetoed pairs), a client
search for the commonest name word (first page), the territories and the changes of the newest
night. Writes OUT/console.md and OUT/console.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _served(home: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "TERRITORY_HOME": str(home),
        "TERRITORY_DUCKDB_PATH": str(home / "warehouse.duckdb"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "territory", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/health", timeout=30).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the console did not come up")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _commonest_word(warehouse: Path) -> tuple[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = connection.sql("select client_name from analytics.dim_client").fetchall()
    counts = Counter(
        word for (name,) in names for word in set(re.findall(r"[a-z]{5,}", (name or "").lower()))
    )
    return counts.most_common(1)[0]


def measure(home: Path, repeat: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    warehouse = home / "warehouse.duckdb"
    word, _ = _commonest_word(warehouse)
    pages = {
        "review queue, page 1": "/review",
        "review queue, vetoed": "/review?band=VETOED",
        f"search '{word}', page 1": f"/clients?q={word}",
        "territories": "/territories",
        "changes": "/changes",
    }
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH: apt-get install -y chromium")
    results: dict[str, Any] = {}
    with _served(home) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        for label, path in pages.items():
            response = httpx.get(url + path, timeout=60)
            response.raise_for_status()
            counted = re.search(r'<p id="(?:queue|result)-count"><strong>([\d,]+)', response.text)
            seconds = []
            for _ in range(repeat):
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(url + path, wait_until="load")
                seconds.append(time.perf_counter() - started)
                page.close()
            results[label] = {
                "path": path,
                "bytes": len(response.content),
                "rows_total": int(counted.group(1).replace(",", "")) if counted else None,
                "render_s_median": round(statistics.median(seconds), 3),
                "render_s_max": round(max(seconds), 3),
            }
        browser.close()
    return results


def report(results: dict[str, Any], home: Path, repeat: int) -> str:
    lines = [
        "# Console pages: size and headless render time",
        "",
        f"Home: `{home.name}`; chromium headless via Playwright, navigation to `load`, "
        f"median of {repeat}. Command: `.venv/bin/python benchmarks/console_benchmark.py "
        f"--home HOME --repeat {repeat}`.",
        "",
        "| page | path | rows in all | KB | render s (median) | render s (max) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, row in results.items():
        total = f"{row['rows_total']:,}" if row["rows_total"] is not None else ""
        lines.append(
            f"| {label} | `{row['path']}` | {total} | {row['bytes'] / 1024:,.1f} "
            f"| {row['render_s_median']:.3f} | {row['render_s_max']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a built TERRITORY_HOME")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    results = measure(args.home.resolve(), args.repeat)
    text = report(results, args.home.resolve(), args.repeat)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "console.md").write_text(text, encoding="utf-8")
    (args.out / "console.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
