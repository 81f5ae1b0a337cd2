"""Browser tests of the editor page: Debian's Chromium, driven by Playwright, against uvicorn.

One server (a thread with its own event loop, an SQLite store, uvicorn on a free
127.0.0.1 port) and one headless browser serve the whole module. An editor logs
in, opens the completed correspondence, adds a heading, picks a suggested pull
quote, leaves out a paragraph, approves and publishes, and the published file is
checked; the pages holding script payloads must run nothing. Screenshots of the
main pages are kept under ``test-artifacts/`` (not in git).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright

from penpal.config import Settings
from penpal.editor import create_app
from penpal.editor.server import serve_web
from penpal.letters import CorrespondenceId, MessageRecordId
from penpal.store import Store
from tests.editor_support import (
    CHEAP_PASSWORDS,
    EDITOR,
    PASSWORD,
    MovingClock,
    editor_settings,
    give_password,
    seed,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServedSite:
    """The editor page served from a thread of its own, over a seeded SQLite store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._store: Store | None = None
        self._task: asyncio.Task[None] | None = None
        self.correspondence_id = CorrespondenceId("")
        self.held_id = MessageRecordId(0)

    def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=60)

    def start(self) -> None:
        """Seed the store and start serving; returns once the page accepts connections."""
        self._thread.start()
        self.call(self._start())

    async def _start(self) -> None:
        clock = MovingClock(datetime.now(UTC))
        store = Store.connect(self.settings.service.database)
        self._store = store
        await store.upgrade()
        seeded = await seed(store, self.settings, clock)
        await give_password(store, self.settings, clock)
        self.correspondence_id, self.held_id = seeded.correspondence_id, seeded.held_id
        app = create_app(
            self.settings, store, clock=clock, passwords=CHEAP_PASSWORDS, login_delay=0.05
        )
        ready = asyncio.Event()
        self._task = asyncio.create_task(serve_web(app, "127.0.0.1", self.port, ready=ready))
        async with asyncio.timeout(20):
            await ready.wait()

    def stop(self) -> None:
        """Stop serving, close the store and end the thread."""
        self.call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._store is not None:
            await self._store.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The served editor page with a completed correspondence and a held message."""
    folder = tmp_path_factory.mktemp("browser")
    settings = editor_settings(folder, database=f"sqlite+aiosqlite:///{folder / 'penpal.db'}")
    served = ServedSite(settings)
    served.start()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watch:
    """What a page did that it must not: dialogs opened, policy violations, script errors."""

    dialogs: list[str]
    console: list[str]


@pytest.fixture
def page(browser: Browser, site: ServedSite) -> Iterator[tuple[Page, Watch]]:
    """A fresh browser tab (its own cookies) that records dialogs and console errors."""
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    watch = Watch([], [])

    def on_dialog(dialog: Dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            watch.console.append(message.text)

    tab.on("dialog", on_dialog)
    tab.on("console", on_console)
    try:
        yield tab, watch
    finally:
        context.close()


def log_in(tab: Page) -> None:
    """Log in as the editor from the login page."""
    tab.goto("/")
    assert "/login" in tab.url
    tab.get_by_label("Email address").fill(EDITOR)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(lambda url: "/login" not in url)


def shoot(tab: Page, name: str) -> None:
    """Keep a screenshot of the whole page as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"editor-{name}.png"), full_page=True)


def assert_inert(tab: Page, watch: Watch) -> None:
    """Nothing ran: no dialog, the payload's flag unset, no policy violation or script error."""
    assert watch.dialogs == []
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    assert [m for m in watch.console if "Content Security Policy" in m or "Uncaught" in m] == []


def test_script_payloads_run_nothing(page: tuple[Page, Watch], site: ServedSite) -> None:
    """Letters and held mail carrying <script> and onerror= run nothing on any page."""
    tab, watch = page
    log_in(tab)
    cid = site.correspondence_id
    for path in (
        "/",
        f"/c/{cid}",
        f"/c/{cid}/draft",
        f"/c/{cid}/preview/",
        "/quarantine",
        f"/quarantine/{site.held_id}",
    ):
        tab.goto(path)
        tab.wait_for_load_state("load")
        assert_inert(tab, watch)
    tab.goto(f"/c/{cid}/draft")
    assert "<script>window.__pwned = 1</script>" in tab.locator(".preview").inner_text()
    tab.goto(f"/quarantine/{site.held_id}")
    tab.locator("summary", has_text="HTML version").click()
    assert tab.locator(".sanitised img, .sanitised script").count() == 0
    assert_inert(tab, watch)


