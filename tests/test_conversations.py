"""Tests for penpal.conversations: reply tokens, subjects and threading decisions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from penpal.conversations import (
    Filed,
    NewCorrespondence,
    ThreadKeys,
    Unplaced,
    Via,
    assign,
    assign_editor,
    find_token,
    make_token,
    normalise_subject,
    proposed_start,
    reply_address,
    thread_keys,
    verify_token,
)
from penpal.letters import (
    Address,
    Correspondence,
    CorrespondenceId,
    Extraction,
    MessageKind,
    ParsedMessage,
    State,
    Writer,
)

SECRET = "a-test-secret"
SERVICE = "penpal@magazine.example"
DENISE = Writer(email="denise@brieven.example", name="Denise Veldhuis", aliases=("d@work.example",))
CAROLA = Writer(email="carola@post.example", name="Carola Zandvliet")
THEO = Writer(email="theo@post.example", name="Theo Brink")


def _correspondence(cid: str, topic: str, *writers: Writer, subject: str = "") -> Correspondence:
    return Correspondence(
        id=CorrespondenceId(cid),
        topic=topic,
        state=State.OPEN,
        writers=writers,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        subject=subject,
    )


def _message(
    sender: str = "denise@brieven.example",
    subject: str = "Re: Kwetsbaarheid op het werk",
    *,
    to: tuple[str, ...] = (SERVICE,),
    delivered_to: tuple[str, ...] = (),
    in_reply_to: tuple[str, ...] = (),
    references: tuple[str, ...] = (),
) -> ParsedMessage:
    return ParsedMessage(
        kind=MessageKind.LETTER,
        sender=Address(sender) if sender else None,
        subject=subject,
        message_id="m1@brieven.example",
        extraction=Extraction(text="Lieve Carola,", body=""),
        to=tuple(Address(a) for a in to),
        delivered_to=delivered_to,
        in_reply_to=in_reply_to,
        references=references,
    )


FIRST = _correspondence("k3m9qa", "Kwetsbaarheid op het werk", DENISE, CAROLA)
SECOND = _correspondence("p7x2bd", "Is content marketing dood?", DENISE, THEO)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Kwetsbaarheid op het werk", "kwetsbaarheid op het werk"),
        ("RE: RE: Kwetsbaarheid  op het werk", "kwetsbaarheid op het werk"),
        ("Antw: Kwetsbaarheid op het werk", "kwetsbaarheid op het werk"),
        ("AW: WG: Fwd: Kwetsbaarheid op het werk", "kwetsbaarheid op het werk"),
        ("RE : Kwetsbaarheid op het werk", "kwetsbaarheid op het werk"),
        ("Re[2]: Kwetsbaarheid op het werk", "kwetsbaarheid op het werk"),
        ("[Penpal] Re: Kwetsbaarheid op het werk", "kwetsbaarheid op het werk"),
        ("Doorst: Kwetsbaarheid op het werk", "kwetsbaarheid op het werk"),
        ("Reis naar Rome", "reis naar rome"),
        ("Reactie: niets", "reactie: niets"),
        ("", ""),
    ],
)
def test_normalise_subject(subject: str, expected: str) -> None:
    """Reply and forward prefixes in several languages and list tags are stripped."""
    assert normalise_subject(subject) == expected


def test_token_round_trip() -> None:
    """A token made with the secret names its correspondence when verified with it."""
    token = make_token(CorrespondenceId("k3m9qa"), SECRET)
    assert verify_token(token, SECRET) == "k3m9qa"
    assert verify_token(token.upper(), SECRET) == "k3m9qa"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("k3m9qa", "k3m9qb"),
        lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),
        lambda t: t.split("-")[0],
        lambda t: "",
        lambda t: t + "x",
    ],
    ids=["other-id", "altered-signature", "no-signature", "empty", "too-long"],
)
def test_altered_tokens_are_refused(tamper: Callable[[str], str]) -> None:
    """A token whose id or signature was changed does not verify."""
    token = make_token(CorrespondenceId("k3m9qa"), SECRET)
    assert verify_token(tamper(token), SECRET) is None


def test_token_depends_on_secret() -> None:
    """A token made under another secret does not verify."""
    token = make_token(CorrespondenceId("k3m9qa"), "another-secret")
    assert verify_token(token, SECRET) is None


def test_reply_address_and_find_token() -> None:
    """The token travels in the local part of the service address and is found again."""
    token = make_token(CorrespondenceId("k3m9qa"), SECRET)
    address = reply_address(SERVICE, token)
    assert address == f"penpal+{token}@magazine.example"
    assert find_token(["carola@post.example", address.upper()], SERVICE) == token
    assert find_token(["penpal@magazine.example"], SERVICE) is None
    assert find_token([f"penpal+{token}@other.example"], SERVICE) is None
    assert find_token(["penpal+@magazine.example"], SERVICE) is None


def test_thread_keys_prefers_envelope_and_orders_references() -> None:
    """Envelope recipients carry the token; references come newest first without repeats."""
    token = make_token(CorrespondenceId("k3m9qa"), SECRET)
    message = _message(
        delivered_to=(reply_address(SERVICE, token),),
        in_reply_to=("c@x.example",),
        references=("a@x.example", "b@x.example", "c@x.example"),
    )
    keys = thread_keys(message, service_address=SERVICE, secret=SECRET)
    assert keys.token_id == "k3m9qa"
    assert not keys.bad_token
    assert keys.references == ("c@x.example", "b@x.example", "a@x.example")
    assert keys.subject == "kwetsbaarheid op het werk"


def test_thread_keys_flags_a_forged_token() -> None:
    """A tagged service address whose token does not verify is reported as bad."""
    message = _message(to=("penpal+k3m9qa-aaaaaaaaaa@magazine.example",))
    keys = thread_keys(message, service_address=SERVICE, secret=SECRET)
    assert keys.bad_token
    assert keys.token_id is None


def _keys(**overrides: object) -> ThreadKeys:
    base: dict[str, object] = {
        "token_id": None,
        "bad_token": False,
        "references": (),
        "subject": "kwetsbaarheid op het werk",
    }
    base.update(overrides)
    return ThreadKeys(**base)  # type: ignore[arg-type]  # test helper fills typed fields


def test_token_wins() -> None:
    """A valid token places the message, whatever its subject says."""
    result = assign(
        _message(subject="something else"),
        _keys(token_id=CorrespondenceId("k3m9qa"), subject="something else"),
        by_token=FIRST,
        by_reference=SECOND,
        of_sender=[FIRST, SECOND],
    )
    assert result == Filed(FIRST, DENISE, Via.TOKEN)


def test_token_for_missing_correspondence() -> None:
    """A valid token whose correspondence is gone leaves the message unplaced."""
    result = assign(
        _message(),
        _keys(token_id=CorrespondenceId("zzzzzz")),
        by_token=None,
        by_reference=None,
        of_sender=[FIRST],
    )
    assert isinstance(result, Unplaced)
    assert "zzzzzz" in result.reason


def test_bad_token_is_unplaced() -> None:
    """A forged token is never trusted, not even with a matching subject."""
    result = assign(
        _message(), _keys(bad_token=True), by_token=None, by_reference=None, of_sender=[FIRST]
    )
    assert isinstance(result, Unplaced)
    assert "token" in result.reason


def test_references_place_the_message() -> None:
    """Without a token, a referenced Message-ID places the message."""
    result = assign(
        _message(subject="Re: iets anders"),
        _keys(references=("x@y.example",), subject="iets anders"),
        by_token=None,
        by_reference=SECOND,
        of_sender=[FIRST, SECOND],
    )
    assert result == Filed(SECOND, DENISE, Via.REFERENCES)


def test_alias_address_is_the_writer() -> None:
    """A writer writing from one of their aliases is recognised."""
    result = assign(
        _message(sender="D@Work.example"),
        _keys(),
        by_token=None,
        by_reference=None,
        of_sender=[FIRST],
    )
    assert result == Filed(FIRST, DENISE, Via.SUBJECT)


def test_stranger_on_a_token_is_unplaced() -> None:
    """Someone who is not a writer cannot add a letter, even with a valid token."""
    result = assign(
        _message(sender="stranger@else.example"),
        _keys(token_id=CorrespondenceId("k3m9qa")),
        by_token=FIRST,
        by_reference=None,
        of_sender=[],
    )
    assert isinstance(result, Unplaced)
    assert "stranger@else.example is not a writer of correspondence k3m9qa" in result.reason


def test_stranger_without_evidence_is_unplaced() -> None:
    """A sender who writes in no open correspondence is unplaced with that reason."""
    result = assign(
        _message(sender="stranger@else.example"),
        _keys(),
        by_token=None,
        by_reference=None,
        of_sender=[],
    )
    assert result == Unplaced("stranger@else.example is not a writer of any open correspondence")


def test_subject_matches_stored_subject_or_topic() -> None:
    """The normalised subject is compared with the correspondence's subject and its topic."""
    renamed = _correspondence("r5t6yu", "Werk", DENISE, CAROLA, subject="Brieven over werk")
    result = assign(
        _message(subject="Antw: Brieven over werk"),
        _keys(subject="brieven over werk"),
        by_token=None,
        by_reference=None,
        of_sender=[renamed, SECOND],
    )
    assert result == Filed(renamed, DENISE, Via.SUBJECT)


