"""The store: penpal's database, behind a connection object and a repository.

``Store`` owns the engine (SQLite through aiosqlite, or PostgreSQL through
asyncpg), runs the Alembic migrations and hands out units of work; a
``Repository`` is bound to the one session of a unit and speaks in the frozen
types of ``penpal.letters`` and the small record types defined here. Several
processes may share one database, so duplicates are kept out by unique
constraints (an insert in a savepoint, and the existing row when it clashes),
never by looking first. This module must not let a row object, a session or a
SQLAlchemy error out of the store, must not read the clock (callers pass
``now``), and never deletes a raw message.

The outbox is how penpal sends mail exactly once: a mail is enqueued with its
final Message-ID in the unit of work that decided to send it, and a sender claims
due mail with a lease (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
serialises writers anyway), so that several processes never take the same mail.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import (
    Connection,
    CursorResult,
    Executable,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import aliased, joinedload, selectinload, undefer
from sqlalchemy.pool import PoolResetState
from sqlalchemy.util import await_only

from penpal.errors import NotFound, StoreError
from penpal.letters import (
    Attachment,
    Command,
    CommandName,
    Correspondence,
    CorrespondenceId,
    CorrespondenceSummary,
    Cut,
    CutKind,
    Extraction,
    Letter,
    LetterId,
    MailKind,
    MessageRecordId,
    OutgoingMail,
    ParsedMessage,
    State,
    Writer,
)
from penpal.store.tables import (
    CORRESPONDENCE_ID_LENGTH,
    MESSAGE_ID_MAX,
    NOTICE_KEY_MAX,
    AttachmentRow,
    CorrespondenceRow,
    DraftRow,
    EditorRow,
    EventRow,
    LetterRow,
    MailboxStateRow,
    MemberRow,
    MessageRow,
    NoticeRow,
    OutboxRow,
    WriterRow,
    clean_text,
)

MIGRATIONS = Path(__file__).with_name("migrations")
"""Alembic's script directory, shipped inside the package."""

ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Lower-case letters and digits without the look-alikes 0/o, 1/l/i."""

_ID_ATTEMPTS = 20
_REVISION_ATTEMPTS = 10
_MIGRATION_LOCK = 0x70656E70616C  # "penpal": one upgrade at a time on a shared PostgreSQL
_CONNECT_TIMEOUT = 10.0
_SQLITE_BUSY_TIMEOUT = 30.0

# What the database layers raise: SQLAlchemy wraps the drivers' errors, but a
# refused, unresolvable or timed-out connection arrives as a bare OSError.
_DB_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, OSError, sqlite3.Error)
_UPGRADE_ERRORS: tuple[type[Exception], ...] = (*_DB_ERRORS, CommandError)

_READ_ONLY = "penpal_read_only"
"""Execution option of a unit's connection that promises it writes nothing."""

_P = ParamSpec("_P")
_T = TypeVar("_T")


class RawStatus(enum.StrEnum):
    """What became of a stored raw message; ``new`` means stored but not decided yet."""

    NEW = "new"
    LETTER = "letter"
    COMMAND = "command"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    UNREADABLE = "unreadable"
    RELEASED = "released"
    DISCARDED = "discarded"
    OWN = "own"
    """penpal's own outgoing mail that came back into the mailbox; never a letter."""


class OutboxStatus(enum.StrEnum):
    """Where an outgoing mail stands: waiting (perhaps for a retry), sent, or given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


THREAD_KINDS = frozenset({MailKind.RELAY, MailKind.INVITATION, MailKind.REMINDER})
"""The kinds of outgoing mail that belong to a correspondence's thread (its References)."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A stored raw message; ``is_new`` is false when the same bytes were stored before."""

    id: MessageRecordId
    sha256: str
    status: RawStatus
    is_new: bool
    received_at: datetime
    source: str
    size: int


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """A message held back, with the reason, for the editor to release or discard.

    ``correspondence_id`` names the correspondence it was meant for, when intake knew.
    """

    id: MessageRecordId
    received_at: datetime
    sender: str
    subject: str
    reason: str
    source: str
    correspondence_id: CorrespondenceId | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a correspondence's event log."""

    at: datetime
    actor: str
    kind: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An outgoing mail in the outbox and how sending it went.

    ``attempts`` counts the tries that ended (sent, retry or failed);
    ``last_error`` is what the last failed try said. ``raw`` is the message as it
    goes over SMTP, or ``b""`` when it was not loaded (listings leave it out).
    """

    id: int
    message_id: str
    kind: MailKind
    sender: str
    recipients: tuple[str, ...]
    correspondence_id: CorrespondenceId | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    raw: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class MessageEntry:
    """A stored raw message as listed beside a correspondence or in the quarantine, bytes aside.

    ``kind`` is what parsing made of it (``None`` while undecided); ``reason`` says
    why it is not a letter, when it is not.
    """

    id: MessageRecordId
    received_at: datetime
    status: RawStatus
    kind: str | None
    sender: str
    subject: str
    reason: str
    source: str
    message_id: str
    correspondence_id: CorrespondenceId | None


@dataclass(frozen=True, slots=True)
class EditorAccount:
    """An editor who may log in: ``password_hash`` is empty until a password is set.

    ``session_epoch`` rises with every new password, so that a session signed for
    an older one no longer counts; ``failed_logins`` counts failures since the
    last successful login, the latest at ``last_failed_at``.
    """

    email: str
    name: str
    password_hash: str
    session_epoch: int
    failed_logins: int
    last_failed_at: datetime | None
    last_login_at: datetime | None
    created_at: datetime

    @property
    def has_password(self) -> bool:
        """Whether this editor can log in at all."""
        return bool(self.password_hash)


@dataclass(frozen=True, slots=True)
class Listed:
    """A correspondence as the editor's list shows it: its summary, and its latest letter's writer.

    ``last_writer`` is the address of the writer of the latest letter, None
    before the first letter.
    """

    summary: CorrespondenceSummary
    last_writer: str | None


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of the editor's list, and how many correspondences there are in all."""

    entries: tuple[Listed, ...]
    total: int


@dataclass(frozen=True, slots=True)
class EditorSession:
    """What every editor page checks: the session's editor, and how many messages are held."""

    account: EditorAccount | None
    held: int


