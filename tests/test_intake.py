"""The mailbox edge against a real Dovecot on 127.0.0.1, real Maildirs and real message files."""

from __future__ import annotations

import asyncio
import os
import smtplib
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from penpal.errors import IntakeError
from penpal.intake import (
    IMAP_DONE_KEYWORD,
    IMAP_QUARANTINE_KEYWORD,
    MAILDIR_MARKER,
    ImapMailbox,
    IncomingMessage,
    Mailbox,
    MaildirMailbox,
    _parse_fetch,
    _uid_set,
    count_paths,
    read_paths,
)
from tests.fixtures.mail import Dovecot, SmtpServer


def letter(number: int, sender: str = "anna.visser@writers.example") -> bytes:
    """A small invented letter whose subject carries its number."""
    return (
        f"From: Anna Visser <{sender}>\r\n"
        "To: Penpal <penpal@penpal.example>\r\n"
        f"Subject: Letter {number}\r\n"
        f"Message-ID: <letter-{number}@writers.example>\r\n"
        "\r\n"
        f"Dear Bram,\r\n\r\nThis is letter number {number}.\r\n"
    ).encode()


MakeMailbox = Callable[..., ImapMailbox]


@pytest.fixture
async def make_mailbox(dovecot: Dovecot) -> AsyncIterator[MakeMailbox]:
    """Builds ImapMailboxes for the service account on the plain port and closes them after."""
    opened: list[ImapMailbox] = []

    def make(**overrides: object) -> ImapMailbox:
        settings: dict[str, object] = {
            "host": dovecot.host,
            "port": dovecot.imap_port,
            "security": "none",
            "username": "penpal",
            "password": dovecot.password("penpal"),
            "timeout": 5.0,
        }
        settings.update(overrides)
        mailbox = ImapMailbox(**settings)  # type: ignore[arg-type]  # keyword bag for brevity
        opened.append(mailbox)
        return mailbox

    yield make
    for mailbox in opened:
        await mailbox.close()


# --- IMAP: reading and marking --------------------------------------------------------------


