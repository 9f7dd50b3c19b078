"""Hierarchy explorer: a client's corporate family and why each member sits where it does."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from territory.console import queries
from territory.console.web import ConsoleDep, ErrorOut

router = APIRouter()


@router.get("/hierarchy", response_class=HTMLResponse, include_in_schema=False)
def hierarchy_page(
    console: ConsoleDep, request: Request, client: str | None = None, date: str | None = None
) -> Response:
    tree = None
    if client and client.strip():
        nights = console.newest_only(date, "Corporate trees")
        night = nights.newest
        master = queries.resolve_master(console.reader, client)
        if master is None:
            raise HTTPException(404, f"No CRM record or master client {client.strip()!r}.")
        tree = queries.hierarchy(console.reader, master)
    else:
        nights, night = console.night(date)
    return console.page(
        request,
        "hierarchy",
        nights=nights,
        night=night,
        newest_only=tree is not None,
        client=client or "",
        tree=tree,
        families=queries.families(console.reader, night) if tree is None else [],
    )


@router.get(
    "/api/hierarchy/{crm_client_id}",
    tags=["clients"],
    summary="The client's ultimate parent and the tree below it, with territories",
    responses={404: {"model": ErrorOut}},
)
def api_hierarchy(
    console: ConsoleDep,
    crm_client_id: str,
    date: str | None = Query(None, description="run date YYYY-MM-DD: the newest night only"),
) -> JSONResponse:
    nights = console.newest_only(date, "Corporate trees")
    master = queries.resolve_master(console.reader, crm_client_id)
    if master is None:
        raise HTTPException(404, f"No CRM record or master client {crm_client_id!r}.")
    return console.api(queries.hierarchy(console.reader, master), nights)
