"""A real Airflow stack for the Territory DAGs on loopback: start, wait, stop.

Scheduler, DAG processor, triggerer and API server (LocalExecutor, SQLite metadata DB), each its
own process group with a pid file and a log under `HOME/airflow/run/`, so `down` stops every
process a component started (LocalExecutor workers, task supervisors, dbt) and nothing else.
`make airflow-up` / `make airflow-down`, the scheduler end-to-end test
(`tests/dags/test_airflow_scheduler.py`) and `benchmarks/airflow_benchmark.py` use it. It
starts Airflow's own CLI in child processes and imports nothing of Airflow.

    territory airflow up --home H --inbox I --start 2026-01-05 --end 2026-01-06
    territory airflow wait --home H      # until every inbox night is built
    territory airflow down --home H
    territory airflow local --date 2026-01-05   # no scheduler: dag.test(), in a child process

`up` writes `HOME/airflow/stack.env` (the environment every component runs with: absolute
`TERRITORY_*` paths, the venv first on PATH); `source` it to use the `airflow` CLI on the same
stack (`airflow backfill create ...`). Auth: the simple auth manager with every user admin
(`simple_auth_manager_all_admins`), safe only because the API server listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from loaders.inbox import inbox_dates
from territory.core.project import CHECKOUT_DIR

PROJECT_ROOT = CHECKOUT_DIR
DAGS_FOLDER = PROJECT_ROOT / "dags"
BIN = Path(sys.executable).parent
DAG_IDS = ("territory_ingest", "territory_load", "territory_transform")
COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server")
WAREHOUSE_POOL = "territory_warehouse"  # territory_common.WAREHOUSE_POOL (not imported: no airflow)
TERMINAL = {"success", "failed"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def airflow_home(home: Path) -> Path:
    return home / "airflow"


def run_dir(home: Path) -> Path:
    return airflow_home(home) / "run"


def snapshot_sources(dest: Path) -> Path:
    """Copy the code a night runs (`loaders/`, `territory/`, `dags/`, `dbt_territory/` without
    its target/ and logs/) to `dest`: a stack started on it (its PYTHONPATH first) runs one
    consistent version even while the checkout is being edited."""
    ignore = shutil.ignore_patterns("target", "logs", "__pycache__", ".territory")
    for name in ("loaders", "territory", "dags", "dbt_territory"):
        if (PROJECT_ROOT / name).is_dir():
            shutil.copytree(PROJECT_ROOT / name, dest / name, ignore=ignore)
    shutil.copy2(PROJECT_ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def stack_environment(
    home: Path,
    inbox: Path,
    start: date,
    end: date | None,
    port: int,
    source_root: Path = PROJECT_ROOT,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Everything the components and their tasks read, every location absolute."""
    home, inbox, source_root = home.resolve(), inbox.resolve(), source_root.resolve()
    af_home = airflow_home(home)
    base_url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        # The code under source_root wins over the venv's editable install of this checkout.
        "PYTHONPATH": str(source_root),
        "AIRFLOW_HOME": str(af_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(source_root / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",  # a 2-core box; the warehouse pool has one slot anyway
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{af_home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        # One secret for every component: the scheduler signs task tokens the API server checks.
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        # A night is a chain of short tasks (one per dbt node); the default 1 s sleep of an idle
        # scheduler loop adds about a second per task on the chain's critical path.
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.25",
        # New DAG files and the first parse show up within seconds, not minutes.
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "60",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(af_home / "cosmos"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TERRITORY_HOME": str(home),
        "TERRITORY_INBOX": str(inbox),
        "TERRITORY_LAKE_ROOT": str(home / "lake"),
        "TERRITORY_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "TERRITORY_TARGET": "duckdb",
        "TERRITORY_START_DATE": start.isoformat(),
        "TERRITORY_DBT_MANIFEST": str(home / "dbt" / "manifest" / "manifest.json"),
    }
    if end is not None:
        env["TERRITORY_END_DATE"] = end.isoformat()
    env.update(extra or {})
    return env


def inbox_nights(inbox: Path) -> list[date]:
    """The inbox's nights, oldest first (the loaders' one reader of the inbox's layout)."""
    return inbox_dates(inbox)


def compile_manifest(target_path: Path, env: Mapping[str, str] | None = None) -> Path:
    """`territory manifest --target-path ...`: the manifest Cosmos renders the transform from."""
    out = subprocess.run(
        [str(BIN / "territory"), "manifest", "--target-path", str(target_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return Path(out.stdout.strip().splitlines()[-1])


def airflow(env: Mapping[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "airflow"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-4000:]
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{output}")
    return done.stdout


def write_env_file(home: Path, env: Mapping[str, str]) -> Path:
    path = airflow_home(home) / "stack.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items()))
    path.chmod(0o600)  # holds the JWT secret
    return path


def read_env_file(home: Path) -> dict[str, str]:
    env = {}
    for line in (airflow_home(home) / "stack.env").read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = shlex.split(value)[0] if value else ""
    return env


def start(home: Path, env: Mapping[str, str]) -> None:
    """Compile the manifest, migrate the metadata DB, create the one-slot pool, start the four
    components."""
    home = home.resolve()
    if running_components(home):
        raise RuntimeError(f"a stack already runs under {home}: `down` it first")
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", int(env["AIRFLOW__API__PORT"])))
        except OSError as error:
            raise RuntimeError(f"port {env['AIRFLOW__API__PORT']} is taken: {error}") from error
    write_env_file(home, env)
    compile_manifest(Path(env["TERRITORY_DBT_MANIFEST"]).parent, env)
    airflow(env, "db", "migrate")
    airflow(env, "pools", "set", WAREHOUSE_POOL, "1", "DuckDB takes one writer")
    rundir = run_dir(home)
    rundir.mkdir(parents=True, exist_ok=True)
    for component in COMPONENTS:
        args = [str(BIN / "airflow"), component]
        if component in ("scheduler", "triggerer"):
            # No log server on 0.0.0.0:8793: the API server reads the task logs from this
            # AIRFLOW_HOME directly, and two stacks on one machine would fight for the port.
            args.append("--skip-serve-logs")
        if component == "api-server":
            args += ["--host", "127.0.0.1", "--port", env["AIRFLOW__API__PORT"]]
        with (rundir / f"{component}.log").open("ab") as log:
            process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **env},
                cwd=airflow_home(home),
                start_new_session=True,  # its own process group: `down` kills the whole tree
            )
        (rundir / f"{component}.pid").write_text(str(process.pid))


def running_components(home: Path) -> dict[str, int]:
    alive = {}
    for component in COMPONENTS:
        pid_file = run_dir(home) / f"{component}.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text())
            if _group_alive(pid):
                alive[component] = pid
    return alive


def _group_alive(pgid: int) -> bool:
    """A process of the group still runs (zombies, which only wait to be reaped, do not count:
    a component whose starter exited is re-parented to a PID 1 that may never reap it)."""
    import psutil

    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                return True
    return False


def stop(home: Path, grace_seconds: float = 30) -> list[str]:
    """SIGTERM each component's process group and every process it started (a task runs in a
    session of its own, outside the group), SIGKILL what is left after the grace period.
    Returns the components that had to be killed."""
    import psutil

    home = home.resolve()
    groups = {}
    for component in COMPONENTS:
        pid_file = run_dir(home) / f"{component}.pid"
        if pid_file.exists():
            groups[component] = int(pid_file.read_text())
    # Collected before any signal: once a parent dies its children are re-parented.
    descendants: list[psutil.Process] = []
    for pgid in groups.values():
        with contextlib.suppress(psutil.Error):
            descendants += psutil.Process(pgid).children(recursive=True)
    for pgid in groups.values():
        _signal_group(pgid, signal.SIGTERM)
    for process in descendants:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and (
        any(_group_alive(p) for p in groups.values()) or any(_alive(p) for p in descendants)
    ):
        _reap()
        time.sleep(0.5)
    killed = [name for name, pgid in groups.items() if _group_alive(pgid)]
    for name in killed:
        _signal_group(groups[name], signal.SIGKILL)
    for process in descendants:
        with contextlib.suppress(psutil.Error):
            process.kill()
    _reap()
    for component in groups:
        (run_dir(home) / f"{component}.pid").unlink(missing_ok=True)
    return killed


def _alive(process: Any) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _reap() -> None:
    """Collect exited children (when the caller started the stack itself), so a dead group
    leader is not kept as a zombie that still answers `killpg(pid, 0)`."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


class AirflowApi:
    """The REST API v2 of the stack, with a token from the simple auth manager's `/auth/token`."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._token: str | None = None

    @classmethod
    def of(cls, env: Mapping[str, str]) -> AirflowApi:
        return cls(env["AIRFLOW__API__BASE_URL"])

    def token(self) -> str:
        if self._token is None:
            # GET /auth/token hands out an admin token when simple_auth_manager_all_admins is on
            # (POST /auth/token with a username/password otherwise).
            self._token = self._request("GET", "/auth/token", auth=False)["access_token"]
        return self._token

    def get(self, path: str, **params: Any) -> Any:
        query = "&".join(
            f"{key}={urllib.request.quote(str(item))}"
            for key, value in params.items()
            for item in (value if isinstance(value, list | tuple) else [value])
        )
        return self._request("GET", f"/api/v2{path}{'?' + query if query else ''}")

    def post(self, path: str, body: Any) -> Any:
        return self._request("POST", f"/api/v2{path}", body)

    def patch(self, path: str, body: Any) -> Any:
        return self._request("PATCH", f"/api/v2{path}", body)

    def _request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:2000]
            raise RuntimeError(f"{method} {path}: HTTP {error.code}: {detail}") from error
        return json.loads(raw) if raw else None

    def healthy(self) -> bool:
        try:
            health = self._request("GET", "/api/v2/monitor/health", auth=False)
        except (OSError, RuntimeError):
            return False
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return all((health.get(part) or {}).get("status") == "healthy" for part in parts)

    def get_all(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged collection: the server caps `limit` at its
        `[api] maximum_page_limit` (100 by default), so page by `offset` up to `total_entries`."""
        items: list[dict[str, Any]] = []
        while True:
            page = self.get(path, **params, limit=100, offset=len(items))
            items.extend(page[key])
            if not page[key] or len(items) >= page["total_entries"]:
                return items

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self.get_all(f"/dags/{dag_id}/dagRuns", "dag_runs", order_by="run_after")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}/taskInstances"
        return self.get_all(path, "task_instances", order_by="id")

    def trigger(self, dag_id: str, conf: Mapping[str, Any]) -> dict[str, Any]:
        """A new manual run (what `airflow dags trigger --conf` does)."""
        return self.post(f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": dict(conf)})

    def clear(self, dag_id: str, run_id: str, task_ids: Sequence[str], **options: Any) -> Any:
        """POST clearTaskInstances: the task(s) of one run go back to the scheduler."""
        body = {"dry_run": False, "dag_run_id": run_id, "task_ids": list(task_ids), **options}
        return self.post(f"/dags/{dag_id}/clearTaskInstances", body)


def wait_until(what: str, check: Any, timeout: float, interval: float = 5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_dags(api: AirflowApi, timeout: float = 300) -> None:
    """Until the DAG processor has serialized every Territory DAG (no import errors)."""

    def parsed() -> bool:
        errors = api.get("/importErrors")["import_errors"]
        if errors:
            raise RuntimeError(f"DAG import errors: {errors}")
        dags = {dag["dag_id"] for dag in api.get("/dags", limit=100)["dags"]}
        return set(DAG_IDS) <= dags

    wait_until("the DAGs to be parsed", parsed, timeout, interval=3)


def unpause(api: AirflowApi, dag_ids: Iterable[str] = DAG_IDS) -> None:
    for dag_id in dag_ids:
        api.patch(f"/dags/{dag_id}", {"is_paused": False})


def pending_asset_events(api: AirflowApi, dag_id: str) -> int:
    return len(api.get(f"/dags/{dag_id}/assets/queuedEvents")["queued_events"])


def quiet(api: AirflowApi, ingest_runs: int) -> bool:
    """Every scheduled ingest run exists and finished, and no run is queued, running or about
    to be created from an asset event: the stack has nothing left to do."""
    ingest = api.dag_runs("territory_ingest")
    if len(ingest) < ingest_runs:
        return False
    for dag_id in DAG_IDS:
        if any(run["state"] not in TERMINAL for run in api.dag_runs(dag_id)):
            return False
    return all(pending_asset_events(api, dag_id) == 0 for dag_id in DAG_IDS[1:])


def wait_quiet(api: AirflowApi, ingest_runs: int, timeout: float, settle: int = 3) -> None:
    """`quiet` on `settle` polls in a row (an asset event turns into a run a moment later)."""
    streak = 0

    def settled() -> bool:
        nonlocal streak
        streak = streak + 1 if quiet(api, ingest_runs) else 0
        return streak >= settle

    wait_until("every DAG run to finish", settled, timeout)


def built_nights(api: AirflowApi) -> dict[str, dict[str, Any]]:
    """Night -> the transform run that built it (its `record_built` succeeded), from XCom."""
    built: dict[str, dict[str, Any]] = {}
    for run in api.dag_runs("territory_transform"):
        tis = api.task_instances(run["dag_id"], run["dag_run_id"])
        states = {ti["task_id"]: ti["state"] for ti in tis}
        if states.get("record_built") != "success":
            continue
        run_id = urllib.request.quote(run["dag_run_id"], safe="")
        entry = api.get(
            f"/dags/territory_transform/dagRuns/{run_id}/taskInstances/run_dates/xcomEntries/return_value",
            deserialize=True,
        )
        plan = entry["value"]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        built[str(plan[0])] = run
    return built


def up_stack(home: Path, env: Mapping[str, str], unpause_dags: bool = True) -> AirflowApi:
    """Start the stack, wait until it is healthy and has parsed the DAGs, unpause them."""
    start(home, env)
    api = AirflowApi.of(env)
    try:
        wait_until("the API server and the scheduler", api.healthy, 180, interval=2)
        wait_for_dags(api)
        if unpause_dags:
            unpause(api)
    except Exception:
        stop(home)
        raise
    return api


def add_commands(airflow_parser: argparse.ArgumentParser) -> None:
    """`territory airflow up|wait|down|local`."""
    sub = airflow_parser.add_subparsers(dest="airflow_command", required=True)
    up = sub.add_parser("up", help="start the stack in the background, unpause the DAGs")
    up.add_argument("--home", type=Path, required=True, help="the run's home (lake, warehouse)")
    up.add_argument("--inbox", type=Path, required=True)
    up.add_argument("--start", type=date.fromisoformat, help="default: the inbox's first night")
    up.add_argument("--end", type=date.fromisoformat, help="default: the inbox's last night")
    up.add_argument("--port", type=int, default=0, help="API server port (default: a free one)")
    up.add_argument("--paused", action="store_true", help="leave the DAGs paused")
    wait = sub.add_parser("wait", help="block until every scheduled night ran and went quiet")
    wait.add_argument("--home", type=Path, required=True)
    wait.add_argument("--timeout", type=float, default=3600)
    down = sub.add_parser("down", help="stop every process the stack started")
    down.add_argument("--home", type=Path, required=True)
    local = sub.add_parser(
        "local", help="run the three DAGs for given nights with dag.test(), no scheduler"
    )
    local.add_argument("--date", type=date.fromisoformat, action="append", required=True)


def run(args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    """One `territory airflow` command; `environment` is the child processes' (the
    configuration's child environment)."""
    if args.airflow_command == "up":
        nights = inbox_nights(args.inbox)
        first, last = args.start or nights[0], args.end or nights[-1]
        env = stack_environment(args.home, args.inbox, first, last, args.port or free_port())
        up_stack(args.home, env, unpause_dags=not args.paused)
        print(f"Airflow UI/API: {env['AIRFLOW__API__BASE_URL']} (nights {first} .. {last})")
        print(f"environment:    source {airflow_home(args.home.resolve()) / 'stack.env'}")
        print(f"logs, pids:     {run_dir(args.home.resolve())}")
        return 0
    if args.airflow_command == "wait":
        env = read_env_file(args.home)
        api = AirflowApi.of(env)
        first = date.fromisoformat(env["TERRITORY_START_DATE"])
        last = date.fromisoformat(env.get("TERRITORY_END_DATE") or first.isoformat())
        wait_quiet(api, (last - first).days + 1, args.timeout)
        for night, run_ in sorted(built_nights(api).items()):
            print(
                f"built {night}: {run_['dag_run_id']} ({run_['start_date']} .. {run_['end_date']})"
            )
        return 0
    if args.airflow_command == "local":
        # dag.test() runs one task at a time and resolves a deferral inline: the transform
        # runs one dbt process per node there unless a mode is chosen.
        env = {"TERRITORY_DBT_EXECUTION_MODE": "local_subprocess", **environment}
        dates = [f"--date={night.isoformat()}" for night in sorted(args.date)]
        command = [sys.executable, "-m", "territory.orchestration.local_run", *dates]
        return subprocess.run(command, env=env, check=False).returncode
    killed = stop(args.home)
    extra = f" (killed: {killed})" if killed else ""
    print(f"stopped the stack under {args.home.resolve()}{extra}")
    return 0
