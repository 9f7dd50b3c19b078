"""Conflicts: rpt_assignment_conflicts by severity and type."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import queries
from territory.console.web import ConsoleDep, one_of

router = APIRouter()


@router.get("/conflicts", response_class=HTMLResponse, include_in_schema=False)
def conflicts_page(
    console: ConsoleDep,
    request: Request,
    severity: str | None = None,
    type: str | None = None,
    date: str | None = None,
) -> Response:
    nights = console.newest_only(date, "Conflicts")
    level, kind = _filters(severity, type)
    return console.page(
        request,
        "conflicts",
        nights=nights,
        newest_only=True,
        rows=queries.conflicts(console.reader, level, kind),
        counts=queries.conflict_counts(console.reader),
        severity=level or "",
        conflict_type=kind or "",
    )


def _filters(severity: str | None, kind: str | None) -> tuple[str | None, str | None]:
    return (
        one_of(severity, queries.SEVERITIES, "severity"),
        one_of(kind, queries.CONFLICT_TYPES, "conflict type"),
    )


@router.get("/api/conflicts", tags=["conflicts"], summary="Assignment conflicts by severity")
def api_conflicts(
    console: ConsoleDep,
    severity: str | None = Query(None, description="ERROR, WARNING or INFO"),
    type: str | None = Query(None, description="a conflict type"),
    date: str | None = Query(None, description="run date YYYY-MM-DD: the newest night only"),
) -> JSONResponse:
    nights = console.newest_only(date, "Conflicts")
    level, kind = _filters(severity, type)
    return console.api(
        queries.conflicts(console.reader, level, kind),
        nights,
        counts=queries.conflict_counts(console.reader),
    )
