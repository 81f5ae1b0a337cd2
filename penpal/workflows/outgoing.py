"""Outgoing mail: relays, invitations, reminders, confirmations and editor notices.

Every mail is composed by ``penpal.mailing`` and written to the outbox in the
same unit of work as the event that caused it, with its final Message-ID; the
outbox is then sent by :func:`send_due`, which retries what may pass and reports
what will not. Only a crash between the SMTP server's acceptance and the outbox
update can repeat a mail, under the same Message-ID. This module must not talk
SMTP itself (that is ``penpal.relay``, handed in as a :class:`MailSender`) nor
decide what a message is (that is ``receiving``).
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import jinja2

from penpal import mailing
from penpal.config import Settings, require_secret
from penpal.conversations import make_token, reply_address
from penpal.errors import NotFound, PermanentRelayError, RelayError
from penpal.letters import (
    Address,
    CommandName,
    Correspondence,
    CorrespondenceId,
    Letter,
    MailKind,
    OutgoingMail,
    ParsedMessage,
    Writer,
)
from penpal.relay import backoff
from penpal.store import OutboxEntry, Repository, Store
from penpal.workflows.clock import Clock

log = logging.getLogger(__name__)

NOTICE_PERIOD = timedelta(days=1)
"""At most one notice per sender and reason in this period."""


class MailSender(Protocol):
    """What sends a mail: ``penpal.relay.SmtpSender`` in production."""

    async def send(self, mail: OutgoingMail) -> None:
        """Hand ``mail`` to the SMTP server or raise a ``RelayError``."""


@dataclass(frozen=True, slots=True)
class Mailroom:
    """What every outgoing mail needs: the settings, the templates and penpal's identity."""

    settings: Settings
    env: jinja2.Environment

    @property
    def sender(self) -> mailing.Sender:
        """penpal as the author of its mails."""
        service = self.settings.service
        return mailing.Sender(address=service.address, name=service.name, language=service.language)

    @property
    def editors(self) -> list[Address]:
        """The editors who are told about completed drafts, quarantined and failed mail."""
        return [Address(e.email, e.name) for e in self.settings.editors]

    def token(self, correspondence_id: CorrespondenceId) -> str:
        """The signed reply token of a correspondence."""
        return make_token(correspondence_id, require_secret(self.settings, "service.secret"))

    def reply_to(self, correspondence_id: CorrespondenceId) -> str:
        """The address a writer replies to: the service address carrying the token."""
        return reply_address(self.settings.service.address, self.token(correspondence_id))

    def new_id(self, kind: MailKind, correspondence_id: CorrespondenceId | None = None) -> str:
        """A fresh Message-ID for a mail of ``kind``, carrying the token when there is one."""
        token = self.token(correspondence_id) if correspondence_id else ""
        return mailing.make_message_id(kind, secrets.token_hex(8), self.sender.domain, token)

    def is_editor(self, email: str) -> bool:
        """Whether ``email`` belongs to an editor."""
        return email.lower() in {e.email.lower() for e in self.settings.editors}

    def is_own(self, message: ParsedMessage) -> bool:
        """Whether a message is penpal's own mail come back (by its Message-ID or its sender)."""
        if message.message_id and mailing.is_own_message_id(message.message_id, self.sender.domain):
            return True
        return message.sender is not None and message.sender.email == self.sender.address.lower()


async def relay_letter(
    repo: Repository,
    room: Mailroom,
    correspondence: Correspondence,
    letter: Letter,
    message: ParsedMessage,
    *,
    now: datetime,
) -> OutgoingMail | None:
    """Queue the letter for the partner, unless the writer already addressed it to them.

    The relay answers the partner's own latest letter (else the invitation they
    got) and references the whole thread, so it lands in the partner's existing
    conversation in every mail program.
    """
    partner = correspondence.partner_of(letter.writer)
    if partner is None:
        return None
    visible = {a.email.lower() for a in message.recipients}
    if visible & partner.addresses:
        await repo.record_event(
            correspondence.id,
            "relay_skipped",
            now=now,
            actor="penpal",
            detail={"letter": letter.id, "reason": "the partner was already addressed"},
        )
        return None
    thread = await repo.thread_message_ids(correspondence.id)
    letters = await repo.letters(correspondence.id)
    partner_letters = [x.message_id for x in letters if x.writer.email == partner.email]
    answered = partner_letters[-1] if partner_letters else ""
    mail = mailing.relay_mail(
        letter,
        correspondence,
        partner,
        sender=room.sender,
        reply_to=room.reply_to(correspondence.id),
        message_id=room.new_id(MailKind.RELAY, correspondence.id),
        in_reply_to=answered or (thread[-2] if len(thread) > 1 else ""),
        references=[m for m in thread if m != letter.message_id],
        date=now,
        env=room.env,
        first=len(letters) == 1,
    )
    await repo.enqueue_mail(mail, now=now)
    await repo.record_event(
        correspondence.id,
        "relay",
        now=now,
        actor="penpal",
        detail={"letter": letter.id, "to": partner.email, "message_id": mail.message_id},
    )
    return mail


