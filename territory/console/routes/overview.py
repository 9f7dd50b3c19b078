"""Overview: a night's headline figures beside the night before, and what needs attention."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import queries
from territory.console.web import Console, ConsoleDep

router = APIRouter()


def _overview(console: Console, date: str | None) -> dict:
    nights, night = console.night(date)
    previous = nights.built[nights.built.index(night) - 1] if night != nights.built[0] else None
    figures = queries.headlines(console.reader, [day for day in (night, previous) if day])
    changes = next(
        (row for row in queries.change_counts(console.reader) if row["run_date"] == night), {}
    )
    is_newest = night == nights.newest
    errors = [row for row in queries.conflict_counts(console.reader) if row["severity"] == "ERROR"]
    return {
        "nights": nights,
        "night": night,
        "previous_night": previous,
        "headlines": [
            {
                "figure": key,
                "label": label,
                "night": figures.get(night, {}).get(key),
                "previous": figures.get(previous, {}).get(key) if previous else None,
            }
            for key, label in queries.HEADLINES
        ],
        "changes": {kind: changes.get(kind, 0) for kind in queries.CHANGE_TYPES},
        # UNASSIGNED is never staffed: it has its own line
        "staffing_gaps": [
            gap
            for gap in queries.staffing_gaps(console.reader, night)
            if gap["territory_id"] != "UNASSIGNED"
        ],
        "stale_exports": queries.stale_exports(console.reader, night),
        # conflicts and the review queue are kept for the newest night only
        "error_conflicts": errors if is_newest else None,
        "review_queue": queries.review_queue(console.reader, size=1).total if is_newest else None,
    }


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview_page(console: ConsoleDep, request: Request, date: str | None = None) -> Response:
    return console.page(request, "overview", **_overview(console, date))


@router.get("/api/overview", tags=["overview"], summary="A night's headline figures and alerts")
def api_overview(
    console: ConsoleDep, date: str | None = Query(None, description="run date YYYY-MM-DD")
) -> JSONResponse:
    answer = _overview(console, date)
    nights, night = answer.pop("nights"), answer.pop("night")
    return console.api(answer, nights, night)