def test_shape_approve_and_publish_in_the_browser(
    page: tuple[Page, Watch], site: ServedSite
) -> None:
    """Log in, open the correspondence, add a heading, pick a pull quote, leave out a
    paragraph, approve and publish; the published page holds exactly that."""
    tab, watch = page
    log_in(tab)
    shoot(tab, "correspondences")
    tab.get_by_role("link", name="Kwetsbaarheid op het werk").click()
    tab.wait_for_url(f"**/c/{site.correspondence_id}")
    shoot(tab, "timeline")
    tab.get_by_role("link", name="Open the draft").click()
    tab.wait_for_url("**/draft")
    shoot(tab, "draft")

    tab.locator("summary", has_text="Section headings").click()
    tab.get_by_label("New heading").fill("Twijfel als begin")
    tab.locator("#new-heading-turn").select_option("1")
    tab.get_by_role("button", name="Add heading").click()
    tab.wait_for_url("**done=saved**")
    assert tab.locator(".preview h2").inner_text() == "Twijfel als begin"

    tab.locator("summary", has_text="Pull quotes").click()
    suggestion = tab.locator(".suggested-quotes li").first
    quote = suggestion.locator(".suggestion").inner_text().strip("“”")
    suggestion.get_by_role("button", name="Add this pull quote").click()
    tab.wait_for_url("**section=quotes**")
    assert tab.locator(".preview .pull-quote").inner_text() == quote

    assert "Vandaag typte een collega" in tab.locator(".preview").inner_text()
    tab.locator("summary", has_text="Letters and paragraphs").click()
    paragraph = tab.locator(".paragraphs li", has_text="Vandaag typte een collega")
    paragraph.get_by_role("button", name="Leave out this paragraph").click()
    tab.wait_for_url("**section=letters**")
    assert "Vandaag typte een collega" not in tab.locator(".preview").inner_text()
    shoot(tab, "draft-edited")

    # With script on, a sentence selected in the preview is offered as a pull quote.
    offer = tab.locator("form.selection-quote")
    assert offer.is_hidden()
    tab.evaluate(
        """() => {
            const p = document.querySelector('.preview .turn p');
            const range = document.createRange();
            range.selectNodeContents(p.lastChild);
            document.getSelection().removeAllRanges();
            document.getSelection().addRange(range);
        }"""
    )
    offer.wait_for(state="visible")
    assert offer.locator(".selected-text").inner_text().strip() != ""

    tab.get_by_role("button", name="Approve revision 4").click()
    tab.wait_for_url("**done=approved**")
    assert tab.locator(".page-head .state").inner_text() == "approved"
    tab.get_by_role("button", name="Publish").click()
    tab.wait_for_url("**done=published**")
    assert "The article is published." in tab.locator(".notice").inner_text()
    shoot(tab, "published")

    published = site.settings.service.output_dir / "kwetsbaarheid-op-het-werk" / "index.html"
    html = published.read_text("utf-8")
    assert "<h2>Twijfel als begin</h2>" in html
    assert quote in html
    assert "Vandaag typte een collega" not in html
    assert "Twijfel is het begin van alles." in html
    assert (published.parent / "bureau.png").is_file()

    tab.get_by_role("link", name="Revisions and changes").click()
    tab.get_by_role("button", name="Compare").click()
    shoot(tab, "revisions")
    tab.goto("/quarantine")
    shoot(tab, "quarantine")
    assert_inert(tab, watch)


def test_the_login_page_works_on_a_tablet_with_the_keyboard(
    browser: Browser, site: ServedSite
) -> None:
    """On a tablet's width the login page fits, and the keyboard alone logs in."""
    context = browser.new_context(base_url=site.url, viewport={"width": 768, "height": 1024})
    try:
        tab = context.new_page()
        tab.goto("/login")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 768
        shoot(tab, "login")
        assert tab.evaluate("document.activeElement.id") == "email"
        tab.keyboard.type(EDITOR)
        tab.keyboard.press("Tab")
        tab.keyboard.type(PASSWORD)
        tab.keyboard.press("Enter")
        tab.wait_for_url(lambda url: "/login" not in url)
        assert tab.evaluate("document.documentElement.scrollWidth") <= 768
        shoot(tab, "correspondences-tablet")
    finally:
        context.close()