async def invite(
    repo: Repository,
    room: Mailroom,
    correspondence: Correspondence,
    *,
    now: datetime,
    only: Writer | None = None,
) -> list[OutgoingMail]:
    """Queue an invitation to each writer (or ``only`` one); the first writer named writes first."""
    mails = []
    first, second = correspondence.writers
    for writer, partner in ((first, second), (second, first)):
        if only is not None and writer.email != only.email:
            continue
        mail = mailing.invitation_mail(
            correspondence,
            writer,
            partner,
            sender=room.sender,
            reply_to=room.reply_to(correspondence.id),
            message_id=room.new_id(MailKind.INVITATION, correspondence.id),
            date=now,
            env=room.env,
            starts=writer is first,
        )
        await repo.enqueue_mail(mail, now=now)
        mails.append(mail)
    await repo.record_event(
        correspondence.id,
        "invited",
        now=now,
        actor="penpal",
        detail={"to": [mail.recipients[0] for mail in mails]},
    )
    return mails


async def confirm(
    repo: Repository,
    room: Mailroom,
    correspondence: Correspondence,
    recipient: Writer | Address,
    *,
    command: CommandName,
    in_reply_to: str,
    now: datetime,
    detail: str = "",
) -> OutgoingMail:
    """Queue the confirmation that a command given by mail was carried out."""
    mail = mailing.confirmation_mail(
        correspondence,
        recipient,
        command=command,
        sender=room.sender,
        message_id=room.new_id(MailKind.CONFIRMATION, correspondence.id),
        in_reply_to=in_reply_to,
        date=now,
        env=room.env,
        detail=detail,
    )
    await repo.enqueue_mail(mail, now=now)
    return mail


async def notify_editors(
    repo: Repository,
    room: Mailroom,
    key: str,
    context: Mapping[str, Any],
    *,
    now: datetime,
    correspondence_id: CorrespondenceId | None = None,
    once_per_day: str = "",
) -> OutgoingMail | None:
    """Queue a notice to the editors; with ``once_per_day``, at most one a day for that key."""
    editors = room.editors
    if not editors:
        log.warning("no editors configured: the %s notice goes to nobody", key)
        return None
    if once_per_day and not await repo.claim_notice(
        f"{key}:{once_per_day}", now=now, period=NOTICE_PERIOD
    ):
        return None
    mail = mailing.notification_mail(
        editors,
        subject_key=key,
        sender=room.sender,
        message_id=room.new_id(MailKind.NOTIFICATION, correspondence_id),
        date=now,
        env=room.env,
        context=context,
        correspondence_id=correspondence_id,
    )
    await repo.enqueue_mail(mail, now=now)
    return mail


