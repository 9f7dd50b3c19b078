"""The duplicate review queue and the steward's decisions (journalled, applied the next night)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from territory.console import queries
from territory.console.decisions import Decision, DecisionError, standing_decisions
from territory.console.security import API_TOKEN_HEADER
from territory.console.web import Console, ConsoleDep, DecisionIn, ErrorOut, one_of, url

router = APIRouter()
HISTORY_SHOWN = 50  # the newest decisions on the page; /api/decisions has them all


def _filter(
    include_same_master: bool,
    band: str | None,
    country: str | None,
    min_probability: float | None,
    max_probability: float | None,
) -> queries.ReviewFilter:
    try:
        return queries.ReviewFilter(
            include_same_master=include_same_master,
            band=one_of(band, queries.REVIEW_BANDS, "band"),
            country=country or None,
            min_probability=min_probability,
            max_probability=max_probability,
        )
    except ValueError as error:
        raise HTTPException(400, str(error)) from None


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(
    console: ConsoleDep,
    request: Request,
    show: str | None = None,
    band: str | None = None,
    country: str | None = None,
    min_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    sort: str = queries.DEFAULT_REVIEW_SORT,
    decided: str | None = None,
    date: str | None = None,
) -> Response:
    nights = console.newest_only(date, "Duplicate candidates")
    where = _filter(show == "all", band, country, min_probability, max_probability)
    entries = _journal(console)  # read once: the queue's decisions and the history agree
    queue = _queue(console, entries, where, page, sort, queries.PAGE_SIZE)
    history = sorted(entries, key=lambda d: d.decided_at, reverse=True)
    params = {
        "show": show,
        "band": where.band,
        "country": where.country,
        "min_probability": min_probability,
        "max_probability": max_probability,
    }
    return console.page(
        request,
        "review",
        nights=nights,
        newest_only=True,
        queue=queue,
        params=params,
        here=url("/review", page=queue.page, sort=sort, **params),
        countries=queries.review_countries(console.reader),
        bands=queries.REVIEW_BANDS,
        decided=decided,
        journal=console.journal,
        history=history[:HISTORY_SHOWN],
        history_total=len(history),
        applied=queries.applied_decision_ids(console.reader),
    )


@router.post("/review/decisions", include_in_schema=False)
def decide_form(
    console: ConsoleDep,
    request: Request,
    client_id_a: str = Form(...),
    client_id_b: str = Form(...),
    decision: str = Form(...),
    note: str = Form(""),
    back: str = Form("/review"),
    csrf_token: str = Form(""),
) -> RedirectResponse:
    console.guard.check_form(request, csrf_token)
    entry = _record(
        console,
        request,
        DecisionIn(client_id_a=client_id_a, client_id_b=client_id_b, decision=decision, note=note),
    )
    # Back where the steward was: the same page of the same filters, scrolled to the pair.
    target = back if back.startswith("/") and not back.startswith("//") else "/review"
    target = target.split("#", 1)[0]
    separator = "&" if "?" in target else "?"
    anchor = pair_anchor(entry.client_id_a, entry.client_id_b)
    return RedirectResponse(f"{target}{separator}decided={entry.decision_id}#{anchor}", 303)


def pair_anchor(client_id_a: str, client_id_b: str) -> str:
    return "pair-" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{client_id_a}--{client_id_b}")


def _journal(console: Console) -> list[Decision]:
    return console.journal.read() if console.journal else []


def _queue(
    console: Console,
    entries: list[Decision],
    where: queries.ReviewFilter,
    page: int,
    sort: str,
    size: int,
) -> queries.Paged:
    standing = standing_decisions(entries)
    try:
        queue = queries.review_queue(console.reader, where, page, sort, size)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    for row in queue.rows:
        row["decision"] = standing.get((row["client_id_a"], row["client_id_b"]))
        row["anchor"] = pair_anchor(row["client_id_a"], row["client_id_b"])
    return queue


def _record(console: Console, request: Request, body: DecisionIn) -> Any:
    if console.journal is None:
        raise HTTPException(
            409,
            "Decisions are off: start the console with --inbox (or TERRITORY_INBOX) so "
            "they can be written to the steward's journal the next night lands.",
        )
    steward = console.steward(request)
    if steward is None:
        raise HTTPException(
            403,
            "The console is read-only: no steward identity. Start it with --steward NAME "
            "(or TERRITORY_STEWARD), or behind an authenticating proxy with --steward-header.",
        )
    nights = console.ready()
    known = queries.records_of(console.reader, [body.client_id_a.strip(), body.client_id_b.strip()])
    for crm_id in (body.client_id_a.strip(), body.client_id_b.strip()):
        if crm_id not in known:
            raise HTTPException(404, f"No CRM record {crm_id!r} in the newest night.")
    try:
        return console.journal.record(
            body.client_id_a,
            body.client_id_b,
            body.decision,
            decided_by=steward,
            effective_from=nights.next_night,
            note=body.note,
        )
    except DecisionError as error:
        raise HTTPException(400, str(error)) from None


@router.get(
    "/api/review-queue",
    tags=["review"],
    summary="Doubtful duplicate pairs with both records, the evidence and any decision",
)
def api_review_queue(
    console: ConsoleDep,
    include_same_master: bool = False,
    band: Annotated[str | None, Query(description="LOW or VETOED")] = None,
    country: Annotated[str | None, Query(description="Either record's country")] = None,
    min_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = queries.PAGE_SIZE,
    sort: Annotated[str, Query(description="probability or weight; -x descending")] = (
        queries.DEFAULT_REVIEW_SORT
    ),
    date: Annotated[
        str | None, Query(description="run date YYYY-MM-DD: the newest night only")
    ] = None,
) -> JSONResponse:
    nights = console.newest_only(date, "Duplicate candidates")
    where = _filter(include_same_master, band, country, min_probability, max_probability)
    queue = _queue(console, _journal(console), where, page, sort, per_page)
    for row in queue.rows:
        row["decision"] = row["decision"].__dict__ if row["decision"] else None
        del row["anchor"]
    return console.api_page(
        queue,
        nights,
        next_night=nights.next_night,
    )


@router.get("/api/decisions", tags=["review"], summary="The steward's journal, oldest first")
def api_decisions(console: ConsoleDep) -> JSONResponse:
    entries = _journal(console)
    applied = queries.applied_decision_ids(console.reader) if entries else set()
    return console.api(
        [{**entry.__dict__, "is_applied": entry.decision_id in applied} for entry in entries],
        decisions_enabled=console.journal is not None,
    )


@router.post(
    "/api/decisions",
    tags=["review"],
    status_code=201,
    summary="Record a steward decision; the next night's build applies it",
    description=f"Needs the `{API_TOKEN_HEADER}` header: the `TERRITORY_API_TOKEN` the console "
    "was started with (API writes are refused without one), and a steward identity.",
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)
def api_decide(console: ConsoleDep, request: Request, body: DecisionIn) -> JSONResponse:
    console.guard.check_api(request)
    entry = _record(console, request, body)
    return JSONResponse({"data": entry.__dict__}, status_code=201)
