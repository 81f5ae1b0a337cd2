"""Correspondences and their articles: start, complete, edit, review, consent, publish.

Compiling, editing, comparing and rendering are the articles module's; this
module fetches what they need, saves every change as the next revision of the
draft, moves the correspondence through ``complete → in_review → approved →
published`` (``changes_requested`` back) and records who did what and why in the
event log. Each revision is also kept in the event log (kind ``revision``, with
its note and content), since the store hands out only the latest draft. Saving is
optimistic: an edit names the revision it was made on, and is refused when
someone saved a newer one meanwhile. This module must not open connections,
read configuration files or print; the output folder is :mod:`penpal.publishing`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import jinja2

from penpal.articles import (
    BlockChange,
    Edit,
    apply_edits,
    article_from_json,
    article_to_json,
    carry_over,
    compile_article,
    ensure_ids,
    image_files,
    letter_changes,
    plain_text,
    published_view,
    read_markdown,
    render_html_fragment,
)
from penpal.articles import diff as diff_articles
from penpal.articles import render_html as render_article_html
from penpal.articles import render_markdown as render_article_markdown
from penpal.config import Settings
from penpal.errors import NotFound, WorkflowError
from penpal.letters import Article, Correspondence, CorrespondenceId, State, Writer
from penpal.publishing import FRAGMENT, MARKDOWN, PAGE, Published, write_article
from penpal.store import Event, Repository, Store
from penpal.workflows.clock import Clock
from penpal.workflows.outgoing import (
    Mailroom,
    invite,
    mail_changes,
    notify_editors,
    request_consent,
)

REVISION_EVENT = "revision"
"""Event kind of a saved revision: detail ``revision``, ``note`` and ``draft`` (its JSON)."""
APPROVAL_EVENT = "approval"
"""Event kind of an approval: detail ``revision`` (the one approved) and ``note``."""
CONSENT_EVENT = "consent"
"""Event kind of a writer's agreement: detail ``revision`` (the approved one agreed to)."""
PUBLISHED_EVENT = "published"
"""Event kind of a publication: detail ``revision``, ``date``, ``slug`` and ``folder``."""

# Where an edit may be made, and why the state changes when it is.
_EDITABLE = {
    State.COMPLETE: "editing started",
    State.IN_REVIEW: "",
    State.CHANGES_REQUESTED: "edited after changes were requested",
    State.APPROVED: "edited after approval: it needs approving again",
}
_REVIEWABLE = (State.COMPLETE, State.IN_REVIEW, State.CHANGES_REQUESTED)


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """One saved revision of a draft: its number, when, by whom, and the note with it."""

    revision: int
    created_at: datetime
    actor: str
    note: str


async def start_correspondence(
    store: Store,
    topic: str,
    writers: Sequence[Writer],
    *,
    clock: Clock,
    actor: str,
    room: Mailroom | None = None,
) -> Correspondence:
    """Start a correspondence between two different writers; with a mailroom, invite them."""
    if not topic.strip():
        raise WorkflowError("a correspondence needs a topic")
    if len(writers) != 2 or writers[0].addresses & writers[1].addresses:
        raise WorkflowError("a correspondence needs two different writers")
    async with store.unit() as repo:
        now = clock()
        correspondence = await repo.create_correspondence(
            topic.strip(), writers, now=now, actor=actor, subject=topic.strip()
        )
        if room is not None:
            await invite(repo, room, correspondence, now=now)
        return correspondence


async def complete(
    store: Store,
    correspondence_id: str,
    *,
    settings: Settings,
    clock: Clock,
    actor: str,
    room: Mailroom | None = None,
) -> Article:
    """Mark a correspondence complete and compile its letters into the first draft."""
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(correspondence_id)
        if correspondence.state is not State.OPEN:
            raise WorkflowError(
                f"correspondence {correspondence.id} is {correspondence.state}, not open"
            )
        return await complete_in(
            repo, correspondence, settings=settings, now=clock(), actor=actor, room=room
        )


