"""Every mail penpal writes, composed into the bytes that will go over SMTP.

The pure core of outgoing mail: a letter to relay, an invitation, a reminder, a
confirmation or an editors' notification goes in with the Message-ID, date and reply
address the caller chose; an :class:`~penpal.letters.OutgoingMail` with its envelope
and complete RFC 5322 bytes comes out, so the outbox can store the final mail before
anything is sent. Texts come from Jinja2 templates loaded by the caller's environment:
``mail/<kind>.<language>.txt.j2`` writes the plain text (and sets ``subject``); the
HTML alternative is that same text laid out by ``mail/layout.html.j2``, unless a
``mail/<kind>.<language>.html.j2`` exists. Relays are personal mail and carry no
``Auto-Submitted``; every other mail is ``auto-generated`` (RFC 3834). This module
must not send, store, read a clock or draw random numbers: ids, dates and reply
tokens are arguments. Header values are cleaned of line breaks before they reach
:mod:`email`, which refuses any that remain, so no text can inject a header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address as MailAddress
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol

import jinja2

from penpal.letters import (
    Address,
    Attachment,
    CommandName,
    Correspondence,
    CorrespondenceId,
    Letter,
    MailKind,
    OutgoingMail,
    Writer,
)

__all__ = [
    "LAYOUT_TEMPLATE",
    "InlineImage",
    "OwnMessageId",
    "Paragraph",
    "Recipient",
    "Sender",
    "changes_mail",
    "confirmation_mail",
    "consent_mail",
    "invitation_mail",
    "is_own_message_id",
    "make_message_id",
    "notification_mail",
    "parse_own_message_id",
    "relay_mail",
    "reminder_mail",
    "thread_subject",
]

LAYOUT_TEMPLATE = "mail/layout.html.j2"
"""The HTML alternative of every mail that has no HTML template of its own."""

# Headers we write ourselves (ids) are kept exactly as written: the default policy
# would RFC 2047-encode a long In-Reply-To, and an encoded id threads nowhere.
_POLICY = policy.SMTP.clone(refold_source="none")

# RFC 5322 atext; the part of a Message-ID we make may hold these and single dots.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_UNIQUE = re.compile(_ATEXT + "+")
_TOKEN = re.compile(_ATEXT + r"+(?:\." + _ATEXT + "+)*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(_LABEL + r"(?:\." + _LABEL + ")*")
_OWN_ID = re.compile(
    r"penpal\.(" + "|".join(kind.value for kind in MailKind) + r")\.(" + _ATEXT + r"+)"
    r"(?:\.(" + _TOKEN.pattern + r"))?@(" + _DOMAIN.pattern + ")",
    re.IGNORECASE,
)
# Ids from other people's mail: printable ASCII without spaces or angle brackets.
_FOREIGN_ID = re.compile(r"[!-;=?-~]{1,900}")
# Long threads: the root and the most recent ids are what mail programs thread by.
_MAX_REFERENCES = 20

_LANGUAGE = re.compile(r"[a-z]{2,3}")
_NOTIFICATION_KEY = re.compile(r"[a-z][a-z0-9_-]*")
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|antw|aw|sv|fwd?|wg|doorst)\s*(?:\[\d+\])?\s*:)+\s*", re.I)
_PRIVATE_MARKER = re.compile(r"^\s*\[\s*(?:private|priv[ée])\s*\]", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")
# Bidirectional controls could make a display name read as something it is not.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_SIGNATURE_LINE = "-- "
# Every part is quoted-printable or base64, and neither encoding can produce "=_" at
# the start of a line, so a boundary that starts with "=_" never collides with
# content: fixed boundaries are safe, and the email package's random ones avoided.
_TEXT_ENCODING = "quoted-printable"

# Context keys penpal fills in itself for notification templates.
_RESERVED = frozenset({"sender", "language", "correspondence_id", "subject"})


@dataclass(frozen=True, slots=True)
class Sender:
    """Who penpal is when it writes: the service address, a display name and a language.

    Raises:
        ValueError: ``language`` is not a two- or three-letter code.
    """

    address: str
    name: str
    language: str

    def __post_init__(self) -> None:
        # The language picks template files by name, so it must stay a plain word.
        if not _LANGUAGE.fullmatch(self.language):
            raise ValueError(f"unsupported language {self.language!r}: expected nl or en")

    @property
    def domain(self) -> str:
        """The service address's domain, lower-cased: where penpal's Message-IDs live."""
        return self.address.rpartition("@")[2].lower()


class Recipient(Protocol):
    """Anyone with an address and a name: an :class:`Address` or a :class:`Writer`."""

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class OwnMessageId:
    """What a Message-ID made by :func:`make_message_id` says: why it was sent, its token."""

    kind: MailKind
    unique: str
    token: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of a mail's text as the HTML layout shows it: its lines, and whether private."""

    lines: tuple[str, ...]
    private: bool = False


