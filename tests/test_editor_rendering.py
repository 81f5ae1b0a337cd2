"""Tests for penpal.editor.rendering: route paths by name, as Starlette would give them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, NoMatchFound, Route

from penpal.editor import create_app
from penpal.editor.rendering import RoutePaths
from penpal.store import Store
from tests.editor_support import editor_settings

EXAMPLES: dict[str, dict[str, Any]] = {
    "cid": {"cid": "abc234"},
    "record_id": {"record_id": 17},
    "filename": {"filename": "bureau.png"},
    "path": {"path": "editor.css"},
}


def test_every_route_has_the_path_starlette_gives(tmp_path: Path, store: Store) -> None:
    """Each named route of the app gets the same path from the index as from Starlette."""
    app = create_app(editor_settings(tmp_path), store)
    paths = RoutePaths(app.routes)
    checked = 0
    for route in app.routes:
        assert isinstance(route, Route | Mount)
        assert route.name is not None
        names = set(route.param_convertors) if isinstance(route, Route) else {"path"}
        params: dict[str, Any] = {}
        for name in names:
            params.update(EXAMPLES[name])
        assert paths.path(route.name, **params) == app.url_path_for(route.name, **params)
        checked += 1
    assert checked >= 15
    assert paths.path("draft", cid="abc234") == "/c/abc234/draft"
    assert paths.path("static", path="editor.css") == "/static/editor.css"


def test_an_unknown_route_or_wrong_parameters_are_no_match(tmp_path: Path, store: Store) -> None:
    """A name the app does not have, or parameters its route does not take, find nothing."""
    paths = RoutePaths(create_app(editor_settings(tmp_path), store).routes)
    with pytest.raises(NoMatchFound):
        paths.path("nowhere")
    with pytest.raises(NoMatchFound):
        paths.path("draft")
    with pytest.raises(NoMatchFound):
        paths.path("draft", cid="abc234", extra="1")
