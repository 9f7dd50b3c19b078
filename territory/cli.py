"""`territory`: the one entry point people, tests, benchmarks and Airflow tasks call.

The configuration is built once here (flags over environment variables over defaults, see
`territory.config`) and passed down. Any failure ends in one `FAILED` line naming the file
and problem and a non-zero exit status; `-v` adds the traceback.
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

from loaders.sources import (
    DEFAULT_MAX_QUARANTINE_RATE,
    SOURCES,
    allowed_missing_columns,
    quarantine_rate,
)
from territory.config import (
    ENVIRONMENT_VARIABLES,
    TARGETS,
    Config,
    build_config,
    child_values,
)
from territory.core.errors import ConfigError, TerritoryError
from territory.core.secrets import redact

log = logging.getLogger("territory")

CONSOLE_HOST_ENV = "TERRITORY_CONSOLE_HOST"
CONSOLE_PORT_ENV = "TERRITORY_CONSOLE_PORT"
STEWARD_ENV = "TERRITORY_STEWARD"
STEWARD_HEADER_ENV = "TERRITORY_STEWARD_HEADER"
API_TOKEN_ENV = "TERRITORY_API_TOKEN"
SLIM_CI_BASE_ENV = "TERRITORY_SLIM_CI_BASE"
SLIM_CI_TARGET_ENV = "TERRITORY_SLIM_CI_TARGET"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _argument(parse: Callable[[str], object]) -> Callable[[str], object]:
    """A settings parser as an argparse type: its ValueError becomes a usage error."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


def _env(name: str) -> str:
    return ENVIRONMENT_VARIABLES[name]


def _add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lake-root",
        help=f"lake root: a folder or s3://bucket/prefix (env {_env('lake_root')}; "
        "default TERRITORY_HOME/lake)",
    )
    parser.add_argument(
        "--target",
        choices=TARGETS,
        help=f"warehouse and dbt target (env {_env('target')}; default duckdb)",
    )
    parser.add_argument(
        "--duckdb-path",
        type=Path,
        help=f"embedded DuckDB file (env {_env('duckdb_path')}; "
        "default TERRITORY_HOME/warehouse.duckdb)",
    )


def _add_land_options(parser: argparse.ArgumentParser) -> None:
    """The landing options of every command that lands (`load`, `run`): one definition."""
    parser.add_argument(
        "--max-quarantine-rate",
        type=_argument(quarantine_rate),
        help="fail when a file's quarantined share exceeds this "
        f"(env {_env('max_quarantine_rate')}; default {DEFAULT_MAX_QUARANTINE_RATE})",
    )
    parser.add_argument(
        "--allow-missing-columns",
        type=_argument(allowed_missing_columns),
        metavar="COLUMNS",
        help="known optional columns a header may lack, loaded as empty: comma-separated "
        f"`column` or `source.column`, or `all` (env {_env('allow_missing_columns')}; "
        "default none: a missing column fails the file)",
    )


