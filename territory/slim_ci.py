"""`territory slim-ci`: build only what a change touches, deferring the rest to production.

The same command runs on a laptop (DuckDB) and in the GitHub workflow (Snowflake, target `ci`):

1. production state: the base revision's dbt manifest, either compiled here from a git worktree
   of `--base` or given with `--state` (the artifact the last main build published);
2. production warehouse: locally a DuckDB built from the base revision on `--inbox` (or an
   existing one, `--prod-duckdb`); on Snowflake the production database itself;
3. a CI warehouse that sees production's raw tables (DuckDB views over the attached production
   file; a zero-copy clone of the raw schema on Snowflake), where
   `dbt build --select state:modified+ --defer --state <production manifest>` builds the
   modified nodes and their descendants and reads every other `ref` from production;
4. a report of the nodes that ran and why, and the impact report: clients whose territory or
   advisor would change versus production for the run date, as markdown a PR comment carries.

Without a production manifest (first run, expired artifact) it falls back to a full build.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from loaders.inbox import inbox_dates
from territory.config import Config
from territory.core.errors import TerritoryError
from territory.core.secrets import snowflake_credentials
from territory.nightly import replay
from territory.nightly.dbt import TransformError, compile_manifest, run_dbt
from territory.nightly.runner import load

log = logging.getLogger("territory")

DBT_DIR_IN_REPO = "dbt_territory"
ASSIGNMENT_MODEL = "fct_client_assignment"
# Node kinds that materialize something; tests are reported under the node they test.
BUILT_TYPES = ("model", "seed", "snapshot")
CI_DUCKDB_NAME = "slim_ci.duckdb"


class SlimCiError(TerritoryError):
    """Slim CI cannot run: no production state or warehouse, or a bad option."""


@dataclass
class NodeRun:
    unique_id: str
    name: str
    resource_type: str
    status: str
    reason: str


@dataclass
class Impact:
    """Assignment differences, CI versus production, for one run date."""

    run_date: str
    compared: int = 0
    territory_changed: int = 0
    advisor_changed: int = 0
    moved: int = 0  # territory or advisor changed
    tier_changed: int = 0
    only_in_ci: int = 0
    only_in_production: int = 0
    transitions: list[tuple[str, str, int]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [
            f"### Impact on assignments ({self.run_date}, CI vs production)",
            "",
            "| change | clients |",
            "|---|---:|",
            f"| compared (in both) | {self.compared:,} |",
            f"| **moved (territory or advisor changed)** | **{self.moved:,}** |",
            f"| territory changed | {self.territory_changed:,} |",
            f"| advisor changed | {self.advisor_changed:,} |",
            f"| tier changed | {self.tier_changed:,} |",
            f"| only in CI | {self.only_in_ci:,} |",
            f"| only in production | {self.only_in_production:,} |",
        ]
        if self.transitions:
            lines += [
                "",
                "| territory in production | territory in CI | clients |",
                "|---|---|---:|",
            ]
            lines += [f"| {old} | {new} | {count:,} |" for old, new, count in self.transitions]
        return "\n".join(lines)


@dataclass
class SlimCiResult:
    mode: str  # "slim" (state:modified+ with defer) or "full" (no production manifest)
    run_date: date | None
    nodes: list[NodeRun]
    deferred: list[str]
    impact: Impact | None
    impact_note: str = ""

    def built(self, resource_types: Sequence[str] = BUILT_TYPES) -> set[str]:
        """unique_ids of the nodes this run built (not tests)."""
        return {node.unique_id for node in self.nodes if node.resource_type in resource_types}

    def markdown(self) -> str:
        title = "Slim CI" if self.mode == "slim" else "Full build (no production manifest)"
        built = [node for node in self.nodes if node.resource_type in BUILT_TYPES]
        tests = [node for node in self.nodes if node.resource_type == "test"]
        lines = [f"## {title}: {len(built)} node(s) built", ""]
        if built:
            lines += ["| node | type | status | why |", "|---|---|---|---|"]
            lines += [
                f"| `{node.name}` | {node.resource_type} | {node.status} | {node.reason} |"
                for node in built
            ]
        else:
            lines.append("Nothing modified versus production: nothing to build.")
        if tests:
            statuses = sorted({node.status for node in tests})
            counts = ", ".join(
                f"{sum(node.status == status for node in tests)} {status}" for status in statuses
            )
            lines += ["", f"Data tests: {len(tests)} run ({counts})."]
            lines += [
                f"- `{node.name}`: {node.status} ({node.reason})"
                for node in tests
                if node.status not in ("pass", "success")
            ]
        if self.deferred:
            names = ", ".join(f"`{unique_id.split('.')[-1]}`" for unique_id in self.deferred)
            lines += ["", f"Deferred to production (read, not rebuilt): {names}."]
        lines += ["", self.impact.markdown() if self.impact else self.impact_note]
        return "\n".join(lines) + "\n"


# --- git ----------------------------------------------------------------------------------


def _git(repo: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *arguments], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SlimCiError(f"git {' '.join(arguments)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


@contextmanager
def base_worktree(repo: Path, ref: str, path: Path) -> Iterator[Path]:
    """A detached git worktree of `ref` at `path`, removed afterwards."""
    commit = _git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")
    if path.exists():  # left over from an interrupted run
        shutil.rmtree(path, ignore_errors=True)
    _git(repo, "worktree", "prune")
    _git(repo, "worktree", "add", "--detach", str(path), commit)
    try:
        yield path
    finally:
        _git(repo, "worktree", "remove", "--force", str(path))


# --- dbt ------------------------------------------------------------------------------------


def run_dbt_in_work(
    command: list[str], target_path: Path, config: Config, **options: object
) -> object:
    """`territory.nightly.dbt.run_dbt` writing artifacts and logs under `target_path` (never into
    the project folder others use), then close dbt-duckdb's process-wide connection: it would
    otherwise keep the file open with its settings, and the next dbt call or connection to the
    same file with other settings (read-only, attached) fails."""
    paths = ["--target-path", str(target_path), "--log-path", str(target_path / "logs")]
    try:
        return run_dbt([*command, *paths], config, **options)  # type: ignore[arg-type]
    finally:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None


def compile_state(config: Config, project_dir: Path, state_dir: Path, prod_duckdb: Path) -> Path:
    """The base project's manifest in `state_dir`, parsed on the duckdb target so it names
    production's relations (the database is the production file's name)."""
    production = config.with_(dbt_project_dir=project_dir, duckdb_path=prod_duckdb)
    return compile_manifest(production, state_dir, target="duckdb")


def build_production(
    config: Config,
    inbox: Path,
    dates: Sequence[date],
    project_dir: Path,
    prod_duckdb: Path,
    lake_root: Path,
    state_dir: Path,
) -> None:
    """The nightly job of the base revision into `prod_duckdb`: every date loaded, then built
    by the replay rule (`territory.nightly.replay`), in date order."""
    production = config.with_(
        target="duckdb",
        inbox=inbox,
        duckdb_path=prod_duckdb,
        lake_root=str(lake_root),
        dbt_project_dir=project_dir,
    )
    prod_duckdb.unlink(missing_ok=True)
    with production.open_warehouse() as warehouse:
        for run_date in dates:
            load(production, run_date, warehouse=warehouse)
        nights = replay.plan(warehouse, dates)
    log.info("production: %s", nights.describe())
    for run_date in nights.dates:
        run_dbt_in_work(["build"], state_dir, production, run_date=run_date)
        with production.open_warehouse() as warehouse:
            replay.record_built(warehouse, run_date)


def _selected(
    config: Config,
    project_dir: Path,
    target: str,
    state_dir: Path,
    selector: str,
    target_path: Path,
    environment: dict[str, str],
) -> list[str]:
    result = run_dbt_in_work(
        [
            "ls",
            "--select",
            selector,
            "--state",
            str(state_dir),
            "--output",
            "json",
            "--output-keys",
            "unique_id",
            "--quiet",
        ],
        target_path,
        config,
        dbt_target=target,
        project_dir=project_dir,
        environment=environment,
    )
    return [json.loads(line)["unique_id"] for line in result.result or []]  # type: ignore[attr-defined]


def _ancestors(manifest: dict, unique_id: str) -> list[str]:
    parents = manifest["parent_map"]
    seen: list[str] = []
    stack = list(parents.get(unique_id, []))
    while stack:
        parent = stack.pop()
        if parent not in seen:
            seen.append(parent)
            stack.extend(parents.get(parent, []))
    return seen


def _reasons(
    current: dict, base: dict | None, executed: Sequence[str], modified: set[str]
) -> dict[str, str]:
    """Why each executed node was selected, from the two manifests."""
    base_nodes = (base or {}).get("nodes", {})
    reasons: dict[str, str] = {}
    for unique_id in executed:
        node = current["nodes"].get(unique_id, {})
        if base is None:
            reasons[unique_id] = "full build"
        elif unique_id in modified:
            old = base_nodes.get(unique_id)
            if old is None:
                reasons[unique_id] = "new"
            elif old.get("checksum") != node.get("checksum"):
                reasons[unique_id] = "modified: body"
            elif old.get("unrendered_config") != node.get("unrendered_config"):
                reasons[unique_id] = "modified: config"
            else:
                reasons[unique_id] = "modified: macros, docs or contract"
        elif node.get("resource_type") == "test":
            tested = current["parent_map"].get(unique_id, [])
            reasons[unique_id] = "tests " + ", ".join(sorted(p.split(".")[-1] for p in tested))
        else:
            upstream = [parent for parent in _ancestors(current, unique_id) if parent in modified]
            names = ", ".join(sorted(parent.split(".")[-1] for parent in upstream))
            reasons[unique_id] = f"downstream of {names}" if names else "selected"
    return reasons


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text())


# --- warehouses ----------------------------------------------------------------------------


def prepare_ci_duckdb(ci_duckdb: Path, prod_duckdb: Path) -> None:
    """A fresh CI file whose raw schema is views over production's (zero-copy, like a clone)."""
    import duckdb

    ci_duckdb.unlink(missing_ok=True)
    alias = prod_duckdb.stem
    with duckdb.connect(str(ci_duckdb)) as connection:
        connection.execute(f"attach '{prod_duckdb}' as \"{alias}\" (read_only)")
        connection.execute("create schema raw")
        tables = connection.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = 'raw'",
            [alias],
        ).fetchall()
        for (table,) in tables:
            connection.execute(
                f'create view raw."{table}" as select * from "{alias}".raw."{table}"'
            )


