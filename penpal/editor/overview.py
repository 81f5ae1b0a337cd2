"""The editor's overview pages: every correspondence, and one as a timeline.

The list shows each correspondence's state, letters, whom it waits for and when
it last moved, the latest activity first, fifty to a page, and a form to start
a correspondence (the writers are invited by mail). The timeline puts a
correspondence's letters (with what extraction cut from them, private paragraphs
marked), its events (relays, commands, reminders, state changes…) and the mail
that arrived for it without becoming a letter (auto-replies, bounces, held-back
mail) in the order they happened. This module reads and shows; changes go
through the workflows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from penpal import workflows
from penpal.articles import split_paragraphs
from penpal.config import Settings
from penpal.editor.auth import editor_page, read_form, reading
from penpal.editor.i18n import translator
from penpal.editor.rendering import render, route_paths, when
from penpal.editor.site import site_of
from penpal.errors import NotFound, WorkflowError
from penpal.letters import (
    Correspondence,
    CorrespondenceSummary,
    Cut,
    Letter,
    State,
    Writer,
)
from penpal.store import EditorAccount, Event, MessageEntry, RawStatus

PAGE_SIZE = 50

NOTHING = "\u2013"
"""What stands where there is nothing to say (an en dash)."""

_EDITABLE = frozenset({State.COMPLETE, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED})
_DETAIL_LENGTH = 200
# Event details that say nothing to an editor, or repeat what the entry shows.
_HIDDEN_DETAILS = frozenset({"record_id", "letter_id", "message_id", "letter", "draft"})


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the list: the summary, and what the line says already put in words.

    ``waiting`` is whom the correspondence waits for; ``link`` its page, ``writers``
    their names, ``state`` its state and ``last_activity`` its latest activity,
    as the list shows them. Put in words here, not in the template: fifty lines
    of Jinja calls cost more than the rest of the page.
    """

    summary: CorrespondenceSummary
    waiting: str
    link: str = ""
    writers: str = ""
    state: str = ""
    last_activity: str = ""


def waiting_for(
    correspondence: Correspondence, last_writer: str | None, _: Callable[..., str]
) -> str:
    """Whom a correspondence waits for, in words: a writer, the editor, the writers, nobody."""
    state = correspondence.state
    if state is State.OPEN:
        writer = correspondence.writers[0] if correspondence.writers else None
        if last_writer is not None:
            last = correspondence.writer_for(last_writer)
            partner = correspondence.partner_of(last) if last is not None else None
            writer = partner or writer
        return (writer.name or writer.email) if writer is not None else NOTHING
    if state in (State.COMPLETE, State.IN_REVIEW):
        return _("the editor: review the draft")
    if state is State.CHANGES_REQUESTED:
        return _("the writers: changes requested")
    if state is State.APPROVED:
        return _("the editor: publish")
    return NOTHING