async def complete_in(
    repo: Repository,
    correspondence: Correspondence,
    *,
    settings: Settings,
    now: datetime,
    actor: str,
    room: Mailroom | None = None,
) -> Article:
    """Complete ``correspondence`` inside an open unit of work and save its draft.

    The first time, the draft is compiled from the letters. A correspondence that
    was reopened for more letters keeps the editor's work on the earlier letters
    (see :func:`penpal.articles.carry_over`). With a mailroom, the editors are
    sent the draft as Markdown.
    """
    letters = await repo.letters(correspondence.id)
    if not letters:
        raise WorkflowError(f"correspondence {correspondence.id} has no letters to compile")
    completed = await repo.set_state(
        correspondence.id, State.COMPLETE, now=now, actor=actor, reason="marked complete"
    )
    previous = await _latest(repo, correspondence.id)
    revision = previous.revision + 1 if previous is not None else 1
    article = compile_article(
        completed, letters, language=settings.service.language, revision=revision
    )
    note = "compiled from the letters"
    if previous is not None:
        article = carry_over(previous, article)
        note = "compiled again with the new letters"
    article = await _store_revision(
        repo, correspondence.id, article, now=now, actor=actor, note=note
    )
    if room is not None:
        await notify_editors(
            repo,
            room,
            "completed",
            {
                "topic": completed.topic,
                "writers": [w.name for w in completed.writers],
                "letters": len(letters),
                "draft_markdown": render_article_markdown(article, room.env),
                "draft_filename": f"{article.slug or completed.id}.md",
            },
            now=now,
            correspondence_id=completed.id,
        )
    return article


async def current_draft(store: Store, correspondence_id: str) -> Article:
    """The latest revision of a correspondence's draft."""
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(correspondence_id)
        return await _require_latest(repo, correspondence.id)


def render_draft(article: Article, fmt: str, env: jinja2.Environment) -> str:
    """The draft as Markdown or HTML."""
    if fmt == "md":
        return render_article_markdown(article, env)
    if fmt == "html":
        return render_article_html(article, env)
    raise WorkflowError(f"unknown draft format {fmt!r} (expected md, html or json)")


# ---------------------------------------------------------------- revisions


async def revisions(store: Store, cid: str) -> list[RevisionInfo]:
    """Every revision of the draft, oldest first, with when, who and the note."""
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        events = await repo.events(correspondence.id)
        try:
            latest, _ = await repo.latest_draft(correspondence.id)
        except NotFound:
            return []
    found: dict[int, RevisionInfo] = {}
    for event in events:
        if event.kind == REVISION_EVENT and isinstance(event.detail.get("revision"), int):
            number = event.detail["revision"]
            found[number] = RevisionInfo(
                number, event.at, event.actor, str(event.detail.get("note", ""))
            )
    if latest not in found:
        # A draft saved before revisions were logged: all we know is that it is there.
        found[latest] = RevisionInfo(latest, correspondence.created_at, "", "")
    return [found[number] for number in sorted(found)]


async def draft_revision(store: Store, cid: str, revision: int) -> Article:
    """Revision ``revision`` of the draft; raises ``NotFound`` when it is not kept."""
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        return await _revision(repo, correspondence.id, revision)


async def compare(store: Store, cid: str, old: int, new: int) -> list[BlockChange]:
    """What changed from revision ``old`` to revision ``new``, block by block."""
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        before = await _revision(repo, correspondence.id, old)
        after = await _revision(repo, correspondence.id, new)
    return diff_articles(before, after)


