"""Tests for penpal.mailing: every mail penpal writes, read back with the email package."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from penpal.letters import (
    Address,
    Attachment,
    CommandName,
    Correspondence,
    CorrespondenceId,
    Extraction,
    Letter,
    LetterId,
    MailKind,
    OutgoingMail,
    State,
    Writer,
)
from penpal.mailing import (
    OwnMessageId,
    Sender,
    changes_mail,
    confirmation_mail,
    consent_mail,
    invitation_mail,
    is_own_message_id,
    make_message_id,
    notification_mail,
    own_message_ids_in,
    parse_own_message_id,
    relay_mail,
    reminder_mail,
    thread_subject,
)
from penpal.templating import template_environment

DOMAIN = "magazine.example"
SERVICE = f"penpal@{DOMAIN}"
REPLY_TO = f"penpal+tk7QzA-9x@{DOMAIN}"
DATE = datetime(2026, 11, 20, 9, 14, tzinfo=UTC)
NL = Sender(address=SERVICE, name="Penpal", language="nl")
EN = Sender(address=SERVICE, name="The Weekly Letter", language="en")
DENISE = Writer(email="denise@schrijvers.example", name="Denise van Iersel")
CAROLA = Writer(email="carola@post.example", name="Carola Smit", label="Carola")
K3M9QA = CorrespondenceId("k3m9qa")
EDITOR = Address(email="redactie@magazine.example", name="Mila Brouwer")

# Headers every mail has; relays add Reply-To, automatic mails their own set.
BASE_HEADERS = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type"}
AUTOMATIC = {"auto-submitted", "x-auto-response-suppress", "x-penpal", "content-language"}


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    """The built-in templates, as the service loads them."""
    return template_environment()


def correspondence(topic: str = "Kwetsbaarheid op het werk", subject: str = "") -> Correspondence:
    return Correspondence(
        id=CorrespondenceId("k3m9qa"),
        topic=topic,
        state=State.OPEN,
        writers=(DENISE, CAROLA),
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        subject=subject,
    )


def letter(
    text: str = "Lieve Carola,\n\nHoe gaat het?\n\nLiefs,\nDenise",
    attachments: Sequence[Attachment] = (),
    writer: Writer = DENISE,
) -> Letter:
    return Letter(
        id=LetterId(7),
        correspondence_id=CorrespondenceId("k3m9qa"),
        writer=writer,
        date=DATE - timedelta(hours=1),
        subject="Re: Kwetsbaarheid op het werk",
        message_id="CAH7mPq3@mail.example",
        extraction=Extraction(text=text, body=text),
        attachments=tuple(attachments),
    )


def mid(kind: MailKind = MailKind.RELAY, unique: str = "q8Zx2", token: str = "tk7QzA-9x") -> str:
    return make_message_id(kind, unique, DOMAIN, token)


def relay(
    env: jinja2.Environment,
    the_letter: Letter | None = None,
    *,
    the_correspondence: Correspondence | None = None,
    partner: Writer = CAROLA,
    sender: Sender = NL,
    first: bool = False,
    in_reply_to: str = "penpal.relay.a1@magazine.example",
    references: Sequence[str] = ("penpal.invitation.root1@magazine.example",),
) -> OutgoingMail:
    return relay_mail(
        the_letter or letter(),
        the_correspondence or correspondence(),
        partner,
        sender=sender,
        reply_to=REPLY_TO,
        message_id=mid(),
        in_reply_to=in_reply_to,
        references=references,
        date=DATE,
        env=env,
        first=first,
    )


def parse(mail: OutgoingMail) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(mail.raw)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    return message


def header_names(message: EmailMessage) -> set[str]:
    names = [name.lower() for name in message]
    assert len(names) == len(set(names)), f"a header occurs twice: {names}"
    return set(names)


def addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    return getaddresses([str(message[name])])


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert isinstance(part, EmailMessage)
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def files(message: EmailMessage) -> list[EmailMessage]:
    return [p for p in message.iter_attachments() if isinstance(p, EmailMessage)]


# ------------------------------------------------------------------ message ids


def test_make_message_id_has_the_documented_shape() -> None:
    """Kind, unique part and token are joined by dots under penpal. and the domain."""
    assert make_message_id(MailKind.RELAY, "q8Zx2", DOMAIN, "tk7QzA-9x") == (
        "penpal.relay.q8Zx2.tk7QzA-9x@magazine.example"
    )
    assert make_message_id(MailKind.REMINDER, "r1", "Magazine.Example") == (
        "penpal.reminder.r1@magazine.example"
    )


@pytest.mark.parametrize(
    ("unique", "domain", "token"),
    [
        ("", DOMAIN, ""),
        ("a.b", DOMAIN, ""),
        ("a b", DOMAIN, ""),
        ("ok", DOMAIN, "x..y"),
        ("ok", DOMAIN, "x\r\ny"),
        ("ok", DOMAIN, "<x>"),
        ("ok", "bad domain", ""),
        ("ok", "-magazine.example", ""),
        ("ok", "", ""),
    ],
    ids=["empty", "dot", "space", "double-dot", "crlf", "brackets", "space-domain", "dash", "none"],
)
def test_make_message_id_refuses_parts_that_cannot_stand_in_an_id(
    unique: str, domain: str, token: str
) -> None:
    """Unique part, token and domain must each fit the Message-ID grammar."""
    with pytest.raises(ValueError, match="message id"):
        make_message_id(MailKind.RELAY, unique, domain, token)


def test_make_message_id_refuses_an_unknown_kind() -> None:
    """Only the mail kinds penpal sends can name an id."""
    with pytest.raises(ValueError, match="spam"):
        make_message_id("spam", "u1", DOMAIN)  # type: ignore[arg-type]  # what a bad caller passes


@pytest.mark.parametrize("kind", list(MailKind), ids=[k.value for k in MailKind])
@pytest.mark.parametrize(
    "token", ["", "tk7QzA-9x", "v1.payload.sig_=="], ids=["none", "b64", "dots"]
)
def test_own_message_ids_read_back(kind: MailKind, token: str) -> None:
    """Every id make_message_id makes is recognised, with its kind, unique part and token."""
    made = make_message_id(kind, "u-1_x", DOMAIN, token)
    assert parse_own_message_id(made, DOMAIN) == OwnMessageId(kind, "u-1_x", token)
    assert is_own_message_id(f" <{made}> ", "MAGAZINE.example ")


@pytest.mark.parametrize(
    "message_id",
    [
        "penpal.relay.q8Zx2@other.example",
        "penpal.relay.q8Zx2@sub.magazine.example",
        "CAH7mPq3xK2vR9tLw0bN5eZ8fYc1dGj4sUa6oTn2iMh@mail.gmail.example",
        "penpal.spam.q8Zx2@magazine.example",
        "penpal.relay@magazine.example",
        "penpal.relay.@magazine.example",
        "xpenpal.relay.q8Zx2@magazine.example",
        "penpal.relay.q8Zx2.@magazine.example",
        "penpal.relay.q8Zx2",
        "",
    ],
    ids=[
        "other-domain",
        "subdomain",
        "gmail",
        "unknown-kind",
        "no-unique",
        "empty-unique",
        "prefix",
        "trailing-dot",
        "no-domain",
        "empty",
    ],
)
def test_foreign_message_ids_are_not_taken_for_our_own(message_id: str) -> None:
    """Ids from other programs, other domains or of the wrong shape are not penpal's."""
    assert not is_own_message_id(message_id, DOMAIN)
    assert parse_own_message_id(message_id, DOMAIN) is None


