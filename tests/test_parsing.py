"""Tests for penpal.parsing: golden messages from mail programs, headers, charsets, robustness."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from penpal.demo import SampleLetter, sample_letters
from penpal.letters import Address, CommandName, CutKind, MessageKind
from penpal.parsing import decode_text, parse_message, unflow

MESSAGES = Path(__file__).parent / "messages"
GOLDEN = sorted(MESSAGES.glob("*.eml"))
SAMPLES = sample_letters()


def _expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    return data


def test_there_are_enough_golden_messages() -> None:
    """The golden set covers at least forty messages, each with its expectation."""
    assert len(GOLDEN) >= 40
    for path in GOLDEN:
        assert path.with_suffix(".expected.json").exists(), path.name


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_message(path: Path) -> None:
    """Each golden message parses to its expected kind, text, body and parts."""
    expected = _expected(path)
    parsed = parse_message(path.read_bytes())
    extraction = parsed.extraction
    assert parsed.kind == MessageKind(expected["kind"])
    if "text" in expected:
        assert extraction.text == expected["text"]
    if "body" in expected:
        assert extraction.body == expected["body"]
    assert extraction.salutation == expected.get("salutation", extraction.salutation)
    assert extraction.closing == expected.get("closing", extraction.closing)
    assert list(extraction.private) == expected.get("private", [])
    commands = [[c.name.value, c.word, c.argument] for c in extraction.commands]
    assert commands == expected.get("commands", [])
    if "subject" in expected:
        assert parsed.subject == expected["subject"]
    if "reason_contains" in expected:
        assert expected["reason_contains"] in parsed.reason
    if "attachments" in expected:
        assert [a.filename for a in parsed.attachments] == expected["attachments"]
    if "in_reply_to" in expected:
        assert list(parsed.in_reply_to) == expected["in_reply_to"]
    kinds = {cut.kind.value for cut in extraction.removed}
    for kind in expected.get("removed_kinds", []):
        assert kind in kinds
    if parsed.kind in (MessageKind.LETTER, MessageKind.COMMAND):
        assert parsed.reason == ""
    assert "\n\n\n" not in extraction.text
    assert "\n\n\n" not in extraction.body


def _normalised(text: str) -> str:
    """Trailing whitespace and runs of blank lines do not count when comparing letters."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


@pytest.mark.parametrize("letter", SAMPLES, ids=[s.name for s in SAMPLES])
def test_demo_letter(letter: SampleLetter) -> None:
    """Each demo letter extracts to the text and body written beside it."""
    extraction = parse_message(letter.raw).extraction
    assert _normalised(extraction.text) == _normalised(letter.expected_text)
    assert _normalised(extraction.body) == _normalised(letter.expected_body)


def test_there_are_eight_demo_letters() -> None:
    """The demo correspondence has its eight letters, so the test above cannot pass empty."""
    assert len(SAMPLES) == 8