def new_correspondence_id() -> CorrespondenceId:
    """A random short id: six characters that cannot be misread."""
    return CorrespondenceId(
        "".join(secrets.choice(ID_ALPHABET) for _ in range(CORRESPONDENCE_ID_LENGTH))
    )


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for penpal's migrations, without any ``alembic.ini``.

    With ``url`` (an async SQLAlchemy URL) the Alembic commands can be run by hand,
    e.g. ``command.revision(alembic_config(url), "add outbox", autogenerate=True)``.
    """
    config = Config()
    # ConfigParser interpolates "%": a path containing one must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run_upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _guarded(
    method: Callable[Concatenate[Repository, _P], Awaitable[_T]],
) -> Callable[Concatenate[Repository, _P], Awaitable[_T]]:
    """Turn database errors escaping ``method`` into ``StoreError``."""

    @functools.wraps(method)
    async def guarded(self: Repository, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return await method(self, *args, **kwargs)
        except StoreError:
            raise
        except _DB_ERRORS as exc:
            raise StoreError(f"database {self._name}: {_reason(exc, self._secret)}") from exc

    return guarded


class Store:
    """penpal's database: an engine, the migrations, and units of work."""

    def __init__(self, engine: AsyncEngine, name: str, secret: str | None) -> None:
        self._engine = engine
        self._name = name
        self._secret = secret
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, url: str) -> Store:
        """Build the engine for ``url``; nothing is opened until the first unit of work.

        ``sqlite://`` and ``postgresql://`` URLs get their async drivers (aiosqlite,
        asyncpg). Raises ``StoreError`` for a URL that cannot be used.
        """
        try:
            parsed = make_url(url)
        except (SQLAlchemyError, ValueError) as exc:  # ValueError: a port that is not a number
            raise StoreError(
                f"database URL {_scrub_url(url)!r} is not valid: expected e.g. "
                "sqlite+aiosqlite:///penpal.db or postgresql+asyncpg://user@host/name"
            ) from exc
        parsed = _with_async_driver(parsed)
        name = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise StoreError(
                f"database {name}: only SQLite (sqlite+aiosqlite) and PostgreSQL "
                "(postgresql+asyncpg) are supported"
            )
        if parsed.get_backend_name() == "sqlite":
            _check_sqlite_folder(parsed, name)
        try:
            if parsed.get_backend_name() == "sqlite":
                engine = create_async_engine(
                    parsed,
                    connect_args={"timeout": _SQLITE_BUSY_TIMEOUT},
                    # _tune_sqlite resets a returned connection itself, only when needed.
                    pool_reset_on_return=None,
                )
                _tune_sqlite(engine)
            else:
                engine = create_async_engine(
                    parsed, pool_pre_ping=True, connect_args={"timeout": _CONNECT_TIMEOUT}
                )
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"database {name}: {_reason(exc, parsed.password)}") from exc
        return cls(engine, name, parsed.password)

    @property
    def name(self) -> str:
        """The database URL with the password hidden, for messages and logs."""
        return self._name

    async def upgrade(self) -> None:
        """Create the tables or bring them up to the newest revision (a no-op when current)."""
        async with self._connection() as connection:
            try:
                async with connection.begin():
                    if connection.dialect.name == "postgresql":
                        # Two processes starting at once must not both create the tables.
                        await connection.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                        )
                    await connection.run_sync(_run_upgrade)
            except _UPGRADE_ERRORS as exc:
                raise StoreError(
                    f"database {self._name}: cannot upgrade: {_reason(exc, self._secret)}"
                ) from exc

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    @asynccontextmanager
    async def unit(self, *, read_only: bool = False) -> AsyncIterator[Repository]:
        """One unit of work: commits when the block ends cleanly, rolls back on any error.

        A ``read_only`` unit promises to write nothing: on SQLite it does not take
        the write lock, so pages that only read do not queue behind each other
        (WAL lets them read while another unit writes). Raises ``StoreError``
        naming the database when it cannot be reached.
        """
        # Closing the session (the ``async with``) rolls back whatever was not
        # committed, shielded from cancellation by SQLAlchemy.
        async with self._sessions() as session:
            try:
                await session.connection(execution_options={_READ_ONLY: read_only})
            except _DB_ERRORS as exc:
                raise self._unavailable(exc) from exc
            yield Repository(session, self._name, self._secret)
            try:
                await session.commit()
            except _DB_ERRORS as exc:
                raise StoreError(
                    f"database {self._name}: commit failed: {_reason(exc, self._secret)}"
                ) from exc

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        try:
            connection = await self._engine.connect()
        except _DB_ERRORS as exc:
            raise self._unavailable(exc) from exc
        try:
            yield connection
        finally:
            await connection.close()

    def _unavailable(self, exc: BaseException) -> StoreError:
        return StoreError(f"database {self._name} is unavailable: {_reason(exc, self._secret)}")