@dataclass(frozen=True, slots=True)
class InlineImage:
    """An image the HTML alternative shows by its Content-ID (without ``cid:`` or brackets)."""

    cid: str
    filename: str


@dataclass(frozen=True, slots=True)
class _Rendered:
    subject: str
    text: str
    html: str


# ------------------------------------------------------------------ message ids


def make_message_id(kind: MailKind, unique: str, domain: str, token: str = "") -> str:
    """A Message-ID penpal will recognise as its own: ``penpal.<kind>.<unique>[.<token>]@<domain>``.

    ``unique`` is random and chosen by the caller (no dots); ``token`` is the reply
    token, if the mail carries one. The id has no angle brackets.

    Raises:
        ValueError: a part holds characters a Message-ID cannot, or ``kind`` is unknown.
    """
    kind = MailKind(kind)
    if not _UNIQUE.fullmatch(unique):
        raise ValueError(f"message id: unique part {unique!r} must be letters, digits or -_")
    if token and not _TOKEN.fullmatch(token):
        raise ValueError(f"message id: token {token!r} is not a dot-atom")
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"message id: {domain!r} is not a domain")
    left = f"penpal.{kind.value}.{unique}" + (f".{token}" if token else "")
    return f"{left}@{domain.lower()}"


def parse_own_message_id(message_id: str, domain: str) -> OwnMessageId | None:
    """The parts of a Message-ID made by :func:`make_message_id` for ``domain``, else ``None``.

    Angle brackets and surrounding spaces are ignored; the domain is compared without case.
    """
    match = _OWN_ID.fullmatch(_strip_brackets(message_id))
    if match is None or match.group(4).lower() != domain.strip().lower():
        return None
    return OwnMessageId(MailKind(match.group(1).lower()), match.group(2), match.group(3) or "")


def own_message_ids_in(text: str, domain: str) -> list[str]:
    """Every Message-ID of penpal's for ``domain`` mentioned in ``text``, in order, once each.

    A bounce quotes the headers of the mail it returns; this finds which of
    penpal's mails that was.
    """
    found: list[str] = []
    for match in _OWN_ID.finditer(text):
        candidate = match.group(0)
        if parse_own_message_id(candidate, domain) is not None and candidate not in found:
            found.append(candidate)
    return found


def is_own_message_id(message_id: str, domain: str) -> bool:
    """Whether ``message_id`` is one penpal made for ``domain`` (so the mail is penpal's own)."""
    return parse_own_message_id(message_id, domain) is not None


# ----------------------------------------------------------------------- mails


