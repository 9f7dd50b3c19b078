"""The duplicate review queue and the steward's decisions (journalled, applied the next night)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from territory.console import queries
from territory.console.decisions import DecisionError
from territory.console.security import API_TOKEN_HEADER
from territory.console.web import Console, ConsoleDep, DecisionIn, ErrorOut

router = APIRouter()


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(
    console: ConsoleDep,
    request: Request,
    show: str | None = None,
    decided: str | None = None,
) -> Response:
    nights = console.ready()
    queue = _queue(console, nights, include_same_master=show == "all")
    return console.page(
        request,
        "review",
        nights=nights,
        queue=queue,
        show=show or "",
        decided=decided,
        journal=console.journal,
        history=sorted(
            console.journal.read() if console.journal else [],
            key=lambda d: d.decided_at,
            reverse=True,
        ),
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
    target = back if back.startswith("/") and not back.startswith("//") else "/review"
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}decided={entry.decision_id}", 303)


def _queue(
    console: Console, nights: queries.Nights, include_same_master: bool
) -> list[dict[str, Any]]:
    standing = console.journal.standing() if console.journal else {}
    rows = queries.review_queue(console.reader, include_same_master)
    for row in rows:
        row["decision"] = standing.get((row["client_id_a"], row["client_id_b"]))
    return rows


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
def api_review_queue(console: ConsoleDep, include_same_master: bool = False) -> JSONResponse:
    nights = console.ready()
    rows = _queue(console, nights, include_same_master)
    for row in rows:
        row["decision"] = row["decision"].__dict__ if row["decision"] else None
    return console.api(rows, nights, next_night=nights.next_night)


@router.get("/api/decisions", tags=["review"], summary="The steward's journal, oldest first")
def api_decisions(console: ConsoleDep) -> JSONResponse:
    entries = console.journal.read() if console.journal else []
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
