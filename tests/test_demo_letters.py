"""The sample correspondence: real, well-formed messages that thread and stay invented."""

from __future__ import annotations

import itertools
import re
import struct
import zlib
from email import message_from_bytes, policy
from email.headerregistry import BaseHeader
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

import pytest

from penpal.demo import (
    SAMPLE_SERVICE_ADDRESS,
    SAMPLE_TOPIC,
    SAMPLE_WRITERS,
    SampleLetter,
    sample_letters,
    sample_messages,
)

LETTERS = sample_letters()
NAMES = [letter.name for letter in LETTERS]
ADDRESS = re.compile(r"[\w.+$=-]+@([\w-]+(?:\.[\w-]+)+)")


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def message_ids(header: str) -> list[str]:
    return re.findall(r"<([^<>]+)>", header)


def collapse(text: str) -> str:
    return " ".join(text.split())


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def png_size(data: bytes) -> tuple[int, int]:
    """Walk a PNG's chunks, checking each CRC and the pixel data; return width and height."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, idat = 8, [], b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append(kind)
        if kind == b"IDAT":
            idat += body
        offset += 12 + length
    assert chunks[0] == b"IHDR"
    assert chunks[-1] == b"IEND"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 2)  # 8-bit RGB, what the rows below are counted in
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    return width, height


def test_sample_messages_are_the_letters_in_the_order_they_were_written() -> None:
    """sample_messages() gives at least six letters, numbered and dated in writing order."""
    raws = sample_messages()
    assert len(raws) >= 6
    assert raws == [letter.raw for letter in LETTERS]
    assert [name[:2] for name in NAMES] == [f"{n:02d}" for n in range(1, len(NAMES) + 1)]
    dates = [parsedate_to_datetime(str(parse(raw)["Date"])) for raw in raws]
    assert all(d.year == 2026 and d.month == 11 for d in dates)
    assert all((later - earlier).days >= 2 for earlier, later in itertools.pairwise(dates))


@pytest.mark.parametrize("letter", LETTERS, ids=NAMES)
def test_each_letter_parses_without_defects(letter: SampleLetter) -> None:
    """Every part and every header of every letter parses with policy.default, no defects."""
    message = parse(letter.raw)
    parts = list(message.walk())
    assert message.get_content_type().startswith("multipart/")
    for part in parts:
        assert part.defects == []
        for _, value in part.items():
            assert isinstance(value, BaseHeader)
            assert value.defects == ()
        if part.get_content_maintype() == "text":
            assert isinstance(part.get_content(), str)
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None


def test_message_ids_are_unique() -> None:
    """No two letters share a Message-ID."""
    ids = [str(parse(letter.raw)["Message-ID"]) for letter in LETTERS]
    assert len(set(ids)) == len(ids)


def test_each_reply_points_at_the_letter_before() -> None:
    """In-Reply-To names the previous letter and References the whole chain before it."""
    messages = [parse(letter.raw) for letter in LETTERS]
    ids = [message_ids(str(m["Message-ID"]))[0] for m in messages]
    assert messages[0]["In-Reply-To"] is None
    assert messages[0]["References"] is None
    for n, message in enumerate(messages[1:], start=1):
        assert message_ids(str(message["In-Reply-To"])) == [ids[n - 1]]
        assert message_ids(str(message["References"])) == ids[:n]


def test_letters_alternate_between_the_writers_and_go_to_the_service() -> None:
    """The writers take turns, each letter is addressed to the service, the subject stays."""
    for n, letter in enumerate(LETTERS):
        message = parse(letter.raw)
        writer = SAMPLE_WRITERS[n % 2]
        assert [email.lower() for _, email in getaddresses([str(message["From"])])] == [
            writer.email
        ]
        assert [email for _, email in getaddresses([str(message["To"])])] == [
            SAMPLE_SERVICE_ADDRESS
        ]
        subject = re.sub(r"^(?:(?:re|antw|aw):\s*)+", "", str(message["Subject"]), flags=re.I)
        assert subject == SAMPLE_TOPIC
    assert SAMPLE_WRITERS[0].email != SAMPLE_WRITERS[1].email


@pytest.mark.parametrize("letter", LETTERS, ids=NAMES)
def test_only_example_addresses_appear(letter: SampleLetter) -> None:
    """Every address in the headers and the text, and every message id, is on .example."""
    message = parse(letter.raw)
    found: list[str] = []
    for part in message.walk():
        for _, value in part.items():
            found += ADDRESS.findall(str(value))
        if part.get_content_maintype() == "text":
            found += ADDRESS.findall(str(part.get_content()))
    assert found
    assert [domain for domain in found if not domain.lower().endswith(".example")] == []


def test_one_letter_carries_a_valid_png_shown_in_its_html() -> None:
    """Exactly one image travels with the letters: a valid PNG the HTML shows by its cid."""
    images = [
        (letter, part)
        for letter in LETTERS
        for part in parse(letter.raw).walk()
        if part.get_content_maintype() == "image"
    ]
    assert len(images) == 1
    letter, part = images[0]
    assert part.get_content_type() == "image/png"
    data = part.get_content()
    assert isinstance(data, bytes)
    width, height = png_size(data)
    assert 0 < width <= 64
    assert 0 < height <= 64
    content_id = str(part["Content-ID"]).strip("<>")
    html = parse(letter.raw).get_body(preferencelist=("html",))
    assert html is not None
    assert f'src="cid:{content_id}"' in str(html.get_content())


@pytest.mark.parametrize("letter", LETTERS, ids=NAMES)
def test_expected_texts_are_what_the_writer_typed(letter: SampleLetter) -> None:
    """Each expected paragraph is in the plain text; the body is the text without its frame."""
    text, body = paragraphs(letter.expected_text), paragraphs(letter.expected_body)
    plain = collapse(plain_text(parse(letter.raw)))
    for paragraph in text:
        assert collapse(paragraph) in plain
    assert 3 <= len(body) <= 6
    assert text[0].endswith(",")  # the salutation
    assert text[0] not in body
    rest = iter(text[1:])
    assert all(paragraph in rest for paragraph in body)  # body is a subsequence of text
    assert not any(p.startswith("[privé]") or p.startswith("#") for p in body)
    assert ">" not in letter.expected_text.split("\n")[0]


def test_the_private_paragraph_is_text_and_the_command_is_neither() -> None:
    """A [privé] paragraph is kept in the text, never in the body; #klaar is in neither."""
    private = [
        letter
        for letter in LETTERS
        if any(p.startswith("[privé]") for p in paragraphs(letter.expected_text))
    ]
    assert len(private) == 1
    assert "[privé]" not in private[0].expected_body
    last = message_from_bytes(LETTERS[-1].raw, policy=policy.default)
    assert isinstance(last, EmailMessage)
    plain = last.get_body(preferencelist=("plain",))
    assert plain is not None
    assert "#klaar" in plain.get_content()
    assert all("#klaar" not in letter.expected_text for letter in LETTERS)
    assert all("#klaar" not in letter.expected_body for letter in LETTERS)
