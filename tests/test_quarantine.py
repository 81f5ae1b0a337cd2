"""Tests for penpal.workflows.quarantine: releasing and discarding held mail, on a real store."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from penpal import workflows
from penpal.config import Settings, WriterSettings, default_settings
from penpal.errors import NotFound, WorkflowError
from penpal.letters import Correspondence, MailKind, MessageRecordId, State, Writer
from penpal.store import RawStatus, Store
from penpal.templating import template_environment
from penpal.workflows.outgoing import Mailroom
from penpal.workflows.quarantine import discard, release

SERVICE = "penpal@magazine.example"
DENISE = Writer(email="denise@brieven.example", name="Denise Veldhuis")
CAROLA = Writer(email="carola@post.example", name="Carola Zandvliet")
TOPIC = "Kwetsbaarheid op het werk"
STRANGER = "d.veldhuis@elders.example"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a service at magazine.example with the two test writers."""
    return default_settings(
        tmp_path / "config.toml",
        service={"address": SERVICE, "secret": "q" * 32, "language": "nl"},
        writers=[WriterSettings(name=w.name, email=w.email) for w in (DENISE, CAROLA)],
        policy={"max_message_bytes": 20_000},
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


def message(
    body: str,
    *,
    message_id: str,
    sender: str = STRANGER,
    subject: str = TOPIC,
    in_reply_to: str = "",
) -> bytes:
    """A plain-text message as a mail program would send it."""
    msg = EmailMessage()
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    msg["From"] = sender
    msg["To"] = SERVICE
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content(body)
    return msg.as_bytes()


LETTER = "Lieve Carola,\n\nIk schrijf je vanaf een ander adres.\n\nLiefs,\nDenise\n"


@pytest.fixture
async def correspondence(store: Store, clock: Clock) -> Correspondence:
    """An open correspondence between Denise and Carola."""
    return await workflows.start_correspondence(
        store, TOPIC, [DENISE, CAROLA], clock=clock, actor="test"
    )


async def held(
    store: Store, settings: Settings, clock: Clock, raw: bytes, *, source: str = "test"
) -> MessageRecordId:
    """Receive ``raw`` and return its record id, checking that it was quarantined."""
    receipt = await workflows.receive(store, raw, source=source, settings=settings, clock=clock)
    assert receipt.status is RawStatus.QUARANTINED
    return receipt.record_id


async def test_release_files_the_letter_as_the_writer_picked_and_relays_it(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A held letter from an unknown address becomes the picked writer's letter, relayed."""
    record = await held(store, settings, clock, message(LETTER, message_id="1@elders.example"))
    room = Mailroom(settings, template_environment())
    letter = await release(
        store,
        record,
        correspondence_id=correspondence.id.upper(),
        writer_email=" Denise@Brieven.example ",
        settings=settings,
        clock=clock,
        actor="eva@redactie.example",
        room=room,
    )
    assert letter.writer.email == DENISE.email
    assert letter.body == "Ik schrijf je vanaf een ander adres."
    async with store.unit() as repo:
        assert await repo.quarantine() == []
        assert (await repo.message_entry(record)).status is RawStatus.LETTER
        assert await repo.letters(correspondence.id) == [letter]
        events = await repo.events(correspondence.id)
        outbox = await repo.outbox()
    released = [e for e in events if e.kind == "released"]
    assert [(e.actor, e.detail["record_id"], e.detail["writer"]) for e in released] == [
        ("eva@redactie.example", record, DENISE.email)
    ]
    assert released[0].detail["sender"] == STRANGER
    relays = [m for m in outbox if m.kind is MailKind.RELAY]
    assert [m.recipients for m in relays] == [(CAROLA.email,)]


async def test_release_without_mailroom_relays_nothing(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """Without a mailroom the letter is filed and nothing is queued."""
    record = await held(store, settings, clock, message(LETTER, message_id="2@elders.example"))
    await release(
        store,
        record,
        correspondence_id=correspondence.id,
        writer_email=DENISE.email,
        settings=settings,
        clock=clock,
        actor="eva@redactie.example",
    )
    async with store.unit() as repo:
        assert len(await repo.letters(correspondence.id)) == 1
        assert await repo.outbox() == []


async def test_release_carries_out_no_command(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A released letter saying #klaar leaves the correspondence open."""
    text = LETTER + "\n#klaar\n"
    record = await held(store, settings, clock, message(text, message_id="3@elders.example"))
    await release(
        store,
        record,
        correspondence_id=correspondence.id,
        writer_email=DENISE.email,
        settings=settings,
        clock=clock,
        actor="eva@redactie.example",
    )
    async with store.unit() as repo:
        assert (await repo.get_correspondence(correspondence.id)).state is State.OPEN


async def test_release_refuses_a_writer_of_another_correspondence(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """Only a writer of the picked correspondence can be named as the letter's writer."""
    record = await held(store, settings, clock, message(LETTER, message_id="4@elders.example"))
    with pytest.raises(WorkflowError, match="is not a writer of correspondence"):
        await release(
            store,
            record,
            correspondence_id=correspondence.id,
            writer_email=STRANGER,
            settings=settings,
            clock=clock,
            actor="eva@redactie.example",
        )
    async with store.unit() as repo:
        assert [e.id for e in await repo.quarantine()] == [record]


async def test_release_refuses_a_correspondence_that_is_not_open(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A letter is released only into an open correspondence; the message stays held."""
    record = await held(store, settings, clock, message(LETTER, message_id="5@elders.example"))
    async with store.unit() as repo:
        await repo.set_state(correspondence.id, State.IN_REVIEW, now=clock(), actor="test")
    with pytest.raises(WorkflowError, match="in_review: reopen it"):
        await release(
            store,
            record,
            correspondence_id=correspondence.id,
            writer_email=DENISE.email,
            settings=settings,
            clock=clock,
            actor="eva@redactie.example",
        )
    async with store.unit() as repo:
        assert [e.id for e in await repo.quarantine()] == [record]


async def test_release_refuses_what_is_not_held(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A filed letter, a discarded message or an unknown id cannot be released."""
    receipt = await workflows.receive(
        store,
        message(LETTER, message_id="6@brieven.example", sender=DENISE.email),
        source="test",
        settings=settings,
        clock=clock,
    )
    assert receipt.status is RawStatus.LETTER
    kwargs = {
        "correspondence_id": correspondence.id,
        "writer_email": DENISE.email,
        "settings": settings,
        "clock": clock,
        "actor": "eva@redactie.example",
    }
    with pytest.raises(WorkflowError, match="not in the quarantine \\(it is letter\\)"):
        await release(store, receipt.record_id, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await release(store, MessageRecordId(9999), **kwargs)  # type: ignore[arg-type]
    record = await held(store, settings, clock, message(LETTER, message_id="7@elders.example"))
    with pytest.raises(NotFound):
        await release(
            store,
            record,
            correspondence_id="zzzzzz",
            writer_email=DENISE.email,
            settings=settings,
            clock=clock,
            actor="eva@redactie.example",
        )


async def test_release_refuses_an_unreadable_message(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A message over the size limit stays held: it cannot be read as a letter."""
    big = message(LETTER + "x" * 30_000, message_id="8@elders.example")
    record = await held(store, settings, clock, big)
    with pytest.raises(WorkflowError, match="cannot be read"):
        await release(
            store,
            record,
            correspondence_id=correspondence.id,
            writer_email=DENISE.email,
            settings=settings,
            clock=clock,
            actor="eva@redactie.example",
        )


async def test_release_refuses_a_message_already_filed_by_message_id(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A held copy of a letter that was filed already (same Message-ID) is not filed twice."""
    await workflows.receive(
        store,
        message(LETTER, message_id="9@brieven.example", sender=DENISE.email),
        source="test",
        settings=settings,
        clock=clock,
    )
    copy = message(LETTER + "\nPS\n", message_id="9@brieven.example")
    receipt = await workflows.receive(store, copy, source="t", settings=settings, clock=clock)
    # Intake knows the Message-ID and sets the copy aside; an editor's release must know it too.
    assert receipt.status is RawStatus.DUPLICATE
    async with store.unit() as repo:
        await repo.mark_raw(receipt.record_id, RawStatus.QUARANTINED, reason="test", now=clock())
    with pytest.raises(WorkflowError, match="is filed already"):
        await release(
            store,
            receipt.record_id,
            correspondence_id=correspondence.id,
            writer_email=DENISE.email,
            settings=settings,
            clock=clock,
            actor="eva@redactie.example",
        )


async def test_release_refuses_a_message_without_letter_text(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A held message that is only a greeting and a signature has nothing to file."""
    record = await held(store, settings, clock, message("#klaar\n", message_id="10@elders.example"))
    with pytest.raises(WorkflowError, match="no letter text"):
        await release(
            store,
            record,
            correspondence_id=correspondence.id,
            writer_email=DENISE.email,
            settings=settings,
            clock=clock,
            actor="eva@redactie.example",
        )


async def test_discard_sets_the_message_aside_keeping_bytes_and_reason(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A discarded message leaves the quarantine, keeps its bytes and reason, and is logged."""
    raw = message(LETTER, message_id="11@elders.example")
    record = await held(store, settings, clock, raw)
    async with store.unit() as repo:
        reason = (await repo.message_entry(record)).reason
    entry = await discard(store, record, clock=clock, actor="eva@redactie.example")
    assert entry.status is RawStatus.DISCARDED
    assert entry.reason == reason != ""
    async with store.unit() as repo:
        assert await repo.quarantine() == []
        assert await repo.raw(record) == raw
    with pytest.raises(WorkflowError, match="not in the quarantine"):
        await discard(store, record, clock=clock, actor="eva@redactie.example")
    with pytest.raises(NotFound):
        await discard(store, MessageRecordId(9999), clock=clock, actor="eva@redactie.example")


async def test_discarding_mail_held_for_a_correspondence_logs_it_there(
    store: Store, settings: Settings, clock: Clock, correspondence: Correspondence
) -> None:
    """A late letter held for a completed correspondence is discarded into its event log."""
    await workflows.receive(
        store,
        message(LETTER, message_id="12@brieven.example", sender=DENISE.email),
        source="test",
        settings=settings,
        clock=clock,
    )
    await workflows.complete(store, correspondence.id, settings=settings, clock=clock, actor="test")
    late = message(
        LETTER + "\nNog iets.\n",
        message_id="13@brieven.example",
        sender=DENISE.email,
        in_reply_to="12@brieven.example",
    )
    record = await held(store, settings, clock, late)
    await discard(store, record, clock=clock, actor="eva@redactie.example")
    async with store.unit() as repo:
        events = await repo.events(correspondence.id)
    assert [(e.kind, e.actor, e.detail["record_id"]) for e in events if e.kind == "discarded"] == [
        ("discarded", "eva@redactie.example", record)
    ]
