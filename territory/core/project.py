"""Where the dbt project and the Snowflake scripts are: inside the installed wheel (package
data under `territory/_bundled/`, copied there by the build) or, in a checkout, beside the
package. Nothing falls back to built-in copies: a missing project is an error."""

from __future__ import annotations

from pathlib import Path

from territory.core.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
CHECKOUT_DIR = PACKAGE_DIR.parent
# The folders the wheel carries (setup.py copies them into territory/_bundled/).
SHIPPED_FOLDERS = ("dbt_territory", "snowflake_sql")


def shipped_folder(name: str) -> Path:
    for root in (BUNDLED_DIR, CHECKOUT_DIR):
        if (root / name).is_dir():
            return root / name
    raise ConfigError(
        f"{name}/ is neither in the installed package ({BUNDLED_DIR}) nor beside it "
        f"({CHECKOUT_DIR}): reinstall the territory wheel or run from a checkout"
    )


def dbt_project_dir() -> Path:
    return shipped_folder("dbt_territory")


def snowflake_scripts_dir() -> Path:
    return shipped_folder("snowflake_sql")
