"""Logging in and out of the editor's page, sessions in signed cookies, and CSRF checks.

A session is a small signed cookie (itsdangerous, keyed by ``service.secret`` with a
salt of its own) holding the CSRF token of its forms and, once logged in, the
editor's address and session epoch; it lasts twelve hours. Every visitor gets one on
the login page, so that the login form is protected like every other form. Every
POST must carry the session's token and must not come from another site
(``Sec-Fetch-Site``); every page and action needs a logged-in editor whose password
has not changed since (the epoch). A page checks that in the read-only unit its handler then
reads in (:func:`reading`): one transaction per view. Cookies are ``HttpOnly``,
``SameSite=Lax`` and ``Secure`` (under the ``__Host-`` prefix) unless the page is
reached over plain HTTP on a loopback address. A failed login is answered only after
a delay, and an account locks for a while after repeated failures (see
:mod:`penpal.editor.accounts`). This module must not log a password or a cookie.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from penpal.editor.accounts import MAX_PASSWORD_LENGTH, locked_until
from penpal.editor.i18n import translator
from penpal.editor.rendering import render
from penpal.editor.site import Site, site_of
from penpal.store import EditorAccount, Repository

log = logging.getLogger(__name__)

SESSION_SECONDS = 12 * 3600
"""How long a session lasts after logging in (or after the login page was opened)."""

COOKIE = "penpal_session"
SECURE_COOKIE = "__Host-penpal_session"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_FORM_FIELDS = 200
MAX_FIELD_BYTES = 256 * 1024

CROSS_SITE = "A request from another site was refused."
NO_SESSION = "This page needs cookies: allow them for this site and reload the page."
BAD_TOKEN = "The form's security token is missing or out of date: reload the page and try again."
LOG_IN_FIRST = "Your session has ended: log in again."

Handler = Callable[[Request, EditorAccount], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Session:
    """What the session cookie holds: the CSRF token and, once logged in, who and which epoch."""

    csrf: str
    email: str = ""
    epoch: int = 0


def fresh_session(email: str = "", epoch: int = 0) -> Session:
    """A session with a new CSRF token (a login gets a new one, against session fixation)."""
    return Session(csrf=secrets.token_urlsafe(32), email=email, epoch=epoch)


class SessionSigner:
    """Turns sessions into signed cookie values and back."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="penpal.editor.session")

    def dumps(self, session: Session) -> str:
        """The cookie value for ``session``."""
        return self._serializer.dumps({"c": session.csrf, "e": session.email, "v": session.epoch})

    def loads(self, value: str) -> Session | None:
        """The session in a cookie value; None when it is forged, damaged or too old."""
        try:
            data = self._serializer.loads(value, max_age=SESSION_SECONDS)
        except BadSignature:  # SignatureExpired is one too
            return None
        if not isinstance(data, dict):
            return None
        csrf, email, epoch = data.get("c"), data.get("e"), data.get("v")
        if not (isinstance(csrf, str) and csrf and isinstance(email, str)):
            return None
        if not isinstance(epoch, int) or isinstance(epoch, bool):
            return None
        return Session(csrf=csrf, email=email, epoch=epoch)


def uses_secure_cookies(request: Request, site: Site) -> bool:
    """Whether this request's cookies must be ``Secure``: always, but for HTTP on loopback."""
    if site.secure_cookies is not None:
        return site.secure_cookies
    return request.url.scheme == "https" or (request.url.hostname or "") not in LOOPBACK_HOSTS


def read_session(request: Request) -> Session | None:
    """The request's valid session, if it has one."""
    site = site_of(request)
    name = SECURE_COOKIE if uses_secure_cookies(request, site) else COOKIE
    value = request.cookies.get(name)
    if not value:
        return None
    return _signer(site).loads(value)


