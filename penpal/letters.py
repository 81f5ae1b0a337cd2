"""Value types shared by every part of penpal.

Plain frozen dataclasses and enums: an address, a parsed message and what was cut
from it, a writer, a correspondence, a letter, an article. This module holds data
only; it must not parse, render, store or send anything, and it imports nothing
from the rest of penpal but the errors.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType

CorrespondenceId = NewType("CorrespondenceId", str)
"""The short id a correspondence is named by on the command line (e.g. ``k3m9qa``)."""

LetterId = NewType("LetterId", int)
"""The database id of a letter."""

MessageRecordId = NewType("MessageRecordId", int)
"""The database id of a stored raw message (letter or not)."""


@dataclass(frozen=True, slots=True)
class Address:
    """An email address with an optional display name; ``email`` is lower-cased."""

    email: str
    name: str = ""

    def __str__(self) -> str:
        if self.name:
            return f"{self.name} <{self.email}>"
        return self.email


class MessageKind(enum.StrEnum):
    """What an incoming message is."""

    LETTER = "letter"
    COMMAND = "command"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    UNREADABLE = "unreadable"


class CommandName(enum.StrEnum):
    """The commands a writer or editor can give by mail, whatever the language."""

    COMPLETE = "complete"
    AGREE = "agree"
    APPROVE = "approve"
    CHANGES = "changes"


@dataclass(frozen=True, slots=True)
class Command:
    """A command line found in a message: ``#klaar`` is ``Command(COMPLETE, "#klaar")``."""

    name: CommandName
    word: str
    argument: str = ""


class CutKind(enum.StrEnum):
    """Why a piece of a message was left out of the letter text."""

    QUOTE = "quote"
    SIGNATURE = "signature"
    DISCLAIMER = "disclaimer"
    PRIVATE = "private"
    COMMAND = "command"


@dataclass(frozen=True, slots=True)
class Cut:
    """A piece of text that extraction left out, with why, so an editor can restore it."""

    kind: CutKind
    text: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Extraction:
    """What a writer newly wrote in one message.

    ``text`` keeps salutation and sign-off; ``body`` is what would be published:
    ``text`` without salutation, sign-off and private paragraphs. Paragraphs are
    separated by one blank line in both.
    """

    text: str
    body: str
    salutation: str = ""
    closing: str = ""
    private: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()
    removed: tuple[Cut, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message (inline images included)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A raw message read into what penpal needs of it.

    Message ids are kept without angle brackets. ``reason`` says why a message is
    not a letter (auto-reply, bounce, unreadable); it is empty for letters and
    commands. ``delivered_to`` lists the envelope recipients the delivering server
    recorded (``Delivered-To``, ``X-Original-To``, ``Envelope-To``), where a reply
    token may be found when the service address was in Bcc.
    ``sender_authenticated`` is the verdict of the receiving mail server's topmost
    ``Authentication-Results`` header for the From domain (a passing, aligned DMARC,
    DKIM or SPF result); ``None`` when there is no such header.
    """

    kind: MessageKind
    sender: Address | None
    subject: str
    message_id: str
    extraction: Extraction
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    delivered_to: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    date: datetime | None = None
    attachments: tuple[Attachment, ...] = ()
    reason: str = ""
    sender_authenticated: bool | None = None

    @property
    def recipients(self) -> tuple[Address, ...]:
        """Everyone the message was visibly addressed to (To, then Cc)."""
        return self.to + self.cc


class State(enum.StrEnum):
    """Where a correspondence stands: ``open → complete → in_review → approved → published``."""

    OPEN = "open"
    COMPLETE = "complete"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class Writer:
    """One of the two writers of a correspondence.

    ``label`` is the name printed before each of the writer's turns (by default
    the first name); ``aliases`` are other addresses the writer mails from.
    """

    email: str
    name: str
    label: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def addresses(self) -> frozenset[str]:
        """Every address this writer may write from, lower-cased."""
        return frozenset(a.lower() for a in (self.email, *self.aliases))

    @property
    def turn_label(self) -> str:
        """The label before a turn: ``label``, else the first word of the name, else the address."""
        if self.label:
            return self.label
        if self.name.strip():
            return self.name.split()[0]
        return self.email.split("@", 1)[0]


@dataclass(frozen=True, slots=True)
class Correspondence:
    """A correspondence between two writers about one topic."""

    id: CorrespondenceId
    topic: str
    state: State
    writers: tuple[Writer, ...]
    created_at: datetime
    subject: str = ""

    def writer_for(self, email: str) -> Writer | None:
        """The writer who writes from ``email``, if any."""
        wanted = email.lower()
        for writer in self.writers:
            if wanted in writer.addresses:
                return writer
        return None

    def partner_of(self, writer: Writer) -> Writer | None:
        """The other writer."""
        for other in self.writers:
            if other.email != writer.email:
                return other
        return None


@dataclass(frozen=True, slots=True)
class CorrespondenceSummary:
    """A correspondence as listed: its state, how many letters, and when it last moved."""

    correspondence: Correspondence
    letters: int
    last_activity: datetime | None


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter filed under a correspondence: what its writer newly wrote."""

    id: LetterId
    correspondence_id: CorrespondenceId
    writer: Writer
    date: datetime
    subject: str
    message_id: str
    extraction: Extraction
    attachments: tuple[Attachment, ...] = ()

    @property
    def text(self) -> str:
        """What the writer newly wrote, salutation and sign-off included."""
        return self.extraction.text

    @property
    def body(self) -> str:
        """What would be published of this letter."""
        return self.extraction.body


