"""Changes: the change log of a night and the counts per night."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import charts, queries
from territory.console.web import ConsoleDep, one_of, parse_date

router = APIRouter()


@router.get("/changes", response_class=HTMLResponse, include_in_schema=False)
def changes_page(
    console: ConsoleDep,
    request: Request,
    date: str | None = None,
    territory: str | None = None,
    type: str | None = None,
) -> Response:
    nights = console.ready()
    counts = queries.change_counts(console.reader)
    changed_nights = [row["run_date"] for row in counts] or nights.built
    night = parse_date(date, sorted(set(changed_nights) | set(nights.built)))
    kind = one_of(type, queries.CHANGE_TYPES, "change type")
    rows = queries.changes(console.reader, night, territory or None, kind)
    chart = charts.stacked_counts(
        [row["run_date"].isoformat() for row in counts],
        {kind_: [row.get(kind_, 0) for row in counts] for kind_ in queries.CHANGE_TYPES},
        "Changes per night",
    )
    return console.page(
        request,
        "changes",
        nights=nights,
        night=night,
        counts=counts,
        rows=rows,
        chart=chart,
        territory=territory or "",
        kind=kind or "",
    )


@router.get(
    "/api/changes",
    tags=["changes"],
    summary="The change log of a night (default: the newest), with counts per night",
)
def api_changes(
    console: ConsoleDep,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
    territory: str | None = None,
    type: str | None = Query(None, description="NEW, CHANGED, REMOVED, MERGED or SPLIT"),
) -> JSONResponse:
    nights, night = console.night(date)
    kind = one_of(type, queries.CHANGE_TYPES, "change type")
    return console.api(
        queries.changes(console.reader, night, territory, kind),
        nights,
        night,
        run_date=night,
        counts_per_night=queries.change_counts(console.reader),
    )
