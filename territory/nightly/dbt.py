"""The dbt step: `dbt build` (or any dbt command) of `dbt_territory/` for one run date."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import TextIO

from territory.config import Config, child_environment
from territory.core.errors import TerritoryError


class TransformError(TerritoryError):
    """dbt failed: a node errored or a test failed (named in the message)."""


def run_dbt(
    command: list[str],
    config: Config,
    run_date: date | None = None,
    extra_vars: dict[str, object] | None = None,
    project_dir: Path | None = None,
    callbacks: list | None = None,
    dbt_target: str | None = None,
    environment: dict[str, str] | None = None,
) -> object:
    """Run dbt in-process on the configuration's target (or `dbt_target`), with the child
    environment its profile reads (plus `environment`); raise TransformError if any node
    errors or fails."""
    from dbt.cli.main import dbtRunner

    project_dir = project_dir or config.dbt_project_dir
    variables: dict[str, object] = dict(extra_vars or {})
    if run_date is not None:
        variables["run_date"] = run_date.isoformat()
    arguments = [
        *command,
        *artifact_paths(config, command),
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target",
        dbt_target or config.target,
    ]
    if variables:
        arguments += ["--vars", json.dumps(variables, sort_keys=True)]
    with child_environment(config, **(environment or {})):
        result = dbtRunner(callbacks=callbacks or []).invoke(arguments)
    if not result.success:
        failures = []
        for node in getattr(result.result, "results", None) or []:
            if str(node.status) in {"error", "fail", "runtime error"}:
                failures.append(f"{node.node.name}: {node.status}: {node.message}")
        detail = "; ".join(failures) or str(result.exception)
        raise TransformError(f"dbt {' '.join(command)} failed: {detail}")
    return result


def artifact_paths(config: Config, command: list[str]) -> list[str]:
    """dbt's `target/` and `logs/` under the run's home (TERRITORY_HOME), not the project, so
    runs on different warehouses (or in parallel) never share artifacts or partial-parse state;
    paths in `command` and DBT_TARGET_PATH / DBT_LOG_PATH win."""
    paths = []
    if "--target-path" not in command and not config.environ.get("DBT_TARGET_PATH"):
        paths += ["--target-path", str(config.dbt_target_dir / "target")]
    if "--log-path" not in command and not config.environ.get("DBT_LOG_PATH"):
        paths += ["--log-path", str(config.dbt_target_dir / "logs")]
    return paths


class DbtProgress:
    """One dbt invocation as one progress line on stderr (nodes done / total, the slowest node
    so far) while dbt's own console log goes to a file, printed whole if the build fails."""

    def __init__(self, label: str, log_file: Path, stream: TextIO | None = None) -> None:
        self.label = label
        self.log_file = log_file
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.total = 0
        self.done = 0
        self.slowest = ("", 0.0)
        self.started = time.perf_counter()
        self._printed_quarter = 0
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_file.open("w", encoding="utf-8")
        # dbt calls back from each of its threads: one writer at a time, or lines interleave.
        self._lock = threading.Lock()

    def __call__(self, event: object) -> None:
        with self._lock:
            self._record(event)

    def _record(self, event: object) -> None:
        info = event.info  # type: ignore[attr-defined]
        if info.level in ("info", "warn", "error") and info.msg:
            self._log.write(f"{info.ts.ToDatetime():%H:%M:%S}  {info.msg}\n")
        if info.name == "ConcurrencyLine":
            self.total = event.data.node_count  # type: ignore[attr-defined]
        elif info.name == "NodeFinished":
            self.done += 1
            seconds = event.data.run_result.execution_time  # type: ignore[attr-defined]
            if seconds > self.slowest[1]:
                self.slowest = (event.data.node_info.node_name, seconds)  # type: ignore[attr-defined]
            self._show()

    def line(self) -> str:
        total = max(self.total, self.done)
        slowest = f"; slowest {self.slowest[0]} {self.slowest[1]:.1f}s" if self.slowest[0] else ""
        return (
            f"  dbt {self.label}: {self.done}/{total} nodes in "
            f"{time.perf_counter() - self.started:.0f}s{slowest}"
        )

    def _show(self) -> None:
        if self.interactive:
            print("\r" + self.line(), end="", file=self.stream, flush=True)
            return
        quarter = 4 * self.done // max(self.total, 1)  # a pipe or a file: a line per quarter
        if quarter > self._printed_quarter:
            self._printed_quarter = quarter
            print(self.line(), file=self.stream, flush=True)

    def close(self, failed: bool) -> None:
        self._log.close()
        if self.interactive:
            print(file=self.stream)
        if failed:
            written = self.log_file.read_text(errors="replace")
            message = f"dbt {self.label} failed; its log ({self.log_file}):\n{written}"
            print(message, file=self.stream)
        else:
            print(f"  dbt log: {self.log_file}", file=self.stream)


def build(
    run_date: date | None,
    config: Config,
    select: str | None = None,
    verbose: bool = False,
) -> object:
    """`dbt build` of one night: a progress line and a log file, or (verbose) dbt's own output."""
    command = ["build"]
    if select:
        command += ["--select", select]
    if verbose:
        return run_dbt(command, config, run_date=run_date)
    label = run_date.isoformat() if run_date else "newest night"
    progress = DbtProgress(label, config.home / "logs" / f"dbt-{label}.log")
    try:
        result = run_dbt(
            [*command[:1], "--quiet", *command[1:]],
            config,
            run_date=run_date,
            callbacks=[progress],
        )
    except BaseException:
        progress.close(failed=True)
        raise
    progress.close(failed=False)
    return result


def compile_manifest(config: Config, target_path: Path | None = None, target: str = "lint") -> Path:
    """`dbt parse` of the project into `target_path` (dbt's logs in `target_path/logs`): the
    manifest.json Cosmos renders the transform DAG from (`LoadMode.DBT_MANIFEST`) and Slim CI
    defers to. Parsing opens no connection: the default `lint` target (in-memory DuckDB) needs
    no warehouse. `territory manifest` (so `make manifest`), the DAG tests and the DAG-parse
    benchmark all build it here."""
    target_path = Path(target_path or config.dbt_project_dir / "target").resolve()
    run_dbt(
        [
            "parse",
            "--quiet",
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
        ],
        config,
        dbt_target=target,
    )
    return target_path / "manifest.json"
