"""Advisor workload: each advisor's book against capacity, and the staffing gaps."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import queries
from territory.console.web import Console, ConsoleDep, client_book, csv_download, one_of

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


def _known_advisor(console: Console, advisor_email: str) -> str:
    """The advisor as the rosters spell it (emails are lower-cased); 404 when on none."""
    email = advisor_email.strip().lower()
    if email not in queries.advisor_emails(console.reader):
        raise HTTPException(404, f"No advisor {advisor_email!r} on any roster: see /advisors.")
    return email


def _advisor_detail(
    console: Console, advisor_email: str, date: str | None, page: int, sort: str, size: int
) -> dict[str, Any]:
    nights, night = console.night(date)
    email = _known_advisor(console, advisor_email)
    clients = client_book(console, night, advisor=email, page=page, sort=sort, size=size)
    every = client_book(console, night, advisor=email, size=None).rows
    tiers: dict[str, dict[str, Any]] = {}
    for row in every:
        mix = tiers.setdefault(
            row["tier"] or "–", {"tier": row["tier"], "clients": 0, "aum_usd": 0}
        )
        mix["clients"] += 1
        mix["aum_usd"] += row["aum_usd"] or 0
    return {
        "nights": nights,
        "night": night,
        "advisor_email": email,
        "roster": queries.advisors(console.reader, night, advisor=email),
        "clients": clients,
        "book_aum_usd": sum(row["aum_usd"] or 0 for row in every),
        "tier_mix": sorted(tiers.values(), key=lambda mix: -mix["aum_usd"]),
        "trend": queries.advisor_trend(console.reader, email),
    }


@router.get("/advisors/{advisor_email}", response_class=HTMLResponse, include_in_schema=False)
def advisor_page(
    console: ConsoleDep,
    request: Request,
    advisor_email: str,
    date: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    sort: str = queries.DEFAULT_BOOK_SORT,
) -> Response:
    detail = _advisor_detail(console, advisor_email, date, page, sort, queries.PAGE_SIZE)
    return console.page(request, "advisor", active="advisors", **detail)


@router.get(
    "/api/advisors/{advisor_email}",
    tags=["advisors"],
    summary="An advisor on a night: roster lines, the book (paged), tier mix, capacity trend",
)
def api_advisor(
    console: ConsoleDep,
    advisor_email: str,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = queries.PAGE_SIZE,
    sort: str = queries.DEFAULT_BOOK_SORT,
) -> JSONResponse:
    detail = _advisor_detail(console, advisor_email, date, page, sort, per_page)
    nights, night, clients = detail.pop("nights"), detail.pop("night"), detail.pop("clients")
    return console.api_page(
        clients,
        nights,
        night,
        **detail,
    )


@router.get(
    "/advisors/{advisor_email}/book.csv",
    tags=["advisors"],
    summary="Every client of an advisor's book on a night, as CSV",
)
def advisor_csv(
    console: ConsoleDep,
    advisor_email: str,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
    sort: str = queries.DEFAULT_BOOK_SORT,
) -> Response:
    _, night = console.night(date)
    email = _known_advisor(console, advisor_email)
    every = client_book(console, night, advisor=email, sort=sort, size=None)
    return csv_download(every.rows, f"{email}-{night}.csv")
