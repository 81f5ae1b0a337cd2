"""Tests for penpal.articles: compiling letters into an article, suggestions, JSON, rendering."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
import lxml.html
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from penpal.articles import (
    MAX_PULL_QUOTE_SUGGESTIONS,
    MAX_TITLE_SUGGESTIONS,
    AddHeading,
    AddPullQuote,
    Block,
    BlockChange,
    Edit,
    FixParagraph,
    MoveHeading,
    MovePullQuote,
    OmitParagraph,
    OmitTurn,
    RemoveHeading,
    RemovePullQuote,
    RestoreParagraph,
    RestoreTurn,
    SetCategories,
    SetCredit,
    SetDescription,
    SetHeading,
    SetImage,
    SetIntro,
    SetSlug,
    SetTitle,
    apply_edits,
    article_from_json,
    article_to_json,
    blocks,
    carry_over,
    compile_article,
    describe,
    diff,
    draft_intro,
    ensure_ids,
    format_date,
    image_filename,
    image_files,
    labels,
    letter_changes,
    plain_text,
    published_view,
    read_markdown,
    reading_minutes,
    render_html,
    render_html_fragment,
    render_markdown,
    slugify,
    split_paragraphs,
    split_sentences,
    suggest_pull_quotes,
    suggest_titles,
)
from penpal.errors import DraftFormatError
from penpal.letters import (
    Article,
    Attachment,
    Correspondence,
    CorrespondenceId,
    Extraction,
    Heading,
    Image,
    Letter,
    LetterId,
    PullQuote,
    State,
    Suggestions,
    Turn,
    Writer,
)
from penpal.templating import template_environment

GOLDEN = Path(__file__).parent / "golden"
# Set PENPAL_REGENERATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
REGENERATE = os.environ.get("PENPAL_REGENERATE_GOLDEN") == "1"

DENISE = Writer(email="denise@magazine.example", name="Denise Verhoeven")
CAROLA = Writer(email="carola@studio.example", name="Carola Smit", label="Carola")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(2048)

ENGLISH_LETTERS = (
    (
        DENISE,
        "Last week I cried in a meeting, and nobody knew where to look. I have been "
        "wondering ever since why showing doubt at work still feels like breaking a rule.\n\n"
        "My manager said afterwards that it was brave. I did not feel brave.\n"
        "I felt seen, and that was worse.",
    ),
    (
        CAROLA,
        "Your letter stayed with me all weekend. I once hid a burnout for a whole year "
        "because I was afraid of losing my clients.\n\n"
        "Vulnerability is not weakness. It is information that the rest of the team "
        "needs in order to do good work.",
    ),
    (
        DENISE,
        "What would happen if managers went first? I wonder whether courage spreads "
        "the way fear does, one small admission at a time.",
    ),
    (
        CAROLA,
        "I think it does. The teams I trust most are the ones where someone dared to "
        "say out loud that they did not know.",
    ),
)

DUTCH_LETTERS = (
    (
        DENISE,
        "Vorige week moest ik huilen in een vergadering, en niemand wist waar hij moest "
        "kijken. Sindsdien vraag ik me af waarom twijfel laten zien op het werk nog steeds "
        "voelt als een regel overtreden.\n\n"
        "Ik voelde me gezien, en dat was erger.",
    ),
    (
        CAROLA,
        "Ik heb ooit een burn-out een heel jaar verborgen gehouden uit angst mijn "
        "opdrachtgevers kwijt te raken.\n\n"
        "Kwetsbaarheid is geen zwakte. Het is informatie die de rest van het team nodig "
        "heeft om goed werk te leveren.",
    ),
)


def make_correspondence(
    topic: str, writers: tuple[Writer, ...] = (DENISE, CAROLA)
) -> Correspondence:
    return Correspondence(
        id=CorrespondenceId("k3m9qa"),
        topic=topic,
        state=State.COMPLETE,
        writers=writers,
        created_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    )


def make_letter(
    number: int,
    writer: Writer,
    body: str,
    *,
    private: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> Letter:
    return Letter(
        id=LetterId(number),
        correspondence_id=CorrespondenceId("k3m9qa"),
        writer=writer,
        date=datetime(2026, 11, number, 9, 0, tzinfo=UTC),
        subject="Vulnerability at work",
        message_id=f"letter-{number}@mail.example",
        extraction=Extraction(text=body, body=body, private=private),
        attachments=attachments,
    )


def letters_of(pairs: Sequence[tuple[Writer, str]]) -> list[Letter]:
    return [make_letter(i, writer, body) for i, (writer, body) in enumerate(pairs, start=1)]


def make_turn(index: int, text: str, *, email: str = "denise@magazine.example") -> Turn:
    return Turn(LetterId(index + 1), "Denise Verhoeven", email, "Denise", split_paragraphs(text))


@pytest.fixture
def env() -> jinja2.Environment:
    """The built-in templates."""
    return template_environment()


@pytest.fixture
def english() -> Article:
    """The English test correspondence, compiled."""
    return compile_article(
        make_correspondence("Vulnerability at work"),
        letters_of(ENGLISH_LETTERS),
        language="en",
        revision=1,
    )


def edited(article: Article) -> Article:
    """What an editor makes of a draft: categories, a heading, a pull quote, an image, a credit."""
    return dataclasses.replace(
        article,
        categories=("Inspiration", "In depth"),
        headings=(Heading(article.suggestions.titles[0], 2),),
        pull_quotes=article.suggestions.pull_quotes[:1],
        images=(
            Image("meeting-room.jpg", "image/jpeg", 1, "An empty meeting room", "Ilse Bakker"),
        ),
        credit="Illustration intro with thanks to Ilse Bakker",
    )


# ---------------------------------------------------------------- compiling


def test_one_turn_per_letter_in_order_with_labels(english: Article) -> None:
    """Each letter becomes one turn, in the order given, labelled with its writer's label."""
    assert [t.label for t in english.turns] == ["Denise", "Carola", "Denise", "Carola"]
    assert [t.letter_id for t in english.turns] == [1, 2, 3, 4]
    assert english.turns[1].writer == "Carola Smit"
    assert english.turns[1].email == "carola@studio.example"
    assert english.turns[0].paragraphs == (
        "Last week I cried in a meeting, and nobody knew where to look. I have been "
        "wondering ever since why showing doubt at work still feels like breaking a rule.",
        "My manager said afterwards that it was brave. I did not feel brave.\n"
        "I felt seen, and that was worse.",
    )


