"""Raw message bytes to a ``ParsedMessage``: headers, body text, attachments and what kind it is.

``parse_message`` reads one RFC 5322 message with the standard library's parser
(``compat32``; what needs decoding is decoded here: addresses and RFC 2047 words in
headers, file names), the body part (HTML turned into text by ``penpal.markup``, else
text/plain with ``format=flowed`` undone), charsets tried as declared, then UTF-8,
cp1252 and latin-1, and every other part kept as an attachment. It classifies the
message as letter, command, auto-reply, bounce or unreadable, and hands the body text
to ``penpal.extraction``. It never raises: what it cannot read comes back as
``UNREADABLE`` with a reason. It does no I/O and decides nothing about correspondences.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import weakref
from collections.abc import Iterable
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from penpal.extraction import extract
from penpal.letters import (
    Address,
    Attachment,
    Extraction,
    MessageKind,
    ParsedMessage,
)
from penpal.markup import html_to_text

__all__ = ["decode_text", "parse_message", "unflow"]

_EMPTY = Extraction(text="", body="")
# Each part's parsed Content-Type, for as long as the part lives: parsing it again costs.
_TYPES: weakref.WeakKeyDictionary[Message, _Type] = weakref.WeakKeyDictionary()
_RESULT = re.compile(r"\s*([A-Za-z0-9-]+)\s*=\s*([A-Za-z]+)")
_PROPERTY = re.compile(r"([A-Za-z0-9-]+\.[A-Za-z0-9-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SPACE = re.compile(r"\s+")
_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_CID = re.compile(r"cid:([^\"'\s<>)]+)", re.IGNORECASE)

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:automatisch antwoord|automatisch bericht|automatic reply|auto[- ]?reply|"
    r"auto[- ]?response|autoresponse|out of (?:the )?office|ooo|afwezig(?:heid|heidsmelding|"
    r"heidsbericht)?|niet aanwezig|abwesenheitsnotiz|abwesend|automatische antwort|"
    r"r[ée]ponse automatique|absence|absent|vacation(?: reply| notice)?|on vacation|"
    r"urlaub|vakantie|cong[ée]s?)\b\s*(?:[:(\-\u2013]|$)",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|delivery failure|failure notice|returned mail|"
    r"mail delivery failed|onbestelbaar|niet bezorgd|unzustellbar|non remis|non distribu",
    re.IGNORECASE,
)
_BROKEN_MIME = frozenset(
    {
        "StartBoundaryNotFoundDefect",
        "CloseBoundaryNotFoundDefect",
        "MultipartInvariantViolationDefect",
    }
)


def parse_message(raw: bytes, *, max_bytes: int | None = None) -> ParsedMessage:
    """Read one raw message into what penpal needs of it.

    Args:
        raw: the message exactly as it came from the mailbox.
        max_bytes: larger messages are not read past their headers.

    Returns:
        The parsed message; ``UNREADABLE`` with a reason when it cannot be read.
        Never raises.
    """
    if max_bytes is not None and len(raw) > max_bytes:
        reason = f"message is {len(raw)} bytes, over the limit of {max_bytes}"
        return _unreadable(_headers_only(raw), reason)
    try:
        msg = BytesParser(_Part, policy=policy.compat32).parsebytes(raw)
    except Exception as exc:  # any parser failure: the message is unreadable, never lost
        return _unreadable(_headers_only(raw), f"cannot parse the message: {type(exc).__name__}")
    try:
        return _parse(msg)
    except Exception as exc:  # pragma: no cover - no message is known to get here; never raise
        reason = f"cannot read the message: {type(exc).__name__}: {exc}"[:200]
        return _unreadable(_headers_only(raw), reason)


def _parse(msg: Message) -> ParsedMessage:
    headers = _read_headers(msg)
    body_parts = _body_parts(msg)
    broken = _defects(msg) & _BROKEN_MIME
    if not body_parts and broken:
        return _unreadable(headers, "broken MIME: " + ", ".join(sorted(broken)))
    extraction, html = _extraction(body_parts)
    kind, reason = _classify(msg, headers.sender, headers.subject, extraction)
    return dataclasses.replace(
        headers.message(kind, reason, extraction),
        attachments=tuple(_attachments(msg, body_parts, html)),
    )


# --- headers ---------------------------------------------------------------------------------
#
# policy.default builds a structured header object on every access, which costs more
# than parsing the whole message; the message is therefore parsed with compat32, its
# headers are read raw, once, and only the few that need it are decoded.


@dataclasses.dataclass(frozen=True, slots=True)
class _Headers:
    sender: Address | None = None
    subject: str = ""
    message_id: str = ""
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    delivered_to: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    date: datetime | None = None
    sender_authenticated: bool | None = None

    def message(self, kind: MessageKind, reason: str, extraction: Extraction) -> ParsedMessage:
        return ParsedMessage(
            kind=kind,
            sender=self.sender,
            subject=self.subject,
            message_id=self.message_id,
            extraction=extraction,
            to=self.to,
            cc=self.cc,
            reply_to=self.reply_to,
            delivered_to=self.delivered_to,
            in_reply_to=self.in_reply_to,
            references=self.references,
            date=self.date,
            reason=reason,
            sender_authenticated=self.sender_authenticated,
        )


def _headers_only(raw: bytes) -> _Headers:
    """The headers of a message whose body is not read, so an unreadable one still has a sender.

    Reading headers alone does not recurse into parts, so it succeeds where the full
    parse ran out of stack.
    """
    try:
        return _read_headers(BytesHeaderParser(policy=policy.compat32).parsebytes(raw))
    except Exception:  # pragma: no cover - no input is known to fail here; keep the reason
        return _Headers()


def _unreadable(headers: _Headers, reason: str) -> ParsedMessage:
    return headers.message(MessageKind.UNREADABLE, reason, _EMPTY)


def _read_headers(msg: Message) -> _Headers:
    raw = _raw_headers(msg)
    senders = _addresses(raw, "from")
    return _Headers(
        sender=senders[0] if senders else None,
        subject=_text(raw, "subject"),
        message_id=_first_id(_first(raw, "message-id")),
        to=_addresses(raw, "to"),
        cc=_addresses(raw, "cc"),
        reply_to=_addresses(raw, "reply-to"),
        delivered_to=_delivered_to(raw),
        in_reply_to=_ids(_first(raw, "in-reply-to")),
        references=_ids(" ".join(raw.get("references", ()))),
        date=_date(_first(raw, "date")),
        sender_authenticated=_authenticated(
            _first(raw, "authentication-results"), senders[0].email if senders else ""
        ),
    )


def _raw_headers(part: Message) -> dict[str, list[str]]:
    """Every header of ``part`` by lower-cased name, values unfolded but not decoded."""
    out: dict[str, list[str]] = {}
    for name, value in part.raw_items():
        text = value if isinstance(value, str) else str(value)
        if max(text, default=" ") >= "\udc80":
            text = _undo_surrogates(text)
        out.setdefault(name.lower(), []).append(_SPACE.sub(" ", text).strip())
    return out


def _undo_surrogates(text: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) read as UTF-8, else latin-1."""
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _first(raw: dict[str, list[str]], name: str) -> str:
    values = raw.get(name)
    return values[0] if values else ""


