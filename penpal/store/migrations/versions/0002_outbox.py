"""The outbox of mail penpal sends, and the notices it has given.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Adds two tables and touches no existing row. ``outbox`` holds every outgoing
mail with its final Message-ID, bytes, sending state and lease; ``notices``
records when a rate-limited notice was last given. ``messages.status`` gains the
value ``own`` (penpal's own mail that came back), which needs no change here: the
column is a plain string without a check constraint; the downgrade turns it
into ``discarded``, which 0001's code knows. Written with plain
SQLAlchemy types, like 0001, so that it keeps meaning the same schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=900), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("correspondence_id", sa.String(length=6), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["correspondence_id"],
            ["correspondences.id"],
            name="fk_outbox_correspondence_id_correspondences",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
    )
    op.create_index("ix_outbox_correspondence_id", "outbox", ["correspondence_id"])
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "notices",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_notices"),
    )


def downgrade() -> None:
    # Code at 0001 cannot read the status ``own``; its nearest meaning there is
    # "kept, not a letter, nothing to do".
    op.execute(sa.text("UPDATE messages SET status = 'discarded' WHERE status = 'own'"))
    # Dropping a table drops its indexes.
    op.drop_table("notices")
    op.drop_table("outbox")
