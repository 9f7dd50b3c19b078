"""The run's configuration: built once at the entry point (flags over environment over
defaults) and passed down. This module is the only reader of the process environment, and
`child_environment` the only writer: dbt (in-process, through its profile's `env_var()`)
and Airflow's child processes are the only consumers of environment variables."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loaders.lake import Lake, open_lake
from loaders.sources import (
    DEFAULT_MAX_QUARANTINE_RATE,
    allowed_missing_columns,
    quarantine_rate,
)
from loaders.warehouse import Warehouse
from territory.core import project, secrets
from territory.core.errors import ConfigError

TARGETS = ("duckdb", "snowflake", "snowflake_emulated")


@dataclass(frozen=True)
class S3Options:
    """How the lake talks to S3 when its root is s3://."""

    endpoint_url: str | None = None  # a non-AWS endpoint (MinIO, moto in tests)
    sse: str = "AES256"
    kms_key_id: str | None = None


@dataclass(frozen=True)
class Config:
    """Every setting a command needs; `build_config` makes one (the environment variable of
    each field is in ENVIRONMENT_VARIABLES)."""

    home: Path = Path(".territory")  # state: lake, warehouse, dbt artifacts, logs
    target: str = "duckdb"  # warehouse and dbt target
    lake_root: str = ""  # a folder or s3://bucket/prefix (default home/lake)
    duckdb_path: Path = Path()  # the embedded warehouse (default home/warehouse.duckdb)
    dbt_project_dir: Path = Path()  # default: the shipped project (territory.core.project)
    inbox: Path | None = None  # folder of INBOX/YYYY-MM-DD/
    max_quarantine_rate: float = DEFAULT_MAX_QUARANTINE_RATE
    allow_missing_columns: frozenset[str] = frozenset()
    s3: S3Options = S3Options()
    snowflake_stage: str | None = None  # external stage over the lake
    snowflake_file_format: str | None = None  # its Parquet file format
    # The environment as read once (plus credentials from Secrets Manager): Snowflake
    # connection settings and dbt's profile variables come from here.
    environ: Mapping[str, str] = field(default_factory=dict)

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt"

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def require_inbox(self) -> Path:
        """The inbox, for the commands that read one (land, run)."""
        if self.inbox is None:
            raise ConfigError(f"no inbox: pass --inbox or set {ENVIRONMENT_VARIABLES['inbox']}")
        return self.inbox

    def open_lake(self) -> Lake:
        return open_lake(
            self.lake_root,
            sse=self.s3.sse,
            kms_key_id=self.s3.kms_key_id,
            endpoint_url=self.s3.endpoint_url,
        )

    def snowflake_settings(self) -> dict[str, object]:
        """snowflake.connector.connect() arguments: the SNOWFLAKE_* variables of this
        configuration's environment (credentials from Secrets Manager included) over the
        profile's defaults."""
        from loaders.warehouse.base import RAW_SCHEMA
        from territory.core.secrets import snowflake_credentials

        defaults = {
            "role": "TERRITORY_ETL",
            "warehouse": "TERRITORY_WH",
            "database": "TERRITORY",
            "schema": RAW_SCHEMA,
        }
        return {**defaults, **snowflake_credentials(self.environ)}

    def open_warehouse(self) -> Warehouse:
        """The raw tables' warehouse for the target; DuckDB reads an S3 lake through s3fs (no
        httpfs extension download needed)."""
        if self.target == "duckdb":
            from loaders.warehouse.duckdb import DuckDBWarehouse

            filesystem = None
            if self.lake_root.startswith("s3://"):
                import s3fs

                filesystem = s3fs.S3FileSystem(endpoint_url=self.s3.endpoint_url)
            return DuckDBWarehouse(self.duckdb_path, filesystem=filesystem)
        from loaders.warehouse import snowflake

        return snowflake.SnowflakeWarehouse(
            snowflake.connect(self.snowflake_settings()),
            stage=self.snowflake_stage,
            file_format=self.snowflake_file_format,
            emulated=self.target == "snowflake_emulated",
        )


