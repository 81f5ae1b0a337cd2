"""Receiving mail: store it, decide what it is, file it; from the mailbox or from files.

The order of calls is the guarantee: a raw message is stored and committed
before it is parsed, a mailbox message is marked only after the decision about
it is committed, and a message that was decided once is never decided again
(``resume`` decides what a crash left). This module must not open connections,
read configuration files or print; it is handed a store, a mailbox, settings and
a clock, and a mailroom when it may write mail (the relay, confirmations and
notices); a backfill is handed none, since those letters were exchanged long ago.
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
from penpal.conversations import (
    Filed,
    NewCorrespondence,
    ThreadKeys,
    Unplaced,
    Via,
    assign,
    assign_editor,
    proposed_start,
    thread_keys,
)
from penpal.errors import IntakeError, NotFound, StoreError
from penpal.intake import IncomingMessage, Mailbox
from penpal.letters import (
    Address,
    Command,
    CommandName,
    Correspondence,
    CorrespondenceId,
    LetterId,
    MailKind,
    MessageKind,
    MessageRecordId,
    ParsedMessage,
    State,
    Writer,
)
from penpal.mailing import own_message_ids_in
from penpal.parsing import parse_message
from penpal.store import OutboxEntry, RawStatus, Repository, Store
from penpal.workflows.clock import Clock
from penpal.workflows.drafting import (
    approve_in,
    complete_in,
    record_consent_in,
    request_changes_in,
)
from penpal.workflows.outgoing import Mailroom, confirm, invite, notify_editors, relay_letter

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
    store: Store,
    raw: bytes,
    *,
    source: str,
    settings: Settings,
    clock: Clock,
    room: Mailroom | None = None,
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
    return await _decide(store, record.id, raw, settings=settings, clock=clock, room=room)


async def resume(
    store: Store, *, settings: Settings, clock: Clock, room: Mailroom | None = None
) -> IntakeReport:
    """Decide the messages that were stored but not decided (after a crash)."""
    report = IntakeReport()
    async with store.unit() as repo:
        pending = await repo.unprocessed()
    for record in pending:
        async with store.unit() as repo:
            raw = await repo.raw(record.id)
        report.add(await _decide(store, record.id, raw, settings=settings, clock=clock, room=room))
    return report


async def _decide(
    store: Store,
    record_id: MessageRecordId,
    raw: bytes,
    *,
    settings: Settings,
    clock: Clock,
    room: Mailroom | None,
) -> Receipt:
    parsed = parse_message(raw, max_bytes=settings.policy.max_message_bytes)
    now = clock()
    async with store.unit() as repo:
        if await _is_own(repo, room, parsed):
            # penpal's own mail come back (a loop, a copy to the service address):
            # never a letter, never answered.
            return await _mark(repo, record_id, RawStatus.OWN, parsed, now=now, reason="own mail")
        if room is not None and parsed.kind is MessageKind.BOUNCE:
            return await _bounced(repo, room, record_id, parsed, raw, now=now)
        status = _NOT_LETTERS.get(parsed.kind)
        if status is not None:
            receipt = await _mark(repo, record_id, status, parsed, now=now, reason=parsed.reason)
            if room is not None and status is RawStatus.QUARANTINED:
                await _tell_editors(repo, room, parsed, receipt, now=now)
            return receipt
        if parsed.message_id and await repo.message_id_known(parsed.message_id):
            return await _mark(
                repo,
                record_id,
                RawStatus.DUPLICATE,
                parsed,
                now=now,
                reason="already filed as a letter",
            )
        if settings.policy.require_authenticated_sender and not parsed.sender_authenticated:
            return await _quarantine(
                repo, record_id, parsed, _unauthenticated(parsed), room=room, now=now
            )
        keys = thread_keys(
            parsed,
            service_address=settings.service.address,
            secret=require_secret(settings, "service.secret"),
        )
        by_token = await _find(repo, keys.token_id)
        by_reference = await _find(repo, await repo.correspondence_for_message_ids(keys.references))
        sender = parsed.sender.email if parsed.sender else ""
        if (
            room is not None
            and parsed.sender
            and room.is_editor(sender)
            and parsed.extraction.commands
        ):
            return await _editor_commands(
                repo,
                record_id,
                parsed,
                keys,
                editor=parsed.sender,
                by_token=by_token,
                by_reference=by_reference,
                room=room,
                now=now,
            )
        of_sender = await repo.correspondences_of(sender) if sender else []
        decision = assign(
            parsed, keys, by_token=by_token, by_reference=by_reference, of_sender=of_sender
        )
        if not isinstance(decision, Filed):
            start = None
            if by_reference is None and parsed.kind is MessageKind.LETTER:
                start = proposed_start(
                    parsed,
                    keys,
                    known_writers=[w.to_writer() for w in settings.writers],
                    of_sender=of_sender,
                    service_address=settings.service.address,
                )
            if start is None:
                return await _quarantine(repo, record_id, parsed, decision, room=room, now=now)
            decision = await _start(repo, start, room=room, now=now)
        return await _file(repo, record_id, parsed, decision, settings=settings, room=room, now=now)


async def _start(
    repo: Repository, start: NewCorrespondence, *, room: Mailroom | None, now: datetime
) -> Filed:
    """Start the correspondence a writer's letter asks for; the partner is invited."""
    correspondence = await repo.create_correspondence(
        start.topic,
        [start.starter, start.partner],
        now=now,
        actor=start.starter.email,
        subject=start.topic,
    )
    log.info("correspondence %s started by mail", correspondence.id)
    if room is not None:
        await invite(repo, room, correspondence, now=now, only=start.partner)
    return Filed(correspondence, start.starter, Via.STARTED)


