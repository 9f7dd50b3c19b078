"""Artifacts derived from the source registry: the dbt sources YAML and the README contract.

`territory contract --write` regenerates them; a test fails when a committed copy drifts.
"""

from __future__ import annotations

from collections.abc import Sequence

from loaders.settings import (
    DBT_PROJECT_DIR,
    SOURCES,
    STATIC_VERSIONS_COLUMNS,
    STATIC_VERSIONS_TABLE,
    Column,
)
from loaders.warehouse.base import RAW_SCHEMA, raw_columns

SOURCES_YAML = DBT_PROJECT_DIR / "models" / "staging" / "crm" / "_crm__sources.yml"


def sources_yaml() -> str:
    lines = [
        "# Generated from loaders/settings.py by `territory contract --write`; do not edit.",
        "version: 2",
        "",
        "sources:",
        "  - name: crm",
        f"    schema: {RAW_SCHEMA}",
        "    description: Raw CRM exports and sales-ops references, landed by the loaders.",
        "    loaded_at_field: _ingested_at",
        "    freshness:",
        "      warn_after: {count: 26, period: hour}",
        "      error_after: {count: 50, period: hour}",
        "    tables:",
    ]
    for source in SOURCES.values():
        lines += [
            f"      - name: {source.name}",
            f"        description: >-\n          {source.description} File `{source.file}`, "
            f"{source.cadence}; natural key ({', '.join(source.natural_key)}).",
            "        columns:",
        ]
        lines += _column_lines(raw_columns(source))
    lines += [
        f"      - name: {STATIC_VERSIONS_TABLE}",
        "        description: >-\n          Register of the static versions landed, one row per "
        "(source_name, _run_date), empty deliveries included: staging's `standing_version` "
        "picks the version standing on the run date here, so a version delivered empty "
        "stands with no rows. Written by the warehouse step with each static raw table.",
        "        columns:",
        *_column_lines(STATIC_VERSIONS_COLUMNS),
        "        data_tests:",
        "          - unique:",
        "              arguments:",
        "                column_name: \"source_name || '|' || cast(_run_date as varchar)\"",
    ]
    return "\n".join(lines) + "\n"


def _column_lines(columns: Sequence[Column]) -> list[str]:
    lines = []
    for column in columns:
        lines.append(f"          - name: {column.name}")
        description = column.description or f"{column.type} from the file's contract."
        lines.append(f'            description: "{description} ({column.type})"')
        if column.required:
            lines.append("            data_tests: [not_null]")
    return lines


def contract_markdown() -> str:
    """The data contract table the README carries."""
    rows = ["| file | cadence | column | type | required |", "|---|---|---|---|---|"]
    for source in SOURCES.values():
        for column in source.columns:
            rows.append(
                f"| `{source.file}` | {source.cadence} | `{column.name}` | {column.type} | "
                f"{'yes' if column.required else ''} |"
            )
    return "\n".join(rows)


def write() -> list[str]:
    SOURCES_YAML.parent.mkdir(parents=True, exist_ok=True)
    SOURCES_YAML.write_text(sources_yaml())
    return [str(SOURCES_YAML)]
