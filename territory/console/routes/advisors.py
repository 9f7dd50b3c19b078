"""Advisor workload: each advisor's book against capacity, and the staffing gaps."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import queries
from territory.console.web import ConsoleDep

router = APIRouter()


@router.get("/advisors", response_class=HTMLResponse, include_in_schema=False)
def advisors_page(
    console: ConsoleDep,
    request: Request,
    territory: str | None = None,
    status: str | None = None,
) -> Response:
    nights = console.ready()
    rows = queries.advisors(console.reader, nights.newest, territory or None)
    if status == "full":
        rows = [row for row in rows if row["is_full"]]
    elif status == "inactive":
        rows = [row for row in rows if not row["is_active"]]
    rows.sort(key=lambda row: (-(row["load"] or 0), row["advisor_email"]))
    return console.page(
        request,
        "advisors",
        nights=nights,
        rows=rows,
        gaps=queries.staffing_gaps(console.reader, nights.newest),
        territory=territory or "",
        status_filter=status or "",
    )


@router.get("/api/advisors", tags=["advisors"], summary="Advisors' load against capacity")
def api_advisors(console: ConsoleDep, territory: str | None = None) -> JSONResponse:
    nights = console.ready()
    return console.api(
        queries.advisors(console.reader, nights.newest, territory),
        nights,
        staffing_gaps=queries.staffing_gaps(console.reader, nights.newest),
    )