def test_sender_knows_its_domain_and_refuses_odd_languages() -> None:
    """The domain comes from the address; a language that is no plain code is refused."""
    assert Sender("Penpal@Magazine.Example", "Penpal", "en").domain == "magazine.example"
    with pytest.raises(ValueError, match="unsupported language"):
        Sender(SERVICE, "Penpal", "../nl")


# ----------------------------------------------------------------------- relays


def test_relay_headers(env: jinja2.Environment) -> None:
    """A relay comes from the service in the writer's name, to the partner, threaded."""
    mail = relay(env)
    message = parse(mail)
    assert header_names(message) == BASE_HEADERS | {
        "reply-to",
        "in-reply-to",
        "references",
        "x-penpal",
    }
    assert addresses(message, "From") == [("Denise van Iersel via Penpal", SERVICE)]
    assert addresses(message, "To") == [("Carola Smit", "carola@post.example")]
    assert addresses(message, "Reply-To") == [("Denise van Iersel via Penpal", REPLY_TO)]
    assert message["Subject"] == "Re: Kwetsbaarheid op het werk"
    assert message["Message-ID"] == "<penpal.relay.q8Zx2.tk7QzA-9x@magazine.example>"
    assert message["In-Reply-To"] == "<penpal.relay.a1@magazine.example>"
    assert message["References"].split() == [
        "<penpal.invitation.root1@magazine.example>",
        "<penpal.relay.a1@magazine.example>",
    ]
    assert message["Date"] == "Fri, 20 Nov 2026 09:14:00 +0000"
    assert parsedate_to_datetime(message["Date"]) == DATE
    assert message["MIME-Version"] == "1.0"
    assert message["X-Penpal"] == "relay k3m9qa"
    assert "Auto-Submitted" not in message
    assert mail.message_id == "penpal.relay.q8Zx2.tk7QzA-9x@magazine.example"
    assert mail.kind is MailKind.RELAY
    assert mail.sender == SERVICE
    assert mail.recipients == ("carola@post.example",)
    assert mail.correspondence_id == "k3m9qa"
    assert b"\r\n" in mail.raw
    assert not re.search(rb"[^\r]\n", mail.raw)


def test_relay_never_shows_the_writers_own_address(env: jinja2.Environment) -> None:
    """The writer's address appears nowhere in the headers: DMARC would reject it."""
    head = relay(env).raw.split(b"\r\n\r\n", 1)[0]
    assert b"denise@schrijvers.example" not in head


def test_relay_subject_is_stable(env: jinja2.Environment) -> None:
    """The first relay carries the subject bare, later ones Re: once, whatever came before."""
    assert parse(relay(env, first=True))["Subject"] == "Kwetsbaarheid op het werk"
    renamed = correspondence(subject="RE: Antw: Werk en leven")
    assert parse(relay(env, the_correspondence=renamed))["Subject"] == "Re: Werk en leven"
    assert parse(relay(env, the_correspondence=renamed, first=True))["Subject"] == "Werk en leven"
    assert thread_subject(correspondence(subject="Re:")) == "Re:"
    assert thread_subject(correspondence(topic="  Twee\n  regels ")) == "Twee regels"


def test_relay_falls_back_to_the_label_for_a_writer_without_a_name(
    env: jinja2.Environment,
) -> None:
    """A writer known only by address is shown by label, never by the address itself."""
    nameless = Writer(email="anon@schrijvers.example", name="", label="Anna")
    message = parse(relay(env, letter(writer=nameless)))
    assert addresses(message, "From") == [("Anna via Penpal", SERVICE)]


def test_relay_body_has_both_alternatives_in_utf8(env: jinja2.Environment) -> None:
    """Plain text and HTML say the same: the letter, paragraphs as <p>, lines as <br>."""
    text = "Lieve Carola,\r\n\r\nHoe gaat het   \r\nmet jóu?\n\n\n\nLiefs,\nDenise"
    message = parse(relay(env, letter(text)))
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    for part in message.iter_parts():
        assert part.get_content_charset() == "utf-8"
        assert "MIME-Version" not in part
    body = plain(message)
    assert body.startswith("Lieve Carola,\n\nHoe gaat het\nmet jóu?\n\nLiefs,\nDenise\n\n-- \n")
    assert "Beantwoord deze mail om Denise terug te schrijven." in body
    page = html(message)
    assert '<html lang="nl">' in page
    assert "<title>Re: Kwetsbaarheid op het werk</title>" in page
    assert ">Lieve Carola,</p>" in page
    assert ">Hoe gaat het<br>\nmet jóu?</p>" in page
    assert ">Liefs,<br>\nDenise</p>" in page
    assert page.index("Denise</p>") < page.index("<hr") < page.index("Beantwoord deze mail")


