"""The one error family: the CLI reports any `TerritoryError` as one FAILED line. Its root is
defined with the loaders (`loaders/errors.py`), which import nothing of `territory`."""

from __future__ import annotations

from loaders.errors import InputError, TerritoryError

__all__ = ["ConfigError", "InputError", "TerritoryError"]


class ConfigError(TerritoryError, ValueError):
    """An option, environment variable or project file is missing or invalid."""
