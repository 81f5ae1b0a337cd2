"""Tests for penpal.letters: what the shared value types derive from the data they hold."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from penpal.letters import (
    Address,
    Correspondence,
    CorrespondenceId,
    Extraction,
    Letter,
    LetterId,
    MessageKind,
    ParsedMessage,
    State,
    Turn,
    Writer,
)

DENISE = Writer(
    email="denise@brieven.example",
    name="Denise van Iersel",
    aliases=("D.vanIersel@Werk.example",),
)
CAROLA = Writer(email="carola@post.example", name="Carola Smit", label="Carola")


def correspondence(*writers: Writer) -> Correspondence:
    return Correspondence(
        id=CorrespondenceId("k3m9qa"),
        topic="Kwetsbaarheid op het werk",
        state=State.OPEN,
        writers=writers,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_an_address_prints_with_its_name_when_it_has_one() -> None:
    """An address with a display name prints as 'Name <email>', without one as the bare email."""
    assert str(Address("denise@brieven.example", "Denise")) == "Denise <denise@brieven.example>"
    assert str(Address("denise@brieven.example")) == "denise@brieven.example"


def test_recipients_are_to_then_cc() -> None:
    """A message's visible recipients are its To addresses followed by its Cc addresses."""
    to, cc = Address("a@post.example"), Address("b@post.example")
    message = ParsedMessage(
        kind=MessageKind.LETTER,
        sender=None,
        subject="",
        message_id="m1@post.example",
        extraction=Extraction(text="", body=""),
        to=(to,),
        cc=(cc,),
    )
    assert message.recipients == (to, cc)


def test_a_writer_writes_from_every_address_in_lower_case() -> None:
    """A writer's addresses are the main one and the aliases, lower-cased."""
    assert DENISE.addresses == frozenset({"denise@brieven.example", "d.vaniersel@werk.example"})


@pytest.mark.parametrize(
    ("writer", "label"),
    [
        (CAROLA, "Carola"),
        (Writer(email="denise@brieven.example", name="Denise van Iersel"), "Denise"),
        (Writer(email="sam.de.vries@post.example", name="  "), "sam.de.vries"),
    ],
    ids=["label", "first-name", "address"],
)
def test_turn_label_falls_back_from_label_to_first_name_to_address(
    writer: Writer, label: str
) -> None:
    """The label before a turn is the chosen label, else the first name, else the mailbox."""
    assert writer.turn_label == label


def test_a_correspondence_finds_a_writer_by_any_of_their_addresses() -> None:
    """Any address of a writer, in any case, finds them; a stranger finds no one."""
    both = correspondence(DENISE, CAROLA)
    assert both.writer_for("D.VanIersel@werk.example") == DENISE
    assert both.writer_for("Carola@Post.example") == CAROLA
    assert both.writer_for("someone@elders.example") is None


def test_a_writers_partner_is_the_other_writer() -> None:
    """Each writer's partner is the other one; alone in a correspondence there is none."""
    both = correspondence(DENISE, CAROLA)
    assert both.partner_of(DENISE) == CAROLA
    assert both.partner_of(CAROLA) == DENISE
    assert correspondence(DENISE).partner_of(DENISE) is None


def test_a_letter_offers_what_its_extraction_found() -> None:
    """A letter's text keeps the salutation and sign-off; its body is what would be published."""
    extraction = Extraction(text="Lieve Carola,\n\nHoe gaat het?\n\nDenise", body="Hoe gaat het?")
    letter = Letter(
        id=LetterId(1),
        correspondence_id=CorrespondenceId("k3m9qa"),
        writer=DENISE,
        date=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        subject="Kwetsbaarheid op het werk",
        message_id="a1@brieven.example",
        extraction=extraction,
    )
    assert letter.text == extraction.text
    assert letter.body == "Hoe gaat het?"


def test_a_turn_shows_all_but_what_was_left_out() -> None:
    """Its text joins every paragraph; the shown ones skip those left out, or all when it is."""
    turn = Turn(
        LetterId(1), "Denise van Iersel", DENISE.email, "Denise", ("One.", "Two.", "Three.")
    )
    assert turn.text == "One.\n\nTwo.\n\nThree."
    assert turn.shown_paragraphs == ("One.", "Two.", "Three.")
    partly = dataclasses.replace(turn, omitted_paragraphs=(0, 2))
    assert partly.shown_paragraphs == ("Two.",)
    assert partly.text == turn.text
    assert dataclasses.replace(partly, omitted=True).shown_paragraphs == ()
