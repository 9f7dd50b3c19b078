"""The repo stays lint-clean and its generated artifacts stay in sync with the registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# sqlfluff's dbt templater compiles the dbt project (dbt runs): slow.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_check_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlfluff_lints_the_dbt_project_clean() -> None:
    result = _run(str(BIN / "sqlfluff"), "lint", "dbt_territory", "--processes", "2")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "unparsable" not in result.stdout.lower()
