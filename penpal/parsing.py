"""Raw message bytes to a ``ParsedMessage``: headers, body text, attachments and what kind it is.

``parse_message`` reads one RFC 5322 message with the standard library
(``policy.default``): addresses and RFC 2047 words in headers, the body part (HTML
turned into text by ``penpal.markup``, else text/plain with ``format=flowed`` undone),
charsets tried as declared, then UTF-8, cp1252 and latin-1, and every other part kept
as an attachment. It classifies the message as letter, command, auto-reply, bounce or
unreadable, and hands the body text to ``penpal.extraction``. It never raises: what it
cannot read comes back as ``UNREADABLE`` with a reason. It does no I/O and decides
nothing about correspondences.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections.abc import Iterable
from datetime import datetime
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime

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
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SPACE = re.compile(r"\s+")
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
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # any parser failure: the message is unreadable, never lost
        return _unreadable(_headers_only(raw), f"cannot parse the message: {type(exc).__name__}")
    try:
        return _parse(msg)
    except Exception as exc:  # a broken message must not take the intake down
        return _unreadable(msg, f"cannot read the message: {type(exc).__name__}: {exc}"[:200])


def _parse(msg: EmailMessage) -> ParsedMessage:
    headers = _read_headers(msg)
    body_parts = _body_parts(msg)
    broken = _defects(msg) & _BROKEN_MIME
    if not body_parts and broken:
        return _unreadable(msg, "broken MIME: " + ", ".join(sorted(broken)))
    extraction = _extraction(body_parts)
    kind, reason = _classify(msg, headers.sender, headers.subject, extraction)
    return dataclasses.replace(
        headers.message(kind, reason, extraction),
        attachments=tuple(_attachments(msg, body_parts)),
    )


# --- headers ---------------------------------------------------------------------------------


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
        )


def _headers_only(raw: bytes) -> Message | None:
    try:
        return BytesHeaderParser(policy=policy.default).parsebytes(raw)
    except Exception:  # not even the headers can be read
        return None


def _unreadable(msg: Message | None, reason: str) -> ParsedMessage:
    headers = _Headers()
    if msg is not None:
        try:
            headers = _read_headers(msg)
        except Exception:  # keep the reason even when the headers fail too
            headers = _Headers()
    return headers.message(MessageKind.UNREADABLE, reason, _EMPTY)


def _read_headers(msg: Message) -> _Headers:
    senders = _addresses(msg, "from")
    return _Headers(
        sender=senders[0] if senders else None,
        subject=_text_header(msg, "subject"),
        message_id=_first_id(_text_header(msg, "message-id")),
        to=_addresses(msg, "to"),
        cc=_addresses(msg, "cc"),
        reply_to=_addresses(msg, "reply-to"),
        delivered_to=_delivered_to(msg),
        in_reply_to=_ids(_text_header(msg, "in-reply-to")),
        references=_ids(_text_header(msg, "references")),
        date=_date(msg),
    )


def _raw_values(msg: Message, name: str) -> list[object]:
    try:
        return list(msg.get_all(name) or [])
    except Exception:  # a header the registry cannot parse at all
        return []


def _text_header(msg: Message, name: str) -> str:
    values = _raw_values(msg, name)
    if not values:
        return ""
    try:
        text = str(values[0])
    except Exception:  # an undecodable encoded word
        return ""
    return _SPACE.sub(" ", text).strip()


def _addresses(msg: Message, name: str) -> tuple[Address, ...]:
    out: list[Address] = []
    for value in _raw_values(msg, name):
        pairs: list[tuple[str, str]] = []
        try:
            if isinstance(value, AddressHeader):
                pairs = [(a.display_name, a.addr_spec) for a in value.addresses]
            else:
                pairs = getaddresses([str(value)])
        except Exception:  # fall back on the lenient parser of email.utils
            pairs = getaddresses([str(value)])
        for name_part, spec in pairs:
            email = spec.strip().strip("<>").lower()
            if "@" in email:
                out.append(Address(email=email, name=_SPACE.sub(" ", name_part).strip()))
    return tuple(out)


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


def _delivered_to(msg: Message) -> tuple[str, ...]:
    out: list[str] = []
    for name in ("delivered-to", "x-original-to", "envelope-to"):
        for value in _raw_values(msg, name):
            for _, spec in getaddresses([str(value)]):
                email = spec.strip().strip("<>").lower()
                if "@" in email and email not in out:
                    out.append(email)
    return tuple(out)


def _date(msg: Message) -> datetime | None:
    text = _text_header(msg, "date")
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


# --- body ---------------------------------------------------------------------------------------


def _body_parts(msg: EmailMessage) -> list[Message]:
    """The parts that make the body: the HTML one first when there is one, then plain."""
    parts: list[Message] = []
    for preference in (("html",), ("plain",)):
        try:
            part = msg.get_body(preferencelist=preference)
        except Exception:  # a malformed multipart: no body from it
            part = None
        if part is not None and part not in parts:
            parts.append(part)
    if not parts and not msg.is_multipart() and msg.get_content_maintype() == "text":
        parts.append(msg)
    return parts


def _extraction(parts: list[Message]) -> Extraction:
    """Extract from the HTML part, falling back to plain text when HTML gives nothing."""
    for part in parts:
        subtype = part.get_content_subtype()
        text = _part_text(part)
        if subtype == "html":
            rendered = html_to_text(text)
            if not rendered.text.strip():
                continue
            result = extract(rendered.text)
            return dataclasses.replace(result, removed=rendered.removed + result.removed)
        return extract(text)
    return _EMPTY


def _part_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a transfer encoding that cannot be undone: read it as it stands
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    text = decode_text(payload, part.get_content_charset())
    if part.get_content_subtype() == "plain" and (part.get_param("format") or "") == "flowed":
        delsp = str(part.get_param("delsp") or "").lower() == "yes"
        text = unflow(text, delsp=delsp)
    return text


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


def _attachments(msg: EmailMessage, body_parts: Iterable[Message]) -> list[Attachment]:
    body_parts = list(body_parts)
    skip = {id(p) for p in body_parts}
    out: list[Attachment] = []
    referenced: frozenset[str] | None = None
    for part in msg.walk():
        if id(part) in skip or part.is_multipart():
            continue
        maintype = part.get_content_maintype()
        disposition = part.get_content_disposition()
        filename = _filename(part)
        if maintype == "text" and disposition != "attachment" and not filename:
            continue  # an alternative body we did not use
        content_type = part.get_content_type()
        if content_type == "message/rfc822" or maintype == "message":
            data = _message_bytes(part)
        else:
            try:
                payload = part.get_payload(decode=True)
            except Exception:  # keep the part as it stands
                payload = None
            data = payload if isinstance(payload, bytes) else str(part.get_payload()).encode()
        content_id = _first_id(str(part.get("content-id", "") or ""))
        if content_id and referenced is None:
            referenced = _referenced_ids(body_parts)
        out.append(
            Attachment(
                filename=filename or f"part-{len(out) + 1}",
                content_type=content_type,
                data=data,
                content_id=content_id,
                # An image the HTML shows by its Content-ID is inline, whatever the disposition.
                inline=disposition == "inline"
                or (bool(content_id) and content_id in (referenced or ())),
            )
        )
    return out


def _referenced_ids(body_parts: Iterable[Message]) -> frozenset[str]:
    """The Content-IDs an HTML body shows as images (``cid:…``)."""
    found: set[str] = set()
    for part in body_parts:
        if part.get_content_subtype() == "html":
            found.update(_CID.findall(_part_text(part)))
    return frozenset(found)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # a malformed RFC 2231 parameter
        return ""
    return _SPACE.sub(" ", name or "").strip().replace("/", "_").replace("\\", "_")


def _message_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            inner = payload[0]
            if isinstance(inner, Message):
                return inner.as_bytes(policy=policy.default)
        return part.as_bytes(policy=policy.default)
    except Exception:  # an attached message that will not serialise: keep nothing of it
        return b""


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
    if msg.get_content_type() == "multipart/report":
        report = str(msg.get_param("report-type") or "").lower()
        if report == "delivery-status":
            return "bounce: delivery status report"
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            return "bounce: delivery status part"
    if sender and _BOUNCE_SENDER.match(sender.email) and _BOUNCE_SUBJECT.search(subject):
        return f"bounce: from {sender.email}"
    return ""


def _auto_reply_reason(msg: Message, subject: str) -> str:
    submitted = _text_header(msg, "auto-submitted").lower()
    if submitted and submitted != "no":
        return f"auto-reply: Auto-Submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        value = _text_header(msg, name)
        if value and value.lower() not in ("no", "false", "0"):
            return f"auto-reply: {name}: {value}"
    precedence = _text_header(msg, "precedence").lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        return f"auto-reply: Precedence: {precedence}"
    if _AUTO_SUBJECT.match(subject):
        return f"auto-reply: subject {subject[:60]!r}"
    return ""