def _decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words, leaving the text alone when they are broken."""
    if "=?" not in text:
        return text
    try:
        return _SPACE.sub(" ", str(make_header(decode_header(text)))).strip()
    except Exception:  # an unknown charset or broken encoded word: keep the raw text
        return text


def _text(raw: dict[str, list[str]], name: str) -> str:
    return _decode_words(_first(raw, name))


def _addresses(raw: dict[str, list[str]], name: str) -> tuple[Address, ...]:
    out: list[Address] = []
    for display, spec in _pairs(raw.get(name)):
        email = spec.strip().strip("<>").lower()
        if "@" in email:
            out.append(Address(email=email, name=_decode_words(_SPACE.sub(" ", display).strip())))
    return tuple(out)


def _pairs(values: list[str] | None) -> list[tuple[str, str]]:
    """Display names and addresses in address headers; none when the headers defeat the reader."""
    if not values:
        return []
    try:
        return getaddresses(values)
    except (
        Exception
    ):  # pragma: no cover - lenient in 3.11, but one bad header must not cost the letter
        return []


def _ids(text: str) -> tuple[str, ...]:
    found = _MESSAGE_ID.findall(text)
    if found:
        return tuple(found)
    return tuple(t.strip("<>") for t in text.split() if "@" in t)


def _first_id(text: str) -> str:
    ids = _ids(text)
    if ids:
        return ids[0]
    return text.strip().strip("<>")


def _authenticated(results: str, sender: str) -> bool | None:
    """The verdict of an ``Authentication-Results`` header (RFC 8601) for the From domain.

    Only the topmost header counts: the receiving server adds it above whatever the
    sender may have forged further down. A passing DMARC result, or a passing DKIM
    or SPF result whose domain is aligned with the From domain, authenticates.
    """
    if not results:
        return None
    domain = sender.rpartition("@")[2]
    for resinfo in results.split(";")[1:]:
        match = _RESULT.match(resinfo)
        if match is None or match.group(2).lower() != "pass":
            continue
        method = match.group(1).lower()
        if method == "dmarc":
            return True
        props = {k.lower(): v.strip('"') for k, v in _PROPERTY.findall(resinfo)}
        claimed = props.get("header.d") or props.get("header.i") or props.get("smtp.mailfrom")
        if method in {"dkim", "spf"} and claimed and _aligned(claimed.rpartition("@")[2], domain):
            return True
    return False


def _aligned(claimed: str, domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other."""
    claimed, domain = claimed.lower().strip("."), domain.lower().strip(".")
    if not claimed or not domain:
        return False
    return claimed == domain or claimed.endswith("." + domain) or domain.endswith("." + claimed)


