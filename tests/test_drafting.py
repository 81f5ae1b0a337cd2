"""Tests for penpal.workflows.drafting: revisions, edits, review, consent, publishing."""

from __future__ import annotations

import os
import struct
import zlib
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import jinja2
import pytest

from penpal import articles
from penpal.articles import (
    AddHeading,
    AddPullQuote,
    FixParagraph,
    OmitParagraph,
    OmitTurn,
    RestoreParagraph,
    SetCategories,
    SetCredit,
    SetImage,
    SetIntro,
    SetTitle,
)
from penpal.config import EditorSettings, Settings, WriterSettings, default_settings
from penpal.conversations import make_token, reply_address
from penpal.errors import DraftFormatError, NotFound, WorkflowError
from penpal.letters import Article, Correspondence, MailKind, State, Writer
from penpal.publishing import Published
from penpal.store import Event, OutboxEntry, RawStatus, Store
from penpal.templating import template_environment
from penpal.workflows import drafting, receive
from penpal.workflows.outgoing import Mailroom

GOLDEN = Path(__file__).parent / "golden" / "published"
# Set PENPAL_REGENERATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
REGENERATE = os.environ.get("PENPAL_REGENERATE_GOLDEN") == "1"

SERVICE = "penpal@magazine.example"
SECRET = "s" * 32
EDITOR = EditorSettings(email="eva@magazine.example", name="Eva Redactie")
DENISE = Writer(email="denise@brieven.example", name="Denise Veldhuis")
CAROLA = Writer(email="carola@post.example", name="Carola Zandvliet", label="Carola")
TOPIC = "Vulnerability at work"


def make_png(width: int = 96, height: int = 64) -> bytes:
    """A real PNG with a pattern that does not compress away (so it counts as an image)."""
    rows = bytearray()
    seed = 7
    for y in range(height):
        rows.append(0)
        for x in range(width):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            rows += bytes(((x * 4 + seed % 23) & 255, (y * 6) & 255, (120 + seed % 61) & 255))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


PHOTO = make_png()

# The correspondence written for these tests: four letters, a private aside, an
# attached photo, and a letter that quotes script text.
LETTERS = (
    (
        DENISE,
        "Dear Carola,\n\n"
        "Last week I cried in a meeting, and nobody knew where to look. I have been "
        "wondering ever since why showing doubt at work still feels like breaking a rule.\n\n"
        "My manager said afterwards that it was brave. I did not feel brave.\n\n"
        "[private] Please do not tell Mark about any of this.\n\n"
        "Love,\nDenise\n",
        False,
    ),
    (
        CAROLA,
        "Hi Denise,\n\n"
        "Your letter stayed with me all weekend. I once hid a burnout for a whole year "
        "because I was afraid of losing my clients.\n\n"
        "Vulnerability is not weakness. It is information that the rest of the team needs "
        "in order to do good work.\n\n"
        "I attach a photo of the empty meeting room where I finally said it out loud.\n\n"
        "Warm regards,\nCarola\n",
        True,
    ),
    (
        DENISE,
        "Carola,\n\n"
        "What would happen if managers went first? My nephew typed "
        "<script>alert('courage')</script> when I asked him, which says it all.\n\n"
        "I wonder whether courage spreads the way fear does, one small admission at a time.\n\n"
        "Love,\nDenise\n",
        False,
    ),
    (
        CAROLA,
        "Dear Denise,\n\n"
        "I think it does. The teams I trust most are the ones where someone dared to say "
        "out loud that they did not know.\n\n"
        "Warm regards,\nCarola\n",
        False,
    ),
)


class Clock:
    """A clock that moves one minute each time it is read."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        self.moment += timedelta(minutes=1)
        return self.moment


def make_settings(tmp_path: Path, *, consent: bool = False) -> Settings:
    """Settings for magazine.example with the two writers, an editor and an output folder."""
    return default_settings(
        tmp_path / "config.toml",
        service={
            "address": SERVICE,
            "secret": SECRET,
            "language": "en",
            "output_dir": tmp_path / "output",
        },
        policy={"require_consent": consent},
        editors=[EDITOR],
        writers=[
            WriterSettings(name=w.name, email=w.email, label=w.label) for w in (DENISE, CAROLA)
        ],
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings without the consent requirement."""
    return make_settings(tmp_path)


