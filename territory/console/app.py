"""The FastAPI app: the console's configuration read once, the error pages, /health, /docs and
the routers of each page (territory/console/routes/)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from territory.console.decisions import DecisionJournal, JournalError
from territory.console.reader import (
    DuckDBSnapshotReader,
    Reader,
    SnowflakeReader,
    WarehouseUnavailable,
)
from territory.console.routes import (
    advisors,
    changes,
    clients,
    conflicts,
    hierarchy,
    overview,
    review,
    territories,
)
from territory.console.security import Guard, harden
from territory.console.web import HERE, Console, ConsoleConfig, templates

__all__ = ["ConsoleConfig", "create_app", "open_reader"]

log = logging.getLogger("territory.console")


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


def create_app(config: ConsoleConfig, reader: Reader | None = None) -> FastAPI:
    """The console over `config`'s warehouse (`reader` given: tests inject one)."""
    reader = reader or open_reader(config)
    journal = DecisionJournal(config.inbox) if config.inbox else None
    console = Console(config, reader, journal, templates(), Guard(config.api_token))

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
    app.state.console = console
    app.middleware("http")(harden)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/swagger-ui", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Not FastAPI's get_swagger_ui_html: it starts Swagger UI from an inline script, which
        # the Content-Security-Policy forbids; static/swagger-init.js does the same from a file.
        return HTMLResponse((HERE / "static" / "docs.html").read_text(encoding="utf-8"))

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
        response = console.page(request, "unavailable", 503, error=error)
        response.headers.update(headers)
        return response

    @app.exception_handler(JournalError)
    async def unparseable_journal(request: Request, error: JournalError) -> Response:
        # Someone edited the journal by hand: say where, and add nothing until it is fixed.
        message = (
            f"The steward's journal does not parse ({error}); no decision is added until it is "
            "fixed, and the next night's load stops on it too."
        )
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=503)
        return console.page(request, "error", 503, code=503, error=HTTPException(503, message))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        return console.page(
            request, "error", error.status_code, code=error.status_code, error=error
        )

    @app.exception_handler(Exception)
    async def crash(request: Request, error: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        message = "The console could not answer this request; the server log has the details."
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=500)
        return console.page(request, "error", 500, code=500, error=HTTPException(500, message))

    # -- health -------------------------------------------------------------------------------
    @app.get("/health", tags=["health"], summary="Is the console serving data, and which?")
    def health() -> JSONResponse:
        status = reader.status()
        body: dict[str, Any] = {**status.as_dict()}
        code = 200
        try:
            nights = console.ready()
            body["newest_night"] = nights.newest.isoformat()
            body["nights_built"] = len(nights.built)
            body["nights_pending"] = [day.isoformat() for day in nights.pending]
        except WarehouseUnavailable as error:
            body.update(state=error.state, detail=str(error), hint=error.hint)
            code = 503
        body["decisions_enabled"] = journal is not None
        body["api_writes_enabled"] = console.guard.api_writes_enabled
        return JSONResponse(body, status_code=code)

    # -- pages --------------------------------------------------------------------------------
    for area in (overview, territories, clients, hierarchy, advisors, changes, conflicts, review):
        app.include_router(area.router)
    return app
