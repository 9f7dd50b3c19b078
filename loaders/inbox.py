"""The inbox's layout: one `YYYY-MM-DD/` folder per night, plus folders that are not nights."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from loaders.errors import InputError
from loaders.sources import STEWARD_FOLDER

# Inbox folders that are not nights: the generator's ground truth, the steward's decisions.
NON_NIGHT_FOLDERS = frozenset({"truth", STEWARD_FOLDER})


def night_of(folder_name: str) -> date | None:
    """The night an inbox folder is named after (exactly YYYY-MM-DD), else None: the one reader
    of the inbox's date names."""
    if len(folder_name) != 10:
        return None
    try:
        return date.fromisoformat(folder_name)
    except ValueError:
        return None


def inbox_dates(inbox: Path) -> list[date]:
    """The inbox's nights, oldest first. A folder not named YYYY-MM-DD (e.g. `20260105`) is
    an error: read as a date it would run nights out of order."""
    folders = sorted(Path(inbox).iterdir()) if Path(inbox).is_dir() else []
    dates, strays = [], []
    for folder in folders:
        if not folder.is_dir() or folder.name.startswith(".") or folder.name in NON_NIGHT_FOLDERS:
            continue
        night = night_of(folder.name)
        if night is None:
            strays.append(folder.name)
        else:
            dates.append(night)
    if strays:
        raise InputError(
            f"{inbox}: folder(s) not named YYYY-MM-DD: {', '.join(strays)} "
            "(rename them to their run date or move them out of the inbox)"
        )
    if not dates:
        raise InputError(f"no YYYY-MM-DD folders in {inbox}")
    return dates
