"""The project's one error family, at its bottom layer (the loaders import nothing of
`territory`): the CLI reports any `TerritoryError` as one FAILED line."""

from __future__ import annotations


class TerritoryError(Exception):
    """A failure with a message for the user (never a traceback unless `-v`)."""


class InputError(TerritoryError, ValueError):
    """The inbox is not laid out as the contract says (a stray folder, no nights)."""