def relay_mail(
    letter: Letter,
    correspondence: Correspondence,
    partner: Writer,
    *,
    sender: Sender,
    reply_to: str,
    message_id: str,
    in_reply_to: str,
    references: Sequence[str],
    date: datetime,
    env: jinja2.Environment,
    first: bool,
) -> OutgoingMail:
    """A letter relayed to the partner, from the service address in the writer's name.

    The From shows "<writer> via <sender.name>" at the service address (never the
    writer's own, which DMARC would reject); Reply-To is ``reply_to``; the subject is
    the correspondence's, ``Re: ``-prefixed unless ``first``. The body is the letter's
    text, private asides included, as plain text and HTML; image attachments marked
    inline are shown in the HTML, every other attachment goes along as a file.

    Raises:
        ValueError: a bad Message-ID, address or naive ``date``.
        jinja2.TemplateError: the relay template is missing or broken.
    """
    writer = letter.writer
    via = f"{_name_of(writer)} via {sender.name}"
    thread = thread_subject(correspondence)
    images, files = _split_attachments(letter.attachments, message_id)
    variables: dict[str, Any] = {
        "letter_text": _normalise(letter.text),
        "writer": writer,
        "partner": partner,
        "correspondence": correspondence,
        "topic": correspondence.topic,
        "thread_subject": thread,
        "first": first,
        "attachments": [_filename(a.filename) for a in files],
        "images": [image for image, _ in images],
    }
    subject = thread if first else f"Re: {thread}"
    rendered = _render(env, "relay", sender, variables, subject=subject, images=images)
    msg = _headers(
        from_=_mailbox(sender.address, via),
        to=[_mailbox(partner.email, partner.name)],
        reply_to=_mailbox(reply_to, via),
        subject=rendered.subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
    )
    msg["X-Penpal"] = f"{MailKind.RELAY.value} {correspondence.id}"
    _body(msg, rendered, images, files)
    return _outgoing(
        msg,
        kind=MailKind.RELAY,
        sender=sender,
        recipients=[partner.email],
        message_id=message_id,
        correspondence_id=correspondence.id,
    )


def invitation_mail(
    correspondence: Correspondence,
    writer: Writer,
    partner: Writer,
    *,
    sender: Sender,
    reply_to: str,
    message_id: str,
    date: datetime,
    env: jinja2.Environment,
    starts: bool,
) -> OutgoingMail:
    """The mail that invites ``writer`` and explains how it works; ``starts``: they write first.

    Replying to it (Reply-To is ``reply_to``) writes a letter, so its subject is the
    stable subject of the exchange.
    """
    variables = _correspondence_variables(correspondence, writer, partner)
    variables["starts"] = starts
    rendered = _render(env, MailKind.INVITATION.value, sender, variables)
    msg = _headers(
        from_=_mailbox(sender.address, sender.name),
        to=[_mailbox(writer.email, writer.name)],
        reply_to=_mailbox(reply_to, sender.name),
        subject=rendered.subject,
        date=date,
        message_id=message_id,
    )
    _body(msg, rendered)
    _automatic(msg, MailKind.INVITATION, correspondence.id, sender)
    return _outgoing(
        msg,
        kind=MailKind.INVITATION,
        sender=sender,
        recipients=[writer.email],
        message_id=message_id,
        correspondence_id=correspondence.id,
    )


def reminder_mail(
    correspondence: Correspondence,
    writer: Writer,
    partner: Writer,
    *,
    sender: Sender,
    reply_to: str,
    message_id: str,
    in_reply_to: str,
    references: Sequence[str],
    date: datetime,
    days: int,
    env: jinja2.Environment,
) -> OutgoingMail:
    """A reminder to ``writer`` that it has been their turn for ``days`` days, in the thread."""
    variables = _correspondence_variables(correspondence, writer, partner)
    variables["days"] = days
    rendered = _render(env, MailKind.REMINDER.value, sender, variables)
    msg = _headers(
        from_=_mailbox(sender.address, sender.name),
        to=[_mailbox(writer.email, writer.name)],
        reply_to=_mailbox(reply_to, sender.name),
        subject=rendered.subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
    )
    _body(msg, rendered)
    _automatic(msg, MailKind.REMINDER, correspondence.id, sender)
    return _outgoing(
        msg,
        kind=MailKind.REMINDER,
        sender=sender,
        recipients=[writer.email],
        message_id=message_id,
        correspondence_id=correspondence.id,
    )


