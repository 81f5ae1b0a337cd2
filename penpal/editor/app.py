"""The editor's web app: routes, security headers, error pages, and the app factory.

:func:`create_app` builds a Starlette app over a store and settings. Every
response carries a Content-Security-Policy without inline script or style (the
full-page article preview allows the article's own inline style and no script at
all), ``X-Content-Type-Options``, ``Referrer-Policy``, a frame ban and, for
pages, ``Cache-Control: no-store``: the pages hold private letters. Request
bodies are limited in size. Errors a workflow raises become a page saying why,
with the status that fits (404, 409, 400, 503). On startup the editors of
``[[editors]]`` become accounts. This module wires; it must not hold page logic
or start a server (that is :mod:`penpal.editor.server`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from penpal.config import Settings, require_secret
from penpal.editor import auth, drafts, held, overview
from penpal.editor.accounts import Passwords, sync_configured_editors
from penpal.editor.i18n import translator
from penpal.editor.rendering import RoutePaths, page_environment, render
from penpal.editor.site import Site, site_of
from penpal.errors import DraftFormatError, NotFound, PenpalError, StoreError, WorkflowError
from penpal.store import Store
from penpal.templating import template_environment
from penpal.workflows import Clock
from penpal.workflows.outgoing import Mailroom

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024
"""The largest request body accepted: forms only, no uploads."""

TOO_LARGE = "The request is too large."

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The Content-Security-Policy of every page: no inline script or style, nothing from elsewhere."""

_SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Guard:
    """ASGI middleware: security headers on every response, and a limit on request bodies."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            response = PlainTextResponse(TOO_LARGE, status_code=413)
            await response(scope, receive, self._headed(scope, send))
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise HTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, limited, self._headed(scope, send))

    @staticmethod
    def _headed(scope: Scope, send: Send) -> Send:
        static = str(scope.get("path", "")).startswith("/static/")

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", PAGE_POLICY)
                for name, value in _SECURITY_HEADERS:
                    headers.setdefault(name, value)
                headers.setdefault("cache-control", "no-cache" if static else "no-store")
            await send(message)

        return headed


def _error_page(request: Request, status: int, message: str) -> Response:
    back = request.headers.get("referer", "")
    # Only our own pages: a Referer from elsewhere must not become a link here.
    origin = f"{request.url.scheme}://{request.url.netloc}/"
    back = back if back.startswith(origin) else ""
    try:
        return render(
            request,
            "error.html.j2",
            {"status": status, "message": message, "back": back},
            status=status,
        )
    except (jinja2.TemplateError, PenpalError):  # pragma: no cover - the error page itself failed
        return PlainTextResponse(message, status_code=status)


def _exception_handlers() -> dict[type[Exception] | int, Callable[..., Response]]:
    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        _ = translator(site_of(request).language)
        message = {
            404: _("There is no such page."),
            405: _("That is not something this page does."),
        }.get(exc.status_code, _(exc.detail))
        response = _error_page(request, exc.status_code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    def not_found(request: Request, exc: Exception) -> Response:
        return _error_page(request, 404, str(exc))

    def refused(request: Request, exc: Exception) -> Response:
        return _error_page(request, 409, str(exc))

    def bad_draft(request: Request, exc: Exception) -> Response:
        return _error_page(request, 400, str(exc))

    def store_failed(request: Request, exc: Exception) -> Response:
        log.error("editor page: %s", exc)
        _ = translator(site_of(request).language)
        return _error_page(request, 503, _("The database cannot be reached; try again shortly."))

    return {
        HTTPException: http_error,
        NotFound: not_found,
        WorkflowError: refused,
        DraftFormatError: bad_draft,
        StoreError: store_failed,
    }


def create_app(
    settings: Settings,
    store: Store,
    *,
    env: jinja2.Environment | None = None,
    clock: Clock = _utc_now,
    secure_cookies: bool | None = None,
    login_delay: float = 1.0,
    passwords: Passwords | None = None,
    on_mail: Callable[[], None] | None = None,
) -> Starlette:
    """The editor's web app over ``store``.

    Args:
        settings: the service's settings; ``service.secret`` signs the sessions.
        store: the database, upgraded already.
        env: the article and mail templates (default: the service's, with overrides).
        clock: where the app gets the time.
        secure_cookies: force the cookies' ``Secure`` flag on or off; by default it
            is on unless the page is reached over plain HTTP on a loopback address.
        login_delay: seconds a failed login waits before its answer.
        passwords: the password hasher (tests give a cheaper one).
        on_mail: called after a page queued mail, to wake the outbox sender.

    Raises:
        ConfigError: ``service.secret`` is not set.
    """
    secret = require_secret(settings, "service.secret")
    env = env if env is not None else template_environment(settings.service.templates)
    site = Site(
        settings=settings,
        store=store,
        env=env,
        pages=page_environment(),
        room=Mailroom(settings, env),
        clock=clock,
        passwords=passwords or Passwords(),
        session_secret=secret,
        secure_cookies=secure_cookies,
        login_delay=login_delay,
        on_mail=on_mail,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            await sync_configured_editors(store, settings, clock=clock)
        except PenpalError as exc:
            # The page still serves editors the store knows; the next start tries again.
            log.warning("editor accounts from the configuration not added: %s", exc)
        yield

    routes = [
        Route("/", overview.correspondences, name="correspondences"),
        Route("/login", auth.login_page, methods=["GET"], name="login"),
        Route("/login", auth.login, methods=["POST"], name="login_post"),
        Route("/logout", auth.logout, methods=["POST"], name="logout"),
        Route("/new", overview.start, methods=["POST"], name="start"),
        Route("/c/{cid}", overview.correspondence, name="correspondence"),
        Route("/c/{cid}/complete", overview.complete, methods=["POST"], name="complete"),
        *drafts.routes(),
        Route("/quarantine", held.quarantine, name="quarantine"),
        Route("/quarantine/{record_id:int}", held.held_message, name="held_message"),
        Route(
            "/quarantine/{record_id:int}/release", held.release, methods=["POST"], name="release"
        ),
        Route(
            "/quarantine/{record_id:int}/discard", held.discard, methods=["POST"], name="discard"
        ),
        Mount("/static", StaticFiles(packages=[("penpal.editor", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers=_exception_handlers(), lifespan=lifespan)
    app.state.site = site
    app.state.paths = RoutePaths(routes)
    app.add_middleware(Guard)
    return app