def _message(body: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Denise de Vries <Denise@Schrijvers.example>")
    msg["To"] = headers.pop("To", "penpal@magazine.example")
    msg["Subject"] = headers.pop("Subject", "Re: Brief")
    msg["Message-ID"] = headers.pop("Message_ID", "<abc-1@mail.example>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_headers_are_read() -> None:
    """Sender, recipients, ids and date come out normalised, ids without angle brackets."""
    raw = _message(
        "Hoi,\n\nTekst.\n",
        Cc="Carola <carola@schrijvers.example>",
        Reply_To="denise.prive@schrijvers.example",
        In_Reply_To="<prev-1@mail.example>",
        References="<first@mail.example> <prev-1@mail.example>",
        Delivered_To="penpal+tok123@magazine.example",
        Date="Fri, 20 Nov 2026 10:02:11 +0100",
    )
    parsed = parse_message(raw)
    assert parsed.sender == Address("denise@schrijvers.example", "Denise de Vries")
    assert parsed.message_id == "abc-1@mail.example"
    assert parsed.to == (Address("penpal@magazine.example"),)
    assert parsed.cc == (Address("carola@schrijvers.example", "Carola"),)
    assert parsed.reply_to == (Address("denise.prive@schrijvers.example"),)
    assert parsed.in_reply_to == ("prev-1@mail.example",)
    assert parsed.references == ("first@mail.example", "prev-1@mail.example")
    assert parsed.delivered_to == ("penpal+tok123@magazine.example",)
    assert parsed.date is not None
    assert parsed.date.isoformat() == "2026-11-20T10:02:11+01:00"


def test_oversized_message_is_unreadable_with_headers() -> None:
    """A message over max_bytes is unreadable, but sender, subject and id are still read."""
    raw = _message("x" * 5000, Subject="Re: Heel lang")
    parsed = parse_message(raw, max_bytes=1000)
    assert parsed.kind is MessageKind.UNREADABLE
    assert "over the limit of 1000" in parsed.reason
    assert parsed.subject == "Re: Heel lang"
    assert parsed.message_id == "abc-1@mail.example"
    assert parsed.sender is not None
    assert parsed.sender.email == "denise@schrijvers.example"


def test_garbage_is_unreadable_or_letter_never_an_exception() -> None:
    """Bytes that are no message at all still give a ParsedMessage."""
    for raw in (
        b"",
        b"\x00\xff\xfe",
        b"Subject: =?utf-8?b?////?=\r\n\r\n\xff",
        b"From: <<<@>>>\r\n\r\nhi",
    ):
        parsed = parse_message(raw)
        assert parsed.kind in set(MessageKind)


def test_x_auto_response_suppress_alone_is_not_an_auto_reply() -> None:
    """Outlook adds X-Auto-Response-Suppress to ordinary mail; it does not make an auto-reply."""
    parsed = parse_message(
        _message("Hoi Carola,\n\nGewoon een brief.\n", X_Auto_Response_Suppress="All")
    )
    assert parsed.kind is MessageKind.LETTER


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"X_Autoreply": "yes"}, "x-autoreply"),
        ({"X_Autorespond": "vacation"}, "x-autorespond"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"Subject": "Afwezig: Re: Brief"}, "subject"),
        ({"Subject": "Abwesenheitsnotiz: Brief"}, "subject"),
        ({"Subject": "Réponse automatique : Brief"}, "subject"),
    ],
    ids=["x-autoreply", "x-autorespond", "precedence", "afwezig", "abwesenheitsnotiz", "reponse"],
)
def test_auto_replies_are_recognised(headers: dict[str, str], fragment: str) -> None:
    """Auto-reply headers and vacation subjects in four languages make an auto-reply."""
    parsed = parse_message(_message("Ik ben er niet.\n", **headers))
    assert parsed.kind is MessageKind.AUTO_REPLY
    assert fragment in parsed.reason


def test_subject_about_absence_is_still_a_letter() -> None:
    """A letter whose topic merely starts with a vacation word is not an auto-reply."""
    parsed = parse_message(
        _message("Lieve Carola,\n\nOver afwezig zijn.\n", Subject="Afwezig zijn op je werk")
    )
    assert parsed.kind is MessageKind.LETTER


def test_mailer_daemon_bounce_by_sender_and_subject() -> None:
    """A plain bounce from MAILER-DAEMON with a failure subject is a bounce."""
    raw = _message(
        "Your message could not be delivered.\n",
        From="MAILER-DAEMON@mx.example",
        Subject="Mail delivery failed: returning message to sender",
    )
    assert parse_message(raw).kind is MessageKind.BOUNCE


def test_command_message_kind() -> None:
    """A message with only a command line is a command, with the command listed."""
    parsed = parse_message(_message("#akkoord\n"))
    assert parsed.kind is MessageKind.COMMAND
    assert [c.name for c in parsed.extraction.commands] == [CommandName.AGREE]


def test_decode_text_fallback_chain() -> None:
    """Declared charset first, then UTF-8, cp1252 and latin-1."""
    assert decode_text("café".encode(), "us-ascii") == "café"
    assert decode_text("“quote”".encode("cp1252"), "nonsense-charset") == "“quote”"
    assert decode_text(b"\x81\x8d", None) == "\x81\x8d"
    assert decode_text("Zürich".encode("latin-1"), "iso-8859-1") == "Zürich"


def test_unflow_joins_soft_breaks_by_quote_depth() -> None:
    """format=flowed soft breaks join within one quote depth; the signature line stays."""
    flowed = "Een lange \nregel.\n> geciteerd \n> verder\nNieuw\n-- \nDenise"
    assert unflow(flowed) == "Een lange regel.\n> geciteerd verder\nNieuw\n-- \nDenise"
    assert unflow("aaa \nbbb", delsp=True) == "aaabbb"