def confirmation_mail(
    correspondence: Correspondence,
    recipient: Recipient,
    *,
    command: CommandName,
    sender: Sender,
    message_id: str,
    in_reply_to: str,
    date: datetime,
    env: jinja2.Environment,
    detail: str = "",
) -> OutgoingMail:
    """A reply to the mail that gave ``command``, saying it was done; ``detail`` adds a line."""
    greeting = recipient.turn_label if isinstance(recipient, Writer) else _first_name(recipient)
    variables: dict[str, Any] = {
        "correspondence": correspondence,
        "topic": correspondence.topic,
        "thread_subject": thread_subject(correspondence),
        "recipient": recipient,
        "recipient_name": greeting,
        "command": CommandName(command).value,
        "detail": detail.strip(),
    }
    rendered = _render(env, MailKind.CONFIRMATION.value, sender, variables)
    msg = _headers(
        from_=_mailbox(sender.address, sender.name),
        to=[_mailbox(recipient.email, recipient.name)],
        subject=rendered.subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=[in_reply_to],
    )
    _body(msg, rendered)
    _automatic(msg, MailKind.CONFIRMATION, correspondence.id, sender)
    return _outgoing(
        msg,
        kind=MailKind.CONFIRMATION,
        sender=sender,
        recipients=[recipient.email],
        message_id=message_id,
        correspondence_id=correspondence.id,
    )


def notification_mail(
    recipients: Sequence[Address],
    *,
    subject_key: str,
    sender: Sender,
    message_id: str,
    date: datetime,
    env: jinja2.Environment,
    context: Mapping[str, Any],
    correspondence_id: CorrespondenceId | None = None,
) -> OutgoingMail:
    """A notice to the editors, from the template ``mail/notification.<subject_key>.<language>``.

    The built-in keys and the ``context`` they expect: ``completed`` (``topic``,
    ``writers``: names, ``letters``: a count; optional ``draft_url``, ``draft_markdown``,
    ``draft_filename``), ``quarantined`` (``from_address``, ``mail_subject``, ``reason``;
    optional ``quarantine_id``), ``failed`` (``to``, ``mail_subject``, ``error``). A
    ``draft_markdown`` in the context also goes along as a Markdown attachment.

    Raises:
        ValueError: no recipients, a malformed ``subject_key`` or a context key penpal
            fills in itself (``sender``, ``language``, ``correspondence_id``, ``subject``).
        jinja2.TemplateNotFound: no template for ``subject_key`` in that language.
    """
    if not recipients:
        raise ValueError("a notification needs at least one recipient")
    if not _NOTIFICATION_KEY.fullmatch(subject_key):
        raise ValueError(f"notification key {subject_key!r}: expected a lower-case word")
    clash = sorted(_RESERVED & context.keys())
    if clash:
        raise ValueError(f"notification context may not set {', '.join(clash)}")
    variables = {**context, "correspondence_id": correspondence_id}
    rendered = _render(env, f"notification.{subject_key}", sender, variables)
    msg = _headers(
        from_=_mailbox(sender.address, sender.name),
        to=[_mailbox(r.email, r.name) for r in recipients],
        subject=rendered.subject,
        date=date,
        message_id=message_id,
    )
    draft = context.get("draft_markdown")
    texts: list[tuple[str, str, str]] = []
    if isinstance(draft, str) and draft:
        name = context.get("draft_filename") or f"{correspondence_id or 'draft'}.md"
        texts.append((_filename(str(name)), draft, "markdown"))
    _body(msg, rendered, texts=texts)
    _automatic(msg, MailKind.NOTIFICATION, correspondence_id, sender)
    return _outgoing(
        msg,
        kind=MailKind.NOTIFICATION,
        sender=sender,
        recipients=[r.email for r in recipients],
        message_id=message_id,
        correspondence_id=correspondence_id,
    )


def thread_subject(correspondence: Correspondence) -> str:
    """The stable subject of a correspondence: its subject, else its topic, without ``Re:``."""
    subject = _header_text(correspondence.subject) or _header_text(correspondence.topic)
    return _REPLY_PREFIX.sub("", subject) or subject


# --------------------------------------------------------------------- helpers


def _correspondence_variables(
    correspondence: Correspondence, writer: Writer, partner: Writer
) -> dict[str, Any]:
    return {
        "correspondence": correspondence,
        "topic": correspondence.topic,
        "thread_subject": thread_subject(correspondence),
        "writer": writer,
        "partner": partner,
    }