@editor_page
async def correspondences(request: Request, editor: EditorAccount) -> Response:
    """The list of correspondences, latest activity first, optionally of one state."""
    site = site_of(request)
    wanted = request.query_params.get("state", "")
    state = State(wanted) if wanted in {s.value for s in State} else None
    page = _page_number(request.query_params.get("page", "1"))
    async with reading(request) as repo:
        listing = await repo.listing(state, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    total = listing.total
    pages = max(1, math.ceil(total / PAGE_SIZE))
    _ = translator(site.language)
    path = route_paths(request)
    rows = [
        Row(
            e.summary,
            waiting_for(c, e.last_writer, _),
            link=path("correspondence", cid=c.id),
            writers=", ".join(w.name or w.email for w in c.writers),
            state=_(f"state:{c.state}"),
            last_activity=when(e.summary.last_activity, site.language),
        )
        for e in listing.entries
        for c in (e.summary.correspondence,)
    ]
    return render(
        request,
        "correspondences.html.j2",
        {
            "rows": rows,
            "states": [s.value for s in State],
            "state": state.value if state else "",
            "page": page,
            "pages": pages,
            "total": total,
            "known_writers": site.settings.writers,
        },
    )


def _page_number(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        return 1
    return min(max(number, 1), 100_000)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of a letter as the timeline shows it."""

    text: str
    private: bool


@dataclass(frozen=True, slots=True)
class LetterView:
    """A letter on the timeline: its paragraphs, and what extraction cut from it."""

    letter: Letter
    paragraphs: tuple[Paragraph, ...]
    cuts: tuple[Cut, ...]
    restorable: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the timeline."""

    at: datetime
    kind: str
    letter: LetterView | None = None
    event: Event | None = None
    message: MessageEntry | None = None
    details: tuple[tuple[str, str], ...] = field(default=())


def letter_view(letter: Letter, *, restorable: bool = False) -> LetterView:
    """How the timeline shows a letter: its text by paragraph, private ones marked."""
    private = {" ".join(p.split()) for p in letter.extraction.private}
    paragraphs = tuple(
        Paragraph(p, " ".join(p.split()) in private) for p in split_paragraphs(letter.text)
    )
    return LetterView(letter, paragraphs, letter.extraction.removed, restorable)


def _details(event: Event) -> tuple[tuple[str, str], ...]:
    shown = []
    for key, value in event.detail.items():
        if key in _HIDDEN_DETAILS or value in ("", None, [], {}):
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        if len(text) > _DETAIL_LENGTH:
            text = text[: _DETAIL_LENGTH - 1] + "…"
        shown.append((key, text))
    return tuple(shown)


def timeline(
    letters: Sequence[Letter],
    events: Sequence[Event],
    messages: Sequence[MessageEntry],
    *,
    restorable: bool = False,
) -> list[Item]:
    """Letters, events and other mail of a correspondence in the order they happened.

    A letter stands where it was filed (its ``letter`` event); one without such an
    event stands at its date. Mail that became a letter is not listed twice.
    """
    by_id = {int(letter.id): letter for letter in letters}
    placed: set[int] = set()
    items: list[Item] = []
    for event in events:
        letter_id = event.detail.get("letter_id")
        if event.kind == "letter" and isinstance(letter_id, int) and letter_id in by_id:
            placed.add(letter_id)
            view = letter_view(by_id[letter_id], restorable=restorable)
            items.append(Item(event.at, "letter", letter=view))
        else:
            items.append(Item(event.at, "event", event=event, details=_details(event)))
    for letter in letters:
        if int(letter.id) not in placed:
            items.append(
                Item(letter.date, "letter", letter=letter_view(letter, restorable=restorable))
            )
    for message in messages:
        if message.status is not RawStatus.LETTER:
            items.append(Item(message.received_at, "message", message=message))
    # sorted() is stable: entries of the same moment keep the order above.
    return sorted(items, key=lambda item: item.at)


@editor_page
async def correspondence(request: Request, editor: EditorAccount) -> Response:
    """One correspondence as a timeline, with what the editor can do next."""
    site = site_of(request)
    cid = request.path_params["cid"]
    async with reading(request) as repo:
        found = await repo.get_correspondence(cid)
        letters = await repo.letters(found.id)
        events = await repo.events(found.id)
        messages = await repo.messages_of(found.id)
        last = await repo.last_letter(found.id)
        try:
            await repo.latest_draft(found.id)
            has_draft = True
        except NotFound:
            has_draft = False
    _ = translator(site.language)
    restorable = has_draft and found.state in _EDITABLE
    return render(
        request,
        "correspondence.html.j2",
        {
            "c": found,
            "letters": len(letters),
            "waiting": waiting_for(found, last.writer.email if last else None, _),
            "has_draft": has_draft,
            "can_complete": found.state is State.OPEN and bool(letters),
            "items": timeline(letters, events, messages, restorable=restorable),
        },
    )


def writer_from_form(settings: Settings, email: str, name: str) -> Writer:
    """A writer as the form names one; a writer of ``[[writers]]`` keeps the configured details.

    Raises:
        WorkflowError: the address is not an address.
    """
    address = email.strip().lower()
    if "@" not in address or any(c.isspace() for c in address):
        raise WorkflowError(f"{email.strip()!r} is not an email address")
    for configured in settings.writers:
        writer = configured.to_writer()
        if address in writer.addresses:
            return writer
    return Writer(email=address, name=" ".join(name.split()) or address.split("@", 1)[0])


@editor_page
async def start(request: Request, editor: EditorAccount) -> Response:
    """Start a correspondence between two writers; each is invited by mail."""
    site = site_of(request)
    form = await read_form(request)

    def field(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    writers = [
        writer_from_form(site.settings, field(f"email{n}"), field(f"name{n}")) for n in (1, 2)
    ]
    started = await workflows.start_correspondence(
        site.store,
        field("topic"),
        writers,
        clock=site.clock,
        actor=editor.email,
        room=site.room,
    )
    site.mailed()
    target = request.app.url_path_for("correspondence", cid=started.id)
    return RedirectResponse(f"{target}?done=started", status_code=303)


@editor_page
async def complete(request: Request, editor: EditorAccount) -> Response:
    """Mark a correspondence complete and compile its draft, then show the draft."""
    site = site_of(request)
    cid = request.path_params["cid"]
    await workflows.complete(
        site.store,
        cid,
        settings=site.settings,
        clock=site.clock,
        actor=editor.email,
        room=site.room,
    )
    site.mailed()
    target = request.app.url_path_for("draft", cid=cid.lower())
    return RedirectResponse(f"{target}?done=completed", status_code=303)