async def save_revision(
    store: Store,
    cid: str,
    article: Article,
    *,
    base_revision: int,
    clock: Clock,
    actor: str,
    room: Mailroom | None = None,
    note: str = "",
) -> Article:
    """Save ``article`` as the revision after ``base_revision`` and return it as saved.

    ``base_revision`` must still be the latest revision, else someone else saved
    meanwhile and ``WorkflowError`` says so. An article equal to its base saves
    nothing and returns the base. An edit moves the correspondence to
    ``in_review``; after approval that means it must be approved again. ``room``
    is accepted for the editor page's convenience; edits mail nobody.

    Raises:
        WorkflowError: the correspondence is open or published, or the base is stale.
        NotFound: no such correspondence, or it has no draft yet.
    """
    del room  # edits are not announced by mail
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        base = await _editable_base(repo, correspondence, base_revision)
        return await _save_edit(
            repo, correspondence, base, article, now=clock(), actor=actor, note=note
        )


async def edit(
    store: Store,
    cid: str,
    edits: Sequence[Edit],
    *,
    base_revision: int,
    clock: Clock,
    actor: str,
    note: str = "",
) -> Article:
    """Apply ``edits`` to revision ``base_revision`` and save the result as the next revision.

    Raises:
        DraftFormatError: an edit does not fit the draft (the message names it).
        WorkflowError: as :func:`save_revision`.
    """
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        base = await _editable_base(repo, correspondence, base_revision)
        changed = apply_edits(base, edits)
        return await _save_edit(
            repo, correspondence, base, changed, now=clock(), actor=actor, note=note
        )


async def update_from_markdown(
    store: Store, cid: str, text: str, *, clock: Clock, actor: str, note: str = ""
) -> Article:
    """Read an edited Markdown draft back and save it as the next revision.

    The document's front matter names the revision it was printed from; when that
    is no longer the latest, the update is refused (print the draft again and
    redo the edit). A document that names no revision is read against the latest.

    Raises:
        DraftFormatError: the document does not fit the format; the message names
            the line and the reason.
        WorkflowError: as :func:`save_revision`.
    """
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        latest = await _require_latest(repo, correspondence.id)
        read = read_markdown(text, latest)
        if read.revision is not None and read.revision != latest.revision:
            raise WorkflowError(
                f"the document was printed from revision {read.revision} of "
                f"{correspondence.id}, and the draft is at revision {latest.revision} now: "
                f"print it again (penpal draft {correspondence.id}) and redo the edit"
            )
        base = await _editable_base(repo, correspondence, latest.revision)
        return await _save_edit(
            repo, correspondence, base, read.article, now=clock(), actor=actor, note=note
        )


async def _editable_base(
    repo: Repository, correspondence: Correspondence, base_revision: int
) -> Article:
    if correspondence.state not in _EDITABLE:
        raise WorkflowError(
            f"correspondence {correspondence.id} is {correspondence.state}: "
            + (
                "it is published and can no longer be edited"
                if correspondence.state is State.PUBLISHED
                else "complete it before editing the draft"
            )
        )
    latest = await _require_latest(repo, correspondence.id)
    if latest.revision != base_revision:
        raise WorkflowError(
            f"the draft of {correspondence.id} is at revision {latest.revision}, "
            f"not {base_revision}: someone saved a newer revision meanwhile"
        )
    return latest


async def _save_edit(
    repo: Repository,
    correspondence: Correspondence,
    base: Article,
    article: Article,
    *,
    now: datetime,
    actor: str,
    note: str,
) -> Article:
    article = dataclasses.replace(
        ensure_ids(article), correspondence_id=correspondence.id, revision=base.revision
    )
    if article_to_json(article) == article_to_json(ensure_ids(base)):
        return base
    reason = _EDITABLE[correspondence.state]
    if reason:
        await repo.set_state(
            correspondence.id, State.IN_REVIEW, now=now, actor=actor, reason=reason
        )
    return await _store_revision(
        repo,
        correspondence.id,
        dataclasses.replace(article, revision=base.revision + 1),
        now=now,
        actor=actor,
        note=note,
    )


async def _store_revision(
    repo: Repository,
    cid: CorrespondenceId,
    article: Article,
    *,
    now: datetime,
    actor: str,
    note: str,
) -> Article:
    content = article_to_json(article)
    saved = await repo.save_draft(cid, content, now=now, actor=actor)
    if saved != article.revision:
        raise WorkflowError(
            f"revision {article.revision} of the draft of {cid} was saved by someone else "
            "meanwhile: reload the draft and edit again"
        )
    await repo.record_event(
        cid,
        REVISION_EVENT,
        now=now,
        actor=actor,
        detail={"revision": article.revision, "note": note.strip(), "draft": content},
    )
    return article


