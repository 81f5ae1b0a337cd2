"""Tests for penpal.editor: the web app's routes, in-process over httpx's ASGI transport."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import html5lib  # type: ignore[import-untyped]  # html5lib ships no type hints
import httpx
import pytest
from starlette.applications import Starlette

from penpal import workflows
from penpal.config import Settings
from penpal.editor import auth, create_app
from penpal.editor import held as held_pages
from penpal.editor.accounts import set_password
from penpal.editor.app import TOO_LARGE
from penpal.editor.auth import COOKIE, SECURE_COOKIE, SessionSigner, safe_next
from penpal.editor.drafts import word_diff
from penpal.editor.i18n import DONE, NAMES_EN, NL, translator
from penpal.letters import Correspondence, CutKind, MailKind, State, Writer
from penpal.store import RawStatus, Store
from tests.editor_support import (
    CAROLA,
    CHEAP_PASSWORDS,
    DENISE,
    EDITOR,
    PASSWORD,
    TOPIC,
    MovingClock,
    Seeded,
    csrf_of,
    editor_settings,
    give_password,
    log_in,
    message,
    seed,
)

STRANGER = Writer(email="onbekend@elders.example", name="Onbekende Schrijver")

DELAY = 0.2
"""The failed-login delay in these tests, in seconds."""

BASE = "http://127.0.0.1"


@pytest.fixture
def clock(now: datetime) -> MovingClock:
    """A moving clock starting at the test moment."""
    return MovingClock(now)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """English settings with one editor and the two writers."""
    return editor_settings(tmp_path)


@pytest.fixture
async def seeded(store: Store, settings: Settings, clock: MovingClock) -> Seeded:
    """A completed correspondence with payloads, a held message, and the editor's password."""
    result = await seed(store, settings, clock)
    await give_password(store, settings, clock)
    return result


@pytest.fixture
def app(settings: Settings, store: Store, clock: MovingClock) -> Starlette:
    """The editor's app over the test store."""
    return create_app(settings, store, clock=clock, login_delay=DELAY, passwords=CHEAP_PASSWORDS)


@pytest.fixture
async def anonymous(app: Starlette, seeded: Seeded) -> AsyncIterator[httpx.AsyncClient]:
    """A browser that has not logged in."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c


@pytest.fixture
async def client(anonymous: httpx.AsyncClient) -> httpx.AsyncClient:
    """A browser logged in as the editor."""
    answer = await log_in(anonymous)
    assert answer.status_code == 303, answer.text
    return anonymous


def pages(seeded: Seeded) -> list[str]:
    """Every page an editor can open (GET)."""
    cid, held = seeded.correspondence_id, seeded.held_id
    return [
        "/",
        "/?state=complete",
        f"/c/{cid}",
        f"/c/{cid}/draft",
        f"/c/{cid}/preview/",
        f"/c/{cid}/preview/bureau.png",
        f"/c/{cid}/revisions",
        "/quarantine",
        f"/quarantine/{held}",
    ]


def actions(seeded: Seeded) -> list[str]:
    """Every form target (POST) of the editor's pages but login and logout."""
    cid, held = seeded.correspondence_id, seeded.held_id
    return [
        "/new",
        f"/c/{cid}/complete",
        f"/c/{cid}/draft/edit",
        f"/c/{cid}/draft/restore",
        f"/c/{cid}/approve",
        f"/c/{cid}/request-changes",
        f"/c/{cid}/publish",
        f"/quarantine/{held}/release",
        f"/quarantine/{held}/discard",
    ]


# logging in


