"""The draft pages: the preview beside the edit panel, revisions, and the editor's decisions.

The preview is the article fragment rendered by the same templates that publish
it (:func:`penpal.articles.render_html_fragment`), cleaned by nh3 and placed in
the page; it is built once per revision and kept (:mod:`penpal.editor.previews`),
so a view of the page reads only the revision's number unless the revision is
new to the app. The full-page preview is :func:`penpal.articles.render_html` itself,
served with a policy that allows its inline style and no script. Images come
from the letters' attachments, raster types only. Every form of the edit panel
posts one operation with the revision it was made on; it becomes typed edits
(:mod:`penpal.articles`) that :func:`penpal.workflows.drafting.edit` applies, so
an edit made on a stale revision is refused, not merged. Approving, asking for
changes and publishing go through the drafting workflows as well. This module
must not change a draft itself.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from penpal.articles import (
    AddHeading,
    AddPullQuote,
    BlockChange,
    Edit,
    FixParagraph,
    MoveHeading,
    MovePullQuote,
    OmitParagraph,
    OmitTurn,
    RemoveHeading,
    RemovePullQuote,
    RestoreParagraph,
    RestoreTurn,
    SetCategories,
    SetCredit,
    SetDescription,
    SetHeading,
    SetImage,
    SetIntro,
    SetSlug,
    SetTitle,
    article_from_json,
    ensure_ids,
    image_files,
    render_html,
    render_html_fragment,
)
from penpal.editor.auth import editor_page, read_form, reading
from penpal.editor.previews import DraftView, open_suggestions, turn_choices
from penpal.editor.rendering import render
from penpal.editor.sanitising import clean_article
from penpal.editor.site import Site, site_of
from penpal.errors import DraftFormatError, NotFound, WorkflowError
from penpal.letters import Correspondence, CutKind, LetterId, State
from penpal.store import EditorAccount, Event
from penpal.workflows import drafting

PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
"""The full-page preview: the article's own inline style, its images, and no script at all."""

IMAGE_POLICY = "default-src 'none'; sandbox"

_RASTER_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})
_EDITABLE = frozenset({State.COMPLETE, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED})
_APPROVABLE = frozenset({State.COMPLETE, State.IN_REVIEW, State.CHANGES_REQUESTED})
_RESTORABLE_CUTS = frozenset({CutKind.QUOTE, CutKind.SIGNATURE, CutKind.DISCLAIMER})
_SECTIONS = frozenset({"details", "headings", "quotes", "letters", "images", "decision"})
_CATEGORY_SPLIT = re.compile(r"[,\n]")


async def _load(site: Site, request: Request, cid: str) -> tuple[Correspondence, DraftView]:
    """The correspondence and its latest draft as the page shows it.

    The draft's content is read and its view built only when the app does not
    keep the view of that revision already (:class:`~penpal.editor.previews.Previews`).
    """
    async with reading(request) as repo:
        correspondence, head = await repo.draft_head(cid)
        if head is None:
            raise NotFound(f"correspondence {correspondence.id} has no draft yet")
        key = (correspondence.id, *head)
        view = site.previews.find(key)
        if view is not None:
            return correspondence, view
        revision, content = await repo.latest_draft(correspondence.id)
    # The stored number is the revision, as the drafting workflows read it too.
    article = ensure_ids(dataclasses.replace(article_from_json(content), revision=revision))
    names = {image.filename for image in article.images}
    view = DraftView(
        article=article,
        preview=clean_article(
            render_html_fragment(article, site.env),
            lambda name: _image_path(request, correspondence, name) if name in names else None,
        ),
        turns=tuple(turn_choices(article)),
        suggested_quotes=tuple(open_suggestions(article)),
    )
    # Under the revision read, which is the head read above: one transaction.
    site.previews.keep((correspondence.id, revision, head[1]), view)
    return correspondence, view


def _image_path(request: Request, correspondence: Correspondence, filename: str) -> str:
    return str(request.app.url_path_for("image", cid=correspondence.id, filename=filename))


def _tidy(text: str) -> str:
    return " ".join(text.split())


def _published_folder(events: Sequence[Event]) -> str:
    for event in reversed(events):
        if event.kind == drafting.PUBLISHED_EVENT:
            return str(event.detail.get("folder", ""))
    return ""