def test_relay_in_english(env: jinja2.Environment) -> None:
    """The footer follows the service language; the letter itself is left as written."""
    message = parse(relay(env, sender=EN))
    assert addresses(message, "From") == [("Denise van Iersel via The Weekly Letter", SERVICE)]
    assert "This letter from Denise comes to you through The Weekly Letter." in plain(message)
    assert '<html lang="en">' in html(message)
    assert "Hoe gaat het?" in plain(message)


def test_relay_escapes_the_letter_in_html(env: jinja2.Environment) -> None:
    """A letter with markup is shown as text in the HTML part, never run."""
    text = 'Kijk: <script>alert("x")</script> & <b>vet</b>\n\n<img src=x onerror=alert(1)>'
    message = parse(relay(env, letter(text)))
    page = html(message)
    assert "<script" not in page
    assert "<b>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;vet&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<script>alert("x")</script>' in plain(message)


def test_relay_keeps_private_asides_and_marks_them(env: jinja2.Environment) -> None:
    """Private paragraphs go to the partner; the HTML sets them apart."""
    text = "Lieve Carola,\n\n[privé] Tussen ons: ik vertrek.\n\nOpenbaar stuk."
    message = parse(relay(env, letter(text)))
    assert "[privé] Tussen ons: ik vertrek." in plain(message)
    page = html(message)
    aside = re.search(r'<p style="([^"]*)">\[privé\] Tussen ons', page)
    public = re.search(r'<p style="([^"]*)">Openbaar stuk', page)
    assert aside is not None
    assert public is not None
    assert "border-left" in aside.group(1)
    assert "border-left" not in public.group(1)


def test_relay_carries_attachments_and_inline_images(env: jinja2.Environment) -> None:
    """Inline images become related parts the HTML shows; other files are attachments."""
    photo = b"\xff\xd8\xff\xe0 a small jpeg"
    attachments = [
        Attachment("batterij.jpg", "image/jpeg", photo, content_id="orig@mac.example", inline=True),
        Attachment("notities.pdf", "application/pdf", b"%PDF-1.4 notes"),
        Attachment("../../etc/pass\r\nwd", "text/plain; charset=utf-8", b"plain\n"),
        Attachment("", "no type at all", b"\x00\x01"),
        Attachment("gedicht.txt", "text/plain", b"rozen", inline=True),
        Attachment("...", "message/rfc822", b"Subject: x\r\n\r\nx"),
    ]
    message = parse(relay(env, letter(attachments=attachments)))
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    related = list(alternative.iter_parts())[1]
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    image = list(related.iter_parts())[1]
    cid = "image1.penpal.relay.q8Zx2.tk7QzA-9x@magazine.example"
    assert image["Content-ID"] == f"<{cid}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == photo
    assert f'<img src="cid:{cid}" alt="batterij.jpg"' in html(message)
    assert "batterij.jpg" not in plain(message)
    found = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in files(message)]
    assert found == [
        ("notities.pdf", "application/pdf", b"%PDF-1.4 notes"),
        ("pass wd", "text/plain", "plain\n"),
        ("attachment", "application/octet-stream", b"\x00\x01"),
        ("gedicht.txt", "text/plain", "rozen"),
        ("attachment", "application/octet-stream", b"Subject: x\r\n\r\nx"),
    ]
    assert all(p.get_content_disposition() == "attachment" for p in files(message))


def test_relay_threading_headers_skip_what_cannot_stand_in_a_header(
    env: jinja2.Environment,
) -> None:
    """Foreign ids with spaces or brackets are left out; the parent always ends the chain."""
    message = parse(
        relay(
            env,
            in_reply_to="<parent@mail.example>",
            references=["root@mail.example", "bad id@x", "a<b>@x", "root@mail.example", ""],
        )
    )
    assert message["In-Reply-To"] == "<parent@mail.example>"
    assert message["References"].split() == ["<root@mail.example>", "<parent@mail.example>"]
    bare = parse(relay(env, in_reply_to="not an id", references=[]))
    assert "In-Reply-To" not in bare
    assert "References" not in bare
    assert "In-Reply-To" not in parse(relay(env, in_reply_to="", references=[]))


def test_relay_references_keep_the_root_and_the_newest(env: jinja2.Environment) -> None:
    """A long thread sends the first id and the nineteen newest, ending with the parent."""
    ids = [f"letter{n}@mail.example" for n in range(30)]
    message = parse(relay(env, in_reply_to=ids[-1], references=ids[:-1]))
    sent = message["References"].split()
    assert len(sent) == 20
    assert sent[0] == "<letter0@mail.example>"
    assert sent[1:] == [f"<letter{n}@mail.example>" for n in range(11, 30)]


def test_long_ids_are_folded_and_never_encoded(env: jinja2.Environment) -> None:
    """Ids longer than a header line stay readable ids, or mail programs cannot thread."""
    parent = "penpal.relay." + "p" * 70 + "." + "T" * 60 + "@magazine.example"
    message_id = make_message_id(MailKind.RELAY, "u" * 40, DOMAIN, "T" * 80)
    mail = relay_mail(
        letter(),
        correspondence(),
        CAROLA,
        sender=NL,
        reply_to=REPLY_TO,
        message_id=message_id,
        in_reply_to=parent,
        references=["root@mail.example"],
        date=DATE,
        env=env,
        first=False,
    )
    assert b"=?" not in mail.raw.split(b"\r\n\r\n", 1)[0]
    message = parse(mail)
    assert message["Message-ID"] == f"<{message_id}>"
    assert message["In-Reply-To"] == f"<{parent}>"
    assert message["References"].split() == ["<root@mail.example>", f"<{parent}>"]


def test_relay_bytes_depend_on_the_arguments_alone(env: jinja2.Environment) -> None:
    """Composing the same mail twice gives the same bytes: boundaries are not random."""
    attachments = [Attachment("a.jpg", "image/jpeg", b"jpg", inline=True)]
    one = relay(env, letter(attachments=attachments))
    two = relay(env, letter(attachments=attachments))
    assert one.raw == two.raw
    assert b'boundary="=_penpal-mixed"' not in one.raw
    assert b'boundary="=_penpal-alternative"' in one.raw