def test_letters_keep_the_order_they_are_given_in() -> None:
    """Compiling does not re-sort letters: the caller's order is the article's order."""
    later, earlier = make_letter(9, CAROLA, "Second."), make_letter(2, DENISE, "First.")
    article = compile_article(
        make_correspondence("Order"), [later, earlier], language="en", revision=1
    )
    assert [t.letter_id for t in article.turns] == [9, 2]


def test_a_letter_with_an_empty_body_gives_no_turn() -> None:
    """A letter with nothing to publish (only a command, say) leaves no empty turn."""
    letters = [
        make_letter(1, DENISE, "Hello there."),
        make_letter(2, CAROLA, ""),
        make_letter(3, CAROLA, "  \n\n \r\n "),
        make_letter(4, CAROLA, "Hello back."),
    ]
    article = compile_article(make_correspondence("Empty"), letters, language="en", revision=1)
    assert [t.letter_id for t in article.turns] == [1, 4]


def test_private_paragraphs_never_reach_any_output(env: jinja2.Environment) -> None:
    """A private paragraph that slipped into a body is still left out of every format."""
    body = (
        "Public words first.\n\n"
        "[privé] Dit is alleen voor jou.\n\n"
        "Something I asked to keep between us.\n\n"
        "Public words last."
    )
    letter = make_letter(1, DENISE, body, private=("Something I asked to keep\nbetween us.",))
    article = compile_article(make_correspondence("Privacy"), [letter], language="en", revision=1)
    assert article.turns[0].paragraphs == ("Public words first.", "Public words last.")
    outputs = [
        json.dumps(article_to_json(article)),
        render_markdown(article, env),
        render_html(article, env),
    ]
    for output in outputs:
        assert "alleen voor jou" not in output
        assert "keep between us" not in output


def test_paragraphs_split_on_blank_lines_with_endings_normalised() -> None:
    """Blank lines (even with spaces, or CRLF) separate paragraphs; trailing spaces go."""
    text = "\r\n  One\r\nline two  \r\n \t\r\n\r\n\r\nTwo\n\n\n"
    assert split_paragraphs(text) == ("One\nline two", "Two")
    assert split_paragraphs("") == ()


def test_title_starts_as_the_topic_and_slug_follows_it() -> None:
    """The title is the topic (spaces tidied) and the slug is made from it."""
    article = compile_article(
        make_correspondence("  Is content   marketing dead?  "), [], language="en", revision=3
    )
    assert article.title == "Is content marketing dead?"
    assert article.slug == "is-content-marketing-dead"
    assert article.revision == 3
    assert article.turns == ()
    assert article.correspondence_id == "k3m9qa"


def test_slug_falls_back_to_the_correspondence_id() -> None:
    """A topic with nothing to slug (only punctuation) gives the id as slug."""
    article = compile_article(make_correspondence("?!"), [], language="nl", revision=1)
    assert article.slug == "k3m9qa"


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


def test_unsupported_language_is_refused() -> None:
    """Only nl and en have labels; anything else is a programming error."""
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        compile_article(make_correspondence("x"), [], language="de", revision=1)
    with pytest.raises(ValueError, match="expected nl or en"):
        labels("fr")


# -------------------------------------------------------------------- intro


def test_intro_in_english_and_dutch() -> None:
    """The drafted intro names both writers and the topic, in the article's language."""
    writers = (DENISE, CAROLA)
    assert draft_intro("Vulnerability at work", writers, "en") == (
        "In this correspondence, Denise Verhoeven and Carola Smit write to each other "
        "about “Vulnerability at work”."
    )
    assert draft_intro("Kwetsbaarheid op het werk", writers, "nl") == (
        "In deze briefwisseling schrijven Denise Verhoeven en Carola Smit elkaar over "
        "“Kwetsbaarheid op het werk”."
    )


def test_intro_edge_cases() -> None:
    """A question topic keeps its mark, no topic drops 'about', no names says 'two writers'."""
    nameless = Writer(email="sam@mail.example", name="  ")
    third = Writer(email="piet@mail.example", name="Piet Jansen")
    assert draft_intro("Is content marketing dead?", (DENISE, CAROLA), "en").endswith(
        "about “Is content marketing dead?”"
    )
    assert draft_intro("", (DENISE, CAROLA), "en") == (
        "In this correspondence, Denise Verhoeven and Carola Smit write to each other."
    )
    assert draft_intro(" ", (), "nl") == "In deze briefwisseling schrijven twee schrijvers elkaar."
    assert draft_intro("x", (nameless,), "en").startswith("In this correspondence, sam write")
    assert draft_intro("x", (DENISE, CAROLA, third), "nl").startswith(
        "In deze briefwisseling schrijven Denise Verhoeven, Carola Smit en Piet Jansen elkaar"
    )


def test_format_date_in_both_languages() -> None:
    """Dates are written out with the month's name as readers of the language expect."""
    assert format_date(date(2026, 11, 20), "nl") == "20 november 2026"
    assert format_date(date(2026, 3, 1), "en") == "1 March 2026"


# -------------------------------------------------------------- suggestions


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


# ------------------------------------------------------------------- images


def image(filename: str, content_type: str = "image/png", data: bytes = PNG) -> Attachment:
    return Attachment(filename=filename, content_type=content_type, data=data)


def test_images_are_placed_in_the_turn_that_carried_them() -> None:
    """Raster images become article images in their letter's turn, with safe unique names."""
    letters = [
        make_letter(1, DENISE, "No images here."),
        make_letter(2, CAROLA, "", attachments=(image("lost.png"),)),
        make_letter(
            3,
            CAROLA,
            "Two pictures.",
            attachments=(
                image("../../etc/Foto Één.PNG"),
                image("C:\\Users\\carola\\foto-een.png", "IMAGE/JPEG"),
                image("foto een.png"),
                image("drawing.svg", "image/svg+xml"),
                image("pixel.gif", "image/gif", b"GIF89a"),
                image("notes.pdf", "application/pdf"),
                image("", "image/webp"),
            ),
        ),
    ]
    article = compile_article(make_correspondence("x"), letters, language="en", revision=1)
    assert article.images == (
        Image("foto-een.png", "image/png", 1),
        Image("foto-een.jpg", "image/jpeg", 1),
        Image("foto-een-2.png", "image/png", 1),
        Image("image-2.webp", "image/webp", 1),
    )
    files = image_files(letters)
    assert list(files) == ["foto-een.png", "foto-een.jpg", "foto-een-2.png", "image-2.webp"]
    assert files["foto-een.jpg"].filename == "C:\\Users\\carola\\foto-een.png"