def newest_run_date(prod_duckdb: Path) -> date:
    import duckdb

    with duckdb.connect(str(prod_duckdb), read_only=True) as connection:
        row = connection.execute("select max(_run_date) from raw.clients").fetchone()
    if not row or row[0] is None:
        raise SlimCiError(f"{prod_duckdb} has no loaded clients")
    return row[0]


def impact_sql(ci_relation: str, prod_relation: str, run_date: str) -> tuple[str, str]:
    """(counts query, transitions query) comparing the two assignment snapshots; ANSI SQL
    that runs on DuckDB and Snowflake alike."""
    pairs = f"""
        with ci as (
            select master_client_id, territory_id, advisor_email, tier
            from {ci_relation} where run_date = cast('{run_date}' as date)
        ),
        production as (
            select master_client_id, territory_id, advisor_email, tier
            from {prod_relation} where run_date = cast('{run_date}' as date)
        ),
        pairs as (
            select
                production.master_client_id is not null and ci.master_client_id is not null
                    as in_both,
                production.master_client_id is null as only_in_ci,
                ci.master_client_id is null as only_in_production,
                production.territory_id as territory_before,
                ci.territory_id as territory_after,
                production.territory_id is distinct from ci.territory_id as territory_changed,
                production.advisor_email is distinct from ci.advisor_email as advisor_changed,
                production.tier is distinct from ci.tier as tier_changed
            from production
            full outer join ci on production.master_client_id = ci.master_client_id
        )
    """
    counts = (
        pairs
        + """
        select
            sum(case when in_both then 1 else 0 end),
            sum(case when in_both and territory_changed then 1 else 0 end),
            sum(case when in_both and advisor_changed then 1 else 0 end),
            sum(case when in_both and (territory_changed or advisor_changed) then 1 else 0 end),
            sum(case when in_both and tier_changed then 1 else 0 end),
            sum(case when only_in_ci then 1 else 0 end),
            sum(case when only_in_production then 1 else 0 end)
        from pairs
    """
    )
    transitions = (
        pairs
        + """
        select
            coalesce(territory_before, '(none)'),
            coalesce(territory_after, '(none)'),
            count(*) as clients
        from pairs
        where in_both and territory_changed
        group by 1, 2
        order by clients desc, 1, 2
        limit 10
    """
    )
    return counts, transitions


