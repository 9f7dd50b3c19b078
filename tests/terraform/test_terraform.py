"""terraform/: parses (python-hcl2), keeps its security settings, agrees with snowflake_sql/,
and checkov finds no failed check.

There is no terraform binary here, so `terraform validate` (provider schemas) is not run; the
parse, the assertions below and checkov's static checks are what guard these files.
checkov pins old versions of boto3, packaging and networkx that cannot co-install with the
project, so it runs from its own tool venv, `.venv/checkov` (TERRITORY_CHECKOV names another
binary), which `make checkov` installs with the pins in tests/terraform/checkov-constraints.txt;
.ci/run does. The test never installs it: without it the checkov test skips, and fails under CI
(CI set, as .ci/run and GitHub Actions do).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest

from territory.deploy import snowflake_setup

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
CHECKOV_CONSTRAINTS = Path(__file__).with_name("checkov-constraints.txt")
CHECKOV_VENV = Path(sys.prefix) / "checkov"


def _clean(value: Any) -> Any:
    """python-hcl2 keeps string quotes and marks blocks; drop both for readable assertions."""
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items() if key != "__is_block__"}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _parse(path: Path) -> dict[str, Any]:
    with path.open() as file:
        return _clean(hcl2.load(file))


@pytest.fixture(scope="module")
def config() -> dict[str, dict[str, Any]]:
    """Every block of the configuration: {"resource": {"type.name": body}, "data": ..., ...}."""
    merged: dict[str, dict[str, Any]] = {"resource": {}, "data": {}, "variable": {}, "locals": {}}
    for path in sorted(TERRAFORM.glob("*.tf")):
        parsed = _parse(path)
        for kind in ("resource", "data"):
            for block in parsed.get(kind, []):
                for type_name, named in block.items():
                    for name, body in named.items():
                        merged[kind][f"{type_name}.{name}"] = body
        for block in parsed.get("variable", []):
            merged["variable"].update(block)
        for block in parsed.get("locals", []):
            merged["locals"].update(block)
    return merged


def test_every_tf_file_parses() -> None:
    files = sorted(TERRAFORM.glob("*.tf"))
    assert len(files) >= 8
    for path in files:
        assert isinstance(_parse(path), dict), path.name


# -- AWS security settings ----------------------------------------------------------------------


def test_lake_bucket_is_encrypted_versioned_and_private(config: dict) -> None:
    resources = config["resource"]
    sse = resources["aws_s3_bucket_server_side_encryption_configuration.lake"]["rule"][0]
    default = sse["apply_server_side_encryption_by_default"][0]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"] == "${aws_kms_key.territory.arn}"
    assert resources["aws_kms_key.territory"]["enable_key_rotation"] is True
    versioning = resources["aws_s3_bucket_versioning.lake"]["versioning_configuration"][0]
    assert versioning["status"] == "Enabled"
    block = resources["aws_s3_bucket_public_access_block.lake"]
    for setting in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert block[setting] is True, setting
    ownership = resources["aws_s3_bucket_ownership_controls.lake"]["rule"][0]
    assert ownership["object_ownership"] == "BucketOwnerEnforced"


def test_bucket_policy_denies_plain_http(config: dict) -> None:
    statements = config["data"]["aws_iam_policy_document.lake_bucket"]["statement"]
    tls = next(s for s in statements if s["sid"] == "DenyInsecureTransport")
    assert tls["effect"] == "Deny" and tls["actions"] == ["s3:*"]
    condition = tls["condition"][0]
    assert (condition["variable"], condition["values"]) == ("aws:SecureTransport", ["false"])


def test_quarantine_objects_expire(config: dict) -> None:
    rules = config["resource"]["aws_s3_bucket_lifecycle_configuration.lake"]["rule"]
    quarantine = next(rule for rule in rules if rule["id"] == "expire-quarantine")
    assert quarantine["status"] == "Enabled"
    assert quarantine["filter"][0]["tag"][0] == {"key": "territory:kind", "value": "quarantine"}
    assert quarantine["expiration"][0]["days"] == "${var.quarantine_expiration_days}"


def test_snowflake_role_trusts_only_the_integration_with_its_external_id(config: dict) -> None:
    trust = config["data"]["aws_iam_policy_document.snowflake_trust"]["statement"]
    assert len(trust) == 1
    principal = trust[0]["principals"][0]
    assert principal["identifiers"] == [
        "${snowflake_storage_integration.lake.storage_aws_iam_user_arn}"
    ]
    condition = trust[0]["condition"][0]
    assert condition["test"] == "StringEquals"
    assert condition["variable"] == "sts:ExternalId"
    assert condition["values"] == ["${snowflake_storage_integration.lake.storage_aws_external_id}"]


def _actions(document: dict) -> dict[str, list[str]]:
    return {statement["sid"]: statement["actions"] for statement in document["statement"]}


def test_snowflake_role_can_only_read_the_lake_prefix(config: dict) -> None:
    document = config["data"]["aws_iam_policy_document.snowflake_lake"]
    actions = {action for group in _actions(document).values() for action in group}
    assert actions == {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "kms:Decrypt",
    }
    objects = next(s for s in document["statement"] if s["sid"] == "ReadLakeObjects")
    assert objects["resources"] == ["${aws_s3_bucket.lake.arn}/${var.lake_prefix}/*"]


def test_airflow_role_reads_project_secrets_and_the_lake_only(config: dict) -> None:
    document = config["data"]["aws_iam_policy_document.airflow_worker"]
    statements = {statement["sid"]: statement for statement in document["statement"]}
    secrets = statements["ReadProjectSecrets"]
    assert secrets["actions"] == ["secretsmanager:GetSecretValue"]
    assert len(secrets["resources"]) == 1
    assert secrets["resources"][0].endswith(":secret:${local.secret_prefix}*")
    prefix = config["locals"]["secret_prefix"]
    assert prefix == "territory/${var.environment}/"  # pragma: allowlist secret
    lake = statements["ReadWriteLakeObjects"]
    assert lake["resources"] == ["${aws_s3_bucket.lake.arn}/${var.lake_prefix}/*"]
    every_action = [action for statement in statements.values() for action in statement["actions"]]
    assert not [action for action in every_action if "*" in action]
    assert not [a for a in every_action if a.startswith("iam:") or a.startswith("sts:")]


def test_no_policy_grants_wildcard_actions_except_the_key_administration(config: dict) -> None:
    for name, document in config["data"].items():
        if not name.startswith("aws_iam_policy_document."):
            continue
        for statement in document["statement"]:
            if statement.get("effect") == "Deny" or statement.get("sid") == "AccountAdministers":
                continue
            wild = [action for action in statement["actions"] if action.endswith("*")]
            assert wild in ([], ["kms:GenerateDataKey*"]), (name, statement.get("sid"))


def test_secrets_are_containers_without_values(config: dict) -> None:
    resources = config["resource"]
    secrets = [name for name in resources if name.startswith("aws_secretsmanager_secret.")]
    assert sorted(secrets) == [
        "aws_secretsmanager_secret.loader",
        "aws_secretsmanager_secret.snowflake",
    ]
    assert not [name for name in resources if name.startswith("aws_secretsmanager_secret_version")]
    for name in secrets:
        assert resources[name]["name"].startswith("${local.secret_prefix}")
        assert resources[name]["kms_key_id"] == "${aws_kms_key.territory.arn}"


def test_every_variable_is_described_and_validated(config: dict) -> None:
    for name, body in config["variable"].items():
        assert body.get("description"), name
        if name != "tags":
            assert body.get("validation"), f"variable {name} has no validation"


def test_backend_is_remote_s3_with_a_documented_lock() -> None:
    versions = _parse(TERRAFORM / "versions.tf")
    assert "s3" in versions["terraform"][0]["backend"][0]
    example = (TERRAFORM / "backend.hcl.example").read_text()
    assert re.search(r"^use_lockfile\s*=\s*true", example, re.MULTILINE)
    assert re.search(r"^encrypt\s*=\s*true", example, re.MULTILINE)


def test_default_tags_are_set(config: dict) -> None:
    providers = _parse(TERRAFORM / "providers.tf")["provider"]
    aws = next(block["aws"] for block in providers if "aws" in block)
    tags = aws["default_tags"][0]["tags"]
    assert "project" in tags and "environment" in tags and "managed_by" in tags


# -- Terraform and snowflake_sql/ declare the same Snowflake objects ------------------------------


@pytest.fixture(scope="module")
def sql_statements() -> list[str]:
    statements = snowflake_setup.plan(
        environ={
            "TERRITORY_LAKE_ROOT": "s3://bucket/lake",
            "TERRITORY_SNOWFLAKE_LAKE_ROLE_ARN": "arn:aws:iam::123456789012:role/lake",
        }
    )
    return [" ".join(statement.sql.lower().split()) for statement in statements]


def test_roles_and_hierarchy_match(config: dict, sql_statements: list[str]) -> None:
    sql_roles = {
        match.group(1).upper()
        for sql in sql_statements
        if (match := re.match(r"create role if not exists (\w+)", sql))
    }
    assert sql_roles == set(config["locals"]["roles"])
    sql_hierarchy = {
        match.group(1).upper(): match.group(2).upper()
        for sql in sql_statements
        if (match := re.match(r"grant role (\w+) to role (\w+)$", sql))
    }
    assert sql_hierarchy == config["locals"]["role_hierarchy"]


def test_schemas_match(config: dict, sql_statements: list[str]) -> None:
    sql_schemas = {}
    for sql in sql_statements:
        match = re.match(r"create (transient )?schema if not exists (\w+)", sql)
        if match:
            retention = re.search(r"data_retention_time_in_days = (\d+)", sql)
            sql_schemas[match.group(2).upper()] = {
                "transient": bool(match.group(1)),
                "managed_access": "with managed access" in sql,
                "retention_days": int(retention.group(1)) if retention else None,
            }
    terraform = {
        name: {
            "transient": body["transient"],
            "managed_access": body["managed_access"],
            "retention_days": body["retention_days"],
        }
        for name, body in config["locals"]["schemas"].items()
    }
    assert sql_schemas == terraform
    assert "SNAPSHOTS" not in sql_schemas  # no dbt snapshot exists


def test_retention_is_short_where_tables_are_rebuilt_and_longer_for_marts_and_governance(
    config: dict, sql_statements: list[str]
) -> None:
    days = {name: body["retention_days"] for name, body in config["locals"]["schemas"].items()}
    rebuilt = max(days["RAW"], days["STAGING"], days["INTERMEDIATE"])
    assert rebuilt <= 1 < days["ANALYTICS"] <= days["GOVERNANCE"]
    # an existing schema is brought to the same retention (create ... if not exists would not)
    altered = {
        match.group(1).upper(): int(match.group(2))
        for sql in sql_statements
        if (match := re.match(r"alter schema (\w+) set data_retention_time_in_days = (\d+)$", sql))
    }
    assert altered == days


def test_grants_match(config: dict, sql_statements: list[str]) -> None:
    sql_grants: set[tuple[str, str, str]] = set()
    sql_readers: set[tuple[str, str, str]] = set()
    for sql in sql_statements:
        if match := re.match(r"grant (.+) on schema (\w+) to role (\w+)$", sql):
            for privilege in match.group(1).split(", "):
                sql_grants.add((match.group(3).upper(), match.group(2).upper(), privilege.upper()))
        if match := re.match(r"grant select on future (\w+) in schema (\w+) to role (\w+)$", sql):
            sql_readers.add(
                (match.group(3).upper(), match.group(2).upper(), match.group(1).upper())
            )
    locals_ = config["locals"]
    terraform_grants = {
        (role, schema, privilege)
        for role, schemas in locals_["schema_grants"].items()
        for schema, privileges in schemas.items()
        for privilege in privileges
    }
    terraform_readers = {
        (role, schema, kind)
        for role, schemas in locals_["reader_schemas"].items()
        for schema in schemas
        for kind in ("TABLES", "VIEWS")
    }
    # governance is SQL-only (60_governance.sql grants the policy procedure's schema).
    assert {grant for grant in sql_grants if grant[1] != "GOVERNANCE"} == terraform_grants
    assert sql_readers == terraform_readers


def test_warehouse_and_monitor_settings_match(config: dict, sql_statements: list[str]) -> None:
    warehouse = config["resource"]["snowflake_warehouse.territory"]
    create = next(sql for sql in sql_statements if sql.startswith("create warehouse"))
    assert f"warehouse_size = {warehouse['warehouse_size'].lower()}" in create
    assert f"auto_suspend = {warehouse['auto_suspend']}" in create
    assert f"auto_resume = {warehouse['auto_resume']}" in create
    monitor = config["resource"]["snowflake_resource_monitor.territory"]
    create = next(sql for sql in sql_statements if sql.startswith("create resource monitor"))
    assert f"on {monitor['notify_triggers'][0]} percent do notify" in create
    assert f"on {monitor['suspend_trigger']} percent do suspend " in create
    assert f"on {monitor['suspend_immediate_trigger']} percent do suspend_immediate" in create
    quota = config["variable"]["snowflake_credit_quota"]["default"]
    assert snowflake_setup.VARIABLES["credit_quota"].default == str(quota)


# -- checkov --------------------------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _checkov_pin() -> str:
    (pin,) = re.findall(r"^checkov==(\S+)$", CHECKOV_CONSTRAINTS.read_text(), re.MULTILINE)
    return pin


def _checkov() -> Path:
    """The installed checkov binary, at the constraints' version; skip (fail in CI) without it."""
    binary = Path(os.environ.get("TERRITORY_CHECKOV") or CHECKOV_VENV / "bin" / "checkov")
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        message = f"checkov is not installed at {binary}: run `make checkov` (.ci/run does)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    version = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert version == _checkov_pin(), f"{binary} is checkov {version}: run `make checkov`"
    return binary


@pytest.mark.slow
def test_checkov_reports_no_failed_checks() -> None:
    result = subprocess.run(
        [
            str(_checkov()),
            "--directory",
            str(TERRAFORM),
            "--framework",
            "terraform",
            "--skip-download",  # offline: no guideline download from the vendor's API
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        timeout=600,
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [
        f"{check['check_id']} {check['resource']} {check['file_path']}"
        for check in report.get("results", {}).get("failed_checks", [])
    ]
    assert summary["failed"] == 0, failed
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 50
    # Every skip carries a justification in the code (#checkov:skip=ID:reason).
    skipped = report["results"]["skipped_checks"]
    assert skipped and all(check["check_result"].get("suppress_comment") for check in skipped)