async def test_fetch_new_returns_each_letter_until_marked(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """Appended letters come back in order; once marked, a second fetch returns none."""
    for number in (1, 2, 3):
        await dovecot.append("penpal", letter(number))
    mailbox = make_mailbox()

    first = await mailbox.fetch_new()
    assert [m.raw for m in first] == [letter(1), letter(2), letter(3)]
    assert len({m.key for m in first}) == 3
    assert all(m.key.startswith("imap:INBOX:") for m in first)
    for message in first:
        await mailbox.mark_processed(message)

    assert await mailbox.fetch_new() == []
    stored = await dovecot.messages("penpal")
    assert [IMAP_DONE_KEYWORD in m.flags for m in stored] == [True, True, True]


async def test_fetching_never_sets_seen_and_read_mail_is_still_fetched(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """BODY.PEEK leaves \\Seen alone, and a letter a person already read is still new to penpal."""
    unread = await dovecot.append("penpal", letter(1))
    read = await dovecot.append("penpal", letter(2), flags=("\\Seen",))
    mailbox = make_mailbox()

    fetched = await mailbox.fetch_new()

    assert [m.raw for m in fetched] == [letter(1), letter(2)]
    flags = {m.uid: m.flags for m in await dovecot.messages("penpal")}
    assert "\\Seen" not in flags[unread]
    assert "\\Seen" in flags[read]


async def test_unmarked_letters_come_back_under_the_same_key(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """Without mark_processed nothing is lost: a new connection sees the same keys again."""
    await dovecot.append("penpal", letter(1))
    first = await make_mailbox().fetch_new()
    again = await make_mailbox().fetch_new()
    assert [m.key for m in again] == [m.key for m in first]
    assert len(await dovecot.messages("penpal")) == 1


async def test_letters_appended_later_are_seen(dovecot: Dovecot, make_mailbox: MakeMailbox) -> None:
    """A letter that arrives after a fetch is returned by the next one, alone."""
    await dovecot.append("penpal", letter(1))
    mailbox = make_mailbox()
    for message in await mailbox.fetch_new():
        await mailbox.mark_processed(message)

    await dovecot.append("penpal", letter(2))

    assert [m.raw for m in await mailbox.fetch_new()] == [letter(2)]


async def test_many_letters_are_fetched_in_chunks_and_in_order(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """More letters than one FETCH chunk all arrive, oldest first, each once."""
    await dovecot.append_many("penpal", [letter(n) for n in range(1, 131)])
    fetched = await make_mailbox().fetch_new()
    assert [m.raw for m in fetched] == [letter(n) for n in range(1, 131)]


async def test_processed_and_quarantine_folders_receive_marked_letters(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """Marking moves a letter out of INBOX into its folder, created on first use, keywords set."""
    await dovecot.append("penpal", letter(1))
    await dovecot.append("penpal", letter(2))
    mailbox = make_mailbox(processed_folder="Penpal/Done", quarantine_folder="Penpal/Held back")
    kept, held = await mailbox.fetch_new()

    await mailbox.mark_processed(kept)
    await mailbox.mark_processed(held, quarantined=True)

    assert await dovecot.messages("penpal") == []
    (done,) = await dovecot.messages("penpal", "Penpal/Done")
    assert done.raw == letter(1)
    assert IMAP_DONE_KEYWORD in done.flags
    (quarantined,) = await dovecot.messages("penpal", "Penpal/Held back")
    assert quarantined.raw == letter(2)
    assert {IMAP_DONE_KEYWORD, IMAP_QUARANTINE_KEYWORD} <= quarantined.flags
    assert await mailbox.fetch_new() == []


async def test_move_falls_back_to_copy_and_expunge_of_that_uid_alone(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """Without MOVE, marking copies, flags \\Deleted and expunges only the marked UID."""
    await dovecot.append("penpal", letter(1))
    # A person's deleted-but-not-expunged letter must survive penpal's expunge.
    other = await dovecot.append("penpal", letter(2), flags=("\\Deleted", IMAP_DONE_KEYWORD))
    mailbox = make_mailbox(processed_folder="Done")
    (message,) = await mailbox.fetch_new()
    # Dovecot always offers MOVE; make this connection believe it does not.
    mailbox._client.protocol.capabilities.discard("MOVE")

    await mailbox.mark_processed(message)

    assert [m.uid for m in await dovecot.messages("penpal")] == [other]
    (done,) = await dovecot.messages("penpal", "Done")
    assert done.raw == letter(1)
    assert "\\Deleted" not in done.flags


async def test_quarantine_without_its_own_folder_goes_to_the_processed_folder(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """With only a processed folder configured, quarantined letters land there, marked as such."""
    await dovecot.append("penpal", letter(1))
    mailbox = make_mailbox(processed_folder="Verwerkt")
    (message,) = await mailbox.fetch_new()
    await mailbox.mark_processed(message, quarantined=True)
    (moved,) = await dovecot.messages("penpal", "Verwerkt")
    assert IMAP_QUARANTINE_KEYWORD in moved.flags


async def test_folders_with_non_ascii_names_work(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """A watched folder named in Dutch with an accent is found and read (modified UTF-7)."""
    await dovecot.append("penpal", letter(1), folder="Brieven/Ingekomen")
    mailbox = make_mailbox(folder="Brieven/Ingekomen", processed_folder="Brieven/Verwerkt é")
    (message,) = await mailbox.fetch_new()
    assert message.key.startswith("imap:Brieven/Ingekomen:")
    await mailbox.mark_processed(message)
    assert "Brieven/Verwerkt &AOk-" in await dovecot.folders("penpal")


async def test_mark_processed_refuses_a_key_from_elsewhere(make_mailbox: MakeMailbox) -> None:
    """A message from another folder or source is not marked by mistake."""
    mailbox = make_mailbox()
    with pytest.raises(IntakeError, match="not a message of 'INBOX'"):
        await mailbox.mark_processed(IncomingMessage(key="imap:Archive:1:1", raw=b""))
    with pytest.raises(IntakeError):
        await mailbox.mark_processed(IncomingMessage(key="maildir:123.abc", raw=b""))


async def test_a_dropped_connection_is_opened_again(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """After the server drops the connection, the mailbox reconnects by itself."""
    mailbox = make_mailbox()
    assert await mailbox.fetch_new() == []
    await asyncio.to_thread(dovecot.kick, "penpal")
    await dovecot.append("penpal", letter(1))
    try:
        fetched = await mailbox.fetch_new()
    except IntakeError:  # the drop may be noticed by this call, then the next one reconnects
        fetched = await mailbox.fetch_new()
    assert [m.raw for m in fetched] == [letter(1)]


def test_fetch_responses_are_read_whichever_side_of_the_body_the_uid_is() -> None:
    """Servers may put UID before or after the literal; unsolicited FLAGS lines are skipped."""
    lines: list[bytes | bytearray] = [
        b"1 FETCH (UID 7 BODY[] {5}",
        bytearray(b"first"),
        b")",
        b"2 FETCH (FLAGS (\\Seen))",
        b"3 FETCH (BODY[] {6}",
        bytearray(b"second"),
        b" UID 9)",
        b"Fetch completed.",
    ]
    assert _parse_fetch(lines) == {7: b"first", 9: b"second"}


def test_uid_sets_are_compressed_into_ranges() -> None:
    """Runs of UIDs become ranges so a chunk's command stays short."""
    assert _uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert _uid_set([4]) == "4"


# --- IMAP: security and failures -------------------------------------------------------------


async def test_implicit_tls_with_the_test_ca(dovecot: Dovecot, make_mailbox: MakeMailbox) -> None:
    """Over implicit TLS, verified against the test CA, letters are read as over plain IMAP."""
    await dovecot.append("penpal", letter(1))
    mailbox = make_mailbox(
        port=dovecot.imaps_port, security="tls", ssl_context=dovecot.ssl_context()
    )
    mark = dovecot.log_mark()
    assert [m.raw for m in await mailbox.fetch_new()] == [letter(1)]
    (login,) = await dovecot.logins_since(mark, "penpal")
    assert ", TLS," in login


async def test_starttls_with_the_test_ca(dovecot: Dovecot, make_mailbox: MakeMailbox) -> None:
    """STARTTLS upgrades the plain port before logging in, verified against the test CA."""
    await dovecot.append("penpal", letter(1))
    mailbox = make_mailbox(security="starttls", ssl_context=dovecot.ssl_context())
    mark = dovecot.log_mark()
    assert [m.raw for m in await mailbox.fetch_new()] == [letter(1)]
    (login,) = await dovecot.logins_since(mark, "penpal")
    assert ", TLS," in login


async def test_untrusted_certificate_is_refused(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """The system's CAs do not know the test CA, so the connection fails with a clear reason."""
    mailbox = make_mailbox(port=dovecot.imaps_port, security="tls")
    with pytest.raises(IntakeError, match=rf"127\.0\.0\.1:{dovecot.imaps_port}.*certificate"):
        await mailbox.fetch_new()


async def test_wrong_password_names_the_server_but_not_the_password(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """A refused login is an IntakeError naming host:port and user, never the password."""
    mailbox = make_mailbox(password="not-the-Secret-42")
    with pytest.raises(IntakeError) as caught:
        await mailbox.fetch_new()
    message = str(caught.value)
    assert f"127.0.0.1:{dovecot.imap_port}" in message
    assert "'penpal'" in message
    assert "not-the-Secret-42" not in message
    assert "\n" not in message


async def test_closed_port_is_an_intake_error(make_mailbox: MakeMailbox) -> None:
    """Nothing listening on the port gives a one-line IntakeError raised from the OSError."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The socket is closed again and never listened: connecting there is refused.
    mailbox = make_mailbox(port=port)
    with pytest.raises(IntakeError, match=rf"127\.0\.0\.1:{port}: connection refused") as caught:
        await mailbox.fetch_new()
    assert isinstance(caught.value.__cause__, OSError)


async def test_missing_folder_is_named(make_mailbox: MakeMailbox) -> None:
    """A watched folder that does not exist is an IntakeError naming the folder."""
    mailbox = make_mailbox(folder="Nergens")
    with pytest.raises(IntakeError, match="'Nergens'"):
        await mailbox.fetch_new()


async def test_a_silent_server_times_out() -> None:
    """A server that accepts but never greets is an IntakeError after the timeout, not a hang."""
    accepted: list[asyncio.StreamWriter] = []

    async def say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mailbox = ImapMailbox(
        host="127.0.0.1", port=port, security="none", username="u", password="p", timeout=0.3
    )
    try:
        with pytest.raises(IntakeError, match=r"no answer to connect within 0\.3 s"):
            await mailbox.fetch_new()
    finally:
        await mailbox.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


# --- IMAP: waiting for mail -------------------------------------------------------------------


async def until_idling(mailbox: ImapMailbox) -> None:
    """Return once the mailbox's IDLE has been accepted by the server (at most 5 s)."""
    async with asyncio.timeout(5):
        while not mailbox.idling:  # noqa: ASYNC110 - the mailbox shows a state, not an event
            await asyncio.sleep(0.01)


async def test_wait_for_mail_returns_soon_after_an_append_while_idling(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """With IDLE, an APPEND wakes the waiter within Dovecot's 0.5 s push delay plus a little."""
    mailbox = make_mailbox()
    assert await mailbox.fetch_new() == []
    waiter = asyncio.create_task(mailbox.wait_for_mail(timeout=10))
    await until_idling(mailbox)  # the IDLE must be running before the letter arrives
    started = time.monotonic()
    await dovecot.append("penpal", letter(1))
    async with asyncio.timeout(3):
        await waiter
    assert time.monotonic() - started < 2.0
    assert [m.raw for m in await mailbox.fetch_new()] == [letter(1)]


async def test_wait_for_mail_returns_at_once_when_new_mail_is_waiting(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """Mail that arrived after the last fetch is not left until the next push or timeout."""
    mailbox = make_mailbox()
    assert await mailbox.fetch_new() == []
    await dovecot.append("penpal", letter(1))
    started = time.monotonic()
    await mailbox.wait_for_mail(timeout=10)
    assert time.monotonic() - started < 0.4


async def test_wait_for_mail_times_out_quietly_and_the_mailbox_still_works(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """Without mail the wait ends at its timeout; a letter fetched but unmarked does not wake it."""
    await dovecot.append("penpal", letter(1))
    mailbox = make_mailbox()
    assert len(await mailbox.fetch_new()) == 1  # fetched, deliberately left unmarked
    started = time.monotonic()
    await mailbox.wait_for_mail(timeout=0.3)
    assert 0.25 < time.monotonic() - started < 1.5
    assert [m.raw for m in await mailbox.fetch_new()] == [letter(1)]


async def test_polling_mode_sleeps_instead_of_idling(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """With idle off, wait_for_mail sleeps the poll interval (capped by the timeout)."""
    mailbox = make_mailbox(idle=False, poll_interval=0.2)
    started = time.monotonic()
    await mailbox.wait_for_mail(timeout=10)
    assert 0.15 < time.monotonic() - started < 1.0
    assert not mailbox.idling


async def test_cancelling_a_wait_leaves_a_usable_mailbox(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """Cancelling wait_for_mail mid-IDLE (service shutdown) propagates; the next call reconnects."""
    mailbox = make_mailbox()
    waiter = asyncio.create_task(mailbox.wait_for_mail(timeout=10))
    await until_idling(mailbox)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await dovecot.append("penpal", letter(1))
    assert [m.raw for m in await mailbox.fetch_new()] == [letter(1)]


async def test_a_connection_closed_during_idle_ends_the_wait_quietly(
    dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """A server dropping the IDLE connection ends the wait at once; the next fetch reconnects."""
    mailbox = make_mailbox()
    waiter = asyncio.create_task(mailbox.wait_for_mail(timeout=10))
    await until_idling(mailbox)
    started = time.monotonic()
    await asyncio.to_thread(dovecot.kick, "penpal")
    async with asyncio.timeout(3):
        await waiter
    assert time.monotonic() - started < 1.0
    await dovecot.append("penpal", letter(1))
    assert [m.raw for m in await mailbox.fetch_new()] == [letter(1)]


async def test_a_letter_sent_by_smtp_reaches_fetch_new(
    smtp_server: SmtpServer, dovecot: Dovecot, make_mailbox: MakeMailbox
) -> None:
    """SMTP → LMTP → Dovecot → IMAP: a letter to penpal+token@ lands in the service inbox once."""

    def send() -> None:
        with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
            client.starttls(context=smtp_server.ssl_context())
            client.sendmail(
                "anna.visser@writers.example", ["penpal+abc123@penpal.example"], letter(7)
            )

    def send_to_stranger() -> None:
        with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
            client.sendmail("anna.visser@writers.example", ["nobody@penpal.example"], letter(8))

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await asyncio.to_thread(send_to_stranger)
    smtp_server.refusals.append("451 4.3.0 try again later")
    with pytest.raises(smtplib.SMTPDataError):
        await asyncio.to_thread(send)
    assert await make_mailbox().fetch_new() == []

    await asyncio.to_thread(send)

    (message,) = await make_mailbox().fetch_new()
    assert message.raw.endswith(letter(7))
    assert b"Delivered-To: penpal+abc123@penpal.example" in message.raw
    assert [e.rcpt_tos for e in smtp_server.received] == [["penpal+abc123@penpal.example"]]


# --- Maildir ----------------------------------------------------------------------------------


def make_maildir(root: Path) -> Path:
    """An empty Maildir folder."""
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True)
    return root


def deliver(maildir: Path, name: str, raw: bytes, *, sub: str = "new", age: int = 0) -> Path:
    """Put a message file into the Maildir, ``age`` seconds old (older comes first)."""
    path = maildir / sub / name
    path.write_bytes(raw)
    stamp = time.time() - 1000 + age
    os.utime(path, (stamp, stamp))
    return path


async def test_maildir_reads_new_and_unmarked_cur_and_marks_with_s_and_marker(
    tmp_path: Path,
) -> None:
    """new/ and human-read cur/ mail are returned oldest first; marking adds S and the marker."""
    maildir = make_maildir(tmp_path / "Maildir")
    deliver(maildir, "1700000002.M2.host", letter(2), age=2)
    deliver(maildir, "1700000001.M1.host:2,S", letter(1), sub="cur", age=1)
    deliver(maildir, "1700000003.M3.host:2,FS", letter(3), sub="cur", age=3)
    mailbox: Mailbox = MaildirMailbox(maildir)

    fetched = await mailbox.fetch_new()
    assert [m.raw for m in fetched] == [letter(1), letter(2), letter(3)]
    assert [m.key for m in fetched] == [
        "maildir:1700000001.M1.host",
        "maildir:1700000002.M2.host",
        "maildir:1700000003.M3.host",
    ]
    for message in fetched:
        await mailbox.mark_processed(message)

    assert await mailbox.fetch_new() == []
    assert os.listdir(maildir / "new") == []
    assert sorted(os.listdir(maildir / "cur")) == [
        f"1700000001.M1.host:2,S{MAILDIR_MARKER}",
        f"1700000002.M2.host:2,S{MAILDIR_MARKER}",
        f"1700000003.M3.host:2,FS{MAILDIR_MARKER}",
    ]


async def test_maildir_key_survives_a_mail_program_reading_the_letter(tmp_path: Path) -> None:
    """A letter moved from new/ to cur/ by a mail program between fetch and mark is still marked."""
    maildir = make_maildir(tmp_path / "Maildir")
    original = deliver(maildir, "1700000001.M1.host", letter(1))
    mailbox = MaildirMailbox(maildir)
    (message,) = await mailbox.fetch_new()

    original.rename(maildir / "cur" / "1700000001.M1.host:2,RS")
    await mailbox.mark_processed(message)

    assert os.listdir(maildir / "cur") == [f"1700000001.M1.host:2,RS{MAILDIR_MARKER}"]
    assert await mailbox.fetch_new() == []


async def test_maildir_wait_for_mail_wakes_on_delivery(tmp_path: Path) -> None:
    """A file landing in new/ ends the wait long before its timeout."""
    maildir = make_maildir(tmp_path / "Maildir")
    mailbox = MaildirMailbox(maildir, poll_interval=0.05)
    assert await mailbox.fetch_new() == []
    waiter = asyncio.create_task(mailbox.wait_for_mail(timeout=10))
    started = time.monotonic()
    (maildir / "new" / "1700000009.M9.host").write_bytes(letter(9))
    async with asyncio.timeout(3):
        await waiter
    assert time.monotonic() - started < 1.0
    assert [m.raw for m in await mailbox.fetch_new()] == [letter(9)]


async def test_maildir_wait_for_mail_times_out_without_mail(tmp_path: Path) -> None:
    """Without a delivery the wait lasts its timeout."""
    mailbox = MaildirMailbox(make_maildir(tmp_path / "Maildir"), poll_interval=0.05)
    assert await mailbox.fetch_new() == []
    started = time.monotonic()
    await mailbox.wait_for_mail(timeout=0.2)
    assert 0.15 < time.monotonic() - started < 1.0


async def test_maildir_that_does_not_exist_is_named(tmp_path: Path) -> None:
    """A missing Maildir is an IntakeError naming its path."""
    mailbox = MaildirMailbox(tmp_path / "nowhere")
    with pytest.raises(IntakeError, match="nowhere"):
        await mailbox.fetch_new()


async def test_maildir_marker_survives_dovecot_changing_flags(dovecot: Dovecot) -> None:
    """On the mail server itself: Dovecot keeps penpal's marker when a person flags the letter."""
    uid = await dovecot.append("writer1", letter(1))
    mailbox = MaildirMailbox(dovecot.maildir("writer1"))
    (message,) = await mailbox.fetch_new()
    await mailbox.mark_processed(message)

    await dovecot.set_flags("writer1", uid, "\\Flagged")

    assert await mailbox.fetch_new() == []
    (stored,) = await dovecot.messages("writer1")
    assert {"\\Seen", "\\Flagged"} <= stored.flags


# --- Message files for `penpal import` ------------------------------------------------------


MBOX = (
    b"From anna.visser@writers.example Mon Nov 16 09:00:00 2026\n"
    b"Subject: Letter 1\n\nFirst letter.\n>From the start, I wondered.\n"
    b"From here on it is still the first letter.\n\n"
    b"From bram.jansen@writers.example Tue Nov 17 10:00:00 2026\n"
    b"Subject: Letter 2\n\nSecond letter.\n>>From quoted twice.\n\n"
    b"From anna.visser@writers.example Wed Nov 18 11:00:00 2026\n"
    b"Subject: Letter 3\n\nThird letter.\n"
)


def test_read_paths_reads_eml_mbox_maildir_and_folders_in_a_stable_order(
    tmp_path: Path,
) -> None:
    """Each kind of path yields its messages with stable keys, in the order the paths are given."""
    single = tmp_path / "one.eml"
    single.write_bytes(letter(1))
    mbox = tmp_path / "archive.mbox"
    mbox.write_bytes(MBOX)
    maildir = make_maildir(tmp_path / "Maildir")
    deliver(maildir, "1700000002.M2.host:2,S", letter(12), sub="cur")
    deliver(maildir, "1700000001.M1.host", letter(11))
    folder = tmp_path / "exported"
    (folder / "b").mkdir(parents=True)
    (folder / "b" / "2.eml").write_bytes(letter(22))
    (folder / "a.eml").write_bytes(letter(21))
    (folder / "notes.txt").write_bytes(b"not a message")

    paths = [single, mbox, maildir, folder]
    messages = list(read_paths(paths))

    assert [m.key for m in messages] == [
        f"file:{single}",
        f"mbox:{mbox}:1",
        f"mbox:{mbox}:2",
        f"mbox:{mbox}:3",
        f"maildir:{maildir}:1700000001.M1.host",
        f"maildir:{maildir}:1700000002.M2.host",
        f"file:{folder / 'a.eml'}",
        f"file:{folder / 'b' / '2.eml'}",
    ]
    assert messages[0].raw == letter(1)
    assert messages[1].raw == (
        b"Subject: Letter 1\n\nFirst letter.\nFrom the start, I wondered.\n"
        b"From here on it is still the first letter.\n"
    )
    assert messages[2].raw == b"Subject: Letter 2\n\nSecond letter.\n>From quoted twice.\n"
    assert messages[3].raw == b"Subject: Letter 3\n\nThird letter.\n"
    assert [m.raw for m in messages[4:]] == [letter(11), letter(12), letter(21), letter(22)]
    assert count_paths(paths) == len(messages) == 8
    assert [m.key for m in read_paths(paths)] == [m.key for m in messages]


def test_read_paths_keys_do_not_depend_on_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path gives the same key as the absolute one."""
    (tmp_path / "one.eml").write_bytes(letter(1))
    monkeypatch.chdir(tmp_path)
    (message,) = read_paths([Path("one.eml")])
    assert message.key == f"file:{tmp_path / 'one.eml'}"


def test_read_paths_missing_path_is_an_intake_error(tmp_path: Path) -> None:
    """A path that does not exist is named in a one-line IntakeError."""
    missing = tmp_path / "gone.mbox"
    with pytest.raises(IntakeError, match=r"gone\.mbox: no such file or folder"):
        list(read_paths([missing]))
    with pytest.raises(IntakeError, match=r"gone\.mbox"):
        count_paths([missing])


def test_read_paths_unreadable_file_is_an_intake_error(tmp_path: Path) -> None:
    """A file that cannot be read (here: a dangling link) is an IntakeError naming it."""
    link = tmp_path / "broken.eml"
    link.symlink_to(tmp_path / "absent")
    folder = tmp_path / "box"
    folder.mkdir()
    (folder / "x.eml").symlink_to(tmp_path / "absent")
    with pytest.raises(IntakeError, match=r"broken\.eml"):
        list(read_paths([link]))
    with pytest.raises(IntakeError, match=r"x\.eml: cannot read"):
        list(read_paths([folder]))
