"""Tests for penpal.prose: paragraphs, sentences, words and slugs."""

from __future__ import annotations

import pytest

from penpal.prose import is_private, slugify, split_paragraphs, split_sentences, tidy, words


def test_paragraphs_split_on_blank_lines_with_endings_normalised() -> None:
    """Blank lines (even with spaces, or CRLF) separate paragraphs; trailing spaces go."""
    text = "\r\n  One\r\nline two  \r\n \t\r\n\r\n\r\nTwo\n\n\n"
    assert split_paragraphs(text) == ("One\nline two", "Two")
    assert split_paragraphs("") == ()


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Kwetsbaarheid op het werk", "kwetsbaarheid-op-het-werk"),
        ("Één café, drie crème brûlées", "een-cafe-drie-creme-brulees"),
        ("Straße & Ærø: łódź", "strasse-aero-lodz"),
        ("  --Hello,   World!--  ", "hello-world"),
        ("日本語", ""),
        ("a" * 70, "a" * 60),
        ("word " * 20, "word-word-word-word-word-word-word-word-word-word-word-word"),
        ("x" * 55 + " " + "y" * 20, "x" * 55),
        ("x" * 60 + " tail", "x" * 60),
    ],
    ids=[
        "dutch",
        "accents",
        "ligatures",
        "punctuation",
        "no-ascii",
        "one-long-word",
        "cut-at-word",
        "cut-before-long-word",
        "cut-on-dash",
    ],
)
def test_slugify(text: str, slug: str) -> None:
    """Slugs are ASCII, lower case, dash-separated and cut at a word boundary."""
    assert slugify(text) == slug
    assert len(slugify(text)) <= 60


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("One. Two! Three? Four… Five", ["One.", "Two!", "Three?", "Four…", "Five"]),
        ("He said “no.” Then he left.", ["He said “no.”", "Then he left."]),
        ("I met Dr. Jansen and bijv. de buren.", ["I met Dr. Jansen and bijv. de buren."]),
        ("Ask J. Smith. He knows.", ["Ask J. Smith.", "He knows."]),
        ("It ended. and then\nit went on.", ["It ended. and then it went on."]),
        ("A list... 2026 was good.", ["A list...", "2026 was good."]),
        ("", []),
    ],
    ids=["marks", "closing-quote", "abbreviations", "initial", "lowercase", "digits", "empty"],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    """Sentences end at . ! ? … before a capital, not after abbreviations or initials."""
    assert split_sentences(paragraph) == sentences


@pytest.mark.parametrize(
    ("paragraph", "private"),
    [
        ("[private] Only for you.", True),
        ("  [Privé] Alleen voor jou.", True),
        ("[prive] zonder accent", True),
        ("Public, with [private] later on.", False),
        ("[privacy] is a topic", False),
    ],
    ids=["english", "dutch-accent", "dutch-plain", "marker-inside", "other-word"],
)
def test_a_private_paragraph_opens_with_its_marker(paragraph: str, private: bool) -> None:
    """Only a marker at the start, in any case and either language, makes a paragraph private."""
    assert is_private(paragraph) is private


def test_tidy_collapses_every_kind_of_whitespace() -> None:
    """Runs of spaces, tabs and line breaks become one space, and the ends are trimmed."""
    assert tidy("  One\tline\n\n and\u00a0another  ") == "One line and another"
    assert tidy(" \n ") == ""


def test_words_are_lower_case_letters_with_apostrophes_kept() -> None:
    """Digits and punctuation split words; a curly apostrophe inside a word is made straight."""
    assert words("I\u2019m Denise, 42 — and I've WON!") == ["i'm", "denise", "and", "i've", "won"]
    assert words("Één café") == ["één", "café"]
    assert words("2026 ...") == []