@pytest.fixture
def clock(now: datetime) -> Clock:
    """A moving test clock that starts on 20 November 2026."""
    return Clock(now)


@pytest.fixture
def env() -> jinja2.Environment:
    """The built-in templates."""
    return template_environment()


def mail(
    sender: str,
    body: str,
    *,
    subject: str,
    message_id: str,
    to: str = SERVICE,
    photo: bool = False,
) -> bytes:
    """A plain-text message, with the test photo attached when asked."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content(body)
    if photo:
        msg.add_attachment(PHOTO, maintype="image", subtype="png", filename="meeting room.png")
    return msg.as_bytes()


async def written(store: Store, settings: Settings, clock: Clock) -> Correspondence:
    """The test correspondence with its four letters, open."""
    correspondence = await drafting.start_correspondence(
        store, TOPIC, [DENISE, CAROLA], clock=clock, actor="eva@magazine.example"
    )
    for number, (writer, body, photo) in enumerate(LETTERS, start=1):
        receipt = await receive(
            store,
            mail(
                writer.email,
                body,
                subject=TOPIC if number == 1 else f"Re: {TOPIC}",
                message_id=f"letter-{number}@mail.example",
                photo=photo,
            ),
            source=f"test-{number}",
            settings=settings,
            clock=clock,
        )
        assert receipt.status is RawStatus.LETTER, receipt
    return correspondence


@pytest.fixture
async def completed(store: Store, settings: Settings, clock: Clock) -> Correspondence:
    """The test correspondence, complete, with its first draft."""
    correspondence = await written(store, settings, clock)
    await drafting.complete(store, correspondence.id, settings=settings, clock=clock, actor="test")
    return correspondence


EDITS = (
    SetTitle("Vulnerability is not weakness"),
    SetCategories(("Inspiration", "In depth")),
    SetIntro(
        "Denise Veldhuis and Carola Zandvliet write each other letters about showing doubt "
        "at work. This is the third exchange in our series on working lives."
    ),
    AddHeading("Who goes first?", 2),
    AddPullQuote("Vulnerability is not weakness."),
    OmitParagraph(1, 2),
    FixParagraph(0, 1, "My manager said afterwards that it was brave.\nI did not feel brave."),
    SetImage("meeting-room.png", caption="The empty meeting room", credit="Carola Zandvliet"),
    SetCredit("Illustration intro with thanks to Ilse Bakker"),
)


async def edited(store: Store, cid: str, clock: Clock) -> Article:
    """Revision 2: what an editor makes of the first draft."""
    return await drafting.edit(
        store, cid, EDITS, base_revision=1, clock=clock, actor=EDITOR.email, note="first edit"
    )


async def events_of(store: Store, cid: str, kind: str) -> list[Event]:
    async with store.unit() as repo:
        return [e for e in await repo.events(cid) if e.kind == kind]  # type: ignore[arg-type]


async def outbox(store: Store, kind: MailKind) -> list[OutboxEntry]:
    """The outbox entries of ``kind``, bytes included."""
    async with store.unit() as repo:
        listed = [e for e in await repo.outbox() if e.kind is kind]
        return [await repo.outbox_entry(e.message_id) for e in listed]


def text_of(raw: bytes) -> str:
    """The plain-text part of a mail."""
    message = message_from_bytes(raw, policy=policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


# ---------------------------------------------------------------- revisions


async def test_completing_saves_revision_one_in_the_log(
    store: Store, completed: Correspondence
) -> None:
    """The compiled draft is revision 1, listed with its note and readable by number."""
    listed = await drafting.revisions(store, completed.id)
    assert [(r.revision, r.actor, r.note) for r in listed] == [
        (1, "test", "compiled from the letters")
    ]
    first = await drafting.draft_revision(store, completed.id, 1)
    assert first == await drafting.current_draft(store, completed.id)
    assert [t.label for t in first.turns] == ["Denise", "Carola", "Denise", "Carola"]
    assert all("Mark" not in t.text for t in first.turns)
    assert [i.filename for i in first.images] == ["meeting-room.png"]
    with pytest.raises(NotFound, match="revision 7"):
        await drafting.draft_revision(store, completed.id, 7)


async def test_an_edit_is_the_next_revision_and_moves_to_review(
    store: Store, completed: Correspondence, clock: Clock
) -> None:
    """Edits make revision 2, move the state to in_review with who and why, and diff by block."""
    second = await edited(store, completed.id, clock)
    assert second.revision == 2
    assert second.title == "Vulnerability is not weakness"
    assert second.headings[0].id == "h1"
    assert second.pull_quotes[0].after_turn == 1
    assert second.turns[1].omitted_paragraphs == (2,)
    assert await drafting.current_draft(store, completed.id) == second
    listed = await drafting.revisions(store, completed.id)
    assert [(r.revision, r.actor, r.note) for r in listed][-1] == (2, EDITOR.email, "first edit")
    states = await events_of(store, completed.id, "state")
    assert states[-1].detail == {"from": "complete", "to": "in_review", "reason": "editing started"}
    assert states[-1].actor == EDITOR.email

    changes = await drafting.compare(store, completed.id, 1, 2)
    by_block = {c.block: c for c in changes}
    assert by_block["title"].before == TOPIC
    assert by_block["title"].after == "Vulnerability is not weakness"
    assert by_block["heading-h1"].change == "added"
    assert by_block["pull-quote-q1"].after == "Vulnerability is not weakness."
    turn_two = f"turn-{second.turns[1].letter_id}/p2"
    assert by_block[turn_two].change == "removed"
    assert by_block[turn_two].before.startswith("I attach a photo")
    assert by_block[turn_two].email == CAROLA.email
    fixed = by_block[f"turn-{second.turns[0].letter_id}/p1"]
    assert fixed.change == "changed"
    assert fixed.after.endswith("\nI did not feel brave.")


async def test_a_stale_base_revision_is_refused(
    store: Store, completed: Correspondence, clock: Clock
) -> None:
    """Two editors on revision 1: the second save is refused and nothing of it is kept."""
    await edited(store, completed.id, clock)
    with pytest.raises(WorkflowError, match="at revision 2, not 1"):
        await drafting.edit(
            store, completed.id, [SetTitle("Other")], base_revision=1, clock=clock, actor="x"
        )
    assert (await drafting.current_draft(store, completed.id)).title != "Other"
    assert len(await drafting.revisions(store, completed.id)) == 2


async def test_an_edit_that_changes_nothing_saves_nothing(
    store: Store, completed: Correspondence, clock: Clock
) -> None:
    """Saving the draft as it is makes no revision and leaves the state alone."""
    first = await drafting.current_draft(store, completed.id)
    again = await drafting.save_revision(
        store, completed.id, first, base_revision=1, clock=clock, actor="x"
    )
    assert again.revision == 1
    async with store.unit() as repo:
        assert (await repo.get_correspondence(completed.id)).state is State.COMPLETE


async def test_a_bad_edit_is_refused_by_name(
    store: Store, completed: Correspondence, clock: Clock
) -> None:
    """An edit naming a paragraph that is not there is refused, naming the edit."""
    with pytest.raises(
        DraftFormatError, match=r"edit 2 \(OmitParagraph\): turn 0 has no paragraph 9"
    ):
        await drafting.edit(
            store,
            completed.id,
            [SetTitle("Fine"), OmitParagraph(0, 9)],
            base_revision=1,
            clock=clock,
            actor="x",
        )
    assert len(await drafting.revisions(store, completed.id)) == 1


async def test_leaving_out_is_reversible_and_never_shown(
    store: Store, completed: Correspondence, clock: Clock, env: jinja2.Environment
) -> None:
    """A left-out letter stays in the draft, is in no rendering, and comes back as it was."""
    first = await drafting.current_draft(store, completed.id)
    hidden = await drafting.edit(
        store, completed.id, [OmitTurn(2)], base_revision=1, clock=clock, actor="x"
    )
    assert hidden.turns[2].paragraphs == first.turns[2].paragraphs
    for fmt in ("md", "html"):
        assert "nephew" not in drafting.render_draft(hidden, fmt, env)
    back = await drafting.edit(
        store,
        completed.id,
        [articles.RestoreTurn(2), OmitParagraph(2, 0), RestoreParagraph(2, 0)],
        base_revision=2,
        clock=clock,
        actor="x",
    )
    assert back.turns == first.turns


async def test_editing_an_open_or_published_correspondence_is_refused(
    store: Store, settings: Settings, clock: Clock
) -> None:
    """An open correspondence has no draft to edit yet."""
    correspondence = await written(store, settings, clock)
    with pytest.raises(WorkflowError, match="complete it before editing"):
        await drafting.edit(
            store, correspondence.id, [SetTitle("x")], base_revision=1, clock=clock, actor="x"
        )


# ----------------------------------------------------------------- Markdown


async def test_markdown_round_trip_keeps_every_block(
    store: Store, completed: Correspondence, clock: Clock, env: jinja2.Environment
) -> None:
    """Printing the draft and reading it back unchanged saves nothing and loses nothing."""
    second = await edited(store, completed.id, clock)
    printed = drafting.render_draft(second, "md", env)
    again = await drafting.update_from_markdown(
        store, completed.id, printed, clock=clock, actor="x"
    )
    assert again == second
    assert len(await drafting.revisions(store, completed.id)) == 2


async def test_markdown_edit_becomes_the_next_revision(
    store: Store, completed: Correspondence, clock: Clock, env: jinja2.Environment
) -> None:
    """Edits made in the printed Markdown become a revision: a fix, a deletion, a heading."""
    second = await edited(store, completed.id, clock)
    printed = drafting.render_draft(second, "md", env)
    changed = (
        printed.replace('title: "Vulnerability is not weakness"', 'title: "Who goes first"')
        .replace("I have been wondering ever since", "I have wondered ever since")
        .replace(
            "**Carola:** I think it does.",
            "## Courage spreads\n\n**Carola:** I think it does.",
        )
        .replace(
            "\n\nI wonder whether courage spreads the way fear does, one small admission at a "
            "time.",
            "",
        )
    )
    third = await drafting.update_from_markdown(
        store, completed.id, changed, clock=clock, actor="x", note="by hand"
    )
    assert third.revision == 3
    assert third.title == "Who goes first"
    assert "I have wondered ever since" in third.turns[0].paragraphs[0]
    assert [(h.text, h.before_turn) for h in third.headings] == [
        ("Who goes first?", 2),
        ("Courage spreads", 3),
    ]
    assert third.turns[2].omitted_paragraphs == (1,)
    assert third.turns[2].paragraphs[1].startswith("I wonder whether courage")
    # Everything the editor left out before is still there and still left out.
    assert third.turns[1].omitted_paragraphs == (2,)
    assert third.pull_quotes == second.pull_quotes
    assert third.images == second.images
    assert (await drafting.revisions(store, completed.id))[-1].note == "by hand"


async def test_markdown_from_an_older_revision_is_refused(
    store: Store, completed: Correspondence, clock: Clock, env: jinja2.Environment
) -> None:
    """A document printed before someone else saved is refused; print again."""
    printed = drafting.render_draft(await drafting.current_draft(store, completed.id), "md", env)
    await edited(store, completed.id, clock)
    with pytest.raises(WorkflowError, match=r"printed from revision 1.*at revision 2"):
        await drafting.update_from_markdown(store, completed.id, printed, clock=clock, actor="x")


async def test_markdown_that_does_not_fit_names_the_line(
    store: Store, completed: Correspondence, clock: Clock, env: jinja2.Environment
) -> None:
    """A document with a third-level heading is refused with its line number."""
    printed = drafting.render_draft(await drafting.current_draft(store, completed.id), "md", env)
    lines = printed.split("\n")
    where = lines.index("") + 1
    lines.insert(where, "### Not our kind of heading\n")
    with pytest.raises(DraftFormatError, match=rf"^line {where + 1}: a heading is written"):
        await drafting.update_from_markdown(
            store, completed.id, "\n".join(lines), clock=clock, actor="x"
        )


# ------------------------------------------------------------------- review


async def test_approve_then_edit_asks_for_approval_again(
    store: Store, completed: Correspondence, settings: Settings, clock: Clock
) -> None:
    """Approval is logged with its revision; an edit afterwards goes back to in_review."""
    await edited(store, completed.id, clock)
    approved = await drafting.approve(
        store, completed.id, settings=settings, clock=clock, actor=EDITOR.email
    )
    assert approved.revision == 2
    assert (await events_of(store, completed.id, "approval"))[-1].detail == {
        "revision": 2,
        "note": "",
    }
    with pytest.raises(WorkflowError, match="approved"):
        await drafting.approve(store, completed.id, settings=settings, clock=clock, actor="x")
    await drafting.edit(
        store, completed.id, [SetCredit("Photo: Carola")], base_revision=2, clock=clock, actor="x"
    )
    state = (await events_of(store, completed.id, "state"))[-1]
    assert state.detail["to"] == "in_review"
    assert "approving again" in state.detail["reason"]
    with pytest.raises(WorkflowError, match="only an approved draft"):
        await drafting.publish(
            store,
            completed.id,
            settings=settings,
            clock=clock,
            actor="x",
            env=template_environment(),
        )


async def test_approving_from_complete_passes_through_review(
    store: Store, completed: Correspondence, settings: Settings, clock: Clock
) -> None:
    """Every transition is in the log: complete → in_review → approved."""
    await drafting.approve(store, completed.id, settings=settings, clock=clock, actor="eva")
    moves = [
        (e.detail["from"], e.detail["to"]) for e in await events_of(store, completed.id, "state")
    ]
    assert moves[-2:] == [("complete", "in_review"), ("in_review", "approved")]


async def test_request_changes_mails_the_note_to_both_writers(
    store: Store,
    completed: Correspondence,
    settings: Settings,
    clock: Clock,
    env: jinja2.Environment,
) -> None:
    """The note goes to each writer by mail, in the thread, and the state says so."""
    room = Mailroom(settings, env)
    changed = await drafting.request_changes(
        store,
        completed.id,
        "Could the last letter say a little more about the team?",
        settings=settings,
        clock=clock,
        actor=EDITOR.email,
        room=room,
    )
    assert changed.state is State.CHANGES_REQUESTED
    mails = await outbox(store, MailKind.REVIEW)
    assert sorted(m.recipients[0] for m in mails) == sorted([DENISE.email, CAROLA.email])
    for entry in mails:
        assert "say a little more about the team?" in text_of(entry.raw)
        assert b"Reply-To: penpal <penpal+" in entry.raw
    with pytest.raises(WorkflowError, match="needs a note"):
        await drafting.request_changes(
            store, completed.id, "  ", settings=settings, clock=clock, actor="x"
        )


async def test_reopen_then_complete_keeps_the_editors_work(
    store: Store,
    completed: Correspondence,
    settings: Settings,
    clock: Clock,
) -> None:
    """Reopened for one more letter, the next draft keeps title, heading and what was left out."""
    await edited(store, completed.id, clock)
    reopened = await drafting.request_changes(
        store,
        completed.id,
        "One more letter, please.",
        settings=settings,
        clock=clock,
        actor="eva",
        reopen=True,
    )
    assert reopened.state is State.OPEN
    receipt = await receive(
        store,
        mail(
            DENISE.email,
            "Dear Carola,\n\nOne more thought: courage needs company.\n\nLove,\nDenise\n",
            subject=f"Re: {TOPIC}",
            message_id="letter-5@mail.example",
        ),
        source="test-5",
        settings=settings,
        clock=clock,
    )
    assert receipt.status is RawStatus.LETTER
    third = await drafting.complete(store, completed.id, settings=settings, clock=clock, actor="x")
    assert third.revision == 3
    assert third.title == "Vulnerability is not weakness"
    assert len(third.turns) == 5
    assert third.turns[4].paragraphs == ("One more thought: courage needs company.",)
    assert third.turns[1].omitted_paragraphs == (2,)
    assert [(h.text, h.before_turn) for h in third.headings] == [("Who goes first?", 2)]


# ------------------------------------------------------------------ consent


async def test_consent_by_mail_then_publish(
    store: Store, tmp_path: Path, clock: Clock, env: jinja2.Environment
) -> None:
    """With consent required: approval mails the writers, #agree records it, then it publishes."""
    settings = make_settings(tmp_path, consent=True)
    room = Mailroom(settings, env)
    correspondence = await written(store, settings, clock)
    await drafting.complete(store, correspondence.id, settings=settings, clock=clock, actor="x")
    await edited(store, correspondence.id, clock)
    await drafting.approve(
        store, correspondence.id, settings=settings, clock=clock, actor=EDITOR.email, room=room
    )
    requests = {m.recipients[0]: text_of(m.raw) for m in await outbox(store, MailKind.REVIEW)}
    assert set(requests) == {DENISE.email, CAROLA.email}
    # Each writer sees the final text and what the editor changed in their own letters.
    assert "Left out: “I attach a photo" in requests[CAROLA.email]
    assert "I attach a photo" not in requests[DENISE.email]
    assert (
        "now reads: “My manager said afterwards that it was brave.\nI did not feel brave.”"
        in (requests[DENISE.email])
    )
    for text in requests.values():
        assert "Who goes first?" in text
        assert "Mark" not in text
    assert await drafting.consent_status(store, correspondence.id) == {
        DENISE.email: False,
        CAROLA.email: False,
    }
    with pytest.raises(WorkflowError, match="waits for the agreement of"):
        await drafting.publish(
            store, correspondence.id, settings=settings, clock=clock, actor="x", env=env
        )

    token_address = reply_address(SERVICE, make_token(correspondence.id, SECRET))
    for number, writer in enumerate((DENISE, CAROLA)):
        receipt = await receive(
            store,
            mail(
                writer.email,
                "#agree\n",
                subject="Re: Please agree",
                message_id=f"agree-{number}@mail.example",
                to=token_address,
            ),
            source=f"agree-{number}",
            settings=settings,
            clock=clock,
            room=room,
        )
        assert receipt.status is RawStatus.COMMAND
    assert await drafting.consent_status(store, correspondence.id) == {
        DENISE.email: True,
        CAROLA.email: True,
    }
    notices = [text_of(m.raw) for m in await outbox(store, MailKind.NOTIFICATION)]
    assert any("agree to revision 2" in notice for notice in notices)
    published = await drafting.publish(
        store, correspondence.id, settings=settings, clock=clock, actor=EDITOR.email, env=env
    )
    assert published.page.is_file()


