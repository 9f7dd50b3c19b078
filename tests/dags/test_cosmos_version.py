"""Territory's Airflow code accepts only the Cosmos releases its use of Cosmos internals was
checked against, and says so clearly on any other."""

from __future__ import annotations

import pytest

from territory.orchestration.cosmos_version import (
    SUPPORTED,
    UnsupportedCosmos,
    require_supported_cosmos,
)


def test_the_installed_cosmos_is_supported() -> None:
    require_supported_cosmos()


@pytest.mark.parametrize("version", ["1.16.0", "1.14.1", "2.0.0"])
def test_another_cosmos_release_fails_with_what_to_do(version: str) -> None:
    with pytest.raises(UnsupportedCosmos) as refused:
        require_supported_cosmos(version)
    message = str(refused.value)
    assert f"astronomer-cosmos {version} is not supported" in message
    assert f"astronomer-cosmos{SUPPORTED}" in message


def test_the_package_pins_the_supported_range() -> None:
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    pins = [
        Requirement(line)
        for line in requires("territory") or []
        if line.startswith("astronomer-cosmos")
    ]
    assert pins and all(pin.specifier == SUPPORTED for pin in pins), pins