def test_image_filename_without_extension() -> None:
    """An image gets the extension its type implies, whatever its name says."""
    assert image_filename(image("scan", "image/jpeg"), 0) == "scan.jpg"
    assert image_filename(image("run.sh", "text/x-sh"), 0) == "run.bin"


# --------------------------------------------------------------------- JSON


def test_json_has_the_design_contract(english: Article) -> None:
    """The draft JSON has the keys scripts rely on, as plain JSON values."""
    data = article_to_json(edited(english))
    assert json.loads(json.dumps(data)) == data
    for key in (
        "title",
        "categories",
        "intro",
        "turns",
        "headings",
        "pull_quotes",
        "images",
        "credit",
        "language",
        "revision",
        "suggestions",
        "slug",
        "correspondence_id",
    ):
        assert key in data
    assert data["turns"][0] == {
        "letter_id": 1,
        "writer": "Denise Verhoeven",
        "email": "denise@magazine.example",
        "label": "Denise",
        "text": english.turns[0].paragraphs[0] + "\n\n" + english.turns[0].paragraphs[1],
        "omitted": False,
        "omitted_paragraphs": [],
    }
    assert data["headings"] == [{"id": "", "text": english.suggestions.titles[0], "before_turn": 2}]
    assert data["pull_quotes"][0]["after_turn"] == english.suggestions.pull_quotes[0].after_turn
    assert data["images"][0] == {
        "filename": "meeting-room.jpg",
        "content_type": "image/jpeg",
        "turn": 1,
        "caption": "An empty meeting room",
        "credit": "Ilse Bakker",
        "omitted": False,
    }
    assert set(data["suggestions"]) == {"titles", "pull_quotes", "headings"}


def test_json_round_trip(english: Article) -> None:
    """Reading the JSON back gives the very same article."""
    article = dataclasses.replace(
        edited(english),
        suggestions=dataclasses.replace(
            english.suggestions, headings=(Heading("A turn in the talk", 1),)
        ),
    )
    assert article_from_json(json.loads(json.dumps(article_to_json(article)))) == article


_text = st.text(max_size=30)
_paragraph = _text.map(lambda s: " ".join(s.split())).filter(bool)
_turns = st.builds(
    Turn,
    letter_id=st.integers(1, 10_000).map(LetterId),
    writer=_text,
    email=_text,
    label=_text,
    paragraphs=st.lists(_paragraph, min_size=1, max_size=3).map(tuple),
    omitted=st.booleans(),
    omitted_paragraphs=st.lists(st.integers(0, 3), max_size=2).map(tuple),
)
_articles = st.builds(
    Article,
    correspondence_id=_text.map(CorrespondenceId),
    title=_text,
    intro=_text,
    turns=st.lists(_turns, max_size=3).map(tuple),
    language=st.sampled_from(["nl", "en"]),
    revision=st.integers(0, 1000),
    slug=_text,
    categories=st.lists(_text, max_size=3).map(tuple),
    headings=st.lists(st.builds(Heading, _text, st.integers(-2, 5), _text), max_size=2).map(tuple),
    pull_quotes=st.lists(st.builds(PullQuote, _text, st.integers(-2, 5), _text), max_size=2).map(
        tuple
    ),
    images=st.lists(
        st.builds(Image, _text, _text, st.integers(0, 3), _text, _text, st.booleans()),
        max_size=2,
    ).map(tuple),
    credit=_text,
    description=_text,
    suggestions=st.builds(
        Suggestions,
        titles=st.lists(_text, max_size=2).map(tuple),
        pull_quotes=st.lists(st.builds(PullQuote, _text, st.integers(0, 3)), max_size=2).map(tuple),
        headings=st.lists(st.builds(Heading, _text, st.integers(0, 3)), max_size=2).map(tuple),
    ),
)


@given(_articles)
def test_json_round_trip_for_any_article(article: Article) -> None:
    """Any article whose paragraphs are tidy survives the JSON round trip unchanged."""
    assert article_from_json(json.loads(json.dumps(article_to_json(article)))) == article


def _draft_json() -> dict[str, Any]:
    article = edited(
        compile_article(
            make_correspondence("x"), letters_of(ENGLISH_LETTERS), language="en", revision=1
        )
    )
    return article_to_json(article)


def _set(data: dict[str, Any], path: Sequence[str | int], value: Any) -> dict[str, Any]:
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is _MISSING:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_MISSING = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["title"], _MISSING, "title: missing"),
        (["title"], 3, "title: expected a string"),
        (["revision"], "1", "revision: expected an integer"),
        (["revision"], True, "revision: expected an integer"),
        (["turns"], {}, "turns: expected a list"),
        (["turns", 0], "text", r"turns\[0\]: expected an object"),
        (["turns", 1, "letter_id"], 2.5, r"turns\[1\].letter_id: expected an integer"),
        (["categories", 1], None, r"categories\[1\]: expected a string"),
        (["images", 0, "caption"], _MISSING, r"images\[0\].caption: missing"),
        (["suggestions"], [], "suggestions: expected an object"),
        (["suggestions", "titles"], "x", "suggestions.titles: expected a list"),
        (
            ["suggestions", "pull_quotes", 0, "after_turn"],
            None,
            r"suggestions.pull_quotes\[0\].after_turn: expected an integer",
        ),
        (["language"], "de", "language: expected nl or en, not 'de'"),
    ],
    ids=lambda v: "-".join(map(str, v)) if isinstance(v, list) else None,
)
def test_json_that_does_not_fit_is_refused_naming_the_key(
    path: list[str | int], value: Any, message: str
) -> None:
    """A wrong or missing value gives a DraftFormatError that names where it is."""
    data = _set(_draft_json(), path, value)
    with pytest.raises(DraftFormatError, match=f"^draft JSON: {message}"):
        article_from_json(data)


def test_json_that_is_not_an_object_is_refused() -> None:
    """A JSON array is not a draft."""
    with pytest.raises(DraftFormatError, match="the document: expected an object"):
        article_from_json([])  # type: ignore[arg-type]  # the wrong type is what is tested


# ---------------------------------------------------------- body and facts