def _mixed(*parts: str, top: str = "multipart/mixed") -> bytes:
    """A raw multipart message from raw parts (each its headers, a blank line and a body)."""
    head = (
        "From: Denise de Vries <denise@schrijvers.example>\r\nTo: penpal@magazine.example\r\n"
        f'Subject: Re: Brief\r\nMIME-Version: 1.0\r\nContent-Type: {top}; boundary="grens"\r\n\r\n'
    )
    body = "".join(f"--grens\r\n{part}\r\n" for part in parts) + "--grens--\r\n"
    return (head + body).encode("utf-8", "surrogateescape")


_PLAIN = "Content-Type: text/plain; charset=utf-8\r\n\r\nHoi Carola,\r\n\r\nZie de bijlage.\r\n"


def test_nesting_deeper_than_the_stack_is_unreadable_with_headers() -> None:
    """Two thousand nested multiparts exhaust the parser's stack: unreadable, sender still known."""
    depth = 2000
    raw = "From: Denise <denise@schrijvers.example>\r\nSubject: Diep\r\n"
    for level in range(depth):
        raw += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'
    raw += "Content-Type: text/plain\r\n\r\nHallo\r\n"
    raw += "".join(f"--b{level}--\r\n" for level in reversed(range(depth)))
    parsed = parse_message(raw.encode())
    assert parsed.kind is MessageKind.UNREADABLE
    assert parsed.reason == "cannot parse the message: RecursionError"
    assert parsed.subject == "Diep"
    assert parsed.sender == Address("denise@schrijvers.example", "Denise")


def test_an_address_delivered_twice_is_listed_once() -> None:
    """Delivered-To and X-Original-To naming the same mailbox give one delivered_to entry."""
    raw = _message(
        "Tekst.\n",
        Delivered_To="penpal+tok1@magazine.example",
        X_Original_To="PenPal+tok1@magazine.example",
    )
    assert parse_message(raw).delivered_to == ("penpal+tok1@magazine.example",)


def test_content_type_without_a_subtype_is_plain_text() -> None:
    """ "Content-Type: text" is not a valid type; the body is read as plain text."""
    raw = b"From: a@schrijvers.example\r\nContent-Type: text; charset=utf-8\r\n\r\nHoi Carola.\r\n"
    assert parse_message(raw).extraction.text == "Hoi Carola."


@pytest.mark.parametrize(
    "content_type",
    ['multipart/mixed; boundary="grens" junk', 'multipart/mixed; boundary="grens'],
    ids=["junk-after-quote", "quote-left-open"],
)
def test_a_damaged_boundary_parameter_is_still_read(content_type: str) -> None:
    """Junk after a quoted boundary, or a quote left open, does not lose the letter."""
    raw = _mixed(_PLAIN).replace(b'multipart/mixed; boundary="grens"', content_type.encode())
    assert parse_message(raw).extraction.text == "Hoi Carola,\n\nZie de bijlage."


def test_a_text_part_with_a_name_is_an_attachment() -> None:
    """A second text part carrying a file name is an attachment, not an unused body."""
    notes = "Content-Type: text/plain; name=notities.txt\r\n\r\nlijstje"
    parsed = parse_message(_mixed(_PLAIN, notes))
    assert [(a.filename, a.data) for a in parsed.attachments] == [("notities.txt", b"lijstje")]


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ('attachment; filename="=?utf-8?q?caf=C3=A9.pdf?="', "café.pdf"),
        ("attachment; filename*=utf-8''caf%C3%A9.pdf", "café.pdf"),
        ('attachment; filename="a/b.pdf" x', "a_b.pdf"),
        ("attachment; filename*", "part-1"),
    ],
    ids=["rfc2047-words", "rfc2231", "slash-and-junk", "broken-rfc2231"],
)
def test_attachment_file_names(disposition: str, filename: str) -> None:
    """File names are decoded as mail programs write them; a broken one gets a part name."""
    pdf = (
        f"Content-Type: application/pdf\r\nContent-Disposition: {disposition}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n"
    )
    [attachment] = parse_message(_mixed(_PLAIN, pdf)).attachments
    assert attachment.filename == filename
    assert attachment.data == b"%PDF"


def test_an_attached_message_with_a_header_the_modern_policy_cannot_fold() -> None:
    """A forwarded message whose long subject mixes encoded words and raw UTF-8 is kept as sent."""
    subject = "=?utf-8?q?caf=C3=A9?= café" + " en nog meer woorden" * 5
    inner = (
        "Content-Type: message/rfc822\r\n\r\n"
        f"From: x@y.example\r\nSubject: {subject}\r\n\r\nOud\r\n"
    )
    [attachment] = parse_message(_mixed(_PLAIN, inner)).attachments
    assert attachment.content_type == "message/rfc822"
    assert subject.encode() in attachment.data
    assert attachment.data.rstrip().endswith(b"\n\nOud")