def test_text_that_looks_like_a_boundary_cannot_split_the_mail(env: jinja2.Environment) -> None:
    """A letter that writes out penpal's boundary still reads back as one text part."""
    text = "Lieve Carola,\n\n--=_penpal-alternative\nContent-Type: text/html\n\n<b>nep</b>"
    message = parse(relay(env, letter(text)))
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "--=_penpal-alternative\nContent-Type: text/html" in plain(message)


# -------------------------------------------------------------- header safety


@pytest.mark.parametrize(
    "evil",
    [
        "Denise\r\nBcc: spy@attacker.example",
        "Denise\nBcc: spy@attacker.example",
        "Denise\rBcc: spy@attacker.example",
        "Denise\u2028Bcc: spy@attacker.example",
        "Denise\x85Bcc: spy@attacker.example",
        "Denise\x00\x0bBcc: spy@attacker.example",
    ],
    ids=["crlf", "lf", "cr", "line-separator", "nel", "controls"],
)
def test_names_and_subjects_cannot_inject_headers(env: jinja2.Environment, evil: str) -> None:
    """A line break in a name, topic or subject becomes a space: no Bcc appears."""
    writer = Writer(email="denise@schrijvers.example", name=evil)
    partner = Writer(email="carola@post.example", name=evil)
    message = parse(
        relay(
            env,
            letter(writer=writer),
            partner=partner,
            the_correspondence=correspondence(topic=evil, subject=evil),
            sender=Sender(SERVICE, evil, "nl"),
        )
    )
    assert "Bcc" not in message
    assert header_names(message) == BASE_HEADERS | {
        "reply-to",
        "in-reply-to",
        "references",
        "x-penpal",
    }
    assert addresses(message, "From") == [
        ("Denise Bcc: spy@attacker.example via Denise Bcc: spy@attacker.example", SERVICE)
    ]
    assert addresses(message, "To") == [("Denise Bcc: spy@attacker.example", "carola@post.example")]
    assert message["Subject"] == "Re: Denise Bcc: spy@attacker.example"


def test_bidi_overrides_are_dropped_from_names(env: jinja2.Environment) -> None:
    """A right-to-left override cannot make a display name read as something else."""
    writer = Writer(email="denise@schrijvers.example", name="Denise\u202e lapneP")
    message = parse(relay(env, letter(writer=writer)))
    assert addresses(message, "From") == [("Denise lapneP via Penpal", SERVICE)]


def test_display_names_with_address_syntax_stay_one_name(env: jinja2.Environment) -> None:
    """Quotes, commas and angle brackets in a name are quoted, never read as addresses."""
    writer = Writer(
        email="denise@schrijvers.example", name='Eve "the boss" <boss@attacker.example>, Bob'
    )
    message = parse(relay(env, letter(writer=writer)))
    assert addresses(message, "From") == [
        ('Eve "the boss" <boss@attacker.example>, Bob via Penpal', SERVICE)
    ]


@pytest.mark.parametrize(
    "address",
    ["carola@post.example\r\nBcc: spy@attacker.example", "not an address", "zoë@post.example"],
    ids=["crlf", "garbage", "non-ascii"],
)
def test_bad_addresses_are_refused(env: jinja2.Environment, address: str) -> None:
    """An address that cannot stand in a header stops the mail instead of bending it."""
    with pytest.raises(ValueError, match=r"^not a mail address: "):
        relay(env, partner=Writer(email=address, name="Carola"))


@settings(max_examples=60, deadline=None)
@given(name=st.text(max_size=40), topic=st.text(max_size=60))
def test_no_text_ever_adds_a_header(name: str, topic: str) -> None:
    """Whatever a name or topic holds, the mail has exactly its own headers, once each."""
    env = template_environment()
    writer = Writer(email="denise@schrijvers.example", name=name)
    message = parse(
        relay(
            env,
            letter(writer=writer),
            partner=Writer(email="carola@post.example", name=name),
            the_correspondence=correspondence(topic=topic),
        )
    )
    assert header_names(message) == BASE_HEADERS | {
        "reply-to",
        "in-reply-to",
        "references",
        "x-penpal",
    }
    assert [email for _, email in addresses(message, "From")] == [SERVICE]
    assert [email for _, email in addresses(message, "To")] == ["carola@post.example"]
    assert "\n" not in message["Subject"]


def test_own_message_id_must_be_well_formed(env: jinja2.Environment) -> None:
    """Penpal's own Message-ID is checked: without it nothing would thread."""
    for bad in ("", "no-at-sign", "two words@x.example", "<a<b>@x.example>"):
        with pytest.raises(ValueError, match="not a message id"):
            relay_mail(
                letter(),
                correspondence(),
                CAROLA,
                sender=NL,
                reply_to=REPLY_TO,
                message_id=bad,
                in_reply_to="",
                references=[],
                date=DATE,
                env=env,
                first=True,
            )


def test_date_needs_a_time_zone(env: jinja2.Environment) -> None:
    """A naive date is refused; an aware one is written in its own offset."""
    amsterdam = timezone(timedelta(hours=1))
    mail = invitation_mail(
        correspondence(),
        DENISE,
        CAROLA,
        sender=NL,
        reply_to=REPLY_TO,
        message_id=mid(MailKind.INVITATION),
        date=datetime(2026, 11, 20, 10, 14, tzinfo=amsterdam),
        env=env,
        starts=True,
    )
    assert parse(mail)["Date"] == "Fri, 20 Nov 2026 10:14:00 +0100"
    with pytest.raises(ValueError, match="time zone"):
        invitation_mail(
            correspondence(),
            DENISE,
            CAROLA,
            sender=NL,
            reply_to=REPLY_TO,
            message_id=mid(MailKind.INVITATION),
            date=datetime(2026, 11, 20, 10, 14),  # the mistake under test
            env=env,
            starts=True,
        )


# ------------------------------------------------------------------- automatic