def _add_inbox_option(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    parser.add_argument(
        "--inbox",
        type=Path,
        help=help or f"folder of INBOX/YYYY-MM-DD/ exports (env {_env('inbox')}; required)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="territory", description=__doc__.splitlines()[0])
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="debug logging; tracebacks on failure"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a deterministic synthetic CRM inbox")
    generate.add_argument("--out", type=Path, required=True, help="inbox folder to write")
    generate.add_argument("--clients", type=int, default=10_000, help="CRM records on day 1")
    generate.add_argument("--days", type=int, default=3, help="consecutive run dates")
    generate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    generate.add_argument(
        "--start-date", type=_date, default=date(2026, 1, 5), help="first night (2026-01-05)"
    )
    generate.add_argument(
        "--bad-rows-rate", type=float, default=0.002, help="share of broken rows (0.002)"
    )
    generate.add_argument(
        "--profile",
        choices=("default", "family_offices"),  # territory.synthetic's PROFILES (not imported here)
        default="default",
        help="default: institutions of every segment; family_offices: person-named family"
        " offices and trusts, typos in name/city/postcode, AUM blank on about half, namesakes",
    )

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
        help=f"git revision production runs (env {SLIM_CI_BASE_ENV}); its manifest is the state",
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
        dest="slim_target",
        choices=["duckdb", "ci"],
        help=f"duckdb (local) or ci (Snowflake) (env {SLIM_CI_TARGET_ENV}; default duckdb)",
    )
    slim.add_argument("--work", type=Path, help="scratch folder (default TERRITORY_HOME/slim_ci)")
    slim.add_argument("--report", type=Path, help="also write the markdown report to this file")

    manifest = commands.add_parser(
        "manifest", help="dbt parse -> manifest.json, what Cosmos renders the transform DAG from"
    )
    manifest.add_argument(
        "--target-path",
        type=Path,
        help="dbt target folder to write manifest.json (and logs/) into "
        "(default dbt_territory/target, where the DAGs read it)",
    )
    manifest.add_argument(
        "--target",
        dest="parse_target",
        default="lint",
        help="dbt target to parse with (default lint: no warehouse)",
    )

    contract = commands.add_parser(
        "contract", help="regenerate the dbt sources YAML and the README's contract table"
    )
    contract.add_argument("--check", action="store_true", help="fail if either is stale")

    setup = commands.add_parser(
        "snowflake-setup", help="apply snowflake_sql/NN_*.sql in order; stop on the first error"
    )
    setup.add_argument("--scripts-dir", type=Path, help="default: the shipped snowflake_sql/")
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
        help=f"address to bind (env {CONSOLE_HOST_ENV}; default 127.0.0.1, loopback only)",
    )
    serve.add_argument("--port", type=int, help=f"port (env {CONSOLE_PORT_ENV}; default 8000)")
    _add_inbox_option(
        serve,
        help=f"inbox whose steward/ folder receives match decisions (env {_env('inbox')}; "
        "without it the review queue is read-only)",
    )
    serve.add_argument(
        "--steward",
        help=f"name decisions are recorded under (env {STEWARD_ENV}); without it or "
        "--steward-header the console is read-only",
    )
    serve.add_argument(
        "--steward-header",
        metavar="HEADER",
        help=f"request header an authenticating reverse proxy sets to the signed-in user, "
        f"e.g. X-Forwarded-User (env {STEWARD_HEADER_ENV}); trusted only when given. Scripts' "
        f"decisions (POST /api/decisions) also need env {API_TOKEN_ENV} (never a flag: "
        "flags show in ps)",
    )
    _add_location_options(serve)

    airflow = commands.add_parser(
        "airflow",
        help="a real Airflow stack on loopback for the DAGs (up, wait, down), or the DAGs "
        "in-process with dag.test() (local)",
    )
    from territory import airflow_stack

    airflow_stack.add_commands(airflow)
    return parser


def _config(args: argparse.Namespace) -> Config:
    """The configuration: this command's flags over the environment over the defaults."""
    flags = {name: getattr(args, name, None) for name in ENVIRONMENT_VARIABLES}
    return build_config(flags)


def _setting(config: Config, value: object, env: str, default: object) -> object:
    return value if value is not None else config.environ.get(env) or default


def dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "generate":
        from territory.synthetic import generate

        report = generate(
            out=args.out,
            clients=args.clients,
            days=args.days,
            seed=args.seed,
            start_date=args.start_date,
            bad_rows_rate=args.bad_rows_rate,
            profile=args.profile,
            tiers_seed=config.dbt_project_dir / "seeds" / "segmentation_tiers.csv",
        )
        print(report.summary())
        return 0
    if args.command == "contract":
        from loaders import contract
        from territory.core.project import CHECKOUT_DIR

        readme = CHECKOUT_DIR / "README.md"
        readme_or_none = readme if readme.exists() else None
        if args.check:
            stale = contract.stale(config.dbt_project_dir, readme_or_none)
            if stale:
                raise ConfigError(f"stale: {', '.join(stale)}: run `territory contract`")
            return 0
        print("\n".join(contract.write(config.dbt_project_dir, readme_or_none)))
        return 0
    if args.command == "manifest":  # dbt alone: no lake or warehouse to open
        from territory.nightly.dbt import compile_manifest

        print(compile_manifest(config, args.target_path, target=args.parse_target))
        return 0
    if args.command == "load":
        from loaders.pipeline import select_sources
        from territory.nightly.runner import load, print_load_reports

        reports = load(config, args.date, sources=select_sources(args.source), step=args.step)
        print_load_reports(reports, args.date)
        return 0
    if args.command == "transform":
        from territory.nightly import runner

        if args.record_built:
            for finding in runner.record_built(config, args.record_built):
                print(finding.line())
        elif args.plan:
            print(runner.plan_json(config, args.date or ()))
        else:
            runner.build_nights(
                config,
                args.date or (),
                select=args.select,
                print_summary=False,
                verbose=args.verbose,
            )
        return 0
    if args.command == "run":
        from loaders.inbox import inbox_dates
        from territory.nightly.runner import run_nightly

        inbox = config.require_inbox()
        dates = inbox_dates(inbox) if args.all else sorted(set(args.date))
        run_nightly(config, dates, verbose=args.verbose)
        return 0
    if args.command == "slim-ci":
        from territory.slim_ci import slim_ci

        base = _setting(config, args.base, SLIM_CI_BASE_ENV, None)
        if not (base or args.state):
            raise ConfigError(f"slim-ci needs --base REF (or {SLIM_CI_BASE_ENV}) or --state DIR")
        slim_ci(  # prints the markdown report
            config,
            repo=args.repo,
            base=base,  # type: ignore[arg-type]
            state=args.state,
            inbox=args.inbox,
            prod_duckdb=args.prod_duckdb,
            run_date=args.date,
            target=str(_setting(config, args.slim_target, SLIM_CI_TARGET_ENV, "duckdb")),
            work=args.work,
            report=args.report,
        )
        return 0
    if args.command == "airflow":
        from territory import airflow_stack

        return airflow_stack.run(args, {**os.environ, **child_values(config)})
    if args.command == "serve":
        from territory.console.app import ConsoleConfig
        from territory.console.server import serve

        settings: dict[str, object] = {}
        if config.target != "duckdb":
            settings = config.snowflake_settings()
        console = ConsoleConfig(
            target=config.target,
            duckdb_path=config.duckdb_path,
            state_dir=config.home / "console",
            inbox=config.inbox,
            steward=_setting(config, args.steward, STEWARD_ENV, None),  # type: ignore[arg-type]
            steward_header=_setting(config, args.steward_header, STEWARD_HEADER_ENV, None),  # type: ignore[arg-type]
            api_token=config.environ.get(API_TOKEN_ENV) or None,
            snowflake_settings=settings,
        )
        port = _setting(config, args.port, CONSOLE_PORT_ENV, 8000)
        try:
            port = int(port)  # type: ignore[arg-type]
        except ValueError:
            raise ConfigError(f"{CONSOLE_PORT_ENV}: not a port number: {port!r}") from None
        host = str(_setting(config, args.host, CONSOLE_HOST_ENV, "127.0.0.1"))
        return serve(console, host=host, port=port)
    if args.command == "snowflake-setup":
        from territory.deploy import snowflake_setup

        report = snowflake_setup.run(
            scripts_dir=args.scripts_dir or snowflake_setup.SCRIPTS_DIR,
            only=args.only,
            overrides=snowflake_setup.parse_var_options(args.var),
            dry_run=args.dry_run,
            environ=config.environ,
        )
        if not args.dry_run:
            print(report.summary())
        return 0
    raise ConfigError(f"unknown command {args.command}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    started = time.perf_counter()
    try:
        status = dispatch(args, _config(args))
    except Exception as error:
        # Ours (TerritoryError) say what to fix; anything else (a driver, the network) is
        # named by its type. One line either way; -v adds the traceback.
        if args.verbose:
            log.exception("territory %s failed", args.command)
        if isinstance(error, TerritoryError | FileNotFoundError | ValueError):
            message = str(error)
        else:
            message = " ".join(f"{type(error).__name__}: {error}".split())
        print(f"territory {args.command}: FAILED: {redact(message)}", file=sys.stderr)
        return 1
    log.info("territory %s finished in %.1fs", args.command, time.perf_counter() - started)
    return status


if __name__ == "__main__":
    sys.exit(main())
