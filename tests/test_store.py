"""Tests for penpal.store against a real database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from penpal.errors import NotFound, StoreError
from penpal.letters import (
    Address,
    Attachment,
    Command,
    CommandName,
    Correspondence,
    CorrespondenceId,
    Cut,
    CutKind,
    Extraction,
    MailKind,
    MessageKind,
    MessageRecordId,
    OutgoingMail,
    ParsedMessage,
    State,
    Writer,
)
from penpal.store import (
    OutboxEntry,
    OutboxStatus,
    RawStatus,
    Repository,
    Store,
    alembic_config,
    repository,
)
from penpal.store.tables import Base

ANNA = Writer(email="anna@schrijvers.example", name="Anna de Vries", label="Anna")
BART = Writer(
    email="Bart@Letters.example", name="Bart Jansen", aliases=("b.jansen@elders.example",)
)
CHRIS = Writer(email="chris@elsewhere.example", name="Chris Smit")
CET = timezone(timedelta(hours=1))


def parsed(
    message_id: str,
    *,
    sender: Writer = ANNA,
    text: str = "Beste Bart,\n\nHet regent hier.\n\nGroet,\nAnna",
    date: datetime | None = None,
    attachments: tuple[Attachment, ...] = (),
    kind: MessageKind = MessageKind.LETTER,
) -> ParsedMessage:
    """A parsed letter as the parsing module would hand it over."""
    return ParsedMessage(
        kind=kind,
        sender=Address(sender.email.lower(), sender.name),
        subject="Over kwetsbaarheid",
        message_id=message_id,
        extraction=Extraction(
            text=text,
            body="Het regent hier.",
            salutation="Beste Bart,",
            closing="Groet,\nAnna",
            private=("[privé] Niet publiceren.",),
            commands=(Command(CommandName.COMPLETE, "#klaar"),),
            removed=(Cut(CutKind.QUOTE, "> eerder", "quoted history"),),
        ),
        date=date,
        attachments=attachments,
    )


async def start(store: Store, now: datetime, topic: str = "Kwetsbaarheid") -> Correspondence:
    """Create a correspondence between Anna and Bart."""
    async with store.unit() as repo:
        return await repo.create_correspondence(topic, [ANNA, BART], now=now, actor="editor")


async def file(
    store: Store, correspondence: Correspondence, message_id: str, now: datetime, **kwargs: object
) -> MessageRecordId:
    """Store a raw message and file it as a letter; return the raw record's id."""
    message = parsed(message_id, **kwargs)  # type: ignore[arg-type]  # test helper pass-through
    async with store.unit() as repo:
        record = await repo.save_raw(message_id.encode(), source="test", now=now)
        writer = correspondence.writer_for(message.sender.email if message.sender else "")
        assert writer is not None
        await repo.file_letter(record.id, correspondence, writer, message, now=now)
        return record.id


# connecting and migrating


async def test_upgrade_twice_is_a_no_op(store: Store) -> None:
    """A second upgrade of a current database changes nothing and keeps the data."""
    now = datetime(2026, 1, 2, tzinfo=UTC)
    created = await start(store, now)
    await store.upgrade()
    async with store.unit() as repo:
        assert (await repo.get_correspondence(created.id)).topic == "Kwetsbaarheid"


async def test_migration_matches_the_tables(database_url: str) -> None:
    """The schema the migration builds is the schema tables.py declares, at head revision."""
    store = Store.connect(database_url)
    try:
        await store.upgrade()
    finally:
        await store.close()

    def differences(connection: Connection) -> tuple[list[object], str | None]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata)), context.get_current_revision()

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff, revision = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert diff == []
    assert revision == "0004"


async def test_plain_sqlite_url_gets_the_async_driver(tmp_path: object) -> None:
    """``sqlite:///path`` works, being read as ``sqlite+aiosqlite``."""
    store = Store.connect(f"sqlite:///{tmp_path}/plain.db")
    try:
        await store.upgrade()
        async with store.unit() as repo:
            assert await repo.list_correspondences() == []
        assert store.name.startswith("sqlite+aiosqlite:///")
    finally:
        await store.close()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "postgresql://writer:hunter2-secret@db.example:port/penpal",
        "mysql+aiomysql://writer:hunter2-secret@db.example/penpal",
    ],
    ids=["empty", "garbage", "bad-port", "unsupported"],
)
def test_unusable_url_is_one_line_without_password(url: str) -> None:
    """A URL that cannot be used gives one line that never shows the password."""
    with pytest.raises(StoreError) as caught:
        Store.connect(url)
    message = str(caught.value)
    assert "\n" not in message
    assert "hunter2-secret" not in message


async def test_unreachable_database_names_it_without_password() -> None:
    """An unreachable server gives one line naming the database, password hidden."""
    store = Store.connect("postgresql://penpal:hunter2-secret@127.0.0.1:1/letters")
    try:
        for attempt in (store.upgrade(), _open_unit(store)):
            with pytest.raises(StoreError) as caught:
                await attempt
            message = str(caught.value)
            assert "127.0.0.1:1/letters" in message
            assert "hunter2-secret" not in message
            assert "\n" not in message
    finally:
        await store.close()


async def _open_unit(store: Store) -> None:
    async with store.unit():
        pass  # pragma: no cover  # the unit cannot open


async def test_unopenable_sqlite_file_is_a_store_error(tmp_path: object) -> None:
    """A SQLite file in a missing folder gives a StoreError naming the file, before any I/O."""
    with pytest.raises(StoreError, match=r"missing/penpal\.db.*folder .*missing does not exist"):
        Store.connect(f"sqlite+aiosqlite:///{tmp_path}/missing/penpal.db")


async def test_database_newer_than_the_code_is_refused(database_url: str) -> None:
    """Upgrading a database stamped with an unknown revision is a StoreError, not a crash."""
    store = Store.connect(database_url)
    try:
        await store.upgrade()
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
        finally:
            await engine.dispose()
        with pytest.raises(StoreError, match=r"cannot upgrade.*f00d"):
            await store.upgrade()
    finally:
        await store.close()


async def test_alembic_config_runs_by_hand(database_url: str) -> None:
    """alembic_config(url) lets a developer run Alembic commands without an ini file."""
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
    store = Store.connect(database_url)
    try:
        await store.upgrade()
        async with store.unit() as repo:
            assert await repo.list_correspondences() == []
    finally:
        await store.close()


async def test_database_errors_become_store_errors(store: Store, database_url: str) -> None:
    """A failing statement surfaces as one-line StoreError, not a SQLAlchemy error."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE mailbox_state"))
    finally:
        await engine.dispose()
    with pytest.raises(StoreError) as caught:
        async with store.unit() as repo:
            await repo.mailbox_state("INBOX")
    assert "mailbox_state" in str(caught.value)
    assert "\n" not in str(caught.value)


# units of work


async def test_unit_rolls_back_on_error(store: Store, now: datetime) -> None:
    """An exception inside a unit leaves nothing of it behind."""

    async def fail_halfway() -> None:
        async with store.unit() as repo:
            await repo.create_correspondence("Weg", [ANNA, BART], now=now, actor="editor")
            await repo.save_raw(b"lost", source="test", now=now)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_halfway()
    async with store.unit() as repo:
        assert await repo.list_correspondences() == []
        assert await repo.unprocessed() == []


async def test_committed_work_survives_reconnecting(database_url: str, now: datetime) -> None:
    """What one Store committed, a new Store on the same database reads back."""
    first = Store.connect(database_url)
    try:
        await first.upgrade()
        created = await start(first, now)
    finally:
        await first.close()
    second = Store.connect(database_url)
    try:
        async with second.unit() as repo:
            assert await repo.get_correspondence(created.id) == created
    finally:
        await second.close()


# correspondences


async def test_create_correspondence(store: Store, now: datetime) -> None:
    """A new correspondence is open, has a short id, its writers in order and an event."""
    async with store.unit() as repo:
        created = await repo.create_correspondence(
            "Kwetsbaarheid", [ANNA, BART], now=now, actor="editor", subject="Brieven"
        )
    assert re.fullmatch(r"[a-hjkmnp-z2-9]{6}", created.id)
    assert created.state is State.OPEN
    assert created.topic == "Kwetsbaarheid"
    assert created.subject == "Brieven"
    assert created.created_at == now
    assert [w.email for w in created.writers] == ["anna@schrijvers.example", "bart@letters.example"]
    assert created.writers[1].aliases == ("b.jansen@elders.example",)
    async with store.unit() as repo:
        assert await repo.get_correspondence(created.id) == created
        events = await repo.events(created.id)
    assert [(e.kind, e.actor, e.at) for e in events] == [("created", "editor", now)]
    assert events[0].detail["topic"] == "Kwetsbaarheid"


async def test_writers_are_upserted_by_email(store: Store, now: datetime) -> None:
    """A known writer is updated, not duplicated; empty fields keep what was known."""
    await start(store, now)
    renamed = Writer(email="ANNA@schrijvers.example", name="Anna van Dijk", label="")
    async with store.unit() as repo:
        second = await repo.create_correspondence("Werk", [renamed, CHRIS], now=now, actor="x")
        first_again = (await repo.list_correspondences())[0].correspondence
    assert second.writers[0] == Writer(
        email="anna@schrijvers.example", name="Anna van Dijk", label="Anna"
    )
    assert first_again.writers[0] == second.writers[0]


@pytest.mark.parametrize(
    "writers", [[ANNA], [ANNA, ANNA], [ANNA, BART, CHRIS]], ids=["one", "same", "three"]
)
async def test_correspondence_needs_two_different_writers(
    store: Store, now: datetime, writers: list[Writer]
) -> None:
    """Anything but two different writers is refused."""
    with pytest.raises(StoreError, match="two different writers"):
        async with store.unit() as repo:
            await repo.create_correspondence("X", writers, now=now, actor="editor")


async def test_correspondence_id_clash_is_retried(
    store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a drawn id is taken, another is drawn."""
    ids = iter(["aaaaaa", "aaaaaa", "bbbbbb"])
    monkeypatch.setattr(repository, "new_correspondence_id", lambda: CorrespondenceId(next(ids)))
    first = await start(store, now)
    second = await start(store, now)
    assert (first.id, second.id) == ("aaaaaa", "bbbbbb")


