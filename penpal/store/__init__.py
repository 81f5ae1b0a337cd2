"""penpal's database: the only place that knows SQLAlchemy.

Callers use ``Store`` (connect, upgrade, units of work) and the ``Repository`` a
unit hands them; what comes back are the frozen types of ``penpal.letters`` and
the record types below (outbox entries among them), never rows or sessions.
Nothing here reads the clock or the configuration: the caller passes the
database URL and ``now``.
"""

from __future__ import annotations

from penpal.store.repository import (
    EditorAccount,
    EditorSession,
    Event,
    Listed,
    Listing,
    MessageEntry,
    OutboxEntry,
    OutboxStatus,
    QuarantineEntry,
    RawRecord,
    RawStatus,
    Repository,
    Store,
    alembic_config,
)

__all__ = [
    "EditorAccount",
    "EditorSession",
    "Event",
    "Listed",
    "Listing",
    "MessageEntry",
    "OutboxEntry",
    "OutboxStatus",
    "QuarantineEntry",
    "RawRecord",
    "RawStatus",
    "Repository",
    "Store",
    "alembic_config",
]
