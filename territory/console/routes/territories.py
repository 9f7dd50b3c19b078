"""Territories: every territory on the newest night with its staffing, and a chart."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import charts, queries
from territory.console.web import Console, ConsoleDep, client_book, csv_download, one_of, url

router = APIRouter()


@router.get("/territories", response_class=HTMLResponse, include_in_schema=False)
def territories_page(
    console: ConsoleDep,
    request: Request,
    date: str | None = None,
    region: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
) -> Response:
    nights, night = console.night(date)
    filters = queries.territory_filters(console.reader)
    region, segment, tier = _filters(filters, region, segment, tier)
    rows = queries.territories(console.reader, night, region, segment, tier)
    shown = [row for row in rows if row["clients"]][:20]
    chart = charts.paired_bars(
        [row["territory_id"] for row in shown],
        [row["clients"] for row in shown],
        [float(row["aum_usd"] or 0) for row in shown],
        "clients",
        "AUM (USD)",
        f"Clients and AUM by territory on {night}",
        links=[url("/advisors", territory=row["territory_id"], date=date) for row in shown],
    )
    totals = {
        "clients": sum(row["clients"] for row in rows),
        "aum_usd": sum(Decimal(row["aum_usd"] or 0) for row in rows),
        "territories": len(rows),
        "without_advisor": sum(row["clients_without_advisor"] for row in rows),
    }
    return console.page(
        request,
        "territories",
        nights=nights,
        night=night,
        rows=rows,
        chart=chart,
        totals=totals,
        filters=filters,
        selected={"region": region, "segment": segment, "tier": tier},
    )


def _filters(
    filters: dict[str, list[str]], region: str | None, segment: str | None, tier: str | None
) -> tuple[str | None, str | None, str | None]:
    return (
        one_of(region, filters["region"], "region"),
        one_of(segment, filters["segment"], "segment"),
        one_of(tier, filters["tier"], "tier"),
    )


@router.get(
    "/api/territories", tags=["territories"], summary="Territories on a night (default: newest)"
)
def api_territories(
    console: ConsoleDep,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
    region: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
) -> JSONResponse:
    nights, night = console.night(date)
    region, segment, tier = _filters(
        queries.territory_filters(console.reader), region, segment, tier
    )
    return console.api(
        queries.territories(console.reader, night, region, segment, tier), nights, night
    )


def _known_territory(console: Console, territory_id: str) -> str:
    """The territory as the warehouse spells it (any case); 404 when there is none."""
    spelled = {known.casefold(): known for known in queries.territory_ids(console.reader)}
    found = spelled.get(territory_id.strip().casefold())
    if found is None:
        raise HTTPException(404, f"No territory {territory_id!r}: see /territories.")
    return found


def _territory_detail(
    console: Console, territory_id: str, date: str | None, page: int, sort: str, size: int
) -> dict[str, Any]:
    nights, night = console.night(date)
    found = _known_territory(console, territory_id)
    listed = queries.territories(console.reader, night)
    row = next((row for row in listed if row["territory_id"] == found), None)
    clients = client_book(console, night, territory=found, page=page, sort=sort, size=size)
    changes = queries.changes(console.reader, night, found)
    return {
        "nights": nights,
        "night": night,
        "territory": row,
        "territory_id": found,
        "advisors": queries.advisors(console.reader, night, found),
        "clients": clients,
        "changes_in": [c for c in changes if c["new_territory_id"] == found],
        "changes_out": [c for c in changes if c["new_territory_id"] != found],
        "trend": queries.territory_trend(console.reader, found),
    }


@router.get("/territories/{territory_id}", response_class=HTMLResponse, include_in_schema=False)
def territory_page(
    console: ConsoleDep,
    request: Request,
    territory_id: str,
    date: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    sort: str = queries.DEFAULT_BOOK_SORT,
) -> Response:
    detail = _territory_detail(console, territory_id, date, page, sort, queries.PAGE_SIZE)
    trend = detail["trend"]
    chart = charts.paired_bars(
        [str(row["run_date"]) for row in trend],
        [row["clients"] for row in trend],
        [float(row["aum_usd"] or 0) for row in trend],
        "clients",
        "AUM (USD)",
        f"Clients and AUM of {detail['territory_id']} night by night",
    )
    return console.page(request, "territory", chart=chart, sort=sort, **detail)


@router.get(
    "/api/territories/{territory_id}",
    tags=["territories"],
    summary="A territory on a night: advisors, clients (paged), changes in and out, trend",
)
def api_territory(
    console: ConsoleDep,
    territory_id: str,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = queries.PAGE_SIZE,
    sort: str = queries.DEFAULT_BOOK_SORT,
) -> JSONResponse:
    detail = _territory_detail(console, territory_id, date, page, sort, per_page)
    nights, night, clients = detail.pop("nights"), detail.pop("night"), detail.pop("clients")
    return console.api_page(
        clients,
        nights,
        night,
        **detail,
    )


@router.get(
    "/territories/{territory_id}/clients.csv",
    tags=["territories"],
    summary="Every client of a territory on a night, as CSV",
)
def territory_csv(
    console: ConsoleDep,
    territory_id: str,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
    sort: str = queries.DEFAULT_BOOK_SORT,
) -> Response:
    _, night = console.night(date)
    found = _known_territory(console, territory_id)
    clients = client_book(console, night, territory=found, sort=sort, size=None)
    return csv_download(clients.rows, f"{found}-{night}.csv")
