"""Tests for penpal.relay: sending over real SMTP servers on 127.0.0.1 that deliver into Dovecot."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import traceback
from collections.abc import AsyncIterator, Callable
from email.message import EmailMessage

import pytest

from penpal.errors import PermanentRelayError, RelayError, TransientRelayError
from penpal.letters import MailKind, OutgoingMail
from penpal.relay import SmtpSender, backoff
from tests.fixtures.mail import HOST, Dovecot, SmtpServer, StoredMessage, run_smtp_server

SERVICE = "penpal@penpal.example"
LOGIN = "penpal"
PASSWORD = "Tulp-Gracht-42!"  # invented; must never show in an error
WRONG_PASSWORD = "Fiets-Kanaal-17?"

MakeSender = Callable[..., SmtpSender]


def outgoing(
    *recipients: str, message_id: str = "relay-1.h7Qz@penpal.example", text: str = ""
) -> OutgoingMail:
    """A relayed letter as the composer would hand it over: final bytes with CRLF line ends."""
    message = EmailMessage()
    message["From"] = f"Hanna Verloop via Penpal <{SERVICE}>"
    message["To"] = ", ".join(recipients)
    message["Subject"] = "Kwetsbaarheid op het werk"
    message["Date"] = "Tue, 04 Mar 2025 09:15:00 +0100"
    message["Message-ID"] = f"<{message_id}>"
    # 8bit on purpose: the bytes must arrive exactly as they were handed over.
    message.set_content(
        text or "Beste Joris,\n\nIk durf het bijna niet te schrijven: ik twijfel.\n\nHanna\n",
        cte="8bit",
    )
    return OutgoingMail(
        message_id=message_id,
        kind=MailKind.RELAY,
        sender=SERVICE,
        recipients=recipients,
        raw=message.as_bytes(policy=email.policy.SMTP),
    )


@pytest.fixture
async def make_sender() -> AsyncIterator[MakeSender]:
    """Builds senders and closes each at the end, so no connection outlives its test."""
    senders: list[SmtpSender] = []

    def make(server: SmtpServer | None = None, **options: object) -> SmtpSender:
        settings: dict[str, object] = {"security": "none", "timeout": 5.0}
        if server is not None:
            settings |= {"host": server.host, "port": server.port}
        settings |= options
        sender = SmtpSender(**settings)  # type: ignore[arg-type]  # keywords checked at runtime
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        await sender.close()


def message_id_of(stored: StoredMessage) -> str:
    """The Message-ID header of a message read back from Dovecot."""
    return str(email.message_from_bytes(stored.raw)["Message-ID"])


def closed_port() -> int:
    """A loopback port nobody listens on (the kernel just handed it out and took it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


async def test_plain_send_delivers_bytes_and_envelope_unchanged(
    smtp_server: SmtpServer, dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """Plain SMTP hands over the envelope as given and the bytes untouched, Message-ID included."""
    mail = outgoing(dovecot.address("writer2"))

    await make_sender(smtp_server, security="none").send(mail)

    [envelope] = smtp_server.received
    assert envelope.mail_from == SERVICE
    assert envelope.rcpt_tos == [dovecot.address("writer2")]
    [stored] = await dovecot.messages("writer2")
    assert stored.raw.endswith(mail.raw)  # Dovecot only adds trace headers on top
    assert message_id_of(stored) == "<relay-1.h7Qz@penpal.example>"


async def test_starttls_verifies_the_certificate_and_delivers(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """STARTTLS with the test CA encrypts the session and the mail lands in the IMAP inbox."""
    async with run_smtp_server(dovecot, security="starttls") as server:
        sender = make_sender(server, security="starttls", ssl_context=dovecot.ssl_context())
        await sender.send(outgoing(dovecot.address("writer1"), message_id="tls-1@penpal.example"))

        [connection] = server.connections
        assert connection.session.ssl is not None
    [stored] = await dovecot.messages("writer1")
    assert message_id_of(stored) == "<tls-1@penpal.example>"


async def test_starttls_refuses_a_certificate_it_cannot_verify(
    smtp_server: SmtpServer, dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """Without the test CA (the system's CAs by default) the send stops as a transient failure."""
    sender = make_sender(smtp_server, security="starttls")

    with pytest.raises(TransientRelayError, match="certificate") as caught:
        await sender.send(outgoing(dovecot.address("writer1")))

    assert str(caught.value).startswith(f"{HOST}:{smtp_server.port}: STARTTLS")
    assert smtp_server.received == []


async def test_implicit_tls_delivers(dovecot: Dovecot, make_sender: MakeSender) -> None:
    """Security ``tls`` speaks TLS from the first byte (SMTPS) and delivers."""
    async with run_smtp_server(dovecot, security="tls") as server:
        sender = make_sender(server, security="tls", ssl_context=dovecot.ssl_context())
        await sender.send(outgoing(dovecot.address("writer2"), message_id="smtps-1@penpal.example"))

    [stored] = await dovecot.messages("writer2")
    assert message_id_of(stored) == "<smtps-1@penpal.example>"


async def test_451_is_transient_and_the_next_attempt_delivers(
    smtp_server: SmtpServer, dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """A 4xx reply is worth retrying, and the retry on the same sender gets through once."""
    smtp_server.refusals.append("451 4.3.0 try again later")
    sender = make_sender(smtp_server)
    mail = outgoing(dovecot.address("writer2"))

    with pytest.raises(TransientRelayError) as caught:
        await sender.send(mail)
    where = f"{HOST}:{smtp_server.port}"
    assert str(caught.value) == f"{where}: DATA refused: 451 4.3.0 try again later"

    await sender.send(mail)
    assert len(await dovecot.messages("writer2")) == 1


async def test_550_is_permanent(
    smtp_server: SmtpServer, dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """A 5xx reply to DATA is final and says so with the code and the server's words."""
    smtp_server.refusals.append("550 5.7.1 message content rejected")

    with pytest.raises(PermanentRelayError) as caught:
        await make_sender(smtp_server).send(outgoing(dovecot.address("writer2")))

    assert str(caught.value) == (
        f"{HOST}:{smtp_server.port}: DATA refused: 550 5.7.1 message content rejected"
    )
    assert await dovecot.messages("writer2") == []


async def test_one_refused_recipient_fails_the_mail_for_everyone(
    smtp_server: SmtpServer, dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """One recipient refused makes the send permanent, names that one, and delivers to nobody."""
    mail = outgoing(dovecot.address("writer1"), "nobody@elsewhere.example")

    with pytest.raises(PermanentRelayError) as caught:
        await make_sender(smtp_server).send(mail)

    message = str(caught.value)
    assert "nobody@elsewhere.example: 550 5.1.1 no such user here" in message
    assert dovecot.address("writer1") not in message
    assert smtp_server.received == []
    assert await dovecot.messages("writer1") == []


async def test_one_greylisted_recipient_is_transient_and_nobody_gets_the_mail_yet(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """A 4xx to one RCPT TO is worth retrying: no DATA was sent, so a retry makes no duplicate."""
    async with run_smtp_server(dovecot) as server:
        server.rcpt_replies[dovecot.address("writer2")] = "450 4.2.0 greylisted, come back later"
        sender = make_sender(server)
        mail = outgoing(dovecot.address("writer1"), dovecot.address("writer2"))

        with pytest.raises(TransientRelayError, match=r"writer2@penpal\.example: 450 4\.2\.0"):
            await sender.send(mail)
        assert server.received == []

        server.rcpt_replies.clear()
        await sender.send(mail)
    assert len(await dovecot.messages("writer1")) == 1
    assert len(await dovecot.messages("writer2")) == 1


@pytest.mark.parametrize(
    "address",
    ["Joris Maas <joris@penpal.example>", "joris maas@penpal.example", "joris@penpal.example\r\n"],
    ids=["display-name", "space", "line-break"],
)
async def test_anything_but_a_bare_envelope_address_is_refused_unsent(
    smtp_server: SmtpServer, make_sender: MakeSender, address: str
) -> None:
    """An envelope address aiosmtplib would quietly rewrite is refused before any SMTP is spoken."""
    with pytest.raises(PermanentRelayError, match="not an envelope address"):
        await make_sender(smtp_server).send(outgoing(address))
    assert smtp_server.received == []


async def test_closed_port_is_transient_and_names_the_server(make_sender: MakeSender) -> None:
    """Nobody listening is worth retrying, and the message says where penpal tried."""
    port = closed_port()
    sender = make_sender(host=HOST, port=port)

    with pytest.raises(TransientRelayError) as caught:
        await sender.send(outgoing("writer2@penpal.example"))

    assert str(caught.value).startswith(f"{HOST}:{port}: connect failed")
    assert "\n" not in str(caught.value)


async def test_a_server_that_never_greets_times_out(make_sender: MakeSender) -> None:
    """A server that accepts the connection but stays silent ends in a transient timeout."""
    loop = asyncio.get_running_loop()
    silent = await loop.create_server(asyncio.Protocol, HOST, 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        sender = make_sender(host=HOST, port=port, timeout=0.3)
        with pytest.raises(TransientRelayError) as caught:
            await sender.send(outgoing("writer2@penpal.example"))
    finally:
        silent.close()

    assert str(caught.value) == f"{HOST}:{port}: connect: no answer within 0.3 s"


async def test_starttls_required_but_not_offered_never_goes_plain(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """When the server offers no STARTTLS the send fails instead of carrying on unencrypted."""
    async with run_smtp_server(dovecot, security="none") as server:
        sender = make_sender(server, security="starttls", ssl_context=dovecot.ssl_context())
        with pytest.raises(RelayError, match="STARTTLS is required") as caught:
            await sender.send(outgoing(dovecot.address("writer2")))

        assert str(caught.value).startswith(f"{HOST}:{server.port}: ")
        assert server.received == []


async def test_login_then_send(dovecot: Dovecot, make_sender: MakeSender) -> None:
    """With a username set, penpal logs in after STARTTLS and a server requiring AUTH accepts."""
    async with run_smtp_server(dovecot, logins={LOGIN: PASSWORD}) as server:
        sender = make_sender(
            server,
            security="starttls",
            ssl_context=dovecot.ssl_context(),
            username=LOGIN,
            password=PASSWORD,
        )
        await sender.send(outgoing(dovecot.address("writer2")))

        [connection] = server.connections
        assert connection.session.authenticated
    assert len(await dovecot.messages("writer2")) == 1


async def test_implicit_tls_with_login(dovecot: Dovecot, make_sender: MakeSender) -> None:
    """Logging in works over SMTPS as well."""
    async with run_smtp_server(dovecot, security="tls", logins={LOGIN: PASSWORD}) as server:
        sender = make_sender(
            server,
            security="tls",
            ssl_context=dovecot.ssl_context(),
            username=LOGIN,
            password=PASSWORD,
        )
        await sender.send(outgoing(dovecot.address("writer1")))
    assert len(await dovecot.messages("writer1")) == 1


async def test_bad_login_is_permanent_and_never_shows_the_password(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """A refused login (535) is final; neither message nor traceback holds the password."""
    async with run_smtp_server(dovecot, logins={LOGIN: PASSWORD}) as server:
        sender = make_sender(
            server,
            security="starttls",
            ssl_context=dovecot.ssl_context(),
            username=LOGIN,
            password=WRONG_PASSWORD,
        )
        with pytest.raises(PermanentRelayError) as caught:
            await sender.send(outgoing(dovecot.address("writer2")))

        assert str(caught.value).startswith(f"{HOST}:{server.port}: login refused: 535")
        assert server.received == []
    everything = "".join(traceback.format_exception(caught.value)) + repr(sender)
    assert WRONG_PASSWORD not in everything
    assert PASSWORD not in everything


async def test_a_server_that_requires_login_refuses_a_sender_without_one(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """No username configured against a server that wants AUTH ends permanently in its 530."""
    async with run_smtp_server(dovecot, logins={LOGIN: PASSWORD}) as server:
        sender = make_sender(server, security="starttls", ssl_context=dovecot.ssl_context())
        with pytest.raises(PermanentRelayError, match=r"MAIL FROM refused: 530"):
            await sender.send(outgoing(dovecot.address("writer2")))


async def test_a_username_without_auth_on_offer_is_permanent(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """A username set where the server offers no AUTH fails rather than send unauthenticated."""
    async with run_smtp_server(dovecot, security="none", logins={LOGIN: PASSWORD}) as server:
        sender = make_sender(server, username=LOGIN, password=PASSWORD)
        with pytest.raises(PermanentRelayError, match="offers no AUTH"):
            await sender.send(outgoing(dovecot.address("writer2")))


async def test_one_connection_serves_many_mails_and_is_replaced_when_dropped(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """Mails share one connection; when the server drops it, the next send quietly opens another."""
    async with run_smtp_server(dovecot) as server:
        sender = make_sender(server)
        await sender.send(outgoing(dovecot.address("writer1"), message_id="a@penpal.example"))
        await sender.send(outgoing(dovecot.address("writer1"), message_id="b@penpal.example"))
        assert len(server.connections) == 1

        server.drop_connections()
        await sender.send(outgoing(dovecot.address("writer1"), message_id="c@penpal.example"))
        assert len(server.connections) == 2

        await sender.close()
        await sender.send(outgoing(dovecot.address("writer1"), message_id="d@penpal.example"))
        assert len(server.connections) == 3

    ids = [message_id_of(stored) for stored in await dovecot.messages("writer1")]
    assert ids == [f"<{name}@penpal.example>" for name in "abcd"]


async def test_close_is_quiet_when_the_server_has_gone(
    dovecot: Dovecot, make_sender: MakeSender
) -> None:
    """Closing after the server dropped the connection raises nothing, and closing twice is fine."""
    async with run_smtp_server(dovecot) as server:
        sender = make_sender(server)
        await sender.send(outgoing(dovecot.address("writer1")))
        server.drop_connections()
        await sender.close()
        await sender.close()


async def test_non_ascii_address_needs_smtputf8(
    smtp_server: SmtpServer, make_sender: MakeSender
) -> None:
    """An address the server cannot take (no SMTPUTF8) fails for good, before anything is sent."""
    with pytest.raises(PermanentRelayError, match="SMTPUTF8"):
        await make_sender(smtp_server).send(outgoing("jürgen@penpal.example"))
    assert smtp_server.received == []


async def test_a_mail_without_recipients_is_refused(make_sender: MakeSender) -> None:
    """An empty envelope is a permanent error, without connecting anywhere."""
    with pytest.raises(PermanentRelayError, match="no recipients"):
        await make_sender(host=HOST, port=closed_port()).send(outgoing())


def test_unknown_security_is_refused() -> None:
    """A security mode outside tls, starttls and none is a programming error, said at once."""
    with pytest.raises(ValueError, match="ssl"):
        SmtpSender(host=HOST, port=25, security="ssl")


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [(1, 30.0), (2, 60.0), (3, 120.0), (7, 1920.0), (8, 3600.0), (9, 3600.0)],
)
def test_backoff_doubles_up_to_the_cap(attempt: int, seconds: float) -> None:
    """The default wait starts at 30 s, doubles with each attempt and stops at one hour."""
    assert backoff(attempt) == seconds


def test_backoff_takes_base_and_cap_and_survives_huge_attempts() -> None:
    """Base and cap are the caller's, and an absurd attempt number still gives the cap."""
    assert [backoff(n, base=1.0, cap=5.0) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff(100_000) == 3600.0


@pytest.mark.parametrize(
    "arguments",
    [{"attempt": 0}, {"attempt": 1, "base": 0.0}, {"attempt": 1, "cap": -1.0}],
    ids=["attempt-0", "base-0", "negative-cap"],
)
def test_backoff_refuses_nonsense(arguments: dict[str, float]) -> None:
    """Attempts count from 1; the base must be positive and the cap not negative."""
    with pytest.raises(ValueError, match=r"backoff|attempts"):
        backoff(**arguments)  # type: ignore[arg-type]  # the values are of the right kinds