async def test_correspondence_ids_running_out_is_an_error(
    store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If every drawn id is taken, creating gives up with a StoreError."""
    monkeypatch.setattr(repository, "new_correspondence_id", lambda: CorrespondenceId("aaaaaa"))
    await start(store, now)
    with pytest.raises(StoreError, match="no free correspondence id"):
        await start(store, now)


async def test_concurrent_units_share_new_writers(store: Store, now: datetime) -> None:
    """Correspondences created at once with the same new writer share one writer record."""
    dora = Writer(email="dora@nieuw.example", name="Dora")

    async def create(partner: Writer) -> Correspondence:
        async with store.unit() as repo:
            created = await repo.create_correspondence(
                "Tegelijk", [dora, partner], now=now, actor="x"
            )
            await asyncio.sleep(0)
            return created

    first, second = await asyncio.gather(create(ANNA), create(CHRIS))
    async with store.unit() as repo:
        found = await repo.correspondences_of("dora@nieuw.example")
    assert {c.id for c in found} == {first.id, second.id}
    assert first.writers[0] == second.writers[0]


def test_correspondence_ids_avoid_look_alikes() -> None:
    """Drawn ids use six characters without 0, o, 1, l or i."""
    drawn = {repository.new_correspondence_id() for _ in range(200)}
    assert all(re.fullmatch(r"[a-z2-9]{6}", i) for i in drawn)
    assert not set("".join(drawn)) & set("01loi")
    assert len(drawn) > 190


async def test_get_correspondence(store: Store, now: datetime) -> None:
    """Ids are found regardless of case and spaces; unknown ids raise NotFound."""
    created = await start(store, now)
    async with store.unit() as repo:
        assert await repo.get_correspondence(f"  {created.id.upper()} ") == created
        with pytest.raises(NotFound):
            await repo.get_correspondence("zzzzzz")


async def test_list_correspondences(store: Store, now: datetime) -> None:
    """The list counts letters, shows last activity and filters by state."""
    first = await start(store, now, "Eerste")
    second = await start(store, now + timedelta(hours=1), "Tweede")
    await file(store, first, "m1@anna.example", now + timedelta(hours=2))
    await file(store, first, "m2@anna.example", now + timedelta(hours=3))
    async with store.unit() as repo:
        await repo.set_state(second.id, State.COMPLETE, now=now + timedelta(hours=4), actor="ed")
        everything = await repo.list_correspondences()
        complete = await repo.list_correspondences(State.COMPLETE)
        published = await repo.list_correspondences(State.PUBLISHED)
    assert [(s.correspondence.topic, s.letters, s.last_activity) for s in everything] == [
        ("Eerste", 2, now + timedelta(hours=3)),
        ("Tweede", 0, now + timedelta(hours=4)),
    ]
    assert everything[0].last_activity is not None
    assert everything[0].last_activity.tzinfo == UTC
    assert [s.correspondence.id for s in complete] == [second.id]
    assert published == []


async def test_correspondences_of_email_or_alias(store: Store, now: datetime) -> None:
    """A writer's correspondences are found by address or alias, in the given states."""
    first = await start(store, now)
    async with store.unit() as repo:
        other = await repo.create_correspondence("Ander", [CHRIS, BART], now=now, actor="ed")
        await repo.set_state(other.id, State.COMPLETE, now=now, actor="ed")
        by_alias = await repo.correspondences_of("B.Jansen@Elders.example")
        by_email_all = await repo.correspondences_of(
            "bart@letters.example", states=(State.OPEN, State.COMPLETE)
        )
        only_complete = await repo.correspondences_of("bart@letters.example", (State.COMPLETE,))
        stranger = await repo.correspondences_of("nobody@nowhere.example")
        no_states = await repo.correspondences_of("bart@letters.example", ())
    assert [c.id for c in by_alias] == [first.id]
    assert {c.id for c in by_email_all} == {first.id, other.id}
    assert [c.id for c in only_complete] == [other.id]
    assert stranger == no_states == []


async def test_set_state_records_an_event(store: Store, now: datetime) -> None:
    """A state change is stored and logged with who, when and why."""
    created = await start(store, now)
    later = now + timedelta(days=1)
    async with store.unit() as repo:
        changed = await repo.set_state(
            created.id, State.COMPLETE, now=later, actor="anna@schrijvers.example", reason="#klaar"
        )
        events = await repo.events(created.id)
        with pytest.raises(NotFound):
            await repo.set_state(CorrespondenceId("zzzzzz"), State.OPEN, now=later, actor="x")
    assert changed.state is State.COMPLETE
    assert events[-1].kind == "state"
    assert events[-1].at == later
    assert events[-1].actor == "anna@schrijvers.example"
    assert events[-1].detail == {"from": "open", "to": "complete", "reason": "#klaar"}


# raw messages


async def test_save_raw_deduplicates_by_content(store: Store, now: datetime) -> None:
    """The same bytes stored twice give one record; the second save says it is not new."""
    raw = b"From: anna@schrijvers.example\r\n\r\nHallo\r\n"
    async with store.unit() as repo:
        first = await repo.save_raw(raw, source="maildir:new/1", now=now)
    async with store.unit() as repo:
        second = await repo.save_raw(raw, source="imap:INBOX/7", now=now + timedelta(hours=1))
        assert await repo.raw(first.id) == raw
    assert first.is_new
    assert not second.is_new
    assert second.id == first.id
    assert first.sha256 == hashlib.sha256(raw).hexdigest()
    assert (second.status, second.source, second.size) == (RawStatus.NEW, "maildir:new/1", len(raw))
    assert second.received_at == now


async def test_concurrent_saves_of_one_message_store_it_once(store: Store, now: datetime) -> None:
    """Units saving the same bytes at the same time end with one record, one of them new."""

    async def save() -> tuple[int, bool]:
        async with store.unit() as repo:
            record = await repo.save_raw(b"twice delivered", source="test", now=now)
            await asyncio.sleep(0)  # let the other unit run while this one is open
            return record.id, record.is_new

    results = await asyncio.gather(save(), save(), save())
    assert len({record_id for record_id, _ in results}) == 1
    assert sorted(is_new for _, is_new in results) == [False, False, True]


async def test_raw_of_unknown_record_is_not_found(store: Store) -> None:
    """Asking for bytes that were never stored raises NotFound."""
    async with store.unit() as repo:
        with pytest.raises(NotFound):
            await repo.raw(MessageRecordId(404))


async def test_unprocessed_and_mark_raw(store: Store, now: datetime) -> None:
    """New records are unprocessed until marked; marking stores the parsed headers."""
    created = await start(store, now)
    async with store.unit() as repo:
        one = await repo.save_raw(b"one", source="test", now=now)
        two = await repo.save_raw(b"two", source="test", now=now)
        assert [r.id for r in await repo.unprocessed()] == [one.id, two.id]
        await repo.mark_raw(
            one.id,
            RawStatus.COMMAND,
            correspondence_id=created.id,
            parsed=parsed("<cmd@anna.example>", kind=MessageKind.COMMAND),
            now=now,
        )
        assert [r.id for r in await repo.unprocessed()] == [two.id]
        assert await repo.correspondence_for_message_ids(["cmd@anna.example"]) == created.id
        with pytest.raises(NotFound):
            await repo.mark_raw(MessageRecordId(404), RawStatus.DISCARDED, now=now)


async def test_quarantine_lists_held_messages_oldest_first(store: Store, now: datetime) -> None:
    """Quarantined messages are listed with sender, subject and reason; released ones are not."""
    async with store.unit() as repo:
        late = await repo.save_raw(b"late", source="imap:INBOX/2", now=now + timedelta(hours=1))
        early = await repo.save_raw(b"early", source="imap:INBOX/1", now=now)
        gone = await repo.save_raw(b"gone", source="imap:INBOX/3", now=now)
        for record in (late, early, gone):
            await repo.mark_raw(
                record.id,
                RawStatus.QUARANTINED,
                reason="not a writer of any correspondence",
                parsed=parsed(f"{record.id}@x.example", sender=CHRIS),
                now=now,
            )
        await repo.mark_raw(gone.id, RawStatus.RELEASED, reason="by editor", now=now)
        held = await repo.quarantine()
    assert [e.id for e in held] == [early.id, late.id]
    assert held[0].sender == "chris@elsewhere.example"
    assert held[0].subject == "Over kwetsbaarheid"
    assert held[0].reason == "not a writer of any correspondence"
    assert held[0].source == "imap:INBOX/1"
    assert held[0].received_at == now
    async with store.unit() as repo:
        counts = await repo.message_counts()
        newest = await repo.last_received()
    assert counts == {RawStatus.QUARANTINED: 2, RawStatus.RELEASED: 1}
    assert newest == now + timedelta(hours=1)


async def test_last_received_of_an_empty_store(store: Store) -> None:
    """A store that received nothing says so."""
    async with store.unit() as repo:
        assert await repo.last_received() is None


async def test_correspondence_for_message_ids_latest_wins(store: Store, now: datetime) -> None:
    """A reply's references lead to the correspondence of the latest matching message."""
    first = await start(store, now)
    second = await start(store, now)
    await file(store, first, "a@anna.example", now)
    await file(store, second, "b@anna.example", now + timedelta(hours=1))
    async with store.unit() as repo:
        found = await repo.correspondence_for_message_ids(
            ["unknown@x.example", "<a@anna.example>", "b@anna.example"]
        )
        only_first = await repo.correspondence_for_message_ids(["a@anna.example"])
        nothing = await repo.correspondence_for_message_ids(["unknown@x.example"])
        empty = await repo.correspondence_for_message_ids(["", "<>"])
    assert found == second.id
    assert only_first == first.id
    assert nothing is None
    assert empty is None


# letters


async def test_file_letter_keeps_everything(store: Store, now: datetime) -> None:
    """A filed letter keeps extraction and attachments, marks its record and logs an event."""
    created = await start(store, now)
    photo = Attachment("tuin.jpg", "image/jpeg", b"\xff\xd8\x00jpeg", content_id="c1", inline=True)
    sent = datetime(2026, 11, 19, 22, 30, tzinfo=CET)
    message = parsed("<first@anna.example>", date=sent, attachments=(photo,))
    async with store.unit() as repo:
        record = await repo.save_raw(b"raw letter", source="test", now=now)
        letter = await repo.file_letter(record.id, created, ANNA, message, now=now)
    async with store.unit() as repo:
        (stored,) = await repo.letters(created.id)
        assert await repo.unprocessed() == []
        assert await repo.message_id_known("first@anna.example")
        assert not await repo.message_id_known("other@anna.example")
        assert not await repo.message_id_known("")
        events = await repo.events(created.id)
    assert stored == letter
    assert stored.writer.label == "Anna"
    assert stored.message_id == "first@anna.example"
    assert stored.date == sent
    assert stored.date.tzinfo == UTC
    assert stored.extraction == message.extraction
    assert stored.attachments == (photo,)
    assert stored.attachments[0].data == photo.data
    assert events[-1].kind == "letter"
    assert events[-1].detail["letter_id"] == letter.id


async def test_letter_without_date_is_dated_now(store: Store, now: datetime) -> None:
    """A letter without a Date header is dated when it was filed."""
    created = await start(store, now)
    await file(store, created, "undated@anna.example", now)
    async with store.unit() as repo:
        (letter,) = await repo.letters(created.id)
    assert letter.date == now


async def test_letter_with_zoneless_date_is_taken_as_utc(store: Store, now: datetime) -> None:
    """A Date header without a zone (``-0000``) is read as UTC."""
    created = await start(store, now)
    await file(store, created, "zoneless@anna.example", now, date=datetime(2026, 3, 1, 8))
    async with store.unit() as repo:
        (letter,) = await repo.letters(created.id)
    assert letter.date == datetime(2026, 3, 1, 8, tzinfo=UTC)


async def test_letters_are_ordered_by_date_then_id(store: Store, now: datetime) -> None:
    """Letters come back by their date, ties by the order they were filed."""
    created = await start(store, now)
    await file(store, created, "late@anna.example", now, date=now + timedelta(days=2))
    await file(store, created, "tie-1@bart.example", now, sender=BART, date=now)
    await file(store, created, "tie-2@anna.example", now, date=now)
    async with store.unit() as repo:
        letters = await repo.letters(created.id)
        with pytest.raises(NotFound):
            await repo.letters(CorrespondenceId("zzzzzz"))
    assert [letter.message_id for letter in letters] == [
        "tie-1@bart.example",
        "tie-2@anna.example",
        "late@anna.example",
    ]
    assert letters[0].writer.email == "bart@letters.example"


async def test_filing_a_message_id_twice_is_refused(store: Store, now: datetime) -> None:
    """A second letter with a filed Message-ID raises StoreError and the unit stays usable."""
    created = await start(store, now)
    await file(store, created, "same@anna.example", now)
    async with store.unit() as repo:
        record = await repo.save_raw(b"other bytes", source="test", now=now)
        with pytest.raises(StoreError, match="already filed"):
            await repo.file_letter(record.id, created, ANNA, parsed("same@anna.example"), now=now)
        await repo.mark_raw(record.id, RawStatus.DUPLICATE, reason="same Message-ID", now=now)
    async with store.unit() as repo:
        assert len(await repo.letters(created.id)) == 1
        assert await repo.unprocessed() == []


async def test_letters_without_message_id_do_not_clash(store: Store, now: datetime) -> None:
    """Messages without a Message-ID can all be filed."""
    created = await start(store, now)
    async with store.unit() as repo:
        for raw in (b"first", b"second"):
            record = await repo.save_raw(raw, source="test", now=now)
            await repo.file_letter(record.id, created, ANNA, parsed(""), now=now)
        letters = await repo.letters(created.id)
    assert [letter.message_id for letter in letters] == ["", ""]


async def test_file_letter_checks_writer_and_record(store: Store, now: datetime) -> None:
    """Only a writer of the correspondence can file, and only a stored message."""
    created = await start(store, now)
    async with store.unit() as repo:
        await repo.create_correspondence("Ander", [CHRIS, ANNA], now=now, actor="ed")
        record = await repo.save_raw(b"from chris", source="test", now=now)
        with pytest.raises(StoreError, match="not a writer"):
            await repo.file_letter(record.id, created, CHRIS, parsed("c@x.example"), now=now)
        with pytest.raises(NotFound):
            await repo.file_letter(
                MessageRecordId(404), created, ANNA, parsed("d@x.example"), now=now
            )


async def test_text_postgresql_refuses_is_cleaned(store: Store, now: datetime) -> None:
    """A NUL character or lone surrogate in a letter does not keep it from being filed."""
    created = await start(store, now)
    await file(store, created, "nul@anna.example", now, text="Hal\x00lo \udcff daar")
    async with store.unit() as repo:
        (letter,) = await repo.letters(created.id)
    assert letter.text == "Hallo ? daar"


# drafts


async def test_drafts_are_numbered_revisions(store: Store, now: datetime) -> None:
    """Each saved draft is the next revision; the latest comes back as stored JSON."""
    created = await start(store, now)
    async with store.unit() as repo:
        with pytest.raises(NotFound):
            await repo.latest_draft(created.id)
        first = await repo.save_draft(created.id, {"title": "Eén", "turns": ()}, now=now, actor="a")
        second = await repo.save_draft(
            created.id, {"title": "Twee", "turns": [{"writer": "Anna"}]}, now=now, actor="editor"
        )
        latest = await repo.latest_draft(created.id)
    assert (first, second) == (1, 2)
    assert latest == (2, {"title": "Twee", "turns": [{"writer": "Anna"}]})


async def test_draft_errors(store: Store, now: datetime) -> None:
    """A draft of an unknown correspondence or with non-JSON content is refused."""
    created = await start(store, now)
    async with store.unit() as repo:
        with pytest.raises(NotFound):
            await repo.save_draft(CorrespondenceId("zzzzzz"), {}, now=now, actor="a")
        with pytest.raises(StoreError, match="JSON"):
            await repo.save_draft(created.id, {"when": now}, now=now, actor="a")


async def test_concurrent_drafts_get_distinct_revisions(store: Store, now: datetime) -> None:
    """Two units saving a draft at once get revisions 1 and 2."""
    created = await start(store, now)

    async def save(title: str) -> int:
        async with store.unit() as repo:
            revision = await repo.save_draft(created.id, {"title": title}, now=now, actor="a")
            await asyncio.sleep(0)
            return revision

    assert sorted(await asyncio.gather(save("a"), save("b"))) == [1, 2]


# events


async def test_record_event(store: Store, now: datetime) -> None:
    """Events are logged per correspondence in time order, or for the service as a whole."""
    created = await start(store, now)
    async with store.unit() as repo:
        await repo.record_event(
            created.id, "reminder", now=now + timedelta(days=7), actor="service", detail={"to": 1}
        )
        await repo.record_event(created.id, "note", now=now + timedelta(days=1), actor="editor")
        await repo.record_event(None, "started", now=now, actor="service")
        events = await repo.events(created.id)
        with pytest.raises(NotFound):
            await repo.record_event(CorrespondenceId("zzzzzz"), "x", now=now, actor="x")
        with pytest.raises(NotFound):
            await repo.events(CorrespondenceId("zzzzzz"))
        with pytest.raises(StoreError, match="JSON"):
            await repo.record_event(None, "x", now=now, actor="x", detail={"b": b"bytes"})
    assert [(e.kind, e.detail) for e in events] == [
        ("created", events[0].detail),
        ("note", {}),
        ("reminder", {"to": 1}),
    ]


# timestamps


async def test_timestamps_come_back_as_utc(store: Store) -> None:
    """A time given in another zone comes back as the same instant in UTC."""
    moment = datetime(2026, 6, 1, 14, 30, 15, 123456, tzinfo=CET)
    created = await start(store, moment)
    async with store.unit() as repo:
        again = await repo.get_correspondence(created.id)
        record = await repo.save_raw(b"tz", source="test", now=moment)
        (event,) = await repo.events(created.id)
    for value in (created.created_at, again.created_at, record.received_at, event.at):
        assert value == moment
        assert value.tzinfo == UTC
        assert value.hour == 13


async def test_naive_times_are_refused(store: Store) -> None:
    """A time without zone is a StoreError, never silently stored."""
    async with store.unit() as repo:
        with pytest.raises(StoreError, match="naive"):
            await repo.save_raw(b"naive", source="test", now=datetime(2026, 1, 1))


# mailbox state


async def test_mailbox_state(store: Store) -> None:
    """Mailbox sync state is absent, then set, then updated."""
    async with store.unit() as repo:
        assert await repo.mailbox_state("imap:INBOX") is None
        await repo.set_mailbox_state("imap:INBOX", 1700000000, 12)
    async with store.unit() as repo:
        assert await repo.mailbox_state("imap:INBOX") == (1700000000, 12)
        await repo.set_mailbox_state("imap:INBOX", 1700000000, 40)
        await repo.set_mailbox_state("imap:Archive", 5, 1)
    async with store.unit() as repo:
        assert await repo.mailbox_state("imap:INBOX") == (1700000000, 40)
        assert await repo.mailbox_state("imap:Archive") == (5, 1)


async def test_concurrent_mailbox_state_writes_keep_one_row(store: Store) -> None:
    """Two units recording the same folder at once leave one consistent state."""

    async def record(last_uid: int) -> None:
        async with store.unit() as repo:
            await repo.set_mailbox_state("imap:INBOX", 7, last_uid)
            await asyncio.sleep(0)

    await asyncio.gather(record(3), record(5))
    async with store.unit() as repo:
        assert await repo.mailbox_state("imap:INBOX") in {(7, 3), (7, 5)}


async def test_repository_is_what_a_unit_yields(store: Store) -> None:
    """A unit hands out a Repository."""
    async with store.unit() as repo:
        assert isinstance(repo, Repository)


# migrating an existing database


def _schema(connection: Connection) -> tuple[str | None, set[str]]:
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision, set(inspect(connection).get_table_names())


TABLES_AT_0001 = {
    "alembic_version",
    "writers",
    "correspondences",
    "correspondence_writers",
    "messages",
    "letters",
    "attachments",
    "drafts",
    "events",
    "mailbox_state",
}


async def _inspect(database_url: str) -> tuple[str | None, set[str]]:
    """The database's Alembic revision and its tables."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_schema)
    finally:
        await engine.dispose()


async def test_upgrade_from_0001_keeps_the_data_and_downgrades(
    database_url: str, now: datetime
) -> None:
    """A 0001 database with data gains the outbox keeping everything; 0002 can be undone."""
    # Today's code writes the data, then the database goes back to 0001 with it:
    # the rows are the ones 0001's code wrote, in 0001's tables.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
    old = Store.connect(database_url)
    try:
        created = await start(old, now)
        record_id = await file(old, created, "old@anna.example", now)
        async with old.unit() as repo:
            bounced = await repo.save_raw(b"bounce", source="test", now=now)
            await repo.save_draft(created.id, {"title": "Oud"}, now=now, actor="editor")
    finally:
        await old.close()
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0001")
    assert await _inspect(database_url) == ("0001", TABLES_AT_0001)

    store = Store.connect(database_url)
    try:
        await store.upgrade()
        revision, tables = await _inspect(database_url)
        assert revision == "0004"
        assert {"outbox", "notices"} <= tables
        async with store.unit() as repo:
            assert await repo.get_correspondence(created.id) == created
            (letter,) = await repo.letters(created.id)
            assert letter.message_id == "old@anna.example"
            assert await repo.raw(record_id) == b"old@anna.example"
            assert await repo.latest_draft(created.id) == (1, {"title": "Oud"})
            await repo.enqueue_mail(mail("relay-1@penpal.example", created.id), now=now)
            await repo.mark_raw(bounced.id, RawStatus.OWN, reason="came back", now=now)
            assert await repo.claim_notice("k", now=now, period=timedelta(days=1))
    finally:
        await store.close()

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0001")
    revision, tables = await _inspect(database_url)
    assert revision == "0001"
    assert not {"outbox", "notices"} & tables
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, status FROM messages"))
            statuses: dict[int, str] = dict(rows.all())
    finally:
        await engine.dispose()
    # Code at 0001 does not know "own".
    assert statuses == {record_id: "letter", bounced.id: "discarded"}

    again = Store.connect(database_url)
    try:
        await again.upgrade()
        async with again.unit() as repo:
            assert await repo.outbox() == []
            assert len(await repo.letters(created.id)) == 1
    finally:
        await again.close()


# outbox


def mail(
    message_id: str,
    correspondence_id: CorrespondenceId | None = None,
    *,
    kind: MailKind = MailKind.RELAY,
    recipients: tuple[str, ...] = ("bart@letters.example",),
) -> OutgoingMail:
    """An outgoing mail as the letters module would compose it."""
    return OutgoingMail(
        message_id=message_id,
        kind=kind,
        sender="penpal@penpal.example",
        recipients=recipients,
        raw=f"Message-ID: <{message_id}>\r\n\r\nHallo\r\n".encode(),
        correspondence_id=correspondence_id,
    )


async def enqueue(store: Store, *mails: OutgoingMail, now: datetime) -> list[OutboxEntry]:
    """Enqueue mails in one unit of work."""
    async with store.unit() as repo:
        return [await repo.enqueue_mail(m, now=now) for m in mails]


async def test_enqueue_mail(store: Store, now: datetime) -> None:
    """An enqueued mail is pending, due now, untried, with its envelope and bytes."""
    created = await start(store, now)
    relay = mail("<relay-1@penpal.example>", created.id, recipients=("a@x.example", "b@x.example"))
    (entry,) = await enqueue(store, relay, now=now)
    assert entry.message_id == "relay-1@penpal.example"
    assert entry.kind is MailKind.RELAY
    assert entry.sender == "penpal@penpal.example"
    assert entry.recipients == ("a@x.example", "b@x.example")
    assert entry.correspondence_id == created.id
    assert entry.status is OutboxStatus.PENDING
    assert (entry.attempts, entry.last_error, entry.sent_at) == (0, "", None)
    assert entry.next_attempt_at == entry.created_at == now
    assert entry.raw == relay.raw
    assert "raw" not in repr(entry)
    async with store.unit() as repo:
        assert await repo.outbox_entry("relay-1@penpal.example") == entry
        assert await repo.outbox_entry("<relay-1@penpal.example>") == entry


async def test_enqueue_same_message_id_twice_keeps_one(store: Store, now: datetime) -> None:
    """Enqueueing a Message-ID again returns the first entry and adds no row."""
    (first,) = await enqueue(store, mail("once@penpal.example"), now=now)
    again = OutgoingMail(
        message_id="once@penpal.example",
        kind=MailKind.REMINDER,
        sender="other@penpal.example",
        recipients=("x@x.example",),
        raw=b"different",
    )
    async with store.unit() as repo:
        second = await repo.enqueue_mail(again, now=now + timedelta(hours=1))
        third = await repo.enqueue_mail(again, now=now + timedelta(hours=2))
        listed = await repo.outbox()
    assert second == third == first
    assert second.raw == first.raw
    assert len(listed) == 1


async def test_concurrent_enqueues_of_one_mail_keep_one(store: Store, now: datetime) -> None:
    """Units enqueueing the same Message-ID at once end with one entry, the same for all."""

    async def put() -> OutboxEntry:
        async with store.unit() as repo:
            entry = await repo.enqueue_mail(mail("race@penpal.example"), now=now)
            await asyncio.sleep(0)
            return entry

    results = await asyncio.gather(put(), put(), put())
    assert len({entry.id for entry in results}) == 1
    async with store.unit() as repo:
        assert len(await repo.outbox()) == 1


async def test_enqueue_refuses_unsendable_mail(store: Store, now: datetime) -> None:
    """A mail without Message-ID or recipients, or for an unknown correspondence, is refused."""
    async with store.unit() as repo:
        with pytest.raises(StoreError, match="needs a Message-ID"):
            await repo.enqueue_mail(mail("<>"), now=now)
        with pytest.raises(StoreError, match="no recipients"):
            await repo.enqueue_mail(mail("lonely@penpal.example", recipients=()), now=now)
        with pytest.raises(NotFound):
            await repo.enqueue_mail(mail("x@penpal.example", CorrespondenceId("zzzzzz")), now=now)
        with pytest.raises(NotFound, match=r"<nowhere@penpal\.example>"):
            await repo.outbox_entry("<nowhere@penpal.example>")
        with pytest.raises(NotFound):
            await repo.outbox_entry("")
        assert await repo.outbox() == []


async def test_claim_due_mail_oldest_first_within_limit(store: Store, now: datetime) -> None:
    """Claiming takes due pending mail oldest first, bytes included, at most ``limit``."""
    await enqueue(store, mail("second@penpal.example"), now=now + timedelta(minutes=1))
    await enqueue(store, mail("first@penpal.example"), now=now)
    await enqueue(store, mail("future@penpal.example"), now=now + timedelta(hours=1))
    async with store.unit() as repo:
        assert await repo.claim_due_mail(now=now - timedelta(seconds=1), lease=timedelta(1)) == []
        assert await repo.claim_due_mail(now=now, lease=timedelta(minutes=5), limit=0) == []
        one = await repo.claim_due_mail(
            now=now + timedelta(minutes=2), lease=timedelta(minutes=5), limit=1
        )
        rest = await repo.claim_due_mail(now=now + timedelta(minutes=2), lease=timedelta(minutes=5))
    assert [e.message_id for e in one] == ["first@penpal.example"]
    assert [e.message_id for e in rest] == ["second@penpal.example"]
    assert rest[0].raw.startswith(b"Message-ID: <second@penpal.example>")


async def test_claim_holds_until_the_lease_runs_out(store: Store, now: datetime) -> None:
    """A claimed mail is not claimed again until its lease ends; then it is (the sender died)."""
    await enqueue(store, mail("held@penpal.example"), now=now)
    lease = timedelta(minutes=5)
    async with store.unit() as repo:
        (claimed,) = await repo.claim_due_mail(now=now, lease=lease)
    async with store.unit() as repo:
        assert await repo.claim_due_mail(now=now + timedelta(minutes=4), lease=lease) == []
        (again,) = await repo.claim_due_mail(now=now + lease, lease=lease)
    assert again.id == claimed.id
    assert again.status is OutboxStatus.PENDING
    async with store.unit() as repo:
        with pytest.raises(StoreError, match="positive lease"):
            await repo.claim_due_mail(now=now, lease=timedelta(0))


async def test_mark_sent(store: Store, now: datetime) -> None:
    """A sent mail records when, counts the try, and is never claimed again."""
    (entry,) = await enqueue(store, mail("sent@penpal.example"), now=now)
    later = now + timedelta(seconds=3)
    async with store.unit() as repo:
        await repo.claim_due_mail(now=now, lease=timedelta(minutes=5))
        await repo.mark_sent(entry.id, now=later)
    async with store.unit() as repo:
        stored = await repo.outbox_entry("sent@penpal.example")
        assert await repo.claim_due_mail(now=now + timedelta(days=9), lease=timedelta(1)) == []
        with pytest.raises(NotFound):
            await repo.mark_sent(404, now=now)
    assert (stored.status, stored.sent_at, stored.attempts) == (OutboxStatus.SENT, later, 1)


async def test_mark_retry_releases_and_reschedules(store: Store, now: datetime) -> None:
    """A retry counts the try, keeps the error, and makes the mail due again later."""
    (entry,) = await enqueue(store, mail("retry@penpal.example"), now=now)
    lease = timedelta(minutes=5)
    retry_at = now + timedelta(minutes=2)
    async with store.unit() as repo:
        await repo.claim_due_mail(now=now, lease=lease)
        await repo.mark_retry(
            entry.id, now=now, next_attempt_at=retry_at, error="451 4.3.0 try again later"
        )
    async with store.unit() as repo:
        stored = await repo.outbox_entry("retry@penpal.example")
        early = await repo.claim_due_mail(now=retry_at - timedelta(seconds=1), lease=lease)
        # Due again before the first lease would have ended: the claim was released.
        (due,) = await repo.claim_due_mail(now=retry_at, lease=lease)
        with pytest.raises(NotFound):
            await repo.mark_retry(404, now=now, next_attempt_at=now, error="x")
    assert stored.status is OutboxStatus.PENDING
    assert (stored.attempts, stored.last_error) == (1, "451 4.3.0 try again later")
    assert stored.next_attempt_at == retry_at
    assert early == []
    assert due.id == entry.id
    assert due.attempts == 1


async def test_mark_failed_is_final(store: Store, now: datetime) -> None:
    """A failed mail keeps its reason and is never claimed again."""
    (entry,) = await enqueue(store, mail("failed@penpal.example"), now=now)
    async with store.unit() as repo:
        await repo.claim_due_mail(now=now, lease=timedelta(minutes=5))
        await repo.mark_failed(entry.id, now=now, error="550 5.1.1 no such user")
    async with store.unit() as repo:
        stored = await repo.outbox_entry("failed@penpal.example")
        assert await repo.claim_due_mail(now=now + timedelta(days=9), lease=timedelta(1)) == []
        with pytest.raises(NotFound):
            await repo.mark_failed(404, now=now, error="x")
    assert stored.status is OutboxStatus.FAILED
    assert (stored.attempts, stored.last_error, stored.sent_at) == (
        1,
        "550 5.1.1 no such user",
        None,
    )


async def test_late_marks_do_not_undo_a_sent_mail(store: Store, now: datetime) -> None:
    """A sender whose lease ran out cannot put back or fail a mail another sender sent."""
    (entry,) = await enqueue(store, mail("late@penpal.example"), now=now)
    async with store.unit() as repo:
        await repo.mark_sent(entry.id, now=now)
        await repo.mark_retry(entry.id, now=now, next_attempt_at=now, error="timeout")
        await repo.mark_failed(entry.id, now=now, error="550")
    async with store.unit() as repo:
        stored = await repo.outbox_entry("late@penpal.example")
    assert (stored.status, stored.attempts, stored.last_error) == (OutboxStatus.SENT, 1, "")


async def test_outbox_lists_by_status_without_bytes(store: Store, now: datetime) -> None:
    """The outbox lists entries oldest first, by status if asked, without their bytes."""
    sent, failed, waiting = await enqueue(
        store,
        mail("s@penpal.example"),
        mail("f@penpal.example"),
        mail("w@penpal.example"),
        now=now,
    )
    async with store.unit() as repo:
        await repo.mark_sent(sent.id, now=now)
        await repo.mark_failed(failed.id, now=now, error="550")
        everything = await repo.outbox()
        by_status = {status: await repo.outbox(status) for status in OutboxStatus}
    assert [e.id for e in everything] == [sent.id, failed.id, waiting.id]
    assert all(e.raw == b"" for e in everything)
    assert {s: [e.id for e in es] for s, es in by_status.items()} == {
        OutboxStatus.PENDING: [waiting.id],
        OutboxStatus.SENT: [sent.id],
        OutboxStatus.FAILED: [failed.id],
    }


async def test_concurrent_claims_never_share_a_mail(
    store: Store, database_url: str, now: datetime
) -> None:
    """Two units claiming at once get different mails, and all of them between them."""
    await enqueue(store, *(mail(f"m{i}@penpal.example") for i in range(6)), now=now)
    # On PostgreSQL both transactions stay open until both have claimed, so the
    # second really meets the first one's locks. SQLite runs the units one after
    # the other (BEGIN IMMEDIATE), so waiting for each other would deadlock there.
    both_claimed = asyncio.Barrier(2) if database_url.startswith("postgresql") else None

    async def claim() -> list[int]:
        async with store.unit() as repo:
            entries = await repo.claim_due_mail(now=now, lease=timedelta(minutes=5), limit=4)
            if both_claimed is not None:
                async with asyncio.timeout(10):
                    await both_claimed.wait()
            await asyncio.sleep(0)
            return [entry.id for entry in entries]

    first, second = await asyncio.gather(claim(), claim())
    assert not set(first) & set(second)
    assert sorted([len(first), len(second)]) == [2, 4]
    async with store.unit() as repo:
        assert set(first) | set(second) == {e.id for e in await repo.outbox()}


async def test_claims_from_two_stores_never_share_a_mail(database_url: str, now: datetime) -> None:
    """Two Store objects (as two processes) claiming in turns never get the same mail."""
    stores = [Store.connect(database_url), Store.connect(database_url)]
    try:
        await stores[0].upgrade()
        await enqueue(stores[0], *(mail(f"p{i}@penpal.example") for i in range(20)), now=now)

        async def drain(store: Store) -> list[int]:
            taken: list[int] = []
            while True:
                async with store.unit() as repo:
                    entries = await repo.claim_due_mail(
                        now=now, lease=timedelta(minutes=5), limit=3
                    )
                    for entry in entries:
                        await repo.mark_sent(entry.id, now=now)
                if not entries:
                    return taken
                taken.extend(entry.id for entry in entries)

        first, second = await asyncio.gather(drain(stores[0]), drain(stores[1]))
    finally:
        for opened in stores:
            await opened.close()
    assert not set(first) & set(second)
    assert len(first) + len(second) == 20


# threading


async def test_own_mail_counts_for_threading(store: Store, now: datetime) -> None:
    """A reply that only references penpal's relay finds the relay's correspondence."""
    first = await start(store, now)
    second = await start(store, now)
    await file(store, first, "letter@anna.example", now)
    await enqueue(store, mail("relay@penpal.example", second.id), now=now + timedelta(hours=1))
    await enqueue(store, mail("notice@penpal.example"), now=now + timedelta(hours=2))
    async with store.unit() as repo:
        by_relay = await repo.correspondence_for_message_ids(["<relay@penpal.example>"])
        # The relay is newer than the letter, so it wins.
        newest = await repo.correspondence_for_message_ids(
            ["letter@anna.example", "relay@penpal.example"]
        )
        without_correspondence = await repo.correspondence_for_message_ids(
            ["notice@penpal.example"]
        )
    assert by_relay == second.id
    assert newest == second.id
    assert without_correspondence is None
    await file(store, first, "later@anna.example", now + timedelta(hours=3))
    async with store.unit() as repo:
        newest = await repo.correspondence_for_message_ids(
            ["later@anna.example", "relay@penpal.example"]
        )
    assert newest == first.id


async def test_is_own_message(store: Store, now: datetime) -> None:
    """Message-IDs in the outbox are penpal's own; others, and empty ones, are not."""
    await enqueue(store, mail("own@penpal.example"), now=now)
    async with store.unit() as repo:
        assert await repo.is_own_message("<own@penpal.example>")
        assert await repo.is_own_message("own@penpal.example")
        assert not await repo.is_own_message("other@penpal.example")
        assert not await repo.is_own_message("")


async def test_thread_message_ids(store: Store, now: datetime) -> None:
    """The thread lists letters and relays, invitations and reminders by penpal's clock."""
    created = await start(store, now)
    other = await start(store, now)
    minute = timedelta(minutes=1)
    await enqueue(
        store,
        mail("invite-anna@penpal.example", created.id, kind=MailKind.INVITATION),
        mail("invite-bart@penpal.example", created.id, kind=MailKind.INVITATION),
        now=now,
    )
    # The letter's own Date is before the invitations (a wrong clock); it was filed after.
    await file(store, created, "l1@anna.example", now + minute, date=now - timedelta(days=1))
    await enqueue(store, mail("r1@penpal.example", created.id), now=now + minute)
    await enqueue(
        store,
        mail("done@penpal.example", created.id, kind=MailKind.CONFIRMATION),
        mail("editor@penpal.example", created.id, kind=MailKind.NOTIFICATION),
        mail("elsewhere@penpal.example", other.id),
        now=now + 2 * minute,
    )
    await enqueue(
        store,
        mail("remind@penpal.example", created.id, kind=MailKind.REMINDER),
        now=now + 3 * minute,
    )
    await file(store, created, "l2@bart.example", now + 4 * minute, sender=BART)
    async with store.unit() as repo:
        record = await repo.save_raw(b"no id", source="test", now=now + 5 * minute)
        await repo.file_letter(record.id, created, ANNA, parsed(""), now=now + 5 * minute)
        thread = await repo.thread_message_ids(created.id)
        with pytest.raises(NotFound):
            await repo.thread_message_ids(CorrespondenceId("zzzzzz"))
    assert thread == [
        "invite-anna@penpal.example",
        "invite-bart@penpal.example",
        "l1@anna.example",
        "r1@penpal.example",
        "remind@penpal.example",
        "l2@bart.example",
    ]


# notices


async def test_claim_notice_once_per_period(store: Store, now: datetime) -> None:
    """A notice may be given once per period and key; the period starts at the last one given."""
    day = timedelta(days=1)
    key = "not-a-writer:stranger@elders.example"
    async with store.unit() as repo:
        assert await repo.claim_notice(key, now=now, period=day)
        assert not await repo.claim_notice(key, now=now, period=day)
        assert await repo.claim_notice("bounce:stranger@elders.example", now=now, period=day)
    async with store.unit() as repo:
        assert not await repo.claim_notice(key, now=now + day - timedelta(seconds=1), period=day)
        assert await repo.claim_notice(key, now=now + day, period=day)
        assert not await repo.claim_notice(key, now=now + day + timedelta(hours=1), period=day)
        assert await repo.claim_notice(key, now=now + 2 * day, period=day)


async def test_claim_notice_takes_any_key(store: Store, now: datetime) -> None:
    """Keys too long for the column, or with characters PostgreSQL refuses, still work."""
    day = timedelta(days=1)
    long_key = "reminder:" + "ë" * 400
    async with store.unit() as repo:
        assert await repo.claim_notice(long_key, now=now, period=day)
        assert not await repo.claim_notice(long_key, now=now, period=day)
        assert await repo.claim_notice(long_key + "x", now=now, period=day)
        assert await repo.claim_notice("odd:\x00\udcff", now=now, period=day)
        with pytest.raises(StoreError, match="needs a key"):
            await repo.claim_notice("", now=now, period=day)


@pytest.mark.parametrize("given_before", [False, True], ids=["new-key", "expired-key"])
async def test_concurrent_notice_claims_give_one(
    store: Store, now: datetime, given_before: bool
) -> None:
    """Two units claiming one notice at once: exactly one may give it."""
    day = timedelta(days=1)
    key = "not-a-writer:stranger@elders.example"
    if given_before:
        async with store.unit() as repo:
            assert await repo.claim_notice(key, now=now - 2 * day, period=day)
    first_claimed = asyncio.Event()

    async def first() -> bool:
        async with store.unit() as repo:
            claimed = await repo.claim_notice(key, now=now, period=day)
            first_claimed.set()
            # Stay open a moment, so that the second unit meets this one's row.
            for _ in range(5):
                await asyncio.sleep(0)
            return claimed

    async def second() -> bool:
        await first_claimed.wait()
        async with store.unit() as repo:
            return await repo.claim_notice(key, now=now, period=day)

    results = await asyncio.gather(first(), second(), return_exceptions=False)
    assert sorted(results) == [False, True]


async def test_many_concurrent_notice_claims_give_one(store: Store, now: datetime) -> None:
    """Several units claiming one notice at once, nobody waiting for anybody: one gets it."""

    async def claim() -> bool:
        async with store.unit() as repo:
            claimed = await repo.claim_notice("k", now=now, period=timedelta(days=1))
            await asyncio.sleep(0)
            return claimed

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]