def test_a_delivery_status_part_makes_a_bounce() -> None:
    """A message/delivery-status part inside ordinary multipart/mixed is a bounce."""
    status = (
        "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        "Final-Recipient: rfc822; anna@writers.example\r\nAction: failed\r\n"
    )
    parsed = parse_message(_mixed(_PLAIN, status))
    assert parsed.kind is MessageKind.BOUNCE
    assert parsed.reason == "bounce: delivery status part"


def test_an_amp_part_is_not_the_body() -> None:
    """Gmail's text/x-amp-html alternative is neither body nor attachment."""
    amp = "Content-Type: text/x-amp-html; charset=utf-8\r\n\r\n<html amp4email>AMP</html>\r\n"
    parsed = parse_message(_mixed(_PLAIN, amp, top="multipart/alternative"))
    assert parsed.extraction.text == "Hoi Carola,\n\nZie de bijlage."
    assert parsed.attachments == ()


def test_unflow_ends_a_paragraph_at_a_change_of_depth_or_the_end() -> None:
    """A soft break followed by another quote depth, or by the end, still ends the line."""
    assert unflow("Eigen \n> oud") == "Eigen \n> oud"
    assert unflow("Laatste regel ") == "Laatste regel "


def test_raw_8bit_headers_are_read_as_utf8_else_latin1() -> None:
    """Unencoded 8-bit header bytes are read as UTF-8, and as latin-1 when they are not UTF-8."""
    for raw_subject in ("Café".encode(), "Café".encode("latin-1")):
        raw = b"From: a@schrijvers.example\r\nSubject: Re: " + raw_subject + b"\r\n\r\nTekst.\r\n"
        assert parse_message(raw).subject == "Re: Café"


@pytest.mark.parametrize("date", ["gisteren rond de middag", "Fri, 40 Nov 2026 10:02:11 +0100"])
def test_an_unreadable_date_is_none(date: str) -> None:
    """A Date header that is not a date, or not a real day, gives no date rather than an error."""
    raw = f"From: a@schrijvers.example\r\nDate: {date}\r\n\r\nTekst.\r\n".encode()
    assert parse_message(raw).date is None


_IMAGE = (
    "Content-Type: image/png\r\nContent-Disposition: attachment; filename=zee.png\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\niVBORw=="
)


def test_the_text_after_a_leading_image_is_the_body() -> None:
    """In mixed mail that opens with an image, the first text part is still the body."""
    parsed = parse_message(_mixed(_IMAGE, _PLAIN))
    assert parsed.extraction.text == "Hoi Carola,\n\nZie de bijlage."
    assert [a.filename for a in parsed.attachments] == ["zee.png"]


def test_a_message_of_only_an_attachment_has_empty_text() -> None:
    """With no text part at all the letter text is empty and the attachment is kept."""
    parsed = parse_message(_mixed(_IMAGE))
    assert parsed.kind is MessageKind.LETTER
    assert parsed.extraction.text == ""
    assert [a.filename for a in parsed.attachments] == ["zee.png"]


def test_html_that_shows_no_text_falls_back_to_the_plain_part() -> None:
    """When the HTML alternative renders to nothing, the plain alternative is read."""
    html = 'Content-Type: text/html; charset=utf-8\r\n\r\n<p><img src="cid:x"></p>'
    parsed = parse_message(_mixed(_PLAIN, html, top="multipart/alternative"))
    assert parsed.extraction.text == "Hoi Carola,\n\nZie de bijlage."


def test_html_cuts_are_reported() -> None:
    """What the HTML quote containers held shows up in removed as a quote."""
    msg = EmailMessage()
    msg["From"] = "bram@writers.example"
    msg["Subject"] = "Re: x"
    msg.set_content("Hello\n")
    msg.add_alternative(
        '<div>Hello</div><div class="gmail_quote">On Mon, Bram wrote:'
        "<blockquote>old</blockquote></div>",
        subtype="html",
    )
    extraction = parse_message(msg.as_bytes()).extraction
    assert extraction.text == "Hello"
    assert any(c.kind is CutKind.QUOTE and "old" in c.text for c in extraction.removed)


