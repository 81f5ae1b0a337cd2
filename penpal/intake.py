"""The mailbox edge: reads incoming mail from IMAP (aioimaplib) or a Maildir, and message files.

A ``Mailbox`` hands out what has not been marked processed yet and marks a message only when
its caller says so, after the caller's database commit, so mail is read at least once and never
lost: nothing is deleted or expunged from the watched folder before ``mark_processed``, and
reading never sets ``\\Seen`` (an editor reading the mailbox in a mail program must not hide
letters from penpal). ``read_paths`` feeds ``penpal import`` from ``.eml`` files, mbox files and
Maildir folders. This module is aioimaplib's only home: nothing past it sees IMAP response
lines, and every failure leaves it as an ``IntakeError`` naming ``host:port`` or the path
(never a password). It does not parse messages, decide what they are, or touch the database.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import os
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import aioimaplib

from penpal.errors import IntakeError

__all__ = [
    "IMAP_DONE_KEYWORD",
    "IMAP_QUARANTINE_KEYWORD",
    "ImapMailbox",
    "IncomingMessage",
    "Mailbox",
    "MaildirMailbox",
    "count_paths",
    "read_paths",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

Security = Literal["tls", "starttls", "none"]

#: The keyword penpal sets on a message once it is safely stored.
IMAP_DONE_KEYWORD = "$PenpalDone"
#: Set as well when the message went to quarantine, so a person can see it in a mail program.
IMAP_QUARANTINE_KEYWORD = "$PenpalQuarantined"
#: UIDs per FETCH: aioimaplib's cost grows with the square of a response's line count.
FETCH_CHUNK = 50
#: Servers may drop an IDLE after 30 minutes (RFC 2177): renew it well before.
IDLE_RENEW_SECONDS = 25 * 60.0

#: Maildir info flags are single letters: ``S`` is seen, and penpal adds its own marker, an
#: uppercase letter no standard gives a meaning, so a letter a person has read (``S`` only) is
#: still picked up. Dovecot keeps unknown uppercase letters when it rewrites flags.
MAILDIR_MARKER = "Z"


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message as it came from its source, with a key stable within that source."""

    key: str
    raw: bytes


class Mailbox(Protocol):
    """Where letters arrive: hands out unprocessed messages and marks them once stored."""

    async def fetch_new(self) -> list[IncomingMessage]:
        """Every message not yet marked processed, oldest first."""
        ...

    async def mark_processed(self, message: IncomingMessage, *, quarantined: bool = False) -> None:
        """Mark a message as handled; call only after the database commit that keeps it."""
        ...

    # The timeout is the contract itself here (how long a caller will wait), not a
    # substitute for asyncio.timeout around a call.
    async def wait_for_mail(self, timeout: float) -> None:  # noqa: ASYNC109
        """Return when new mail may have arrived, or after ``timeout`` seconds at most."""
        ...

    async def close(self) -> None:
        """Release the connection or files; the mailbox may be used again afterwards."""
        ...


