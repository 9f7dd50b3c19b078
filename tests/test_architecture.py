"""The package's shape, checked: import contracts (import-linter, configured in
pyproject.toml), the one writer of the process environment, and the generated contract table."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loaders import contract
from territory.core.project import CHECKOUT_DIR, dbt_project_dir

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_import_contracts_hold() -> None:
    result = lint_imports(CHECKOUT_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "contract_name"),
    [
        ("loaders/lake.py", "import territory.nightly.replay", "Layers point down"),
        ("loaders/inbox.py", "import territory.core.project", "The loaders (the thin Polars"),
        ("territory/core/errors.py", "import territory.cli", "Layers point down"),
        ("territory/nightly/runner.py", "import territory.synthetic", "synthetic generator"),
        ("territory/console/app.py", "import territory.slim_ci", "The console reads marts"),
        ("territory/nightly/dbt.py", "import territory.orchestration.watcher", "Airflow-side"),
    ],
    ids=[
        "loaders-import-the-runner",
        "loaders-import-territory",
        "core-imports-the-cli",
        "runner-imports-generator",
        "console-imports-slim-ci",
        "nightly-imports-airflow-code",
    ],
)
def test_an_upward_import_breaks_a_contract(
    module: str, statement: str, contract_name: str, tmp_path: Path
) -> None:
    """The contracts catch a real violation, not only pass on today's tree."""
    for package in ("territory", "loaders"):
        shutil.copytree(
            CHECKOUT_DIR / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "_bundled"),
        )
    shutil.copy(CHECKOUT_DIR / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / module
    path.write_text(path.read_text() + f"\n{statement}  # an upward import\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    broken = [
        line for line in result.stdout.splitlines() if "BROKEN" in line or contract_name in line
    ]
    assert any(contract_name in line for line in broken), result.stdout


def _environment_writes(path: Path) -> list[str]:
    """`os.environ[...] = ...`, `del os.environ[...]` and os.environ's mutating methods."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Subscript) and ast.unparse(target.value) == "os.environ":
                found.append(f"{path}:{node.lineno}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func.value) == "os.environ"
            and node.func.attr in {"update", "setdefault", "pop", "clear", "popitem"}
        ):
            found.append(f"{path}:{node.lineno}")
    return found


def test_only_the_child_environment_writes_the_process_environment() -> None:
    writers = [
        write
        for folder in ("territory", "loaders", "benchmarks")
        for path in sorted((CHECKOUT_DIR / folder).rglob("*.py"))
        for write in _environment_writes(path)
    ]
    assert writers, "the one writer should be found"
    assert {write.rsplit(":", 1)[0] for write in writers} == {
        str(CHECKOUT_DIR / "territory" / "config.py")
    }, writers


def test_the_generated_contract_files_match_the_registry() -> None:
    assert contract.stale(dbt_project_dir(), CHECKOUT_DIR / "README.md") == []


def test_the_contract_check_notices_a_drifted_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    text = (CHECKOUT_DIR / "README.md").read_text()
    readme.write_text(
        text.replace(
            "| `clients.csv` | daily | `client_id` | string | yes |",
            "| `clients.csv` | daily | `client_id` | integer | yes |",
        )
    )
    assert contract.stale(dbt_project_dir(), readme) == [str(readme)]
    contract.write(tmp_path / "dbt", readme)
    assert readme.read_text() == text


def test_cosmos_internals_stay_in_one_module_and_dags_hold_no_class_swap() -> None:
    """Cosmos' private modules and names are used in territory/orchestration/watcher.py only
    (pinned by cosmos_version.py); a DAG file never reassigns a task's class."""
    private = re.compile(
        r"^\s*from cosmos[\w.]*\._\w+|^\s*from cosmos[\w.]* import .*\b_[A-Za-z]", re.M
    )
    users = sorted(
        str(path.relative_to(CHECKOUT_DIR))
        for folder in ("territory", "loaders", "dags", "benchmarks")
        for path in (CHECKOUT_DIR / folder).rglob("*.py")
        if private.search(path.read_text())
    )
    assert users == ["territory/orchestration/watcher.py"]
    swaps = [
        str(path.relative_to(CHECKOUT_DIR))
        for path in (CHECKOUT_DIR / "dags").rglob("*.py")
        if "__class__ =" in path.read_text()
    ]
    assert swaps == []
    assert sorted(path.name for path in (CHECKOUT_DIR / "dags").glob("*.py")) == [
        "territory_common.py",
        "territory_ingest.py",
        "territory_load.py",
        "territory_transform.py",
    ]


def _files_matching(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return sorted(
        str(path.relative_to(CHECKOUT_DIR))
        for folder in ("territory", "loaders", "dags", "benchmarks")
        for path in (CHECKOUT_DIR / folder).rglob("*.py")
        if found.search(path.read_text())
    )


def test_one_snowflake_connection_builder() -> None:
    """The loaders, the console, Slim CI and the account setup open Snowflake connections
    through loaders.warehouse.snowflake.connect only."""
    assert _files_matching(r"connector\.connect\((?!\))") == ["loaders/warehouse/snowflake.py"]


def test_one_reader_of_the_inbox_folder_names() -> None:
    """A night's folder name is read as a date in loaders/inbox.py only (`night_of`)."""
    assert _files_matching(r"fromisoformat\([\w.]*name\)") == ["loaders/inbox.py"]