def invitation(env: jinja2.Environment, sender: Sender, *, starts: bool) -> OutgoingMail:
    return invitation_mail(
        correspondence(),
        DENISE,
        CAROLA,
        sender=sender,
        reply_to=REPLY_TO,
        message_id=mid(MailKind.INVITATION, token=""),
        date=DATE,
        env=env,
        starts=starts,
    )


def assert_automatic(message: EmailMessage, kind: str, language: str) -> None:
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["X-Penpal"] == kind
    assert message["Content-Language"] == language
    assert message["MIME-Version"] == "1.0"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert f'<html lang="{language}">' in html(message)


def test_invitation_headers(env: jinja2.Environment) -> None:
    """An invitation is automatic, from the service, and replies go to the correspondence."""
    mail = invitation(env, NL, starts=True)
    message = parse(mail)
    assert header_names(message) == BASE_HEADERS | AUTOMATIC | {"reply-to"}
    assert_automatic(message, "invitation k3m9qa", "nl")
    assert addresses(message, "From") == [("Penpal", SERVICE)]
    assert addresses(message, "To") == [("Denise van Iersel", "denise@schrijvers.example")]
    assert addresses(message, "Reply-To") == [("Penpal", REPLY_TO)]
    assert message["Subject"] == "Kwetsbaarheid op het werk"
    assert message["Message-ID"] == "<penpal.invitation.q8Zx2@magazine.example>"
    assert mail.kind is MailKind.INVITATION
    assert mail.recipients == ("denise@schrijvers.example",)
    assert mail.correspondence_id == "k3m9qa"


@pytest.mark.parametrize(
    ("sender", "words"),
    [
        (NL, ["Hallo Denise,", "Carola Smit", "“Kwetsbaarheid op het werk”", "[privé]", "#klaar"]),
        (
            EN,
            [
                "Hello Denise,",
                "Carola Smit",
                "“Kwetsbaarheid op het werk”",
                "[private]",
                "#complete",
            ],
        ),
    ],
    ids=["nl", "en"],
)
def test_invitation_explains_how_it_works(
    env: jinja2.Environment, sender: Sender, words: list[str]
) -> None:
    """The invitation names the partner and topic and explains replying, asides and finishing."""
    for starts in (True, False):
        message = parse(invitation(env, sender, starts=starts))
        body = plain(message)
        for word in words:
            assert word in body
            assert word.replace("“", "").replace("”", "") in html(message)
        assert len(body.split()) < 200


def test_invitation_says_who_writes_first(env: jinja2.Environment) -> None:
    """The writer who starts is asked to reply; the other is told whose letter to expect."""
    starter = plain(parse(invitation(env, NL, starts=True)))
    waiter = plain(parse(invitation(env, NL, starts=False)))
    assert "Jij schrijft de eerste brief." in starter
    assert "Carola schrijft de eerste brief." in waiter
    assert "“Carola Smit via Penpal”" in waiter
    assert "You write the first letter." in plain(parse(invitation(env, EN, starts=True)))
    assert "Carola writes the first letter." in plain(parse(invitation(env, EN, starts=False)))


def reminder(env: jinja2.Environment, sender: Sender, days: int) -> OutgoingMail:
    return reminder_mail(
        correspondence(),
        CAROLA,
        DENISE,
        sender=sender,
        reply_to=REPLY_TO,
        message_id=mid(MailKind.REMINDER),
        in_reply_to="penpal.relay.last@magazine.example",
        references=["penpal.invitation.root@magazine.example"],
        date=DATE,
        days=days,
        env=env,
    )


def test_reminder_threads_under_the_last_letter(env: jinja2.Environment) -> None:
    """A reminder replies to the letter that waits for an answer, in the same thread."""
    mail = reminder(env, NL, 8)
    message = parse(mail)
    assert header_names(message) == BASE_HEADERS | AUTOMATIC | {
        "reply-to",
        "in-reply-to",
        "references",
    }
    assert_automatic(message, "reminder k3m9qa", "nl")
    assert addresses(message, "To") == [("Carola Smit", "carola@post.example")]
    assert addresses(message, "Reply-To") == [("Penpal", REPLY_TO)]
    assert message["Subject"] == "Re: Kwetsbaarheid op het werk"
    assert message["In-Reply-To"] == "<penpal.relay.last@magazine.example>"
    assert message["References"].split() == [
        "<penpal.invitation.root@magazine.example>",
        "<penpal.relay.last@magazine.example>",
    ]
    assert mail.kind is MailKind.REMINDER
    assert mail.recipients == ("carola@post.example",)


@pytest.mark.parametrize(
    ("sender", "days", "phrase"),
    [
        (NL, 1, "Het is al 1 dag jouw beurt"),
        (NL, 8, "Het is al 8 dagen jouw beurt"),
        (EN, 1, "It has been your turn for 1 day in"),
        (EN, 8, "It has been your turn for 8 days in"),
    ],
    ids=["nl-one", "nl-many", "en-one", "en-many"],
)
def test_reminder_counts_the_days(
    env: jinja2.Environment, sender: Sender, days: int, phrase: str
) -> None:
    """The reminder says how long it has been the writer's turn, in the language."""
    message = parse(reminder(env, sender, days))
    assert phrase in plain(message)
    assert phrase in html(message)
    assert "Carola" in plain(message)


def confirmation(
    env: jinja2.Environment,
    command: CommandName,
    *,
    sender: Sender = NL,
    recipient: Writer | Address = DENISE,
    in_reply_to: str = "CAH7mPq3@mail.example",
    detail: str = "",
) -> OutgoingMail:
    return confirmation_mail(
        correspondence(),
        recipient,
        command=command,
        sender=sender,
        message_id=mid(MailKind.CONFIRMATION, token=""),
        in_reply_to=in_reply_to,
        date=DATE,
        env=env,
        detail=detail,
    )