# --- IMAP ---------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """An IMAP quoted string (RFC 3501 section 9)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _folder_name(name: str) -> str:
    """A folder name as an IMAP argument: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=")
            out.append("&" + encoded.replace(b"/", b",").decode("ascii") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return _quote("".join(out))


def _uid_set(uids: Sequence[int]) -> str:
    """``1,2,3,7`` → ``1:3,7``: short commands for long runs of UIDs."""
    parts: list[str] = []
    start = previous = uids[0]
    for uid in uids[1:]:
        if uid == previous + 1:
            previous = uid
            continue
        parts.append(f"{start}:{previous}" if previous != start else str(start))
        start = previous = uid
    parts.append(f"{start}:{previous}" if previous != start else str(start))
    return ",".join(parts)


_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_PERMANENTFLAGS = re.compile(rb"\[PERMANENTFLAGS \(([^)]*)\)\]")
_FETCH_START = re.compile(rb"^\d+ FETCH \(")
_FETCH_UID = re.compile(rb"[( ]UID (\d+)")
_FETCH_BODY = re.compile(rb"BODY\[\] \{\d+\}$")


def _text(response: Any) -> str:
    """The human part of a tagged response, for error messages."""
    lines = [line for line in response.lines if isinstance(line, bytes)]
    return lines[-1].decode("utf-8", "replace").strip() if lines else response.result


def _parse_search(response: Any) -> list[int]:
    uids: list[int] = []
    for line in response.lines[:-1]:
        if isinstance(line, bytes):
            uids.extend(int(word) for word in line.split() if word.isdigit())
    return sorted(set(uids))


def _parse_fetch(lines: Sequence[bytes | bytearray]) -> dict[int, bytes]:
    """``UID FETCH … (UID BODY.PEEK[])`` response lines → ``{uid: raw}``.

    aioimaplib gives each message as the line that opens it (ending in the literal's size),
    the literal as a ``bytearray``, and the rest of the line after it; the UID may sit before
    or after the literal.
    """
    found: dict[int, bytes] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if isinstance(line, bytearray) or not _FETCH_START.match(line):
            continue
        head = bytes(line)
        raw: bytes | None = None
        if _FETCH_BODY.search(head) and index < len(lines) and isinstance(lines[index], bytearray):
            raw = bytes(lines[index])
            index += 1
            if index < len(lines) and not isinstance(lines[index], bytearray):
                tail = lines[index]
                if not _FETCH_START.match(tail):
                    head += b" " + bytes(tail)
                    index += 1
        uid = _FETCH_UID.search(head)
        if uid is not None and raw is not None:
            found[int(uid.group(1))] = raw
    return found


def _consume(task: asyncio.Future[Any]) -> None:
    # A call abandoned on a timeout or lost connection may still end in an error later;
    # retrieving it keeps asyncio from reporting an exception nobody looked at.
    if not task.cancelled():
        task.exception()


class ImapMailbox:
    """A folder on an IMAP server, read with aioimaplib.

    New messages are those without the ``$PenpalDone`` keyword (``UID SEARCH UNKEYWORD``),
    fetched with ``BODY.PEEK[]`` in chunks of 50 UIDs. ``mark_processed`` sets the keyword and
    then, when a processed (or quarantine) folder is configured, moves the message there with
    ``UID MOVE`` (or ``COPY`` + ``\\Deleted`` + ``UID EXPUNGE`` of that one UID). On a server
    that allows no keywords a processed folder is required, and then moving is the mark.

    One task at a time may use a mailbox; every server call has a timeout, and a broken
    connection is dropped and opened again by the next call.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: Security,
        username: str,
        password: str,
        folder: str = "INBOX",
        processed_folder: str = "",
        quarantine_folder: str = "",
        idle: bool = True,
        poll_interval: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        if security not in ("tls", "starttls", "none"):
            raise ValueError(f"security must be 'tls', 'starttls' or 'none', not {security!r}")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.folder = folder
        self.processed_folder = processed_folder
        self.quarantine_folder = quarantine_folder
        self.idle = idle
        self.poll_interval = poll_interval
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._client: Any = None
        self._lost: asyncio.Future[None] | None = None
        self._uidvalidity = 0
        self._keywords = True
        self._created: set[str] = set()
        self._newest_uid = 0
        self._lock = asyncio.Lock()
        self._idling = False

    def __repr__(self) -> str:
        return f"ImapMailbox({self._where}, user={self.username!r}, folder={self.folder!r})"

    @property
    def idling(self) -> bool:
        """Whether an IDLE is running now (for status pages, and tests that wait for it)."""
        return self._idling

    @property
    def _where(self) -> str:
        return f"IMAP {self.host}:{self.port}"

    def _fail(self, message: str) -> IntakeError:
        text = f"{self._where}: {message}"
        # Belt and braces: no message is built from the password, but a server's or the
        # library's text might echo it. (Too short a password would mangle the text.)
        if len(self._password) >= 4:
            text = text.replace(self._password, "***")
        return IntakeError(text)

    # -- connection ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open, log in and select the folder (done by the other calls when needed)."""
        async with self._lock:
            await self._ensure_connected()

    async def _ensure_connected(self) -> None:
        if self._client is not None and self._lost is not None and not self._lost.done():
            return
        self._drop()
        try:
            await self._open()
        except BaseException:
            self._drop()
            raise

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        lost: asyncio.Future[None] = loop.create_future()
        self._lost = lost

        def on_lost(_exc: Exception | None) -> None:
            if not lost.done():
                lost.set_result(None)

        context: ssl.SSLContext | None = None
        if self.security == "tls":
            context = self._ssl_context or ssl.create_default_context()
        # The library's own per-command timer backs up ours; ours covers the whole call.
        self._client = aioimaplib.IMAP4(
            host=self.host,
            port=self.port,
            timeout=self.timeout,
            conn_lost_cb=on_lost,
            ssl_context=context,
        )
        await self._call("connect", self._client.wait_hello_from_server())
        if self.security == "starttls":
            await self._starttls()
        if "LOGINDISABLED" in self._client.protocol.capabilities:
            raise self._fail(
                "the server refuses to log in without encryption; use security 'tls' or 'starttls'"
            )
        response = await self._call(
            "LOGIN", self._client.login(_quote(self.username), self._password)
        )
        if response.result != "OK":
            raise self._fail(f"login as {self.username!r} refused: {_text(response)}")
        # LOGIN's answer carries capabilities in a form aioimaplib mangles; ask afresh.
        await self._call("CAPABILITY", self._client.protocol.capability())
        await self._select()
        log.debug("connected to %s as %s", self._where, self.username)

    async def _starttls(self) -> None:
        """Upgrade the plain connection (RFC 3501 6.2.1); aioimaplib 2.0 has no call for it."""
        protocol = self._client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise self._fail("the server does not offer STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        response = await self._call("STARTTLS", protocol.execute(command))
        if response.result != "OK":
            raise self._fail(f"STARTTLS refused: {_text(response)}")
        context = self._ssl_context or ssl.create_default_context()
        loop = asyncio.get_running_loop()
        protocol.transport = await self._call(
            "TLS handshake",
            loop.start_tls(protocol.transport, protocol, context, server_hostname=self.host),
        )
        # Capabilities learnt before TLS cannot be trusted (RFC 3501 6.2.1).
        await self._call("CAPABILITY", protocol.capability())

    async def _select(self) -> None:
        response = await self._call("SELECT", self._client.select(_folder_name(self.folder)))
        if response.result != "OK":
            raise self._fail(f"cannot open folder {self.folder!r}: {_text(response)}")
        lines = b"\n".join(line for line in response.lines if isinstance(line, bytes))
        validity = _UIDVALIDITY.search(lines)
        if validity is None:
            raise self._fail(f"the server gave no UIDVALIDITY for {self.folder!r}")
        if int(validity.group(1)) != self._uidvalidity:
            self._newest_uid = 0
        self._uidvalidity = int(validity.group(1))
        permanent = _PERMANENTFLAGS.search(lines)
        # Without PERMANENTFLAGS a server says nothing about keywords; try them then.
        self._keywords = permanent is None or b"\\*" in permanent.group(1).split()
        if not self._keywords and not self.processed_folder:
            raise self._fail(
                f"folder {self.folder!r} does not keep keywords; configure a processed folder"
            )

    def _drop(self) -> None:
        """Forget the connection at once, closing its socket (no LOGOUT)."""
        client, self._client = self._client, None
        self._lost = None
        if client is None:
            return
        with contextlib.suppress(Exception):
            if client._idle_waiter is not None:
                client._idle_waiter.cancel()
        connecting = client._client_task
        if not connecting.done():
            connecting.cancel()
        connecting.add_done_callback(_consume)
        transport = client.protocol.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    async def close(self) -> None:
        """Log out politely (briefly) and close the connection."""
        async with self._lock:
            client = self._client
            if client is None:
                return
            if self._lost is not None and not self._lost.done():
                with contextlib.suppress(IntakeError):
                    await self._call("LOGOUT", client.logout(), limit=min(self.timeout, 5.0))
            self._drop()

    async def _call(self, what: str, step: Awaitable[T], *, limit: float | None = None) -> T:
        """Run one server call with a timeout, failing fast when the connection is lost.

        aioimaplib leaves a call waiting forever when the connection dies under it, so each
        call races the connection-lost signal. Any failure drops the connection: the
        protocol's state is unknown after it.
        """
        lost = self._lost
        task = asyncio.ensure_future(step)
        limit = self.timeout if limit is None else limit
        try:
            async with asyncio.timeout(limit):
                waiting: set[asyncio.Future[Any]] = {task}
                if lost is not None:
                    waiting.add(lost)
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError as exc:
            self._abandon(task)
            raise self._fail(f"no answer to {what} within {limit:g} s") from exc
        except BaseException:
            self._abandon(task)
            raise
        if not task.done():
            self._abandon(task)
            raise self._fail(f"connection closed by the server during {what}")
        try:
            return task.result()
        except IntakeError:
            self._drop()
            raise
        except ConnectionRefusedError as exc:
            self._drop()
            raise self._fail("connection refused") from exc
        except ssl.SSLCertVerificationError as exc:
            self._drop()
            raise self._fail(f"TLS certificate not trusted: {exc.verify_message}") from exc
        except (TimeoutError, aioimaplib.CommandTimeout) as exc:
            self._drop()
            raise self._fail(f"no answer to {what} within {limit:g} s") from exc
        except (OSError, aioimaplib.AioImapException, ValueError) as exc:
            self._drop()
            # The login command's text would carry the password: never show it.
            detail = type(exc).__name__ if what == "LOGIN" else _describe(exc)
            raise self._fail(f"{what} failed: {detail}") from exc

    def _abandon(self, task: asyncio.Future[Any]) -> None:
        task.cancel()
        task.add_done_callback(_consume)
        self._drop()

    # -- the Mailbox protocol --------------------------------------------------------------

    async def fetch_new(self) -> list[IncomingMessage]:
        """Every message in the folder without penpal's keyword, in UID order."""
        async with self._lock:
            await self._ensure_connected()
            uids = await self._search_new()
            messages: list[IncomingMessage] = []
            for start in range(0, len(uids), FETCH_CHUNK):
                chunk = uids[start : start + FETCH_CHUNK]
                response = await self._call(
                    "UID FETCH", self._client.uid("fetch", _uid_set(chunk), "(UID BODY.PEEK[])")
                )
                if response.result != "OK":
                    raise self._fail(f"UID FETCH refused: {_text(response)}")
                bodies = _parse_fetch(response.lines)
                # A UID missing here was expunged by someone else in between: nothing to read.
                messages.extend(
                    IncomingMessage(key=self._key(uid), raw=bodies[uid])
                    for uid in chunk
                    if uid in bodies
                )
            if uids:
                self._newest_uid = max(self._newest_uid, uids[-1])
            log.debug("%s %s: %d new message(s)", self._where, self.folder, len(messages))
            return messages

    async def _search_new(self) -> list[int]:
        # A server searches what it has announced: NOOP first, so mail that arrived since the
        # last command gets its EXISTS (and becomes searchable) before the SEARCH.
        await self._call("NOOP", self._client.noop())
        criteria = ("UNKEYWORD", IMAP_DONE_KEYWORD) if self._keywords else ("UNDELETED",)
        response = await self._call("UID SEARCH", self._client.uid_search(*criteria, charset=None))
        if response.result != "OK":
            raise self._fail(f"UID SEARCH refused: {_text(response)}")
        return _parse_search(response)

    def _key(self, uid: int) -> str:
        return f"imap:{self.folder}:{self._uidvalidity}:{uid}"

    async def mark_processed(self, message: IncomingMessage, *, quarantined: bool = False) -> None:
        """Set penpal's keyword on the message and move it to its folder when one is set."""
        prefix, _, rest = message.key.partition(":")
        folder, validity, uid_text = [*rest.rsplit(":", 2), "", ""][:3]
        if prefix != "imap" or folder != self.folder or not uid_text.isdigit():
            raise IntakeError(f"{self._where}: {message.key!r} is not a message of {self.folder!r}")
        async with self._lock:
            await self._ensure_connected()
            if validity != str(self._uidvalidity):
                # The folder was recreated: that UID may now name another message. Leave it;
                # the message comes back from fetch_new under its new key.
                raise self._fail(f"folder {self.folder!r} changed (UIDVALIDITY); not marking")
            uid = uid_text
            if self._keywords:
                keywords = IMAP_DONE_KEYWORD
                if quarantined:
                    keywords += " " + IMAP_QUARANTINE_KEYWORD
                await self._uid_ok("UID STORE", "store", uid, "+FLAGS.SILENT", f"({keywords})")
            target = self.processed_folder
            if quarantined and self.quarantine_folder:
                target = self.quarantine_folder
            if target:
                await self._move(uid, target)

    async def _uid_ok(self, what: str, command: str, *args: str) -> Any:
        response = await self._call(what, self._client.uid(command, *args))
        if response.result != "OK":
            raise self._fail(f"{what} refused: {_text(response)}")
        return response

    async def _move(self, uid: str, target: str) -> None:
        if target not in self._created:
            response = await self._call("CREATE", self._client.create(_folder_name(target)))
            if response.result != "OK" and b"ALREADYEXISTS" not in b" ".join(
                line for line in response.lines if isinstance(line, bytes)
            ):
                raise self._fail(f"cannot create folder {target!r}: {_text(response)}")
            self._created.add(target)
        capabilities = self._client.protocol.capabilities
        if "MOVE" in capabilities:
            await self._uid_ok("UID MOVE", "move", uid, _folder_name(target))
            return
        await self._uid_ok("UID COPY", "copy", uid, _folder_name(target))
        await self._uid_ok("UID STORE", "store", uid, "+FLAGS.SILENT", "(\\Deleted)")
        if "UIDPLUS" in capabilities:
            await self._uid_ok("UID EXPUNGE", "expunge", uid)
        # Without UIDPLUS a plain EXPUNGE would also remove what a person marked deleted; the
        # copy is safe in the target folder and the original stays flagged \Deleted.

    async def wait_for_mail(self, timeout: float) -> None:  # noqa: ASYNC109 - see Mailbox
        """IDLE until the server reports new mail (or ``timeout``); else sleep a poll interval.

        Returns at once if a message newer than those ``fetch_new`` handed out is already
        there, so mail that arrived between the two calls does not wait for the next one.
        """
        if timeout <= 0:
            return
        async with self._lock:
            await self._ensure_connected()
            if self.idle and "IDLE" in self._client.protocol.capabilities:
                if any(uid > self._newest_uid for uid in await self._search_new()):
                    return
                deadline = time.monotonic() + timeout
                while (remaining := deadline - time.monotonic()) > 0:
                    if await self._idle_once(min(remaining, IDLE_RENEW_SECONDS)):
                        return
                return
        await asyncio.sleep(min(timeout, self.poll_interval))

    async def _idle_once(self, seconds: float) -> bool:
        """One IDLE of at most ``seconds``; True when the caller should look for mail.

        That is when the server announced new mail, and also when it closed the connection:
        a routine event for a long-lived client (server restart, idle limit), so the wait
        ends quietly and the caller's next ``fetch_new`` reconnects, or reports why not.
        """
        client = self._client
        lost = self._lost
        assert lost is not None
        queue: asyncio.Queue[list[bytes]] = client.protocol.idle_queue
        while not queue.empty():  # pushes left over from an earlier IDLE are stale
            queue.get_nowait()
        idle_task = await self._call("IDLE", client.idle_start(timeout=seconds + self.timeout))
        deadline = time.monotonic() + seconds
        self._idling = True
        try:
            outcome = await self._idle_pushes(queue, lost, deadline)
        except BaseException:
            # Cancelled mid-IDLE: the connection is in no state to reuse. aioimaplib never
            # ends a command whose connection is gone, so the IDLE task is abandoned with it
            # (else asyncio reports it destroyed while pending once it is collected).
            self._abandon(idle_task)
            raise
        finally:
            self._idling = False
        if outcome == "closed":
            log.info("%s closed the connection during IDLE; reconnecting on the next call", self)
            self._abandon(idle_task)
            return True
        client.idle_done()
        await self._call("IDLE", idle_task)
        return outcome == "mail"

    @staticmethod
    async def _idle_pushes(
        queue: asyncio.Queue[list[bytes]], lost: asyncio.Future[None], deadline: float
    ) -> Literal["mail", "closed", "quiet"]:
        """Read the server's IDLE pushes until new mail, a closed connection or the deadline."""
        while (remaining := deadline - time.monotonic()) > 0:
            push_task = asyncio.ensure_future(queue.get())
            waiting: set[asyncio.Future[Any]] = {push_task, lost}
            try:
                await asyncio.wait(waiting, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not push_task.done():
                    push_task.cancel()
            if not push_task.done() or push_task.cancelled():
                return "closed" if lost.done() else "quiet"
            push = push_task.result()
            if push is aioimaplib.STOP_WAIT_SERVER_PUSH:
                return "quiet"
            if any(line.startswith(b"BYE") for line in push):
                return "closed"
            if any(line.endswith(b"EXISTS") for line in push):
                return "mail"
        return "quiet"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- Maildir ------------------------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    """A Maildir file name → (unique base, flags); the base is the message's identity."""
    base, sep, info = name.partition(":")
    flags = info[2:] if sep and info.startswith("2,") else ""
    return base, flags


class MaildirMailbox:
    """A Maildir folder (``new/``, ``cur/``, ``tmp/``), e.g. on the mail server itself.

    Unprocessed are the files in ``new/`` and those in ``cur/`` without penpal's marker flag;
    marking moves the file to ``cur/`` with ``S`` plus the marker. Keys are
    ``maildir:<unique name>``, stable while a mail program renames the file to set flags.
    """

    def __init__(self, path: Path, *, poll_interval: float = 1.0) -> None:
        self.path = Path(path)
        self.poll_interval = poll_interval
        self._last_stamp: tuple[frozenset[str], int] | None = None

    def __repr__(self) -> str:
        return f"MaildirMailbox({str(self.path)!r})"

    def _fail(self, message: str, exc: OSError | None = None) -> IntakeError:
        reason = f": {exc.strerror or exc}" if exc is not None else ""
        return IntakeError(f"{self.path}: {message}{reason}")

    def _scan(self) -> list[tuple[int, str, Path]]:
        found: list[tuple[int, str, Path]] = []
        seen: set[str] = set()
        for sub in ("new", "cur"):
            folder = self.path / sub
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                raise self._fail(f"cannot read {sub}/", exc) from exc
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                base, flags = _split_name(entry.name)
                # A file moved from new/ to cur/ while we looked may be listed twice.
                if base in seen or (sub == "cur" and MAILDIR_MARKER in flags):
                    continue
                seen.add(base)
                try:
                    stamp = entry.stat().st_mtime_ns
                except FileNotFoundError:  # renamed by a mail program meanwhile
                    continue
                found.append((stamp, base, Path(entry.path)))
        found.sort()
        return found

    def _fetch(self) -> list[IncomingMessage]:
        # Taken before the scan, so what lands during it still wakes wait_for_mail.
        self._last_stamp = self._stamp()
        messages: list[IncomingMessage] = []
        for _stamp, base, path in self._scan():
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                # A mail program moved it from new/ to cur/ under us: read it there.
                moved = self._find(base)
                if moved is None or MAILDIR_MARKER in _split_name(moved.name)[1]:
                    continue
                try:
                    raw = moved.read_bytes()
                except OSError as exc:
                    raise self._fail(f"cannot read {moved.name}", exc) from exc
            except OSError as exc:
                raise self._fail(f"cannot read {path.name}", exc) from exc
            messages.append(IncomingMessage(key=f"maildir:{base}", raw=raw))
        return messages

    def _find(self, base: str) -> Path | None:
        for sub in ("cur", "new"):
            folder = self.path / sub
            try:
                names = os.listdir(folder)
            except OSError as exc:
                raise self._fail(f"cannot read {sub}/", exc) from exc
            for name in names:
                if _split_name(name)[0] == base:
                    return folder / name
        return None

    def _mark(self, base: str) -> None:
        current = self._find(base)
        if current is None:
            # Deleted by a person after penpal stored it: there is nothing left to mark.
            log.debug("%s: %s vanished before it was marked", self.path, base)
            return
        flags = set(_split_name(current.name)[1]) | {"S", MAILDIR_MARKER}
        target = self.path / "cur" / f"{base}:2,{''.join(sorted(flags))}"
        try:
            current.rename(target)
        except OSError as exc:
            raise self._fail(f"cannot mark {base}", exc) from exc

    def _stamp(self) -> tuple[frozenset[str], int]:
        """What changes when mail arrives: the names in ``new/``, and ``cur/``'s mtime.

        Names rather than ``new/``'s mtime, whose clock ticks too coarsely to tell a
        delivery right after a look from no delivery at all.
        """
        try:
            return (
                frozenset(os.listdir(self.path / "new")),
                (self.path / "cur").stat().st_mtime_ns,
            )
        except OSError as exc:
            raise self._fail("cannot read the folder", exc) from exc

    async def fetch_new(self) -> list[IncomingMessage]:
        """Every message without penpal's marker, oldest first."""
        return await asyncio.to_thread(self._fetch)

    async def mark_processed(self, message: IncomingMessage, *, quarantined: bool = False) -> None:
        """Move the message to ``cur/`` with ``S`` and penpal's marker (quarantine too)."""
        prefix, _, base = message.key.partition(":")
        if prefix != "maildir" or not base or "/" in base:
            raise IntakeError(f"{self.path}: {message.key!r} is not a message of this Maildir")
        await asyncio.to_thread(self._mark, base)

    async def wait_for_mail(self, timeout: float) -> None:  # noqa: ASYNC109 - see Mailbox
        """Return when the folder changed since the last ``fetch_new``, or after ``timeout``.

        The folder is looked at every ``poll_interval`` seconds: cheap, and portable where
        inotify is not.
        """
        deadline = time.monotonic() + timeout
        before = self._last_stamp or await asyncio.to_thread(self._stamp)
        while True:
            if await asyncio.to_thread(self._stamp) != before:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            await asyncio.sleep(min(remaining, self.poll_interval))

    async def close(self) -> None:
        """Nothing to release: every call opens and closes its own files."""


# --- Message files for `penpal import` ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    kind: Literal["eml", "mbox", "maildir"]
    path: Path


def _is_maildir(path: Path) -> bool:
    return (path / "new").is_dir() and (path / "cur").is_dir()


def _looks_like_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _sources(paths: Iterable[Path]) -> Iterator[_Source]:
    for given in paths:
        # Absolute, so a message's key does not depend on where the command was started.
        path = Path(given).absolute()
        try:
            if path.is_dir():
                yield from _folder_sources(path)
            elif path.is_file():
                yield _Source("mbox" if _looks_like_mbox(path) else "eml", path)
            elif path.exists():
                raise IntakeError(f"{path}: not a file or folder")
            else:
                raise IntakeError(f"{path}: no such file or folder")
        except OSError as exc:
            raise IntakeError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _folder_sources(folder: Path) -> Iterator[_Source]:
    if _is_maildir(folder):
        yield _Source("maildir", folder)
        return
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _folder_sources(entry)
        elif entry.suffix.lower() == ".eml":
            yield _Source("eml", entry)
        elif entry.suffix.lower() in (".mbox", ".mbx") or entry.name == "mbox":
            yield _Source("mbox", entry)


def _maildir_files(folder: Path) -> list[Path]:
    files = [
        entry
        for sub in ("cur", "new")
        for entry in (folder / sub).iterdir()
        if not entry.name.startswith(".") and entry.is_file()
    ]
    # By the unique part of the name: Maildir names start with the delivery time.
    return sorted(files, key=lambda p: (_split_name(p.name)[0], p.parent.name))


_MBOX_QUOTED_FROM = re.compile(rb"^>+From ")


def _mbox_messages(path: Path) -> Iterator[bytes]:
    """The messages of an mbox file, without their ``From `` lines, ``>From`` unquoted.

    A new message starts at a ``From `` line at the top of the file or after a blank line;
    that blank line belongs to the separator, not to the message before it.
    """
    with path.open("rb") as handle:
        current: list[bytes] | None = None
        previous_blank = True
        for line in handle:
            if line.startswith(b"From ") and previous_blank:
                if current is not None:
                    yield _mbox_finish(current)
                current = []
                previous_blank = False
                continue
            previous_blank = line in (b"\n", b"\r\n")
            if current is None:
                continue  # text before the first From line is no message
            # mboxrd quotes a body line "From " as ">From ", and ">From " as ">>From ".
            current.append(line[1:] if _MBOX_QUOTED_FROM.match(line) else line)
        if current is not None:
            yield _mbox_finish(current)


def _mbox_finish(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def _count_mbox(path: Path) -> int:
    count = 0
    previous_blank = True
    with path.open("rb") as handle:
        for line in handle:
            if line.startswith(b"From ") and previous_blank:
                count += 1
                previous_blank = False
            else:
                previous_blank = line in (b"\n", b"\r\n")
    return count


def _guard(path: Path, action: Callable[[], T]) -> T:
    try:
        return action()
    except OSError as exc:
        raise IntakeError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _guarded(path: Path, items: Iterator[T]) -> Iterator[T]:
    """``items`` with every ``OSError`` on the way turned into an ``IntakeError``."""
    try:
        yield from items
    except OSError as exc:
        raise IntakeError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def read_paths(paths: Sequence[Path]) -> Iterator[IncomingMessage]:
    """Messages from ``.eml`` files, mbox files and Maildir folders, in a stable order.

    Paths are read in the order given. A file starting with ``From `` is an mbox, any other
    file one message; a folder with ``new/`` and ``cur/`` is a Maildir, any other folder is
    searched (sorted by name, recursively) for ``*.eml`` and ``*.mbox`` files and Maildirs.
    Keys: ``file:<path>``, ``mbox:<path>:<n>`` (n from 1) and ``maildir:<folder>:<unique name>``.

    Raises:
        IntakeError: a path does not exist or cannot be read.
    """
    for source in _sources(paths):
        if source.kind == "eml":
            raw = _guard(source.path, source.path.read_bytes)
            yield IncomingMessage(key=f"file:{source.path}", raw=raw)
        elif source.kind == "mbox":
            messages = _guarded(source.path, _mbox_messages(source.path))
            for number, raw in enumerate(messages, start=1):
                yield IncomingMessage(key=f"mbox:{source.path}:{number}", raw=raw)
        else:
            for file in _guard(source.path, functools.partial(_maildir_files, source.path)):
                raw = _guard(file, file.read_bytes)
                base = _split_name(file.name)[0]
                yield IncomingMessage(key=f"maildir:{source.path}:{base}", raw=raw)


def count_paths(paths: Sequence[Path]) -> int:
    """How many messages ``read_paths`` will yield, without keeping any of them.

    Raises:
        IntakeError: a path does not exist or cannot be read.
    """
    total = 0
    for source in _sources(paths):
        if source.kind == "eml":
            total += 1
        elif source.kind == "mbox":
            total += _guard(source.path, functools.partial(_count_mbox, source.path))
        else:
            total += len(_guard(source.path, functools.partial(_maildir_files, source.path)))
    return total
