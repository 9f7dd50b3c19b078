"""The one dialect seam of the loaders: raw-table loads for DuckDB (embedded) and Snowflake."""

from __future__ import annotations

from loaders.warehouse.base import StaticVersion, Warehouse


def open_warehouse(target: str, **options: object) -> Warehouse:
    """The warehouse for a dbt target name: `duckdb` (default) or `snowflake`."""
    if target == "duckdb":
        from loaders.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(**options)  # type: ignore[arg-type]
    if target.startswith("snowflake"):
        from loaders.warehouse.snowflake import SnowflakeWarehouse

        return SnowflakeWarehouse(**options)  # type: ignore[arg-type]
    raise ValueError(f"unknown target {target!r}: expected duckdb or snowflake")


__all__ = ["StaticVersion", "Warehouse", "open_warehouse"]
