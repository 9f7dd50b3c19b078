"""The FastAPI app: server-rendered pages, the JSON API under /api/, /health, error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from territory.console import charts, queries
from territory.console.decisions import (
    DECISIONS,
    DecisionError,
    DecisionJournal,
    steward_name,
)
from territory.console.reader import (
    DuckDBSnapshotReader,
    Reader,
    SnowflakeReader,
    WarehouseUnavailable,
)

log = logging.getLogger("territory.console")
HERE = Path(__file__).parent
CHANGE_TYPE_LIST = ", ".join(queries.CHANGE_TYPES)
PAGES = (
    ("territories", "Territories"),
    ("clients", "Clients"),
    ("hierarchy", "Hierarchy"),
    ("advisors", "Advisor workload"),
    ("changes", "Changes"),
    ("conflicts", "Conflicts"),
    ("review", "Review queue"),
)


@dataclass(frozen=True)
class ConsoleConfig:
    """What `territory serve` was given (flags > environment > defaults, built by the CLI)."""

    target: str = "duckdb"
    duckdb_path: Path | None = None  # the embedded warehouse (target duckdb)
    state_dir: Path | None = None  # the console's snapshots (default: beside the warehouse)
    inbox: Path | None = None  # where the steward's journal lives; None: decisions disabled
    steward: str | None = None  # the name decisions are recorded under (default: OS user)
    poll_seconds: float = 1.0
    snowflake_settings: dict[str, object] = field(default_factory=dict)


def open_reader(config: ConsoleConfig) -> Reader:
    if config.target == "duckdb":
        if config.duckdb_path is None:
            raise ValueError("the duckdb target needs the warehouse file (duckdb_path)")
        live = Path(config.duckdb_path)
        state = Path(config.state_dir) if config.state_dir else live.parent / "console"
        return DuckDBSnapshotReader(live, state / "snapshots", config.poll_seconds)
    if config.target.startswith("snowflake"):
        if not config.snowflake_settings:
            raise ValueError("the snowflake targets need connection settings (snowflake_settings)")
        return SnowflakeReader(dict(config.snowflake_settings), target=config.target)
    raise ValueError(f"unknown target {config.target!r}: expected duckdb or snowflake")


# -- formatting -----------------------------------------------------------------------------
def _usd(value: Any) -> str:
    if value is None:
        return "–"
    amount = float(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(amount) >= limit:
            return f"${amount / limit:,.1f}{suffix}"
    return f"${amount:,.0f}"


def _count(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.0f}%"


def _score(value: Any) -> str:
    return "–" if value is None else f"{float(value):.3f}"


def _bits(value: Any) -> str:
    return "–" if value is None else f"{float(value):+.1f} bits"


def _leaning(weight: Any) -> str:
    """The CSS class of a piece of evidence: for (agree), against (differ) or neither."""
    if weight is None or float(weight) == 0:
        return "unknown"
    return "agree" if float(weight) > 0 else "differ"


def _url(path: str, **params: Any) -> str:
    kept = {key: value for key, value in params.items() if value not in (None, "", False)}
    return f"{path}?{urlencode(kept)}" if kept else path


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(
        usd=_usd, count=_count, pct=_pct, score=_score, bits=_bits, leaning=_leaning
    )
    templates.env.globals.update(
        url=_url, pages=PAGES, decisions=DECISIONS, change_types=queries.CHANGE_TYPES
    )
    return templates


# -- API models (documented in /docs) ---------------------------------------------------------
class DecisionIn(BaseModel):
    client_id_a: str = Field(description="One CRM record id of the pair.")
    client_id_b: str = Field(description="The other CRM record id.")
    decision: str = Field(description="`merge` or `never_merge`.", pattern="^(merge|never_merge)$")
    note: str = Field("", max_length=500, description="Why (optional).")


class ErrorOut(BaseModel):
    detail: str


def _parse_date(text: str | None, known: list[date]) -> date:
    if not text:
        return known[-1]
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"not a YYYY-MM-DD date: {text!r}") from None
    if value not in known:
        listed = ", ".join(day.isoformat() for day in known)
        raise HTTPException(404, f"no night {value} in the warehouse (built nights: {listed})")
    return value


def create_app(config: ConsoleConfig, reader: Reader | None = None) -> FastAPI:
    """The console over `config`'s warehouse (`reader` given: tests inject one)."""
    reader = reader or open_reader(config)
    journal = DecisionJournal(config.inbox) if config.inbox else None
    templates = _templates()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        start = getattr(reader, "start", None)
        if start is not None:
            start()
        try:
            yield
        finally:
            reader.close()

    app = FastAPI(
        # /docs is served below from the Swagger UI files of swagger-ui-bundle: no CDN.
        docs_url=None,
        redoc_url=None,
        title="Territory sales-ops console",
        description="Territories, clients, hierarchy, advisor workload, the change log, "
        "conflicts and the duplicate review queue, over the marts of the warehouse. "
        "Every page has a JSON twin under /api/.",
        version="1",
        lifespan=lifespan,
    )
    app.state.reader = reader
    app.state.config = config
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/swagger-ui", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Territory console API",
            swagger_js_url="/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    def ready() -> queries.Nights:
        queries.check_marts(reader)
        return queries.nights(reader)

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        context.setdefault("nights", None)
        return templates.TemplateResponse(
            request,
            f"{name}.html",
            {"status": reader.status(), "active": name, "config": config, **context},
            status_code=status_code,
        )

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/health"

    # -- errors: a page that says what is wrong, never a stack trace ------------------------
    @app.exception_handler(WarehouseUnavailable)
    async def unavailable(request: Request, error: WarehouseUnavailable) -> Response:
        headers = {"Retry-After": "5"} if error.state == "building" else {}
        if wants_json(request):
            return JSONResponse(
                {"detail": str(error), "state": error.state, "hint": error.hint},
                status_code=503,
                headers=headers,
            )
        response = page(request, "unavailable", 503, error=error)
        response.headers.update(headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        return page(request, "error", error.status_code, code=error.status_code, error=error)

    @app.exception_handler(Exception)
    async def crash(request: Request, error: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        message = "The console could not answer this request; the server log has the details."
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=500)
        return page(request, "error", 500, code=500, error=HTTPException(500, message))

    # -- health -------------------------------------------------------------------------------
    @app.get("/health", tags=["health"], summary="Is the console serving data, and which?")
    def health() -> JSONResponse:
        status = reader.status()
        body: dict[str, Any] = {**status.as_dict()}
        code = 200
        try:
            nights = ready()
            body["newest_night"] = nights.newest.isoformat()
            body["nights_built"] = len(nights.built)
            body["nights_pending"] = [day.isoformat() for day in nights.pending]
        except WarehouseUnavailable as error:
            body.update(state=error.state, detail=str(error), hint=error.hint)
            code = 503
        body["decisions"] = str(journal.path) if journal else None
        return JSONResponse(body, status_code=code)

    # -- pages --------------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/territories", status_code=307)

    @app.get("/territories", response_class=HTMLResponse, include_in_schema=False)
    def territories_page(
        request: Request,
        region: str | None = None,
        segment: str | None = None,
        tier: str | None = None,
    ) -> Response:
        nights = ready()
        rows = queries.territories(reader, nights.newest, region or None, segment or None, tier)
        shown = [row for row in rows if row["clients"]][:20]
        chart = charts.paired_bars(
            [row["territory_id"] for row in shown],
            [row["clients"] for row in shown],
            [float(row["aum_usd"] or 0) for row in shown],
            "clients",
            "AUM (USD)",
            f"Clients and AUM by territory on {nights.newest}",
            links=[_url("/advisors", territory=row["territory_id"]) for row in shown],
        )
        totals = {
            "clients": sum(row["clients"] for row in rows),
            "aum_usd": sum(Decimal(row["aum_usd"] or 0) for row in rows),
            "territories": len(rows),
            "without_advisor": sum(row["clients_without_advisor"] for row in rows),
        }
        return page(
            request,
            "territories",
            nights=nights,
            rows=rows,
            chart=chart,
            totals=totals,
            filters=queries.territory_filters(reader),
            selected={"region": region, "segment": segment, "tier": tier},
        )

    @app.get("/clients", response_class=HTMLResponse, include_in_schema=False)
    def clients_page(request: Request, q: str | None = None) -> Response:
        nights = ready()
        results: list[dict[str, Any]] = []
        if q and q.strip():
            master = queries.resolve_master(reader, q)
            if master is not None:
                return RedirectResponse(
                    _url(f"/clients/{master}", searched=q.strip()), status_code=303
                )
            results = queries.search_clients(reader, q)
        return page(request, "clients", nights=nights, q=q or "", results=results)

    @app.get("/clients/{crm_client_id}", response_class=HTMLResponse, include_in_schema=False)
    def client_page(request: Request, crm_client_id: str, searched: str | None = None) -> Response:
        nights = ready()
        master = queries.resolve_master(reader, crm_client_id)
        if master is None:
            raise HTTPException(404, f"No CRM record or master client {crm_client_id!r}.")
        if master != crm_client_id:
            return RedirectResponse(
                _url(f"/clients/{master}", searched=crm_client_id), status_code=303
            )
        detail = queries.client(reader, master, nights.newest)
        if detail is None:
            raise HTTPException(404, f"Master client {master!r} has no golden record.")
        return page(
            request,
            "client",
            nights=nights,
            searched=searched,
            journal=journal,
            **detail,
        )

    @app.get("/hierarchy", response_class=HTMLResponse, include_in_schema=False)
    def hierarchy_page(request: Request, client: str | None = None) -> Response:
        nights = ready()
        tree = None
        if client and client.strip():
            master = queries.resolve_master(reader, client)
            if master is None:
                raise HTTPException(404, f"No CRM record or master client {client.strip()!r}.")
            tree = queries.hierarchy(reader, master)
        return page(
            request,
            "hierarchy",
            nights=nights,
            client=client or "",
            tree=tree,
            families=queries.families(reader, nights.newest) if tree is None else [],
        )

    @app.get("/advisors", response_class=HTMLResponse, include_in_schema=False)
    def advisors_page(
        request: Request, territory: str | None = None, status: str | None = None
    ) -> Response:
        nights = ready()
        rows = queries.advisors(reader, nights.newest, territory or None)
        if status == "full":
            rows = [row for row in rows if row["is_full"]]
        elif status == "inactive":
            rows = [row for row in rows if not row["is_active"]]
        rows.sort(key=lambda row: (-(row["load"] or 0), row["advisor_email"]))
        return page(
            request,
            "advisors",
            nights=nights,
            rows=rows,
            gaps=queries.staffing_gaps(reader, nights.newest),
            territory=territory or "",
            status_filter=status or "",
        )

    @app.get("/changes", response_class=HTMLResponse, include_in_schema=False)
    def changes_page(
        request: Request,
        date: str | None = None,
        territory: str | None = None,
        type: str | None = None,
    ) -> Response:
        nights = ready()
        counts = queries.change_counts(reader)
        changed_nights = [row["run_date"] for row in counts] or nights.built
        night = _parse_date(date, sorted(set(changed_nights) | set(nights.built)))
        kind = (type or "").upper() or None
        if kind and kind not in queries.CHANGE_TYPES:
            raise HTTPException(400, f"unknown change type {type!r}: one of {CHANGE_TYPE_LIST}")
        rows = queries.changes(reader, night, territory or None, kind)
        chart = charts.stacked_counts(
            [row["run_date"].isoformat() for row in counts],
            {kind_: [row.get(kind_, 0) for row in counts] for kind_ in queries.CHANGE_TYPES},
            "Changes per night",
        )
        return page(
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

    @app.get("/conflicts", response_class=HTMLResponse, include_in_schema=False)
    def conflicts_page(
        request: Request, severity: str | None = None, type: str | None = None
    ) -> Response:
        nights = ready()
        level = (severity or "").upper() or None
        return page(
            request,
            "conflicts",
            nights=nights,
            rows=queries.conflicts(reader, level, type or None),
            counts=queries.conflict_counts(reader),
            severity=level or "",
            conflict_type=type or "",
        )

    @app.get("/review", response_class=HTMLResponse, include_in_schema=False)
    def review_page(
        request: Request, show: str | None = None, decided: str | None = None
    ) -> Response:
        nights = ready()
        queue = _queue(nights, include_same_master=show == "all")
        return page(
            request,
            "review",
            nights=nights,
            queue=queue,
            show=show or "",
            decided=decided,
            journal=journal,
            steward=steward_name(config.steward),
            history=sorted(
                journal.read() if journal else [], key=lambda d: d.decided_at, reverse=True
            ),
            applied=queries.applied_decision_ids(reader),
        )

    @app.post("/review/decisions", include_in_schema=False)
    def decide_form(
        client_id_a: str = Form(...),
        client_id_b: str = Form(...),
        decision: str = Form(...),
        note: str = Form(""),
        back: str = Form("/review"),
    ) -> RedirectResponse:
        entry = _record(
            DecisionIn(
                client_id_a=client_id_a, client_id_b=client_id_b, decision=decision, note=note
            )
        )
        target = back if back.startswith("/") and not back.startswith("//") else "/review"
        separator = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{separator}decided={entry.decision_id}", 303)

    def _queue(nights: queries.Nights, include_same_master: bool) -> list[dict[str, Any]]:
        standing = journal.standing() if journal else {}
        rows = queries.review_queue(reader, include_same_master)
        for row in rows:
            row["decision"] = standing.get((row["client_id_a"], row["client_id_b"]))
        return rows

    def _record(body: DecisionIn) -> Any:
        if journal is None:
            raise HTTPException(
                409,
                "Decisions are off: start the console with --inbox (or TERRITORY_INBOX) so "
                "they can be written to the steward's journal the next night lands.",
            )
        nights = ready()
        known = queries.records_of(reader, [body.client_id_a.strip(), body.client_id_b.strip()])
        for crm_id in (body.client_id_a.strip(), body.client_id_b.strip()):
            if crm_id not in known:
                raise HTTPException(404, f"No CRM record {crm_id!r} in the newest night.")
        try:
            return journal.record(
                body.client_id_a,
                body.client_id_b,
                body.decision,
                decided_by=steward_name(config.steward),
                effective_from=nights.next_night,
                note=body.note,
            )
        except DecisionError as error:
            raise HTTPException(400, str(error)) from None

    # -- API ----------------------------------------------------------------------------------
    def api(data: Any, nights: queries.Nights | None = None, **extra: Any) -> JSONResponse:
        body = {"data": queries.as_json(data), **queries.as_json(extra)}
        if nights is not None:
            body["night"] = nights.newest.isoformat()
        body["status"] = reader.status().as_dict()
        return JSONResponse(body)

    @app.get("/api/territories", tags=["territories"], summary="Territories on the newest night")
    def api_territories(
        region: str | None = None, segment: str | None = None, tier: str | None = None
    ) -> JSONResponse:
        nights = ready()
        return api(queries.territories(reader, nights.newest, region, segment, tier), nights)

    @app.get(
        "/api/clients",
        tags=["clients"],
        summary="Search masters by name or CRM id",
    )
    def api_search(q: str = Query(..., min_length=1)) -> JSONResponse:
        nights = ready()
        return api(queries.search_clients(reader, q), nights)

    @app.get(
        "/api/clients/{crm_client_id}",
        tags=["clients"],
        summary="A client by any of its CRM ids: golden record, records, evidence, history",
        responses={404: {"model": ErrorOut, "description": "No such CRM record"}},
    )
    def api_client(crm_client_id: str) -> JSONResponse:
        nights = ready()
        master = queries.resolve_master(reader, crm_client_id)
        if master is None:
            raise HTTPException(404, f"No CRM record or master client {crm_client_id!r}.")
        detail = queries.client(reader, master, nights.newest)
        return api(detail, nights, requested_id=crm_client_id, master_client_id=master)

    @app.get(
        "/api/hierarchy/{crm_client_id}",
        tags=["clients"],
        summary="The client's ultimate parent and the tree below it, with territories",
        responses={404: {"model": ErrorOut}},
    )
    def api_hierarchy(crm_client_id: str) -> JSONResponse:
        nights = ready()
        master = queries.resolve_master(reader, crm_client_id)
        if master is None:
            raise HTTPException(404, f"No CRM record or master client {crm_client_id!r}.")
        return api(queries.hierarchy(reader, master), nights)

    @app.get("/api/advisors", tags=["advisors"], summary="Advisors' load against capacity")
    def api_advisors(territory: str | None = None) -> JSONResponse:
        nights = ready()
        return api(
            queries.advisors(reader, nights.newest, territory),
            nights,
            staffing_gaps=queries.staffing_gaps(reader, nights.newest),
        )

    @app.get(
        "/api/changes",
        tags=["changes"],
        summary="The change log of a night (default: the newest), with counts per night",
    )
    def api_changes(
        date: str | None = Query(None, description="run date YYYY-MM-DD"),
        territory: str | None = None,
        type: str | None = Query(None, description="NEW, CHANGED, REMOVED, MERGED or SPLIT"),
    ) -> JSONResponse:
        nights = ready()
        night = _parse_date(date, nights.built)
        kind = type.upper() if type else None
        if kind and kind not in queries.CHANGE_TYPES:
            raise HTTPException(400, f"unknown change type {type!r}: one of {CHANGE_TYPE_LIST}")
        return api(
            queries.changes(reader, night, territory, kind),
            nights,
            run_date=night,
            counts_per_night=queries.change_counts(reader),
        )

    @app.get("/api/conflicts", tags=["conflicts"], summary="Assignment conflicts by severity")
    def api_conflicts(severity: str | None = None, type: str | None = None) -> JSONResponse:
        nights = ready()
        return api(
            queries.conflicts(reader, severity.upper() if severity else None, type),
            nights,
            counts=queries.conflict_counts(reader),
        )

    @app.get(
        "/api/review-queue",
        tags=["review"],
        summary="Doubtful duplicate pairs with both records, the evidence and any decision",
    )
    def api_review_queue(include_same_master: bool = False) -> JSONResponse:
        nights = ready()
        rows = _queue(nights, include_same_master)
        for row in rows:
            row["decision"] = row["decision"].__dict__ if row["decision"] else None
        return api(rows, nights, next_night=nights.next_night)

    @app.get("/api/decisions", tags=["review"], summary="The steward's journal, oldest first")
    def api_decisions() -> JSONResponse:
        entries = journal.read() if journal else []
        applied = queries.applied_decision_ids(reader) if entries else set()
        return api(
            [{**entry.__dict__, "is_applied": entry.decision_id in applied} for entry in entries],
            journal=str(journal.path) if journal else None,
        )

    @app.post(
        "/api/decisions",
        tags=["review"],
        status_code=201,
        summary="Record a steward decision; the next night's build applies it",
        responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    )
    def api_decide(body: DecisionIn) -> JSONResponse:
        entry = _record(body)
        return JSONResponse({"data": entry.__dict__}, status_code=201)

    return app