def _delivered_to(raw: dict[str, list[str]]) -> tuple[str, ...]:
    out: list[str] = []
    for name in ("delivered-to", "x-original-to", "envelope-to"):
        for _, spec in _pairs(raw.get(name)):
            email = spec.strip().strip("<>").lower()
            if "@" in email and email not in out:
                out.append(email)
    return tuple(out)


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _defects(msg: Message) -> set[str]:
    names: set[str] = set()
    for part in msg.walk():
        names.update(type(d).__name__ for d in part.defects)
    return names


# --- MIME structure ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Type:
    """A part's Content-Type and Content-Disposition, parsed once."""

    content_type: str
    params: dict[str, str]
    disposition: str
    declared: bool = True  # whether there was a Content-Type header at all

    @property
    def maintype(self) -> str:
        return self.content_type.partition("/")[0]

    @property
    def subtype(self) -> str:
        return self.content_type.partition("/")[2]


class _Part(Message):
    """A message part whose structure is read the way ``_read_type`` reads it.

    The parser asks each part for its type and boundary. ``policy.default`` answers
    by building a structured header object each time, which cost more than all the
    rest of the parse; ``compat32`` answers cheaply but takes junk after a quoted
    boundary (``boundary="b1" x``) into the boundary. These answers come from the
    one parse of Content-Type that the rest of this module uses as well.
    """

    def get_content_type(self) -> str:
        kind = _type_of(self)
        return kind.content_type if kind.declared else self.get_default_type()

    def get_boundary(self, failobj: Any = None) -> Any:
        boundary = _type_of(self).params.get("boundary")
        return failobj if boundary is None else boundary


def _type_of(part: Message) -> _Type:
    known = _TYPES.get(part)
    if known is None:
        known = _TYPES[part] = _read_type(part)
    return known