@dataclass(slots=True)
class SendReport:
    """What one pass over the outbox did."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """Mails handled in all."""
        return sum(self.counts.values())


MAX_ATTEMPTS = 8
"""A mail still refused after this many tries (about two hours of backoff) has failed."""


async def send_due(
    store: Store,
    sender: MailSender,
    room: Mailroom,
    *,
    clock: Clock,
    lease: timedelta = timedelta(minutes=5),
) -> SendReport:
    """Send what is due in the outbox: once each, retrying what may pass, reporting what fails.

    A mail is claimed for ``lease`` before sending, so a second penpal process on
    the same database leaves it alone; the claim lapses if this process dies.
    """
    report = SendReport()
    while True:
        async with store.unit() as repo:
            due = await repo.claim_due_mail(now=clock(), lease=lease)
        if not due:
            return report
        for entry in due:
            report.counts[await _send_one(store, sender, room, entry, clock=clock)] += 1


async def _send_one(
    store: Store, sender: MailSender, room: Mailroom, entry: OutboxEntry, *, clock: Clock
) -> str:
    mail = OutgoingMail(
        message_id=entry.message_id,
        kind=entry.kind,
        sender=entry.sender,
        recipients=entry.recipients,
        raw=entry.raw,
        correspondence_id=entry.correspondence_id,
    )
    try:
        await sender.send(mail)
    except RelayError as exc:
        attempt = entry.attempts + 1
        final = isinstance(exc, PermanentRelayError) or attempt >= MAX_ATTEMPTS
        async with store.unit() as repo:
            now = clock()
            if not final:
                retry_at = now + timedelta(seconds=backoff(attempt))
                await repo.mark_retry(entry.id, now=now, next_attempt_at=retry_at, error=str(exc))
                log.warning("mail %s not sent (%s); retry at %s", entry.message_id, exc, retry_at)
                return "retry"
            await repo.mark_failed(entry.id, now=now, error=str(exc))
            log.error("mail %s failed: %s", entry.message_id, exc)
            await _report_failure(repo, room, entry, str(exc), now=now)
        return "failed"
    async with store.unit() as repo:
        await repo.mark_sent(entry.id, now=clock())
    return "sent"


async def _report_failure(
    repo: Repository, room: Mailroom, entry: OutboxEntry, error: str, *, now: datetime
) -> None:
    if entry.kind is MailKind.NOTIFICATION:
        # A notice about a failed notice would only fail the same way.
        return
    if entry.correspondence_id is not None:
        await repo.record_event(
            entry.correspondence_id,
            "mail_failed",
            now=now,
            actor="penpal",
            detail={"message_id": entry.message_id, "to": list(entry.recipients), "error": error},
        )
    await notify_editors(
        repo,
        room,
        "failed",
        {"to": ", ".join(entry.recipients), "mail_subject": str(entry.kind), "error": error},
        now=now,
        correspondence_id=entry.correspondence_id,
    )


async def remind(store: Store, room: Mailroom, *, clock: Clock) -> int:
    """Remind each writer whose turn it has been for ``policy.reminder_days``; once per period.

    Whose turn it is: the partner of the last letter's writer, or the first
    writer when nobody has written yet.
    """
    days = room.settings.policy.reminder_days
    if days <= 0:
        return 0
    sent = 0
    async with store.unit() as repo:
        correspondences = await repo.open_correspondences()
    for correspondence in correspondences:
        async with store.unit() as repo:
            sent += await _remind_one(repo, room, correspondence, days=days, now=clock())
    return sent


async def _remind_one(
    repo: Repository, room: Mailroom, correspondence: Correspondence, *, days: int, now: datetime
) -> int:
    try:
        last = await repo.last_letter(correspondence.id)
    except NotFound:
        return 0
    if last is None:
        writer, since, last_id = correspondence.writers[0], correspondence.created_at, 0
    else:
        partner = correspondence.partner_of(last.writer)
        if partner is None:
            return 0
        writer, since, last_id = partner, last.date, int(last.id)
    waited = (now - since).days
    if waited < days:
        return 0
    period = waited // days
    key = f"reminder:{correspondence.id}:{writer.email}:{last_id}:{period}"
    if not await repo.claim_notice(key, now=now, period=timedelta(days=days)):
        return 0
    partner = correspondence.partner_of(writer)
    if partner is None:
        return 0
    thread = await repo.thread_message_ids(correspondence.id)
    mail = mailing.reminder_mail(
        correspondence,
        writer,
        partner,
        sender=room.sender,
        reply_to=room.reply_to(correspondence.id),
        message_id=room.new_id(MailKind.REMINDER, correspondence.id),
        in_reply_to=thread[-1] if thread else "",
        references=thread,
        date=now,
        days=waited,
        env=room.env,
    )
    await repo.enqueue_mail(mail, now=now)
    await repo.record_event(
        correspondence.id, "reminder", now=now, actor="penpal", detail={"to": writer.email}
    )
    return 1


async def mail_changes(
    repo: Repository,
    room: Mailroom,
    correspondence: Correspondence,
    note: str,
    *,
    reopened: bool,
    now: datetime,
) -> list[OutgoingMail]:
    """Queue the editor's request for changes to both writers, in the exchange's thread."""
    thread = await repo.thread_message_ids(correspondence.id)
    mails = []
    for writer in correspondence.writers:
        mail = mailing.changes_mail(
            correspondence,
            writer,
            note=note,
            reopened=reopened,
            sender=room.sender,
            reply_to=room.reply_to(correspondence.id),
            message_id=room.new_id(MailKind.REVIEW, correspondence.id),
            in_reply_to=thread[-1] if thread else "",
            references=thread,
            date=now,
            env=room.env,
        )
        await repo.enqueue_mail(mail, now=now)
        mails.append(mail)
    return mails


async def request_consent(
    repo: Repository,
    room: Mailroom,
    correspondence: Correspondence,
    *,
    title: str,
    article_text: str,
    revision: int,
    changes: Mapping[str, Sequence[Mapping[str, str]]],
    now: datetime,
) -> list[OutgoingMail]:
    """Queue the approved text to each writer for their agreement.

    ``changes`` maps each writer's address to what the editor changed in their
    letters (see :func:`penpal.mailing.consent_mail`).
    """
    thread = await repo.thread_message_ids(correspondence.id)
    mails = []
    for writer in correspondence.writers:
        mail = mailing.consent_mail(
            correspondence,
            writer,
            article_text=article_text,
            title=title,
            revision=revision,
            changes=changes.get(writer.email, ()),
            sender=room.sender,
            reply_to=room.reply_to(correspondence.id),
            message_id=room.new_id(MailKind.REVIEW, correspondence.id),
            in_reply_to=thread[-1] if thread else "",
            references=thread,
            date=now,
            env=room.env,
        )
        await repo.enqueue_mail(mail, now=now)
        mails.append(mail)
    return mails