# reminders


async def test_open_correspondences(store: Store, now: datetime) -> None:
    """Only open correspondences are listed, oldest first."""
    first = await start(store, now, "Eerste")
    done = await start(store, now + timedelta(hours=1), "Klaar")
    third = await start(store, now + timedelta(hours=2), "Derde")
    async with store.unit() as repo:
        await repo.set_state(done.id, State.COMPLETE, now=now, actor="editor")
        found = await repo.open_correspondences()
    assert found == [first, third]


async def test_last_letter(store: Store, now: datetime) -> None:
    """The last letter is the latest by date; none before the first, NotFound when unknown."""
    created = await start(store, now)
    async with store.unit() as repo:
        assert await repo.last_letter(created.id) is None
        with pytest.raises(NotFound):
            await repo.last_letter(CorrespondenceId("zzzzzz"))
    await file(store, created, "b@bart.example", now, sender=BART, date=now + timedelta(hours=2))
    await file(store, created, "a@anna.example", now + timedelta(hours=1), date=now)
    async with store.unit() as repo:
        last = await repo.last_letter(created.id)
        letters = await repo.letters(created.id)
    assert last == letters[-1]
    assert last is not None
    assert last.message_id == "b@bart.example"
    assert last.writer.email == "bart@letters.example"


async def test_own_mail_that_came_back_is_kept_as_own(store: Store, now: datetime) -> None:
    """A stored message can be marked as penpal's own returning mail, and stays so."""
    async with store.unit() as repo:
        record = await repo.save_raw(b"our relay again", source="test", now=now)
        await repo.mark_raw(record.id, RawStatus.OWN, reason="penpal's own mail", now=now)
    async with store.unit() as repo:
        again = await repo.save_raw(b"our relay again", source="test", now=now)
        assert await repo.unprocessed() == []
    assert again.status is RawStatus.OWN


