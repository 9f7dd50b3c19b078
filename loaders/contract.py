"""Artifacts derived from the source registry: the dbt sources YAML and the README contract.

`territory contract --write` regenerates them; a test fails when a committed copy drifts.
"""

from __future__ import annotations

from loaders.settings import DBT_PROJECT_DIR, SOURCES
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
        for column in raw_columns(source):
            lines.append(f"          - name: {column.name}")
            description = column.description or f"{column.type} from the file's contract."
            lines.append(f'            description: "{description} ({column.type})"')
            if column.required:
                lines.append("            data_tests: [not_null]")
    return "\n".join(lines) + "\n"


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
