"""`territory snowflake-setup`: script order, variables, splitting, stop-on-error, idempotency.

Executed against a `fakesnow` server through the real snowflake-connector-python. fakesnow
emulates data objects only, so the statements below marked UNSUPPORTED_BY_FAKESNOW (roles,
grants, warehouses, resource monitors, storage integrations, managed-access schemas, row
access / masking policies, stored procedures and CALL) are checked as text here; a test
asserts that fakesnow really rejects each of them, so the list stays honest.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from territory.cli import main
from territory.core.project import dbt_project_dir
from territory.deploy import snowflake_setup
from territory.deploy.snowflake_setup import SetupError, Statement

warnings.filterwarnings("ignore", module="snowflake.connector.vendored.requests")

ENVIRON = {
    "TERRITORY_LAKE_ROOT": "s3://territory-lake-test/lake",
    "TERRITORY_SNOWFLAKE_LAKE_ROLE_ARN": "arn:aws:iam::123456789012:role/territory-lake",
}
# Statement kinds fakesnow cannot run (it emulates tables, views, stages, not account objects).
UNSUPPORTED_BY_FAKESNOW = re.compile(
    r"^(create role|grant |revoke |create resource monitor|alter resource monitor"
    r"|create warehouse|alter warehouse|create storage integration|alter storage integration"
    r"|create row access policy|alter row access policy|create masking policy"
    r"|alter masking policy|create or replace procedure|call |create schema .* with managed"
    r"|alter schema .* set data_retention_time_in_days)",
    re.IGNORECASE | re.DOTALL,
)


def _plan(**kwargs: object) -> list[Statement]:
    return snowflake_setup.plan(environ=ENVIRON, **kwargs)  # type: ignore[arg-type]


def _emulable(statements: list[Statement]) -> list[Statement]:
    """The statements fakesnow supports; `governance` loses only MANAGED ACCESS (a grant rule),
    so it is created plainly and the mapping tables behind it still run."""
    kept = []
    for statement in statements:
        if statement.sql.lower().startswith("create schema if not exists governance"):
            plain = statement.sql.lower().replace(" with managed access", "")
            kept.append(Statement(statement.script, statement.number, plain))
        elif not UNSUPPORTED_BY_FAKESNOW.match(statement.sql):
            kept.append(statement)
    return kept


# -- plan: order, variables, splitting --------------------------------------------------------


def test_scripts_run_in_file_name_order_and_other_files_are_ignored(tmp_path: Path) -> None:
    for name in ("20_b.sql", "00_a.sql", "10_c.sql", "notes.sql", "README.md", "5_bad.sql"):
        (tmp_path / name).write_text("select 1;")
    assert [path.name for path in snowflake_setup.discover(tmp_path)] == [
        "00_a.sql",
        "10_c.sql",
        "20_b.sql",
    ]


def _first(statements: list[Statement], pattern: str) -> int:
    return next(i for i, s in enumerate(statements) if re.match(pattern, s.sql, re.IGNORECASE))


def test_every_object_is_created_before_it_is_granted_or_used() -> None:
    statements = _plan()
    for index, statement in enumerate(statements):
        sql = statement.sql.lower()
        role = re.search(r" to role (\w+)$", sql)
        if role and role.group(1) != "sysadmin":
            assert _first(statements, rf"create role if not exists {role.group(1)}\b") < index
        schema = re.search(r" on schema (\w+) ", sql)
        if schema:
            created = rf"create (transient )?schema if not exists {schema.group(1)}\b"
            assert _first(statements, created) < index, statement.label
    assert _first(statements, "create stage") < _first(statements, "grant usage on stage")
    assert _first(statements, "create or replace procedure") < _first(statements, "call ")
    assert _first(statements, "create resource monitor") < _first(
        statements, "alter warehouse .* set resource_monitor"
    )


def test_variables_are_substituted_and_validated() -> None:
    sql = "\n".join(statement.sql for statement in _plan())
    assert "&{" not in sql
    assert "url = 's3://territory-lake-test/lake/'" in sql
    assert "storage_aws_role_arn = 'arn:aws:iam::123456789012:role/territory-lake'" in sql
    assert "create warehouse if not exists TERRITORY_WH" in sql


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"database": "TERRITORY; drop database PROD"}, "database="),
        ({"credit_quota": "lots"}, "credit_quota="),
        ({"lake_url": "https://example.com/lake/"}, "lake_url="),
        ({"storage_aws_role_arn": "arn:aws:iam::1:user/me"}, "storage_aws_role_arn="),
    ],
    ids=["sql-in-identifier", "quota-not-integer", "lake-not-s3", "arn-not-a-role"],
)
def test_bad_variable_values_fail_before_anything_runs(
    override: dict[str, str], message: str
) -> None:
    with pytest.raises(SetupError, match=re.escape(message)):
        _plan(overrides=override)


def test_a_required_variable_without_value_names_its_environment_variable() -> None:
    with pytest.raises(SetupError, match="TERRITORY_SNOWFLAKE_LAKE_ROLE_ARN"):
        snowflake_setup.plan(environ={"TERRITORY_LAKE_ROOT": "s3://bucket/lake"})
    # Scripts that do not use it run without it.
    assert snowflake_setup.plan(only=["00_roles.sql"], environ={})


def test_splitting_keeps_strings_and_dollar_quoted_bodies_whole() -> None:
    text = (
        "-- a comment; with a semicolon\n"
        "create table t (note varchar default 'a;b');\n"
        "create or replace procedure p() returns varchar language sql as\n"
        "$$\nbegin\n    let x varchar := 'y;z';\n    return x;\nend;\n$$;\n"
        "select 1"
    )
    statements = snowflake_setup.split_statements(text)
    assert len(statements) == 3
    assert statements[0] == "create table t (note varchar default 'a;b')"
    assert statements[1].startswith("create or replace procedure") and "return x;" in statements[1]


def test_the_policy_procedure_is_a_single_statement() -> None:
    governance = [s for s in _plan() if s.script == "60_governance.sql"]
    procedure = [s for s in governance if s.sql.startswith("create or replace procedure")]
    assert len(procedure) == 1 and procedure[0].sql.rstrip().endswith("$$")
    assert "for pii_column in pii_columns do" in procedure[0].sql


def test_every_create_is_idempotent() -> None:
    """Re-running must never fail on an existing object nor drop one holding data/policies."""
    for statement in _plan():
        sql = statement.sql.lower()
        if sql.startswith("create "):
            # Stateless objects (views, the procedure) are replaced; the rest never are.
            stateless = re.match(r"create or replace (view|procedure) ", sql)
            assert "if not exists" in sql.split("(")[0] or stateless, statement.label
        # Policies are never replaced (fails while attached): created once, body altered.
        assert not re.match(r"create or replace (row access|masking) policy", sql), statement.label


def test_least_privilege_for_the_etl_role() -> None:
    grants = [s.sql.lower() for s in _plan() if s.sql.lower().startswith("grant ")]
    etl = [grant for grant in grants if grant.endswith("to role territory_etl")]
    assert etl, "TERRITORY_ETL gets grants"
    for grant in etl:
        assert " on account" not in grant and "ownership" not in grant
        assert "create schema" not in grant and "all privileges" not in grant
        assert "create database" not in grant
    # SALES_LEADERSHIP reads nothing but what the policy procedure grants per secure view.
    leadership = [grant for grant in grants if grant.endswith("to role sales_leadership")]
    assert all(grant.startswith("grant usage on") for grant in leadership)
    # Readers are covered for objects dbt creates later.
    assert "grant select on future views in schema analytics to role crm_analyst" in grants
    assert "grant role territory_admin to role sysadmin" in grants


# -- executed against fakesnow ----------------------------------------------------------------


@pytest.fixture
def connection(fakesnow_server: dict) -> Iterator[object]:
    import snowflake.connector

    conn = snowflake.connector.connect(**fakesnow_server)
    yield conn
    conn.close()


def _scalar(connection: object, sql: str) -> object:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    try:
        cursor.execute(sql)
        return cursor.fetchone()[0]
    finally:
        cursor.close()


def test_supported_statements_apply_twice_with_the_same_result(connection: object) -> None:
    """GIVEN the repo's scripts WHEN their fakesnow-supported part runs twice THEN both runs
    succeed and leave the same objects (the second run is a no-op)."""
    statements = _emulable(_plan())
    assert len(statements) >= 20
    snowflake_setup.apply(connection, statements)
    schemas = _scalar(
        connection,
        "select count(*) from territory.information_schema.schemata where schema_name in "
        "('RAW', 'STAGING', 'INTERMEDIATE', 'ANALYTICS', 'OBSERVABILITY', 'GOVERNANCE')",
    )
    pii_columns = _scalar(connection, "select count(*) from territory.governance.pii_columns")
    report = snowflake_setup.apply(connection, statements)
    assert len(report.executed) == len(statements)
    assert schemas == 6
    assert _scalar(connection, "select count(*) from territory.governance.pii_columns") == (
        pii_columns
    )
    assert pii_columns == 4


def test_unsupported_list_is_honest(connection: object) -> None:
    """Every statement classified unsupported really fails on fakesnow (else it belongs in
    the executed set above)."""
    unsupported = [s for s in _plan() if UNSUPPORTED_BY_FAKESNOW.match(s.sql)]
    assert unsupported
    accepted = []
    for statement in unsupported:
        try:
            snowflake_setup.apply(connection, [statement])
            accepted.append(statement.label)
        except SetupError:
            pass
    assert accepted == [], f"fakesnow now runs these; move them to the executed set: {accepted}"


def test_stops_at_the_first_error_naming_script_and_statement(
    connection: object, tmp_path: Path
) -> None:
    (tmp_path / "00_schema.sql").write_text(
        "create database if not exists stoptest;\n"
        "create schema if not exists stoptest.demo;\n"
        "create table if not exists stoptest.demo.events (id int);\n"
    )
    (tmp_path / "10_insert.sql").write_text(
        "insert into stoptest.demo.events values (1);\n"
        "insert into stoptest.demo.no_such_table values (2);\n"
        "insert into stoptest.demo.events values (3);\n"
    )
    (tmp_path / "20_never.sql").write_text("create table stoptest.demo.never (id int);\n")
    with pytest.raises(SetupError, match=r"10_insert\.sql#2 failed after 4 statements") as raised:
        snowflake_setup.run(scripts_dir=tmp_path, connection=connection)
    assert "no_such_table" in str(raised.value)
    assert _scalar(connection, "select count(*) from stoptest.demo.events") == 1
    tables = _scalar(
        connection,
        "select count(*) from stoptest.information_schema.tables where table_name = 'NEVER'",
    )
    assert tables == 0


def test_cli_dry_run_prints_the_plan_and_executes_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TERRITORY_SECRET_IDS", raising=False)
    monkeypatch.delenv("SNOWFLAKE_ACCOUNT", raising=False)  # no connection possible
    assert main(["snowflake-setup", "--dry-run", "--var", "credit_quota=25"]) == 0
    out = capsys.readouterr().out
    assert "-- 00_roles.sql#1\nuse role securityadmin;" in out
    assert "credit_quota = 25" in out
    assert out.index("00_roles.sql#1") < out.index("90_attach_policies.sql#3")


def test_cli_reports_a_failure_with_non_zero_exit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TERRITORY_SNOWFLAKE_LAKE_ROLE_ARN", raising=False)
    monkeypatch.setenv("TERRITORY_LAKE_ROOT", "s3://territory-lake-test/lake")
    assert main(["snowflake-setup", "--dry-run"]) == 1
    assert "TERRITORY_SNOWFLAKE_LAKE_ROLE_ARN" in capsys.readouterr().err


def test_observability_views_read_the_dbt_run_log(connection: object) -> None:
    """GIVEN the setup applied and two runs logged the way dbt's on-run-end hook logs them
    WHEN on-call reads the views THEN they show the latest run, recent failures and trends."""
    snowflake_setup.apply(connection, _emulable(_plan()))
    cursor = connection.cursor()  # type: ignore[attr-defined]
    for statement in (
        "use database territory",
        "delete from observability.model_execution_log",
        "delete from observability.layer_record_counts",
        "delete from observability.data_quality_results",
        "insert into observability.model_execution_log values "
        "('run-1', '2026-01-05', 'dim_client', 'model', 'success', 10, 1.5, "
        "current_timestamp()::timestamp_ntz - interval '1 hour'), "
        "('run-2', '2026-01-05', 'dim_client', 'model', 'success', 12, 1.0, "
        "current_timestamp()::timestamp_ntz), "
        "('run-2', '2026-01-05', 'not_null_dim_client_id', 'test', 'fail', null, 0.2, "
        "current_timestamp()::timestamp_ntz)",
        "insert into observability.layer_record_counts values "
        "('run-1', '2026-01-05', 'analytics', 'dim_client', 100, current_timestamp()), "
        "('run-3', '2026-01-06', 'analytics', 'dim_client', 130, current_timestamp())",
        "insert into observability.data_quality_results values "
        "('run-2', '2026-01-05', 'not_null_dim_client_id', 'fail', 3, 'got 3 results', "
        "current_timestamp()::timestamp_ntz)",
    ):
        cursor.execute(statement)
    cursor.execute(
        "select invocation_id, nodes, failed_nodes from observability.latest_runs "
        "where is_latest_for_run_date"
    )
    assert cursor.fetchall() == [("run-2", 2, 1)]
    cursor.execute("select test_name, failures from observability.recent_data_quality_failures")
    assert cursor.fetchall() == [("not_null_dim_client_id", 3)]
    cursor.execute(
        "select run_date::varchar, record_count_change from observability.record_count_trends "
        "order by run_date"
    )
    assert cursor.fetchall() == [("2026-01-05", None), ("2026-01-06", 30)]
    cursor.close()


def test_observability_tables_have_the_columns_the_dbt_hook_writes() -> None:
    macro = (dbt_project_dir() / "macros" / "observability_log_run_results.sql").read_text()
    script = (snowflake_setup.SCRIPTS_DIR / "70_observability.sql").read_text()
    for table in ("model_execution_log", "layer_record_counts", "data_quality_results"):
        hook = re.search(rf"\.{table} \('(.*?)\)'\s*\)", macro, re.DOTALL)
        assert hook, table
        hook_columns = re.findall(
            r"(?:'|, )(\w+) (?:' ~ string_type|date|bigint|double|timestamp)", hook.group(1)
        )
        setup = re.search(
            rf"create table if not exists observability\.{table} \((.*?)\n\)", script, re.DOTALL
        )
        assert setup, table
        setup_columns = re.findall(r"^\s+(\w+) ", setup.group(1), re.MULTILINE)
        assert setup_columns == hook_columns, table