# editors


async def test_editor_is_added_without_password_and_found_by_any_case(
    store: Store, now: datetime
) -> None:
    """A new editor has no password; the address is matched case-insensitively."""
    async with store.unit() as repo:
        added = await repo.upsert_editor(" Eva@Redactie.Example ", "Eva Bakker", now=now)
    async with store.unit() as repo:
        found = await repo.editor_by_email("eva@redactie.example")
        assert await repo.editor_by_email("nobody@redactie.example") is None
    assert found == added
    assert found.email == "eva@redactie.example"
    assert found.name == "Eva Bakker"
    assert not found.has_password
    assert (found.session_epoch, found.failed_logins, found.created_at) == (0, 0, now)


async def test_upserting_a_known_editor_keeps_the_name_unless_a_new_one_is_given(
    store: Store, now: datetime
) -> None:
    """Adding an editor again updates the name when given and never touches the password."""
    async with store.unit() as repo:
        await repo.upsert_editor("eva@redactie.example", "Eva", now=now)
        await repo.set_editor_password_hash("eva@redactie.example", "$argon2id$x", now=now)
        kept = await repo.upsert_editor("EVA@redactie.example", "", now=now)
        renamed = await repo.upsert_editor("eva@redactie.example", "Eva Bakker", now=now)
        listed = await repo.list_editors()
    assert kept.name == "Eva"
    assert renamed.name == "Eva Bakker"
    assert renamed.password_hash == "$argon2id$x"
    assert listed == [renamed]


