"""`territory snowflake-setup`: apply `snowflake_sql/NN_*.sql` to a Snowflake account, in order.

The scripts are plain Snowflake SQL with SnowSQL-style `&{name}` variables (so SnowSQL can
run them too). Every variable is declared in `VARIABLES` with the environment variable that
sets it; values are validated before anything runs, because they are pasted into DDL.
Statements run one by one in file-name order and the run stops at the first error, naming the
script, the statement number and the SQL. The scripts are idempotent (`if not exists`, `alter
... set` to converge, GRANTs), so re-running after a fix or a change is the normal way to
apply it.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from territory.core import project
from territory.core.errors import TerritoryError

log = logging.getLogger("territory.snowflake_setup")

SCRIPTS_DIR = project.snowflake_scripts_dir()
SCRIPT_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.sql$")
PLACEHOLDER = re.compile(r"&\{(\w+)\}")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_S3_URL = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[\w.=/-]*)?/$")
_INTEGER = re.compile(r"^[1-9]\d{0,6}$")


@dataclass(frozen=True)
class Variable:
    name: str
    env: str
    default: str | None
    pattern: re.Pattern[str]
    help: str


VARIABLES: dict[str, Variable] = {
    variable.name: variable
    for variable in (
        Variable("database", "SNOWFLAKE_DATABASE", "TERRITORY", _IDENTIFIER, "database name"),
        Variable("warehouse", "SNOWFLAKE_WAREHOUSE", "TERRITORY_WH", _IDENTIFIER, "warehouse"),
        Variable(
            "credit_quota",
            "TERRITORY_SNOWFLAKE_CREDIT_QUOTA",
            "100",
            _INTEGER,
            "monthly credits before the resource monitor suspends the warehouse",
        ),
        Variable(
            "storage_integration",
            "TERRITORY_SNOWFLAKE_STORAGE_INTEGRATION",
            "TERRITORY_LAKE",
            _IDENTIFIER,
            "storage integration over the lake bucket",
        ),
        Variable(
            "storage_aws_role_arn",
            "TERRITORY_SNOWFLAKE_LAKE_ROLE_ARN",
            None,
            _ROLE_ARN,
            "IAM role Snowflake assumes (terraform output snowflake_lake_role_arn)",
        ),
        Variable(
            "lake_url",
            "TERRITORY_LAKE_ROOT",
            None,  # computed from the environment at resolve time
            _S3_URL,
            "the lake root on S3, s3://bucket/prefix/",
        ),
    )
}


class SetupError(TerritoryError, ValueError):
    """A setup step failed; the message names the script, statement and error."""


@dataclass(frozen=True)
class Statement:
    script: str  # file name, e.g. 10_database.sql
    number: int  # 1-based within the script
    sql: str

    @property
    def label(self) -> str:
        return f"{self.script}#{self.number}"


@dataclass
class SetupReport:
    executed: list[Statement] = field(default_factory=list)
    results: dict[str, list[tuple]] = field(default_factory=dict)  # CALL results by label

    def summary(self) -> str:
        per_script: dict[str, int] = {}
        for statement in self.executed:
            per_script[statement.script] = per_script.get(statement.script, 0) + 1
        lines = [f"  {script:<28} {count:>3} statements" for script, count in per_script.items()]
        lines += [f"  {label}: {rows}" for label, rows in self.results.items()]
        return "\n".join([f"snowflake-setup: {len(self.executed)} statements applied", *lines])


def discover(scripts_dir: Path = SCRIPTS_DIR, only: Iterable[str] | None = None) -> list[Path]:
    """The `NN_name.sql` scripts in name (= execution) order; `only` keeps those file names."""
    scripts = sorted(path for path in Path(scripts_dir).iterdir() if SCRIPT_NAME.match(path.name))
    if only:
        wanted = set(only)
        unknown = wanted - {path.name for path in scripts}
        if unknown:
            raise SetupError(f"no such script in {scripts_dir}: {', '.join(sorted(unknown))}")
        scripts = [path for path in scripts if path.name in wanted]
    if not scripts:
        raise SetupError(f"no NN_name.sql scripts in {scripts_dir}")
    return scripts


def resolve_variables(
    names: Iterable[str],
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Values for the given variables: override, else environment, else default; validated."""
    environ = environ or {}
    overrides = overrides or {}
    values: dict[str, str] = {}
    problems: list[str] = []
    for name in sorted(set(names)):
        variable = VARIABLES.get(name)
        if variable is None:
            problems.append(f"&{{{name}}} is not a declared variable")
            continue
        value = overrides.get(name) or environ.get(variable.env) or variable.default
        if name == "lake_url" and value and value.startswith("s3://"):
            value = value.rstrip("/") + "/"
        if not value:
            problems.append(f"{name}: set {variable.env} or --var {name}=... ({variable.help})")
        elif not variable.pattern.match(value):
            problems.append(f"{name}={value!r} is not a valid {variable.help}")
        else:
            values[name] = value
    if problems:
        raise SetupError("setup variables: " + "; ".join(problems))
    return values


