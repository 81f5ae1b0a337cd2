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
