"""The one error family: the CLI reports any `TerritoryError` as one FAILED line."""

from __future__ import annotations


class TerritoryError(Exception):
    """A failure with a message for the user (never a traceback unless `-v`)."""


class ConfigError(TerritoryError, ValueError):
    """An option, environment variable or project file is missing or invalid."""


class InputError(TerritoryError, ValueError):
    """The inbox is not laid out as the contract says (a stray folder, no nights)."""
