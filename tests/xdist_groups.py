"""`--dist loadgroup` on pytest 9.2: keep the tests of one `xdist_group` on one worker.

pytest-xdist 3.8 tags a grouped test by rewriting `item._nodeid`, which pytest 9.2's structured
node ids no longer read, so every group is silently spread over the workers
(pytest-dev/pytest-xdist#1386, fix proposed in #1388). This applies the same tag to the node id
pytest 9.2 uses, and stands aside once xdist's own tag takes effect."""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):
        return  # not an xdist worker of a `--dist loadgroup` run
    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(groups))}")  # type: ignore[attr-defined]
