"""Clients: search by name or CRM id, a client's golden record, records, evidence and history."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from territory.console import queries
from territory.console.web import Console, ConsoleDep, ErrorOut, url

router = APIRouter()


def _search(
    console: Console, night: Date, q: str, page: int, sort: str, size: int
) -> queries.Paged:
    try:
        return queries.search_clients(console.reader, q, night, page, sort, size)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None


@router.get("/clients", response_class=HTMLResponse, include_in_schema=False)
def clients_page(
    console: ConsoleDep,
    request: Request,
    q: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    sort: str = queries.DEFAULT_SEARCH_SORT,
    date: str | None = None,
) -> Response:
    nights, night = console.night(date)
    results = None
    if q and q.strip():
        master = queries.resolve_master(console.reader, q)
        if master is not None:
            return RedirectResponse(
                url(f"/clients/{master}", searched=q.strip(), date=date), status_code=303
            )
        results = _search(console, night, q, page, sort, queries.PAGE_SIZE)
    return console.page(request, "clients", nights=nights, night=night, q=q or "", results=results)


@router.get("/clients/{crm_client_id}", response_class=HTMLResponse, include_in_schema=False)
def client_page(
    console: ConsoleDep,
    request: Request,
    crm_client_id: str,
    searched: str | None = None,
    date: str | None = None,
) -> Response:
    nights, night = console.night(date)
    master = queries.resolve_master(console.reader, crm_client_id)
    if master is None:
        raise HTTPException(404, f"No CRM record or master client {crm_client_id!r}.")
    if master != crm_client_id:
        return RedirectResponse(
            url(f"/clients/{master}", searched=crm_client_id, date=date), status_code=303
        )
    detail = queries.client(console.reader, master, night)
    if detail is None:
        raise HTTPException(404, f"Master client {master!r} has no golden record.")
    return console.page(
        request,
        "client",
        nights=nights,
        night=night,
        searched=searched,
        journal=console.journal,
        **detail,
    )


@router.get(
    "/api/clients",
    tags=["clients"],
    summary="Search masters by name words (any order, each a word's start), city or CRM id",
    description="Paged: `total` is every match, `page` of `pages` holds `per_page`. `sort`: "
    + ", ".join(sorted(queries.SEARCH_SORTS))
    + " (prefix `-` for descending).",
)
def api_search(
    console: ConsoleDep,
    q: Annotated[str, Query(min_length=1)],
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = queries.PAGE_SIZE,
    sort: str = queries.DEFAULT_SEARCH_SORT,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
) -> JSONResponse:
    nights, night = console.night(date)
    found = _search(console, night, q, page, sort, per_page)
    return console.api_page(
        found,
        nights,
        night,
    )


@router.get(
    "/api/clients/{crm_client_id}",
    tags=["clients"],
    summary="A client by any of its CRM ids: golden record, records, evidence, history",
    responses={404: {"model": ErrorOut, "description": "No such CRM record"}},
)
def api_client(
    console: ConsoleDep,
    crm_client_id: str,
    date: str | None = Query(None, description="run date YYYY-MM-DD"),
) -> JSONResponse:
    nights, night = console.night(date)
    master = queries.resolve_master(console.reader, crm_client_id)
    if master is None:
        raise HTTPException(404, f"No CRM record or master client {crm_client_id!r}.")
    detail = queries.client(console.reader, master, night)
    return console.api(detail, nights, night, requested_id=crm_client_id, master_client_id=master)
