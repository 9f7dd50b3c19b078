"""Conflicts: rpt_assignment_conflicts by severity and type."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import queries
from territory.console.web import ConsoleDep

router = APIRouter()


@router.get("/conflicts", response_class=HTMLResponse, include_in_schema=False)
def conflicts_page(
    console: ConsoleDep,
    request: Request,
    severity: str | None = None,
    type: str | None = None,
) -> Response:
    nights = console.ready()
    level = (severity or "").upper() or None
    return console.page(
        request,
        "conflicts",
        nights=nights,
        rows=queries.conflicts(console.reader, level, type or None),
        counts=queries.conflict_counts(console.reader),
        severity=level or "",
        conflict_type=type or "",
    )


@router.get("/api/conflicts", tags=["conflicts"], summary="Assignment conflicts by severity")
def api_conflicts(
    console: ConsoleDep, severity: str | None = None, type: str | None = None
) -> JSONResponse:
    nights = console.ready()
    return console.api(
        queries.conflicts(console.reader, severity.upper() if severity else None, type),
        nights,
        counts=queries.conflict_counts(console.reader),
    )