async def test_an_editor_needs_an_address(store: Store, now: datetime) -> None:
    """An editor address without @ is refused."""
    async with store.unit() as repo:
        with pytest.raises(StoreError, match="not an email address"):
            await repo.upsert_editor("eva", now=now)


async def test_a_new_password_ends_sessions_and_forgets_failures(
    store: Store, now: datetime
) -> None:
    """Setting a password raises the session epoch and resets the failed-login count."""
    async with store.unit() as repo:
        await repo.upsert_editor("eva@redactie.example", now=now)
        await repo.record_login_failure("eva@redactie.example", now=now)
        first = await repo.set_editor_password_hash("eva@redactie.example", "hash-1", now=now)
        second = await repo.set_editor_password_hash("eva@redactie.example", "hash-2", now=now)
        with pytest.raises(NotFound):
            await repo.set_editor_password_hash("nobody@redactie.example", "hash", now=now)
        with pytest.raises(StoreError, match="empty"):
            await repo.set_editor_password_hash("eva@redactie.example", "", now=now)
    assert (first.session_epoch, second.session_epoch) == (1, 2)
    assert (second.failed_logins, second.last_failed_at) == (0, None)
    assert second.password_hash == "hash-2"


async def test_login_failures_are_counted_also_from_concurrent_units(
    store: Store, now: datetime
) -> None:
    """Every failed login counts, even five at once; unknown addresses give None."""
    async with store.unit() as repo:
        await repo.upsert_editor("eva@redactie.example", now=now)

    async def fail(offset: int) -> None:
        async with store.unit() as repo:
            await repo.record_login_failure(
                "eva@redactie.example", now=now + timedelta(seconds=offset)
            )

    await asyncio.gather(*(fail(i) for i in range(5)))
    async with store.unit() as repo:
        account = await repo.editor_by_email("eva@redactie.example")
        assert await repo.record_login_failure("nobody@redactie.example", now=now) is None
    assert account is not None
    assert account.failed_logins == 5
    assert account.last_failed_at is not None
    assert now <= account.last_failed_at <= now + timedelta(seconds=4)


