"""The editor's own pages: their Jinja2 environment and how a handler renders one.

The editor's templates live in ``penpal/editor/templates``, apart from the
article and mail templates (which a magazine may override); every one is
auto-escaped and an undefined variable is an error. Each page gets the
interface language, the translator ``_``, ``url`` for routes, ``static`` for
files, the logged-in editor, the CSRF token for its forms and the outcome of the
last action. This module renders; it must not decide who may see a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from penpal.articles import format_date
from penpal.editor.i18n import DONE, translator
from penpal.editor.site import site_of


def page_environment() -> jinja2.Environment:
    """The environment for the editor's pages: auto-escaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("penpal.editor", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    return env


def when(moment: datetime | None, language: str) -> str:
    """A moment as a reader of ``language`` reads it, in UTC: ``20 november 2026, 09:14 UTC``."""
    if moment is None:
        return "\u2013"  # an en dash: no moment
    utc = moment.astimezone(UTC)
    return f"{format_date(utc.date(), language)}, {utc:%H:%M} UTC"


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """Render the page template ``name`` with what every page gets, plus ``context``."""
    site = site_of(request)
    language = site.language
    session = getattr(request.state, "session", None)
    done_key = request.query_params.get("done", "")
    values: dict[str, Any] = {
        "lang": language,
        "_": translator(language),
        "url": _url_for(request),
        "static": _static_for(request),
        "editor": getattr(request.state, "editor", None),
        "csrf": session.csrf if session is not None else "",
        "held": getattr(request.state, "held", 0),
        "done": translator(language)(DONE[done_key]) if done_key in DONE else "",
        "path": request.url.path,
    }
    values.update(context or {})
    html = site.pages.get_template(name).render(values)
    return HTMLResponse(html, status_code=status)


def _url_for(request: Request) -> Callable[..., str]:
    # A page names the same few routes many times (every form of the edit panel);
    # Starlette looks each one up through every route, so remember the answers.
    known: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def url(name: str, /, **params: Any) -> str:
        key = (name, tuple(sorted((k, str(v)) for k, v in params.items())))
        if key not in known:
            known[key] = str(request.app.url_path_for(name, **params))
        return known[key]

    return url


def _static_for(request: Request) -> Callable[[str], str]:
    def static(path: str) -> str:
        return str(request.app.url_path_for("static", path=path))

    return static