def _read_type(part: Message) -> _Type:
    content_type = "text/plain"
    params: dict[str, str] = {}
    disposition = ""
    declared = False
    for name, value in part.raw_items():
        lowered = name.lower()
        if lowered == "content-type" and not params and content_type == "text/plain":
            declared = True
            main, _, rest = str(value).partition(";")
            main = _SPACE.sub("", main).lower()
            if main.count("/") == 1 and all(main.split("/")):
                content_type = main
            params = {k.lower(): _unquote(v) for k, v in _PARAM.findall(";" + rest)}
        elif lowered == "content-disposition" and not disposition:
            disposition = _SPACE.sub("", str(value).partition(";")[0]).lower()
    return _Type(content_type, params, disposition, declared)


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        # A quote left open (a truncated header) still opens the value, as in the stdlib.
        value = value[1:-1] if len(value) >= 2 and value.endswith('"') else value[1:]
        value = value.replace('\\"', '"')
    return value


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _body_parts(msg: Message) -> list[Message]:
    """The parts that make the body: the HTML one first when there is one, then plain."""
    found: dict[str, Message] = {}
    _find_bodies(msg, found)
    return [found[k] for k in ("html", "plain") if k in found]


def _find_bodies(part: Message, found: dict[str, Message]) -> None:
    kind = _type_of(part)
    if kind.maintype == "multipart":
        children = _subparts(part)
        if kind.subtype == "related" and children:
            children = children[:1]  # the root part; the rest are its images
        for child in children:
            _find_bodies(child, found)
            if kind.subtype not in ("alternative", "related") and found:
                return  # in mixed mail only the first body counts
        return
    if kind.disposition == "attachment" or kind.maintype != "text":
        return
    if kind.subtype in ("html", "plain") and kind.subtype not in found:
        found[kind.subtype] = part


def _extraction(parts: list[Message]) -> tuple[Extraction, str]:
    """Extract from the HTML part, falling back to plain text when HTML gives nothing."""
    html = ""
    for part in parts:
        kind = _type_of(part)
        text = _part_text(part, kind)
        if kind.subtype == "html":
            html = text
            rendered = html_to_text(text)
            if not rendered.text.strip():
                continue
            result = extract(rendered.text)
            return dataclasses.replace(result, removed=rendered.removed + result.removed), html
        return extract(text), html
    return _EMPTY, html


def _part_text(part: Message, kind: _Type) -> str:
    text = decode_text(_payload_bytes(part), kind.params.get("charset"))
    if kind.subtype == "plain" and kind.params.get("format", "").lower() == "flowed":
        text = unflow(text, delsp=kind.params.get("delsp", "").lower() == "yes")
    return text


def _payload_bytes(part: Message) -> bytes:
    """A leaf part's content with its transfer encoding undone.

    The byte parser leaves every leaf payload a string of ASCII and escaped bytes, which
    ``get_payload`` turns into bytes without raising: broken base64 or uuencode comes back
    decoded as far as it goes, an unknown encoding as it stands.
    """
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def decode_text(data: bytes, declared: str | None) -> str:
    """Decode body bytes: the declared charset, then UTF-8, cp1252, latin-1."""
    for charset in (declared, "utf-8", "cp1252"):
        if not charset:
            continue
        try:
            codecs.lookup(charset)
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return data.decode("latin-1")


def unflow(text: str, *, delsp: bool = False) -> str:
    """Undo RFC 3676 ``format=flowed``: join soft-broken lines of the same quote depth."""
    out: list[str] = []
    current: str | None = None
    current_depth = -1
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if current is not None and depth == current_depth:
            current += content
        else:
            if current is not None:
                out.append(_quote(current, current_depth))
            current = content
            current_depth = depth
        if current.endswith(" ") and current != "-- ":
            if delsp:
                current = current[:-1]
            continue
        out.append(_quote(current, current_depth))
        current = None
    if current is not None:
        out.append(_quote(current, current_depth))
    return "\n".join(out)


def _quote(content: str, depth: int) -> str:
    return (">" * depth + " " + content) if depth else content


# --- attachments ---------------------------------------------------------------------------------