def _unauthenticated(parsed: ParsedMessage) -> Unplaced:
    domain = parsed.sender.email.rpartition("@")[2] if parsed.sender else "(no sender)"
    if parsed.sender_authenticated is None:
        return Unplaced(
            f"sender authentication is required and the mail from {domain} carries no "
            "Authentication-Results from the receiving server"
        )
    return Unplaced(
        f"sender authentication is required and no DMARC, DKIM or SPF result passed for {domain}"
    )


async def _is_own(repo: Repository, room: Mailroom | None, parsed: ParsedMessage) -> bool:
    if room is not None and room.is_own(parsed):
        return True
    return bool(parsed.message_id) and await repo.is_own_message(parsed.message_id)


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


async def _quarantine(
    repo: Repository,
    record_id: MessageRecordId,
    parsed: ParsedMessage,
    unplaced: Unplaced,
    *,
    room: Mailroom | None,
    now: datetime,
    correspondence_id: CorrespondenceId | None = None,
) -> Receipt:
    log.info("message %s quarantined: %s", record_id, unplaced.reason)
    receipt = await _mark(
        repo,
        record_id,
        RawStatus.QUARANTINED,
        parsed,
        now=now,
        reason=unplaced.reason,
        correspondence_id=correspondence_id,
    )
    if room is not None:
        await _tell_editors(repo, room, parsed, receipt, now=now)
    return receipt


async def _tell_editors(
    repo: Repository, room: Mailroom, parsed: ParsedMessage, receipt: Receipt, *, now: datetime
) -> None:
    """Tell the editors about held-back or bounced mail, once a day per sender and reason."""
    sender = parsed.sender.email if parsed.sender else "(no sender)"
    await notify_editors(
        repo,
        room,
        "quarantined",
        {
            "from_address": sender,
            "mail_subject": parsed.subject,
            "reason": receipt.reason or str(receipt.status),
            "quarantine_id": receipt.record_id,
        },
        now=now,
        correspondence_id=receipt.correspondence_id,
        once_per_day=f"{receipt.status}:{sender}",
    )


async def _bounced(
    repo: Repository,
    room: Mailroom,
    record_id: MessageRecordId,
    parsed: ParsedMessage,
    raw: bytes,
    *,
    now: datetime,
) -> Receipt:
    """A bounce is filed with the mail of penpal's it returns, and the editors are told."""
    returned: OutboxEntry | None = None
    for message_id in own_message_ids_in(raw.decode("latin-1"), room.sender.domain):
        try:
            returned = await repo.outbox_entry(message_id)
        except NotFound:
            continue
        break
    cid = returned.correspondence_id if returned else None
    receipt = await _mark(
        repo,
        record_id,
        RawStatus.BOUNCE,
        parsed,
        now=now,
        reason=parsed.reason,
        correspondence_id=cid,
    )
    if returned is None:
        await _tell_editors(repo, room, parsed, receipt, now=now)
        return receipt
    if cid is not None:
        await repo.record_event(
            cid,
            "bounce",
            now=now,
            actor="penpal",
            detail={
                "message_id": returned.message_id,
                "to": list(returned.recipients),
                "reason": parsed.reason,
            },
        )
    if returned.kind is not MailKind.NOTIFICATION:
        await notify_editors(
            repo,
            room,
            "failed",
            {
                "to": ", ".join(returned.recipients),
                "mail_subject": str(returned.kind),
                "error": parsed.reason or "the mail came back undelivered",
            },
            now=now,
            correspondence_id=cid,
            once_per_day=f"bounce:{returned.message_id}",
        )
    return receipt