def test_unknown_subject_is_unplaced() -> None:
    """A writer's message whose subject matches none of their correspondences is unplaced."""
    result = assign(
        _message(subject="Vakantie"),
        _keys(subject="vakantie"),
        by_token=None,
        by_reference=None,
        of_sender=[FIRST, SECOND],
    )
    assert isinstance(result, Unplaced)
    assert "Vakantie" in result.reason


def test_ambiguous_subject_is_unplaced() -> None:
    """Two open correspondences with the same subject are not guessed between."""
    twin = _correspondence("t8w9er", "Kwetsbaarheid op het werk", DENISE, THEO)
    result = assign(_message(), _keys(), by_token=None, by_reference=None, of_sender=[FIRST, twin])
    assert isinstance(result, Unplaced)
    assert "k3m9qa, t8w9er" in result.reason


def test_message_without_sender_is_unplaced() -> None:
    """A message without a From address cannot belong to anyone."""
    result = assign(
        _message(sender=""), _keys(), by_token=None, by_reference=None, of_sender=[FIRST]
    )
    assert result == Unplaced("the message has no sender address")


def test_editor_command_needs_a_token_or_reference() -> None:
    """An editor's command is placed by token, then by reference, never by subject alone."""
    assert assign_editor(_keys(token_id=FIRST.id), by_token=FIRST, by_reference=SECOND) == FIRST
    assert assign_editor(_keys(), by_token=None, by_reference=SECOND) == SECOND
    assert isinstance(assign_editor(_keys(), by_token=None, by_reference=None), Unplaced)
    assert isinstance(
        assign_editor(_keys(bad_token=True), by_token=None, by_reference=SECOND), Unplaced
    )
    missing = assign_editor(
        _keys(token_id=CorrespondenceId("gone00")), by_token=None, by_reference=None
    )
    assert isinstance(missing, Unplaced)
    assert "gone00" in missing.reason