def render(text: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def split_statements(text: str) -> list[str]:
    """One string per statement, comments removed; `;` inside strings and `$$` bodies kept.

    Uses the connector's own splitter (the one `execute_string` uses), so a script splits here
    exactly as Snowflake's client would split it.
    """
    from snowflake.connector.util_text import split_statements as connector_split

    statements = []
    for statement, _is_put_get in connector_split(io.StringIO(text), remove_comments=True):
        statement = statement.strip().rstrip(";").strip()
        if statement:
            statements.append(statement)
    return statements


def plan(
    scripts_dir: Path = SCRIPTS_DIR,
    only: Iterable[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Statement]:
    """Every statement to run, in order, with variables substituted; fails before any runs."""
    scripts = discover(scripts_dir, only)
    texts = {path.name: path.read_text() for path in scripts}
    used = {name for text in texts.values() for name in PLACEHOLDER.findall(text)}
    values = resolve_variables(used, overrides, environ)
    statements = []
    for script, text in texts.items():
        for number, sql in enumerate(split_statements(render(text, values)), start=1):
            statements.append(Statement(script, number, sql))
    return statements


def apply(
    connection: object,
    statements: Sequence[Statement],
    on_statement: Callable[[Statement], None] | None = None,
) -> SetupReport:
    """Run the statements in order on a DB-API connection; stop at the first error.

    A `call` whose first result cell starts with FAILED (governance.apply_policies reports a
    secure view it could not protect that way) is an error too.
    """
    report = SetupReport()
    for statement in statements:
        if on_statement:
            on_statement(statement)
        cursor = connection.cursor()  # type: ignore[attr-defined]
        try:
            cursor.execute(statement.sql)
            rows = list(cursor.fetchall()) if cursor.description else []
        except Exception as error:
            raise SetupError(
                f"{statement.label} failed after {len(report.executed)} statements: "
                f"{error}\n--- statement ---\n{statement.sql}"
            ) from error
        finally:
            cursor.close()
        report.executed.append(statement)
        if statement.sql.lower().startswith("call "):
            report.results[statement.label] = rows
            first = str(rows[0][0]) if rows and rows[0] else ""
            if first.startswith("FAILED"):
                raise SetupError(f"{statement.label} reported: {first}")
    return report


def connect(environ: Mapping[str, str]) -> object:
    """A connection for the administrator running setup (credentials: territory.core.secrets)."""
    from loaders.warehouse.snowflake import connect as connect_snowflake
    from territory.core.secrets import snowflake_credentials

    settings = snowflake_credentials(dict(environ))
    settings.pop("database", None)  # the scripts create it
    settings.pop("schema", None)
    if environ.get("TERRITORY_SNOWFLAKE_SETUP_ROLE"):
        settings["role"] = environ["TERRITORY_SNOWFLAKE_SETUP_ROLE"]
    else:
        settings.pop("role", None)  # the user's default role; the scripts `use role` as needed
    return connect_snowflake(settings)


def run(
    scripts_dir: Path = SCRIPTS_DIR,
    only: Iterable[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    dry_run: bool = False,
    connection: object | None = None,
    environ: Mapping[str, str] | None = None,
) -> SetupReport:
    """Plan, then (unless dry_run) apply on `connection` or a new one from `environ` (the
    configuration's snapshot of the environment)."""
    environ = environ or {}
    statements = plan(scripts_dir, only, overrides, environ)
    if dry_run:
        for statement in statements:
            print(f"-- {statement.label}\n{statement.sql};\n")
        print(f"-- dry run: {len(statements)} statements, nothing executed")
        return SetupReport()
    owned = connection is None
    connection = connection or connect(environ)
    try:
        return apply(connection, statements, lambda s: log.info("applying %s", s.label))
    finally:
        if owned:
            connection.close()  # type: ignore[attr-defined]


def parse_var_options(options: Sequence[str] | None) -> dict[str, str]:
    """`--var name=value` options as a dict."""
    values = {}
    for option in options or []:
        name, sep, value = option.partition("=")
        if not sep or not name:
            raise SetupError(f"--var expects name=value, got {option!r}")
        values[name.strip()] = value.strip()
    return values
