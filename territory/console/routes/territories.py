"""Territories: every territory on the newest night with its staffing, and a chart."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import charts, queries
from territory.console.web import ConsoleDep, one_of, url

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