async def test_every_page_sends_a_visitor_to_the_login_page(
    anonymous: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Without a login, every page redirects to the login page, which returns there after."""
    for path in pages(seeded):
        answer = await anonymous.get(path)
        assert answer.status_code == 303, path
        location = urlsplit(answer.headers["location"])
        assert location.path == "/login"
        assert parse_qs(location.query)["next"] == [path]
        assert "Denise" not in answer.text


async def test_login_returns_to_the_page_asked_for(
    anonymous: httpx.AsyncClient, seeded: Seeded
) -> None:
    """After logging in from a redirect, the editor lands on the page first asked for."""
    target = f"/c/{seeded.correspondence_id}/draft"
    page = await anonymous.get(f"/login?next={target}")
    answer = await anonymous.post(
        "/login",
        data={"csrf": csrf_of(page.text), "email": EDITOR, "password": PASSWORD, "next": target},
    )
    assert (answer.status_code, answer.headers["location"]) == (303, target)
    assert (await anonymous.get(target)).status_code == 200


async def test_session_cookie_flags_on_loopback_http(anonymous: httpx.AsyncClient) -> None:
    """On http://127.0.0.1 the cookie is HttpOnly and SameSite=Lax but not Secure."""
    answer = await log_in(anonymous)
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie


async def test_session_cookie_is_secure_elsewhere(app: Starlette, seeded: Seeded) -> None:
    """Over HTTPS (or any host not on loopback) the cookie is Secure under the __Host- prefix."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://penpal.example") as c:
        answer = await log_in(c)
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(f"{SECURE_COOKIE}=")
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert (await c.get("/")).status_code == 200
    async with httpx.AsyncClient(transport=transport, base_url="http://penpal.example") as c:
        page = await c.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        assert "not served over HTTPS" in page.text


async def test_wrong_password_is_refused_after_a_delay(
    anonymous: httpx.AsyncClient, store: Store
) -> None:
    """A wrong password, or an unknown address, is refused alike, and only after the delay."""
    for email, password in ((EDITOR, "not the password!"), ("nobody@redactie.example", PASSWORD)):
        started = time.monotonic()
        answer = await log_in(anonymous, email, password)
        assert time.monotonic() - started >= DELAY
        assert answer.status_code == 403
        assert "do not match" in answer.text
        assert "set-cookie" not in answer.headers
    assert (await anonymous.get("/")).status_code == 303
    async with store.unit() as repo:
        account = await repo.editor_by_email(EDITOR)
    assert account is not None
    assert account.failed_logins == 1


async def test_repeated_failures_lock_the_account_for_a_while(
    anonymous: httpx.AsyncClient, clock: MovingClock
) -> None:
    """After five failures even the right password is refused, until the lock runs out."""
    for _ in range(5):
        assert (await log_in(anonymous, EDITOR, "guess guess guess")).status_code == 403
    locked = await log_in(anonymous)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    clock.advance(timedelta(minutes=2))
    assert (await log_in(anonymous)).status_code == 303


async def test_a_new_password_ends_the_session(
    client: httpx.AsyncClient, store: Store, settings: Settings, clock: MovingClock
) -> None:
    """Setting a new password logs out every session signed for the old one."""
    assert (await client.get("/")).status_code == 200
    await set_password(
        store, settings, EDITOR, "another long password", clock=clock, passwords=CHEAP_PASSWORDS
    )
    assert (await client.get("/")).status_code == 303


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    """Logging out (a POST with the form token) ends the session."""
    page = await client.get("/")
    answer = await client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?done=logged_out"
    assert (await client.get("/")).status_code == 303
    assert "You are logged out." in (await client.get("/login?done=logged_out")).text


async def test_a_forged_or_altered_cookie_is_not_a_session(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """A cookie signed with another key, or altered, does not log anyone in."""
    signer = SessionSigner(settings.service.secret or "")
    genuine = signer.loads(client.cookies[COOKIE])
    assert genuine is not None
    assert genuine.email == EDITOR
    client.cookies.set(COOKIE, SessionSigner("another secret entirely").dumps(genuine))
    assert (await client.get("/")).status_code == 303
    client.cookies.set(COOKIE, signer.dumps(genuine)[:-2] + "xx")
    assert (await client.get("/")).status_code == 303
    assert signer.loads("garbage") is None
    client.cookies.set(COOKIE, signer.dumps(genuine))
    assert (await client.get("/")).status_code == 200


def test_after_login_only_paths_of_this_site_are_followed() -> None:
    """The page to return to after login is never another site."""
    assert safe_next("/c/abc/draft?x=1") == "/c/abc/draft?x=1"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "/\nx"):
        assert safe_next(evil) == "/"


# cross-site requests


async def test_every_action_without_or_with_a_wrong_token_is_refused(
    client: httpx.AsyncClient, seeded: Seeded, store: Store
) -> None:
    """Each POST with no form token, or a wrong one, is refused and changes nothing."""
    for path in [*actions(seeded), "/logout"]:
        missing = await client.post(path, data={"note": "x", "target": "y"})
        wrong = await client.post(path, data={"csrf": "not-the-token", "note": "x"})
        assert (missing.status_code, wrong.status_code) == (403, 403), path
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(seeded.correspondence_id)
        revision, _ = await repo.latest_draft(seeded.correspondence_id)
        held = await repo.quarantine()
    assert correspondence.state is State.COMPLETE
    assert revision == 1
    assert [e.id for e in held] == [seeded.held_id]
    assert (await client.get("/")).status_code == 200  # still logged in: logout was refused too


async def test_login_needs_the_login_pages_token(anonymous: httpx.AsyncClient) -> None:
    """A login form sent from elsewhere (no session, or no token) is refused."""
    refused = await anonymous.post("/login", data={"email": EDITOR, "password": PASSWORD})
    assert refused.status_code == 403
    await anonymous.get("/login")
    wrong = await anonymous.post(
        "/login", data={"csrf": "forged", "email": EDITOR, "password": PASSWORD}
    )
    assert wrong.status_code == 403
    assert (await anonymous.get("/")).status_code == 303


async def test_actions_need_a_login_even_with_a_valid_token(
    anonymous: httpx.AsyncClient, seeded: Seeded
) -> None:
    """A visitor's own login-page token does not make a POST of an editor's action pass."""
    token = csrf_of((await anonymous.get("/login")).text)
    for path in actions(seeded):
        answer = await anonymous.post(path, data={"csrf": token, "note": "x"})
        assert answer.status_code == 403, path


async def test_a_cross_site_post_is_refused_even_with_the_token(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """A browser saying the request comes from another site is refused outright."""
    page = await client.get(f"/c/{seeded.correspondence_id}/draft")
    answer = await client.post(
        f"/c/{seeded.correspondence_id}/approve",
        data={"csrf": csrf_of(page.text), "base": "1"},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert answer.status_code == 403


# what every response carries


async def test_every_page_carries_a_strict_content_security_policy(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Pages forbid inline script and style; the full-page preview allows no script at all."""
    for path in [*pages(seeded), "/login", "/static/editor.css", "/nowhere"]:
        answer = await client.get(path)
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy, path
        assert "'unsafe-inline'" not in policy.split("style-src")[0], path
        assert "script-src 'self'" in policy or "script-src" not in policy, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    page = await client.get(f"/c/{seeded.correspondence_id}/draft")
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    preview = await client.get(f"/c/{seeded.correspondence_id}/preview/")
    assert "script-src" not in preview.headers["content-security-policy"]  # default 'none'


def _scripts_and_handlers(html: str) -> list[str]:
    """Everything in a page that could run script: script elements, on* attributes, js: URLs."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    found = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "script" and element.get("src") != "/static/editor.js":
            found.append(f"<script> {element.text!r}")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{tag} {name}={value!r}")
            if value.strip().lower().startswith("javascript:"):
                found.append(f"{tag} {name}={value!r}")
        if tag in ("iframe", "object", "embed", "base"):
            found.append(tag)
    return found


async def test_letter_payloads_are_inert_on_every_page(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Script and onerror payloads in letters and held mail show as text and never as markup."""
    for path in pages(seeded):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        if not answer.headers["content-type"].startswith("text/html"):
            continue
        assert _scripts_and_handlers(answer.text) == [], path
        assert "<script>window" not in answer.text, path
    timeline = (await client.get(f"/c/{seeded.correspondence_id}")).text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in timeline
    draft = (await client.get(f"/c/{seeded.correspondence_id}/draft")).text
    assert "onerror=&#34;window.__pwned" in draft or "onerror=&quot;window.__pwned" in draft
    held = (await client.get(f"/quarantine/{seeded.held_id}")).text
    assert "Hallo redactie" in held
    assert 'href="javascript' not in held


# the pages


async def test_the_list_shows_state_letters_and_whom_it_waits_for(
    client: httpx.AsyncClient, seeded: Seeded, store: Store, clock: MovingClock
) -> None:
    """The list names each correspondence's state, letters and whom it waits for."""
    await workflows.start_correspondence(
        store, "Is content marketing dood?", [CAROLA, DENISE], clock=clock, actor=EDITOR
    )
    page = (await client.get("/")).text
    assert "Kwetsbaarheid op het werk" in page
    assert "Is content marketing dood?" in page
    assert "the editor: review the draft" in page
    assert "Carola Zandvliet" in page  # the new one waits for its first writer
    filtered = (await client.get("/?state=open")).text
    assert "Is content marketing dood?" in filtered
    assert "Kwetsbaarheid op het werk" not in filtered
    assert (await client.get("/?state=nonsense&page=zz")).status_code == 200


async def test_the_timeline_shows_letters_cuts_and_events(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """The timeline shows each letter with what was cut, and the events around them."""
    page = (await client.get(f"/c/{seeded.correspondence_id}")).text
    assert page.count('class="entry letter"') == 3
    assert "What was left out" in page
    assert "quoted history" in page
    assert "Denise Veldhuis\nSchrijver" in page or "Schrijver" in page
    assert "state changed" in page
    assert "Put back into the draft" in page
    assert "Open the draft" in page


async def test_a_correspondence_is_started_from_the_list(
    client: httpx.AsyncClient, seeded: Seeded, store: Store
) -> None:
    """The list's form starts a correspondence and queues an invitation to each writer."""
    page = await client.get("/")
    assert '<option value="denise@brieven.example">' in page.text
    answer = await client.post(
        "/new",
        data={
            "csrf": csrf_of(page.text),
            "topic": "Is content marketing dood?",
            "email1": "Denise@Brieven.example",
            "name1": "",
            "email2": "joost@nieuw.example",
            "name2": " Joost  de Boer ",
        },
    )
    assert answer.status_code == 303
    cid = answer.headers["location"].split("/")[2].split("?")[0]
    async with store.unit() as repo:
        started = await repo.get_correspondence(cid)
        outbox = await repo.outbox()
    assert started.topic == "Is content marketing dood?"
    assert [(w.email, w.name) for w in started.writers] == [
        (DENISE.email, DENISE.name),
        ("joost@nieuw.example", "Joost de Boer"),
    ]
    invitations = [m for m in outbox if m.kind is MailKind.INVITATION]
    assert sorted(m.recipients for m in invitations) == [(DENISE.email,), ("joost@nieuw.example",)]
    bad = await client.post(
        "/new",
        data={"csrf": csrf_of(page.text), "topic": "X", "email1": "nope", "email2": "a@b.example"},
    )
    assert bad.status_code == 409
    assert "is not an email address" in bad.text


async def test_a_held_message_is_released_from_its_page(
    client: httpx.AsyncClient, seeded: Seeded, store: Store, clock: MovingClock
) -> None:
    """Releasing files the held message as the letter of the writer picked."""
    other = await workflows.start_correspondence(
        store, "Tweede gesprek", [DENISE, CAROLA], clock=clock, actor=EDITOR
    )
    page = await client.get(f"/quarantine/{seeded.held_id}")
    assert f'value="{other.id} {CAROLA.email}"' in page.text
    answer = await client.post(
        f"/quarantine/{seeded.held_id}/release",
        data={"csrf": csrf_of(page.text), "target": f"{other.id} {CAROLA.email}"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/c/{other.id}?done=released")
    async with store.unit() as repo:
        (letter,) = await repo.letters(other.id)
        outbox = await repo.outbox()
    assert letter.writer.email == CAROLA.email
    assert [m.recipients for m in outbox if m.kind is MailKind.RELAY] == [(DENISE.email,)]
    again = await client.post(
        f"/quarantine/{seeded.held_id}/release",
        data={"csrf": csrf_of(page.text), "target": f"{other.id} {CAROLA.email}"},
    )
    assert again.status_code == 409
    assert "not in the quarantine" in again.text


async def test_the_quarantine_list_offers_only_the_likely_places(
    client: httpx.AsyncClient, seeded: Seeded, store: Store, clock: MovingClock
) -> None:
    """The list offers where the held message's sender writes; the message's page offers all."""
    for topic, writers in (("Van Denise", [DENISE, CAROLA]), ("Zonder haar", [CAROLA, STRANGER])):
        await workflows.start_correspondence(store, topic, writers, clock=clock, actor=EDITOR)
    listed = (await client.get("/quarantine")).text
    assert "Van Denise" not in listed  # the sender writes in none of them
    assert "Read it, or file it elsewhere" in listed
    own = (await client.get(f"/quarantine/{seeded.held_id}")).text
    assert own.count("<option ") == 4
    open_ones = [c for c in (await _open(store)) if c.topic != TOPIC]
    likely = held_pages.likely_targets(STRANGER.email, None, open_ones)
    assert [t.label.split(" (")[0] for t in likely] == ["Zonder haar", "Zonder haar"]
    assert held_pages.preselect(STRANGER.email, None, open_ones).endswith(STRANGER.email)


async def _open(store: Store) -> list[Correspondence]:
    async with store.unit() as repo:
        return await repo.open_correspondences()


async def test_a_held_message_is_discarded_from_the_quarantine_page(
    client: httpx.AsyncClient, seeded: Seeded, store: Store
) -> None:
    """Discarding takes a message out of the quarantine; its bytes stay."""
    page = await client.get("/quarantine")
    assert "Release" in page.text
    answer = await client.post(
        f"/quarantine/{seeded.held_id}/discard", data={"csrf": csrf_of(page.text)}
    )
    assert answer.headers["location"] == "/quarantine?done=discarded"
    async with store.unit() as repo:
        assert (await repo.message_entry(seeded.held_id)).status is RawStatus.DISCARDED
    assert "Nothing is held back." in (await client.get("/quarantine?done=discarded")).text


async def test_completing_from_the_page_compiles_a_draft(
    client: httpx.AsyncClient, seeded: Seeded, store: Store, settings: Settings, clock: MovingClock
) -> None:
    """An open correspondence with letters can be completed from its page."""
    other = await workflows.start_correspondence(
        store, "Derde gesprek", [DENISE, CAROLA], clock=clock, actor=EDITOR
    )
    await workflows.receive(
        store,
        message(
            DENISE.email,
            "Lieve Carola,\n\nHoe gaat het?\n\nDenise\n",
            message_id="9@b.example",
            subject="Derde gesprek",
        ),
        source="t",
        settings=settings,
        clock=clock,
    )
    page = await client.get(f"/c/{other.id}")
    assert "Mark complete" in page.text
    answer = await client.post(f"/c/{other.id}/complete", data={"csrf": csrf_of(page.text)})
    assert answer.headers["location"] == f"/c/{other.id}/draft?done=completed"
    assert (await client.get(answer.headers["location"])).status_code == 200


async def _edit(client: httpx.AsyncClient, cid: str, **fields: str) -> httpx.Response:
    page = await client.get(f"/c/{cid}/draft")
    revision = re.search(r'name="base" value="(\d+)"', page.text)
    assert revision is not None
    data = {"csrf": csrf_of(page.text), "base": revision.group(1), **fields}
    return await client.post(f"/c/{cid}/draft/edit", data=data)


async def test_edits_from_the_panel_become_revisions(
    client: httpx.AsyncClient, seeded: Seeded, store: Store
) -> None:
    """Title, heading, pull quote and leaving out a paragraph each save a revision."""
    cid = seeded.correspondence_id
    answer = await _edit(
        client,
        cid,
        op="details",
        title="Twijfel is het begin",
        intro="Twee schrijvers over twijfel.",
        categories="Werk, Brieven",
        slug="twijfel",
        description="",
        credit="Tekst: de schrijvers",
    )
    assert answer.headers["location"] == f"/c/{cid}/draft?done=saved&section=details#details"
    await _edit(client, cid, op="add_heading", text="Over twijfel", before_turn="1")
    await _edit(
        client,
        cid,
        op="add_quote",
        text="Twijfel is het begin van alles.",
        after_turn="",
    )
    await _edit(client, cid, op="omit_paragraph", turn="0", paragraph="1")
    article = await workflows.current_draft(store, cid)
    assert article.revision == 5
    assert article.title == "Twijfel is het begin"
    assert article.categories == ("Werk", "Brieven")
    assert [h.text for h in article.headings] == ["Over twijfel"]
    assert [(q.text, q.after_turn) for q in article.pull_quotes] == [
        ("Twijfel is het begin van alles.", 1)
    ]
    assert article.turns[0].omitted_paragraphs == (1,)
    page = (await client.get(f"/c/{cid}/draft")).text
    assert "<h2>Over twijfel</h2>" in page
    assert "Bring back this paragraph" in page
    assert (
        "The draft is saved as a new revision."
        in (await client.get(f"/c/{cid}/draft?done=saved")).text
    )
    async with store.unit() as repo:
        assert (await repo.get_correspondence(cid)).state is State.IN_REVIEW


async def test_an_edit_on_a_stale_revision_is_refused(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """A form made on an older revision than the latest is refused, not merged."""
    cid = seeded.correspondence_id
    page = await client.get(f"/c/{cid}/draft")
    await _edit(client, cid, op="title", title="Eerst")
    stale = await client.post(
        f"/c/{cid}/draft/edit",
        data={"csrf": csrf_of(page.text), "base": "1", "op": "title", "title": "Later"},
    )
    assert stale.status_code == 409
    assert "someone saved a newer revision" in stale.text


async def test_a_malformed_edit_is_a_clear_error(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """An unknown operation or a turn that is not there says so, with status 400."""
    cid = seeded.correspondence_id
    unknown = await _edit(client, cid, op="explode")
    assert unknown.status_code == 400
    assert "unknown edit" in unknown.text
    missing = await _edit(client, cid, op="omit_turn", turn="99")
    assert missing.status_code == 400
    assert "there is no turn 99" in missing.text
    nonsense = await _edit(client, cid, op="omit_turn", turn="two")
    assert "needs a number" in nonsense.text


async def test_cut_text_can_be_put_back_into_the_draft(
    client: httpx.AsyncClient, seeded: Seeded, store: Store
) -> None:
    """A signature that extraction cut can be put back after the letter's last paragraph."""
    cid = seeded.correspondence_id
    page = (await client.get(f"/c/{cid}")).text
    async with store.unit() as repo:
        letters = await repo.letters(cid)
    first = letters[0]
    index = next(i for i, c in enumerate(first.extraction.removed) if c.kind == "signature")
    answer = await client.post(
        f"/c/{cid}/draft/restore",
        data={"csrf": csrf_of(page), "letter": str(first.id), "cut": str(index)},
    )
    assert answer.status_code == 303
    article = await workflows.current_draft(store, cid)
    assert "Schrijver" in article.turns[0].paragraphs[-1]
    refused = await client.post(
        f"/c/{cid}/draft/restore",
        data={"csrf": csrf_of(page), "letter": str(first.id), "cut": "99"},
    )
    assert refused.status_code == 409


async def test_revisions_page_shows_a_block_diff(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """The revisions page lists revisions and shows what changed, word by word."""
    cid = seeded.correspondence_id
    await _edit(client, cid, op="title", title="Twijfel op het werk")
    page = (await client.get(f"/c/{cid}/revisions")).text
    assert "From revision 1 to 2" in page
    assert "<del>Kwetsbaarheid</del>" in page
    assert "<ins>Twijfel</ins>" in page
    same = (await client.get(f"/c/{cid}/revisions?from=2&to=2")).text
    assert "Pick two different revisions" in same


def test_word_diff_keeps_deletes_and_inserts() -> None:
    """A changed sentence splits into kept, deleted and inserted runs of words."""
    pieces = word_diff("twijfel is het begin", "twijfel is vaak het einde")
    assert [(p.kind, p.text) for p in pieces] == [
        ("same", "twijfel is"),
        ("ins", "vaak"),
        ("same", "het"),
        ("del", "begin"),
        ("ins", "einde"),
    ]


async def test_approve_then_publish_writes_the_article(
    client: httpx.AsyncClient, seeded: Seeded, settings: Settings
) -> None:
    """Approving the revision shown and publishing it writes the article's files."""
    cid = seeded.correspondence_id
    page = (await client.get(f"/c/{cid}/draft")).text
    answer = await client.post(
        f"/c/{cid}/approve", data={"csrf": csrf_of(page), "base": "1", "note": "mooi"}
    )
    assert answer.headers["location"].endswith("done=approved&section=decision#decision")
    page = (await client.get(f"/c/{cid}/draft")).text
    assert "Consent of the writers" in page
    answer = await client.post(f"/c/{cid}/publish", data={"csrf": csrf_of(page)})
    assert answer.status_code == 303
    index = settings.service.output_dir / "kwetsbaarheid-op-het-werk" / "index.html"
    assert index.is_file()
    assert "&lt;script&gt;" in index.read_text("utf-8")
    page = (await client.get(f"/c/{cid}/draft?done=published")).text
    assert "Published to" in page
    assert "The article is published." in page


async def test_approving_a_revision_not_shown_is_refused(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """An approval names the revision the editor saw; a newer one is not approved blindly."""
    cid = seeded.correspondence_id
    page = (await client.get(f"/c/{cid}/draft")).text
    await _edit(client, cid, op="title", title="Nieuw")
    answer = await client.post(f"/c/{cid}/approve", data={"csrf": csrf_of(page), "base": "1"})
    assert answer.status_code == 409


async def test_requesting_changes_mails_the_writers_and_can_reopen(
    client: httpx.AsyncClient, seeded: Seeded, store: Store
) -> None:
    """A request for changes needs a note, is mailed, and with reopen opens the correspondence."""
    cid = seeded.correspondence_id
    page = (await client.get(f"/c/{cid}/draft")).text
    empty = await client.post(f"/c/{cid}/request-changes", data={"csrf": csrf_of(page)})
    assert empty.status_code == 409
    answer = await client.post(
        f"/c/{cid}/request-changes",
        data={"csrf": csrf_of(page), "note": "Nog een brief graag.", "reopen": "yes"},
    )
    assert answer.headers["location"] == f"/c/{cid}?done=reopened"
    async with store.unit() as repo:
        assert (await repo.get_correspondence(cid)).state is State.OPEN
        mails = await repo.outbox()
    assert any(m.correspondence_id == cid for m in mails)


async def test_unknown_things_are_a_404_page(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """Unknown correspondences, held messages, images and paths answer 404 with a page."""
    for path in (
        "/c/zzzzzz",
        "/c/zzzzzz/draft",
        "/quarantine/99999",
        f"/c/{seeded.correspondence_id}/preview/nothing.png",
        "/nowhere",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "Something went wrong" in answer.text


async def test_the_image_is_served_from_the_letter(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """The draft's image is served as a PNG with a sandboxing policy."""
    answer = await client.get(f"/c/{seeded.correspondence_id}/preview/bureau.png")
    assert answer.headers["content-type"] == "image/png"
    assert answer.content.startswith(b"\x89PNG")
    assert "sandbox" in answer.headers["content-security-policy"]


async def test_a_huge_request_body_is_refused(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """A body larger than any form is refused before it is read."""
    answer = await client.post(
        f"/c/{seeded.correspondence_id}/draft/edit", content=b"x" * (3 * 1024 * 1024)
    )
    assert answer.status_code == 413


# language


async def test_the_interface_speaks_dutch_when_the_service_does(
    tmp_path: Path, store: Store, clock: MovingClock
) -> None:
    """With service.language = "nl" the pages are in Dutch."""
    settings = editor_settings(tmp_path, language="nl")
    seeded = await seed(store, settings, clock)
    await give_password(store, settings, clock)
    app = create_app(settings, store, clock=clock, passwords=CHEAP_PASSWORDS, login_delay=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        login = await c.get("/login")
        assert '<html lang="nl">' in login.text
        assert "Inloggen" in login.text
        await log_in(c)
        page = (await c.get(f"/c/{seeded.correspondence_id}/draft")).text
        assert "Tussenkop toevoegen" in page
        assert "Briefwisselingen" in page


def _template_texts() -> set[str]:
    folder = Path(__file__).parents[1] / "penpal" / "editor"
    texts: set[str] = set()
    pattern = re.compile(r"""(?<![\w.])_\((?:"([^"]*)"|'([^']*)')""")
    sources = [*folder.glob("templates/*.j2"), *folder.glob("*.py")]
    for path in sources:
        if path.name == "i18n.py":  # the dictionary itself
            continue
        texts |= {a or b for a, b in pattern.findall(path.read_text("utf-8"))}
    return texts


def test_every_interface_text_has_its_dutch() -> None:
    """Every text the pages use through _() has a Dutch translation."""
    texts = {t for t in _template_texts() if not t.endswith(":")} | set(DONE.values())
    texts |= {auth.CROSS_SITE, auth.NO_SESSION, auth.BAD_TOKEN, auth.LOG_IN_FIRST, TOO_LARGE}
    texts.discard("English text")  # the example in rendering's docstring
    missing = sorted(t for t in texts if t not in NL)
    assert missing == []


def test_every_named_thing_has_both_languages() -> None:
    """States, statuses and cut kinds read as words in English and in Dutch."""
    names = [f"state:{s}" for s in State] + [f"status:{s}" for s in RawStatus]
    names += [f"cut:{c}" for c in CutKind]
    for name in names:
        assert name in NAMES_EN
        assert name in NL
    assert translator("en")("event:something_new") == "something new"
    assert translator("nl")("Page {page} of {pages}", page=2, pages=3) == "Pagina 2 van 3"
