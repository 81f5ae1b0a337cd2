"""The long-running process: intake, outbox, reminders and the editor's page, one TaskGroup.

``penpal serve`` runs :func:`serve`. Intake waits on the mailbox (IMAP IDLE, else
polling) and files what arrives; whatever it files that causes mail wakes the
outbox sender at once, so a letter is relayed within a second of its arrival;
the outbox is also looked at regularly for retries that have come due, and the
reminder clock ticks hourly; the editor's web page is served on ``web.bind``, and
what an editor does there that causes mail wakes the outbox too. Each loop
survives outages of the mailbox, the SMTP server and the database by itself.
This module wires edges to workflows; it must not hold any decision of its own
about mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.applications import Starlette

from penpal import workflows
from penpal.config import Settings, require_secret
from penpal.editor import create_app
from penpal.editor.server import serve_web
from penpal.errors import PenpalError
from penpal.intake import ImapMailbox, Mailbox, MaildirMailbox
from penpal.relay import SmtpSender
from penpal.store import Store
from penpal.templating import template_environment
from penpal.workflows.outgoing import Mailroom, MailSender, remind, send_due

log = logging.getLogger(__name__)

OUTBOX_INTERVAL = 10.0
"""Seconds between looks at the outbox when nothing wakes it (retries come due)."""

REMINDER_INTERVAL = 3600.0
"""Seconds between reminder checks."""


def system_clock() -> datetime:
    """The time now, in UTC."""
    return datetime.now(UTC)


def open_mailbox(settings: Settings, *, ssl_context: ssl.SSLContext | None = None) -> Mailbox:
    """The service mailbox the settings name: a Maildir folder or an IMAP account."""
    if settings.mailbox.source == "maildir":
        return MaildirMailbox(settings.mailbox.maildir)
    imap = settings.imap
    return ImapMailbox(
        host=imap.host,
        port=imap.port,
        security=imap.security,
        username=imap.username,
        password=require_secret(settings, "imap.password"),
        folder=imap.folder,
        processed_folder=imap.processed_folder or "",
        quarantine_folder=imap.quarantine_folder or "",
        idle=imap.idle,
        poll_interval=imap.poll_interval,
        ssl_context=ssl_context,
    )


def open_sender(settings: Settings, *, ssl_context: ssl.SSLContext | None = None) -> SmtpSender:
    """The SMTP server the settings name."""
    smtp = settings.smtp
    return SmtpSender(
        host=smtp.host,
        port=smtp.port,
        security=smtp.security,
        username=smtp.username,
        password=smtp.password or "",
        ssl_context=ssl_context,
    )


@dataclass(slots=True)
class Service:
    """The running parts of ``penpal serve`` and how they wake each other."""

    store: Store
    mailbox: Mailbox
    sender: MailSender
    room: Mailroom
    clock: workflows.Clock = system_clock
    outbox_interval: float = OUTBOX_INTERVAL
    reminder_interval: float = REMINDER_INTERVAL
    web: Starlette | None = None
    outbox_due: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def settings(self) -> Settings:
        """The settings the service runs with."""
        return self.room.settings

    async def run(self, stop: asyncio.Event) -> None:
        """Run intake, outbox, reminders (and the web page) until ``stop`` is set; end cleanly."""
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(self._intake(), name="intake"),
                group.create_task(self._outbox(), name="outbox"),
                group.create_task(self._reminders(), name="reminders"),
            ]
            if self.web is not None:
                web = self.settings.web
                tasks.append(group.create_task(serve_web(self.web, web.host, web.port), name="web"))
            await stop.wait()
            log.info("stopping")
            for task in tasks:
                task.cancel()

    async def _intake(self) -> None:
        await workflows.keep_ingesting(
            self.store,
            self.mailbox,
            settings=self.settings,
            clock=self.clock,
            on_report=self._after_intake,
            room=self.room,
        )

    def _after_intake(self, report: workflows.IntakeReport) -> None:
        if report.total:
            log.info("intake: %s", dict(report.counts))
            self.outbox_due.set()

    async def _outbox(self) -> None:
        while True:
            self.outbox_due.clear()
            try:
                report = await send_due(self.store, self.sender, self.room, clock=self.clock)
            except PenpalError as exc:
                log.warning("outbox: %s", exc)
            else:
                if report.total:
                    log.info("outbox: %s", dict(report.counts))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.outbox_interval):
                    await self.outbox_due.wait()

    async def _reminders(self) -> None:
        while True:
            try:
                if await remind(self.store, self.room, clock=self.clock):
                    self.outbox_due.set()
            except PenpalError as exc:
                log.warning("reminders: %s", exc)
            await asyncio.sleep(self.reminder_interval)


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run penpal until SIGINT or SIGTERM (or ``stop``), with the edges the settings name."""
    require_secret(settings, "service.secret")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    store = Store.connect(settings.service.database)
    mailbox = open_mailbox(settings)
    sender = open_sender(settings)
    try:
        await store.upgrade()
        room = Mailroom(settings, template_environment(settings.service.templates))
        service = Service(store=store, mailbox=mailbox, sender=sender, room=room)
        service.web = create_app(
            settings, store, env=room.env, clock=service.clock, on_mail=service.outbox_due.set
        )
        log.info("serving %s", settings.service.address)
        await service.run(stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await mailbox.close()
        await sender.close()
        await store.close()
