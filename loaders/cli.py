"""`territory`: the one entry point people, tests, benchmarks and Airflow tasks call.

Every option also reads an environment variable (shown in --help), so a DAG only calls the
command. Exit status is non-zero on any failure, with a message naming the file and problem.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from loaders.settings import (
    ALLOW_MISSING_COLUMNS_ENV,
    DBT_PROJECT_DIR,
    DEFAULT_MAX_QUARANTINE_RATE,
    MAX_QUARANTINE_RATE_ENV,
    SOURCES,
    STEWARD_FOLDER,
    allowed_missing_columns,
    default_duckdb_path,
    default_lake_root,
    quarantine_rate,
)

log = logging.getLogger("territory")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def _add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lake-root",
        default=_env("TERRITORY_LAKE_ROOT") or default_lake_root(),
        help="lake root: a folder or s3://bucket/prefix (env TERRITORY_LAKE_ROOT)",
    )
    parser.add_argument(
        "--target",
        default=_env("TERRITORY_TARGET", "duckdb"),
        choices=["duckdb", "snowflake", "snowflake_emulated"],
        help="warehouse and dbt target (env TERRITORY_TARGET; default duckdb)",
    )
    parser.add_argument(
        "--duckdb-path",
        default=None,
        help=f"embedded DuckDB file (env TERRITORY_DUCKDB_PATH; default {default_duckdb_path()})",
    )


def _argument(parse: Callable[[str], object]) -> Callable[[str], object]:
    """A settings parser as an argparse type: its ValueError becomes a usage error."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


def _add_land_options(parser: argparse.ArgumentParser) -> None:
    """The landing options of every command that lands (`load`, `run`): one definition, each
    defaulting to its environment variable."""
    parser.add_argument(
        "--max-quarantine-rate",
        type=_argument(quarantine_rate),
        default=_env(MAX_QUARANTINE_RATE_ENV) or str(DEFAULT_MAX_QUARANTINE_RATE),
        help="fail when a file's quarantined share exceeds this "
        f"(env {MAX_QUARANTINE_RATE_ENV}; default {DEFAULT_MAX_QUARANTINE_RATE})",
    )
    parser.add_argument(
        "--allow-missing-columns",
        type=_argument(allowed_missing_columns),
        default=_env(ALLOW_MISSING_COLUMNS_ENV, ""),
        metavar="COLUMNS",
        help="known optional columns a header may lack, loaded as empty: comma-separated "
        "`column` or `source.column`, or `all` (env "
        f"{ALLOW_MISSING_COLUMNS_ENV}; default none: a missing column fails the file)",
    )


