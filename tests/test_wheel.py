"""The built wheel ships what runs: installed into a fresh venv, `territory run` builds a night
from outside the checkout, with the dbt project and Snowflake scripts from the package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import duckdb
import pytest

from territory.core.project import CHECKOUT_DIR

pytestmark = pytest.mark.slow


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the built wheel; the third-party libraries come from this
    environment's site-packages through a plain path entry (no editable finder, no checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", work / "dist", CHECKOUT_DIR, cwd=work,
    )  # fmt: skip
    (wheel,) = (work / "dist").glob("territory-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "territory/_bundled/dbt_territory/dbt_project.yml" in names
    assert "territory/_bundled/snowflake_sql/00_roles.sql" in names
    assert not [name for name in names if "/target/" in name or name.endswith(".duckdb")]
    assert any(name.endswith("licenses/LICENSE") for name in names)

    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    _run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install",
        "--quiet", "--no-deps", wheel, cwd=work,
    )  # fmt: skip
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(_run(venv / "bin" / "python", "-c", purelib, cwd=work).strip())
    (site / "_libraries.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def test_the_installed_package_runs_a_night_outside_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TERRITORY_", "DBT_", "PYTHON"))
    }
    env["TERRITORY_HOME"] = str(tmp_path / "home")
    where = _run(
        installed / "bin" / "python",
        "-c",
        "import territory, territory.core.project as p; "
        "print(territory.__file__); print(p.dbt_project_dir()); print(p.snowflake_scripts_dir())",
        cwd=tmp_path,
        env=env,
    ).split()
    assert all(str(installed) in path for path in where), where
    territory = installed / "bin" / "territory"
    _run(territory, "generate", "--out", "inbox", "--clients", "300", "--days", "1",
         "--seed", "5", cwd=tmp_path, env=env)  # fmt: skip
    _run(territory, "run", "--inbox", "inbox", "--all", cwd=tmp_path, env=env)
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as db:
        (assigned,) = db.execute("select count(*) from analytics.fct_client_assignment").fetchone()
    assert assigned > 0
    dry_run = _run(territory, "snowflake-setup", "--dry-run", "--only", "00_roles.sql",
                   cwd=tmp_path, env=env)  # fmt: skip
    assert "create role if not exists" in dry_run.lower()
