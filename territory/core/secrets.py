"""Credentials: from the environment, or (when configured) from AWS Secrets Manager via boto3.

Nothing secret lives in the repo or in Airflow variables. Set `TERRITORY_SECRET_IDS` to a
comma-separated list of Secrets Manager secret names (Terraform creates them empty under the
project prefix, e.g. `territory/prod/snowflake`, `territory/prod/loader`); each secret's value
is a JSON object whose keys are environment variable names:

    {"SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1", "SNOWFLAKE_USER": "TERRITORY_ETL_SVC",
     "SNOWFLAKE_PRIVATE_KEY": "<PEM text>"}

`load_into_environ()` (called by the `territory` CLI before any command, so loaders, dbt's
`env_var()` profiles and Airflow tasks all see the same values) sets every variable that is
not already set: an explicit environment variable always wins, which keeps local runs and
tests free of AWS. `SNOWFLAKE_PRIVATE_KEY` (PEM text) is written to a 0600 file and exposed as
`SNOWFLAKE_PRIVATE_KEY_PATH`, the form dbt-snowflake and the connector read. The endpoint and
region come from boto3's own settings (`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, IAM
role of the Airflow worker), so a moto server stands in for AWS in tests.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, MutableMapping
from typing import Any

from territory.core.errors import TerritoryError

log = logging.getLogger("territory.secrets")

SECRET_IDS_ENV = "TERRITORY_SECRET_IDS"
# Variable names, not values.
PRIVATE_KEY = "SNOWFLAKE_PRIVATE_KEY"  # pragma: allowlist secret
PRIVATE_KEY_PATH = "SNOWFLAKE_PRIVATE_KEY_PATH"  # pragma: allowlist secret
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")

# snowflake.connector.connect() argument <- environment variable.
SNOWFLAKE_SETTINGS = {
    "account": "SNOWFLAKE_ACCOUNT",
    "user": "SNOWFLAKE_USER",
    "password": "SNOWFLAKE_PASSWORD",  # pragma: allowlist secret
    "private_key_file": PRIVATE_KEY_PATH,
    "role": "SNOWFLAKE_ROLE",
    "warehouse": "SNOWFLAKE_WAREHOUSE",
    "database": "SNOWFLAKE_DATABASE",
    "host": "SNOWFLAKE_HOST",
    "port": "SNOWFLAKE_PORT",
    "protocol": "SNOWFLAKE_PROTOCOL",
    "login_timeout": "SNOWFLAKE_LOGIN_TIMEOUT",  # seconds before an unreachable host fails
}
_INTEGER_SETTINGS = ("port", "login_timeout")
# Variables whose values never appear in a message (`redact`), besides every value read from
# Secrets Manager.
SECRET_VARIABLES = (
    "SNOWFLAKE_PASSWORD",  # pragma: allowlist secret
    PRIVATE_KEY,
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",  # pragma: allowlist secret
    "SNOWFLAKE_TOKEN",
    "AWS_SECRET_ACCESS_KEY",  # pragma: allowlist secret
    "AWS_SESSION_TOKEN",
)
_SECRET_VALUES: set[str] = set()  # values load_into_environ() read from Secrets Manager
_URL_PASSWORD = re.compile(r"(\w+://[^/\s:@]+):[^/\s@]+@")
_KEYED_SECRET = re.compile(
    r"(?i)\b(password|passwd|pwd|secret_access_key|private_key|passphrase|token)(\s*[=:]\s*)"
    r"('[^']*'|\"[^\"]*\"|[^\s,;&]+)"
)


class SecretError(TerritoryError, ValueError):
    """A configured secret is missing, unreadable or malformed (never includes its value)."""


def _client(client: Any | None) -> Any:
    if client is not None:
        return client
    import boto3

    return boto3.client("secretsmanager")


def fetch_secret(secret_id: str, client: Any | None = None) -> dict[str, str]:
    """The secret's JSON object, keys checked to be environment variable names."""
    try:
        response = _client(client).get_secret_value(SecretId=secret_id)
    except Exception as error:  # botocore ClientError, NoCredentialsError, endpoint errors
        raise SecretError(f"cannot read secret {secret_id!r}: {type(error).__name__}") from error
    text = response.get("SecretString")
    if text is None:
        raise SecretError(f"secret {secret_id!r} has no SecretString (binary secrets unsupported)")
    try:
        values = json.loads(text)
    except json.JSONDecodeError:
        raise SecretError(f"secret {secret_id!r} is not a JSON object") from None
    if not isinstance(values, dict):
        raise SecretError(f"secret {secret_id!r} is not a JSON object")
    bad = [key for key in values if not isinstance(key, str) or not _ENV_NAME.match(key)]
    if bad:
        raise SecretError(f"secret {secret_id!r}: keys must be UPPER_SNAKE env names: {bad}")
    return {key: "" if value is None else str(value) for key, value in values.items()}


