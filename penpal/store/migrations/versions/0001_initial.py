"""The initial schema: writers, correspondences, messages, letters, drafts, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Written with plain SQLAlchemy types, not the column types of ``tables.py``, so
that this revision keeps meaning the same schema when those change. Timestamps
are ``DateTime(timezone=True)`` and long text is ``Text``; ``tables.py`` layers
the UTC handling and text cleaning on top of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE_ID = sa.String(length=900)
_ID = sa.String(length=6)


def _when(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False)


def _refers(column: str, table: str, target: str, *, to: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{to}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "writers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        _text("name"),
        _text("label"),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_writers"),
        sa.UniqueConstraint("email", name="uq_writers_email"),
    )
    op.create_table(
        "correspondences",
        sa.Column("id", _ID, nullable=False),
        _text("topic"),
        _text("subject"),
        sa.Column("state", sa.String(length=32), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_correspondences"),
    )
    op.create_index("ix_correspondences_state", "correspondences", ["state"])
    op.create_table(
        "correspondence_writers",
        sa.Column("correspondence_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("writer_id", sa.Integer(), nullable=False),
        _refers("correspondence_id", "correspondence_writers", "correspondences"),
        _refers("writer_id", "correspondence_writers", "writers"),
        sa.PrimaryKeyConstraint("correspondence_id", "position", name="pk_correspondence_writers"),
        sa.UniqueConstraint(
            "correspondence_id",
            "writer_id",
            name="uq_correspondence_writers_correspondence_id_writer_id",
        ),
    )
    op.create_index("ix_correspondence_writers_writer_id", "correspondence_writers", ["writer_id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _text("source"),
        _when("received_at"),
        sa.Column("status", sa.String(length=32), nullable=False),
        _when("decided_at", nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        _text("reason"),
        sa.Column("message_id", _MESSAGE_ID, nullable=True),
        _text("sender"),
        _text("subject"),
        sa.Column("correspondence_id", _ID, nullable=True),
        _refers("correspondence_id", "messages", "correspondences"),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("sha256", name="uq_messages_sha256"),
    )
    op.create_index("ix_messages_status", "messages", ["status"])
    op.create_index("ix_messages_message_id", "messages", ["message_id"])
    op.create_index("ix_messages_correspondence_id", "messages", ["correspondence_id"])
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_record_id", sa.Integer(), nullable=False),
        sa.Column("correspondence_id", _ID, nullable=False),
        sa.Column("writer_id", sa.Integer(), nullable=False),
        sa.Column("message_id", _MESSAGE_ID, nullable=True),
        _when("date"),
        _when("filed_at"),
        _text("subject"),
        _text("text"),
        _text("body"),
        _text("salutation"),
        _text("closing"),
        sa.Column("private", sa.JSON(), nullable=False),
        sa.Column("commands", sa.JSON(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        _refers("message_record_id", "letters", "messages"),
        _refers("correspondence_id", "letters", "correspondences"),
        _refers("writer_id", "letters", "writers"),
        sa.PrimaryKeyConstraint("id", name="pk_letters"),
        sa.UniqueConstraint("message_record_id", name="uq_letters_message_record_id"),
        sa.UniqueConstraint("message_id", name="uq_letters_message_id"),
    )
    op.create_index("ix_letters_correspondence_id", "letters", ["correspondence_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("filename"),
        _text("content_type"),
        _text("content_id"),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _refers("letter_id", "attachments", "letters"),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.UniqueConstraint("letter_id", "position", name="uq_attachments_letter_id_position"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correspondence_id", _ID, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        _when("created_at"),
        _text("actor"),
        _refers("correspondence_id", "drafts", "correspondences"),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.UniqueConstraint(
            "correspondence_id", "revision", name="uq_drafts_correspondence_id_revision"
        ),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correspondence_id", _ID, nullable=True),
        _when("at"),
        _text("actor"),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _refers("correspondence_id", "events", "correspondences"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_correspondence_id", "events", ["correspondence_id"])
    op.create_table(
        "mailbox_state",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_mailbox_state"),
    )


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in (
        "mailbox_state",
        "events",
        "drafts",
        "attachments",
        "letters",
        "messages",
        "correspondence_writers",
        "correspondences",
        "writers",
    ):
        op.drop_table(table)
