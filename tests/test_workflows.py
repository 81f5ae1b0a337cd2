"""Tests for penpal.workflows: receiving, threading, quarantining and compiling, on a real store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from penpal import workflows
from penpal.config import Settings, WriterSettings, default_settings
from penpal.conversations import make_token, reply_address
from penpal.errors import ConfigError, IntakeError, NotFound, WorkflowError
from penpal.intake import IncomingMessage, MaildirMailbox
from penpal.letters import Article, Correspondence, CorrespondenceId, State, Writer
from penpal.store import RawStatus, Store
from penpal.templating import template_environment

SERVICE = "penpal@magazine.example"
DENISE = Writer(email="denise@brieven.example", name="Denise Veldhuis")
CAROLA = Writer(email="carola@post.example", name="Carola Zandvliet", label="Carola")
TOPIC = "Kwetsbaarheid op het werk"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a service at magazine.example with the two test writers."""
    return default_settings(
        tmp_path / "config.toml",
        service={"address": SERVICE, "secret": "s" * 32, "language": "nl"},
        writers=[
            WriterSettings(name=w.name, email=w.email, label=w.label) for w in (DENISE, CAROLA)
        ],
    )


class Clock:
    """A clock that moves one minute each time it is read."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        self.moment += timedelta(minutes=1)
        return self.moment


@pytest.fixture
def clock(now: datetime) -> Clock:
    """A moving test clock."""
    return Clock(now)


def letter(
    sender: Writer | str,
    body: str,
    *,
    subject: str = f"Re: {TOPIC}",
    message_id: str,
    to: str = SERVICE,
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
    when: datetime | None = None,
) -> bytes:
    """A plain-text message as a mail program would send it."""
    msg = EmailMessage()
    msg["From"] = sender.email if isinstance(sender, Writer) else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    if when is not None:
        msg["Date"] = format_datetime(when)
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


FIRST = "Lieve Carola,\n\nIk wil het met je hebben over twijfel.\n\nLiefs,\nDenise\n"
REPLY = (
    "Hoi Denise,\n\nTwijfel is het begin van alles.\n\nGroetjes,\nCarola\n\n"
    "Op vr 20 nov 2026 om 09:14 schreef Denise Veldhuis <denise@brieven.example>:\n"
    "> Lieve Carola,\n>\n> Ik wil het met je hebben over twijfel.\n"
)


@pytest.fixture
async def correspondence(store: Store, clock: Clock) -> Correspondence:
    """An open correspondence between Denise and Carola."""
    return await workflows.start_correspondence(
        store, TOPIC, [DENISE, CAROLA], clock=clock, actor="test"
    )


async def test_letter_is_filed_by_subject(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A writer's first letter with the topic as subject is filed under the correspondence."""
    receipt = await workflows.receive(
        store,
        letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example"),
        source="test",
        settings=settings,
        clock=clock,
    )
    assert receipt.status is RawStatus.LETTER
    assert receipt.correspondence_id == correspondence.id
    async with store.unit() as repo:
        letters = await repo.letters(correspondence.id)
    assert [x.writer.email for x in letters] == [DENISE.email]
    assert "Ik wil het met je hebben over twijfel." in letters[0].body
    assert "Lieve Carola" not in letters[0].body