def test_blocks_place_headings_before_and_pull_quotes_after_their_turns(english: Article) -> None:
    """Headings come before their turn and pull quotes after; out-of-range ones stay at the ends."""
    article = dataclasses.replace(
        english,
        headings=(Heading("Start", 0), Heading("Far", 99), Heading("Before", -3)),
        pull_quotes=(PullQuote("After two", 1), PullQuote("Early", -1)),
        images=(Image("a.png", "image/png", 7),),
    )
    body = blocks(article)
    kinds = [(b.kind, b.text or b.index) for b in body]
    assert kinds == [
        ("heading", "Start"),
        ("heading", "Before"),
        ("turn", 0),
        ("pull_quote", "Early"),
        ("turn", 1),
        ("pull_quote", "After two"),
        ("turn", 2),
        ("heading", "Far"),
        ("turn", 3),
    ]
    assert body[-1].images == (Image("a.png", "image/png", 7),)


def test_blocks_without_turns_keep_headings_and_quotes() -> None:
    """An article without turns still shows its headings and pull quotes, in order."""
    article = compile_article(make_correspondence("x"), [], language="en", revision=1)
    article = dataclasses.replace(
        article, headings=(Heading("H", 0),), pull_quotes=(PullQuote("Q", 0),)
    )
    assert blocks(article) == [Block("heading", "H"), Block("pull_quote", "Q")]


def test_reading_minutes_and_description(english: Article) -> None:
    """Reading time rounds up at 200 words a minute; the description is cut at a word."""
    assert reading_minutes(english) == 1
    long = dataclasses.replace(english, intro="word " * 401)
    assert reading_minutes(long) == 3
    assert describe(english) == english.intro
    cut = describe(dataclasses.replace(english, intro="Lorem, " * 40))
    assert cut.endswith("Lorem…")
    assert len(cut) <= 160
    assert describe(dataclasses.replace(english, intro=" ")) == english.turns[0].paragraphs[0][:159]
    assert describe(dataclasses.replace(english, intro="", turns=())) == ""


# ---------------------------------------------------------------- rendering


def golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/NAME (or write it when regenerating)."""
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def dutch() -> Article:
    article = compile_article(
        make_correspondence("Kwetsbaarheid op het werk"),
        letters_of(DUTCH_LETTERS),
        language="nl",
        revision=2,
    )
    return dataclasses.replace(
        article,
        categories=("Inspiratie", "Verdieping"),
        headings=(Heading("Een jaar lang verborgen", 1),),
        pull_quotes=(PullQuote("Kwetsbaarheid is geen zwakte.", 1),),
        credit="Illustratie intro met dank aan Ilse Bakker",
    )


def test_golden_markdown_english_draft(english: Article, env: jinja2.Environment) -> None:
    """The English draft renders to the agreed Markdown."""
    golden("article-en.md", render_markdown(edited(english), env))


def test_golden_html_english_published(english: Article, env: jinja2.Environment) -> None:
    """The English article, published, renders to the agreed HTML page."""
    golden("article-en.html", render_html(edited(english), env, published=date(2026, 11, 20)))


def test_golden_markdown_dutch_published(env: jinja2.Environment) -> None:
    """The Dutch article, published, renders to the agreed Markdown with its date."""
    golden("article-nl.md", render_markdown(dutch(), env, published=date(2026, 11, 20)))


def test_golden_html_dutch_draft(env: jinja2.Environment) -> None:
    """The Dutch draft renders to the agreed HTML page in Dutch."""
    golden("article-nl.html", render_html(dutch(), env))


def test_html_page_shows_labels_headings_and_pull_quotes(
    english: Article, env: jinja2.Environment
) -> None:
    """The page has lang set, a label before each turn, h2 headings and pull-quote blockquotes."""
    page = render_html(edited(english), env, published=date(2026, 11, 20))
    tree = lxml.html.document_fromstring(page)
    assert tree.get("lang") == "en"
    assert tree.findtext(".//title") == "Vulnerability at work"
    turns = tree.findall(".//section")
    assert len(turns) == 4
    assert [t.findtext("p/strong") for t in turns] == ["Denise:", "Carola:", "Denise:", "Carola:"]
    assert [h.text for h in tree.findall(".//h2")] == [english.suggestions.titles[0]]
    quote = tree.xpath("string(.//blockquote[@class='pull-quote'])")
    assert quote == english.suggestions.pull_quotes[0].text
    assert tree.findtext(".//time") == "20 November 2026"
    assert tree.xpath("string(.//figure/img/@src)") == "meeting-room.jpg"


def test_fragment_is_the_body_of_the_page(english: Article, env: jinja2.Environment) -> None:
    """The CMS fragment is one <article> element, the same one the page shows."""
    fragment = render_html_fragment(english, env)
    assert fragment.startswith("<article")
    assert fragment.rstrip().endswith("</article>")
    assert fragment in render_html(english, env)


HOSTILE = (
    "Look: <script>alert('x')</script> and <img src=x onerror=alert(1)>.\n\n"
    '"Quotes" & <b>bold</b> &amp; [a link](javascript:alert(1)) *stars*'
)


def hostile_article() -> Article:
    writer = Writer(email="eve@mail.example", name="Eve <b>Evil</b>", label="<i>Eve</i>")
    letter = make_letter(1, writer, HOSTILE)
    article = compile_article(
        make_correspondence("<script>x</script>", (writer, CAROLA)),
        [letter],
        language="en",
        revision=1,
    )
    return dataclasses.replace(
        article,
        categories=("<em>cat</em>",),
        headings=(Heading("<h1>head</h1>", 0),),
        pull_quotes=(PullQuote("<script>q()</script>", 0),),
        images=(Image('x" onerror="alert(1)', "image/png", 0, "<b>cap</b>", "<i>cred</i>"),),
        credit="<marquee>credit</marquee>",
    )


def test_html_shows_letter_markup_as_text(env: jinja2.Environment) -> None:
    """Script, event handlers and tags in letters, names and edits appear as text only."""
    page = render_html(hostile_article(), env)
    tree = lxml.html.document_fromstring(page)
    assert tree.findall(".//script") == []
    for tag in ("b", "i", "em", "marquee"):
        assert tree.findall(f".//body//{tag}") == [], tag
    assert [h.text for h in tree.findall(".//h1")] == ["<script>x</script>"]
    for element in tree.iter():
        assert not [name for name in element.attrib if str(name).lower().startswith("on")]
    text = str(tree.xpath("string(.//body)"))
    assert "<script>alert('x')</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "<i>Eve</i>:" in text
    assert tree.xpath("string(.//img/@src)") == 'x" onerror="alert(1)'


def test_markdown_shows_letter_markup_as_text(env: jinja2.Environment) -> None:
    """In Markdown, tags, links and emphasis from letters are escaped, not interpreted."""
    text = render_markdown(hostile_article(), env)
    body = text.split("\n---\n", 1)[1]
    assert "<" not in body.replace("\\<", "")
    assert "\\[a link\\](javascript:alert(1)) \\*stars\\*" in body
    assert "\\&amp;" in body
    assert "**\\<i>Eve\\</i>:** Look:" in body
    assert "## \\<h1>head\\</h1>" in body
    assert "> \\<script>q()\\</script>" in body
    assert '![\\<b>cap\\</b>](x%22%20onerror%3D%22alert%281%29 "\\<i>cred\\</i>")' in body


TRICKY_TITLE = 'Work: "is it" a #risk? \\ yes — no\u2028\x85\x01\ufeff'


def tricky() -> Article:
    article = compile_article(
        make_correspondence(TRICKY_TITLE), letters_of(ENGLISH_LETTERS), language="nl", revision=4
    )
    # Set directly: compiling tidies whitespace, and line separators are whitespace.
    return dataclasses.replace(
        article, title=TRICKY_TITLE, categories=("a: b", "- c", "'d'", "[e]", "#f")
    )


def _front_matter(markdown: str) -> str:
    assert markdown.startswith("---\n")
    return markdown[4:].split("\n---\n", 1)[0]


def test_front_matter_quotes_every_value_safely(env: jinja2.Environment) -> None:
    """Colons, quotes, hashes and control characters stay inside a double-quoted YAML scalar."""
    front = _front_matter(render_markdown(tricky(), env, published=date(2026, 11, 20)))
    lines = dict(line.split(": ", 1) for line in front.split("\n"))
    assert lines["title"] == '"Work: \\"is it\\" a #risk? \\\\ yes — no\\u2028\\x85\\x01\\ufeff"'
    assert lines["categories"] == '["a: b", "- c", "\'d\'", "[e]", "#f"]'
    assert lines["revision"] == "4"
    assert lines["date"] == "2026-11-20"
    assert lines["language"] == '"nl"'
    assert "draft" not in lines


def test_front_matter_reads_back_with_a_yaml_parser(env: jinja2.Environment) -> None:
    """A YAML parser reads the front matter back as the article's values."""
    article = tricky()
    data = yaml.safe_load(_front_matter(render_markdown(article, env)))
    assert data["title"] == TRICKY_TITLE
    assert data["categories"] == list(article.categories)
    assert data["revision"] == 4
    assert data["draft"] is True
    assert data["slug"] == article.slug
    assert data["authors"] == ["Denise Verhoeven", "Carola Smit"]
    assert data["correspondence_id"] == "k3m9qa"


