"""The editor's own pages: their Jinja2 environment and how a handler renders one.

The editor's templates live in ``penpal/editor/templates``, apart from the
article and mail templates (which a magazine may override); every one is
auto-escaped and an undefined variable is an error. Each page gets the
interface language, the translator ``_``, ``url`` for routes, ``static`` for
files, the logged-in editor, the CSRF token for its forms and the outcome of the
last action. This module renders; it must not decide who may see a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, NoMatchFound

from penpal.articles import format_date
from penpal.editor.i18n import DONE, translator
from penpal.editor.site import site_of


def page_environment() -> jinja2.Environment:
    """The environment for the editor's pages: auto-escaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("penpal.editor", "templates"),
        # The templates ship with the package and do not change while it runs:
        # no file system check on every page.
        auto_reload=False,
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


class RoutePaths:
    """The paths of an app's routes by name: one lookup each.

    Starlette's ``url_path_for`` tries every route in turn until one has the
    name; a page names dozens of routes, so the app keeps its routes by name
    (the first of a name, as Starlette would find it).
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes: dict[str, BaseRoute] = {}
        for route in routes:
            name = getattr(route, "name", None)
            if isinstance(name, str):
                self._routes.setdefault(name, route)

    def path(self, name: str, /, **params: Any) -> str:
        """The path of route ``name`` with ``params`` filled in.

        Raises:
            NoMatchFound: there is no such route, or it takes other parameters.
        """
        route = self._routes.get(name)
        if route is None:
            raise NoMatchFound(name, params)
        return str(route.url_path_for(name, **params))


def route_paths(request: Request) -> Callable[..., str]:
    """``path(name, **params)``: the path of one of the app's routes (see :class:`RoutePaths`)."""
    paths = request.app.state.paths
    assert isinstance(paths, RoutePaths)  # create_app puts it there, nothing else
    return paths.path


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
    # A page names the same few routes many times (every form of the edit panel
    # posts to one): remember the answers for the page.
    path = route_paths(request)
    known: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = {}

    def url(name: str, /, **params: Any) -> str:
        key = (name, tuple(params.items()))
        found = known.get(key)
        if found is None:
            found = known[key] = path(name, **params)
        return found

    return url


def _static_for(request: Request) -> Callable[[str], str]:
    path = route_paths(request)

    def static(name: str) -> str:
        return path("static", path=name)

    return static