async def test_a_login_resets_failures_and_a_rehash_keeps_the_epoch(
    store: Store, now: datetime
) -> None:
    """A successful login forgets failures; storing a stronger hash keeps sessions valid."""
    async with store.unit() as repo:
        await repo.upsert_editor("eva@redactie.example", now=now)
        await repo.set_editor_password_hash("eva@redactie.example", "weak", now=now)
        await repo.record_login_failure("eva@redactie.example", now=now)
        later = now + timedelta(minutes=3)
        logged = await repo.record_login("eva@redactie.example", now=later, password_hash="strong")
        plain = await repo.record_login("eva@redactie.example", now=later)
        with pytest.raises(NotFound):
            await repo.record_login("nobody@redactie.example", now=now)
    assert (logged.failed_logins, logged.last_login_at, logged.session_epoch) == (0, later, 1)
    assert logged.password_hash == plain.password_hash == "strong"


# what the editor's page lists


async def test_last_writers_names_the_writer_of_each_latest_letter(
    store: Store, now: datetime
) -> None:
    """The latest letter by date decides; a correspondence without letters is left out."""
    first = await start(store, now)
    second = await start(store, now, topic="Tweede")
    empty = await start(store, now, topic="Leeg")
    await file(store, first, "a1@anna.example", now, date=now)
    await file(store, first, "b1@bart.example", now, sender=BART, date=now + timedelta(hours=1))
    await file(store, second, "b2@bart.example", now, sender=BART, date=now + timedelta(hours=3))
    await file(store, second, "a2@anna.example", now, date=now + timedelta(hours=4))
    async with store.unit() as repo:
        found = await repo.last_writers()
    assert found == {first.id: "bart@letters.example", second.id: "anna@schrijvers.example"}
    assert empty.id not in found


