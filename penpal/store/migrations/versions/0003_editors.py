"""The editors who may log in to the web page.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Adds one table and one index and touches no existing row. ``editors`` holds
each editor's address and name, an Argon2 hash of the password (empty until one
is set), the session epoch that a new password raises (ending older sessions),
and the count and time of failed logins that slow guessing down. The index on
``events (correspondence_id, at)`` makes each correspondence's latest activity
one seek, for the editor's list. Written with plain SQLAlchemy types, like 0001
and 0002, so that it keeps meaning the same schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "editors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_editors"),
        sa.UniqueConstraint("email", name="uq_editors_email"),
    )
    op.create_index("ix_events_correspondence_id_at", "events", ["correspondence_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_events_correspondence_id_at", table_name="events")
    op.drop_table("editors")