def _impact_from(rows: Sequence, transitions: Sequence, run_date: str) -> Impact:
    values = [int(value or 0) for value in rows[0]]
    return Impact(
        run_date,
        *values,
        transitions=[(str(old), str(new), int(count)) for old, new, count in transitions],
    )


def duckdb_impact(ci_duckdb: Path, prod_duckdb: Path, run_date: date) -> Impact:
    import duckdb

    alias = prod_duckdb.stem
    counts, transitions = impact_sql(
        f'"{ci_duckdb.stem}".analytics.{ASSIGNMENT_MODEL}',
        f'"{alias}".analytics.{ASSIGNMENT_MODEL}',
        run_date.isoformat(),
    )
    with duckdb.connect(str(ci_duckdb), read_only=True) as connection:
        connection.execute(f"attach '{prod_duckdb}' as \"{alias}\" (read_only)")
        return _impact_from(
            connection.execute(counts).fetchall(),
            connection.execute(transitions).fetchall(),
            run_date.isoformat(),
        )


def _snowflake_connection(config: Config):  # pragma: no cover - needs a Snowflake account
    from loaders.warehouse.snowflake import connect

    settings = snowflake_credentials(dict(config.environ))
    settings.pop("database", None)  # the statements name both databases
    settings.setdefault("role", "TERRITORY_ETL")
    settings.setdefault("warehouse", "TERRITORY_WH")
    return connect(settings)