def _add_inbox_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inbox",
        type=Path,
        default=_env("TERRITORY_INBOX"),
        required=_env("TERRITORY_INBOX") is None,
        help="folder of INBOX/YYYY-MM-DD/ exports (env TERRITORY_INBOX)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="territory", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a deterministic synthetic CRM inbox")
    generate.add_argument("--out", type=Path, required=True, help="inbox folder to write")
    generate.add_argument("--clients", type=int, default=10_000, help="CRM records on day 1")
    generate.add_argument("--days", type=int, default=3, help="consecutive run dates")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start-date", type=_date, default=date(2026, 1, 5))
    generate.add_argument("--bad-rows-rate", type=float, default=0.002)

    load = commands.add_parser("load", help="sanitize + land sources for a date, then load raw")
    _add_inbox_option(load)
    load.add_argument("--date", type=_date, required=True, help="run date YYYY-MM-DD")
    load.add_argument(
        "--source", action="append", choices=list(SOURCES), help="only these (repeatable)"
    )
    load.add_argument(
        "--step",
        choices=["land", "warehouse", "all"],
        default="all",
        help="land: inbox -> lake; warehouse: lake -> raw tables; all: both (default)",
    )
    _add_land_options(load)
    _add_location_options(load)

    transform = commands.add_parser(
        "transform", help="dbt build of run dates, replaying every later built night in order"
    )
    transform.add_argument(
        "--date",
        type=_date,
        action="append",
        help="run date (repeatable; default: the nights loaded since their last build)",
    )
    transform.add_argument("--select", help="dbt selection (default: everything)")
    transform.add_argument(
        "--plan", action="store_true", help="print the nights to build as JSON; build nothing"
    )
    transform.add_argument(
        "--record-built",
        type=_date,
        metavar="DATE",
        help="record that DATE was built (the Airflow transform DAG, after its dbt tasks)",
    )
    _add_location_options(transform)

    run = commands.add_parser("run", help="the nightly job: load every source, then dbt build")
    _add_inbox_option(run)
    when = run.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", type=_date, action="append", help="run date (repeatable)")
    when.add_argument("--all", action="store_true", help="every date folder, oldest first")
    _add_land_options(run)
    _add_location_options(run)

    slim = commands.add_parser(
        "slim-ci", help="build only what changed versus production (state:modified+, defer)"
    )
    slim.add_argument(
        "--base",
        default=_env("TERRITORY_SLIM_CI_BASE"),
        help="git revision production runs (env TERRITORY_SLIM_CI_BASE); its manifest is the state",
    )
    slim.add_argument(
        "--state", type=Path, help="production manifest folder instead of building it from --base"
    )
    slim.add_argument("--repo", type=Path, default=Path("."), help="git repository (default .)")
    slim.add_argument(
        "--inbox", type=Path, help="build the production DuckDB from --base on this inbox"
    )
    slim.add_argument(
        "--prod-duckdb", type=Path, help="reuse this production DuckDB (default: the warehouse)"
    )
    slim.add_argument("--date", type=_date, help="run date (default: newest loaded)")
    slim.add_argument(
        "--target",
        choices=["duckdb", "ci"],
        default=_env("TERRITORY_SLIM_CI_TARGET", "duckdb"),
        help="duckdb (local) or ci (Snowflake) (env TERRITORY_SLIM_CI_TARGET)",
    )
    slim.add_argument("--work", type=Path, help="scratch folder (default TERRITORY_HOME/slim_ci)")
    slim.add_argument("--report", type=Path, help="also write the markdown report to this file")

    manifest = commands.add_parser(
        "manifest", help="dbt parse -> manifest.json, what Cosmos renders the transform DAG from"
    )
    manifest.add_argument(
        "--target-path",
        type=Path,
        default=DBT_PROJECT_DIR / "target",
        help="dbt target folder to write manifest.json (and logs/) into "
        "(default dbt_territory/target, where the DAGs read it)",
    )
    manifest.add_argument(
        "--target", default="lint", help="dbt target to parse with (default lint: no warehouse)"
    )

    contract = commands.add_parser("contract", help="regenerate the dbt sources YAML")
    contract.add_argument("--check", action="store_true", help="fail if the file is stale")

    setup = commands.add_parser(
        "snowflake-setup", help="apply snowflake_sql/NN_*.sql in order; stop on the first error"
    )
    setup.add_argument("--scripts-dir", type=Path, help="default: the repo's snowflake_sql/")
    setup.add_argument("--dry-run", action="store_true", help="print the statements, run none")
    setup.add_argument(
        "--only", action="append", metavar="SCRIPT", help="only this script file (repeatable)"
    )
    setup.add_argument(
        "--var", action="append", metavar="NAME=VALUE", help="set a script variable (repeatable)"
    )

    serve = commands.add_parser(
        "serve", help="the sales-ops console (web pages + JSON API) over the warehouse's marts"
    )
    serve.add_argument(
        "--host",
        default=_env("TERRITORY_CONSOLE_HOST", "127.0.0.1"),
        help="address to bind (env TERRITORY_CONSOLE_HOST; default 127.0.0.1, loopback only)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(_env("TERRITORY_CONSOLE_PORT", "8000") or 8000),
        help="port (env TERRITORY_CONSOLE_PORT; default 8000)",
    )
    serve.add_argument(
        "--inbox",
        type=Path,
        default=_env("TERRITORY_INBOX"),
        help="inbox whose steward/ folder receives match decisions (env TERRITORY_INBOX; "
        "without it the review queue is read-only)",
    )
    serve.add_argument(
        "--steward",
        default=_env("TERRITORY_STEWARD"),
        help="name decisions are recorded under (env TERRITORY_STEWARD; default: the OS user)",
    )
    _add_location_options(serve)
    return parser


# Inbox folders that are not nights: the generator's ground truth, the steward's decisions.
NON_NIGHT_FOLDERS = frozenset({"truth", STEWARD_FOLDER})


def inbox_dates(inbox: Path) -> list[date]:
    """The inbox's nights, oldest first. A folder not named YYYY-MM-DD (e.g. `20260105`) is
    an error: read as a date it would run nights out of order."""
    folders = sorted(Path(inbox).iterdir()) if Path(inbox).is_dir() else []
    dates, strays = [], []
    for folder in folders:
        if not folder.is_dir() or folder.name.startswith(".") or folder.name in NON_NIGHT_FOLDERS:
            continue
        try:
            if len(folder.name) != 10:
                raise ValueError(folder.name)
            dates.append(date.fromisoformat(folder.name))
        except ValueError:
            strays.append(folder.name)
    if strays:
        raise ValueError(
            f"{inbox}: folder(s) not named YYYY-MM-DD: {', '.join(strays)} "
            "(rename them to their run date or move them out of the inbox)"
        )
    if not dates:
        raise ValueError(f"no YYYY-MM-DD folders in {inbox}")
    return dates


def _configure(args: argparse.Namespace) -> None:
    if getattr(args, "duckdb_path", None):
        os.environ["TERRITORY_DUCKDB_PATH"] = args.duckdb_path
    if getattr(args, "lake_root", None):
        os.environ["TERRITORY_LAKE_ROOT"] = args.lake_root


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    _configure(args)
    from loaders import commands
    from loaders.lake import LakeError
    from loaders.sanitize import SourceError
    from loaders.secrets import redact
    from loaders.slim_ci import SlimCiError
    from loaders.transform import TransformError
    from loaders.warehouse.base import WarehouseError

    started = time.perf_counter()
    expected = (SourceError, TransformError, SlimCiError, LakeError, WarehouseError)
    try:
        status = commands.dispatch(args)
    except (*expected, FileNotFoundError, ValueError) as error:
        print(f"territory {args.command}: FAILED: {redact(str(error))}", file=sys.stderr)
        return 1
    except Exception as error:
        # Anything else (a driver, the network): one line, never a traceback (-v logs it).
        log.debug("territory %s failed", args.command, exc_info=True)
        message = " ".join(f"{type(error).__name__}: {error}".split())
        print(f"territory {args.command}: FAILED: {redact(message)}", file=sys.stderr)
        return 1
    log.info("territory %s finished in %.1fs", args.command, time.perf_counter() - started)
    return status


if __name__ == "__main__":
    sys.exit(main())