def test_markdown_labels_each_turn_and_escapes_line_starts(env: jinja2.Environment) -> None:
    """Each turn opens with its bold label; a line that looks like markup stays text."""
    letter = make_letter(1, DENISE, "# Not a heading\n> not a quote\n1. not a list\n\nSecond")
    article = compile_article(make_correspondence("x"), [letter], language="en", revision=1)
    text = render_markdown(article, env)
    assert "**Denise:** \\# Not a heading\n\\> not a quote\n1\\. not a list\n\nSecond\n" in text
    assert re.search(r"^\*\*Denise:\*\*", text, re.MULTILINE)


# ------------------------------------------------------------------ editing


def test_every_edit_applies_and_keeps_the_revision(english: Article) -> None:
    """Each kind of edit changes just what it names; ids are given to new headings and quotes."""
    quote = english.suggestions.pull_quotes[0]
    article = apply_edits(
        edited(english),
        [
            SetTitle("  Showing   doubt "),
            SetIntro("One.\n\n\nTwo."),
            SetDescription("A summary."),
            SetCategories(("Work", " ", "Work", "Life")),
            SetSlug("Doubt at Work!"),
            SetCredit("Photo: Ilse"),
            AddHeading("Second half", 2),
            SetHeading("h1", "First half"),
            MoveHeading("h1", 1),
            AddPullQuote(quote.text),
            MovePullQuote("q2", 3),
            RemovePullQuote("q1"),
            FixParagraph(3, 0, "I think it does."),
            SetImage("meeting-room.jpg", caption="A room", turn=0),
        ],
    )
    assert article.revision == english.revision
    assert article.title == "Showing doubt"
    assert article.intro == "One.\n\nTwo."
    assert article.description == "A summary."
    assert article.categories == ("Work", "Life")
    assert article.slug == "doubt-at-work"
    assert article.credit == "Photo: Ilse"
    assert [(h.id, h.text, h.before_turn) for h in article.headings] == [
        ("h1", "First half", 1),
        ("h2", "Second half", 2),
    ]
    assert [(q.id, q.text, q.after_turn) for q in article.pull_quotes] == [("q2", quote.text, 3)]
    assert article.turns[3].paragraphs == ("I think it does.",)
    assert article.images[0].caption == "A room"
    assert article.images[0].credit == "Ilse Bakker"
    assert article.images[0].turn == 0


def test_a_title_change_moves_a_slug_made_from_the_title_only(english: Article) -> None:
    """The slug follows the title until the editor sets one of their own."""
    assert apply_edits(english, [SetTitle("New words")]).slug == "new-words"
    chosen = apply_edits(english, [SetSlug("my-own"), SetTitle("Newer words")])
    assert chosen.slug == "my-own"


def test_fixing_a_paragraph_with_blank_lines_splits_it(english: Article) -> None:
    """A fix with a blank line becomes two paragraphs; a later left-out index moves along."""
    article = apply_edits(english, [OmitParagraph(0, 1), FixParagraph(0, 0, "A.\n\nB.")])
    assert article.turns[0].paragraphs[:2] == ("A.", "B.")
    assert article.turns[0].omitted_paragraphs == (2,)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (SetTitle(" "), "a title cannot be empty"),
        (SetSlug("!!!"), "leaves no slug"),
        (AddHeading("x", 9), "there is no turn 9"),
        (AddHeading("", 0), "a heading cannot be empty"),
        (SetHeading("h9", "x"), "there is no heading 'h9'"),
        (RemoveHeading("h9"), "there is no heading 'h9'"),
        (MoveHeading("h9", 0), "there is no heading 'h9'"),
        (AddPullQuote("Words nobody wrote."), "is not a sentence of the text that is shown"),
        (RemovePullQuote("q9"), "there is no pull quote 'q9'"),
        (MovePullQuote("q9", 0), "there is no pull quote 'q9'"),
        (OmitTurn(-1), "there is no turn -1"),
        (OmitParagraph(0, 5), "turn 0 has no paragraph 5"),
        (FixParagraph(0, 0, "  "), "leave it out instead"),
        (FixParagraph(0, 0, "[private] secret"), "private paragraph"),
        (SetImage("nope.png", caption="x"), "there is no image 'nope.png'"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else None,
)
def test_an_edit_that_does_not_fit_is_refused(english: Article, edit: Edit, message: str) -> None:
    """A bad edit raises DraftFormatError naming the edit and the reason."""
    with pytest.raises(DraftFormatError, match=rf"^edit 1 \({type(edit).__name__}\): .*{message}"):
        apply_edits(english, [edit])