async def test_messages_of_a_correspondence_and_one_message_entry(
    store: Store, now: datetime
) -> None:
    """Messages placed with a correspondence are listed in arrival order with status and reason."""
    created = await start(store, now)
    letter_record = await file(store, created, "a1@anna.example", now)
    async with store.unit() as repo:
        held = await repo.save_raw(b"late letter", source="maildir:x", now=now + timedelta(hours=1))
        await repo.mark_raw(
            held.id,
            RawStatus.QUARANTINED,
            reason="it takes no more letters",
            correspondence_id=created.id,
            parsed=parsed("late@anna.example"),
            now=now + timedelta(hours=1),
        )
        loose = await repo.save_raw(b"elsewhere", source="test", now=now)
        listed = await repo.messages_of(created.id)
        entry = await repo.message_entry(held.id)
        with pytest.raises(NotFound):
            await repo.messages_of(CorrespondenceId("zzzzzz"))
        with pytest.raises(NotFound):
            await repo.message_entry(MessageRecordId(99999))
    assert [m.id for m in listed] == [letter_record, held.id]
    assert loose.id not in [m.id for m in listed]
    assert listed[1] == entry
    assert entry.status is RawStatus.QUARANTINED
    assert (entry.reason, entry.sender, entry.kind) == (
        "it takes no more letters",
        "anna@schrijvers.example",
        "letter",
    )
    assert (entry.message_id, entry.correspondence_id, entry.source) == (
        "late@anna.example",
        created.id,
        "maildir:x",
    )


async def test_upgrade_from_0002_adds_editors_and_downgrades(
    database_url: str, now: datetime
) -> None:
    """A 0002 database gains the editors table keeping its data; 0003 can be undone."""
    # Written by today's code, then taken back to 0002 with the data in it.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
    old = Store.connect(database_url)
    try:
        created = await start(old, now)
    finally:
        await old.close()
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0002")
    store = Store.connect(database_url)
    try:
        await store.upgrade()
        revision, tables = await _inspect(database_url)
        assert (revision, "editors" in tables) == ("0004", True)
        async with store.unit() as repo:
            assert await repo.get_correspondence(created.id) == created
            await repo.upsert_editor("eva@redactie.example", now=now)
    finally:
        await store.close()
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0002")
    revision, tables = await _inspect(database_url)
    assert (revision, "editors" in tables) == ("0002", False)
    assert "outbox" in tables


async def test_quarantine_entries_name_the_correspondence_they_were_meant_for(
    store: Store, now: datetime
) -> None:
    """A held message placed with a correspondence says which; an unplaced one says none."""
    created = await start(store, now)
    async with store.unit() as repo:
        placed = await repo.save_raw(b"late", source="test", now=now)
        loose = await repo.save_raw(b"stranger", source="test", now=now + timedelta(seconds=1))
        await repo.mark_raw(
            placed.id, RawStatus.QUARANTINED, reason="closed", correspondence_id=created.id, now=now
        )
        await repo.mark_raw(loose.id, RawStatus.QUARANTINED, reason="unknown sender", now=now)
        held = await repo.quarantine()
    assert [(e.id, e.correspondence_id) for e in held] == [
        (placed.id, created.id),
        (loose.id, None),
    ]