async def _latest(repo: Repository, cid: CorrespondenceId) -> Article | None:
    try:
        revision, content = await repo.latest_draft(cid)
    except NotFound:
        return None
    return dataclasses.replace(article_from_json(content), revision=revision)


async def _require_latest(repo: Repository, cid: CorrespondenceId) -> Article:
    latest = await _latest(repo, cid)
    if latest is None:
        raise NotFound(f"correspondence {cid} has no draft yet (run penpal complete)")
    return latest


async def _revision(repo: Repository, cid: CorrespondenceId, revision: int) -> Article:
    latest = await _require_latest(repo, cid)
    if revision == latest.revision:
        return latest
    for event in reversed(await repo.events(cid)):
        detail = event.detail
        if event.kind == REVISION_EVENT and detail.get("revision") == revision:
            return dataclasses.replace(article_from_json(detail["draft"]), revision=revision)
    raise NotFound(f"revision {revision} of the draft of {cid} is not kept")


# ------------------------------------------------------------ the decision


async def approve(
    store: Store,
    cid: str,
    *,
    settings: Settings,
    clock: Clock,
    actor: str,
    room: Mailroom | None = None,
    note: str = "",
) -> Article:
    """Approve the latest revision of the draft and return it.

    When ``policy.require_consent`` is on and there is a mailroom, each writer is
    sent the approved text, with what the editor changed in their own letters,
    to agree to by replying ``#akkoord`` / ``#agree``.

    Raises:
        WorkflowError: the correspondence is open, already approved or published.
    """
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        return await approve_in(
            repo, correspondence, settings=settings, now=clock(), actor=actor, room=room, note=note
        )


async def approve_in(
    repo: Repository,
    correspondence: Correspondence,
    *,
    settings: Settings,
    now: datetime,
    actor: str,
    room: Mailroom | None = None,
    note: str = "",
) -> Article:
    """:func:`approve` inside an open unit of work (for a ``#approve`` by mail)."""
    if correspondence.state not in _REVIEWABLE:
        raise WorkflowError(
            f"correspondence {correspondence.id} is {correspondence.state}: "
            "only a complete draft in review can be approved"
        )
    article = await _require_latest(repo, correspondence.id)
    if correspondence.state is not State.IN_REVIEW:
        await repo.set_state(
            correspondence.id, State.IN_REVIEW, now=now, actor=actor, reason="review started"
        )
    reason = f"revision {article.revision} approved" + (f": {note.strip()}" if note.strip() else "")
    approved = await repo.set_state(
        correspondence.id, State.APPROVED, now=now, actor=actor, reason=reason
    )
    await repo.record_event(
        correspondence.id,
        APPROVAL_EVENT,
        now=now,
        actor=actor,
        detail={"revision": article.revision, "note": note.strip()},
    )
    if settings.policy.require_consent and room is not None:
        letters = await repo.letters(correspondence.id)
        original = compile_article(approved, letters, language=article.language, revision=0)
        await request_consent(
            repo,
            room,
            approved,
            title=article.title,
            article_text=plain_text(article),
            revision=article.revision,
            changes={
                writer.email: [
                    _change_for_mail(c) for c in letter_changes(original, article, writer.email)
                ]
                for writer in approved.writers
            },
            now=now,
        )
        await repo.record_event(
            correspondence.id,
            "consent_requested",
            now=now,
            actor="penpal",
            detail={"revision": article.revision, "to": [w.email for w in approved.writers]},
        )
    return article


def _change_for_mail(change: BlockChange) -> dict[str, str]:
    return {"change": change.change, "before": change.before, "after": change.after}


