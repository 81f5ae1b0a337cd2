"""Which correspondence a message belongs to: a pure decision.

A message is threaded by, in this order, the signed token in the address it was
sent to (``penpal+TOKEN@…``), its ``In-Reply-To``/``References`` against the
Message-IDs penpal has seen or sent, and its normalised subject together with the
sender being one of the writers. The caller looks up the candidate
correspondences (see :func:`thread_keys`) and hands them to :func:`assign`; this
module never reads a database, a clock or the network. Reply tokens are HMACs of
the correspondence id under ``service.secret``, so a guessed or altered token is
recognised as such.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from penpal.letters import Correspondence, CorrespondenceId, ParsedMessage, Writer

_SIGNATURE_LENGTH = 10
_TOKEN = re.compile(r"^([a-z0-9]{4,16})-([a-z2-7]{10})$")

# Reply and forward prefixes as mail programs write them in the languages our
# writers use: Re, Aw (de), Antw (nl), Sv (sv/da/no), Vs (fi), Ref, Fw/Fwd, Wg (de),
# Doorst (nl), Tr (fr), Rv (es), optionally numbered ("Re[2]:", "Re^2:") and with a
# space before the colon as French clients write it.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|antw|antwoord|sv|vs|ref|fw|fwd|wg|doorst|tr|rv|r|i)"
    r"(?:\s*\[\d+\]|\^\d+)?\s*:|\[[^\]]*\])\s*",
    re.IGNORECASE,
)


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes or list tags, case-folded, spaces collapsed."""
    return bare_subject(subject).casefold()


def bare_subject(subject: str) -> str:
    """The subject without reply/forward prefixes or list tags, spaces collapsed."""
    previous = None
    current = subject
    while previous != current:
        previous = current
        current = _PREFIX.sub("", current, count=1)
    return " ".join(current.split())


def _signature(correspondence_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), correspondence_id.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:_SIGNATURE_LENGTH]


def make_token(correspondence_id: CorrespondenceId, secret: str) -> str:
    """The reply token for a correspondence: its id and a signature, both lower case."""
    return f"{correspondence_id}-{_signature(correspondence_id, secret)}"


def reply_address(service_address: str, token: str) -> str:
    """``penpal@magazine.example`` with a token becomes ``penpal+TOKEN@magazine.example``."""
    local, _, domain = service_address.partition("@")
    return f"{local}+{token}@{domain}"


def find_token(addresses: Iterable[str], service_address: str) -> str | None:
    """The token carried by the first of ``addresses`` that is a tagged service address."""
    local, _, domain = service_address.lower().partition("@")
    prefix = f"{local}+"
    for address in addresses:
        addr_local, _, addr_domain = address.strip().lower().partition("@")
        if addr_domain == domain and addr_local.startswith(prefix):
            token = addr_local[len(prefix) :]
            if token:
                return token
    return None


def verify_token(token: str, secret: str) -> CorrespondenceId | None:
    """The correspondence id a token names, or None when the token is malformed or forged."""
    match = _TOKEN.match(token.lower())
    if match is None:
        return None
    correspondence_id, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(correspondence_id, secret)):
        return None
    return CorrespondenceId(correspondence_id)


@dataclass(frozen=True, slots=True)
class ThreadKeys:
    """What to look up before deciding: the token's correspondence, the referenced ids."""

    token_id: CorrespondenceId | None
    bad_token: bool
    references: tuple[str, ...]
    subject: str


def thread_keys(message: ParsedMessage, *, service_address: str, secret: str) -> ThreadKeys:
    """Read the threading evidence out of a message.

    The token is looked for in the envelope recipients first (they survive Bcc),
    then in To and Cc. References are returned newest first: ``In-Reply-To``, then
    ``References`` from its end.
    """
    addresses = [*message.delivered_to, *(a.email for a in message.recipients)]
    token = find_token(addresses, service_address)
    token_id = verify_token(token, secret) if token is not None else None
    references: list[str] = []
    for ref in (*message.in_reply_to, *reversed(message.references)):
        if ref and ref not in references:
            references.append(ref)
    return ThreadKeys(
        token_id=token_id,
        bad_token=token is not None and token_id is None,
        references=tuple(references),
        subject=normalise_subject(message.subject),
    )


class Via(enum.StrEnum):
    """Which piece of evidence placed a message in its correspondence."""

    TOKEN = "token"
    REFERENCES = "references"
    SUBJECT = "subject"
    STARTED = "started"


@dataclass(frozen=True, slots=True)
class Filed:
    """The message belongs to ``correspondence`` and was written by ``writer``."""

    correspondence: Correspondence
    writer: Writer
    via: Via


@dataclass(frozen=True, slots=True)
class Unplaced:
    """The message cannot be placed; ``reason`` says why, for the quarantine."""

    reason: str


Assignment = Filed | Unplaced