def _write_private_key(pem: str) -> str:
    handle, path = tempfile.mkstemp(prefix="territory-snowflake-", suffix=".p8")
    with os.fdopen(handle, "w") as file:  # mkstemp creates the file 0600
        file.write(pem if pem.endswith("\n") else pem + "\n")
    return path


def secret_ids(environ: MutableMapping[str, str] | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    return [name.strip() for name in environ.get(SECRET_IDS_ENV, "").split(",") if name.strip()]


def load_into_environ(
    ids: Iterable[str] | None = None,
    environ: MutableMapping[str, str] | None = None,
    client: Any | None = None,
) -> list[str]:
    """Set unset environment variables from the configured secrets; returns the names set.

    Does nothing (and needs no AWS) when no secret is configured.
    """
    environ = os.environ if environ is None else environ
    ids = list(ids) if ids is not None else secret_ids(environ)
    if not ids:
        return []
    client = _client(client)
    assigned: list[str] = []
    for secret_id in ids:
        for name, value in fetch_secret(secret_id, client).items():
            if name == PRIVATE_KEY:
                if not environ.get(PRIVATE_KEY_PATH) and value:
                    environ[PRIVATE_KEY_PATH] = _write_private_key(value)
                    assigned.append(PRIVATE_KEY_PATH)
                continue
            if value:
                _SECRET_VALUES.add(value)
            if name not in environ:
                environ[name] = value
                assigned.append(name)
        log.info("credentials: read secret %s", secret_id)
    return assigned


def snowflake_credentials(
    environ: MutableMapping[str, str] | None = None, client: Any | None = None
) -> dict[str, Any]:
    """snowflake.connector.connect() arguments from the environment (after the secrets).

    Key-pair authentication wins over a password when both are configured.
    """
    environ = os.environ if environ is None else environ
    load_into_environ(environ=environ, client=client)
    settings: dict[str, Any] = {"application": "territory"}
    for argument, name in SNOWFLAKE_SETTINGS.items():
        if environ.get(name):
            settings[argument] = environ[name]
    if "private_key_file" in settings:
        settings.pop("password", None)
    missing = [name for name in ("account", "user") if not settings.get(name)]
    if missing:
        names = ", ".join(SNOWFLAKE_SETTINGS[name] for name in missing)
        raise SecretError(f"Snowflake credentials: set {names} (or {SECRET_IDS_ENV})")
    for name in _INTEGER_SETTINGS:
        if name in settings:
            settings[name] = int(settings[name])
    return settings


def redact(text: str, environ: MutableMapping[str, str] | None = None) -> str:
    """A message safe to print: the values of secret variables (and of every secret read from
    Secrets Manager), URL passwords and `password=...`-style pairs replaced by `***`."""
    environ = os.environ if environ is None else environ
    values = {environ.get(name, "") for name in SECRET_VARIABLES} | _SECRET_VALUES
    for value in sorted((value for value in values if len(value) >= 4), key=len, reverse=True):
        text = text.replace(value, "***")
    text = _URL_PASSWORD.sub(r"\1:***@", text)
    return _KEYED_SECRET.sub(r"\1\2***", text)