async def request_changes(
    store: Store,
    cid: str,
    note: str,
    *,
    settings: Settings,
    clock: Clock,
    actor: str,
    room: Mailroom | None = None,
    reopen: bool = False,
) -> Correspondence:
    """Ask the writers for changes; the note is mailed to them when there is a mailroom.

    With ``reopen`` the correspondence goes back to ``open`` for more letters;
    completing it again keeps the editor's work on the draft.

    Raises:
        WorkflowError: an empty note, or the correspondence is open or published.
    """
    del settings  # the same signature as approve, for the editor page
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        return await request_changes_in(
            repo, correspondence, note, now=clock(), actor=actor, room=room, reopen=reopen
        )


async def request_changes_in(
    repo: Repository,
    correspondence: Correspondence,
    note: str,
    *,
    now: datetime,
    actor: str,
    room: Mailroom | None = None,
    reopen: bool = False,
) -> Correspondence:
    """:func:`request_changes` inside an open unit of work (for a ``#changes`` by mail)."""
    note = note.strip()
    if not note:
        raise WorkflowError("a request for changes needs a note for the writers")
    if correspondence.state not in (*_REVIEWABLE, State.APPROVED):
        raise WorkflowError(
            f"correspondence {correspondence.id} is {correspondence.state}: "
            "changes can be asked of a complete draft that is not published"
        )
    latest = await _latest(repo, correspondence.id)
    changed = await repo.set_state(
        correspondence.id, State.CHANGES_REQUESTED, now=now, actor=actor, reason=note
    )
    if reopen:
        changed = await repo.set_state(
            correspondence.id, State.OPEN, now=now, actor=actor, reason="reopened for more letters"
        )
    await repo.record_event(
        correspondence.id,
        "changes_requested",
        now=now,
        actor=actor,
        detail={
            "note": note,
            "reopen": reopen,
            "revision": latest.revision if latest is not None else None,
        },
    )
    if room is not None:
        await mail_changes(repo, room, changed, note, reopened=reopen, now=now)
    return changed


# ------------------------------------------------------------------ consent


async def consent_status(store: Store, cid: str) -> dict[str, bool]:
    """Each writer's address, and whether they agreed to the approved revision.

    Before approval, and after an edit that undid it, nobody has agreed.
    """
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        events = await repo.events(correspondence.id)
    return _consents(correspondence, events)


def _approved_revision(correspondence: Correspondence, events: Sequence[Event]) -> int | None:
    if correspondence.state not in (State.APPROVED, State.PUBLISHED):
        return None
    for event in reversed(events):
        if event.kind == APPROVAL_EVENT and isinstance(event.detail.get("revision"), int):
            revision: int = event.detail["revision"]
            return revision
    return None


def _consents(correspondence: Correspondence, events: Sequence[Event]) -> dict[str, bool]:
    revision = _approved_revision(correspondence, events)
    agreed: set[str] = set()
    if revision is not None:
        for event in events:
            if event.kind == CONSENT_EVENT and event.detail.get("revision") == revision:
                agreed.add(event.actor.lower())
    return {w.email: bool(w.addresses & agreed) for w in correspondence.writers}


async def record_consent_in(
    repo: Repository,
    correspondence: Correspondence,
    writer: Writer,
    *,
    now: datetime,
    room: Mailroom | None = None,
) -> bool:
    """Record that ``writer`` agrees to the approved revision (a ``#akkoord`` by mail).

    Returns False when there is nothing to agree to (the draft is not approved).
    When this makes both writers agree, the editors are told.
    """
    current = await repo.get_correspondence(correspondence.id)
    events = await repo.events(current.id)
    revision = _approved_revision(current, events)
    if revision is None or current.state is not State.APPROVED:
        return False
    before = _consents(current, events)
    await repo.record_event(
        current.id, CONSENT_EVENT, now=now, actor=writer.email, detail={"revision": revision}
    )
    after = {**before, **{w.email: True for w in current.writers if w.email == writer.email}}
    if all(after.values()) and not all(before.values()) and room is not None:
        await notify_editors(
            repo,
            room,
            "consented",
            {
                "topic": current.topic,
                "writers": [w.name for w in current.writers],
                "revision": revision,
            },
            now=now,
            correspondence_id=current.id,
        )
    return True


