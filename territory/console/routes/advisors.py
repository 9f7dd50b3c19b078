"""Advisor workload: each advisor's book against capacity, and the staffing gaps."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import queries
from territory.console.web import Console, ConsoleDep, one_of

router = APIRouter()
ADVISOR_STATUSES = ("full", "inactive")


@router.get("/advisors", response_class=HTMLResponse, include_in_schema=False)
def advisors_page(
    console: ConsoleDep,
    request: Request,
    date: str | None = None,
    territory: str | None = None,
    status: str | None = None,
) -> Response:
    nights, night = console.night(date)
    territory = _territory(console, territory)
    status = one_of(status, ADVISOR_STATUSES, "status")
    rows = queries.advisors(console.reader, night, territory)
    if status == "full":
        rows = [row for row in rows if row["is_full"]]
    elif status == "inactive":
        rows = [row for row in rows if not row["is_active"]]
    rows.sort(key=lambda row: (-(row["load"] or 0), row["advisor_email"]))
    return console.page(
        request,
        "advisors",
        nights=nights,
        night=night,
        rows=rows,
        gaps=queries.staffing_gaps(console.reader, night),
        territory=territory or "",
        status_filter=status or "",
    )


def _territory(console: Console, territory: str | None) -> str | None:
    return one_of(territory, queries.territory_ids(console.reader), "territory")


@router.get("/api/advisors", tags=["advisors"], summary="Advisors' load against capacity")
def api_advisors(
    console: ConsoleDep,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
    territory: str | None = None,
) -> JSONResponse:
    nights, night = console.night(date)
    return console.api(
        queries.advisors(console.reader, night, _territory(console, territory)),
        nights,
        night,
        staffing_gaps=queries.staffing_gaps(console.reader, night),
    )