def test_confirmation_replies_to_the_command(env: jinja2.Environment) -> None:
    """A confirmation is an automatic reply to the mail that held the command."""
    mail = confirmation(env, CommandName.COMPLETE)
    message = parse(mail)
    assert header_names(message) == BASE_HEADERS | AUTOMATIC | {"in-reply-to", "references"}
    assert_automatic(message, "confirmation k3m9qa", "nl")
    assert addresses(message, "To") == [("Denise van Iersel", "denise@schrijvers.example")]
    assert message["Subject"] == "Re: Kwetsbaarheid op het werk"
    assert message["In-Reply-To"] == "<CAH7mPq3@mail.example>"
    assert message["References"] == "<CAH7mPq3@mail.example>"
    assert mail.kind is MailKind.CONFIRMATION
    assert "Hallo Denise," in plain(message)
    unthreaded = parse(confirmation(env, CommandName.AGREE, in_reply_to=""))
    assert "In-Reply-To" not in unthreaded
    assert "References" not in unthreaded


@pytest.mark.parametrize(
    ("sender", "command", "phrase"),
    [
        (
            NL,
            CommandName.COMPLETE,
            "Genoteerd: de briefwisseling over “Kwetsbaarheid op het werk” is klaar.",
        ),
        (NL, CommandName.AGREE, "Genoteerd: je gaat akkoord met de tekst"),
        (NL, CommandName.APPROVE, "Genoteerd: “Kwetsbaarheid op het werk” is goedgekeurd."),
        (NL, CommandName.CHANGES, "Genoteerd: je vraagt de schrijvers om wijzigingen"),
        (
            EN,
            CommandName.COMPLETE,
            "Done: the correspondence about “Kwetsbaarheid op het werk” is complete.",
        ),
        (EN, CommandName.AGREE, "Done: you agree to the text"),
        (EN, CommandName.APPROVE, "Done: “Kwetsbaarheid op het werk” is approved."),
        (EN, CommandName.CHANGES, "Done: you asked the writers for changes"),
    ],
    ids=lambda value: value.language if isinstance(value, Sender) else None,
)
def test_confirmation_says_what_was_done(
    env: jinja2.Environment, sender: Sender, command: CommandName, phrase: str
) -> None:
    """Each command has its own confirmation in each language."""
    body = plain(parse(confirmation(env, command, sender=sender)))
    assert phrase in body


def test_confirmation_to_an_editor_with_detail(env: jinja2.Environment) -> None:
    """An editor is greeted by first name, or not at all, and the detail is added."""
    note = "Kan de tweede brief korter?\n<b>Graag</b>"
    message = parse(confirmation(env, CommandName.CHANGES, recipient=EDITOR, detail=f" {note} "))
    assert addresses(message, "To") == [("Mila Brouwer", "redactie@magazine.example")]
    assert plain(message).startswith("Hallo Mila,\n\n")
    assert f"\n\n{note}\n\n" in plain(message)
    assert "Kan de tweede brief korter?<br>\n&lt;b&gt;Graag&lt;/b&gt;" in html(message)
    anonymous = Address(email="redactie@magazine.example")
    english = parse(confirmation(env, CommandName.APPROVE, sender=EN, recipient=anonymous))
    assert english["To"] == "redactie@magazine.example"
    assert plain(english).startswith("Hello,\n\n")


# --------------------------------------------------------------- notifications


def notification(
    env: jinja2.Environment,
    key: str,
    context: dict[str, Any],
    *,
    sender: Sender = NL,
    correspondence_id: CorrespondenceId | None = K3M9QA,
    recipients: Sequence[Address] = (EDITOR, Address(email="chef@magazine.example")),
) -> OutgoingMail:
    return notification_mail(
        recipients,
        subject_key=key,
        sender=sender,
        message_id=mid(MailKind.NOTIFICATION, token=""),
        date=DATE,
        env=env,
        context=context,
        correspondence_id=correspondence_id,
    )


COMPLETED = {"topic": "Kwetsbaarheid op het werk", "writers": ["Denise", "Carola"], "letters": 6}


def test_completed_notification_attaches_the_draft(env: jinja2.Environment) -> None:
    """The editors hear that a correspondence is complete, with the draft as Markdown."""
    draft = '---\ntitle: "Kwetsbaarheid op het werk"\n---\n\nDenise: Lieve Carola…\n'
    context = {**COMPLETED, "draft_markdown": draft, "draft_url": "https://penpal.example/k3m9qa"}
    mail = notification(env, "completed", context)
    message = parse(mail)
    assert header_names(message) == BASE_HEADERS | AUTOMATIC
    assert message["X-Penpal"] == "notification k3m9qa"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == "Briefwisseling klaar: Kwetsbaarheid op het werk"
    assert addresses(message, "To") == [
        ("Mila Brouwer", "redactie@magazine.example"),
        ("", "chef@magazine.example"),
    ]
    assert mail.recipients == ("redactie@magazine.example", "chef@magazine.example")
    assert mail.kind is MailKind.NOTIFICATION
    assert mail.correspondence_id == "k3m9qa"
    body = plain(message)
    assert "tussen Denise en Carola is klaar: 6 brieven." in body
    assert "Markdown-bestand" in body
    assert "https://penpal.example/k3m9qa" in body
    assert "penpal draft k3m9qa" in body
    assert "https://penpal.example/k3m9qa" in html(message)
    (attachment,) = files(message)
    assert attachment.get_filename() == "k3m9qa.md"
    assert attachment.get_content_type() == "text/markdown"
    assert attachment.get_content_charset() == "utf-8"
    # Text parts travel with CRLF line ends, the canonical form of MIME text.
    assert attachment.get_content().replace("\r\n", "\n") == draft


def test_completed_notification_without_a_draft(env: jinja2.Environment) -> None:
    """Without draft or link the notice says neither; one letter is counted as one."""
    message = parse(
        notification(
            env, "completed", {**COMPLETED, "letters": 1}, sender=EN, correspondence_id=None
        )
    )
    assert message["X-Penpal"] == "notification"
    assert message["Subject"] == "Correspondence complete: Kwetsbaarheid op het werk"
    body = plain(message)
    assert "between Denise and Carola is complete: 1 letter." in body
    assert "Markdown" not in body
    assert "penpal draft" not in body
    assert files(message) == []