@editor_page
async def draft(request: Request, editor: EditorAccount) -> Response:
    """The draft: its preview as it will be published, beside what the editor can do."""
    site = site_of(request)
    correspondence, view = await _load(site, request, request.path_params["cid"])
    article = view.article
    state = correspondence.state
    consent: dict[str, bool] = {}
    events: list[Event] = []
    if state in (State.APPROVED, State.PUBLISHED):
        consent = await drafting.consent_status(site.store, correspondence.id)
        async with reading(request) as repo:
            events = await repo.events(correspondence.id)
    section = request.query_params.get("section", "")
    return render(
        request,
        "draft.html.j2",
        {
            "c": correspondence,
            "article": article,
            "revision": article.revision,
            "preview": view.preview,
            "turns": view.turns,
            "suggested_quotes": view.suggested_quotes,
            "section": section if section in _SECTIONS else "",
            "editable": state in _EDITABLE,
            "can_approve": state in _APPROVABLE,
            "can_request_changes": state in _APPROVABLE or state is State.APPROVED,
            "can_publish": state in (State.APPROVED, State.PUBLISHED),
            "consent": [(w, consent.get(w.email, False)) for w in correspondence.writers],
            "consent_required": site.settings.policy.require_consent,
            "published_folder": _published_folder(events),
            "image_path": lambda name: _image_path(request, correspondence, name),
        },
    )


@editor_page
async def preview(request: Request, editor: EditorAccount) -> Response:
    """The draft as the standalone page it will be published as."""
    site = site_of(request)
    _, view = await _load(site, request, request.path_params["cid"])
    response = Response(render_html(view.article, site.env), media_type="text/html; charset=utf-8")
    response.headers["content-security-policy"] = PREVIEW_POLICY
    return response


@editor_page
async def image(request: Request, editor: EditorAccount) -> Response:
    """An image of the draft, from the attachment of the letter it came with."""
    filename = request.path_params["filename"]
    async with reading(request) as repo:
        correspondence = await repo.get_correspondence(request.path_params["cid"])
        letters = await repo.letters(correspondence.id)
    attachment = image_files(letters).get(filename)
    if attachment is None or attachment.content_type.lower() not in _RASTER_TYPES:
        raise NotFound(f"no image {filename!r} in correspondence {correspondence.id}")
    response = Response(attachment.data, media_type=attachment.content_type.lower())
    response.headers["content-security-policy"] = IMAGE_POLICY
    response.headers["cache-control"] = "private, max-age=300"
    return response


# ------------------------------------------------------------------ editing


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _number(form: FormData, name: str) -> int:
    text = _text(form, name).strip()
    try:
        return int(text)
    except ValueError:
        raise DraftFormatError(f"the form field {name!r} needs a number, not {text!r}") from None


def _optional_number(form: FormData, name: str) -> int | None:
    return _number(form, name) if _text(form, name).strip() else None


def _details(form: FormData) -> list[Edit]:
    categories = tuple(c.strip() for c in _CATEGORY_SPLIT.split(_text(form, "categories")))
    return [
        SetTitle(_text(form, "title")),
        SetSlug(_text(form, "slug")),
        SetCategories(categories),
        SetIntro(_text(form, "intro")),
        SetDescription(_text(form, "description")),
        SetCredit(_text(form, "credit")),
    ]


def _image(form: FormData) -> list[Edit]:
    return [
        SetImage(
            _text(form, "filename"),
            caption=_text(form, "caption"),
            credit=_text(form, "credit"),
            turn=_optional_number(form, "turn"),
            omitted=_text(form, "omitted") == "yes",
        )
    ]


