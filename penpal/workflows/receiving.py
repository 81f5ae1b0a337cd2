"""Receiving mail: store it, decide what it is, file it; from the mailbox or from files.

The order of calls is the guarantee: a raw message is stored and committed
before it is parsed, a mailbox message is marked only after the decision about
it is committed, and a message that was decided once is never decided again
(``resume`` decides what a crash left). This module must not open connections,
read configuration files or print; it is handed a store, a mailbox, settings and
a clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn

from penpal.config import Settings, require_secret
from penpal.conversations import Filed, assign, thread_keys
from penpal.errors import IntakeError, NotFound, StoreError
from penpal.intake import IncomingMessage, Mailbox
from penpal.letters import (
    CommandName,
    Correspondence,
    CorrespondenceId,
    LetterId,
    MessageKind,
    MessageRecordId,
    ParsedMessage,
    State,
)
from penpal.parsing import parse_message
from penpal.store import RawStatus, Repository, Store
from penpal.workflows.drafting import Clock, complete_in

log = logging.getLogger(__name__)

# What becomes of a message that is not a letter: an unreadable one waits in the
# quarantine with its reason; auto-replies and bounces are kept and visible.
_NOT_LETTERS = {
    MessageKind.UNREADABLE: RawStatus.QUARANTINED,
    MessageKind.AUTO_REPLY: RawStatus.AUTO_REPLY,
    MessageKind.BOUNCE: RawStatus.BOUNCE,
}


@dataclass(frozen=True, slots=True)
class Receipt:
    """What became of one incoming message."""

    record_id: MessageRecordId
    status: RawStatus
    correspondence_id: CorrespondenceId | None = None
    letter_id: LetterId | None = None
    reason: str = ""
    seen_before: bool = False


@dataclass(slots=True)
class IntakeReport:
    """How many messages one pass of intake or import handled, by outcome."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, receipt: Receipt) -> None:
        """Count one receipt under its outcome."""
        self.counts["seen_before" if receipt.seen_before else str(receipt.status)] += 1

    @property
    def total(self) -> int:
        """Messages handled in all."""
        return sum(self.counts.values())


async def receive(
    store: Store, raw: bytes, *, source: str, settings: Settings, clock: Clock
) -> Receipt:
    """Store one raw message, then decide what it is and file it.

    The raw bytes are committed before anything else, so that nothing that
    arrives is lost even if parsing or filing fails; a message whose bytes were
    stored and decided before is reported as seen and left alone.
    """
    async with store.unit() as repo:
        record = await repo.save_raw(raw, source=source, now=clock())
    if record.status is not RawStatus.NEW:
        return Receipt(record.id, record.status, seen_before=True)
    return await _decide(store, record.id, raw, settings=settings, clock=clock)


async def resume(store: Store, *, settings: Settings, clock: Clock) -> IntakeReport:
    """Decide the messages that were stored but not decided (after a crash)."""
    report = IntakeReport()
    async with store.unit() as repo:
        pending = await repo.unprocessed()
    for record in pending:
        async with store.unit() as repo:
            raw = await repo.raw(record.id)
        report.add(await _decide(store, record.id, raw, settings=settings, clock=clock))
    return report


async def _decide(
    store: Store, record_id: MessageRecordId, raw: bytes, *, settings: Settings, clock: Clock
) -> Receipt:
    parsed = parse_message(raw, max_bytes=settings.policy.max_message_bytes)
    now = clock()
    async with store.unit() as repo:
        status = _NOT_LETTERS.get(parsed.kind)
        if status is not None:
            return await _mark(repo, record_id, status, parsed, now=now, reason=parsed.reason)
        if parsed.message_id and await repo.message_id_known(parsed.message_id):
            return await _mark(
                repo,
                record_id,
                RawStatus.DUPLICATE,
                parsed,
                now=now,
                reason="already filed as a letter",
            )
        keys = thread_keys(
            parsed,
            service_address=settings.service.address,
            secret=require_secret(settings, "service.secret"),
        )
        by_token = await _find(repo, keys.token_id)
        referenced = await repo.correspondence_for_message_ids(keys.references)
        by_reference = await _find(repo, referenced)
        of_sender = await repo.correspondences_of(parsed.sender.email) if parsed.sender else []
        decision = assign(
            parsed, keys, by_token=by_token, by_reference=by_reference, of_sender=of_sender
        )
        if not isinstance(decision, Filed):
            log.info("message %s quarantined: %s", record_id, decision.reason)
            return await _mark(
                repo, record_id, RawStatus.QUARANTINED, parsed, now=now, reason=decision.reason
            )
        return await _file(repo, record_id, parsed, decision, settings=settings, now=now)


