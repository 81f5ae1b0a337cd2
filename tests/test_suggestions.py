"""Tests for penpal.suggestions: ranked title and pull-quote suggestions."""

from __future__ import annotations

import pytest

from penpal.articles import compile_article
from penpal.letters import Article
from penpal.suggestions import (
    MAX_PULL_QUOTE_SUGGESTIONS,
    MAX_TITLE_SUGGESTIONS,
    suggest_pull_quotes,
    suggest_titles,
)
from tests.article_support import (
    DENISE,
    english_article,
    make_correspondence,
    make_letter,
    make_turn,
)


@pytest.fixture
def english() -> Article:
    """The English test correspondence, compiled."""
    return english_article()


def test_suggestions_are_spread_over_both_writers(english: Article) -> None:
    """The first suggestions alternate between the writers, each writer's best first."""
    quotes = english.suggestions.pull_quotes
    writers = [english.turns[q.after_turn].email for q in quotes]
    assert writers[:2] == ["denise@magazine.example", "carola@studio.example"] or writers[:2] == [
        "carola@studio.example",
        "denise@magazine.example",
    ]
    assert len(set(writers[:4])) == 2
    titles = english.suggestions.titles
    assert 1 <= len(titles) <= MAX_TITLE_SUGGESTIONS
    assert not any(t.endswith(".") for t in titles)
    assert english.title == "Vulnerability at work"
    # Suggestions are offered beside the article, never placed in it.
    assert english.pull_quotes == ()
    assert english.headings == ()


def test_pull_quotes_repeat_a_sentence_after_its_own_turn(english: Article) -> None:
    """Every suggested pull quote is a sentence of the turn it is placed after."""
    assert english.suggestions.pull_quotes
    for quote in english.suggestions.pull_quotes:
        turn_text = " ".join(english.turns[quote.after_turn].text.split())
        assert quote.text in turn_text


def test_pull_quote_ranking_prefers_first_person_of_quotable_length() -> None:
    """A confession of 12 to 22 words outranks a shorter line and a line to 'you'."""
    turns = [
        make_turn(
            0,
            "I learned more from one failed project than from ten years of quiet success at work. "
            "Short lines are rarely quotable at all here. "
            "You should have seen how the whole room went silent when the news finally came.",
        )
    ]
    quotes = suggest_pull_quotes(turns)
    assert [q.text for q in quotes] == [
        "I learned more from one failed project than from ten years of quiet success at work.",
        "Short lines are rarely quotable at all here.",
        "You should have seen how the whole room went silent when the news finally came.",
    ]


def test_a_turns_second_sentence_waits_for_the_other_turns() -> None:
    """Within one writer, each turn gives its best before any turn gives a second."""
    strong = "I learned more from one failed project than from ten years of quiet success."
    weaker = "Meetings are where good ideas usually go to die a slow death."
    other = "Trust grows when people admit what they do not know yet."
    turns = [make_turn(0, f"{strong} {weaker}"), make_turn(1, other)]
    assert [q.text for q in suggest_pull_quotes(turns)] == [strong, other, weaker]


def test_sentences_that_need_their_context_are_not_suggested() -> None:
    """Replies, links, markup, names, fragments and repeats are left out of suggestions."""
    text = (
        "But that was never the whole story of my working life at all. "
        "Read more about it at https://blog.example/post today please friends. "
        "I wrote <b>this</b> down on a yellow note for later use. "
        "Denise, I could not agree more with everything you wrote here. "
        "These are the things I kept thinking about on the train home, "
        "I still believe that honesty makes a team stronger over time. "
        "I still believe that honesty makes a team stronger over time. "
        "... "
        "Een zin die alleen bestaat uit woorden en die lang genoeg is."
    )
    turns = [make_turn(0, text)]
    quotes = suggest_pull_quotes(turns, names=frozenset({"denise"}))
    assert [q.text for q in quotes] == [
        "Een zin die alleen bestaat uit woorden en die lang genoeg is.",
        "I still believe that honesty makes a team stronger over time.",
    ]


def test_title_suggestions_are_short_and_keep_question_marks() -> None:
    """Titles are 3 to 12 words, lose their full stop, keep a question mark, rank by length."""
    text = (
        "Is kindness a strategy? "
        "Doubt is a skill. "
        "I never planned to become the person who says the difficult things in every meeting. "
        "Yes. "
        "This sentence is one that is far too long to ever work as a title for anything at all."
    )
    assert suggest_titles([make_turn(0, text)]) == ("Is kindness a strategy?", "Doubt is a skill")


def test_long_titles_by_characters_are_left_out() -> None:
    """A title of few but long words (over 80 characters) is not suggested."""
    words = (
        "Extraordinarily incomprehensible internationalisation responsibilities notwithstanding."
    )
    assert suggest_titles([make_turn(0, words)]) == ()
    assert suggest_pull_quotes([make_turn(0, "Onwards " * 40 + "we go.")]) == ()


def test_suggestion_lists_are_limited() -> None:
    """No more than the maximum number of suggestions is offered."""
    text = " ".join(
        f"I kept a diary for {n} weeks and wrote about every single meeting I attended."
        for n in ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve")
    )
    assert len(suggest_pull_quotes([make_turn(0, text)])) == MAX_PULL_QUOTE_SUGGESTIONS


def test_names_of_writers_block_suggestions_through_compile() -> None:
    """A sentence that names a writer by label is a reply and is not suggested."""
    letter = make_letter(1, DENISE, "Carola writes that honesty is the only policy that lasts.")
    article = compile_article(make_correspondence("x"), [letter], language="en", revision=1)
    assert article.suggestions.pull_quotes == ()