def assign(
    message: ParsedMessage,
    keys: ThreadKeys,
    *,
    by_token: Correspondence | None,
    by_reference: Correspondence | None,
    of_sender: Sequence[Correspondence],
) -> Assignment:
    """Decide which correspondence a message belongs to.

    Args:
        message: the parsed message.
        keys: what :func:`thread_keys` read from it.
        by_token: the correspondence ``keys.token_id`` names, if it exists.
        by_reference: the correspondence any of ``keys.references`` was filed under.
        of_sender: the open correspondences the sender writes in.
    """
    sender = message.sender.email if message.sender else ""
    if not sender:
        return Unplaced("the message has no sender address")
    evidence = _by_evidence(keys, by_token=by_token, by_reference=by_reference)
    if isinstance(evidence, Unplaced):
        return evidence
    if evidence is not None:
        via = Via.TOKEN if keys.token_id is not None else Via.REFERENCES
        return _by_writer(evidence, sender, via)
    if not of_sender:
        return Unplaced(f"{sender} is not a writer of any open correspondence")
    matching = [c for c in of_sender if keys.subject and keys.subject in _subjects_of(c)]
    if len(matching) == 1:
        return _by_writer(matching[0], sender, Via.SUBJECT)
    if len(matching) > 1:
        ids = ", ".join(sorted(c.id for c in matching))
        return Unplaced(f"the subject matches more than one correspondence of {sender} ({ids})")
    return Unplaced(f"no correspondence of {sender} has the subject {message.subject!r}")


def assign_editor(
    keys: ThreadKeys,
    *,
    by_token: Correspondence | None,
    by_reference: Correspondence | None,
) -> Correspondence | Unplaced:
    """Which correspondence an editor's command is about.

    Editors do not write letters; their commands (``#approve``, ``#klaar``) answer a
    mail penpal sent them, so only the reply token or the references can say which
    correspondence is meant. A subject alone is not enough for a state change.
    """
    evidence = _by_evidence(keys, by_token=by_token, by_reference=by_reference)
    if evidence is None:
        return Unplaced("an editor's command must answer a mail about its correspondence")
    return evidence


def _by_evidence(
    keys: ThreadKeys,
    *,
    by_token: Correspondence | None,
    by_reference: Correspondence | None,
) -> Correspondence | Unplaced | None:
    """The correspondence named by the token, else by the references; None if neither speaks."""
    if keys.bad_token:
        return Unplaced("the reply address carries a token that is not valid")
    if keys.token_id is not None:
        if by_token is None:
            return Unplaced(
                f"the reply token names correspondence {keys.token_id}, which does not exist"
            )
        return by_token
    return by_reference


@dataclass(frozen=True, slots=True)
class NewCorrespondence:
    """A correspondence a writer starts by mail: its topic, who started it, and with whom."""

    topic: str
    starter: Writer
    partner: Writer


_ADDRESS_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def proposed_start(
    message: ParsedMessage,
    keys: ThreadKeys,
    *,
    known_writers: Sequence[Writer],
    of_sender: Sequence[Correspondence],
    service_address: str,
) -> NewCorrespondence | None:
    """Whether an unplaced letter starts a new correspondence, and between whom.

    A writer penpal knows may start one by mailing the service address with a
    subject that is none of their correspondences', naming the partner: in To or
    Cc, or by address in the text. A message that carries any threading evidence
    (a token, references to penpal's mail) continues something and starts nothing.
    """
    if message.sender is None or keys.token_id is not None or keys.bad_token:
        return None
    starter = next((w for w in known_writers if message.sender.email in w.addresses), None)
    topic = bare_subject(message.subject)
    if starter is None or not topic:
        return None
    if any(keys.subject in _subjects_of(c) for c in of_sender):
        return None
    service = service_address.lower()
    service_local, _, service_domain = service.partition("@")
    candidates = [
        *((a.email, a.name) for a in message.recipients),
        *((m.lower(), "") for m in _ADDRESS_IN_TEXT.findall(message.extraction.text)),
    ]
    for email, name in candidates:
        local, _, domain = email.partition("@")
        ours = domain == service_domain and (
            local == service_local or local.startswith(f"{service_local}+")
        )
        if ours or email in starter.addresses:
            continue
        known = next((w for w in known_writers if email in w.addresses), None)
        partner = known or Writer(email=email, name=name or email.split("@", 1)[0])
        return NewCorrespondence(topic=topic, starter=starter, partner=partner)
    return None


def _subjects_of(correspondence: Correspondence) -> set[str]:
    return {
        normalise_subject(s) for s in (correspondence.subject, correspondence.topic) if s.strip()
    }


def _by_writer(correspondence: Correspondence, sender: str, via: Via) -> Assignment:
    writer = correspondence.writer_for(sender)
    if writer is None:
        return Unplaced(f"{sender} is not a writer of correspondence {correspondence.id}")
    return Filed(correspondence, writer, via)
