"""The astronomer-cosmos releases Territory's Airflow code supports.

`watcher.py` uses Cosmos internals (its `_watcher` modules, the producer's `_StdoutFilter`, the
classes of the tasks it renders), which change without notice between releases. Each release
range here was run under the real scheduler (`tests/dags/test_airflow_scheduler.py`); another
release fails at import with this message instead of half-working.
"""

from __future__ import annotations

from importlib.metadata import version as installed_version

from packaging.specifiers import SpecifierSet
from packaging.version import Version

SUPPORTED = SpecifierSet(">=1.15.1,<1.16")  # = pyproject.toml's astronomer-cosmos range


class UnsupportedCosmos(RuntimeError):
    """The installed astronomer-cosmos is outside `SUPPORTED`."""


def require_supported_cosmos(version: str | None = None) -> None:
    """Raise UnsupportedCosmos unless `version` (default: the installed one) is supported."""
    version = version or installed_version("astronomer-cosmos")
    if Version(version) not in SUPPORTED:
        raise UnsupportedCosmos(
            f"astronomer-cosmos {version} is not supported: territory/orchestration/watcher.py "
            f"relies on Cosmos internals checked against astronomer-cosmos{SUPPORTED}. Install "
            f"a supported release (pip install 'astronomer-cosmos{SUPPORTED}'), or check the "
            "watcher against the new release under the real scheduler and widen the range."
        )
