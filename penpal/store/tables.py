"""The database tables, as SQLAlchemy declarative models.

The schema of penpal: writers, correspondences and who writes in them, every raw
message that arrived, the letters filed from them with their attachments, draft
revisions, the event log, the mailbox sync state, the outbox of mail penpal sends,
the notices it has given (for its rate limits) and the editors who may log in.
Column types normalise what the databases disagree on: timestamps go in and come
out as timezone-aware UTC (SQLite keeps no zone), and text loses the characters
PostgreSQL refuses. Rows
never leave the store package; the repository converts them into the frozen
types of ``penpal.letters``. Migrations, not ``create_all``, create these tables:
a change here needs a new revision under ``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MESSAGE_ID_MAX = 900
"""Longest Message-ID kept: a B-tree index entry in PostgreSQL must stay well under 2,700 bytes."""

CORRESPONDENCE_ID_LENGTH = 6

NOTICE_KEY_MAX = 255
"""Longest notice key kept as it is, in UTF-8 bytes; a longer one is stored as its digest."""


def clean_text(value: str) -> str:
    """``value`` without NUL characters and lone surrogates, which PostgreSQL and UTF-8 refuse.

    Letters are untrusted input; a stray NUL in a subject must not keep a message
    from being filed.
    """
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is timezone-aware UTC going in and coming out.

    PostgreSQL keeps the zone (``timestamptz``); SQLite stores the bare UTC wall
    time, so the zone is put back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: the store keeps aware UTC times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite's DATETIME format has no zone; store the UTC wall time so that
            # text comparison still orders correctly.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class SafeText(TypeDecorator[str]):
    """Unbounded text from untrusted input, cleaned of what the databases refuse."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value


class Base(DeclarativeBase):
    """Declarative base with constraint names fixed, so later migrations can alter them.

    SQLite's batch mode rebuilds tables and needs to find constraints by name.
    """

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class WriterRow(Base):
    """A person who writes letters, known by one address (lower-case) and maybe aliases."""

    __tablename__ = "writers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(SafeText, default="")
    label: Mapped[str] = mapped_column(SafeText, default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)


class CorrespondenceRow(Base):
    """A correspondence, named by its short id."""

    __tablename__ = "correspondences"
    # The editor's list shows a page of correspondences by latest activity: with
    # these it reads that page from an index instead of ordering them all.
    __table_args__ = (
        Index("ix_correspondences_last_activity_at", "last_activity_at", "id"),
        Index("ix_correspondences_state_last_activity_at", "state", "last_activity_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(CORRESPONDENCE_ID_LENGTH), primary_key=True)
    topic: Mapped[str] = mapped_column(SafeText)
    subject: Mapped[str] = mapped_column(SafeText, default="")
    state: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The newest event's time (the creation's at first). The repository keeps it
    # with every event it logs; nullable only because SQLite cannot add a NOT NULL
    # column to a table that has rows.
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    members: Mapped[list[MemberRow]] = relationship(
        lazy="raise", order_by="MemberRow.position", back_populates="correspondence"
    )


class MemberRow(Base):
    """A writer's place (0 or 1) in a correspondence."""

    __tablename__ = "correspondence_writers"
    __table_args__ = (UniqueConstraint("correspondence_id", "writer_id"),)

    correspondence_id: Mapped[str] = mapped_column(
        ForeignKey("correspondences.id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    writer_id: Mapped[int] = mapped_column(ForeignKey("writers.id"), index=True)
    correspondence: Mapped[CorrespondenceRow] = relationship(lazy="raise", back_populates="members")
    writer: Mapped[WriterRow] = relationship(lazy="raise")


class MessageRow(Base):
    """Every message that arrived, letter or not, with its raw bytes, kept forever."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Deferred so that listing messages never drags their bytes along.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    size: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(SafeText, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(SafeText, default="")
    message_id: Mapped[str | None] = mapped_column(
        String(MESSAGE_ID_MAX), nullable=True, index=True
    )
    sender: Mapped[str] = mapped_column(SafeText, default="")
    subject: Mapped[str] = mapped_column(SafeText, default="")
    correspondence_id: Mapped[str | None] = mapped_column(
        ForeignKey("correspondences.id"), nullable=True, index=True
    )


class LetterRow(Base):
    """A letter filed under a correspondence: what extraction kept of one message."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_record_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    correspondence_id: Mapped[str] = mapped_column(ForeignKey("correspondences.id"), index=True)
    writer_id: Mapped[int] = mapped_column(ForeignKey("writers.id"))
    message_id: Mapped[str | None] = mapped_column(
        String(MESSAGE_ID_MAX), nullable=True, unique=True
    )
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str] = mapped_column(SafeText, default="")
    text: Mapped[str] = mapped_column(SafeText)
    body: Mapped[str] = mapped_column(SafeText)
    salutation: Mapped[str] = mapped_column(SafeText, default="")
    closing: Mapped[str] = mapped_column(SafeText, default="")
    private: Mapped[list[str]] = mapped_column(JSON, default=list)
    commands: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    removed: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    writer: Mapped[WriterRow] = relationship(lazy="raise")
    attachments: Mapped[list[AttachmentRow]] = relationship(
        lazy="raise", order_by="AttachmentRow.position"
    )


class AttachmentRow(Base):
    """A file that came with a letter, bytes included."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("letter_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"))
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(SafeText, default="")
    content_type: Mapped[str] = mapped_column(SafeText, default="")
    content_id: Mapped[str] = mapped_column(SafeText, default="")
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DraftRow(Base):
    """One revision of an article draft, as the articles module's JSON-able dict."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("correspondence_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    correspondence_id: Mapped[str] = mapped_column(ForeignKey("correspondences.id"))
    revision: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(SafeText, default="")


class EventRow(Base):
    """One entry of the event log: who did what, when, to which correspondence."""

    __tablename__ = "events"
    # The latest activity of each correspondence (the editor's list) is one index seek.
    __table_args__ = (Index("ix_events_correspondence_id_at", "correspondence_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    correspondence_id: Mapped[str | None] = mapped_column(
        ForeignKey("correspondences.id"), nullable=True, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(SafeText, default="")
    kind: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MailboxStateRow(Base):
    """How far intake has read one mailbox folder (IMAP UIDVALIDITY and last UID)."""

    __tablename__ = "mailbox_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)


class OutboxRow(Base):
    """A mail penpal sends, with its final Message-ID and bytes, until it is sent or given up."""

    __tablename__ = "outbox"
    # Claiming looks for pending mail that is due.
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID_MAX), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(SafeText)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    correspondence_id: Mapped[str | None] = mapped_column(
        ForeignKey("correspondences.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A sender's lease: until then no other process takes this mail.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(SafeText, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Deferred so that listing the outbox never drags the messages along.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)


class NoticeRow(Base):
    """When penpal last gave the notice with this key (a sender and reason, a reminder…)."""

    __tablename__ = "notices"

    key: Mapped[str] = mapped_column(String(NOTICE_KEY_MAX), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class EditorRow(Base):
    """Someone who may log in to the editor's web page, with a slow hash of their password.

    ``password_hash`` is empty until a password is set (an editor from the
    configuration starts that way). ``session_epoch`` goes up with every new
    password, which ends every session signed for the old one. ``failed_logins``
    counts the failures since the last success, for slowing down guessing.
    """

    __tablename__ = "editors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(SafeText, default="")
    password_hash: Mapped[str] = mapped_column(Text, default="")
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
