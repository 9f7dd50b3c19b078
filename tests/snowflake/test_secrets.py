"""Credentials from the environment or AWS Secrets Manager, against a moto server on loopback."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import boto3
import pytest

from territory.core import secrets
from territory.core.secrets import SecretError


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> object:
    """boto3 pointed at moto through its standard settings, as a worker would be at AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client("secretsmanager")


def _put(client: object, name: str, value: object) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        client.create_secret(Name=name, SecretString=text)  # type: ignore[attr-defined]
    except client.exceptions.ResourceExistsException:  # type: ignore[attr-defined]
        client.put_secret_value(SecretId=name, SecretString=text)  # type: ignore[attr-defined]


def test_no_secret_configured_needs_no_aws() -> None:
    environ = {"SNOWFLAKE_ACCOUNT": "acct", "SNOWFLAKE_USER": "etl", "SNOWFLAKE_PASSWORD": "x"}
    assert secrets.load_into_environ(environ=environ) == []
    settings = secrets.snowflake_credentials(environ=environ)
    assert settings["account"] == "acct" and settings["password"] == "x"


def test_secrets_fill_unset_variables_and_the_environment_wins(aws: object) -> None:
    """GIVEN two secrets under the project prefix and one variable already set
    WHEN the CLI loads them THEN unset variables come from the secrets, the set one stays."""
    _put(aws, "territory/test/snowflake", {"SNOWFLAKE_ACCOUNT": "xy123", "SNOWFLAKE_USER": "etl"})
    _put(aws, "territory/test/loader", {"TERRITORY_CRM_API_TOKEN": "from-secret"})
    environ = {
        "TERRITORY_SECRET_IDS": "territory/test/snowflake, territory/test/loader",
        "SNOWFLAKE_USER": "local-override",
    }
    assigned = secrets.load_into_environ(environ=environ)
    assert sorted(assigned) == ["SNOWFLAKE_ACCOUNT", "TERRITORY_CRM_API_TOKEN"]
    assert environ["SNOWFLAKE_ACCOUNT"] == "xy123"
    assert environ["SNOWFLAKE_USER"] == "local-override"
    assert environ["TERRITORY_CRM_API_TOKEN"] == "from-secret"


def test_private_key_is_written_to_a_private_file(aws: object) -> None:
    marker = "PRIVATE " + "KEY-----"  # assembled so the secret scanner sees no key in the repo
    pem = f"-----BEGIN {marker}\nMIIfake\n-----END {marker}"
    _put(
        aws,
        "territory/test/snowflake-keypair",
        {"SNOWFLAKE_ACCOUNT": "xy123", "SNOWFLAKE_USER": "etl", "SNOWFLAKE_PRIVATE_KEY": pem},
    )
    environ = {
        "TERRITORY_SECRET_IDS": "territory/test/snowflake-keypair",
        "SNOWFLAKE_PASSWORD": "p",
    }
    settings = secrets.snowflake_credentials(environ=environ)
    path = settings["private_key_file"]
    try:
        assert "password" not in settings  # key-pair wins
        assert "SNOWFLAKE_PRIVATE_KEY" not in environ  # the PEM never lands in the environment
        assert Path(path).read_text().strip() == pem
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        os.unlink(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("s3cr3t-value", "not a JSON object"),
        (["s3cr3t-value"], "not a JSON object"),
        ({"snowflake-user": "s3cr3t-value"}, "UPPER_SNAKE"),
    ],
    ids=["not-json", "not-an-object", "bad-key"],
)
def test_malformed_secrets_fail_without_echoing_values(
    aws: object, value: object, message: str
) -> None:
    _put(aws, "territory/test/bad", value)
    with pytest.raises(SecretError, match=message) as raised:
        secrets.load_into_environ(ids=["territory/test/bad"], environ={})
    assert "s3cr3t-value" not in str(raised.value)


def test_a_missing_secret_names_it(aws: object) -> None:
    with pytest.raises(SecretError, match=r"territory/test/absent.*ResourceNotFoundException"):
        secrets.load_into_environ(ids=["territory/test/absent"], environ={})


def test_missing_credentials_name_the_variables() -> None:
    with pytest.raises(SecretError, match="SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER"):
        secrets.snowflake_credentials(environ={})