async def test_a_read_only_unit_reads_while_another_unit_writes(
    store: Store, now: datetime
) -> None:
    """A unit that only reads does not wait for a unit that holds the write lock."""
    created = await start(store, now)
    writing = asyncio.Event()
    finish = asyncio.Event()

    async def writer() -> None:
        async with store.unit() as repo:
            await repo.record_event(created.id, "note", now=now, actor="editor")
            writing.set()
            await finish.wait()

    task = asyncio.create_task(writer())
    try:
        async with asyncio.timeout(5):
            await writing.wait()
            async with store.unit(read_only=True) as repo:
                found = await repo.get_correspondence(created.id)
                events = await repo.events(created.id)
    finally:
        finish.set()
        await task
    assert found == created
    assert [e.kind for e in events] == ["created"]  # the writer's event is not committed yet


async def test_a_page_of_correspondences_by_latest_activity(store: Store, now: datetime) -> None:
    """Pages hold the correspondences whose activity is newest first, with letters and writers."""
    first = await start(store, now, topic="Eerste")
    second = await start(store, now + timedelta(hours=1), topic="Tweede")
    third = await start(store, now + timedelta(hours=2), topic="Derde")
    await file(store, first, "a1@anna.example", now + timedelta(hours=5))
    async with store.unit() as repo:
        await repo.set_state(third.id, State.COMPLETE, now=now + timedelta(hours=3), actor="e")
        page, total = await repo.correspondence_page(limit=2)
        rest, _ = await repo.correspondence_page(offset=2, limit=2)
        complete, complete_total = await repo.correspondence_page(State.COMPLETE)
        listed = {s.correspondence.id: s for s in await repo.list_correspondences()}
    assert total == 3
    assert [s.correspondence.id for s in page] == [first.id, third.id]
    assert [s.correspondence.id for s in rest] == [second.id]
    assert page[0] == listed[first.id]
    assert page[0].letters == 1
    assert page[0].last_activity == now + timedelta(hours=5)
    assert page[0].correspondence.writers == listed[first.id].correspondence.writers
    assert ([s.correspondence.id for s in complete], complete_total) == ([third.id], 1)


async def test_last_writers_of_some_and_the_quarantine_count(store: Store, now: datetime) -> None:
    """Last writers can be asked for some correspondences only; held messages are counted."""
    first = await start(store, now)
    second = await start(store, now, topic="Tweede")
    await file(store, first, "a1@anna.example", now)
    await file(store, second, "b1@bart.example", now, sender=BART)
    async with store.unit() as repo:
        held = await repo.save_raw(b"held", source="test", now=now)
        await repo.mark_raw(held.id, RawStatus.QUARANTINED, reason="unknown", now=now)
        some = await repo.last_writers([second.id])
        none = await repo.last_writers([])
        count = await repo.count_quarantined()
    assert some == {second.id: "bart@letters.example"}
    assert none == {}
    assert count == 1


async def test_the_listing_names_each_last_writer_and_counts_past_the_end(
    store: Store, now: datetime
) -> None:
    """The editor's listing gives each latest letter's writer, and the total even past the end."""
    first = await start(store, now, topic="Eerste")
    second = await start(store, now + timedelta(hours=1), topic="Tweede")
    await file(store, first, "a1@anna.example", now + timedelta(hours=2))
    await file(store, first, "b1@bart.example", now + timedelta(hours=3), sender=BART)
    async with store.unit(read_only=True) as repo:
        listing = await repo.listing()
        beyond = await repo.listing(offset=5, limit=5)
        open_ones = await repo.listing(State.OPEN, limit=1)
        none_complete = await repo.listing(State.COMPLETE)
        expected = await repo.last_writers()
    assert [e.summary.correspondence.id for e in listing.entries] == [first.id, second.id]
    assert [e.last_writer for e in listing.entries] == ["bart@letters.example", None]
    assert expected == {first.id: "bart@letters.example"}
    assert listing.entries[0].summary.letters == 2
    assert listing.entries[1].summary.last_activity == now + timedelta(hours=1)
    assert listing.total == 2
    assert (beyond.entries, beyond.total) == ((), 2)
    assert ([e.summary.correspondence.id for e in open_ones.entries], open_ones.total) == (
        [first.id],
        2,
    )
    assert (none_complete.entries, none_complete.total) == ((), 0)


async def test_latest_activity_rises_with_events_and_never_falls(
    store: Store, now: datetime
) -> None:
    """An event moves its correspondence to the top; one logged with an earlier time does not."""
    first = await start(store, now, topic="Eerste")
    second = await start(store, now + timedelta(hours=1), topic="Tweede")
    async with store.unit() as repo:
        await repo.record_event(first.id, "note", now=now + timedelta(hours=2), actor="editor")
    async with store.unit() as repo:
        await repo.record_event(second.id, "note", now=now - timedelta(days=1), actor="editor")
        page, _ = await repo.correspondence_page()
    assert [(s.correspondence.id, s.last_activity) for s in page] == [
        (first.id, now + timedelta(hours=2)),
        (second.id, now + timedelta(hours=1)),
    ]


async def test_upgrade_to_0004_takes_the_latest_activity_from_the_events(
    database_url: str, now: datetime
) -> None:
    """0004 gives existing correspondences their newest event's time; it can be undone."""
    store = Store.connect(database_url)
    try:
        await store.upgrade()
        first = await start(store, now, topic="Eerste")
        second = await start(store, now + timedelta(hours=1), topic="Tweede")
        await file(store, first, "a1@anna.example", now + timedelta(hours=5))
    finally:
        await store.close()
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0003")
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            columns = await connection.run_sync(
                lambda sync: {c["name"] for c in inspect(sync).get_columns("correspondences")}
            )
            # A correspondence of before 0004 whose events are gone: its creation counts.
            await connection.execute(
                text("DELETE FROM events WHERE correspondence_id = :id"), {"id": second.id}
            )
    finally:
        await engine.dispose()
    assert "last_activity_at" not in columns
    store = Store.connect(database_url)
    try:
        await store.upgrade()
        async with store.unit(read_only=True) as repo:
            page, total = await repo.correspondence_page()
    finally:
        await store.close()
    assert total == 2
    assert [(s.correspondence.id, s.last_activity) for s in page] == [
        (first.id, now + timedelta(hours=5)),
        (second.id, now + timedelta(hours=1)),
    ]


async def test_editor_session_reads_the_account_and_the_held_count(
    store: Store, now: datetime
) -> None:
    """One read gives the editor's account and the quarantine count; an unknown editor gets none."""
    async with store.unit() as repo:
        added = await repo.upsert_editor("Eva@Redactie.example", "Eva", now=now)
        held = await repo.save_raw(b"held", source="test", now=now)
        await repo.mark_raw(held.id, RawStatus.QUARANTINED, reason="unknown", now=now)
    async with store.unit(read_only=True) as repo:
        found = await repo.editor_session(" eva@redactie.EXAMPLE ")
        missing = await repo.editor_session("nobody@redactie.example")
    assert (found.account, found.held) == (added, 1)
    assert (missing.account, missing.held) == (None, 0)


async def test_get_correspondence_sees_what_the_unit_changed(store: Store, now: datetime) -> None:
    """A correspondence read in the unit that changed it shows the change, writers in order."""
    created = await start(store, now)
    async with store.unit() as repo:
        await repo.set_state(created.id, State.COMPLETE, now=now, actor="editor")
        found = await repo.get_correspondence(f" {created.id.upper()} ")
    assert found.state is State.COMPLETE
    assert [w.email for w in found.writers] == [w.email for w in created.writers]
    with pytest.raises(NotFound):
        async with store.unit(read_only=True) as repo:
            await repo.get_correspondence("zzzzzz")


async def test_a_connection_given_back_mid_transaction_is_rolled_back(
    tmp_path: Path, now: datetime
) -> None:
    """A pooled SQLite connection handed back with a transaction open is rolled back, once.

    SQLite only: the pool's reset on return is the store's own SQLite tuning.
    """
    store = Store.connect(f"sqlite+aiosqlite:///{tmp_path / 'penpal.db'}")
    try:
        await store.upgrade()
        # Behind SQLAlchemy's back, so that only the pool's reset can end it.
        async with store._engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute("BEGIN IMMEDIATE")
            assert driver.in_transaction
        assert not driver.in_transaction
        created = await start(store, now)
        async with store.unit(read_only=True) as repo:
            assert await repo.get_correspondence(created.id) == created
    finally:
        await store.close()


async def test_draft_head_is_the_correspondence_and_its_newest_revision(
    store: Store, now: datetime
) -> None:
    """The correspondence comes with its newest revision's number and save time, or None."""
    created = await start(store, now)
    async with store.unit() as repo:
        before = await repo.draft_head(created.id.upper())
        await repo.save_draft(created.id, {"title": "Een"}, now=now, actor="editor")
        await repo.save_draft(
            created.id, {"title": "Twee"}, now=now + timedelta(hours=1), actor="e"
        )
        after = await repo.draft_head(f" {created.id} ")
    assert before == (created, None)
    assert after == (created, (2, now + timedelta(hours=1)))
    with pytest.raises(NotFound):
        async with store.unit(read_only=True) as repo:
            await repo.draft_head("zzzzzz")