# --------------------------------------------------------------- publishing


async def publish(
    store: Store,
    cid: str,
    *,
    settings: Settings,
    clock: Clock,
    actor: str,
    env: jinja2.Environment,
) -> Published:
    """Write the approved article to ``output_dir/<slug>/`` and mark it published.

    The folder gets ``index.html`` (a standalone page), ``fragment.html`` (for a
    CMS), ``index.md`` (YAML front matter) and the images shown. Publishing again
    writes the same files: the date is that of the first publication.

    Raises:
        WorkflowError: not approved, the draft changed since approval, or (with
            ``policy.require_consent``) a writer has not agreed yet.
        PublishError: the output folder cannot be written.
    """
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(cid)
        events = await repo.events(correspondence.id)
        revision = _approved_revision(correspondence, events)
        if revision is None:
            raise WorkflowError(
                f"correspondence {correspondence.id} is {correspondence.state}: "
                "only an approved draft can be published"
            )
        article = await _revision(repo, correspondence.id, revision)
        latest = await _require_latest(repo, correspondence.id)
        if latest.revision != revision:
            raise WorkflowError(
                f"the draft of {correspondence.id} changed after revision {revision} was "
                "approved: approve it again"
            )
        if settings.policy.require_consent:
            waiting = [
                email for email, agreed in _consents(correspondence, events).items() if not agreed
            ]
            if waiting:
                raise WorkflowError(
                    f"correspondence {correspondence.id} waits for the agreement of "
                    f"{' and '.join(waiting)} (policy.require_consent)"
                )
        day = _first_publication(events) or clock().date()
        files = _published_files(article, env, day)
        images = image_files(await repo.letters(correspondence.id))
        shown = [image.filename for image in published_view(article).images]
        for filename in shown:
            if filename in images:
                files[filename] = images[filename].data
        folder = await write_article(settings.service.output_dir, article.slug, files)
        now = clock()
        if correspondence.state is not State.PUBLISHED:
            await repo.set_state(
                correspondence.id,
                State.PUBLISHED,
                now=now,
                actor=actor,
                reason=f"revision {revision} published to {folder}",
            )
        await repo.record_event(
            correspondence.id,
            PUBLISHED_EVENT,
            now=now,
            actor=actor,
            detail={
                "revision": revision,
                "date": day.isoformat(),
                "slug": article.slug,
                "folder": str(folder),
            },
        )
    return Published(
        folder=folder,
        page=folder / PAGE,
        fragment=folder / FRAGMENT,
        markdown=folder / MARKDOWN,
        images=tuple(folder / name for name in shown if name in images),
        slug=article.slug,
        revision=revision,
        date=day,
    )


def _first_publication(events: Sequence[Event]) -> date | None:
    for event in events:
        if event.kind == PUBLISHED_EVENT and isinstance(event.detail.get("date"), str):
            return date.fromisoformat(event.detail["date"])
    return None


def _published_files(article: Article, env: jinja2.Environment, day: date) -> dict[str, bytes]:
    return {
        PAGE: render_article_html(article, env, published=day).encode("utf-8"),
        FRAGMENT: render_html_fragment(article, env, published=day).encode("utf-8"),
        MARKDOWN: render_article_markdown(article, env, published=day).encode("utf-8"),
    }


def changes_json(changes: Sequence[BlockChange]) -> list[dict[str, Any]]:
    """Block changes as plain JSON values (for ``penpal diff --json`` and the editor page)."""
    return [dataclasses.asdict(change) for change in changes]


def revision_json(info: RevisionInfo) -> Mapping[str, Any]:
    """A revision's facts as plain JSON values."""
    return {
        "revision": info.revision,
        "created_at": info.created_at.isoformat(),
        "actor": info.actor,
        "note": info.note,
    }
