"""Correspondences and their drafts: start one, complete it, read and render its draft.

Compiling is the articles module's; this module only fetches the letters, saves
the result as the next revision and records who did it. It must not open
connections, read configuration files or print.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import jinja2

from penpal.articles import article_from_json, article_to_json, compile_article
from penpal.articles import render_html as render_article_html
from penpal.articles import render_markdown as render_article_markdown
from penpal.config import Settings
from penpal.errors import NotFound, WorkflowError
from penpal.letters import Article, Correspondence, CorrespondenceId, State, Writer
from penpal.store import Repository, Store
from penpal.workflows.clock import Clock
from penpal.workflows.outgoing import Mailroom, invite, notify_editors


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
    """Complete ``correspondence`` inside an open unit of work and save its first draft.

    With a mailroom, the editors are sent the draft as Markdown.
    """
    letters = await repo.letters(correspondence.id)
    if not letters:
        raise WorkflowError(f"correspondence {correspondence.id} has no letters to compile")
    completed = await repo.set_state(
        correspondence.id, State.COMPLETE, now=now, actor=actor, reason="marked complete"
    )
    revision = await _next_revision(repo, correspondence.id)
    article = compile_article(
        completed, letters, language=settings.service.language, revision=revision
    )
    saved = await repo.save_draft(correspondence.id, article_to_json(article), now=now, actor=actor)
    if saved != revision:
        raise WorkflowError(f"draft revision {revision} of {correspondence.id} was taken meanwhile")
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


async def _next_revision(repo: Repository, correspondence_id: CorrespondenceId) -> int:
    try:
        revision, _ = await repo.latest_draft(correspondence_id)
    except NotFound:
        return 1
    return revision + 1


async def current_draft(store: Store, correspondence_id: str) -> Article:
    """The latest revision of a correspondence's draft."""
    async with store.unit() as repo:
        correspondence = await repo.get_correspondence(correspondence_id)
        try:
            _, content = await repo.latest_draft(correspondence.id)
        except NotFound:
            raise NotFound(
                f"correspondence {correspondence.id} has no draft yet (run penpal complete)"
            ) from None
    return article_from_json(content)


def render_draft(article: Article, fmt: str, env: jinja2.Environment) -> str:
    """The draft as Markdown or HTML."""
    if fmt == "md":
        return render_article_markdown(article, env)
    if fmt == "html":
        return render_article_html(article, env)
    raise WorkflowError(f"unknown draft format {fmt!r} (expected md, html or json)")