def _render(
    env: jinja2.Environment,
    name: str,
    sender: Sender,
    variables: Mapping[str, Any],
    *,
    subject: str | None = None,
    images: Sequence[tuple[InlineImage, Attachment]] = (),
) -> _Rendered:
    """Text from ``mail/<name>.<lang>.txt.j2`` (which sets ``subject``), then its HTML."""
    language = sender.language
    common = {**variables, "sender": sender, "language": language}
    text_name = f"mail/{name}.{language}.txt.j2"
    module = env.get_template(text_name).make_module(common)
    text = _normalise(str(module))
    if subject is None:
        exported = getattr(module, "subject", None)
        if not isinstance(exported, str):
            raise ValueError(f"{text_name}: the template sets no subject")
        subject = exported
    subject = _header_text(subject)
    body, footer = _split_footer(text)
    html = env.select_template([f"mail/{name}.{language}.html.j2", LAYOUT_TEMPLATE]).render(
        {
            **common,
            "subject": subject,
            "paragraphs": _paragraphs(body),
            "footer": _paragraphs(footer),
            "images": [image for image, _ in images],
        }
    )
    return _Rendered(subject=subject, text=text, html=html)


def _normalise(text: str) -> str:
    """Line endings as ``\\n``, no trailing spaces (but the signature line), one blank line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line if line == _SIGNATURE_LINE else line.rstrip() for line in lines)
    return _BLANK_LINES.sub("\n\n", text).strip("\n") + "\n"


def _split_footer(text: str) -> tuple[str, str]:
    """The text before and after its last ``-- `` line (the footer the HTML prints small)."""
    lines = text.split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if lines[index] == _SIGNATURE_LINE:
            return "\n".join(lines[:index]), "\n".join(lines[index + 1 :])
    return text, ""


def _paragraphs(text: str) -> list[Paragraph]:
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = tuple(block.strip("\n").split("\n"))
        if any(line.strip() for line in lines):
            paragraphs.append(Paragraph(lines, private=bool(_PRIVATE_MARKER.match(lines[0]))))
    return paragraphs


def _header_text(value: str) -> str:
    """One line of header text: line breaks, controls and bidi overrides become spaces."""
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS else char
        for char in value
    )
    return " ".join(cleaned.split())


def _name_of(writer: Writer) -> str:
    return _header_text(writer.name) or writer.turn_label


def _first_name(recipient: Recipient) -> str:
    words = _header_text(recipient.name).split()
    return words[0] if words else ""


def _mailbox(email: str, name: str = "") -> MailAddress:
    """An address for a header; ``ValueError`` when ``email`` is not a plain ASCII address."""
    try:
        return MailAddress(display_name=_header_text(name), addr_spec=email.strip())
    except ValueError as exc:
        raise ValueError(f"not a mail address: {email!r} ({exc})") from exc


def _strip_brackets(message_id: str) -> str:
    return message_id.strip().removeprefix("<").removesuffix(">").strip()


def _own_id(message_id: str) -> str:
    """Our own Message-ID without brackets; it must be well formed, or nothing can thread."""
    bare = _strip_brackets(message_id)
    if not _FOREIGN_ID.fullmatch(bare) or "@" not in bare:
        raise ValueError(f"not a message id: {message_id!r}")
    return bare


def _thread_ids(in_reply_to: str, references: Iterable[str]) -> tuple[str, list[str]]:
    """The parent id and the References chain, ending with the parent.

    Ids come from other people's mail: one that could not stand in a header is left
    out rather than failing the mail; a long chain keeps its root and its newest ids.
    """
    parent = _strip_brackets(in_reply_to)
    if not _FOREIGN_ID.fullmatch(parent):
        parent = ""
    chain: list[str] = []
    for reference in references:
        bare = _strip_brackets(reference)
        if _FOREIGN_ID.fullmatch(bare) and bare not in chain:
            chain.append(bare)
    if parent and parent not in chain:
        chain.append(parent)
    if len(chain) > _MAX_REFERENCES:
        chain = [chain[0], *chain[-(_MAX_REFERENCES - 1) :]]
    return parent, chain


def _headers(
    *,
    from_: MailAddress,
    to: Sequence[MailAddress],
    subject: str,
    date: datetime,
    message_id: str,
    reply_to: MailAddress | None = None,
    in_reply_to: str = "",
    references: Iterable[str] = (),
) -> EmailMessage:
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("the Date of a mail needs a time zone")
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = from_
    msg["To"] = tuple(to)
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    # Raw, one id per line: see _POLICY.
    msg.set_raw("Message-ID", f"<{_own_id(message_id)}>")
    parent, chain = _thread_ids(in_reply_to, references)
    if parent:
        msg.set_raw("In-Reply-To", f"<{parent}>")
    if chain:
        msg.set_raw("References", "\r\n ".join(f"<{ref}>" for ref in chain))
    msg["MIME-Version"] = "1.0"
    return msg


def _automatic(
    msg: EmailMessage, kind: MailKind, correspondence_id: str | None, sender: Sender
) -> None:
    """Mark a mail as sent by a robot, so other robots (and Exchange) do not answer it.

    Called once the body is in place: building it moves every ``Content-`` header
    of the message into its first part.
    """
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Penpal"] = f"{kind.value} {correspondence_id}" if correspondence_id else kind.value
    msg["Content-Language"] = sender.language


def _split_attachments(
    attachments: Sequence[Attachment], message_id: str
) -> tuple[list[tuple[InlineImage, Attachment]], list[Attachment]]:
    """Inline images, each with a Content-ID of our own, apart from the files."""
    # Content-IDs are derived from our own Message-ID: unique, and safe in a cid: URL.
    base = re.sub(r"[^A-Za-z0-9.@-]", "-", _strip_brackets(message_id))
    images: list[tuple[InlineImage, Attachment]] = []
    files: list[Attachment] = []
    for attachment in attachments:
        if attachment.inline and _mime_type(attachment.content_type)[0] == "image":
            cid = f"image{len(images) + 1}.{base}"
            images.append((InlineImage(cid, _filename(attachment.filename)), attachment))
        else:
            files.append(attachment)
    return images, files


def _mime_type(content_type: str) -> tuple[str, str]:
    """A content type we can send as bytes; anything odd travels as octet-stream."""
    value = content_type.split(";", 1)[0].strip().lower()
    if not _MIME_TYPE.fullmatch(value) or value.startswith(("multipart/", "message/")):
        return "application", "octet-stream"
    maintype, subtype = value.split("/", 1)
    return maintype, subtype


def _filename(name: str) -> str:
    """A file name without folders or line breaks, never empty."""
    base = re.split(r"[/\\]", _header_text(name))[-1].strip()
    return base if base.strip(".") else "attachment"


def _body(
    msg: EmailMessage,
    rendered: _Rendered,
    images: Sequence[tuple[InlineImage, Attachment]] = (),
    files: Sequence[Attachment] = (),
    texts: Sequence[tuple[str, str, str]] = (),
) -> None:
    """Plain text and HTML alternatives, inline images beside the HTML, then the files."""
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte=_TEXT_ENCODING)
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte=_TEXT_ENCODING)
    html_part = list(msg.iter_parts())[1]
    for image, attachment in images:
        maintype, subtype = _mime_type(attachment.content_type)
        html_part.add_related(
            attachment.data,
            maintype,
            subtype,
            cid=f"<{image.cid}>",
            filename=image.filename,
            disposition="inline",
        )
    if images:
        # RFC 2387: a multipart/related names the type of its root part.
        html_part.set_param("type", "text/html")
    for attachment in files:
        maintype, subtype = _mime_type(attachment.content_type)
        msg.add_attachment(
            attachment.data, maintype, subtype, filename=_filename(attachment.filename)
        )
    for filename, text, subtype in texts:
        msg.add_attachment(
            text, subtype=subtype, charset="utf-8", cte=_TEXT_ENCODING, filename=filename
        )
    for part in msg.walk():
        if part is msg:
            continue
        # The parts the email package built carry a MIME-Version of their own; only
        # the message itself should.
        del part["MIME-Version"]
    for part in msg.walk():
        if part.is_multipart():
            # Fixed boundaries keep the bytes a function of the arguments alone; see
            # _TEXT_ENCODING for why no part can contain one.
            part.set_boundary(f"=_penpal-{part.get_content_subtype()}")


def _outgoing(
    msg: EmailMessage,
    *,
    kind: MailKind,
    sender: Sender,
    recipients: Sequence[str],
    message_id: str,
    correspondence_id: CorrespondenceId | None,
) -> OutgoingMail:
    return OutgoingMail(
        message_id=_own_id(message_id),
        kind=kind,
        sender=sender.address,
        recipients=tuple(r.strip() for r in recipients),
        raw=msg.as_bytes(policy=_POLICY),
        correspondence_id=correspondence_id,
    )


# ------------------------------------------------------------ review mails


def changes_mail(
    correspondence: Correspondence,
    writer: Writer,
    *,
    note: str,
    reopened: bool,
    sender: Sender,
    reply_to: str,
    message_id: str,
    in_reply_to: str,
    references: Sequence[str],
    date: datetime,
    env: jinja2.Environment,
) -> OutgoingMail:
    """The editor's request for changes, with their ``note``, to one writer, in the thread.

    ``reopened`` says the correspondence takes letters again, so the writers can
    simply write on; otherwise they answer the editor by replying.
    """
    variables = _review_variables(correspondence, writer)
    variables.update(note=note.strip(), reopened=reopened)
    return _review_mail(
        "changes",
        variables,
        correspondence,
        writer,
        sender=sender,
        reply_to=reply_to,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        date=date,
        env=env,
    )


def consent_mail(
    correspondence: Correspondence,
    writer: Writer,
    *,
    article_text: str,
    title: str,
    revision: int,
    changes: Sequence[Mapping[str, str]],
    sender: Sender,
    reply_to: str,
    message_id: str,
    in_reply_to: str,
    references: Sequence[str],
    date: datetime,
    env: jinja2.Environment,
) -> OutgoingMail:
    """The approved text, sent to one writer for their agreement (``#akkoord`` / ``#agree``).

    ``changes`` lists what the editor changed in this writer's own letters, each a
    mapping with ``change`` (``added``, ``removed`` or ``changed``), ``before`` and
    ``after``; ``article_text`` is the whole article as plain text.
    """
    variables = _review_variables(correspondence, writer)
    variables.update(
        article_text=article_text.strip("\n"),
        title=title,
        revision=revision,
        changes=[dict(change) for change in changes],
    )
    return _review_mail(
        "consent",
        variables,
        correspondence,
        writer,
        sender=sender,
        reply_to=reply_to,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        date=date,
        env=env,
    )


def _review_variables(correspondence: Correspondence, writer: Writer) -> dict[str, Any]:
    partner = next((w for w in correspondence.writers if w.email != writer.email), writer)
    return _correspondence_variables(correspondence, writer, partner)


def _review_mail(
    name: str,
    variables: Mapping[str, Any],
    correspondence: Correspondence,
    writer: Writer,
    *,
    sender: Sender,
    reply_to: str,
    message_id: str,
    in_reply_to: str,
    references: Sequence[str],
    date: datetime,
    env: jinja2.Environment,
) -> OutgoingMail:
    rendered = _render(env, name, sender, variables)
    msg = _headers(
        from_=_mailbox(sender.address, sender.name),
        to=[_mailbox(writer.email, writer.name)],
        reply_to=_mailbox(reply_to, sender.name),
        subject=rendered.subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
    )
    _body(msg, rendered)
    _automatic(msg, MailKind.REVIEW, correspondence.id, sender)
    return _outgoing(
        msg,
        kind=MailKind.REVIEW,
        sender=sender,
        recipients=[writer.email],
        message_id=message_id,
        correspondence_id=correspondence.id,
    )