def _attachments(msg: Message, body_parts: Iterable[Message], html: str) -> list[Attachment]:
    skip = {id(p) for p in body_parts}
    out: list[Attachment] = []
    referenced: frozenset[str] | None = None
    for part in _leaves(msg):
        if id(part) in skip:
            continue
        kind = _type_of(part)
        if kind.maintype == "text" and kind.disposition != "attachment" and not _named(part, kind):
            continue  # an alternative body we did not use
        filename = _filename(part)
        data = _message_bytes(part) if kind.maintype == "message" else _payload_bytes(part)
        content_id = _first_id(_first(_raw_headers(part), "content-id"))
        if content_id and referenced is None:
            referenced = frozenset(_CID.findall(html))
        out.append(
            Attachment(
                filename=filename or f"part-{len(out) + 1}",
                content_type=kind.content_type,
                data=data,
                content_id=content_id,
                # An image the HTML shows by its Content-ID is inline, whatever the disposition.
                inline=kind.disposition == "inline"
                or (bool(content_id) and content_id in (referenced or ())),
            )
        )
    return out


def _leaves(part: Message) -> Iterable[Message]:
    """Every non-multipart part; an attached message is one part, not walked into."""
    if _type_of(part).maintype == "multipart":
        for child in _subparts(part):
            yield from _leaves(child)
    else:
        yield part


def _named(part: Message, kind: _Type) -> bool:
    """Whether a part carries a file name, without the cost of decoding it."""
    if "name" in kind.params or "name*" in kind.params:
        return True
    return any(
        name.lower() == "content-disposition" and "filename" in str(value).lower()
        for name, value in part.raw_items()
    )


def _filename(part: Message) -> str:
    # File names are read with the modern policy, which also decodes the RFC 2047 words
    # many programs put in them and ignores junk after a quoted name; only the two
    # headers that can carry a name are handed to it, so that costs little.
    probe = EmailMessage(policy.default)
    for name, value in part.raw_items():
        if name.lower() in ("content-disposition", "content-type"):
            probe.set_raw(name, value)
    try:
        filename = probe.get_filename()
    except Exception:  # a malformed RFC 2231 parameter
        return ""
    return _SPACE.sub(" ", filename or "").strip().replace("/", "_").replace("\\", "_")


def _message_bytes(part: Message) -> bytes:
    """An attached message as bytes: the message itself, not the part that wraps it."""
    payload = part.get_payload()
    first = payload[0] if isinstance(payload, list) and payload else None
    inner = first if isinstance(first, Message) else part
    for serialiser in (policy.default, policy.compat32):
        try:
            return inner.as_bytes(policy=serialiser)
        except Exception:  # the modern policy cannot refold some broken headers; compat32 can
            continue
    return b""  # pragma: no cover - compat32 writes headers back as they came and has not failed


# --- classification ------------------------------------------------------------------------------


def _classify(
    msg: Message, sender: Address | None, subject: str, extraction: Extraction
) -> tuple[MessageKind, str]:
    bounce = _bounce_reason(msg, sender, subject)
    if bounce:
        return MessageKind.BOUNCE, bounce
    auto = _auto_reply_reason(msg, subject)
    if auto:
        return MessageKind.AUTO_REPLY, auto
    if extraction.commands and not extraction.body.strip() and not extraction.private:
        return MessageKind.COMMAND, ""
    return MessageKind.LETTER, ""


def _bounce_reason(msg: Message, sender: Address | None, subject: str) -> str:
    kind = _type_of(msg)
    report = kind.params.get("report-type", "").lower()
    if kind.content_type == "multipart/report" and report == "delivery-status":
        return "bounce: delivery status report"
    if kind.maintype == "multipart":
        for part in _leaves(msg):
            if _type_of(part).content_type == "message/delivery-status":
                return "bounce: delivery status part"
    if sender and _BOUNCE_SENDER.match(sender.email) and _BOUNCE_SUBJECT.search(subject):
        return f"bounce: from {sender.email}"
    return ""


def _auto_reply_reason(msg: Message, subject: str) -> str:
    raw = _raw_headers(msg)
    submitted = _first(raw, "auto-submitted").lower()
    if submitted and submitted != "no":
        return f"auto-reply: Auto-Submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        value = _first(raw, name)
        if value and value.lower() not in ("no", "false", "0"):
            return f"auto-reply: {name}: {value}"
    precedence = _first(raw, "precedence").lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        return f"auto-reply: Precedence: {precedence}"
    if _AUTO_SUBJECT.match(subject):
        return f"auto-reply: subject {subject[:60]!r}"
    return ""
