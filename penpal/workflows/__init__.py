"""Use cases as straight lines of calls, one module per part of the flow.

Each function ties the pure core (parsing, conversations, articles) to the
edges (store, intake) for one thing a user or the service does. Workflows are
handed a store, a mailbox, settings and a clock; they never open connections,
read configuration files or print.
"""

from penpal.workflows.clock import Clock
from penpal.workflows.drafting import (
    complete,
    current_draft,
    render_draft,
    start_correspondence,
)
from penpal.workflows.receiving import (
    IntakeReport,
    Receipt,
    import_messages,
    ingest_once,
    keep_ingesting,
    receive,
    resume,
)

__all__ = [
    "Clock",
    "IntakeReport",
    "Receipt",
    "complete",
    "current_draft",
    "import_messages",
    "ingest_once",
    "keep_ingesting",
    "receive",
    "render_draft",
    "resume",
    "start_correspondence",
]
