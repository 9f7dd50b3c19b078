"""The one dialect seam of the loaders: raw-table loads for DuckDB (embedded) and Snowflake
(`duckdb.py`, `snowflake.py`); `territory.config.Config.open_warehouse` picks one per target."""

from __future__ import annotations

from loaders.warehouse.base import StaticVersion, Warehouse

__all__ = ["StaticVersion", "Warehouse"]