async def test_consent_is_for_the_approved_revision_only(
    store: Store, tmp_path: Path, clock: Clock, env: jinja2.Environment
) -> None:
    """An edit after agreement undoes approval and agreement: the new text needs both again."""
    settings = make_settings(tmp_path, consent=True)
    room = Mailroom(settings, env)
    correspondence = await written(store, settings, clock)
    await drafting.complete(store, correspondence.id, settings=settings, clock=clock, actor="x")
    await drafting.approve(
        store, correspondence.id, settings=settings, clock=clock, actor="e", room=room
    )
    async with store.unit() as repo:
        current = await repo.get_correspondence(correspondence.id)
        assert await drafting.record_consent_in(repo, current, DENISE, now=clock(), room=room)
    assert (await drafting.consent_status(store, correspondence.id))[DENISE.email]
    await drafting.edit(
        store, correspondence.id, [SetTitle("New")], base_revision=1, clock=clock, actor="e"
    )
    assert await drafting.consent_status(store, correspondence.id) == {
        DENISE.email: False,
        CAROLA.email: False,
    }
    async with store.unit() as repo:
        current = await repo.get_correspondence(correspondence.id)
        assert not await drafting.record_consent_in(repo, current, CAROLA, now=clock())


async def test_editor_approves_and_asks_changes_by_mail(
    store: Store,
    completed: Correspondence,
    settings: Settings,
    clock: Clock,
    env: jinja2.Environment,
) -> None:
    """#changes with a note and #approve from an editor's mail do the real thing."""
    room = Mailroom(settings, env)
    token_address = reply_address(SERVICE, make_token(completed.id, SECRET))
    receipt = await receive(
        store,
        mail(
            EDITOR.email,
            "#changes Please give the second letter a clearer ending.\n",
            subject="Re: draft",
            message_id="editor-1@magazine.example",
            to=token_address,
        ),
        source="editor-1",
        settings=settings,
        clock=clock,
        room=room,
    )
    assert receipt.status is RawStatus.COMMAND
    async with store.unit() as repo:
        assert (await repo.get_correspondence(completed.id)).state is State.CHANGES_REQUESTED
    notes = [text_of(m.raw) for m in await outbox(store, MailKind.REVIEW)]
    assert len(notes) == 2
    assert all("a clearer ending." in note for note in notes)
    await receive(
        store,
        mail(
            EDITOR.email,
            "#approve\n",
            subject="Re: draft",
            message_id="editor-2@magazine.example",
            to=token_address,
        ),
        source="editor-2",
        settings=settings,
        clock=clock,
        room=room,
    )
    async with store.unit() as repo:
        assert (await repo.get_correspondence(completed.id)).state is State.APPROVED
    approval = (await events_of(store, completed.id, "approval"))[-1]
    assert approval.actor == EDITOR.email