def test_inline_image_is_an_inline_attachment() -> None:
    """An image referenced by Content-ID inside multipart/related is kept as inline."""
    msg = EmailMessage()
    msg["From"] = "denise@schrijvers.example"
    msg["Subject"] = "Foto"
    msg.set_content("Zie de foto.\n")
    msg.add_alternative('<p>Zie de foto.</p><img src="cid:foto1">', subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        b"\x89PNG....", maintype="image", subtype="png", cid="<foto1>", filename="foto.png"
    )
    parsed = parse_message(msg.as_bytes())
    assert parsed.extraction.text == "Zie de foto."
    [attachment] = parsed.attachments
    assert attachment.filename == "foto.png"
    assert attachment.content_id == "foto1"
    assert attachment.inline
    assert attachment.data == b"\x89PNG...."


_SEED = (MESSAGES / "gmail-nl-reply.eml").read_bytes() if GOLDEN else b""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.binary(min_size=0, max_size=8)),
        max_size=12,
    ),
    st.sampled_from([p.read_bytes() for p in GOLDEN] or [b""]),
)
def test_mutated_messages_never_raise(edits: list[tuple[int, bytes]], seed: bytes) -> None:
    """Overwriting, inserting and truncating bytes of real messages never makes parsing raise."""
    raw = bytearray(seed)
    for position, chunk in edits:
        at = position % (len(raw) + 1)
        if chunk and chunk[0] % 3 == 0:
            raw[at : at + len(chunk)] = chunk
        elif chunk and chunk[0] % 3 == 1:
            raw[at:at] = chunk
        else:
            del raw[at:]
    parsed = parse_message(bytes(raw), max_bytes=50_000)
    assert parsed.kind in set(MessageKind)
    assert isinstance(parsed.extraction.text, str)


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(
        ["text/plain", "text/html", "multipart/mixed", "multipart/alternative", "message/rfc822"]
    ),
    st.sampled_from(["utf-8", "iso-8859-1", "bogus", "", "utf-16"]),
    st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-nonsense"]),
)
def test_generated_messages_never_raise(
    body: str, subject: str, content_type: str, charset: str, encoding: str
) -> None:
    """Generated messages with odd types, charsets and encodings parse without raising."""
    head = (
        f"From: Someone <someone@example.org>\r\nSubject: {subject}\r\n"
        f"Content-Type: {content_type}; charset={charset}; boundary=b\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    raw = head.encode("utf-8", "surrogatepass") + body.encode("utf-8", "surrogatepass")
    parsed = parse_message(raw)
    assert parsed.kind in set(MessageKind)


@pytest.mark.parametrize(
    ("results", "verdict"),
    [
        ("mx.magazine.example; dmarc=pass (p=none) header.from=brieven.example", True),
        ("mx.magazine.example; dkim=pass header.d=brieven.example header.s=s1", True),
        ("mx.magazine.example; dkim=pass header.i=@mail.brieven.example", True),
        ("mx.magazine.example; spf=pass smtp.mailfrom=bounce@brieven.example", True),
        ("mx.magazine.example; dkim=pass header.d=other.example; spf=fail", False),
        ("mx.magazine.example; spf=softfail smtp.mailfrom=brieven.example; dmarc=fail", False),
        ('mx.magazine.example; dkim=pass header.d="brieven.example"', True),
        ("mx.magazine.example; none", False),
        ("mx.magazine.example; dkim=pass header.d=.", False),
    ],
    ids=[
        "dmarc-pass",
        "dkim-aligned",
        "dkim-subdomain-identity",
        "spf-aligned",
        "dkim-other-domain",
        "all-fail",
        "quoted-domain",
        "none",
        "dkim-empty-domain",
    ],
)
def test_sender_authentication_from_the_receiving_server(results: str, verdict: bool) -> None:
    """The topmost Authentication-Results says whether the From domain was authenticated."""
    raw = _message(
        "Hoi,\n\nTekst.\n", From="Denise <denise@brieven.example>", Authentication_Results=results
    )
    assert parse_message(raw).sender_authenticated is verdict


def test_only_the_topmost_authentication_result_counts() -> None:
    """A passing result the sender forged below the server's own header is not believed."""
    raw = (
        b"Authentication-Results: mx.magazine.example; dmarc=fail header.from=brieven.example\n"
        b"Authentication-Results: mx.magazine.example; dmarc=pass header.from=brieven.example\n"
        b"From: denise@brieven.example\nTo: penpal@magazine.example\nSubject: Hoi\n\nTekst.\n"
    )
    assert parse_message(raw).sender_authenticated is False
    assert parse_message(raw.split(b"\n", 2)[2]).sender_authenticated is None
