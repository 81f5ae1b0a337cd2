"""Each correspondence's latest activity, kept on its row, for the editor's list.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Adds the column ``correspondences.last_activity_at`` and two indexes on it (one
after ``state``), and fills it for every existing correspondence with the time of
its newest event, or its creation when it has none: what the editor's list
ordered by before, computed once here instead of for every correspondence on
every page view. From now on the repository raises it with every event it logs.
The column stays nullable because SQLite cannot add a NOT NULL column to a table
with rows without rebuilding it. Written with plain SQLAlchemy types, like 0001
to 0003, so that it keeps meaning the same schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "correspondences",
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
    )
    # Both databases order these timestamps the same way (SQLite keeps the UTC
    # wall time as text, which sorts like the time).
    op.execute(
        "UPDATE correspondences SET last_activity_at = COALESCE("
        "(SELECT max(events.at) FROM events"
        " WHERE events.correspondence_id = correspondences.id), created_at)"
    )
    op.create_index(
        "ix_correspondences_last_activity_at", "correspondences", ["last_activity_at", "id"]
    )
    op.create_index(
        "ix_correspondences_state_last_activity_at",
        "correspondences",
        ["state", "last_activity_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_correspondences_state_last_activity_at", table_name="correspondences")
    op.drop_index("ix_correspondences_last_activity_at", table_name="correspondences")
    op.drop_column("correspondences", "last_activity_at")
