"""The quarantine pages: what was held back, one held message, releasing and discarding.

A held message is shown as parsing reads it (the text a writer newly wrote,
escaped) and, when it has one, its HTML part cleaned by nh3. Releasing files it
as the letter of a writer the editor picks, in an open correspondence the editor
picks (one choice: "correspondence — writer"), through
:mod:`penpal.workflows.quarantine`. This module must not change a message's
status itself.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from penpal.editor.auth import editor_page, read_form, reading
from penpal.editor.rendering import render
from penpal.editor.sanitising import clean_mail_html
from penpal.editor.site import site_of
from penpal.errors import WorkflowError
from penpal.letters import Correspondence, CorrespondenceId, MessageKind, MessageRecordId
from penpal.parsing import parse_message
from penpal.store import EditorAccount, MessageEntry, QuarantineEntry, RawStatus
from penpal.workflows.quarantine import discard as discard_message
from penpal.workflows.quarantine import release as release_message


@dataclass(frozen=True, slots=True)
class Target:
    """A writer of an open correspondence a held message can be filed under."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class HeldView:
    """A held message with the targets its release form offers and the one preselected.

    ``complete`` is false when the form offers only the likely targets (on the
    quarantine list); the message's own page offers them all.
    """

    entry: QuarantineEntry | MessageEntry
    choice: str
    targets: tuple[Target, ...]
    complete: bool = True


def targets(open_ones: list[Correspondence]) -> tuple[Target, ...]:
    """Every writer of every open correspondence, as release-form choices."""
    return tuple(
        Target(f"{c.id} {w.email}", f"{c.topic} ({c.id}) — {w.name or w.email}")
        for c in open_ones
        for w in c.writers
    )


def likely_targets(
    sender: str, correspondence_id: CorrespondenceId | None, open_ones: list[Correspondence]
) -> tuple[Target, ...]:
    """The writers of the open correspondences a held message probably belongs to.

    That is the correspondence it was meant for and those its sender writes in:
    the quarantine list stays short with hundreds of open correspondences.
    """
    related = [
        c
        for c in open_ones
        if c.id == correspondence_id or (sender and c.writer_for(sender) is not None)
    ]
    return targets(related)


def preselect(
    sender: str, correspondence_id: CorrespondenceId | None, open_ones: list[Correspondence]
) -> str:
    """The likely target: the writer who is the sender, in the correspondence it was meant for."""
    candidates = [c for c in open_ones if c.id == correspondence_id] or open_ones
    for c in candidates:
        writer = c.writer_for(sender) if sender else None
        if writer is not None:
            return f"{c.id} {writer.email}"
    if correspondence_id is not None and candidates and candidates[0].id == correspondence_id:
        return f"{candidates[0].id} {candidates[0].writers[0].email}"
    return ""


@editor_page
async def quarantine(request: Request, editor: EditorAccount) -> Response:
    """Every held message, oldest first, each with its release and discard forms."""
    async with reading(request) as repo:
        entries = await repo.quarantine()
        open_ones = await repo.open_correspondences()
    views = [
        HeldView(
            e,
            preselect(e.sender, e.correspondence_id, open_ones),
            likely_targets(e.sender, e.correspondence_id, open_ones),
            complete=False,
        )
        for e in entries
    ]
    return render(request, "quarantine.html.j2", {"entries": views})


def html_part(raw: bytes, limit: int) -> str:
    """The HTML body of a message (uncleaned), or "" when it has none or cannot be read."""
    if len(raw) > limit:
        return ""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if not isinstance(message, EmailMessage):
            return ""
        part = message.get_body(preferencelist=("html",))
        if part is None:
            return ""
        content = part.get_content()
    except (LookupError, ValueError, TypeError, AttributeError, UnicodeError):
        # A broken or oddly encoded part is what put some of these messages here.
        return ""
    return content if isinstance(content, str) else ""


@editor_page
async def held_message(request: Request, editor: EditorAccount) -> Response:
    """One held (or formerly held) message as penpal read it."""
    site = site_of(request)
    record_id = MessageRecordId(request.path_params["record_id"])
    async with reading(request) as repo:
        entry = await repo.message_entry(record_id)
        raw = await repo.raw(record_id)
        open_ones = await repo.open_correspondences()
    limit = site.settings.policy.max_message_bytes
    parsed = parse_message(raw, max_bytes=limit)
    text = parsed.extraction.text if parsed.kind is not MessageKind.UNREADABLE else ""
    html = html_part(raw, limit)
    return render(
        request,
        "held_message.html.j2",
        {
            "view": HeldView(
                entry,
                preselect(entry.sender, entry.correspondence_id, open_ones),
                targets(open_ones),
            ),
            "text": text,
            "html": clean_mail_html(html) if html else "",
            "to": ", ".join(str(a) for a in parsed.recipients),
            "is_held": entry.status is RawStatus.QUARANTINED,
            "status": entry.status.value,
        },
    )


@editor_page
async def release(request: Request, editor: EditorAccount) -> Response:
    """File a held message as the letter of the writer picked in the form."""
    site = site_of(request)
    record_id = MessageRecordId(request.path_params["record_id"])
    form = await read_form(request)
    cid, _, writer_email = str(form.get("target", "")).strip().partition(" ")
    if not cid or not writer_email:
        raise WorkflowError("pick the correspondence and writer to file the message under")
    letter = await release_message(
        site.store,
        record_id,
        correspondence_id=cid,
        writer_email=writer_email,
        settings=site.settings,
        clock=site.clock,
        actor=editor.email,
        room=site.room,
    )
    site.mailed()
    target = request.app.url_path_for("correspondence", cid=letter.correspondence_id)
    return RedirectResponse(f"{target}?done=released#letter-{letter.id}", status_code=303)


@editor_page
async def discard(request: Request, editor: EditorAccount) -> Response:
    """Set a held message aside for good."""
    site = site_of(request)
    record_id = MessageRecordId(request.path_params["record_id"])
    await discard_message(site.store, record_id, clock=site.clock, actor=editor.email)
    target = request.app.url_path_for("quarantine")
    return RedirectResponse(f"{target}?done=discarded", status_code=303)