# Config field <- environment variable (a flag of the same name wins).
ENVIRONMENT_VARIABLES = {
    "home": "TERRITORY_HOME",
    "target": "TERRITORY_TARGET",
    "lake_root": "TERRITORY_LAKE_ROOT",
    "duckdb_path": "TERRITORY_DUCKDB_PATH",
    "dbt_project_dir": "TERRITORY_DBT_PROJECT_DIR",
    "inbox": "TERRITORY_INBOX",
    "max_quarantine_rate": "TERRITORY_MAX_QUARANTINE_RATE",
    "allow_missing_columns": "TERRITORY_ALLOW_MISSING_COLUMNS",
    "snowflake_stage": "TERRITORY_SNOWFLAKE_STAGE",
    "snowflake_file_format": "TERRITORY_SNOWFLAKE_FILE_FORMAT",
}
S3_VARIABLES = {
    "endpoint_url": "TERRITORY_S3_ENDPOINT_URL",
    "sse": "TERRITORY_S3_SSE",
    "kms_key_id": "TERRITORY_S3_KMS_KEY_ID",
}


def _parse(name: str, text: str) -> Any:
    if name in ("home", "duckdb_path", "dbt_project_dir", "inbox"):
        return Path(text)
    if name == "max_quarantine_rate":
        return quarantine_rate(text)
    if name == "allow_missing_columns":
        return allowed_missing_columns(text)
    if name == "target" and text not in TARGETS:
        raise ConfigError(f"unknown target {text!r}: expected one of {', '.join(TARGETS)}")
    return text


def build_config(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    load_secrets: bool = True,
) -> Config:
    """Flags (not None) over environment variables over defaults. Relative paths are
    resolved against the caller's working directory once, here, so dbt (whose working
    directory is its project) and the loaders see the same files."""
    environ = dict(os.environ if environ is None else environ)
    if load_secrets:
        secrets.load_into_environ(environ=environ)  # unset variables only: the environment wins
    flags = {key: value for key, value in (flags or {}).items() if value is not None}
    values: dict[str, Any] = {}
    for name, variable in ENVIRONMENT_VARIABLES.items():
        if name in flags:
            value = flags[name]
            values[name] = _parse(name, value) if isinstance(value, str) else value
        elif environ.get(variable):
            try:
                values[name] = _parse(name, environ[variable])
            except ValueError as error:
                raise ConfigError(f"{variable}: {error}") from None
    home = Path(values.get("home", Path(".territory"))).resolve()
    values["home"] = home
    values["lake_root"] = str(values.get("lake_root") or home / "lake")
    if not values["lake_root"].startswith("s3://"):
        values["lake_root"] = str(Path(values["lake_root"]).resolve())
    values["duckdb_path"] = Path(values.get("duckdb_path") or home / "warehouse.duckdb").resolve()
    values["dbt_project_dir"] = Path(
        values.get("dbt_project_dir") or project.dbt_project_dir()
    ).resolve()
    if values.get("inbox") is not None:
        values["inbox"] = Path(values["inbox"])
    s3 = {key: environ[var] for key, var in S3_VARIABLES.items() if environ.get(var)}
    return Config(**values, s3=S3Options(**s3), environ=environ)


def child_values(config: Config, **extra: str) -> dict[str, str]:
    """The variables a child process gets beyond this process's environment: the
    configuration's target and paths, the credentials loaded from Secrets Manager, and
    `extra` (`child_environment` sets them for a block; a subprocess takes them as `env`)."""
    values = {key: value for key, value in config.environ.items() if os.environ.get(key) != value}
    values.update(
        TERRITORY_DBT_TARGET=config.target,
        TERRITORY_DUCKDB_PATH=str(config.duckdb_path),
        TERRITORY_HOME=str(config.home),
        TERRITORY_LAKE_ROOT=config.lake_root,
    )
    values.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    values.update(extra)
    return values


@contextmanager
def child_environment(config: Config, **extra: str) -> Iterator[None]:
    """The process environment dbt's profile (and any child process) reads, for the block:
    the configuration's target and paths, the credentials loaded from Secrets Manager, and
    `extra`; restored afterwards so an in-process caller never inherits them."""
    values = child_values(config, **extra)
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