def _start_message(
    text: str, *, cc: tuple[str, ...] = (), subject: str = "Re: Vertrouwen"
) -> ParsedMessage:
    return ParsedMessage(
        kind=MessageKind.LETTER,
        sender=Address(DENISE.email),
        subject=subject,
        message_id="s1@brieven.example",
        extraction=Extraction(text=text, body=text),
        to=(Address(SERVICE),),
        cc=tuple(Address(a, "Theo Brink" if a == THEO.email else "") for a in cc),
    )


def test_a_known_writer_starts_a_correspondence_naming_the_partner() -> None:
    """A known writer with a new subject and the partner in Cc or in the text starts one."""
    keys = _keys(subject="vertrouwen")
    by_cc = proposed_start(
        _start_message("Hoi Theo,", cc=(THEO.email,)),
        keys,
        known_writers=[DENISE, CAROLA],
        of_sender=[FIRST],
        service_address=SERVICE,
    )
    assert by_cc == NewCorrespondence("Vertrouwen", DENISE, Writer(THEO.email, "Theo Brink"))
    by_text = proposed_start(
        _start_message("Lieve Carola (carola@POST.example),\n\nZullen we?"),
        keys,
        known_writers=[DENISE, CAROLA],
        of_sender=[],
        service_address=SERVICE,
    )
    assert by_text == NewCorrespondence("Vertrouwen", DENISE, CAROLA)


@pytest.mark.parametrize(
    ("message", "keys", "of_sender"),
    [
        (_start_message("Hoi,"), _keys(subject="vertrouwen"), []),
        (_start_message("Hoi", cc=(THEO.email,), subject="Re: "), _keys(subject=""), []),
        (
            _start_message("Hoi", cc=(THEO.email,), subject="Kwetsbaarheid op het werk"),
            _keys(),
            [FIRST],
        ),
        (
            _start_message("Hoi", cc=(THEO.email,)),
            _keys(token_id=CorrespondenceId("k3m9qa"), subject="vertrouwen"),
            [],
        ),
        (
            _start_message(f"Hoi, mail me at {DENISE.email} or penpal+x@magazine.example"),
            _keys(subject="vertrouwen"),
            [],
        ),
    ],
    ids=["no-partner", "no-subject", "subject-taken", "has-token", "only-own-addresses"],
)
def test_what_does_not_start_a_correspondence(
    message: ParsedMessage, keys: ThreadKeys, of_sender: list[Correspondence]
) -> None:
    """No partner, no subject, a subject in use, a token, or only own addresses: nothing starts."""
    assert (
        proposed_start(
            message,
            keys,
            known_writers=[DENISE, CAROLA],
            of_sender=of_sender,
            service_address=SERVICE,
        )
        is None
    )


def test_a_stranger_cannot_start_a_correspondence() -> None:
    """Only writers penpal knows may start one."""
    message = dataclasses.replace(
        _start_message("Hoi", cc=(THEO.email,)), sender=Address("x@y.example")
    )
    assert (
        proposed_start(
            message,
            _keys(subject="vertrouwen"),
            known_writers=[DENISE],
            of_sender=[],
            service_address=SERVICE,
        )
        is None
    )
