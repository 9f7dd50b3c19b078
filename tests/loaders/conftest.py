"""Fixtures of the loader tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from loader_inbox import write_inbox


@pytest.fixture
def tiny_inbox(tmp_path: Path) -> Path:
    return write_inbox(tmp_path / "inbox")