async def _file(
    repo: Repository,
    record_id: MessageRecordId,
    parsed: ParsedMessage,
    filed: Filed,
    *,
    settings: Settings,
    room: Mailroom | None,
    now: datetime,
) -> Receipt:
    correspondence = filed.correspondence
    if parsed.kind is MessageKind.LETTER:
        if correspondence.state is not State.OPEN:
            reason = (
                f"correspondence {correspondence.id} is {correspondence.state}; "
                "it takes no more letters"
            )
            return await _quarantine(
                repo,
                record_id,
                parsed,
                Unplaced(reason),
                room=room,
                now=now,
                correspondence_id=correspondence.id,
            )
        letter = await repo.file_letter(record_id, correspondence, filed.writer, parsed, now=now)
        log.info("letter %s filed under %s (via %s)", letter.id, correspondence.id, filed.via)
        if room is not None:
            await relay_letter(repo, room, correspondence, letter, parsed, now=now)
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
    await _carry_out(
        repo, correspondence, filed.writer, parsed, settings=settings, room=room, now=now
    )
    return receipt


async def _editor_commands(
    repo: Repository,
    record_id: MessageRecordId,
    parsed: ParsedMessage,
    keys: ThreadKeys,
    *,
    editor: Address,
    by_token: Correspondence | None,
    by_reference: Correspondence | None,
    room: Mailroom,
    now: datetime,
) -> Receipt:
    target = assign_editor(keys, by_token=by_token, by_reference=by_reference)
    if isinstance(target, Unplaced):
        return await _quarantine(repo, record_id, parsed, target, room=room, now=now)
    receipt = await _mark(
        repo, record_id, RawStatus.COMMAND, parsed, now=now, reason="", correspondence_id=target.id
    )
    await _carry_out(repo, target, editor, parsed, settings=room.settings, room=room, now=now)
    return receipt


async def _carry_out(
    repo: Repository,
    correspondence: Correspondence,
    author: Writer | Address,
    parsed: ParsedMessage,
    *,
    settings: Settings,
    room: Mailroom | None,
    now: datetime,
) -> None:
    """Record each command of a message and do what it asks, confirming it by mail."""
    for command in parsed.extraction.commands:
        await repo.record_event(
            correspondence.id,
            "command",
            now=now,
            actor=author.email,
            detail={"command": str(command.name), "word": command.word},
        )
        done = await _command(
            repo, correspondence, author, command, settings=settings, room=room, now=now
        )
        if done and room is not None:
            await confirm(
                repo,
                room,
                correspondence,
                author,
                command=command.name,
                in_reply_to=parsed.message_id,
                now=now,
            )


async def _command(
    repo: Repository,
    correspondence: Correspondence,
    author: Writer | Address,
    command: Command,
    *,
    settings: Settings,
    room: Mailroom | None,
    now: datetime,
) -> bool:
    """Carry out one command; False when it does not apply (and so is not confirmed).

    Writers complete and agree; editors (who arrive as an ``Address``) complete,
    approve and ask for changes, the note being what follows the command word.
    """
    current = await repo.get_correspondence(correspondence.id)
    editor = not isinstance(author, Writer)
    if command.name is CommandName.COMPLETE:
        if current.state is not State.OPEN:
            return False
        await complete_in(repo, current, settings=settings, now=now, actor=author.email, room=room)
        return True
    if command.name is CommandName.AGREE and isinstance(author, Writer):
        return await record_consent_in(repo, current, author, now=now, room=room)
    if command.name is CommandName.APPROVE and editor:
        if current.state not in (State.COMPLETE, State.IN_REVIEW, State.CHANGES_REQUESTED):
            return False
        await approve_in(repo, current, settings=settings, now=now, actor=author.email, room=room)
        return True
    if command.name is CommandName.CHANGES and editor:
        allowed = (State.COMPLETE, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED)
        if current.state not in allowed:
            return False
        # A bare #changes still reaches the writers with a sentence they can act on.
        note = command.argument.strip() or (
            "De redactie vraagt om wijzigingen; ze neemt contact met jullie op."
            if settings.service.language == "nl"
            else "The editors ask for changes and will be in touch."
        )
        await request_changes_in(repo, current, note, now=now, actor=author.email, room=room)
        return True
    return False


async def ingest_once(
    store: Store,
    mailbox: Mailbox,
    *,
    settings: Settings,
    clock: Clock,
    room: Mailroom | None = None,
) -> IntakeReport:
    """One pass over the mailbox: receive what is new, then mark it in the mailbox.

    A message is marked only after its receipt is committed, so a crash in
    between makes the next pass see it again, and the store recognises it.
    """
    report = await resume(store, settings=settings, clock=clock, room=room)
    for message in await mailbox.fetch_new():
        receipt = await receive(
            store, message.raw, source=message.key, settings=settings, clock=clock, room=room
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
    room: Mailroom | None = None,
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
            on_report(await ingest_once(store, mailbox, settings=settings, clock=clock, room=room))
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
    """Backfill from files: every message goes the way one from the mailbox goes.

    Nothing is relayed or confirmed: these letters were exchanged long ago.
    """
    report = IntakeReport()
    for message in messages:
        receipt = await receive(
            store, message.raw, source=message.key, settings=settings, clock=clock
        )
        report.add(receipt)
        if progress is not None:
            progress(receipt)
    return report
