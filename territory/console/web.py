"""What every page and API route of the console shares: its configuration, the running
console (reader, journal, templates) as a FastAPI dependency, rendering a page or an API
answer, and the template filters."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from territory.console import queries
from territory.console.decisions import DECISIONS, DecisionJournal
from territory.console.reader import Reader
from territory.console.security import CSRF_COOKIE, Guard, new_browser_key

HERE = Path(__file__).parent
PAGES = (  # (template name, path, label)
    ("overview", "/", "Overview"),
    ("territories", "/territories", "Territories"),
    ("clients", "/clients", "Clients"),
    ("hierarchy", "/hierarchy", "Hierarchy"),
    ("advisors", "/advisors", "Advisor workload"),
    ("changes", "/changes", "Changes"),
    ("conflicts", "/conflicts", "Conflicts"),
    ("review", "/review", "Review queue"),
)


@dataclass(frozen=True)
class ConsoleConfig:
    """What `territory serve` was given (flags > environment > defaults, built by the CLI)."""

    target: str = "duckdb"
    duckdb_path: Path | None = None  # the embedded warehouse (target duckdb)
    state_dir: Path | None = None  # the console's snapshots (default: beside the warehouse)
    inbox: Path | None = None  # where the steward's journal lives; None: decisions disabled
    steward: str | None = None  # the name decisions are recorded under
    # A header set by an authenticating reverse proxy naming the user of each request (e.g.
    # X-Forwarded-User); trusted only when configured. Neither: the console is read-only.
    steward_header: str | None = None
    api_token: str | None = None  # TERRITORY_API_TOKEN: scripts' decisions (API writes)
    poll_seconds: float = 1.0
    snowflake_settings: dict[str, object] = field(default_factory=dict)


@dataclass
class Console:
    """The running console: built once by create_app, handed to every route."""

    config: ConsoleConfig
    reader: Reader
    journal: DecisionJournal | None
    templates: Jinja2Templates
    guard: Guard

    def steward(self, request: Request) -> str | None:
        """Who decides on this request: the configured steward, else the proxy's header;
        None (read-only) when neither names anyone. Never the OS user: every request would
        be signed by whoever started the server."""
        if self.config.steward and self.config.steward.strip():
            return self.config.steward.strip()
        if self.config.steward_header:
            named = request.headers.get(self.config.steward_header, "").strip()
            return named or None
        return None

    def can_decide(self, request: Request) -> bool:
        return self.journal is not None and self.steward(request) is not None

    def ready(self) -> queries.Nights:
        """The built nights; WarehouseUnavailable (a 503 page) when the marts are not there."""
        queries.check_marts(self.reader)
        return queries.nights(self.reader)

    def night(self, text: str | None) -> tuple[queries.Nights, date]:
        """The built nights and the one asked for by `?date=` (default: the newest); a 400
        listing the built nights when it is not one of them."""
        nights = self.ready()
        return nights, parse_date(text, nights.built)

    def newest_only(self, text: str | None, what: str) -> queries.Nights:
        """For pages over marts kept for the newest night only: `?date=` may name that night,
        any other built night is a 400 that says so."""
        nights, night = self.night(text)
        if night != nights.newest:
            raise HTTPException(
                400, f"{what} are kept for the newest night only ({nights.newest}), not {night}"
            )
        return nights

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        context.setdefault("nights", None)
        if context["nights"] is not None:
            context.setdefault("night", context["nights"].newest)
        known_key = self.guard.browser_key(request)
        key = known_key or new_browser_key()
        response = self.templates.TemplateResponse(
            request,
            f"{name}.html",
            {
                "status": self.reader.status(),
                "active": name,
                "steward": self.steward(request),
                "can_decide": self.can_decide(request),
                "csrf_token": self.guard.form_token(key),
                **context,
            },
            status_code=status_code,
        )
        if known_key is None:
            response.set_cookie(CSRF_COOKIE, key, httponly=True, samesite="strict")
        return response

    def api(
        self,
        data: Any,
        nights: queries.Nights | None = None,
        night: date | None = None,
        **extra: Any,
    ) -> JSONResponse:
        body = {"data": queries.as_json(data), **queries.as_json(extra)}
        if nights is not None:
            body["night"] = (night or nights.newest).isoformat()
        body["status"] = self.reader.status().as_dict()
        return JSONResponse(body)

    def api_page(
        self,
        paged: queries.Paged,
        nights: queries.Nights,
        night: date | None = None,
        **extra: Any,
    ) -> JSONResponse:
        """One page of a paged answer: its rows, which page of how many, the sort."""
        return self.api(
            paged.rows,
            nights,
            night,
            total=paged.total,
            page=paged.page,
            pages=paged.pages,
            sort=paged.sort,
            **extra,
        )


def _console(request: Request) -> Console:
    return request.app.state.console


ConsoleDep = Annotated[Console, Depends(_console)]


# -- API models (documented in /docs) ---------------------------------------------------------
class DecisionIn(BaseModel):
    client_id_a: str = Field(description="One CRM record id of the pair.")
    client_id_b: str = Field(description="The other CRM record id.")
    decision: str = Field(description="`merge` or `never_merge`.", pattern="^(merge|never_merge)$")
    note: str = Field("", max_length=500, description="Why (optional).")


class ErrorOut(BaseModel):
    detail: str


def parse_date(text: str | None, known: list[date]) -> date:
    if not text:
        return known[-1]
    listed = ", ".join(day.isoformat() for day in known)
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise HTTPException(
            400, f"not a YYYY-MM-DD date: {text!r} (built nights: {listed})"
        ) from None
    if value not in known:
        raise HTTPException(400, f"no night {value} in the warehouse (built nights: {listed})")
    return value


def one_of(value: str | None, valid: Iterable[str], what: str) -> str | None:
    """A filter's value as the warehouse spells it (any case), None when not given; a 400
    listing the valid values when it is none of them: every filter of every page alike."""
    if value is None or not value.strip():
        return None
    spelled = {option.casefold(): option for option in valid}
    found = spelled.get(value.strip().casefold())
    if found is None:
        raise HTTPException(
            400, f"unknown {what} {value.strip()!r}: one of {', '.join(sorted(spelled.values()))}"
        )
    return found


def csv_download(rows: list[dict[str, Any]], filename: str) -> Response:
    """Rows as a CSV attachment (header from the first row's keys; empty when no row)."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def client_book(
    console: Console,
    night: date,
    *,
    territory: str | None = None,
    advisor: str | None = None,
    page: int = 1,
    sort: str = queries.DEFAULT_BOOK_SORT,
    size: int | None = queries.PAGE_SIZE,
) -> queries.Paged:
    """queries.book for a territory's or an advisor's page, JSON and CSV; an unknown sort is
    a 400 that lists the valid ones."""
    try:
        return queries.book(
            console.reader,
            night,
            territory=territory,
            advisor=advisor,
            page=page,
            sort=sort,
            size=size,
        )
    except ValueError as error:
        raise HTTPException(400, str(error)) from None


def url(path: str, **params: Any) -> str:
    kept = {key: value for key, value in params.items() if value not in (None, "", False)}
    return f"{path}?{urlencode(kept)}" if kept else path


# -- formatting -------------------------------------------------------------------------------
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


def _master(master_client_id: Any) -> str:
    """A master id as a person reads it: one minted when a split reused its founding record's
    id carries the night after an `@` (C00013023@2026-01-07) - shown "C00013023 (since
    2026-01-07)"; links keep the id itself."""
    if master_client_id is None:
        return ""
    record, _, since = str(master_client_id).partition("@")
    return f"{record} (since {since})" if since else record


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=str(HERE / "templates"))
    found.env.filters.update(
        usd=_usd,
        count=_count,
        pct=_pct,
        score=_score,
        bits=_bits,
        leaning=_leaning,
        master=_master,
    )
    found.env.globals.update(
        url=url, pages=PAGES, decisions=DECISIONS, change_types=queries.CHANGE_TYPES
    )
    return found