async def _find(repo: Repository, cid: CorrespondenceId | None) -> Correspondence | None:
    if cid is None:
        return None
    try:
        return await repo.get_correspondence(cid)
    except NotFound:
        return None


async def _mark(
    repo: Repository,
    record_id: MessageRecordId,
    status: RawStatus,
    parsed: ParsedMessage,
    *,
    now: datetime,
    reason: str,
    correspondence_id: CorrespondenceId | None = None,
) -> Receipt:
    await repo.mark_raw(
        record_id,
        status,
        reason=reason,
        correspondence_id=correspondence_id,
        parsed=parsed,
        now=now,
    )
    return Receipt(record_id, status, correspondence_id=correspondence_id, reason=reason)


async def _file(
    repo: Repository,
    record_id: MessageRecordId,
    parsed: ParsedMessage,
    filed: Filed,
    *,
    settings: Settings,
    now: datetime,
) -> Receipt:
    correspondence = filed.correspondence
    actor = filed.writer.email
    if parsed.kind is MessageKind.LETTER:
        if correspondence.state is not State.OPEN:
            reason = (
                f"correspondence {correspondence.id} is {correspondence.state}; "
                "it takes no more letters"
            )
            return await _mark(
                repo,
                record_id,
                RawStatus.QUARANTINED,
                parsed,
                now=now,
                reason=reason,
                correspondence_id=correspondence.id,
            )
        letter = await repo.file_letter(record_id, correspondence, filed.writer, parsed, now=now)
        log.info(
            "letter %s from %s filed under %s (via %s)",
            letter.id,
            actor,
            correspondence.id,
            filed.via,
        )
        receipt = Receipt(
            record_id, RawStatus.LETTER, correspondence_id=correspondence.id, letter_id=letter.id
        )
    else:
        receipt = await _mark(
            repo,
            record_id,
            RawStatus.COMMAND,
            parsed,
            now=now,
            reason="",
            correspondence_id=correspondence.id,
        )
    for command in parsed.extraction.commands:
        await repo.record_event(
            correspondence.id,
            "command",
            now=now,
            actor=actor,
            detail={"command": str(command.name), "word": command.word},
        )
        if command.name is CommandName.COMPLETE and correspondence.state is State.OPEN:
            await complete_in(repo, correspondence, settings=settings, now=now, actor=actor)
    return receipt


async def ingest_once(
    store: Store, mailbox: Mailbox, *, settings: Settings, clock: Clock
) -> IntakeReport:
    """One pass over the mailbox: receive what is new, then mark it in the mailbox.

    A message is marked only after its receipt is committed, so a crash in
    between makes the next pass see it again, and the store recognises it.
    """
    report = await resume(store, settings=settings, clock=clock)
    for message in await mailbox.fetch_new():
        receipt = await receive(
            store, message.raw, source=message.key, settings=settings, clock=clock
        )
        await mailbox.mark_processed(message, quarantined=receipt.status is RawStatus.QUARANTINED)
        report.add(receipt)
    return report


async def keep_ingesting(
    store: Store,
    mailbox: Mailbox,
    *,
    settings: Settings,
    clock: Clock,
    on_report: Callable[[IntakeReport], None],
    max_backoff: float = 300.0,
) -> NoReturn:
    """Ingest, wait for mail, ingest again, until cancelled.

    A mailbox or database that fails is tried again after a pause that doubles
    each time up to ``max_backoff`` seconds, and returns to one second once a pass
    succeeds: the operator never has to restart penpal after an outage.
    """
    delay = 1.0
    while True:
        try:
            on_report(await ingest_once(store, mailbox, settings=settings, clock=clock))
            delay = 1.0
            await mailbox.wait_for_mail(settings.imap.poll_interval)
        except (IntakeError, StoreError) as exc:
            log.warning("intake failed: %s; trying again in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_backoff)


async def import_messages(
    store: Store,
    messages: Iterable[IncomingMessage],
    *,
    settings: Settings,
    clock: Clock,
    progress: Callable[[Receipt], None] | None = None,
) -> IntakeReport:
    """Backfill from files: every message goes the same way as one from the mailbox."""
    report = IntakeReport()
    for message in messages:
        receipt = await receive(
            store, message.raw, source=message.key, settings=settings, clock=clock
        )
        report.add(receipt)
        if progress is not None:
            progress(receipt)
    return report