async def test_reply_is_threaded_by_references_and_loses_its_quote(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A reply whose In-Reply-To names a filed letter joins it, without the quoted history."""
    await workflows.receive(
        store,
        letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example"),
        source="test",
        settings=settings,
        clock=clock,
    )
    receipt = await workflows.receive(
        store,
        letter(
            CAROLA,
            REPLY,
            subject="Iets heel anders",
            message_id="2@post.example",
            in_reply_to="1@brieven.example",
        ),
        source="test",
        settings=settings,
        clock=clock,
    )
    assert receipt.status is RawStatus.LETTER
    assert receipt.correspondence_id == correspondence.id
    async with store.unit() as repo:
        letters = await repo.letters(correspondence.id)
    assert letters[1].text.startswith("Hoi Denise,")
    assert "> Lieve Carola" not in letters[1].text
    assert "schreef" not in letters[1].text


async def test_reply_token_places_the_letter(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A letter sent to the signed reply address is filed, whatever its subject."""
    assert settings.service.secret is not None
    to = reply_address(SERVICE, make_token(correspondence.id, settings.service.secret))
    receipt = await workflows.receive(
        store,
        letter(CAROLA, FIRST, subject="Zomaar", message_id="t@post.example", to=to),
        source="test",
        settings=settings,
        clock=clock,
    )
    assert receipt.status is RawStatus.LETTER
    assert receipt.correspondence_id == correspondence.id


async def test_forged_token_is_quarantined(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A reply address with an altered token is held back, with the reason."""
    to = f"penpal+{correspondence.id}-aaaaaaaaaa@magazine.example"
    receipt = await workflows.receive(
        store,
        letter(CAROLA, FIRST, message_id="f@post.example", to=to),
        source="test",
        settings=settings,
        clock=clock,
    )
    assert receipt.status is RawStatus.QUARANTINED
    assert "token" in receipt.reason


async def test_stranger_is_quarantined_and_kept(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """Mail from someone who is not a writer is quarantined, its raw bytes kept."""
    raw = letter("someone@else.example", FIRST, message_id="x@else.example")
    receipt = await workflows.receive(store, raw, source="test", settings=settings, clock=clock)
    assert receipt.status is RawStatus.QUARANTINED
    assert "someone@else.example" in receipt.reason
    async with store.unit() as repo:
        held = await repo.quarantine()
        assert await repo.raw(receipt.record_id) == raw
    assert [entry.id for entry in held] == [receipt.record_id]


async def test_unreadable_message_is_quarantined(
    store: Store, settings: Settings, clock: Clock
) -> None:
    """A message too large to read is quarantined with its reason; nothing is lost."""
    small = default_settings(
        settings.path, service=settings.service, policy={"max_message_bytes": 100}
    )
    raw = letter(DENISE, "x" * 500, message_id="big@brieven.example")
    receipt = await workflows.receive(store, raw, source="test", settings=small, clock=clock)
    assert receipt.status is RawStatus.QUARANTINED
    assert receipt.reason
    async with store.unit() as repo:
        assert await repo.raw(receipt.record_id) == raw


async def test_auto_reply_is_kept_but_not_a_letter(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """An out-of-office reply is recorded as such and never filed as a letter."""
    raw = letter(
        CAROLA,
        "Ik ben tot maandag afwezig.",
        subject="Automatisch antwoord: " + TOPIC,
        message_id="ooo@post.example",
        headers={"Auto-Submitted": "auto-replied"},
    )
    receipt = await workflows.receive(store, raw, source="test", settings=settings, clock=clock)
    assert receipt.status is RawStatus.AUTO_REPLY
    async with store.unit() as repo:
        assert await repo.letters(correspondence.id) == []


async def test_same_message_twice_is_one_letter(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """Identical bytes are seen before; the same Message-ID in other bytes is a duplicate."""
    raw = letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example")
    first = await workflows.receive(store, raw, source="a", settings=settings, clock=clock)
    again = await workflows.receive(store, raw, source="a", settings=settings, clock=clock)
    copy = await workflows.receive(
        store,
        b"Delivered-To: penpal@magazine.example\r\n" + raw,
        source="b",
        settings=settings,
        clock=clock,
    )
    assert first.status is RawStatus.LETTER
    assert again.seen_before
    assert copy.status is RawStatus.DUPLICATE
    async with store.unit() as repo:
        assert len(await repo.letters(correspondence.id)) == 1


async def test_klaar_completes_and_compiles(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A letter ending in #klaar is filed, then the correspondence is completed with a draft."""
    await workflows.receive(
        store,
        letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example"),
        source="test",
        settings=settings,
        clock=clock,
    )
    await workflows.receive(
        store,
        letter(
            CAROLA,
            "Hoi Denise,\n\nDit was mooi.\n\nGroetjes,\nCarola\n\n#klaar\n",
            message_id="2@post.example",
            in_reply_to="1@brieven.example",
        ),
        source="test",
        settings=settings,
        clock=clock,
    )
    async with store.unit() as repo:
        state = (await repo.get_correspondence(correspondence.id)).state
        events = [e.kind for e in await repo.events(correspondence.id)]
    assert state is State.COMPLETE
    assert "command" in events
    article = await workflows.current_draft(store, correspondence.id)
    assert [t.label for t in article.turns] == ["Denise", "Carola"]
    assert article.turns[1].paragraphs == ("Dit was mooi.",)
    assert article.revision == 1


async def test_letter_after_completion_is_quarantined(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """Once complete, a correspondence takes no more letters; a late one waits in quarantine."""
    await workflows.receive(
        store,
        letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example"),
        source="test",
        settings=settings,
        clock=clock,
    )
    await workflows.complete(store, correspondence.id, settings=settings, clock=clock, actor="t")
    receipt = await workflows.receive(
        store,
        letter(CAROLA, REPLY, message_id="late@post.example", in_reply_to="1@brieven.example"),
        source="test",
        settings=settings,
        clock=clock,
    )
    assert receipt.status is RawStatus.QUARANTINED
    assert "complete" in receipt.reason


async def test_complete_refuses_empty_and_closed(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """Completing needs letters, and an open correspondence."""
    with pytest.raises(WorkflowError, match="no letters"):
        await workflows.complete(
            store, correspondence.id, settings=settings, clock=clock, actor="t"
        )
    await workflows.receive(
        store,
        letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example"),
        source="test",
        settings=settings,
        clock=clock,
    )
    await workflows.complete(store, correspondence.id, settings=settings, clock=clock, actor="t")
    with pytest.raises(WorkflowError, match="not open"):
        await workflows.complete(
            store, correspondence.id, settings=settings, clock=clock, actor="t"
        )


async def test_draft_of_unknown_or_uncompiled(store: Store, correspondence: Correspondence) -> None:
    """Asking for a draft that does not exist names what is missing."""
    with pytest.raises(NotFound, match="no draft yet"):
        await workflows.current_draft(store, correspondence.id)
    with pytest.raises(NotFound):
        await workflows.current_draft(store, "nosuch")


async def test_start_needs_topic_and_two_writers(store: Store, clock: Clock) -> None:
    """A correspondence needs a topic and two different writers."""
    with pytest.raises(WorkflowError, match="topic"):
        await workflows.start_correspondence(store, " ", [DENISE, CAROLA], clock=clock, actor="t")
    with pytest.raises(WorkflowError, match="two different"):
        await workflows.start_correspondence(store, TOPIC, [DENISE, DENISE], clock=clock, actor="t")


async def test_missing_secret_is_named(
    store: Store, clock: Clock, correspondence: Correspondence, tmp_path: Path
) -> None:
    """Receiving a letter without service.secret fails naming the key; the raw message stays."""
    bare = default_settings(tmp_path / "config.toml", service={"address": SERVICE})
    raw = letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example")
    with pytest.raises(ConfigError, match=r"service\.secret"):
        await workflows.receive(store, raw, source="test", settings=bare, clock=clock)
    async with store.unit() as repo:
        assert [r.status for r in await repo.unprocessed()] == [RawStatus.NEW]


async def test_resume_decides_what_a_crash_left(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A message stored but never decided is decided on the next pass."""
    raw = letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example")
    async with store.unit() as repo:
        await repo.save_raw(raw, source="crash", now=clock())
    report = await workflows.resume(store, settings=settings, clock=clock)
    assert report.counts == {"letter": 1}
    async with store.unit() as repo:
        assert len(await repo.letters(correspondence.id)) == 1


def _deliver(maildir: Path, messages: list[bytes]) -> Iterator[Path]:
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for number, raw in enumerate(messages):
        path = maildir / "new" / f"{number}.test"
        path.write_bytes(raw)
        yield path


async def test_ingest_maildir_twice_stores_once(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence, tmp_path: Path
) -> None:
    """Two passes over the same Maildir file each message once, and the second finds nothing."""
    maildir = tmp_path / "Maildir"
    list(
        _deliver(
            maildir,
            [
                letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example"),
                letter(CAROLA, REPLY, message_id="2@post.example", in_reply_to="1@brieven.example"),
                letter("someone@else.example", "Hallo", message_id="3@else.example"),
            ],
        )
    )
    mailbox = MaildirMailbox(maildir)
    first = await workflows.ingest_once(store, mailbox, settings=settings, clock=clock)
    second = await workflows.ingest_once(store, mailbox, settings=settings, clock=clock)
    await mailbox.close()
    assert first.counts == {"letter": 2, "quarantined": 1}
    assert second.total == 0
    async with store.unit() as repo:
        assert len(await repo.letters(correspondence.id)) == 2


async def test_import_reports_progress(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """Import sends every message the same way as intake and reports each one."""
    seen: list[RawStatus] = []
    raw = letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example")
    report = await workflows.import_messages(
        store,
        [IncomingMessage("file:a", raw), IncomingMessage("file:b", raw)],
        settings=settings,
        clock=clock,
        progress=lambda r: seen.append(r.status),
    )
    assert report.counts == {"letter": 1, "seen_before": 1}
    assert seen == [RawStatus.LETTER, RawStatus.LETTER]


def test_render_draft_refuses_unknown_format() -> None:
    """Only md and html are rendered here; json is the articles module's own."""
    article = Article(CorrespondenceId("abc123"), "T", "I", (), "nl", 1)
    with pytest.raises(WorkflowError, match="unknown draft format"):
        workflows.render_draft(article, "pdf", template_environment())


class FlakyMailbox:
    """A mailbox with the Mailbox signature that fails its first two reads, then has mail."""

    def __init__(self, raws: list[bytes]) -> None:
        self.raws = raws
        self.failures = 2
        self.marked: list[str] = []
        self.passes = 0

    async def fetch_new(self) -> list[IncomingMessage]:
        if self.failures:
            self.failures -= 1
            raise IntakeError("IMAP mail.example:993: connection refused")
        self.passes += 1
        pending = [IncomingMessage(f"k{i}", raw) for i, raw in enumerate(self.raws)]
        return [m for m in pending if m.key not in self.marked]

    async def mark_processed(self, message: IncomingMessage, *, quarantined: bool = False) -> None:
        self.marked.append(message.key)

    async def wait_for_mail(self, timeout: float) -> None:  # noqa: ASYNC109  # the Mailbox protocol
        await asyncio.sleep(0)

    async def close(self) -> None:
        return None


async def test_keep_ingesting_survives_an_outage(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A mailbox that fails is retried with growing pauses, and its letters then arrive."""
    mailbox = FlakyMailbox([letter(DENISE, FIRST, subject=TOPIC, message_id="1@brieven.example")])
    reports: list[workflows.IntakeReport] = []
    pauses: list[float] = []
    real_sleep = asyncio.sleep

    async def quick_sleep(delay: float) -> None:
        pauses.append(delay)
        await real_sleep(0)

    task = asyncio.create_task(
        workflows.keep_ingesting(
            store,
            mailbox,
            settings=settings,
            clock=clock,
            on_report=reports.append,
            max_backoff=1.5,
        )
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(asyncio, "sleep", quick_sleep)
        while mailbox.passes < 3:
            await real_sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pauses[:2] == [1.0, 1.5]
    assert reports[0].counts == {"letter": 1}
    assert mailbox.marked == ["k0"]


@pytest.mark.parametrize(
    ("results", "status"),
    [
        ("mx.magazine.example; dmarc=pass header.from=brieven.example", RawStatus.LETTER),
        ("mx.magazine.example; dmarc=fail header.from=brieven.example", RawStatus.QUARANTINED),
        ("", RawStatus.QUARANTINED),
    ],
    ids=["authenticated", "failed", "no-verdict"],
)
async def test_required_sender_authentication(
    store: Store,
    settings: Settings,
    clock: Clock,
    correspondence: Correspondence,
    results: str,
    status: RawStatus,
) -> None:
    """With policy.require_authenticated_sender, only authenticated letters are filed."""
    strict = default_settings(
        settings.path,
        service=settings.service,
        writers=settings.writers,
        policy={"require_authenticated_sender": True},
    )
    headers = {"Authentication-Results": results} if results else {}
    raw = letter(DENISE, FIRST, subject=TOPIC, message_id="a@brieven.example", headers=headers)
    receipt = await workflows.receive(store, raw, source="t", settings=strict, clock=clock)
    assert receipt.status is status
    if status is RawStatus.QUARANTINED:
        assert "authentication" in receipt.reason
