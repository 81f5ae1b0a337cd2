"""Tests for penpal.drafttext: an edited Markdown draft read back."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import jinja2
import pytest

from penpal.articles import compile_article, render_markdown
from penpal.drafttext import read_markdown
from penpal.editing import OmitParagraph, SetImage, apply_edits, diff, ensure_ids
from penpal.errors import DraftFormatError
from penpal.letters import Article, CorrespondenceId, Heading
from penpal.templating import template_environment
from tests.article_support import (
    ENGLISH_LETTERS,
    dutch,
    edited,
    english_article,
    hostile_article,
    letters_of,
    make_correspondence,
    tricky,
)


@pytest.fixture
def env() -> jinja2.Environment:
    """The built-in templates."""
    return template_environment()


@pytest.fixture
def english() -> Article:
    """The English test correspondence, compiled."""
    return english_article()


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
        ("title", " Plain words # a comment", "title", "Plain words"),
        ("slug", ' "My Own Slug!"', "slug", "my-own-slug"),
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


def test_front_matter_may_hold_blank_lines_and_comments(
    english: Article, env: jinja2.Environment
) -> None:
    """Blank lines and '#' comment lines in the front matter are passed over."""
    base = ensure_ids(edited(english))
    lines = _doc(english, env)
    assert lines[1].startswith("title: ")
    lines[1:2] = ["# Edited by hand.", "", "   ", "title: New words"]
    read = read_markdown("\n".join(lines), base).article
    assert read.title == "New words"
    assert read.slug == "new-words"


def test_a_paragraph_deleted_from_the_document_is_left_out(
    english: Article, env: jinja2.Environment
) -> None:
    """A paragraph gone from a turn is left out in its place, so it can be brought back."""
    printed = render_markdown(english, env)
    paragraph = english.turns[1].paragraphs[1]
    assert f"\n\n{paragraph}\n\n" in printed
    read = read_markdown(printed.replace(f"\n\n{paragraph}\n\n", "\n\n"), english).article
    assert read.turns[1].paragraphs == english.turns[1].paragraphs
    assert read.turns[1].omitted_paragraphs == (1,)
    assert read.turns[0] == english.turns[0]


def test_an_image_left_out_before_stays_out_as_it_was(
    english: Article, env: jinja2.Environment
) -> None:
    """An image the printed draft did not show is kept, still left out, with its words."""
    base = apply_edits(ensure_ids(edited(english)), [SetImage("meeting-room.jpg", omitted=True)])
    printed = render_markdown(base, env)
    assert "](meeting-room.jpg" not in printed
    read = read_markdown(printed, base).article
    assert read.images == base.images
    assert read.images[0].omitted


def test_a_draft_without_turns_loses_a_heading_its_document_drops(
    env: jinja2.Environment,
) -> None:
    """Without turns every heading is shown, so one missing from the document is removed."""
    empty = compile_article(make_correspondence("x"), [], language="en", revision=1)
    article = dataclasses.replace(empty, headings=(Heading("Opening", 0, "h1"),))
    printed = render_markdown(article, env)
    assert printed.endswith("\n## Opening\n")
    read = read_markdown(printed.removesuffix("## Opening\n"), article).article
    assert read.headings == ()
    assert read.intro == article.intro