def test_draft_attachment_name_can_be_chosen(env: jinja2.Environment) -> None:
    """A draft_filename in the context names the attachment, folders removed."""
    context = {**COMPLETED, "draft_markdown": "# x\n", "draft_filename": "../kwetsbaar.md"}
    (attachment,) = files(parse(notification(env, "completed", context, correspondence_id=None)))
    assert attachment.get_filename() == "kwetsbaar.md"
    context = {**COMPLETED, "draft_markdown": "# x\n"}
    (attachment,) = files(parse(notification(env, "completed", context, correspondence_id=None)))
    assert attachment.get_filename() == "draft.md"


@pytest.mark.parametrize(
    ("sender", "subject", "phrases"),
    [
        (
            NL,
            "In quarantaine: mail van Onbekende <vreemd@elders.example>",
            ["Reden: not a writer of k3m9qa", "penpal release 12", "Onderwerp: Hoi\\"],
        ),
        (
            EN,
            "Quarantined: mail from Onbekende <vreemd@elders.example>",
            ["Reason: not a writer of k3m9qa", "penpal release 12", "Correspondence: k3m9qa"],
        ),
    ],
    ids=["nl", "en"],
)
def test_quarantine_notification(
    env: jinja2.Environment, sender: Sender, subject: str, phrases: list[str]
) -> None:
    """The editors hear who wrote, about what, why it was held back and how to release it."""
    context = {
        "from_address": "Onbekende\r\n<vreemd@elders.example>",
        "mail_subject": "Hoi\\",
        "reason": "not a writer of k3m9qa",
        "quarantine_id": 12,
    }
    message = parse(notification(env, "quarantined", context, sender=sender))
    assert message["Subject"] == subject
    for phrase in phrases:
        assert phrase in plain(message)
    assert "&lt;vreemd@elders.example&gt;" in html(message)


@pytest.mark.parametrize(
    ("sender", "subject", "phrase"),
    [
        (NL, "Niet bezorgd: Re: Kwetsbaarheid op het werk", "Fout: 550 5.1.1 no such user"),
        (EN, "Not delivered: Re: Kwetsbaarheid op het werk", "Error: 550 5.1.1 no such user"),
    ],
    ids=["nl", "en"],
)
def test_failed_delivery_notification(
    env: jinja2.Environment, sender: Sender, subject: str, phrase: str
) -> None:
    """The editors hear which mail did not arrive, for whom, and what the server said."""
    context = {
        "to": "carola@post.example",
        "mail_subject": "Re: Kwetsbaarheid op het werk",
        "error": "550 5.1.1 no such user",
    }
    message = parse(notification(env, "failed", context, sender=sender, correspondence_id=None))
    assert message["Subject"] == subject
    assert phrase in plain(message)
    assert "carola@post.example" in plain(message)


def test_notification_refuses_bad_requests(env: jinja2.Environment) -> None:
    """No recipients, an odd key, a reserved context key or an unknown key are errors."""
    with pytest.raises(ValueError, match="at least one recipient"):
        notification(env, "completed", COMPLETED, recipients=[])
    with pytest.raises(ValueError, match="lower-case word"):
        notification(env, "../relay", COMPLETED)
    with pytest.raises(ValueError, match="may not set language, sender"):
        notification(env, "completed", {**COMPLETED, "sender": "x", "language": "de"})
    with pytest.raises(jinja2.TemplateNotFound):
        notification(env, "unheard-of", COMPLETED)
    with pytest.raises(jinja2.UndefinedError):
        notification(env, "failed", {"to": "x@y.example"})


# -------------------------------------------------------------------- templates

MAIL_TEMPLATES = resources.files("penpal") / "templates" / "mail"
TEXT_NAMES = [
    "relay",
    "invitation",
    "reminder",
    "confirmation",
    "notification.completed",
    "notification.quarantined",
    "notification.failed",
    "notification.consented",
    "changes",
    "consent",
]


def test_every_mail_exists_in_dutch_and_english() -> None:
    """Each kind of mail has a text template in both languages, and there is one HTML layout."""
    names = sorted(p.name for p in MAIL_TEMPLATES.iterdir())
    expected = [f"{name}.{lang}.txt.j2" for name in TEXT_NAMES for lang in ("nl", "en")]
    assert names == sorted([*expected, "layout.html.j2"])


def test_each_mail_template_opens_with_a_comment_listing_its_variables() -> None:
    """Every mail template starts with a comment that names what it expects."""
    for path in MAIL_TEMPLATES.iterdir():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("{#"), path.name
        assert "Variables:" in text.split("#}", 1)[0], path.name
        assert "\n-- \n" in text or path.name == "layout.html.j2", path.name


def test_override_html_template_is_used_and_escaped(tmp_path: Path) -> None:
    """A magazine's own HTML for one kind replaces the layout, still auto-escaped."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "invitation.en.html.j2").write_text(
        "<h1>{{ subject }}</h1><p>{{ partner.name }}</p>", encoding="utf-8"
    )
    env = template_environment(tmp_path)
    other = Writer(email="carola@post.example", name="Carola <Smit>")
    mail = invitation_mail(
        correspondence(topic="Werk & leven"),
        DENISE,
        other,
        sender=EN,
        reply_to=REPLY_TO,
        message_id=mid(MailKind.INVITATION),
        date=DATE,
        env=env,
        starts=True,
    )
    message = parse(mail)
    assert html(message) == "<h1>Werk &amp; leven</h1><p>Carola &lt;Smit&gt;</p>\n"
    assert "Hello Denise," in plain(message)


def test_override_text_template_must_set_a_subject(tmp_path: Path) -> None:
    """A text template for an automatic mail that sets no subject is reported by name."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "reminder.nl.txt.j2").write_text("Schrijf eens!\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"mail/reminder\.nl\.txt\.j2: the template sets no subject"
    ):
        reminder(template_environment(tmp_path), NL, 3)


