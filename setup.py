"""Copies the dbt project and the Snowflake scripts into the built package
(`territory/_bundled/`), where `territory.core.project` finds them in an installed wheel.
Everything else is declared in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("dbt_territory", "snowflake_sql")  # = territory.core.project.SHIPPED_FOLDERS
# Local state a checkout may hold: never shipped.
LEFT_OUT = shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml", "__pycache__")


class BuildWithProject(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folders
            return
        for name in SHIPPED:
            destination = Path(self.build_lib) / "territory" / "_bundled" / name
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(ROOT / name, destination, ignore=LEFT_OUT)


setup(cmdclass={"build_py": BuildWithProject})
