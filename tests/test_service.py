"""End to end: two writers correspond through a running penpal service by ordinary email.

Real parts only: Dovecot holds every mailbox (IMAP, with LMTP delivery), an aiosmtpd
server accepts what penpal and the writers send and delivers it into Dovecot, and
the service runs its intake (IMAP IDLE), outbox and reminder loops in the test's
event loop. Writers are played by a small client that reads its inbox over IMAP and
replies through SMTP to the Reply-To address, quoting, as a mail program does.
"""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

import aiosmtplib
import pytest

from penpal import workflows
from penpal.config import EditorSettings, Settings, WriterSettings, default_settings
from penpal.intake import ImapMailbox
from penpal.letters import Correspondence, MailKind, State, Writer
from penpal.relay import SmtpSender
from penpal.service import Service
from penpal.store import OutboxStatus, RawStatus, Store
from penpal.templating import template_environment
from penpal.workflows.outgoing import Mailroom
from tests.fixtures.mail import Dovecot, SmtpServer

TOPIC = "Twijfel op het werk"


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    """Wait until ``check`` holds, looking every 50 ms; fail after ``within`` seconds."""
    async with asyncio.timeout(within):
        # The state looked at lives in Dovecot and the database: no event to wait on.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def parse(raw: bytes) -> EmailMessage:
    """A delivered message read back with the modern email API."""
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def plain_text(message: EmailMessage) -> str:
    """The text/plain body of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


@dataclass
class MailClient:
    """A writer's mail program: reads the inbox over IMAP, sends through SMTP."""

    dovecot: Dovecot
    smtp: SmtpServer
    user: str
    name: str

    @property
    def address(self) -> str:
        """The writer's address."""
        return self.dovecot.address(self.user)

    async def inbox(self) -> list[EmailMessage]:
        """Every message in the inbox, oldest first."""
        return [parse(m.raw) for m in await self.dovecot.messages(self.user)]

    async def wait_for(self, count: int) -> list[EmailMessage]:
        """Wait until the inbox holds ``count`` messages; returns them."""

        async def enough() -> bool:
            return len(await self.dovecot.messages(self.user)) >= count

        await eventually(enough)
        return await self.inbox()

    async def send(
        self,
        to: str,
        body: str,
        *,
        subject: str,
        in_reply_to: str = "",
        references: str = "",
        cc: str = "",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Send a message through the SMTP server; returns its Message-ID."""
        msg = EmailMessage()
        msg["From"] = f"{self.name} <{self.address}>"
        msg["To"] = to
        if cc:
            msg["Cc"] = cc
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.address.split("@")[1])
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
            msg["References"] = references or in_reply_to
        for key, value in (headers or {}).items():
            msg[key] = value
        msg.set_content(body)
        recipients = [a for _, a in getaddresses([to, cc]) if a]
        await aiosmtplib.send(
            msg,
            sender=self.address,
            recipients=recipients,
            hostname=self.smtp.host,
            port=self.smtp.port,
            start_tls=False,
        )
        return str(msg["Message-ID"])

    async def reply(self, original: EmailMessage, body: str) -> str:
        """Reply as a mail program does: to Reply-To, Re: subject, threading headers, quote."""
        to = str(original["Reply-To"] or original["From"])
        quoted = "\n".join(f"> {line}" for line in plain_text(original).splitlines())
        attribution = f"Op 20 nov. 2026 om 09:14 schreef {original['From']}:"
        subject = str(original["Subject"])
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        references = f"{original.get('References', '')} {original['Message-ID']}".strip()
        return await self.send(
            to,
            f"{body}\n\n{attribution}\n{quoted}\n",
            subject=subject,
            in_reply_to=str(original["Message-ID"]),
            references=references,
        )


@dataclass
class Stage:
    """Everything one scenario needs: the running service and the people around it."""

    service: Service
    store: Store
    settings: Settings
    room: Mailroom
    bram: MailClient
    anna: MailClient
    editor: MailClient
    smtp: SmtpServer
    correspondence: Correspondence


@pytest.fixture
async def stage(
    dovecot: Dovecot, smtp_server: SmtpServer, store: Store, tmp_path: Path
) -> AsyncIterator[Stage]:
    """A running service with a fresh correspondence between Bram and Anna, both invited."""
    bram = MailClient(dovecot, smtp_server, "writer1", "Bram Kuiper")
    anna = MailClient(dovecot, smtp_server, "writer2", "Anna Wit")
    editor = MailClient(dovecot, smtp_server, "editor", "Eva Redactie")
    settings = default_settings(
        tmp_path / "config.toml",
        service={
            "address": dovecot.address("penpal"),
            "name": "Penpal",
            "secret": "s" * 32,
            "language": "nl",
        },
        imap={
            "host": dovecot.host,
            "port": dovecot.imap_port,
            "security": "none",
            "username": "penpal",
            "password": dovecot.password("penpal"),
        },
        smtp={"host": smtp_server.host, "port": smtp_server.port, "security": "none"},
        editors=[EditorSettings(email=editor.address, name="Eva Redactie")],
        writers=[
            WriterSettings(name=bram.name, email=bram.address),
            WriterSettings(name=anna.name, email=anna.address),
        ],
    )
    room = Mailroom(settings, template_environment())
    mailbox = ImapMailbox(
        host=dovecot.host,
        port=dovecot.imap_port,
        security="none",
        username="penpal",
        password=dovecot.password("penpal"),
        idle=True,
        poll_interval=30.0,
    )
    sender = SmtpSender(host=smtp_server.host, port=smtp_server.port, security="none")
    service = Service(store=store, mailbox=mailbox, sender=sender, room=room, outbox_interval=0.2)
    correspondence = await workflows.start_correspondence(
        store,
        TOPIC,
        [Writer(bram.address, bram.name), Writer(anna.address, anna.name)],
        clock=lambda: datetime.now(UTC),
        actor="test",
        room=room,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(service.run(stop))
    try:
        yield Stage(service, store, settings, room, bram, anna, editor, smtp_server, correspondence)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)
        await mailbox.close()
        await sender.close()


async def test_six_letters_are_relayed_threaded_and_klaar_compiles(stage: Stage) -> None:
    """A full exchange: invitations, six relayed letters in one thread, #klaar, the editor told."""
    bram, anna = stage.bram, stage.anna
    invitation = (await bram.wait_for(1))[0]
    assert (await anna.wait_for(1))[0]["Auto-Submitted"] == "auto-generated"
    assert "+" in str(invitation["Reply-To"])

    last_to_bram: EmailMessage = invitation
    last_to_anna: EmailMessage = (await anna.inbox())[0]
    sent_ids: list[str] = []
    for turn in range(6):
        writer, reader = (bram, anna) if turn % 2 == 0 else (anna, bram)
        answering = last_to_bram if writer is bram else last_to_anna
        body = f"Beste lezer,\n\nDit is brief nummer {turn + 1}.\n\nGroet,\n{writer.name}"
        if turn == 5:
            body += "\n\n#klaar"
        sent_ids.append(await writer.reply(answering, body))
        # The reader's inbox: the invitation, then one relay for each of the partner's letters.
        inbox = await reader.wait_for(2 + turn // 2)
        relay = inbox[-1]
        assert relay["From"].addresses[0].display_name == f"{writer.name} via Penpal"
        assert relay["From"].addresses[0].addr_spec == stage.settings.service.address
        assert f"Dit is brief nummer {turn + 1}." in plain_text(relay)
        assert "schreef" not in plain_text(relay)
        assert relay["Auto-Submitted"] is None
        if turn > 0:
            # The relay answers the reader's own previous letter, so it threads under it.
            assert relay["In-Reply-To"] == sent_ids[turn - 1]
            assert sent_ids[turn - 1] in str(relay["References"])
        if reader is bram:
            last_to_bram = relay
        else:
            last_to_anna = relay

    editor_mail = (await stage.editor.wait_for(1))[0]
    assert editor_mail["Subject"]
    attachments = [p.get_filename() for p in editor_mail.iter_attachments()]
    assert any(name and name.endswith(".md") for name in attachments)
    confirmation = (await anna.wait_for(4))[-1]
    assert confirmation["In-Reply-To"] == sent_ids[5]
    async with stage.store.unit() as repo:
        correspondence = await repo.get_correspondence(stage.correspondence.id)
        letters = await repo.letters(correspondence.id)
        outbox = await repo.outbox()
    assert correspondence.state is State.COMPLETE
    assert len(letters) == 6
    assert {e.status for e in outbox} == {OutboxStatus.SENT}
    assert len({e.message_id for e in outbox}) == len(outbox)


async def test_reply_without_threading_headers_is_filed_by_subject(stage: Stage) -> None:
    """A new mail to the plain service address with the topic as subject is a letter, relayed."""
    await stage.bram.wait_for(1)
    await stage.bram.send(
        stage.settings.service.address,
        "Lieve Anna,\n\nZomaar een nieuwe mail.\n\nBram",
        subject=TOPIC,
    )
    inbox = await stage.anna.wait_for(2)
    assert "Zomaar een nieuwe mail." in plain_text(inbox[-1])


async def test_partner_in_cc_is_recorded_not_relayed(stage: Stage) -> None:
    """A letter already sent to the partner directly is filed but never sent to them twice."""
    await stage.anna.wait_for(1)
    await stage.bram.send(
        stage.anna.address,
        "Lieve Anna,\n\nDirect aan jou, penpal in cc.\n\nBram",
        subject=TOPIC,
        cc=stage.settings.service.address,
    )

    async def filed() -> bool:
        async with stage.store.unit() as repo:
            return len(await repo.letters(stage.correspondence.id)) == 1

    await eventually(filed)
    async with stage.store.unit() as repo:
        kinds = [e.kind for e in await repo.events(stage.correspondence.id)]
    assert "relay_skipped" in kinds
    assert len(await stage.anna.inbox()) == 2  # the invitation and Bram's own mail
    assert "relay" not in kinds


async def test_auto_reply_is_never_answered_or_relayed(stage: Stage) -> None:
    """An out-of-office reply to the invitation is kept, not relayed, not answered."""
    invitation = (await stage.bram.wait_for(1))[0]
    await stage.bram.send(
        str(invitation["Reply-To"]),
        "Ik ben afwezig tot maandag.",
        subject=f"Automatisch antwoord: {invitation['Subject']}",
        in_reply_to=str(invitation["Message-ID"]),
        headers={"Auto-Submitted": "auto-replied"},
    )

    async def kept() -> bool:
        async with stage.store.unit() as repo:
            return RawStatus.AUTO_REPLY in await repo.message_counts()

    await eventually(kept)
    stage.service.outbox_due.set()
    await asyncio.sleep(0.5)  # a wrong relay or answer would be delivered within this time
    assert len(await stage.anna.inbox()) == 1
    assert len(await stage.bram.inbox()) == 1


async def test_stranger_is_quarantined_and_the_editor_told_once(stage: Stage) -> None:
    """Two mails from a stranger: both held back, one notice to the editor."""
    stranger_address = "iemand@elders.example"
    for n in range(2):
        msg = EmailMessage()
        msg["From"] = stranger_address
        msg["To"] = stage.settings.service.address
        msg["Subject"] = f"Mag ik meedoen? {n}"
        msg["Message-ID"] = make_msgid(domain="elders.example")
        msg.set_content("Hallo!")
        await aiosmtplib.send(
            msg,
            sender=stranger_address,
            recipients=[stage.settings.service.address],
            hostname=stage.smtp.host,
            port=stage.smtp.port,
            start_tls=False,
        )

    async def both_held() -> bool:
        async with stage.store.unit() as repo:
            return len(await repo.quarantine()) == 2

    await eventually(both_held)
    await stage.editor.wait_for(1)
    await asyncio.sleep(0.5)  # a second notice would arrive within this time
    notices = [m for m in await stage.editor.inbox() if stranger_address in plain_text(m)]
    assert len(notices) == 1


async def test_451_is_retried_and_550_fails_and_is_reported(stage: Stage) -> None:
    """A temporary refusal is retried to delivery; a permanent one fails and the editor hears."""
    await stage.anna.wait_for(1)
    await stage.bram.wait_for(1)
    async with stage.store.unit() as repo:
        entry = (await repo.outbox())[0]
    assert entry.status is OutboxStatus.SENT
    # The writers' letters are put straight into the service mailbox, so that the only
    # mail through the SMTP server is penpal's relay: the one the refusals answer.
    stage.smtp.refusals.append("451 4.3.0 try again later")
    await stage.bram.dovecot.append("penpal", _letter(stage.bram, "Lieve Anna,\n\nEen.\n\nBram"))

    async def retried() -> bool:
        async with stage.store.unit() as repo:
            return any(e.attempts == 1 and e.last_error for e in await repo.outbox())

    await eventually(retried)
    async with stage.store.unit() as repo:
        relay = next(e for e in await repo.outbox() if e.last_error)
        assert "451" in relay.last_error
        # Bring the retry forward instead of waiting for the backoff.
        now = datetime.now(UTC)
        await repo.mark_retry(relay.id, now=now, next_attempt_at=now, error=relay.last_error)
    stage.service.outbox_due.set()
    inbox = await stage.anna.wait_for(2)
    assert "Een." in plain_text(inbox[-1])

    stage.smtp.refusals.append("550 5.7.1 not welcome")
    await stage.bram.dovecot.append("penpal", _letter(stage.anna, "Beste Bram,\n\nTwee.\n\nAnna"))
    editor_inbox = await stage.editor.wait_for(1)
    assert "550" in plain_text(editor_inbox[-1])
    async with stage.store.unit() as repo:
        failed = [e for e in await repo.outbox() if e.status is OutboxStatus.FAILED]
    assert len(failed) == 1
    assert failed[0].recipients == (stage.bram.address,)
    assert len(await stage.anna.inbox()) == 2


def _letter(writer: MailClient, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{writer.name} <{writer.address}>"
    msg["To"] = writer.dovecot.address("penpal")
    msg["Subject"] = f"Re: {TOPIC}"
    msg["Message-ID"] = make_msgid(domain="test.example")
    msg.set_content(body)
    return msg.as_bytes()


async def test_own_mail_coming_back_is_ignored(stage: Stage) -> None:
    """A copy of penpal's own invitation delivered to the service mailbox is not a letter."""
    invitation = (await stage.bram.wait_for(1))[0]
    await stage.bram.dovecot.append("penpal", invitation.as_bytes())

    async def seen() -> bool:
        async with stage.store.unit() as repo:
            return RawStatus.OWN in await repo.message_counts()

    await eventually(seen)
    await asyncio.sleep(0.5)
    async with stage.store.unit() as repo:
        assert await repo.letters(stage.correspondence.id) == []
        assert await repo.quarantine() == []


async def test_reminder_goes_to_the_writer_whose_turn_it_is(stage: Stage) -> None:
    """After reminder_days without a letter, the writer whose turn it is is reminded, once."""
    await stage.bram.wait_for(1)
    later = datetime.now(UTC) + timedelta(days=stage.settings.policy.reminder_days + 1)
    first = await workflows.outgoing.remind(stage.store, stage.room, clock=lambda: later)
    again = await workflows.outgoing.remind(stage.store, stage.room, clock=lambda: later)
    assert (first, again) == (1, 0)
    async with stage.store.unit() as repo:
        reminder = next(e for e in await repo.outbox() if e.kind is MailKind.REMINDER)
        assert reminder.recipients == (stage.bram.address,)
        # Queued at the test's future moment; due now, so the running service sends it.
        now = datetime.now(UTC)
        await repo.mark_retry(reminder.id, now=now, next_attempt_at=now, error="")
    stage.service.outbox_due.set()
    inbox = await stage.bram.wait_for(2)
    assert inbox[-1]["Auto-Submitted"] == "auto-generated"
    assert len(await stage.anna.inbox()) == 1


def _bounce(returned: bytes, recipient: str, service: str) -> bytes:
    """A delivery status notification as a mail server writes it, quoting the returned headers."""
    head = returned.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n")
    return b"\n".join(
        [
            b"From: Mail Delivery System <MAILER-DAEMON@mx.test.example>",
            f"To: {service}".encode(),
            b"Subject: Undelivered Mail Returned to Sender",
            b"Message-ID: <dsn.1@mx.test.example>",
            b"Auto-Submitted: auto-replied",
            b"MIME-Version: 1.0",
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
            b"",
            b"--b1",
            b"Content-Type: text/plain",
            b"",
            b"Your message could not be delivered: mailbox unavailable.",
            b"--b1",
            b"Content-Type: message/delivery-status",
            b"",
            b"Reporting-MTA: dns; mx.test.example",
            b"",
            f"Final-Recipient: rfc822; {recipient}".encode(),
            b"Action: failed",
            b"Status: 5.1.1",
            b"--b1",
            b"Content-Type: text/rfc822-headers",
            b"",
            head,
            b"--b1--",
            b"",
        ]
    )


async def test_bounce_is_filed_with_the_mail_it_returns(stage: Stage) -> None:
    """A bounce of an invitation lands on its correspondence and the editor is told once."""
    await stage.anna.wait_for(1)
    invitation = (await stage.anna.dovecot.messages("writer2"))[0].raw
    bounce = _bounce(invitation, stage.anna.address, stage.settings.service.address)
    await stage.anna.dovecot.append("penpal", bounce)

    async def filed() -> bool:
        async with stage.store.unit() as repo:
            events = await repo.events(stage.correspondence.id)
        return any(e.kind == "bounce" for e in events)

    await eventually(filed)
    notice = (await stage.editor.wait_for(1))[0]
    assert stage.anna.address in plain_text(notice)
    async with stage.store.unit() as repo:
        counts = await repo.message_counts()
    assert counts.get(RawStatus.BOUNCE) == 1


async def test_a_writer_starts_a_correspondence_by_mail(stage: Stage) -> None:
    """A known writer mails a new subject naming the partner; the partner is invited and relayed."""
    await stage.anna.wait_for(1)
    await stage.anna.send(
        stage.settings.service.address,
        f"Beste Bram ({stage.bram.address}),\n\nZullen we over rust schrijven?\n\nAnna",
        subject="Over rust",
    )
    inbox = await stage.bram.wait_for(3)
    subjects = [str(m["Subject"]) for m in inbox[1:]]
    assert all("Over rust" in subject for subject in subjects)
    assert "Zullen we over rust schrijven?" in plain_text(inbox[-1]) + plain_text(inbox[-2])
    async with stage.store.unit() as repo:
        started = [
            s.correspondence
            for s in await repo.list_correspondences()
            if s.correspondence.topic == "Over rust"
        ]
    assert len(started) == 1
    assert [w.email for w in started[0].writers] == [stage.anna.address, stage.bram.address]
    assert len(await stage.anna.inbox()) == 1  # the starter is not invited to what she began