# Each form of the panel names its operation; this is what the operation edits,
# and which section of the panel to show open afterwards.
_OPERATIONS: dict[str, tuple[str, Callable[[FormData], list[Edit]]]] = {
    "details": ("details", _details),
    "title": ("details", lambda f: [SetTitle(_text(f, "title"))]),
    "add_heading": (
        "headings",
        lambda f: [AddHeading(_text(f, "text"), _number(f, "before_turn"))],
    ),
    "change_heading": (
        "headings",
        lambda f: [
            SetHeading(_text(f, "heading"), _text(f, "text")),
            MoveHeading(_text(f, "heading"), _number(f, "before_turn")),
        ],
    ),
    "remove_heading": ("headings", lambda f: [RemoveHeading(_text(f, "heading"))]),
    "add_quote": (
        "quotes",
        lambda f: [AddPullQuote(_text(f, "text"), _optional_number(f, "after_turn"))],
    ),
    "move_quote": (
        "quotes",
        lambda f: [MovePullQuote(_text(f, "quote"), _number(f, "after_turn"))],
    ),
    "remove_quote": ("quotes", lambda f: [RemovePullQuote(_text(f, "quote"))]),
    "omit_turn": ("letters", lambda f: [OmitTurn(_number(f, "turn"))]),
    "restore_turn": ("letters", lambda f: [RestoreTurn(_number(f, "turn"))]),
    "omit_paragraph": (
        "letters",
        lambda f: [OmitParagraph(_number(f, "turn"), _number(f, "paragraph"))],
    ),
    "restore_paragraph": (
        "letters",
        lambda f: [RestoreParagraph(_number(f, "turn"), _number(f, "paragraph"))],
    ),
    "fix_paragraph": (
        "letters",
        lambda f: [FixParagraph(_number(f, "turn"), _number(f, "paragraph"), _text(f, "text"))],
    ),
    "image": ("images", _image),
}


def edits_from_form(form: FormData) -> tuple[str, list[Edit]]:
    """The panel section and the typed edits one posted form asks for.

    Raises:
        DraftFormatError: an unknown operation or a field that is not a number.
    """
    operation = _text(form, "op")
    if operation not in _OPERATIONS:
        raise DraftFormatError(f"unknown edit {operation!r}")
    section, build = _OPERATIONS[operation]
    return section, build(form)


def _to_draft(request: Request, cid: str, done: str, section: str = "") -> Response:
    target = request.app.url_path_for("draft", cid=cid)
    query = f"?done={done}" + (f"&section={section}" if section else "")
    anchor = f"#{section}" if section else ""
    return RedirectResponse(f"{target}{query}{anchor}", status_code=303)


@editor_page
async def edit(request: Request, editor: EditorAccount) -> Response:
    """Apply one form's edits to the revision it was made on, saving the next revision."""
    site = site_of(request)
    form = await read_form(request)
    section, edits = edits_from_form(form)
    saved = await drafting.edit(
        site.store,
        request.path_params["cid"],
        edits,
        base_revision=_number(form, "base"),
        clock=site.clock,
        actor=editor.email,
        note=_tidy(_text(form, "note")),
    )
    return _to_draft(request, saved.correspondence_id, "saved", section)


@editor_page
async def restore_cut(request: Request, editor: EditorAccount) -> Response:
    """Put text that extraction cut from a letter back, after the letter's last paragraph."""
    site = site_of(request)
    form = await read_form(request)
    correspondence, view = await _load(site, request, request.path_params["cid"])
    article = view.article
    letter_id = LetterId(_number(form, "letter"))
    async with reading(request) as repo:
        letters = {letter.id: letter for letter in await repo.letters(correspondence.id)}
    letter = letters.get(letter_id)
    if letter is None:
        raise NotFound(f"no letter {letter_id} in correspondence {correspondence.id}")
    cuts = letter.extraction.removed
    index = _number(form, "cut")
    if not 0 <= index < len(cuts) or cuts[index].kind not in _RESTORABLE_CUTS:
        raise WorkflowError("that part of the letter cannot be put back into the draft")
    turns = [i for i, turn in enumerate(article.turns) if turn.letter_id == letter_id]
    if not turns or not article.turns[turns[0]].paragraphs:
        raise WorkflowError("this letter has no place in the draft to put text back into")
    turn = article.turns[turns[0]]
    last = len(turn.paragraphs) - 1
    text = f"{turn.paragraphs[last]}\n\n{cuts[index].text}"
    await drafting.edit(
        site.store,
        correspondence.id,
        [FixParagraph(turns[0], last, text)],
        base_revision=article.revision,
        clock=site.clock,
        actor=editor.email,
        note=f"put back what was cut from letter {letter_id} ({cuts[index].kind})",
    )
    return _to_draft(request, correspondence.id, "restored", "letters")


# ------------------------------------------------------------ the decision


@editor_page
async def approve(request: Request, editor: EditorAccount) -> Response:
    """Approve the latest revision (which the form must still show)."""
    site = site_of(request)
    form = await read_form(request)
    correspondence, view = await _load(site, request, request.path_params["cid"])
    article = view.article
    if article.revision != _number(form, "base"):
        raise WorkflowError(
            f"the draft is at revision {article.revision} now, not the one you approved: "
            "look at it again"
        )
    await drafting.approve(
        site.store,
        correspondence.id,
        settings=site.settings,
        clock=site.clock,
        actor=editor.email,
        room=site.room,
        note=_text(form, "note"),
    )
    site.mailed()
    return _to_draft(request, correspondence.id, "approved", "decision")