async def test_a_writer_cannot_approve_by_mail(
    store: Store,
    completed: Correspondence,
    settings: Settings,
    clock: Clock,
    env: jinja2.Environment,
) -> None:
    """#approve from a writer is recorded but changes nothing."""
    room = Mailroom(settings, env)
    await receive(
        store,
        mail(
            DENISE.email,
            "#approve\n",
            subject="Re: draft",
            message_id="sneaky@brieven.example",
            to=reply_address(SERVICE, make_token(completed.id, SECRET)),
        ),
        source="sneaky",
        settings=settings,
        clock=clock,
        room=room,
    )
    async with store.unit() as repo:
        assert (await repo.get_correspondence(completed.id)).state is State.COMPLETE


# --------------------------------------------------------------- publishing


def golden(name: str, data: bytes, cid: str) -> None:
    """Compare ``data`` with tests/golden/published/NAME (or write it when regenerating).

    The correspondence id is drawn at random, so it stands as ``CID`` in the goldens.
    """
    data = data.replace(cid.encode(), b"CID")
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes(), name


async def publish_the_test_article(
    store: Store, settings: Settings, clock: Clock
) -> tuple[str, Published]:
    """Write, complete, edit, approve and publish the test correspondence."""
    correspondence = await written(store, settings, clock)
    await drafting.complete(store, correspondence.id, settings=settings, clock=clock, actor="x")
    await edited(store, correspondence.id, clock)
    await drafting.approve(store, correspondence.id, settings=settings, clock=clock, actor="eva")
    published = await drafting.publish(
        store,
        correspondence.id,
        settings=settings,
        clock=clock,
        actor="eva",
        env=template_environment(),
    )
    return correspondence.id, published