def test_a_quote_of_left_out_text_is_refused_and_then_hidden(english: Article) -> None:
    """A pull quote must repeat shown text; one whose text is left out later is not shown."""
    sentence = "Vulnerability is not weakness."
    with pytest.raises(DraftFormatError, match="not a sentence of the text that is shown"):
        apply_edits(english, [OmitParagraph(1, 1), AddPullQuote(sentence)])
    quoted = apply_edits(english, [AddPullQuote(sentence)])
    assert quoted.pull_quotes[0].after_turn == 1
    hidden = apply_edits(quoted, [OmitParagraph(1, 1)])
    assert published_view(hidden).pull_quotes == ()
    assert hidden.pull_quotes == quoted.pull_quotes


def test_left_out_text_is_in_no_rendering(english: Article, env: jinja2.Environment) -> None:
    """A left-out turn, paragraph and image reach no output; headings move to a shown turn."""
    article = apply_edits(
        edited(english),
        [
            OmitTurn(2),
            OmitParagraph(0, 1),
            SetImage("meeting-room.jpg", omitted=True),
            AddHeading("Before the omitted one", 2),
        ],
    )
    outputs = [
        render_markdown(article, env),
        render_html(article, env),
        render_html_fragment(article, env),
        plain_text(article),
    ]
    for output in outputs:
        assert "managers went first" not in output
        assert "I felt seen" not in output
        assert "meeting-room.jpg" not in output
    view = published_view(article)
    assert [t.letter_id for t in view.turns] == [1, 2, 4]
    assert ("Before the omitted one", 2) in [(h.text, h.before_turn) for h in view.headings]
    assert "Before the omitted one" in render_html(article, env)
    # Everything is still in the draft, and comes back.
    back = apply_edits(
        article,
        [RestoreTurn(2), RestoreParagraph(0, 1), SetImage("meeting-room.jpg", omitted=False)],
    )
    assert back.turns == english.turns
    assert not back.images[0].omitted


def test_old_drafts_without_the_new_keys_are_read(english: Article) -> None:
    """A draft saved before ids and left-out flags existed reads back with their defaults."""
    data = article_to_json(edited(english))
    for turn in data["turns"]:
        del turn["omitted"], turn["omitted_paragraphs"]
    for heading in data["headings"]:
        del heading["id"]
    del data["images"][0]["omitted"], data["description"]
    article = article_from_json(data)
    assert article == edited(english)
    assert [h.id for h in ensure_ids(article).headings] == ["h1"]


def test_flags_of_the_wrong_type_are_refused(english: Article) -> None:
    """A left-out flag must be true or false, left-out paragraphs integers."""
    data = article_to_json(english)
    data["turns"][0]["omitted"] = "yes"
    with pytest.raises(DraftFormatError, match=r"turns\[0\].omitted: expected true or false"):
        article_from_json(data)
    data = article_to_json(english)
    data["turns"][0]["omitted_paragraphs"] = ["1"]
    with pytest.raises(DraftFormatError, match=r"omitted_paragraphs\[0\]: expected an integer"):
        article_from_json(data)


def test_carry_over_keeps_the_editors_work_for_the_old_letters(english: Article) -> None:
    """Compiled again with a fifth letter, edits to the first four stay and the new one joins."""
    before = apply_edits(
        edited(english), [SetTitle("Kept"), OmitParagraph(0, 1), FixParagraph(1, 0, "Fixed.")]
    )
    pairs = (*ENGLISH_LETTERS, (DENISE, "A fifth letter, with more to say about courage."))
    fresh = compile_article(
        make_correspondence("Vulnerability at work"), letters_of(pairs), language="en", revision=2
    )
    merged = carry_over(before, fresh)
    assert merged.title == "Kept"
    assert merged.turns[:4] == before.turns
    assert merged.turns[4].paragraphs == ("A fifth letter, with more to say about courage.",)
    assert merged.headings == before.headings
    assert merged.images == before.images
    assert merged.suggestions == fresh.suggestions
    assert merged.revision == 2


# -------------------------------------------------------------------- diffs


def test_diff_names_blocks_by_stable_ids(english: Article) -> None:
    """Changes are reported per block with stable ids, before and after text and positions."""
    old = ensure_ids(edited(english))
    new = apply_edits(
        old,
        [
            SetTitle("New title"),
            MoveHeading("h1", 3),
            OmitParagraph(0, 1),
            FixParagraph(1, 0, "Your letter stayed with me."),
            OmitTurn(3),
            SetImage("meeting-room.jpg", credit="Someone else"),
        ],
    )
    changes = {c.block: c for c in diff(old, new)}
    assert changes["title"] == BlockChange("title", "title", "changed", old.title, "New title")
    assert changes["heading-h1"].where_before == 2
    assert changes["heading-h1"].where_after == 3
    assert changes["turn-1/p1"].change == "removed"
    assert changes["turn-1/p1"].before.startswith("My manager said")
    assert changes["turn-2/p0"].after == "Your letter stayed with me."
    assert changes["turn-2/p0"].email == "carola@studio.example"
    assert changes["turn-4"].change == "removed"
    assert changes["image-meeting-room.jpg"].after == "An empty meeting room — Someone else"
    assert "slug" in changes
    assert diff(new, new) == []
    back = {c.block: c.change for c in diff(new, old)}
    assert back["turn-1/p1"] == "added"
    assert back["turn-4"] == "added"


def test_diff_of_split_paragraphs_aligns_the_rest(english: Article) -> None:
    """Splitting a paragraph shows one change and one addition, not a shifted turn."""
    old = english
    new = apply_edits(english, [FixParagraph(0, 0, "First half.\n\nSecond half.")])
    changes = [(c.block, c.change) for c in diff(old, new)]
    assert changes == [("turn-1/p0", "changed"), ("turn-1/p1", "added")]


