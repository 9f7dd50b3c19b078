"""snowflake_sql/ parses with the Snowflake dialect (zero unparsable sections) and lints clean.

The scripts' `&{name}` variables are filled by sqlfluff's placeholder templater from
snowflake_sql/.sqlfluff; the templater is named on the command line because the repo-root
config selects the dbt templater for the dbt project.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from territory.deploy import snowflake_setup

ROOT = Path(__file__).resolve().parents[2]
SQLFLUFF = Path(sys.executable).parent / "sqlfluff"


def test_setup_scripts_parse_and_lint_clean() -> None:
    result = subprocess.run(
        [str(SQLFLUFF), "lint", "snowflake_sql", "--templater", "placeholder"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "unparsable" not in result.stdout.lower(), result.stdout
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_lint_config_declares_every_script_variable() -> None:
    config = (ROOT / "snowflake_sql" / ".sqlfluff").read_text()
    declared = set(re.findall(r"^(\w+) = ", config, re.MULTILINE)) - {
        "dialect",
        "templater",
        "max_line_length",
        "exclude_rules",
        "param_style",
    }
    used = {
        name
        for path in snowflake_setup.discover()
        for name in snowflake_setup.PLACEHOLDER.findall(path.read_text())
    }
    assert used == declared == set(snowflake_setup.VARIABLES)