def snowflake_databases(config: Config) -> tuple[str, str]:
    """(production database, CI database): the `snowflake` and `ci` targets' databases."""
    production = config.environ.get("SNOWFLAKE_DATABASE", "TERRITORY")
    return production, config.environ.get("SNOWFLAKE_CI_DATABASE", f"{production}_CI")


def prepare_ci_snowflake(config: Config, connection) -> None:  # pragma: no cover - Snowflake
    """A fresh CI database (a relation left by an earlier run would be read instead of being
    deferred to production) whose raw schema is a zero-copy clone of production's."""
    production, ci = snowflake_databases(config)
    cursor = connection.cursor()
    cursor.execute(f"create or replace database {ci}")
    cursor.execute(f"create schema {ci}.raw clone {production}.raw")


def snowflake_impact(config: Config, connection, run_date: str) -> Impact:  # pragma: no cover
    production, ci = snowflake_databases(config)
    counts, transitions = impact_sql(
        f"{ci}.analytics.{ASSIGNMENT_MODEL}", f"{production}.analytics.{ASSIGNMENT_MODEL}", run_date
    )
    cursor = connection.cursor()
    return _impact_from(
        cursor.execute(counts).fetchall(), cursor.execute(transitions).fetchall(), run_date
    )


# --- the command ---------------------------------------------------------------------------