def test_letter_changes_are_the_writers_own(english: Article) -> None:
    """What a writer is shown before agreeing is the change to their own letters only."""
    final = apply_edits(english, [OmitParagraph(0, 1), FixParagraph(1, 0, "Fixed."), SetTitle("T")])
    denise = letter_changes(english, final, "Denise@Magazine.example")
    assert [(c.block, c.change) for c in denise] == [("turn-1/p1", "removed")]
    carola = letter_changes(english, final, "carola@studio.example")
    assert [(c.block, c.after) for c in carola] == [("turn-2/p0", "Fixed.")]


# -------------------------------------------------------- reading Markdown


@pytest.mark.parametrize("name", ["english", "dutch", "hostile", "tricky-nl"])
def test_markdown_round_trip_keeps_every_block(name: str, env: jinja2.Environment) -> None:
    """Printing a draft and reading it back unchanged gives the same article (titles tidied)."""
    makers: dict[str, Callable[[], Article]] = {
        "english": lambda: edited(
            compile_article(
                make_correspondence("Vulnerability at work"),
                letters_of(ENGLISH_LETTERS),
                language="en",
                revision=1,
            )
        ),
        "dutch": dutch,
        "hostile": hostile_article,
        "tricky-nl": lambda: dataclasses.replace(tricky(), title='Work: "is it" a #risk?'),
    }
    article = makers[name]()
    article = ensure_ids(apply_edits(article, [OmitParagraph(0, 0)]))
    read = read_markdown(render_markdown(article, env), article)
    assert read.revision == article.revision
    assert read.article == article
    assert diff(article, read.article) == []


def test_markdown_edits_are_read_as_edits(english: Article, env: jinja2.Environment) -> None:
    """Deleting a turn or image leaves it out; changed text, quotes and headings are taken."""
    article = ensure_ids(edited(english))
    printed = render_markdown(article, env)
    turn_three = "**Denise:** What would happen if managers went first? I wonder whether courage "
    turn_three += "spreads the way fear does, one small admission at a time.\n\n"
    image = '![An empty meeting room](meeting-room.jpg "Ilse Bakker")\n\n'
    assert turn_three in printed
    assert image in printed
    changed = (
        printed.replace(turn_three, "")
        .replace(image, "")
        .replace("## My manager said", "## Your manager said")
        .replace('categories: ["Inspiration", "In depth"]', "categories: [Work, 'Life']")
        .replace("*Illustration intro with thanks to Ilse Bakker*", "*Photos: Ilse*")
        .replace("I felt seen, and that was worse.", "I felt seen,\nand that was worse.")
    )
    read = read_markdown(changed, article).article
    assert read.turns[2].omitted
    assert read.turns[2].paragraphs == article.turns[2].paragraphs
    assert read.images[0].omitted
    assert read.headings[0].text == "Your manager said afterwards that it was brave"
    assert read.headings[0].id == article.headings[0].id
    assert read.headings[0].before_turn == 3
    assert read.categories == ("Work", "Life")
    assert read.credit == "Photos: Ilse"
    assert read.turns[0].paragraphs[1].endswith("I felt seen,\nand that was worse.")


def test_markdown_deleting_one_of_a_writers_turns_leaves_out_that_one(
    english: Article, env: jinja2.Environment
) -> None:
    """With two turns of one writer, the one whose text is gone is the one left out."""
    printed = render_markdown(english, env)
    start = printed.index("**Denise:** Last week")
    end = printed.index("**Carola:** Your letter")
    read = read_markdown(printed[:start] + printed[end:], english).article
    assert [t.omitted for t in read.turns] == [True, False, False, False]


def _doc(english: Article, env: jinja2.Environment) -> list[str]:
    return render_markdown(ensure_ids(edited(english)), env).split("\n")


def _line_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(start))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda ls: ["title: x", *ls[1:]], "must start with a '---' line"),
        (lambda ls: [*ls[:1], "tittle: x", *ls[1:]], "unknown key 'tittle'"),
        (lambda ls: [*ls[:1], "no colon here", *ls[1:]], "expected 'key: value'"),
        (lambda ls: [*ls[:1], 'title: "open', *ls[2:]], "no closing quote"),
        (lambda ls: [*ls[:1], 'title: "a" b', *ls[2:]], "unexpected 'b' after the value"),
        (lambda ls: [*ls[:2], "slug: '!!'", *ls[3:]], "leaves no slug"),
        (lambda ls: [*ls[:1], 'language: "de"', *ls[1:]], "given twice"),
        (lambda ls: [*ls[:1], 'title: "\\q"', *ls[2:]], "unknown escape"),
        (lambda ls: [x if "categories" not in x else "categories: [a b" for x in ls], "a list"),
        (lambda ls: ls[:2], "no closing '---'"),
    ],
    ids=[
        "no-front-matter",
        "unknown-key",
        "no-colon",
        "open-quote",
        "trailing",
        "bad-slug",
        "twice",
        "bad-escape",
        "bad-list",
        "unclosed",
    ],
)
def test_front_matter_that_does_not_fit_names_the_line(
    english: Article, env: jinja2.Environment, change: Any, reason: str
) -> None:
    """Each broken front matter is refused with a line number and the reason."""
    lines = change(_doc(english, env))
    with pytest.raises(DraftFormatError, match=rf"^line \d+: .*{re.escape(reason)}"):
        read_markdown("\n".join(lines), ensure_ids(edited(english)))