class Repository:
    """Reads and writes penpal's records within one unit of work (one session)."""

    def __init__(self, session: AsyncSession, name: str, secret: str | None = None) -> None:
        self._session = session
        self._name = name
        self._secret = secret

    # correspondences

    @_guarded
    async def create_correspondence(
        self,
        topic: str,
        writers: Sequence[Writer],
        *,
        now: datetime,
        actor: str,
        subject: str = "",
    ) -> Correspondence:
        """Start a correspondence between two writers; writers are added or updated by email.

        A known writer keeps a stored name, label or aliases where the given one is empty.
        """
        now = _aware(now)
        emails = [_email(w.email) for w in writers]
        if len(emails) != 2 or emails[0] == emails[1]:
            raise StoreError(
                f"a correspondence needs two different writers, got {', '.join(emails) or 'none'}"
            )
        rows = [await self._upsert_writer(writer) for writer in writers]
        for _ in range(_ID_ATTEMPTS):
            cid = new_correspondence_id()
            try:
                async with self._session.begin_nested():
                    self._session.add(
                        CorrespondenceRow(
                            id=cid,
                            topic=topic,
                            subject=subject,
                            state=State.OPEN.value,
                            created_at=now,
                            last_activity_at=now,
                        )
                    )
            except IntegrityError:
                continue  # the id is taken: draw another
            break
        else:
            raise StoreError(f"no free correspondence id after {_ID_ATTEMPTS} attempts")
        for position, row in enumerate(rows):
            self._session.add(MemberRow(correspondence_id=cid, position=position, writer_id=row.id))
        await self._add_event(cid, "created", now, actor, {"topic": topic, "writers": emails})
        await self._session.flush()
        return _correspondence(await self._correspondence_row(cid))

    @_guarded
    async def get_correspondence(self, id: str) -> Correspondence:
        """The correspondence with this short id (case and spaces ignored); raises ``NotFound``."""
        rows = await self._correspondence_rows(_CORRESPONDENCE_WITH_WRITERS, id)
        return _correspondence_of(rows)

    @_guarded
    async def draft_head(self, id: str) -> tuple[Correspondence, tuple[int, datetime] | None]:
        """A correspondence (as :meth:`get_correspondence`) and its newest draft revision.

        The revision's number and when it was saved, without its content, or None
        before the first draft; in one statement, as the draft page asks it on
        every view. A saved revision never changes, so a caller may keep what it
        built from the content under these two.
        """
        rows = await self._correspondence_rows(_CORRESPONDENCE_WITH_HEAD, id)
        first = rows[0]
        head = None if first.revision is None else (first.revision, first.saved_at)
        return _correspondence_of(rows), head

    @_guarded
    async def list_correspondences(self, state: State | None = None) -> list[CorrespondenceSummary]:
        """Every correspondence (or those in ``state``), oldest first, with letters and activity."""
        counts = (
            select(LetterRow.correspondence_id, func.count(LetterRow.id).label("letters"))
            .group_by(LetterRow.correspondence_id)
            .subquery()
        )
        activity = (
            select(EventRow.correspondence_id, func.max(EventRow.at).label("last"))
            .group_by(EventRow.correspondence_id)
            .subquery()
        )
        stmt = (
            select(CorrespondenceRow, counts.c.letters, activity.c.last)
            .outerjoin(counts, counts.c.correspondence_id == CorrespondenceRow.id)
            .outerjoin(activity, activity.c.correspondence_id == CorrespondenceRow.id)
            .options(_with_writers())
            .order_by(CorrespondenceRow.created_at, CorrespondenceRow.id)
        )
        if state is not None:
            stmt = stmt.where(CorrespondenceRow.state == state.value)
        result = await self._session.execute(stmt)
        return [
            CorrespondenceSummary(_correspondence(row), letters or 0, last)
            for row, letters, last in result.all()
        ]

    @_guarded
    async def correspondence_page(
        self, state: State | None = None, *, offset: int = 0, limit: int = 50
    ) -> tuple[list[CorrespondenceSummary], int]:
        """One page of correspondences (or of those in ``state``), latest activity first.

        Activity is the newest event, else the creation. Returns the page and how
        many correspondences there are in all (see :meth:`listing`).
        """
        found = await self.listing(state, offset=offset, limit=limit)
        return [entry.summary for entry in found.entries], found.total

    @_guarded
    async def listing(
        self, state: State | None = None, *, offset: int = 0, limit: int = 50
    ) -> Listing:
        """What the editor's list shows: one page of correspondences by latest activity.

        Each with its letters, its latest activity and who wrote its latest letter
        (as :meth:`letters` orders them), and how many there are in all. One
        statement whatever the page size: the page comes from an index on the
        activity kept with every event; its letters, last writer and writers are
        read for that page only.
        """
        params: dict[str, Any] = {"offset": max(offset, 0), "limit": max(limit, 0)}
        if state is not None:
            params["state"] = state.value
        rows = await self._read(_LISTING[state is not None], params)
        if not rows:
            counted = {"state": state.value} if state is not None else {}
            total = await self._read(_COUNT[state is not None], counted)
            return Listing((), int(total[0][0]))
        entries: list[Listed] = []
        for row in rows:
            writers = []
            if row.email0 is not None:
                writers.append(Writer(row.email0, row.name0, row.label0, tuple(row.aliases0)))
            if row.email1 is not None:
                writers.append(Writer(row.email1, row.name1, row.label1, tuple(row.aliases1)))
            correspondence = Correspondence(
                id=CorrespondenceId(row.id),
                topic=row.topic,
                state=State(row.state),
                writers=tuple(writers),
                created_at=row.created_at,
                subject=row.subject,
            )
            summary = CorrespondenceSummary(
                correspondence, row.letters or 0, row.last_activity_at or row.created_at
            )
            entries.append(Listed(summary, row.last_writer))
        return Listing(tuple(entries), int(rows[0].total))

    @_guarded
    async def correspondences_of(
        self, email: str, states: Collection[State] = (State.OPEN,)
    ) -> list[Correspondence]:
        """The correspondences in ``states`` where ``email`` (or an alias of it) is a writer."""
        wanted = _email(email)
        if not states:
            return []
        writer_ids = [
            row.id
            for row in await self._session.scalars(select(WriterRow))
            if wanted == row.email or wanted in row.aliases
        ]
        if not writer_ids:
            return []
        members = select(MemberRow.correspondence_id).where(MemberRow.writer_id.in_(writer_ids))
        rows = await self._session.scalars(
            select(CorrespondenceRow)
            .where(
                CorrespondenceRow.id.in_(members),
                CorrespondenceRow.state.in_([State(s).value for s in states]),
            )
            .options(_with_writers())
            .order_by(CorrespondenceRow.created_at, CorrespondenceRow.id)
        )
        return [_correspondence(row) for row in rows]

    @_guarded
    async def open_correspondences(self) -> list[Correspondence]:
        """Every open correspondence, oldest first (the ones reminders are for)."""
        rows = await self._session.scalars(
            select(CorrespondenceRow)
            .where(CorrespondenceRow.state == State.OPEN.value)
            .options(_with_writers())
            .order_by(CorrespondenceRow.created_at, CorrespondenceRow.id)
        )
        return [_correspondence(row) for row in rows]

    @_guarded
    async def set_state(
        self,
        id: CorrespondenceId,
        state: State,
        *,
        now: datetime,
        actor: str,
        reason: str = "",
    ) -> Correspondence:
        """Move a correspondence to ``state`` and log who did it and why; raises ``NotFound``."""
        now = _aware(now)
        row = await self._correspondence_row(id, for_update=True)
        previous = row.state
        row.state = State(state).value
        await self._add_event(
            row.id, "state", now, actor, {"from": previous, "to": row.state, "reason": reason}
        )
        await self._session.flush()
        return _correspondence(row)

    # raw messages

    @_guarded
    async def save_raw(self, raw: bytes, *, source: str, now: datetime) -> RawRecord:
        """Keep a message's bytes; the same bytes a second time give the first record back."""
        now = _aware(now)
        digest = hashlib.sha256(raw).hexdigest()
        existing = await self._raw_by_digest(digest)
        if existing is not None:
            return _raw_record(existing, is_new=False)
        row = MessageRow(
            sha256=digest,
            raw=raw,
            size=len(raw),
            source=source,
            received_at=now,
            status=RawStatus.NEW.value,
            reason="",
            sender="",
            subject="",
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:
            # Another process stored the same bytes between our look and our insert.
            existing = await self._raw_by_digest(digest)
            if existing is None:
                raise
            return _raw_record(existing, is_new=False)
        return _raw_record(row, is_new=True)

    @_guarded
    async def raw(self, record_id: MessageRecordId) -> bytes:
        """The bytes of a stored message; raises ``NotFound``."""
        data = await self._session.scalar(select(MessageRow.raw).where(MessageRow.id == record_id))
        if data is None:
            raise NotFound(f"no stored message {record_id}")
        return data

    @_guarded
    async def unprocessed(self) -> list[RawRecord]:
        """Messages stored but not decided yet (status ``new``), in arrival order."""
        rows = await self._session.scalars(
            select(MessageRow)
            .where(MessageRow.status == RawStatus.NEW.value)
            .order_by(MessageRow.id)
        )
        return [_raw_record(row, is_new=False) for row in rows]

    @_guarded
    async def mark_raw(
        self,
        record_id: MessageRecordId,
        status: RawStatus,
        *,
        reason: str = "",
        correspondence_id: CorrespondenceId | None = None,
        parsed: ParsedMessage | None = None,
        now: datetime,
    ) -> None:
        """Record what became of a stored message; raises ``NotFound``.

        ``reason`` replaces the stored one; a correspondence and the parsed headers
        are recorded when given and left as they were otherwise.
        """
        now = _aware(now)
        row = await self._session.get(MessageRow, record_id)
        if row is None:
            raise NotFound(f"no stored message {record_id}")
        _mark(
            row,
            status=RawStatus(status),
            reason=reason,
            correspondence_id=correspondence_id,
            parsed=parsed,
            now=now,
        )
        await self._session.flush()

    @_guarded
    async def message_counts(self) -> dict[RawStatus, int]:
        """How many stored messages there are of each status (statuses with none left out)."""
        rows = await self._session.execute(
            select(MessageRow.status, func.count()).group_by(MessageRow.status)
        )
        return {RawStatus(status): count for status, count in rows}

    @_guarded
    async def last_received(self) -> datetime | None:
        """When the newest stored message arrived, if any did."""
        newest = await self._session.scalar(select(func.max(MessageRow.received_at)))
        return None if newest is None else _utc(newest)

    @_guarded
    async def quarantine(self) -> list[QuarantineEntry]:
        """Messages held back, oldest first."""
        rows = await self._session.scalars(
            select(MessageRow)
            .where(MessageRow.status == RawStatus.QUARANTINED.value)
            .order_by(MessageRow.received_at, MessageRow.id)
        )
        return [
            QuarantineEntry(
                id=MessageRecordId(row.id),
                received_at=row.received_at,
                sender=row.sender,
                subject=row.subject,
                reason=row.reason,
                source=row.source,
                correspondence_id=(
                    None
                    if row.correspondence_id is None
                    else CorrespondenceId(row.correspondence_id)
                ),
            )
            for row in rows
        ]

    @_guarded
    async def message_id_known(self, message_id: str) -> bool:
        """Whether a letter with this Message-ID (no angle brackets) is filed."""
        wanted = _message_id(message_id)
        if wanted is None:
            return False
        found = await self._session.scalar(
            select(LetterRow.id).where(LetterRow.message_id == wanted).limit(1)
        )
        return found is not None

    @_guarded
    async def correspondence_for_message_ids(self, ids: Sequence[str]) -> CorrespondenceId | None:
        """The correspondence of the newest message with one of these Message-IDs, if any.

        Both messages received and mails in the outbox count, each with its
        correspondence; the newest (received, or enqueued) wins.
        """
        wanted = sorted({m for m in map(_message_id, ids) if m is not None})
        if not wanted:
            return None
        received = await self._session.execute(
            select(MessageRow.received_at, MessageRow.correspondence_id)
            .where(MessageRow.message_id.in_(wanted), MessageRow.correspondence_id.is_not(None))
            .order_by(MessageRow.received_at.desc(), MessageRow.id.desc())
            .limit(1)
        )
        # penpal's own mail counts too: a reply may quote only the relay it answers.
        sent = await self._session.execute(
            select(OutboxRow.created_at, OutboxRow.correspondence_id)
            .where(OutboxRow.message_id.in_(wanted), OutboxRow.correspondence_id.is_not(None))
            .order_by(OutboxRow.created_at.desc(), OutboxRow.id.desc())
            .limit(1)
        )
        candidates = [(at, cid) for at, cid in (*received.all(), *sent.all()) if cid is not None]
        if not candidates:
            return None
        # max() keeps the first of equals: a received message wins a tie.
        return CorrespondenceId(max(candidates, key=lambda candidate: candidate[0])[1])

    @_guarded
    async def is_own_message(self, message_id: str) -> bool:
        """Whether penpal itself sent (or will send) a mail with this Message-ID."""
        wanted = _message_id(message_id)
        if wanted is None:
            return False
        found = await self._session.scalar(
            select(OutboxRow.id).where(OutboxRow.message_id == wanted).limit(1)
        )
        return found is not None

    # letters

    @_guarded
    async def file_letter(
        self,
        record_id: MessageRecordId,
        correspondence: Correspondence,
        writer: Writer,
        parsed: ParsedMessage,
        *,
        now: datetime,
    ) -> Letter:
        """File a stored message as a letter of ``writer`` in ``correspondence``.

        The letter is dated ``parsed.date`` (UTC), else ``now``. Raises ``StoreError``
        when the message or its Message-ID is already filed, or the writer is not one
        of the correspondence; ``NotFound`` when the stored message is missing.
        """
        now = _aware(now)
        message = await self._session.get(MessageRow, record_id)
        if message is None:
            raise NotFound(f"no stored message {record_id}")
        writer_row = await self._session.scalar(
            select(WriterRow)
            .join(MemberRow, MemberRow.writer_id == WriterRow.id)
            .where(
                MemberRow.correspondence_id == correspondence.id,
                WriterRow.email == _email(writer.email),
            )
        )
        if writer_row is None:
            raise StoreError(
                f"{writer.email} is not a writer of correspondence {correspondence.id}"
            )
        extraction = parsed.extraction
        message_id = _message_id(parsed.message_id)
        letter = LetterRow(
            message_record_id=message.id,
            correspondence_id=correspondence.id,
            writer_id=writer_row.id,
            message_id=message_id,
            date=_utc(parsed.date) if parsed.date is not None else now,
            filed_at=now,
            subject=parsed.subject,
            text=extraction.text,
            body=extraction.body,
            salutation=extraction.salutation,
            closing=extraction.closing,
            private=[clean_text(p) for p in extraction.private],
            commands=[
                {
                    "name": c.name.value,
                    "word": clean_text(c.word),
                    "argument": clean_text(c.argument),
                }
                for c in extraction.commands
            ],
            removed=[
                {"kind": c.kind.value, "text": clean_text(c.text), "reason": clean_text(c.reason)}
                for c in extraction.removed
            ],
        )
        try:
            async with self._session.begin_nested():
                self._session.add(letter)
                await self._session.flush()
                self._session.add_all(
                    AttachmentRow(
                        letter_id=letter.id,
                        position=position,
                        filename=attachment.filename,
                        content_type=attachment.content_type,
                        content_id=attachment.content_id,
                        inline=attachment.inline,
                        size=len(attachment.data),
                        data=attachment.data,
                    )
                    for position, attachment in enumerate(parsed.attachments)
                )
        except IntegrityError as exc:
            raise StoreError(
                f"message {record_id} (Message-ID <{message_id or ''}>) is already filed"
            ) from exc
        _mark(
            message,
            status=RawStatus.LETTER,
            reason="",
            correspondence_id=correspondence.id,
            parsed=parsed,
            now=now,
        )
        await self._add_event(
            correspondence.id,
            "letter",
            now,
            writer_row.email,
            {"letter_id": letter.id, "message_id": message_id or "", "record_id": message.id},
        )
        await self._session.flush()
        return Letter(
            id=LetterId(letter.id),
            correspondence_id=correspondence.id,
            writer=_writer(writer_row),
            date=letter.date,
            subject=letter.subject,
            message_id=message_id or "",
            extraction=_extraction(letter),
            attachments=parsed.attachments,
        )

    @_guarded
    async def letters(self, correspondence_id: CorrespondenceId) -> list[Letter]:
        """The letters of a correspondence by date, then id; raises ``NotFound``."""
        await self._require_correspondence(correspondence_id)
        rows = await self._session.scalars(
            select(LetterRow)
            .where(LetterRow.correspondence_id == correspondence_id)
            .options(joinedload(LetterRow.writer), selectinload(LetterRow.attachments))
            .order_by(LetterRow.date, LetterRow.id)
        )
        return [_letter(row) for row in rows]

    @_guarded
    async def last_letter(self, correspondence_id: CorrespondenceId) -> Letter | None:
        """The latest letter of a correspondence (as ``letters`` orders them), if any.

        Raises ``NotFound`` for an unknown correspondence.
        """
        await self._require_correspondence(correspondence_id)
        row = await self._session.scalar(
            select(LetterRow)
            .where(LetterRow.correspondence_id == correspondence_id)
            .options(joinedload(LetterRow.writer), selectinload(LetterRow.attachments))
            .order_by(LetterRow.date.desc(), LetterRow.id.desc())
            .limit(1)
        )
        return None if row is None else _letter(row)

    @_guarded
    async def thread_message_ids(self, correspondence_id: CorrespondenceId) -> list[str]:
        """Every Message-ID of a correspondence's thread, oldest first, without angle brackets.

        The thread is the letters filed and the outgoing relays, invitations and
        reminders. They are ordered by penpal's own clock (when a letter was
        filed, when a mail was enqueued), so that a writer's wrong clock cannot
        put a reply before the mail it answers; a letter comes before the relay
        enqueued in the same moment. Raises ``NotFound``.
        """
        await self._require_correspondence(correspondence_id)
        letters = await self._session.execute(
            select(LetterRow.filed_at, LetterRow.id, LetterRow.message_id).where(
                LetterRow.correspondence_id == correspondence_id,
                LetterRow.message_id.is_not(None),
            )
        )
        mails = await self._session.execute(
            select(OutboxRow.created_at, OutboxRow.id, OutboxRow.message_id).where(
                OutboxRow.correspondence_id == correspondence_id,
                OutboxRow.kind.in_(sorted(kind.value for kind in THREAD_KINDS)),
            )
        )
        ordered = sorted(
            [(at, 0, row_id, message_id) for at, row_id, message_id in letters.all()]
            + [(at, 1, row_id, message_id) for at, row_id, message_id in mails.all()]
        )
        return list(dict.fromkeys(message_id for *_, message_id in ordered if message_id))

    # drafts

    @_guarded
    async def save_draft(
        self,
        correspondence_id: CorrespondenceId,
        content: Mapping[str, Any],
        *,
        now: datetime,
        actor: str,
    ) -> int:
        """Store ``content`` as the next revision of the draft and return its number (1, 2, …)."""
        now = _aware(now)
        await self._require_correspondence(correspondence_id)
        try:
            # Stored as JSON, so what comes back is what JSON makes of it (tuples become lists).
            stored = json.loads(json.dumps(dict(content)))
        except (TypeError, ValueError) as exc:
            raise StoreError(f"draft of {correspondence_id} is not JSON-able: {exc}") from exc
        for _ in range(_REVISION_ATTEMPTS):
            latest = await self._session.scalar(
                select(func.max(DraftRow.revision)).where(
                    DraftRow.correspondence_id == correspondence_id
                )
            )
            revision = (latest or 0) + 1
            try:
                async with self._session.begin_nested():
                    self._session.add(
                        DraftRow(
                            correspondence_id=correspondence_id,
                            revision=revision,
                            content=stored,
                            created_at=now,
                            actor=actor,
                        )
                    )
            except IntegrityError:
                continue  # another process saved this revision number first
            return revision
        raise StoreError(f"draft of {correspondence_id}: no free revision number")

    @_guarded
    async def latest_draft(self, correspondence_id: CorrespondenceId) -> tuple[int, dict[str, Any]]:
        """The newest revision number and content; raises ``NotFound`` when there is no draft."""
        row = await self._session.scalar(
            select(DraftRow)
            .where(DraftRow.correspondence_id == correspondence_id)
            .order_by(DraftRow.revision.desc())
            .limit(1)
        )
        if row is None:
            raise NotFound(f"no draft for correspondence {correspondence_id}")
        return row.revision, dict(row.content)

    # event log

    @_guarded
    async def record_event(
        self,
        correspondence_id: CorrespondenceId | None,
        kind: str,
        *,
        now: datetime,
        actor: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Log an event, about a correspondence or (``None``) about the service."""
        now = _aware(now)
        if correspondence_id is not None:
            await self._require_correspondence(correspondence_id)
        try:
            stored = json.loads(json.dumps(dict(detail or {})))
        except (TypeError, ValueError) as exc:
            raise StoreError(f"event {kind!r}: detail is not JSON-able: {exc}") from exc
        await self._add_event(correspondence_id, kind, now, actor, stored)
        await self._session.flush()

    @_guarded
    async def events(self, correspondence_id: CorrespondenceId) -> list[Event]:
        """The event log of a correspondence, oldest first; raises ``NotFound``."""
        await self._require_correspondence(correspondence_id)
        rows = await self._session.scalars(
            select(EventRow)
            .where(EventRow.correspondence_id == correspondence_id)
            .order_by(EventRow.at, EventRow.id)
        )
        return [Event(row.at, row.actor, row.kind, dict(row.detail)) for row in rows]

    # outbox

    @_guarded
    async def enqueue_mail(self, mail: OutgoingMail, *, now: datetime) -> OutboxEntry:
        """Put a mail in the outbox, due at once; the same Message-ID again gives the first entry.

        Enqueue in the unit of work that decided to send, so that the mail exists
        exactly when that decision was committed. Raises ``StoreError`` for a
        mail without Message-ID or recipients, ``NotFound`` for an unknown
        correspondence.
        """
        now = _aware(now)
        message_id = _message_id(mail.message_id)
        if message_id is None:
            raise StoreError("an outgoing mail needs a Message-ID")
        recipients = [clean_text(r) for r in mail.recipients]
        if not recipients:
            raise StoreError(f"outgoing mail <{message_id}> has no recipients")
        existing = await self._outbox_row(message_id)
        if existing is not None:
            return _outbox_entry(existing, raw=True)
        if mail.correspondence_id is not None:
            await self._require_correspondence(mail.correspondence_id)
        row = OutboxRow(
            message_id=message_id,
            kind=MailKind(mail.kind).value,
            sender=mail.sender,
            recipients=recipients,
            correspondence_id=mail.correspondence_id,
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            claimed_until=None,
            last_error="",
            created_at=now,
            sent_at=None,
            raw=mail.raw,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:
            # Another process enqueued the same Message-ID between our look and our insert.
            existing = await self._outbox_row(message_id)
            if existing is None:
                raise
            return _outbox_entry(existing, raw=True)
        return _outbox_entry(row, raw=True)

    @_guarded
    async def claim_due_mail(
        self, *, now: datetime, lease: timedelta, limit: int = 20
    ) -> list[OutboxEntry]:
        """Claim up to ``limit`` due, unclaimed pending mails, oldest first, bytes included.

        Each is claimed until ``now + lease``: until then (or until it is marked)
        no other unit takes it, in this process or another. A sender that dies
        holding a claim loses it when the lease runs out, and the mail is sent
        again under the same Message-ID.
        """
        now = _aware(now)
        if lease <= timedelta(0):
            raise StoreError(f"a claim needs a positive lease, got {lease}")
        if limit <= 0:
            return []
        rows = (
            await self._session.scalars(
                select(OutboxRow)
                .where(
                    OutboxRow.status == OutboxStatus.PENDING.value,
                    OutboxRow.next_attempt_at <= now,
                    OutboxRow.claimed_until.is_(None) | (OutboxRow.claimed_until <= now),
                )
                .order_by(OutboxRow.created_at, OutboxRow.id)
                .limit(limit)
                .options(undefer(OutboxRow.raw))
                # PostgreSQL: rows another unit is claiming right now are passed over,
                # not waited for. SQLite renders no FOR UPDATE; its units are serial.
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        ).all()
        for row in rows:
            row.claimed_until = now + lease
        await self._session.flush()
        return [_outbox_entry(row, raw=True) for row in rows]

    @_guarded
    async def mark_sent(self, entry_id: int, *, now: datetime) -> None:
        """Record that the SMTP server accepted the mail; raises ``NotFound``."""
        now = _aware(now)
        row = await self._outbox_row_for_update(entry_id)
        row.status = OutboxStatus.SENT.value
        row.sent_at = now
        row.attempts += 1
        row.claimed_until = None
        await self._session.flush()

    @_guarded
    async def mark_retry(
        self, entry_id: int, *, now: datetime, next_attempt_at: datetime, error: str
    ) -> None:
        """Record a failed try and when to try again, releasing the claim; raises ``NotFound``.

        A mail that is no longer pending (another sender got it out after this
        one's lease ran out, or gave it up) is left as it is.
        """
        _aware(now)
        next_attempt_at = _aware(next_attempt_at)
        row = await self._outbox_row_for_update(entry_id)
        if row.status != OutboxStatus.PENDING.value:
            return
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = next_attempt_at
        row.claimed_until = None
        await self._session.flush()

    @_guarded
    async def mark_failed(self, entry_id: int, *, now: datetime, error: str) -> None:
        """Give a mail up for good with the reason; raises ``NotFound``.

        A mail that is no longer pending is left as it is: one that was sent stays sent.
        """
        _aware(now)
        row = await self._outbox_row_for_update(entry_id)
        if row.status != OutboxStatus.PENDING.value:
            return
        row.status = OutboxStatus.FAILED.value
        row.attempts += 1
        row.last_error = error
        row.claimed_until = None
        await self._session.flush()

    @_guarded
    async def outbox(self, status: OutboxStatus | None = None) -> list[OutboxEntry]:
        """The outbox (or the mails in ``status``), oldest first, without the messages' bytes."""
        stmt = select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.id)
        if status is not None:
            stmt = stmt.where(OutboxRow.status == OutboxStatus(status).value)
        rows = await self._session.scalars(stmt.execution_options(populate_existing=True))
        return [_outbox_entry(row, raw=False) for row in rows]

    @_guarded
    async def outbox_entry(self, message_id: str) -> OutboxEntry:
        """The outbox entry with this Message-ID, bytes included; raises ``NotFound``."""
        wanted = _message_id(message_id)
        row = None if wanted is None else await self._outbox_row(wanted)
        if row is None:
            raise NotFound(f"no outgoing mail <{message_id.strip().strip('<>')}>")
        return _outbox_entry(row, raw=True)

    # notices

    @_guarded
    async def claim_notice(self, key: str, *, now: datetime, period: timedelta) -> bool:
        """Whether a notice with ``key`` may be given now; if so, record ``now`` for it.

        True when none was recorded within ``period`` before ``now``. Of several
        units claiming the same key at once, in one process or several, exactly
        one gets True. Keys are compared exactly: lower-case addresses in them.
        """
        now = _aware(now)
        stored = _notice_key(key)
        try:
            # Core, not the ORM: a key claimed earlier in this unit must clash in
            # the database, not in the session's identity map.
            async with self._session.begin_nested():
                await self._session.execute(insert(NoticeRow).values(key=stored, at=now))
            return True
        except IntegrityError:
            pass  # given before: it may be given again if that was long enough ago
        # One statement, so that of two units only one sees the old time: the
        # other waits for its row lock (PostgreSQL) or its turn (SQLite) and then
        # finds the new one.
        result = await self._session.execute(
            update(NoticeRow)
            .where(NoticeRow.key == stored, NoticeRow.at <= now - period)
            .values(at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)  # an UPDATE's result always is
        return result.rowcount == 1

    # editors

    @_guarded
    async def upsert_editor(self, email: str, name: str = "", *, now: datetime) -> EditorAccount:
        """Add an editor without a password, or update a known one's name (when one is given).

        Raises ``StoreError`` for an address without ``@``.
        """
        now = _aware(now)
        wanted = _email(email)
        if "@" not in wanted:
            raise StoreError(f"{email!r} is not an email address")
        row = await self._editor_row(wanted)
        if row is None:
            fresh = EditorRow(
                email=wanted,
                name=name.strip(),
                password_hash="",
                session_epoch=0,
                failed_logins=0,
                created_at=now,
            )
            try:
                async with self._session.begin_nested():
                    self._session.add(fresh)
                return _editor(fresh)
            except IntegrityError:
                # Added by another process since we looked: update that one instead.
                row = await self._editor_row(wanted)
                if row is None:
                    raise
        if name.strip():
            row.name = name.strip()
        await self._session.flush()
        return _editor(row)

    @_guarded
    async def editor_by_email(self, email: str) -> EditorAccount | None:
        """The editor with this address (case and spaces ignored), if there is one."""
        row = await self._editor_row(_email(email))
        return None if row is None else _editor(row)

    @_guarded
    async def editor_session(self, email: str) -> EditorSession:
        """The editor with this address and how many messages wait in the quarantine.

        One statement, as every page of the editor's web app asks it. Without
        such an editor the count is not read (0).
        """
        rows = await self._read(_EDITOR_SESSION, {"email": _email(email)})
        row = rows[0] if rows else None
        if row is None:
            return EditorSession(None, 0)
        account = EditorAccount(
            email=row.email,
            name=row.name,
            password_hash=row.password_hash,
            session_epoch=row.session_epoch,
            failed_logins=row.failed_logins,
            last_failed_at=row.last_failed_at,
            last_login_at=row.last_login_at,
            created_at=row.created_at,
        )
        return EditorSession(account, int(row.held or 0))

    @_guarded
    async def list_editors(self) -> list[EditorAccount]:
        """Every editor account, by address."""
        rows = await self._session.scalars(select(EditorRow).order_by(EditorRow.email))
        return [_editor(row) for row in rows]

    @_guarded
    async def set_editor_password_hash(
        self, email: str, password_hash: str, *, now: datetime
    ) -> EditorAccount:
        """Store a new password hash, end the editor's sessions and forget failed logins.

        Raises ``NotFound`` for an unknown editor, ``StoreError`` for an empty hash.
        """
        now = _aware(now)
        if not password_hash:
            raise StoreError("a password hash must not be empty")
        row = await self._editor_row(_email(email), for_update=True)
        if row is None:
            raise NotFound(f"no editor {email.strip()!r}")
        row.password_hash = password_hash
        row.session_epoch += 1
        row.failed_logins = 0
        row.last_failed_at = None
        await self._session.flush()
        return _editor(row)

    @_guarded
    async def record_login_failure(self, email: str, *, now: datetime) -> EditorAccount | None:
        """Count a failed login for this editor and return the account; None if there is none.

        Counted in one statement, so that failures from several processes at once all count.
        """
        now = _aware(now)
        wanted = _email(email)
        await self._session.execute(
            update(EditorRow)
            .where(EditorRow.email == wanted)
            .values(failed_logins=EditorRow.failed_logins + 1, last_failed_at=now)
            .execution_options(synchronize_session=False)
        )
        row = await self._session.scalar(
            select(EditorRow)
            .where(EditorRow.email == wanted)
            .execution_options(populate_existing=True)
        )
        return None if row is None else _editor(row)

    @_guarded
    async def record_login(
        self, email: str, *, now: datetime, password_hash: str | None = None
    ) -> EditorAccount:
        """Record a successful login: failures forgotten; ``password_hash`` replaces a weaker one.

        A rehash keeps the session epoch: the password itself did not change.
        Raises ``NotFound`` for an unknown editor.
        """
        now = _aware(now)
        row = await self._editor_row(_email(email), for_update=True)
        if row is None:
            raise NotFound(f"no editor {email.strip()!r}")
        row.failed_logins = 0
        row.last_login_at = now
        if password_hash:
            row.password_hash = password_hash
        await self._session.flush()
        return _editor(row)

    # what the editor's page lists

    @_guarded
    async def last_writers(
        self, ids: Collection[CorrespondenceId] | None = None
    ) -> dict[CorrespondenceId, str]:
        """The address of the writer of each correspondence's latest letter (as ``letters`` orders).

        Only of the correspondences ``ids`` when given; those without letters are left out.
        """
        if ids is not None and not ids:
            return {}
        stmt = (
            select(LetterRow.correspondence_id, WriterRow.email)
            .join(WriterRow, WriterRow.id == LetterRow.writer_id)
            .order_by(LetterRow.correspondence_id, LetterRow.date, LetterRow.id)
        )
        if ids is not None:
            stmt = stmt.where(LetterRow.correspondence_id.in_(sorted(set(ids))))
        # In letter order, the last one seen of each correspondence is its latest: a
        # plain indexed read beats a correlated "latest" subquery per letter.
        latest: dict[CorrespondenceId, str] = {}
        for cid, email in (await self._session.execute(stmt)).all():
            latest[CorrespondenceId(cid)] = email
        return latest

    @_guarded
    async def count_quarantined(self) -> int:
        """How many messages wait in the quarantine."""
        found = await self._session.scalar(
            select(func.count())
            .select_from(MessageRow)
            .where(MessageRow.status == RawStatus.QUARANTINED.value)
        )
        return int(found or 0)

    @_guarded
    async def messages_of(self, correspondence_id: CorrespondenceId) -> list[MessageEntry]:
        """Every stored message placed with a correspondence, letters included, in arrival order.

        Raises ``NotFound`` for an unknown correspondence.
        """
        await self._require_correspondence(correspondence_id)
        rows = await self._session.scalars(
            select(MessageRow)
            .where(MessageRow.correspondence_id == correspondence_id)
            .order_by(MessageRow.received_at, MessageRow.id)
        )
        return [_message_entry(row) for row in rows]

    @_guarded
    async def message_entry(self, record_id: MessageRecordId) -> MessageEntry:
        """One stored message's record, without its bytes; raises ``NotFound``."""
        row = await self._session.get(MessageRow, record_id, populate_existing=True)
        if row is None:
            raise NotFound(f"no stored message {record_id}")
        return _message_entry(row)

    # mailbox sync state

    @_guarded
    async def mailbox_state(self, key: str) -> tuple[int, int] | None:
        """``(uidvalidity, last_uid)`` recorded for a mailbox folder, if any."""
        row = await self._session.get(MailboxStateRow, key)
        return None if row is None else (row.uidvalidity, row.last_uid)

    @_guarded
    async def set_mailbox_state(self, key: str, uidvalidity: int, last_uid: int) -> None:
        """Record how far a mailbox folder has been read."""
        row = await self._session.get(MailboxStateRow, key)
        if row is None:
            try:
                async with self._session.begin_nested():
                    self._session.add(
                        MailboxStateRow(key=key, uidvalidity=uidvalidity, last_uid=last_uid)
                    )
                return
            except IntegrityError:
                row = await self._session.get(MailboxStateRow, key)
                if row is None:
                    raise
        row.uidvalidity = uidvalidity
        row.last_uid = last_uid
        await self._session.flush()

    # helpers

    async def _correspondence_rows(self, statement: Executable, id: str) -> Sequence[Row[Any]]:
        wanted = id.strip().lower()
        rows = await self._read(statement, {"id": wanted})
        if not rows:
            raise NotFound(f"no correspondence {wanted!r}")
        return rows

    async def _read(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        """The rows of a prebuilt Core statement, run on the unit's connection.

        For the pages that every editor's click reads: no ORM on the way, and a
        statement built once (its SQL compiled and cached once). What this unit
        changed through the ORM is flushed first, as the session would.
        """
        session = self._session
        if session.new or session.dirty or session.deleted:
            await session.flush()
        connection = await session.connection()
        return (await connection.execute(statement, dict(params))).all()

    async def _correspondence_row(self, id: str, *, for_update: bool = False) -> CorrespondenceRow:
        stmt = select(CorrespondenceRow).where(CorrespondenceRow.id == id).options(_with_writers())
        if for_update:
            stmt = stmt.with_for_update(of=CorrespondenceRow)
        row = await self._session.scalar(stmt)
        if row is None:
            raise NotFound(f"no correspondence {id!r}")
        return row

    async def _require_correspondence(self, id: CorrespondenceId) -> None:
        if await self._session.get(CorrespondenceRow, id) is None:
            raise NotFound(f"no correspondence {id!r}")

    async def _upsert_writer(self, writer: Writer) -> WriterRow:
        email = _email(writer.email)
        aliases = list(dict.fromkeys(a for a in map(_email, writer.aliases) if a != email))
        row = await self._writer_row(email)
        if row is None:
            fresh = WriterRow(email=email, name=writer.name, label=writer.label, aliases=aliases)
            try:
                async with self._session.begin_nested():
                    self._session.add(fresh)
                return fresh
            except IntegrityError:
                # Added by another process since we looked: update that one instead.
                row = await self._writer_row(email)
                if row is None:
                    raise
        if writer.name:
            row.name = writer.name
        if writer.label:
            row.label = writer.label
        if aliases:
            row.aliases = aliases
        return row

    async def _writer_row(self, email: str) -> WriterRow | None:
        row: WriterRow | None = await self._session.scalar(
            select(WriterRow).where(WriterRow.email == email)
        )
        return row

    async def _editor_row(self, email: str, *, for_update: bool = False) -> EditorRow | None:
        stmt = select(EditorRow).where(EditorRow.email == email)
        if for_update:
            stmt = stmt.with_for_update()
        row: EditorRow | None = await self._session.scalar(
            stmt.execution_options(populate_existing=True)
        )
        return row

    async def _outbox_row(self, message_id: str) -> OutboxRow | None:
        row: OutboxRow | None = await self._session.scalar(
            select(OutboxRow)
            .where(OutboxRow.message_id == message_id)
            .options(undefer(OutboxRow.raw))
            .execution_options(populate_existing=True)
        )
        return row

    async def _outbox_row_for_update(self, entry_id: int) -> OutboxRow:
        # Locked, so that two senders marking one mail (a lease ran out) go one after the other.
        row = await self._session.get(
            OutboxRow, entry_id, with_for_update=True, populate_existing=True
        )
        if row is None:
            raise NotFound(f"no outbox entry {entry_id}")
        return row

    async def _raw_by_digest(self, digest: str) -> MessageRow | None:
        row: MessageRow | None = await self._session.scalar(
            select(MessageRow).where(MessageRow.sha256 == digest)
        )
        return row

    async def _add_event(
        self,
        correspondence_id: str | None,
        kind: str,
        now: datetime,
        actor: str,
        detail: dict[str, Any],
    ) -> None:
        """Log an event; the correspondence's latest activity follows (the editor's list order)."""
        self._session.add(
            EventRow(
                correspondence_id=correspondence_id, at=now, actor=actor, kind=kind, detail=detail
            )
        )
        if correspondence_id is None:
            return
        # Raised, never lowered: an event may be logged with an earlier time than
        # one before it, and the activity is the newest event's time.
        await self._session.execute(
            update(CorrespondenceRow)
            .where(
                CorrespondenceRow.id == correspondence_id,
                or_(
                    CorrespondenceRow.last_activity_at.is_(None),
                    CorrespondenceRow.last_activity_at < now,
                ),
            )
            .values(last_activity_at=now)
            .execution_options(synchronize_session=False)
        )


# prebuilt statements (see Repository._read)


def _listing_statement(by_state: bool) -> Select[Any]:
    """A page of correspondences by latest activity with letters, last writer, total, writers.

    One row per correspondence: its two writers (places 0 and 1, all a
    correspondence has) side by side, ``*0`` and ``*1``.
    """
    page = select(
        CorrespondenceRow.id,
        CorrespondenceRow.topic,
        CorrespondenceRow.subject,
        CorrespondenceRow.state,
        CorrespondenceRow.created_at,
        CorrespondenceRow.last_activity_at,
    )
    total = select(func.count()).select_from(CorrespondenceRow)
    if by_state:
        page = page.where(CorrespondenceRow.state == bindparam("state"))
        total = total.where(CorrespondenceRow.state == bindparam("state"))
    shown = (
        page.order_by(CorrespondenceRow.last_activity_at.desc(), CorrespondenceRow.id.desc())
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )
    letters = (
        select(func.count(LetterRow.id))
        .where(LetterRow.correspondence_id == shown.c.id)
        .scalar_subquery()
    )
    last_writer = (
        select(WriterRow.email)
        .join(LetterRow, LetterRow.writer_id == WriterRow.id)
        .where(LetterRow.correspondence_id == shown.c.id)
        .order_by(LetterRow.date.desc(), LetterRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    columns: list[Any] = [
        shown,
        letters.label("letters"),
        last_writer.label("last_writer"),
        total.scalar_subquery().label("total"),
    ]
    stmt = select().select_from(shown)
    for place in (0, 1):
        member, writer = aliased(MemberRow), aliased(WriterRow)
        columns += [
            writer.email.label(f"email{place}"),
            writer.name.label(f"name{place}"),
            writer.label.label(f"label{place}"),
            writer.aliases.label(f"aliases{place}"),
        ]
        stmt = stmt.outerjoin(
            member, and_(member.correspondence_id == shown.c.id, member.position == place)
        ).outerjoin(writer, writer.id == member.writer_id)
    return stmt.add_columns(*columns).order_by(shown.c.last_activity_at.desc(), shown.c.id.desc())


_LISTING = (_listing_statement(False), _listing_statement(True))
_COUNT = (
    select(func.count()).select_from(CorrespondenceRow),
    select(func.count())
    .select_from(CorrespondenceRow)
    .where(CorrespondenceRow.state == bindparam("state")),
)
_CORRESPONDENCE_WITH_WRITERS = (
    select(
        CorrespondenceRow.id,
        CorrespondenceRow.topic,
        CorrespondenceRow.subject,
        CorrespondenceRow.state,
        CorrespondenceRow.created_at,
        WriterRow.email,
        WriterRow.name,
        WriterRow.label,
        WriterRow.aliases,
    )
    .outerjoin(MemberRow, MemberRow.correspondence_id == CorrespondenceRow.id)
    .outerjoin(WriterRow, WriterRow.id == MemberRow.writer_id)
    .where(CorrespondenceRow.id == bindparam("id"))
    .order_by(MemberRow.position)
)
_NEWEST_DRAFT = (
    select(DraftRow.revision)
    .where(DraftRow.correspondence_id == CorrespondenceRow.id)
    .order_by(DraftRow.revision.desc())
    .limit(1)
)
_CORRESPONDENCE_WITH_HEAD = _CORRESPONDENCE_WITH_WRITERS.add_columns(
    _NEWEST_DRAFT.scalar_subquery().label("revision"),
    _NEWEST_DRAFT.with_only_columns(DraftRow.created_at).scalar_subquery().label("saved_at"),
)
_EDITOR_SESSION = select(
    EditorRow.email,
    EditorRow.name,
    EditorRow.password_hash,
    EditorRow.session_epoch,
    EditorRow.failed_logins,
    EditorRow.last_failed_at,
    EditorRow.last_login_at,
    EditorRow.created_at,
    select(func.count())
    .select_from(MessageRow)
    .where(MessageRow.status == RawStatus.QUARANTINED.value)
    .scalar_subquery()
    .label("held"),
).where(EditorRow.email == bindparam("email"))


# conversions


def _correspondence_of(rows: Sequence[Row[Any]]) -> Correspondence:
    """A correspondence from its rows of _CORRESPONDENCE_WITH_WRITERS: one per writer."""
    first = rows[0]
    return Correspondence(
        id=CorrespondenceId(first.id),
        topic=first.topic,
        state=State(first.state),
        writers=tuple(
            Writer(row.email, row.name, row.label, tuple(row.aliases))
            for row in rows
            if row.email is not None
        ),
        created_at=first.created_at,
        subject=first.subject,
    )


def _with_writers() -> Any:
    return selectinload(CorrespondenceRow.members).joinedload(MemberRow.writer)


def _writer(row: WriterRow) -> Writer:
    return Writer(email=row.email, name=row.name, label=row.label, aliases=tuple(row.aliases))


def _correspondence(row: CorrespondenceRow) -> Correspondence:
    return Correspondence(
        id=CorrespondenceId(row.id),
        topic=row.topic,
        state=State(row.state),
        writers=tuple(_writer(member.writer) for member in row.members),
        created_at=row.created_at,
        subject=row.subject,
    )


def _letter(row: LetterRow) -> Letter:
    return Letter(
        id=LetterId(row.id),
        correspondence_id=CorrespondenceId(row.correspondence_id),
        writer=_writer(row.writer),
        date=row.date,
        subject=row.subject,
        message_id=row.message_id or "",
        extraction=_extraction(row),
        attachments=tuple(
            Attachment(
                filename=a.filename,
                content_type=a.content_type,
                data=a.data,
                content_id=a.content_id,
                inline=a.inline,
            )
            for a in row.attachments
        ),
    )


def _outbox_entry(row: OutboxRow, *, raw: bool) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        message_id=row.message_id,
        kind=MailKind(row.kind),
        sender=row.sender,
        recipients=tuple(row.recipients),
        correspondence_id=(
            None if row.correspondence_id is None else CorrespondenceId(row.correspondence_id)
        ),
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        raw=row.raw if raw else b"",
    )


def _extraction(row: LetterRow) -> Extraction:
    return Extraction(
        text=row.text,
        body=row.body,
        salutation=row.salutation,
        closing=row.closing,
        private=tuple(row.private),
        commands=tuple(
            Command(CommandName(c["name"]), c["word"], c.get("argument", "")) for c in row.commands
        ),
        removed=tuple(Cut(CutKind(c["kind"]), c["text"], c.get("reason", "")) for c in row.removed),
    )


def _editor(row: EditorRow) -> EditorAccount:
    return EditorAccount(
        email=row.email,
        name=row.name,
        password_hash=row.password_hash,
        session_epoch=row.session_epoch,
        failed_logins=row.failed_logins,
        last_failed_at=row.last_failed_at,
        last_login_at=row.last_login_at,
        created_at=row.created_at,
    )


def _message_entry(row: MessageRow) -> MessageEntry:
    return MessageEntry(
        id=MessageRecordId(row.id),
        received_at=row.received_at,
        status=RawStatus(row.status),
        kind=row.kind,
        sender=row.sender,
        subject=row.subject,
        reason=row.reason,
        source=row.source,
        message_id=row.message_id or "",
        correspondence_id=(
            None if row.correspondence_id is None else CorrespondenceId(row.correspondence_id)
        ),
    )


def _raw_record(row: MessageRow, *, is_new: bool) -> RawRecord:
    return RawRecord(
        id=MessageRecordId(row.id),
        sha256=row.sha256,
        status=RawStatus(row.status),
        is_new=is_new,
        received_at=row.received_at,
        source=row.source,
        size=row.size,
    )


def _mark(
    row: MessageRow,
    *,
    status: RawStatus,
    reason: str,
    correspondence_id: CorrespondenceId | None,
    parsed: ParsedMessage | None,
    now: datetime,
) -> None:
    row.status = status.value
    row.reason = reason
    row.decided_at = now
    if correspondence_id is not None:
        row.correspondence_id = correspondence_id
    if parsed is not None:
        row.message_id = _message_id(parsed.message_id)
        row.sender = parsed.sender.email if parsed.sender is not None else ""
        row.subject = parsed.subject
        row.kind = parsed.kind.value


def _email(address: str) -> str:
    return address.strip().lower()


def _message_id(message_id: str) -> str | None:
    """A Message-ID as stored: cleaned, without brackets, clipped to fit an index; None if empty."""
    cleaned = clean_text(message_id).strip().strip("<>").strip()
    return cleaned[:MESSAGE_ID_MAX] or None


def _notice_key(key: str) -> str:
    """A notice key as stored: cleaned, and replaced by its digest when too long for the column."""
    cleaned = clean_text(key)
    if not cleaned:
        raise StoreError("a notice needs a key")
    encoded = cleaned.encode("utf-8")
    if len(encoded) <= NOTICE_KEY_MAX:
        return cleaned
    return f"sha256:{hashlib.sha256(encoded).hexdigest()}"


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise StoreError(f"naive datetime {now.isoformat()}: pass a timezone-aware time")
    return now.astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    """A header date in UTC; a date without zone (``-0000``) is taken as UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# database plumbing


def _check_sqlite_folder(url: URL, name: str) -> None:
    """Refuse a SQLite file in a folder that does not exist, before aiosqlite tries.

    A failed aiosqlite connect leaves its worker thread behind, which later trips
    over the closed event loop; an absent folder is also the common mistake.
    """
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    if not folder.is_dir():
        raise StoreError(f"database {name}: the folder {folder} does not exist")


def _with_async_driver(url: URL) -> URL:
    """``sqlite://`` and ``postgresql://`` mean their async drivers here."""
    drivers = {
        "sqlite": "sqlite+aiosqlite",
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
    }
    return url.set(drivername=drivers.get(url.drivername, url.drivername))


def _tune_sqlite(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions, and enforce foreign keys.

    The sqlite3 module's own transaction handling breaks savepoints and
    transactional DDL. ``BEGIN IMMEDIATE`` takes the write lock at the start, so
    two units never deadlock upgrading a read lock; the busy timeout makes the
    second one wait instead. A connection given back to the pool is rolled back
    only if a transaction is still open on it: after a unit's commit there is
    none, and every call to aiosqlite is a round trip to its thread.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL lets readers (the CLI) work while the service writes.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A unit that only reads begins a deferred transaction: no write lock to wait for.
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        driver = connection.connection.driver_connection
        if isinstance(driver, aiosqlite.Connection):
            # One round trip to the connection's thread instead of a cursor's three.
            await_only(driver.execute_fetchall(begin))
        else:
            connection.exec_driver_sql(begin)

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
        if state.terminate_only or not state.asyncio_safe:
            return  # being thrown away, or outside the event loop: nothing to do here
        driver = record.driver_connection
        if driver is None or driver.in_transaction:
            dbapi_connection.rollback()


def _reason(exc: BaseException, secret: str | None) -> str:
    """One line saying what the database or its driver said, never the password."""
    inner: BaseException = exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        inner = exc.orig
    message = str(inner).strip()
    # asyncpg errors adapted by SQLAlchemy read "<class 'asyncpg...Error'>: message".
    message = re.sub(r"^<class '[\w.]+'>:\s*", "", message)
    line = message.splitlines()[0].strip() if message else ""
    if not line:
        line = type(inner).__name__
    if secret:
        line = line.replace(secret, "***")
    return line


def _scrub_url(url: str) -> str:
    """``url`` with whatever sits between ``user:`` and ``@`` replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