def slim_ci(
    config: Config,
    repo: Path = Path("."),
    base: str | None = None,
    state: Path | None = None,
    inbox: Path | None = None,
    prod_duckdb: Path | None = None,
    run_date: date | None = None,
    target: str = "duckdb",
    work: Path | None = None,
    report: Path | None = None,
) -> SlimCiResult:
    """Build what changed versus production (see the module docstring); return what ran.
    The markdown report is printed and, with `report`, written there, also when dbt fails."""
    repo = Path(_git(Path(repo), "rev-parse", "--show-toplevel"))
    project_dir = repo / DBT_DIR_IN_REPO
    work = Path(work or config.home / "slim_ci").resolve()
    work.mkdir(parents=True, exist_ok=True)
    state_dir = Path(state).resolve() if state else work / "state"
    ci_target_dir = work / "target"

    if target == "duckdb":
        prod = Path(prod_duckdb or (work / "prod.duckdb" if inbox else config.duckdb_path))
        prod = prod.resolve()
        if base and not state:
            with base_worktree(repo, base, work / "base") as base_repo:
                base_project = base_repo / DBT_DIR_IN_REPO
                if inbox:
                    build_production(
                        config,
                        inbox,
                        inbox_dates(inbox),
                        base_project,
                        prod,
                        work / "prod_lake",
                        state_dir,
                    )
                compile_state(config, base_project, state_dir, prod)
        if not prod.exists():
            raise SlimCiError(f"no production DuckDB at {prod}: pass --inbox or --prod-duckdb")
        ci_duckdb = work / CI_DUCKDB_NAME
        if ci_duckdb.stem == prod.stem:
            raise SlimCiError(f"the production DuckDB may not be named {ci_duckdb.name}")
        run_date = run_date or newest_run_date(prod)
        prepare_ci_duckdb(ci_duckdb, prod)
        dbt_target = "ci_duckdb"
        environment = {
            "TERRITORY_CI_DUCKDB_PATH": str(ci_duckdb),
            "TERRITORY_PROD_DUCKDB_PATH": str(prod),
            "TERRITORY_PROD_DUCKDB_ALIAS": prod.stem,
        }
    elif target == "ci":  # pragma: no cover - Snowflake, run by the GitHub workflow
        if base and not state:
            with base_worktree(repo, base, work / "base") as base_repo:
                compile_manifest(
                    config.with_(dbt_project_dir=base_repo / DBT_DIR_IN_REPO),
                    state_dir,
                    target="snowflake",
                )
        with _snowflake_connection(config) as connection:
            prepare_ci_snowflake(config, connection)
        dbt_target, environment, ci_duckdb, prod = "ci", {}, None, None
    else:
        raise SlimCiError(f"unknown slim-ci target {target!r}: expected duckdb or ci")

    has_state = (state_dir / "manifest.json").exists()
    modified: set[str] = set()
    if has_state:
        modified = set(
            _selected(
                config,
                project_dir,
                dbt_target,
                state_dir,
                "state:modified",
                work / "ls",
                environment,
            )
        )
        command = ["build", "--select", "state:modified+", "--defer", "--state", str(state_dir)]
    else:
        log.warning("no production manifest in %s: full build", state_dir)
        command = ["build"]
    # dbt writes no run_results.json when nothing is selected: drop the previous run's.
    (ci_target_dir / "run_results.json").unlink(missing_ok=True)
    failure: TransformError | None = None
    try:
        run_dbt_in_work(
            command,
            ci_target_dir,
            config,
            dbt_target=dbt_target,
            run_date=run_date,
            project_dir=project_dir,
            environment=environment,
        )
    except TransformError as error:
        failure = error

    result = _summarize(ci_target_dir, state_dir if has_state else None, modified, run_date)
    rebuilt = {unique_id.split(".")[-1] for unique_id in result.built()}
    if failure is None and has_state and ASSIGNMENT_MODEL in rebuilt:
        if target == "duckdb":
            result.impact = duckdb_impact(ci_duckdb, prod, run_date)  # type: ignore[arg-type]
        else:  # pragma: no cover - Snowflake
            with _snowflake_connection(config) as connection:
                date_text = run_date.isoformat() if run_date else _ci_run_date(config, connection)
                result.impact = snowflake_impact(config, connection, date_text)
    elif failure is None and has_state:
        result.impact_note = f"`{ASSIGNMENT_MODEL}` not affected: no client changes assignment."
    elif failure is None:
        result.impact_note = "No production state: impact report skipped (full build)."
    print(result.markdown())
    if report:
        Path(report).write_text(result.markdown())
    if failure is not None:
        raise failure
    return result


def _ci_run_date(config: Config, connection) -> str:  # pragma: no cover - Snowflake
    _, ci = snowflake_databases(config)
    cursor = connection.cursor()
    query = f"select max(run_date) from {ci}.analytics.{ASSIGNMENT_MODEL}"
    return str(cursor.execute(query).fetchone()[0])


def _summarize(
    target_dir: Path, state_dir: Path | None, modified: set[str], run_date: date | None
) -> SlimCiResult:
    current = _read_json(target_dir / "manifest.json")
    base = _read_json(state_dir / "manifest.json") if state_dir else None
    run_results = target_dir / "run_results.json"
    results = _read_json(run_results)["results"] if run_results.exists() else []
    # Hooks (operations) are not nodes a change selects; they run with any build.
    executed = [
        item
        for item in results
        if current["nodes"].get(item["unique_id"], {}).get("resource_type")
        not in (None, "operation")
    ]
    reasons = _reasons(current, base, [item["unique_id"] for item in executed], modified)
    nodes = [
        NodeRun(
            item["unique_id"],
            current["nodes"][item["unique_id"]]["name"],
            current["nodes"][item["unique_id"]]["resource_type"],
            item["status"],
            reasons[item["unique_id"]],
        )
        for item in executed
    ]
    built = {node.unique_id for node in nodes if node.resource_type in BUILT_TYPES}
    deferred = sorted(
        {
            parent
            for unique_id in built
            for parent in _ancestors(current, unique_id)
            if parent in current["nodes"]
            and current["nodes"][parent]["resource_type"] in BUILT_TYPES
            and current["nodes"][parent].get("config", {}).get("materialized") != "ephemeral"
            and parent not in built
        }
    )
    return SlimCiResult("slim" if base else "full", run_date, nodes, deferred, None)