@pytest.mark.parametrize(
    ("before", "insert", "reason"),
    [
        ("**Carola:** Your letter", "# A title heading", "only ## headings"),
        ("**Carola:** Your letter", "## Two\nlines", "+1: a heading is one line"),
        ("**Carola:** Your letter", "**Eve:** Hello there.", "'Eve:' does not match a letter"),
        ("**Carola:** Your letter", "> Words nobody wrote.", "this one is not there"),
        ("**Carola:** Your letter", "> ok\nnot quoted", "+1: every line of a pull quote"),
        ("**Carola:** Your letter", "![x](nope.png)", "there is no image 'nope.png'"),
        ("**Carola:** Your letter", "![x](nope.png", "an image is one line"),
        ("**Carola:** Your letter", "[private] between us", "private paragraph"),
        ("**Carola:** Your letter", "**Denise:**", "a turn needs text"),
        ("**Denise:** Last week", "> Quote before any turn.", "must follow a turn"),
        ("**Denise:** Last week", "![x](meeting-room.jpg)", "must stand in a turn"),
        ("## My manager", "## Heading\n\nLoose text.", "+2: must open a turn"),
        ("*Illustration intro", "## A heading at the end", "must stand before a turn"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_body_that_does_not_fit_names_the_line(
    english: Article, env: jinja2.Environment, before: str, insert: str, reason: str
) -> None:
    """Each block that does not fit the draft format is refused with its line."""
    lines = _doc(english, env)
    where = _line_of(lines, before)
    lines[where:where] = [*insert.split("\n"), ""]
    # "+N: " says the refused line is N lines into what was inserted.
    offset, _, reason = reason.rpartition(": ") if reason.startswith("+") else ("0", "", reason)
    line = where + 1 + int(offset)
    with pytest.raises(DraftFormatError, match=rf"^line {line}: .*{re.escape(reason)}"):
        read_markdown("\n".join(lines), ensure_ids(edited(english)))


def test_markdown_of_another_correspondence_is_refused(
    english: Article, env: jinja2.Environment
) -> None:
    """A document printed for another correspondence cannot become this one's revision."""
    other = dataclasses.replace(english, correspondence_id=CorrespondenceId("zzzzzz"))
    with pytest.raises(DraftFormatError, match="this is a draft of k3m9qa, not of zzzzzz"):
        read_markdown(render_markdown(english, env), other)


def test_plain_text_is_what_readers_see(english: Article) -> None:
    """The mail form of the article: title, intro, labelled turns, headings and quotes."""
    text = plain_text(edited(english))
    assert text.startswith("Vulnerability at work\n\nIn this correspondence")
    assert "\n\nDenise: Last week I cried" in text
    assert f"\n\n## {english.suggestions.titles[0]}\n\n" in text
    assert f"\n\n> {english.suggestions.pull_quotes[0].text}\n\n" in text
    assert "[Image: meeting-room.jpg] An empty meeting room — Ilse Bakker" in text
    assert text.endswith("Illustration intro with thanks to Ilse Bakker\n")


def _with_front(english: Article, env: jinja2.Environment, key: str, value: str) -> str:
    """The printed draft with the front matter line of ``key`` set to ``value``."""
    lines = _doc(english, env)
    end = lines.index("---", 1)
    kept = [x for x in lines[1:end] if not x.startswith(f"{key}:")]
    return "\n".join(["---", f"{key}:{value}", *kept, *lines[end:]])


@pytest.mark.parametrize(
    ("key", "value", "field", "expected"),
    [
        ("title", " 'It''s ours' # a comment", "title", "It's ours"),
        ("title", " 1984", "title", "1984"),
        ("title", ' "caf\\u00e9 \\x41\\U0001F600\\tend"', "title", "café A😀 end"),
        ("credit", "", "credit", ""),
        ("categories", ' "Only one"', "categories", ("Only one",)),
        ("categories", " ~", "categories", ()),
        ("categories", " []", "categories", ()),
        ("categories", " [ plain words , 'single' ]", "categories", ("plain words", "single")),
        ("language", " nl", "language", "nl"),
        ("description", ' "My own summary."', "description", "My own summary."),
    ],
)
def test_front_matter_values_in_yaml_forms(
    english: Article, env: jinja2.Environment, key: str, value: str, field: str, expected: object
) -> None:
    """Quoted, plain, empty and list values read as YAML would read them."""
    base = ensure_ids(edited(english))
    read = read_markdown(_with_front(base, env, key, value), base).article
    assert getattr(read, field) == expected


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("title", ' ""', "title: a title cannot be empty"),
        ("title", " [a]", "title: expected text"),
        ("title", " 'open", "no closing quote"),
        ("title", ' "\\x4"', "needs 2 hexadecimal digits"),
        ("categories", " [1]", "categories: expected a list of labels"),
        ("language", ' "de"', "language: expected nl or en"),
        ("revision", ' "two"', "revision: expected a whole number"),
    ],
)
def test_front_matter_values_that_do_not_fit(
    english: Article, env: jinja2.Environment, key: str, value: str, reason: str
) -> None:
    """A value of the wrong kind is refused on its line (the first of the front matter here)."""
    base = ensure_ids(edited(english))
    with pytest.raises(DraftFormatError, match=rf"^line 2: .*{re.escape(reason)}"):
        read_markdown(_with_front(base, env, key, value), base)


def test_a_document_without_a_revision_reads_against_its_base(
    english: Article, env: jinja2.Environment
) -> None:
    """A hand-written document need not say its revision."""
    lines = [x for x in _doc(english, env) if not x.startswith("revision:")]
    assert read_markdown("\n".join(lines), ensure_ids(edited(english))).revision is None


def test_credit_changed_in_both_places_differently_is_refused(
    english: Article, env: jinja2.Environment
) -> None:
    """The credit stands twice; two different new credits cannot both be meant."""
    base = ensure_ids(edited(english))
    text = _with_front(base, env, "credit", ' "One"').replace(
        "*Illustration intro with thanks to Ilse Bakker*", "*Two*"
    )
    with pytest.raises(DraftFormatError, match="credit line and credit in the front matter"):
        read_markdown(text, base)


def test_an_empty_quote_and_a_doubled_image_are_refused(
    english: Article, env: jinja2.Environment
) -> None:
    """A '>' with nothing after it, and one image in two places, do not fit."""
    base = ensure_ids(edited(english))
    printed = render_markdown(base, env)
    with pytest.raises(DraftFormatError, match="a pull quote cannot be empty"):
        read_markdown(printed.replace("\n\n> ", "\n\n>\n\n> ", 1), base)
    image = '![An empty meeting room](meeting-room.jpg "Ilse Bakker")'
    doubled = printed.replace("\n\n**Carola:** I think", f"\n\n{image}\n\n**Carola:** I think")
    with pytest.raises(DraftFormatError, match="stands twice"):
        read_markdown(doubled, base)


def test_an_article_whose_turns_are_all_left_out_keeps_its_headings(english: Article) -> None:
    """With every turn left out, headings stay (at the start) and images go."""
    hidden = apply_edits(edited(english), [OmitTurn(i) for i in range(4)])
    view = published_view(hidden)
    assert view.turns == ()
    assert [(h.text, h.before_turn) for h in view.headings] == [(english.suggestions.titles[0], 0)]
    assert view.images == ()
