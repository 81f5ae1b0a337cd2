"""The quarantine: letting a held-back message through as a letter, or discarding it.

Mail that intake could not place (an unknown sender, a forged token, a letter to
a correspondence that takes no more letters, an unreadable message) waits in the
quarantine with its reason. An editor decides: ``release`` files it as a letter
of the writer and correspondence the editor picks, and relays it like any
letter; ``discard`` sets it aside for good. Both are logged with who did it.
The raw bytes are kept either way. Commands found in a released message are not
carried out: the editor released a letter, not an instruction. This module must
not open connections, read configuration files or print.
"""

from __future__ import annotations

from penpal.config import Settings
from penpal.errors import WorkflowError
from penpal.letters import Letter, MessageKind, MessageRecordId, State
from penpal.parsing import parse_message
from penpal.store import MessageEntry, RawStatus, Repository, Store
from penpal.workflows.clock import Clock
from penpal.workflows.outgoing import Mailroom, relay_letter


async def release(
    store: Store,
    record_id: MessageRecordId,
    *,
    correspondence_id: str,
    writer_email: str,
    settings: Settings,
    clock: Clock,
    actor: str,
    room: Mailroom | None = None,
) -> Letter:
    """File a quarantined message as a letter of ``writer_email`` in an open correspondence.

    With a mailroom, the letter is relayed to the partner as if it had arrived
    that way (unless it was already addressed to them).

    Raises:
        NotFound: no such message or correspondence.
        WorkflowError: the message is not in the quarantine, cannot be read or
            holds no letter text, the writer is not one of the correspondence,
            the correspondence is not open, or a letter with the same
            Message-ID is filed already.
    """
    async with store.unit() as repo:
        entry = await _held(repo, record_id)
        correspondence = await repo.get_correspondence(correspondence_id)
        writer = correspondence.writer_for(writer_email.strip())
        if writer is None:
            raise WorkflowError(
                f"{writer_email.strip()} is not a writer of correspondence {correspondence.id}"
            )
        if correspondence.state is not State.OPEN:
            raise WorkflowError(
                f"correspondence {correspondence.id} is {correspondence.state}: reopen it "
                "(request changes and ask for more letters) before releasing a letter into it"
            )
        parsed = parse_message(
            await repo.raw(entry.id), max_bytes=settings.policy.max_message_bytes
        )
        if parsed.kind is MessageKind.UNREADABLE:
            raise WorkflowError(f"message {entry.id} cannot be read: {parsed.reason}")
        if not parsed.extraction.body.strip():
            raise WorkflowError(f"message {entry.id} holds no letter text to file")
        if parsed.message_id and await repo.message_id_known(parsed.message_id):
            raise WorkflowError(
                f"message {entry.id}: a letter with Message-ID <{parsed.message_id}> "
                "is filed already"
            )
        now = clock()
        letter = await repo.file_letter(entry.id, correspondence, writer, parsed, now=now)
        await repo.record_event(
            correspondence.id,
            "released",
            now=now,
            actor=actor,
            detail={
                "record_id": int(entry.id),
                "letter_id": int(letter.id),
                "writer": writer.email,
                "sender": entry.sender,
                "reason": entry.reason,
            },
        )
        if room is not None:
            await relay_letter(repo, room, correspondence, letter, parsed, now=now)
        return letter


async def discard(
    store: Store, record_id: MessageRecordId, *, clock: Clock, actor: str
) -> MessageEntry:
    """Set a quarantined message aside for good (its bytes stay stored) and log who did.

    Raises:
        NotFound: no such message.
        WorkflowError: the message is not in the quarantine.
    """
    async with store.unit() as repo:
        entry = await _held(repo, record_id)
        now = clock()
        # The reason it was held stays: it is why the editor discarded it.
        await repo.mark_raw(entry.id, RawStatus.DISCARDED, reason=entry.reason, now=now)
        await repo.record_event(
            entry.correspondence_id,
            "discarded",
            now=now,
            actor=actor,
            detail={"record_id": int(entry.id), "sender": entry.sender, "reason": entry.reason},
        )
        return await repo.message_entry(entry.id)


async def _held(repo: Repository, record_id: MessageRecordId) -> MessageEntry:
    entry = await repo.message_entry(record_id)
    if entry.status is not RawStatus.QUARANTINED:
        raise WorkflowError(f"message {record_id} is not in the quarantine (it is {entry.status})")
    return entry