def write_session(response: Response, request: Request, session: Session) -> None:
    """Set the session cookie on ``response``."""
    site = site_of(request)
    secure = uses_secure_cookies(request, site)
    response.set_cookie(
        SECURE_COOKIE if secure else COOKIE,
        _signer(site).dumps(session),
        max_age=SESSION_SECONDS,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def _signer(site: Site) -> SessionSigner:
    return SessionSigner(site.session_secret)


async def read_form(request: Request) -> FormData:
    """The request's form, with limits on how many fields and how large each may be."""
    return await request.form(
        max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
    )


async def require_csrf(request: Request, session: Session | None) -> None:
    """Refuse a POST from another site or without the session's CSRF token (403)."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        raise HTTPException(403, CROSS_SITE)
    if session is None:
        raise HTTPException(403, NO_SESSION)
    form = await read_form(request)
    token = form.get("csrf")
    if not isinstance(token, str) or not secrets.compare_digest(
        token.encode("utf-8", "replace"), session.csrf.encode()
    ):
        raise HTTPException(403, BAD_TOKEN)


async def current_editor(site: Site, session: Session | None) -> EditorAccount | None:
    """The editor the session belongs to, if it is logged in and the password has not changed."""
    if session is None or not session.email:
        return None
    async with site.store.unit(read_only=True) as repo:
        editor, _ = await _editor_and_held(repo, session)
    return editor


async def _editor_and_held(repo: Repository, session: Session) -> tuple[EditorAccount | None, int]:
    """The session's editor (as :func:`current_editor`) and, for the menu, what is held back."""
    # One statement for both: every page pays for it.
    found = await repo.editor_session(session.email)
    account = found.account
    valid = account is not None and account.has_password and account.session_epoch == session.epoch
    return (account if valid else None), (found.held if valid else 0)


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[Repository]:
    """A read-only unit for a page handler to read in.

    For a page (GET), the unit :func:`editor_page` opened to check the session,
    so that a page view begins and ends one transaction, not two; otherwise a
    unit of its own.
    """
    shared = getattr(request.state, "reading", None)
    if isinstance(shared, Repository):
        yield shared
        return
    async with site_of(request).store.unit(read_only=True) as repo:
        yield repo


def editor_page(handler: Handler) -> Endpoint:
    """Make ``handler`` a page for logged-in editors only, with CSRF checks on POST.

    A visitor who is not logged in is sent to the login page (GET) or refused
    (any other method).
    """

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        site = site_of(request)
        session = read_session(request)
        page = request.method in ("GET", "HEAD")
        if not page:
            await require_csrf(request, session)
        if session is None or not session.email:
            return _not_logged_in(request, page)
        async with site.store.unit(read_only=True) as repo:
            editor, held = await _editor_and_held(repo, session)
            if editor is None:
                return _not_logged_in(request, page)
            request.state.session = session
            request.state.editor = editor
            request.state.held = held
            if page:
                # A page only reads: it reads in this unit (see reading()).
                request.state.reading = repo
                try:
                    return await handler(request, editor)
                finally:
                    request.state.reading = None
        # An action changes things in units of its own, after this one ended.
        return await handler(request, editor)

    return endpoint


def _not_logged_in(request: Request, page: bool) -> Response:
    """A page sends the visitor to the login page, to come back after; an action is refused."""
    if not page:
        raise HTTPException(403, LOG_IN_FIRST)
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    login = str(request.app.url_path_for("login"))
    return RedirectResponse(f"{login}?{urlencode({'next': target})}", status_code=303)


def safe_next(target: str) -> str:
    """``target`` if it is a path on this site, else ``/``: no open redirects after login."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 0x20 for c in target):
        return "/"
    return target


async def login_page(request: Request) -> Response:
    """The login form; a visitor without a session gets one, for the form's CSRF token."""
    site = site_of(request)
    session = read_session(request)
    if await current_editor(site, session) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next", "/")), status_code=303)
    fresh = session is None or bool(session.email)
    if fresh:
        session = fresh_session()
    request.state.session = session
    response = _login_form(request, site, next_=request.query_params.get("next", "/"))
    if fresh:
        assert session is not None
        write_session(response, request, session)
    return response


def _login_form(
    request: Request,
    site: Site,
    *,
    next_: str,
    email: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    insecure = request.url.scheme != "https" and uses_secure_cookies(request, site)
    return render(
        request,
        "login.html.j2",
        {"next": safe_next(next_), "email": email, "error": error, "insecure": insecure},
        status=status,
    )


async def login(request: Request) -> Response:
    """Check an email address and password; on success start a fresh session."""
    site = site_of(request)
    session = read_session(request)
    await require_csrf(request, session)
    request.state.session = session
    form = await read_form(request)
    email = str(form.get("email", "")).strip().lower()[:320]
    password = str(form.get("password", ""))
    next_ = str(form.get("next", "/"))
    _ = translator(site.language)
    async with site.store.unit(read_only=True) as repo:
        account = await repo.editor_by_email(email) if email else None
    now = site.clock()
    until = locked_until(account) if account is not None else None
    if until is not None and now < until:
        await asyncio.sleep(site.login_delay)
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        log.warning("editor login refused for %s: locked after repeated failures", email)
        response = _login_form(
            request,
            site,
            next_=next_,
            email=email,
            error=_("Too many failed attempts. Try again in {minutes} minutes.", minutes=minutes),
            status=429,
        )
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    stored = account.password_hash if account is not None else ""
    ok, rehashed = await site.passwords.check(stored, password[: MAX_PASSWORD_LENGTH + 1])
    if not ok or account is None:
        if account is not None:
            async with site.store.unit() as repo:
                await repo.record_login_failure(account.email, now=now)
        log.warning("editor login failed for %s", email or "(no address)")
        await asyncio.sleep(site.login_delay)
        return _login_form(
            request,
            site,
            next_=next_,
            email=email,
            error=_("That email address and password do not match."),
            status=403,
        )
    async with site.store.unit() as repo:
        account = await repo.record_login(account.email, now=now, password_hash=rehashed)
    log.info("editor %s logged in", account.email)
    response = RedirectResponse(safe_next(next_), status_code=303)
    write_session(response, request, fresh_session(account.email, account.session_epoch))
    return response


async def logout(request: Request) -> Response:
    """End the session (a new, anonymous one replaces it) and go to the login page."""
    session = read_session(request)
    await require_csrf(request, session)
    login_url = str(request.app.url_path_for("login"))
    response = RedirectResponse(f"{login_url}?done=logged_out", status_code=303)
    write_session(response, request, fresh_session())
    return response
