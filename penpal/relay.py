"""The sending edge: hands finished mail to an SMTP server (aiosmtplib) and says when to retry.

``SmtpSender.send`` delivers one ``OutgoingMail`` exactly as it was composed, its bytes and its
envelope, over implicit TLS, STARTTLS (never falling back to plain text when the server does not
offer it) or plain SMTP, and logs in when a username is configured. It keeps one connection open
and replaces it when it has gone stale or a send failed on it. Every failure leaves as a
``TransientRelayError`` (try again later: connection, timeout, TLS, a 4xx reply) or a
``PermanentRelayError`` (a 5xx reply, a refused recipient, a refused login), in one line naming
``host:port``, the step, the reply code and the server's text, never the password. ``backoff``
says how long to wait before the next attempt. This module is aiosmtplib's only home; it does not
compose mail, touch the database or decide what is sent when.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import AsyncIterator
from typing import Literal

import aiosmtplib

from penpal.errors import PermanentRelayError, TransientRelayError
from penpal.letters import OutgoingMail

__all__ = ["Security", "SmtpSender", "backoff"]

log = logging.getLogger(__name__)

Security = Literal["tls", "starttls", "none"]
SECURITIES: tuple[Security, ...] = ("tls", "starttls", "none")

_LINE_END = re.compile(rb"\r\n|\r|\n")
_CRLF = b"\r\n"
# What goes in MAIL FROM / RCPT TO: a bare address. aiosmtplib would quietly make something of
# anything else (``"a b"`` becomes ``<a>``), so anything else is refused before it is sent.
_ENVELOPE_ADDRESS = re.compile(r"[^\s<>@,;]+@[^\s<>@,;]+")


class SmtpSender:
    """Sends mail through one SMTP server, one mail at a time, over a connection it keeps open.

    Safe to share between tasks: sends queue up behind one another. ``close`` ends the
    connection politely; a later ``send`` opens a new one.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str = "",
        password: str = "",
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        if security not in SECURITIES:
            raise ValueError(f"SMTP security must be tls, starttls or none, not {security!r}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self._password = password
        self._ssl_context = ssl_context
        self.timeout = timeout
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"SmtpSender({self.host}:{self.port}, security={self.security!r})"

    async def send(self, mail: OutgoingMail) -> None:
        """Hand ``mail`` to the server for all its recipients, or raise saying why not.

        The bytes go out unchanged, so the Message-ID the outbox fixed is the one delivered.
        When any recipient is refused, the transaction is abandoned before DATA: the mail
        reaches either all its recipients or none of them.

        Raises:
            TransientRelayError: connection refused or lost, timeout, TLS failure, STARTTLS
                not offered, a 4xx reply (to RCPT TO too, e.g. greylisting: no DATA was
                sent, so trying again cannot make a duplicate).
            PermanentRelayError: a 5xx reply, any recipient refused with 5xx even when others
                were accepted, a refused login, an address the server cannot take.
        """
        if not mail.recipients:
            raise PermanentRelayError(self._line(f"mail {mail.message_id} has no recipients"))
        # The null sender (of bounces) is the one envelope address that may be empty.
        for address in ((mail.sender,) if mail.sender else ()) + mail.recipients:
            if not _ENVELOPE_ADDRESS.fullmatch(address):
                raise PermanentRelayError(
                    self._line(f"mail {mail.message_id}: not an envelope address: {address!r}")
                )
        async with self._lock:
            try:
                client = await self._connection()
                await self._transact(client, mail)
            except BaseException:
                # After a failure the session's state is unknown (half a transaction, or a
                # connection that is gone): the next send starts on a fresh one.
                self._drop()
                raise
        log.info(
            "sent %s (%s) to %d recipient(s) via %s:%d",
            mail.message_id,
            mail.kind.value,
            len(mail.recipients),
            self.host,
            self.port,
        )

    async def close(self) -> None:
        """Say QUIT and close the connection, if one is open; never raises for a dead one."""
        async with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            try:
                if client.is_connected:
                    async with asyncio.timeout(min(self.timeout, 5.0)):
                        await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                pass  # going away anyway; the server copes with a dropped connection
            finally:
                client.close()

    async def _connection(self) -> aiosmtplib.SMTP:
        """The open connection if it still answers, else a new one."""
        client = self._client
        if client is not None:
            if client.is_connected and await self._answers(client):
                return client
            # Servers drop idle connections (RFC 5321 allows after 5 minutes); that is no
            # failure of this send, so a stale connection is replaced without a word.
            log.debug("SMTP connection to %s:%d went stale; reconnecting", self.host, self.port)
            self._drop()
        self._client = await self._open()
        return self._client

    async def _answers(self, client: aiosmtplib.SMTP) -> bool:
        try:
            async with asyncio.timeout(self.timeout):
                await client.noop()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return False
        return True

    async def _open(self) -> aiosmtplib.SMTP:
        """Connect, secure the session as configured, and log in when a username is set."""
        context = self._ssl_context
        if context is None and self.security != "none":
            context = ssl.create_default_context()
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.security == "tls",
            # STARTTLS is done below, by hand, so a server that does not offer it is an
            # error rather than a silent fall back to plain text.
            start_tls=False,
            tls_context=context if self.security != "none" else None,
            timeout=self.timeout,
        )
        try:
            async with self._step("connect"):
                await client.connect()
            async with self._step("EHLO"):
                await client.ehlo()
            if self.security == "starttls":
                if not client.supports_extension("starttls"):
                    # Transient: the mail is not at fault, and a server that lost its TLS
                    # setup (or a network that strips STARTTLS) may be right again later.
                    raise TransientRelayError(
                        self._line("STARTTLS is required but the server does not offer it")
                    )
                async with self._step("STARTTLS"):
                    await client.starttls()
                async with self._step("EHLO"):
                    await client.ehlo()  # what the server said before TLS no longer counts
            if self.username:
                if not client.supports_extension("auth"):
                    raise PermanentRelayError(
                        self._line("a username is configured but the server offers no AUTH")
                    )
                async with self._step("login"):
                    await client.login(self.username, self._password)
        except BaseException:
            client.close()
            raise
        return client

    async def _transact(self, client: aiosmtplib.SMTP, mail: OutgoingMail) -> None:
        """MAIL FROM, RCPT TO for each recipient, and DATA only when every one was accepted."""
        options, encoding = self._mail_options(client, mail)
        async with self._step("MAIL FROM"):
            await client.mail(mail.sender, options=options, encoding=encoding)
        refused: list[aiosmtplib.SMTPRecipientRefused] = []
        for recipient in mail.recipients:
            async with self._step("RCPT TO"):
                try:
                    await client.rcpt(recipient, encoding=encoding)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused.append(exc)
        if refused:
            # Returning without DATA abandons the transaction (the caller drops the
            # connection): nobody gets the mail, so sending it again cannot make a duplicate.
            reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in refused)
            temporary = all(400 <= r.code < 500 for r in refused)
            error = TransientRelayError if temporary else PermanentRelayError
            raise error(self._line(f"RCPT TO refused {reasons}")) from refused[0]
        async with self._step("DATA"):
            await client.data(mail.raw)

    def _mail_options(self, client: aiosmtplib.SMTP, mail: OutgoingMail) -> tuple[list[str], str]:
        """MAIL FROM parameters and the encoding of the envelope addresses."""
        options: list[str] = []
        encoding = "ascii"
        if not all(address.isascii() for address in (mail.sender, *mail.recipients)):
            if not client.supports_extension("smtputf8"):
                raise PermanentRelayError(
                    self._line("the server takes no non-ASCII addresses (no SMTPUTF8)")
                )
            options.append("SMTPUTF8")
            encoding = "utf-8"
        if not mail.raw.isascii() and client.supports_extension("8bitmime"):
            options.append("BODY=8BITMIME")
        if client.supports_extension("size"):
            # Lets the server refuse a mail that is too large before it is transferred.
            options.append(f"SIZE={len(_LINE_END.sub(_CRLF, mail.raw))}")
        return options, encoding

    @contextlib.asynccontextmanager
    async def _step(self, step: str) -> AsyncIterator[None]:
        """Run one exchange with the server under the timeout; turn its failures into ours."""
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx is final; 4xx asks us to come back, and anything else is an answer that
            # fits no command, a confused session that a fresh one may not share.
            error = PermanentRelayError if 500 <= exc.code < 600 else TransientRelayError
            raise error(self._line(f"{step} refused: {exc.code} {exc.message}")) from exc
        except TimeoutError as exc:
            raise TransientRelayError(
                self._line(f"{step}: no answer within {self.timeout:g} s")
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection refused or lost, TLS handshake or certificate failures (before the
            # ValueError below: a certificate that fails verification is one of those too).
            raise TransientRelayError(self._line(f"{step} failed: {exc}")) from exc
        except ValueError as exc:  # pragma: no cover - send checks addresses before this
            # An address aiosmtplib will not put on the wire, should its checks outgrow ours.
            raise PermanentRelayError(self._line(f"{step}: {exc}")) from exc

    def _line(self, text: str) -> str:
        """One line naming the server; the password is masked should a server ever echo it."""
        line = " ".join(text.split())
        if self._password:
            line = line.replace(self._password, "***")
        return f"{self.host}:{self.port}: {line}"

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def backoff(attempt: int, *, base: float = 30.0, cap: float = 3600.0) -> float:
    """Seconds before retry number ``attempt`` (1, 2, …): ``base``, doubling, at most ``cap``.

    Deterministic on purpose, so the outbox can store when a mail is next due and tests can
    say exactly when; spreading retries out, if ever needed, is the caller's choice.

    Raises:
        ValueError: ``attempt`` below 1, ``base`` not positive or ``cap`` negative.
    """
    if attempt < 1:
        raise ValueError(f"retry attempts count from 1, not {attempt}")
    if base <= 0 or cap < 0:
        raise ValueError(f"backoff needs base > 0 and cap >= 0, not base={base} cap={cap}")
    # Far past the cap already; bounding the exponent keeps the float from overflowing.
    return min(cap, base * 2.0 ** min(attempt - 1, 64))
