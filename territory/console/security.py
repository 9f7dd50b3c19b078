"""What keeps the console's decisions from being forged: same-origin checks on every request
that changes state, a CSRF token bound to the browser for forms, an API token for scripts, the
steward's identity, and the security headers of every response.

A page's form carries `csrf_token`, an HMAC (under a secret drawn when the console starts) of
a random value the browser holds in a `SameSite=Strict`, HttpOnly cookie: another site can
neither read the page to copy the token nor make the browser send the cookie. Scripts send
`X-Territory-Token` (the `TERRITORY_API_TOKEN` the console was started with, never a flag: a
flag shows in `ps`); a browser cannot add that header to a cross-site request without a CORS
preflight, which the console never grants. A console started with no API token refuses every
API write.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse

CSRF_COOKIE = "territory_csrf"
CSRF_FIELD = "csrf_token"
API_TOKEN_HEADER = "X-Territory-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Inline SVG charts are markup, not resources: they need no exception. Swagger UI's icons are
# data: images in its stylesheet.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Guard:
    """The console's CSRF secret and API token, made once when the app is created."""

    def __init__(self, api_token: str | None = None) -> None:
        self._secret = secrets.token_bytes(32)
        self._api_token = api_token or None

    @property
    def api_writes_enabled(self) -> bool:
        return self._api_token is not None

    def browser_key(self, request: Request) -> str | None:
        return request.cookies.get(CSRF_COOKIE) or None

    def form_token(self, browser_key: str) -> str:
        return hmac.new(self._secret, browser_key.encode(), hashlib.sha256).hexdigest()

    def check_form(self, request: Request, token: str) -> None:
        key = self.browser_key(request)
        if not key or not token or not hmac.compare_digest(self.form_token(key), token):
            raise HTTPException(
                403,
                "This form is stale or did not come from the console (no valid CSRF token): "
                "reload the page and decide again.",
            )

    def check_api(self, request: Request) -> None:
        if self._api_token is None:
            raise HTTPException(
                403,
                "API writes are off: start the console with TERRITORY_API_TOKEN set and send "
                f"it in the {API_TOKEN_HEADER} header.",
            )
        sent = request.headers.get(API_TOKEN_HEADER, "")
        if not hmac.compare_digest(sent.encode(), self._api_token.encode()):
            raise HTTPException(403, f"Missing or wrong {API_TOKEN_HEADER} header.")


def cross_origin(request: Request) -> str | None:
    """Why an unsafe request comes from another site, or None when it is the console's own."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return f"Sec-Fetch-Site is {request.headers['sec-fetch-site']}"
    origin = request.headers.get("origin")
    if origin is not None:
        host = request.headers.get("host", "")
        if origin == "null" or urlsplit(origin).netloc.lower() != host.lower():
            return f"Origin {origin} is not this console ({host})"
    return None


def new_browser_key() -> str:
    return secrets.token_urlsafe(32)


async def harden(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """HTTP middleware: refuse a cross-origin request that would change state before any
    route reads it, and put the security headers on every response (static files and errors
    too)."""
    if request.method in UNSAFE_METHODS and (reason := cross_origin(request)):
        response: Response = JSONResponse(
            {"detail": f"Cross-origin request refused: {reason}."}, status_code=403
        )
    else:
        response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    return response
