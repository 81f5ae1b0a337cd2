"""Tests for penpal.store against a real database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
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
    MessageKind,
    MessageRecordId,
    ParsedMessage,
    State,
    Writer,
)
from penpal.store import RawStatus, Repository, Store, alembic_config, repository
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
    assert revision == "0001"


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
    """A SQLite file in a missing folder gives a StoreError naming the file."""
    store = Store.connect(f"sqlite+aiosqlite:///{tmp_path}/missing/penpal.db")
    try:
        with pytest.raises(StoreError, match=r"missing/penpal\.db"):
            await store.upgrade()
    finally:
        await store.close()


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