async def test_publish_writes_all_four_outputs_as_golden(
    store: Store, settings: Settings, clock: Clock
) -> None:
    """The published folder holds the page, the fragment, the Markdown and the image, as agreed."""
    cid, published = await publish_the_test_article(store, settings, clock)
    assert published.folder == settings.service.output_dir / "vulnerability-is-not-weakness"
    assert sorted(p.name for p in published.folder.iterdir()) == [
        "fragment.html",
        "index.html",
        "index.md",
        "meeting-room.png",
    ]
    assert published.images == (published.folder / "meeting-room.png",)
    assert (published.folder / "meeting-room.png").read_bytes() == PHOTO
    assert published.date.isoformat() == "2026-11-20"
    for name in ("index.html", "fragment.html", "index.md"):
        golden(name, (published.folder / name).read_bytes(), cid)
    async with store.unit() as repo:
        assert (await repo.get_correspondence(cid)).state is State.PUBLISHED
    event = (await events_of(store, cid, "published"))[-1]
    assert event.detail["revision"] == 2
    assert event.detail["date"] == "2026-11-20"


async def test_published_outputs_hold_no_private_or_left_out_text(
    store: Store, settings: Settings, clock: Clock
) -> None:
    """No published file has the private aside or the left-out paragraph; script stays text."""
    _, published = await publish_the_test_article(store, settings, clock)
    for path in (published.page, published.fragment, published.markdown):
        text = path.read_text(encoding="utf-8")
        assert "Mark" not in text, path.name
        assert "I attach a photo" not in text, path.name
    for path in (published.page, published.fragment):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text, path.name
        assert "&lt;script&gt;alert(&#39;courage&#39;)&lt;/script&gt;" in text, path.name
    assert "typed \\<script>alert('courage')\\</script> when" in published.markdown.read_text(
        "utf-8"
    )


async def test_publishing_again_writes_the_same_files(
    store: Store, settings: Settings, clock: Clock
) -> None:
    """A second publish, a day later, writes byte for byte the same folder."""
    cid, published = await publish_the_test_article(store, settings, clock)
    before = {p.name: p.read_bytes() for p in published.folder.iterdir()}
    clock.moment += timedelta(days=1)
    again = await drafting.publish(
        store, cid, settings=settings, clock=clock, actor="eva", env=template_environment()
    )
    assert again.date == published.date
    assert {p.name: p.read_bytes() for p in again.folder.iterdir()} == before
    with pytest.raises(WorkflowError, match="published and can no longer be edited"):
        await drafting.edit(store, cid, [SetTitle("x")], base_revision=2, clock=clock, actor="x")


def test_clock_fixture_is_the_publication_day(now: datetime) -> None:
    """The goldens are dated by the shared clock fixture."""
    assert now.astimezone(UTC).date().isoformat() == "2026-11-20"
