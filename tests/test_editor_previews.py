"""Tests for penpal.editor.previews: draft views kept by revision, and the pages using them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from markupsafe import Markup
from sqlalchemy import event
from starlette.applications import Starlette

from penpal.config import Settings
from penpal.editor import create_app
from penpal.editor.previews import (
    DraftView,
    PreviewKey,
    Previews,
    open_suggestions,
    turn_choices,
)
from penpal.editor.site import Site
from penpal.letters import Article, CorrespondenceId, LetterId, PullQuote, Suggestions, Turn
from penpal.store import Store
from tests.editor_support import (
    CHEAP_PASSWORDS,
    MovingClock,
    Seeded,
    csrf_of,
    editor_settings,
    give_password,
    log_in,
    seed,
)

BASE = "http://127.0.0.1"
SAVED = datetime(2026, 11, 20, 9, 14, tzinfo=UTC)


def _key(revision: int, cid: str = "abc234") -> PreviewKey:
    return (cid, revision, SAVED + timedelta(minutes=revision))


def _article(title: str, turns: tuple[Turn, ...] = (), **changes: Any) -> Article:
    return Article(
        correspondence_id=CorrespondenceId("abc234"),
        title=title,
        intro="",
        turns=turns,
        language="nl",
        revision=1,
        **changes,
    )


def _view(title: str) -> DraftView:
    return DraftView(_article(title), Markup(f"<article>{title}</article>"), (), ())


def test_a_kept_view_is_found_under_its_key_only() -> None:
    """A view comes back under the key it was kept under, not under another revision or time."""
    previews = Previews()
    view = _view("Eerste")
    previews.keep(_key(1), view)
    assert previews.find(_key(1)) is view
    assert previews.find(_key(2)) is None
    assert previews.find(("abc234", 1, SAVED)) is None
    assert previews.find(_key(1, cid="xyz789")) is None


def test_past_the_bound_the_least_recently_used_view_goes() -> None:
    """At most ``size`` views are kept; finding a view keeps it longer than the others."""
    previews = Previews(size=2)
    previews.keep(_key(1), _view("een"))
    previews.keep(_key(2), _view("twee"))
    assert previews.find(_key(1)) is not None
    previews.keep(_key(3), _view("drie"))
    assert len(previews) == 2
    assert previews.find(_key(2)) is None
    assert previews.find(_key(1)) is not None
    assert previews.find(_key(3)) is not None


def test_a_bound_of_zero_keeps_nothing() -> None:
    """With no room, nothing is kept."""
    previews = Previews(size=0)
    previews.keep(_key(1), _view("een"))
    assert (len(previews), previews.find(_key(1))) == (0, None)


def test_turn_choices_and_open_suggestions_read_the_article() -> None:
    """Turns are named by number, writer and first words; placed or unshown quotes are left out."""
    turn = Turn(
        letter_id=LetterId(1),
        writer="Denise Veldhuis",
        email="denise@brieven.example",
        label="Denise",
        paragraphs=("Twijfel is het begin van alles, zei ze tegen de collega's op kantoor.",),
    )
    suggested = (
        PullQuote("Twijfel is het begin van alles", 0),
        PullQuote("zei ze tegen de collega's", 0),
        PullQuote("Niet in de tekst", 0),
    )
    article = _article(
        "T",
        (turn,),
        pull_quotes=(PullQuote("Twijfel is het begin van alles", 0, id="q1"),),
        suggestions=Suggestions(pull_quotes=suggested),
    )
    assert [c.label for c in turn_choices(article)] == [
        "1. Denise: Twijfel is het begin van alles, zei ze…"
    ]
    assert open_suggestions(article) == [suggested[1]]


# the draft page


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """English settings with one editor and the two writers."""
    return editor_settings(tmp_path)


@pytest.fixture
async def app(store: Store, settings: Settings, now: datetime) -> Starlette:
    """The editor's app over a store seeded with a completed correspondence."""
    clock = MovingClock(now)
    app = create_app(settings, store, clock=clock, login_delay=0, passwords=CHEAP_PASSWORDS)
    app.state.seeded = await seed(store, settings, clock)
    await give_password(store, settings, clock)
    return app


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A browser logged in as the editor."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        assert (await log_in(c)).status_code == 303
        yield c


async def test_the_draft_page_builds_a_revision_once_and_shows_the_next_one(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    """Views of one revision share one built view; an edit's new revision is shown at once."""
    site = app.state.site
    assert isinstance(site, Site)
    seeded = app.state.seeded
    assert isinstance(seeded, Seeded)
    cid = seeded.correspondence_id
    first = await client.get(f"/c/{cid}/draft")
    again = await client.get(f"/c/{cid}/draft")
    assert first.status_code == again.status_code == 200
    assert len(site.previews) == 1
    assert "Een nieuwe titel" not in first.text
    answer = await client.post(
        f"/c/{cid}/draft/edit",
        data={"csrf": csrf_of(first.text), "base": "1", "op": "title", "title": "Een nieuwe titel"},
    )
    assert answer.status_code == 303, answer.text
    edited = await client.get(f"/c/{cid}/draft")
    assert "Een nieuwe titel" in edited.text
    assert 'name="base" value="2"' in edited.text
    assert len(site.previews) == 2


async def test_a_page_view_is_one_transaction(
    app: Starlette, client: httpx.AsyncClient, store: Store
) -> None:
    """The session check and the page's reads share one read-only unit of work."""
    seeded = app.state.seeded
    assert isinstance(seeded, Seeded)
    begun: list[str] = []

    def count(connection: Any) -> None:
        begun.append("begin")

    # The store's engine is private; the test listens to it to count transactions.
    engine = store._engine.sync_engine
    event.listen(engine, "begin", count)
    try:
        for path in ("/", f"/c/{seeded.correspondence_id}/draft"):
            begun.clear()
            assert (await client.get(path)).status_code == 200
            assert begun == ["begin"], path
    finally:
        event.remove(engine, "begin", count)
