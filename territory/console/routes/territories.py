"""Territories: every territory on the newest night with its staffing, and a chart."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import charts, queries
from territory.console.web import ConsoleDep, url

router = APIRouter()


@router.get("/territories", response_class=HTMLResponse, include_in_schema=False)
def territories_page(
    console: ConsoleDep,
    request: Request,
    region: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
) -> Response:
    nights = console.ready()
    rows = queries.territories(console.reader, nights.newest, region or None, segment or None, tier)
    shown = [row for row in rows if row["clients"]][:20]
    chart = charts.paired_bars(
        [row["territory_id"] for row in shown],
        [row["clients"] for row in shown],
        [float(row["aum_usd"] or 0) for row in shown],
        "clients",
        "AUM (USD)",
        f"Clients and AUM by territory on {nights.newest}",
        links=[url("/advisors", territory=row["territory_id"]) for row in shown],
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
        rows=rows,
        chart=chart,
        totals=totals,
        filters=queries.territory_filters(console.reader),
        selected={"region": region, "segment": segment, "tier": tier},
    )


@router.get("/api/territories", tags=["territories"], summary="Territories on the newest night")
def api_territories(
    console: ConsoleDep,
    region: str | None = None,
    segment: str | None = None,
    tier: str | None = None,
) -> JSONResponse:
    nights = console.ready()
    return console.api(
        queries.territories(console.reader, nights.newest, region, segment, tier), nights
    )