@editor_page
async def request_changes(request: Request, editor: EditorAccount) -> Response:
    """Send the draft back with a note that is mailed to the writers."""
    site = site_of(request)
    form = await read_form(request)
    cid = request.path_params["cid"]
    changed = await drafting.request_changes(
        site.store,
        cid,
        _text(form, "note"),
        settings=site.settings,
        clock=site.clock,
        actor=editor.email,
        room=site.room,
        reopen=_text(form, "reopen") == "yes",
    )
    site.mailed()
    if changed.state is State.OPEN:
        target = request.app.url_path_for("correspondence", cid=changed.id)
        return RedirectResponse(f"{target}?done=reopened", status_code=303)
    return _to_draft(request, changed.id, "changes_requested", "decision")


@editor_page
async def publish(request: Request, editor: EditorAccount) -> Response:
    """Write the approved article to the output folder."""
    site = site_of(request)
    cid = request.path_params["cid"].strip().lower()
    # The page shows where it went from the event log, which publishing writes.
    await drafting.publish(
        site.store,
        cid,
        settings=site.settings,
        clock=site.clock,
        actor=editor.email,
        env=site.env,
    )
    return _to_draft(request, cid, "published", "decision")


# ------------------------------------------------------------ revisions


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of words in a changed paragraph: kept, taken out or put in."""

    kind: str
    text: str


def word_diff(before: str, after: str) -> list[Piece]:
    """``before`` → ``after`` as runs of kept, deleted and inserted words."""
    old, new = before.split(" "), after.split(" ")
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("del", " ".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("ins", " ".join(new[j1:j2])))
    return pieces


@dataclass(frozen=True, slots=True)
class ChangeView:
    """A block change as the revisions page shows it."""

    change: BlockChange
    pieces: tuple[Piece, ...]


def _revision_number(text: str, default: int, known: set[int]) -> int:
    try:
        number = int(text)
    except ValueError:
        return default
    return number if number in known else default


@editor_page
async def revisions(request: Request, editor: EditorAccount) -> Response:
    """Every revision, and what changed between two of them (the last two by default)."""
    site = site_of(request)
    async with reading(request) as repo:
        correspondence = await repo.get_correspondence(request.path_params["cid"])
    saved = await drafting.revisions(site.store, correspondence.id)
    if not saved:
        raise NotFound(f"correspondence {correspondence.id} has no draft yet")
    numbers = [r.revision for r in saved]
    known = set(numbers)
    newest = numbers[-1]
    older = numbers[-2] if len(numbers) > 1 else newest
    old = _revision_number(request.query_params.get("from", ""), older, known)
    new = _revision_number(request.query_params.get("to", ""), newest, known)
    changes: list[ChangeView] = []
    if old != new:
        for change in await drafting.compare(site.store, correspondence.id, old, new):
            pieces: tuple[Piece, ...] = ()
            if change.change == "changed" and change.kind in ("paragraph", "intro", "title"):
                pieces = tuple(word_diff(change.before, change.after))
            changes.append(ChangeView(change, pieces))
    return render(
        request,
        "revisions.html.j2",
        {
            "c": correspondence,
            "revisions": list(reversed(saved)),
            "old": old,
            "new": new,
            "changes": changes,
        },
    )


def routes() -> list[BaseRoute]:
    """The draft pages' routes."""
    post: dict[str, Any] = {"methods": ["POST"]}
    return [
        Route("/c/{cid}/draft", draft, name="draft"),
        Route("/c/{cid}/draft/edit", edit, name="edit", **post),
        Route("/c/{cid}/draft/restore", restore_cut, name="restore_cut", **post),
        Route("/c/{cid}/preview/", preview, name="preview"),
        Route("/c/{cid}/preview/{filename}", image, name="image"),
        Route("/c/{cid}/revisions", revisions, name="revisions"),
        Route("/c/{cid}/approve", approve, name="approve", **post),
        Route("/c/{cid}/request-changes", request_changes, name="request_changes", **post),
        Route("/c/{cid}/publish", publish, name="publish", **post),
    ]