@dataclass(frozen=True, slots=True)
class Turn:
    """One letter as it stands in the article: the writer's label, then paragraphs.

    What the editor leaves out stays in the model so it can be brought back:
    ``omitted`` leaves out the whole turn, ``omitted_paragraphs`` holds the indices
    (into ``paragraphs``) of single paragraphs left out. No output shows either.
    """

    letter_id: LetterId
    writer: str
    email: str
    label: str
    paragraphs: tuple[str, ...]
    omitted: bool = False
    omitted_paragraphs: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        """The paragraphs separated by one blank line."""
        return "\n\n".join(self.paragraphs)

    @property
    def shown_paragraphs(self) -> tuple[str, ...]:
        """The paragraphs that are not left out (all of them are, when the turn is)."""
        if self.omitted:
            return ()
        left_out = set(self.omitted_paragraphs)
        return tuple(p for i, p in enumerate(self.paragraphs) if i not in left_out)


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading placed before the turn with index ``before_turn``; ``id`` is stable."""

    text: str
    before_turn: int
    id: str = ""


@dataclass(frozen=True, slots=True)
class PullQuote:
    """A sentence of the text repeated large after the turn with index ``after_turn``.

    ``id`` is stable across revisions (empty for a suggestion not yet placed).
    """

    text: str
    after_turn: int
    id: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    """An image from a letter's attachments, shown inside the turn with index ``turn``.

    ``omitted`` leaves it out of every output while keeping it in the draft.
    """

    filename: str
    content_type: str
    turn: int
    caption: str = ""
    credit: str = ""
    omitted: bool = False


@dataclass(frozen=True, slots=True)
class Suggestions:
    """What penpal proposes beside a draft; never placed in the article by itself."""

    titles: tuple[str, ...] = ()
    pull_quotes: tuple[PullQuote, ...] = ()
    headings: tuple[Heading, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """A draft or published article compiled from a correspondence.

    ``description`` is the editor's summary for search engines and social cards;
    empty means one is taken from the intro.
    """

    correspondence_id: CorrespondenceId
    title: str
    intro: str
    turns: tuple[Turn, ...]
    language: str
    revision: int
    slug: str = ""
    categories: tuple[str, ...] = ()
    headings: tuple[Heading, ...] = ()
    pull_quotes: tuple[PullQuote, ...] = ()
    images: tuple[Image, ...] = ()
    credit: str = ""
    suggestions: Suggestions = field(default_factory=Suggestions)
    description: str = ""


class MailKind(enum.StrEnum):
    """Why penpal sends a mail."""

    RELAY = "relay"
    INVITATION = "invitation"
    REMINDER = "reminder"
    CONFIRMATION = "confirmation"
    NOTIFICATION = "notification"
    REVIEW = "review"
    """To the writers about the editor's review: changes asked for, the final text to agree to."""


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A mail penpal will send: its final Message-ID (no angle brackets), envelope and bytes.

    ``raw`` is the complete RFC 5322 message as it will go over SMTP; the
    Message-ID inside it equals ``message_id``, so a resend after a crash is
    folded into one by mail programs.
    """

    message_id: str
    kind: MailKind
    sender: str
    recipients: tuple[str, ...]
    raw: bytes = field(repr=False)
    correspondence_id: CorrespondenceId | None = None