def test_override_relay_without_footer_keeps_every_paragraph(tmp_path: Path) -> None:
    """A relay template without a "-- " line shows all of its text as the letter."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "relay.nl.txt.j2").write_text(
        "{{ letter_text }}\n\n  \n\nVia {{ sender.name }}.\n", encoding="utf-8"
    )
    message = parse(relay(template_environment(tmp_path)))
    assert plain(message) == "Lieve Carola,\n\nHoe gaat het?\n\nLiefs,\nDenise\n\nVia Penpal.\n"
    page = html(message)
    assert "<hr" not in page
    assert page.count("<p ") == 4
    assert ">Via Penpal.</p>" in page


def test_a_language_without_templates_is_reported(env: jinja2.Environment) -> None:
    """A service language with no templates fails naming the template it looked for."""
    with pytest.raises(jinja2.TemplateNotFound, match=r"mail/relay\.de\.txt\.j2"):
        relay(env, sender=Sender(SERVICE, "Penpal", "de"))


def test_own_message_ids_are_found_in_a_bounce() -> None:
    """A bounce's quoted headers name penpal's mail; ids of other domains and repeats are not."""
    relay = make_message_id(MailKind.RELAY, "a1b2", DOMAIN, "k3m9qa-abcdefghij")
    other = make_message_id(MailKind.REMINDER, "c3d4", "elsewhere.example")
    report = (
        "Final-Recipient: rfc822; carola@post.example\n"
        f"Message-ID: <{relay}>\nReferences: <{other}> <{relay}>\n"
    )
    assert own_message_ids_in(report, DOMAIN) == [relay]
    assert own_message_ids_in("nothing here", DOMAIN) == []


def review(
    env: jinja2.Environment,
    sender: Sender,
    *,
    changes: Sequence[dict[str, str]] | None = None,
    reopened: bool = False,
) -> OutgoingMail:
    """A consent mail when ``changes`` is given, else a request for changes, to Carola."""
    thread: dict[str, Any] = {
        "sender": sender,
        "reply_to": REPLY_TO,
        "message_id": mid(MailKind.REVIEW),
        "in_reply_to": "penpal.relay.last@magazine.example",
        "references": ["penpal.invitation.root@magazine.example"],
        "date": DATE,
        "env": env,
    }
    if changes is None:
        return changes_mail(
            correspondence(),
            CAROLA,
            note="\n  Kun je de tweede alinea inkorten?  \n",
            reopened=reopened,
            **thread,
        )
    return consent_mail(
        correspondence(),
        CAROLA,
        article_text="\n\nKwetsbaarheid op het werk\n\nCarola: Je brief bleef hangen.\n\n",
        title="Kwetsbaarheid op het werk",
        revision=3,
        changes=changes,
        **thread,
    )


def test_review_mails_thread_under_the_exchange_to_one_writer(env: jinja2.Environment) -> None:
    """Both review mails are automatic, go to one writer and reply in the exchange's thread."""
    for mail in (review(env, NL), review(env, NL, changes=[])):
        message = parse(mail)
        assert header_names(message) == BASE_HEADERS | AUTOMATIC | {
            "reply-to",
            "in-reply-to",
            "references",
        }
        assert_automatic(message, "review k3m9qa", "nl")
        assert addresses(message, "From") == [("Penpal", SERVICE)]
        assert addresses(message, "To") == [("Carola Smit", "carola@post.example")]
        assert addresses(message, "Reply-To") == [("Penpal", REPLY_TO)]
        assert message["In-Reply-To"] == "<penpal.relay.last@magazine.example>"
        assert message["References"].split() == [
            "<penpal.invitation.root@magazine.example>",
            "<penpal.relay.last@magazine.example>",
        ]
        assert mail.kind is MailKind.REVIEW
        assert mail.recipients == ("carola@post.example",)
        assert mail.correspondence_id == "k3m9qa"


@pytest.mark.parametrize(
    ("sender", "reopened", "phrase"),
    [
        (NL, True, "zet #klaar op een regel alleen"),
        (NL, False, "Beantwoord deze mail om de redactie te antwoorden."),
        (EN, True, "put #complete on a line of its own"),
        (EN, False, "Reply to this mail to answer the editors."),
    ],
    ids=["nl-reopened", "nl-closed", "en-reopened", "en-closed"],
)
def test_changes_mail_carries_the_note_and_says_how_to_answer(
    env: jinja2.Environment, sender: Sender, reopened: bool, phrase: str
) -> None:
    """The request for changes quotes the editor's note, trimmed, names the partner and topic."""
    message = parse(review(env, sender, reopened=reopened))
    assert message["Subject"] == "Re: Kwetsbaarheid op het werk"
    body = plain(message)
    assert "\n\nKun je de tweede alinea inkorten?\n\n" in body
    assert "Denise van Iersel" in body
    assert "“Kwetsbaarheid op het werk”" in body
    assert phrase in body
    assert phrase in html(message)


def test_consent_mail_lists_the_writers_changes_and_the_whole_text(
    env: jinja2.Environment,
) -> None:
    """The consent mail asks for #agree, lists each change to the writer's letters, and the text."""
    changes = [
        {"change": "changed", "before": "Je brief bleef lang hangen.", "after": "Je brief bleef."},
        {"change": "removed", "before": "Een zin te veel.", "after": ""},
        {"change": "added", "before": "", "after": "Een nieuwe zin."},
    ]
    message = parse(review(env, EN, changes=changes))
    assert message["Subject"] == "Please agree: Kwetsbaarheid op het werk"
    body = plain(message)
    assert "reply to this mail with #agree on a line of its own" in body
    assert "* Changed: “Je brief bleef lang hangen.”\n  now reads: “Je brief bleef.”" in body
    assert "* Left out: “Een zin te veel.”" in body
    assert "* Added: “Een nieuwe zin.”" in body
    assert "===== Kwetsbaarheid op het werk (revision 3) =====" in body
    assert "=====\n\nKwetsbaarheid op het werk\n\nCarola: Je brief bleef hangen.\n\n=====" in body
    assert "did not change anything" not in body


def test_consent_mail_without_changes_says_so(env: jinja2.Environment) -> None:
    """When the editor changed nothing in a writer's letters, the mail says that instead."""
    message = parse(review(env, NL, changes=[]))
    assert message["Subject"] == "Graag je akkoord: Kwetsbaarheid op het werk"
    body = plain(message)
    assert "beantwoord deze mail met #akkoord op een regel alleen" in body
    assert "De redactie heeft niets veranderd in jouw brieven." in body
    assert "Wat de redactie in jouw brieven heeft veranderd" not in body
    assert "===== Kwetsbaarheid op het werk (versie 3) =====" in body
