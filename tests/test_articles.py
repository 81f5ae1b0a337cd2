"""Tests for penpal.articles: compiling letters into an article, the JSON form, rendering."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import lxml.html
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import penpal.articles
import penpal.drafttext
import penpal.editing
import penpal.languages
import penpal.prose
import penpal.suggestions
from penpal.articles import (
    Block,
    article_from_json,
    article_to_json,
    blocks,
    compile_article,
    draft_intro,
    image_filename,
    image_files,
    plain_text,
    reading_minutes,
    render_html,
    render_html_fragment,
    render_markdown,
)
from penpal.editing import ensure_ids
from penpal.errors import DraftFormatError
from penpal.letters import (
    Article,
    Attachment,
    CorrespondenceId,
    Heading,
    Image,
    LetterId,
    PullQuote,
    Suggestions,
    Turn,
    Writer,
)
from penpal.templating import template_environment
from tests.article_support import (
    CAROLA,
    DENISE,
    ENGLISH_LETTERS,
    PNG,
    TRICKY_TITLE,
    dutch,
    edited,
    english_article,
    hostile_article,
    letters_of,
    make_correspondence,
    make_letter,
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


GOLDEN = Path(__file__).parent / "golden"


# Set PENPAL_REGENERATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
REGENERATE = os.environ.get("PENPAL_REGENERATE_GOLDEN") == "1"


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


def test_unsupported_language_is_refused() -> None:
    """Only nl and en have labels; compiling in anything else is a programming error."""
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        compile_article(make_correspondence("x"), [], language="de", revision=1)


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


def test_reading_minutes(english: Article) -> None:
    """Reading time rounds up at 200 words a minute."""
    assert reading_minutes(english) == 1
    long = dataclasses.replace(english, intro="word " * 401)
    assert reading_minutes(long) == 3


def golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/NAME (or write it when regenerating)."""
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


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


def test_plain_text_is_what_readers_see(english: Article) -> None:
    """The mail form of the article: title, intro, labelled turns, headings and quotes."""
    text = plain_text(edited(english))
    assert text.startswith("Vulnerability at work\n\nIn this correspondence")
    assert "\n\nDenise: Last week I cried" in text
    assert f"\n\n## {english.suggestions.titles[0]}\n\n" in text
    assert f"\n\n> {english.suggestions.pull_quotes[0].text}\n\n" in text
    assert "[Image: meeting-room.jpg] An empty meeting room — Ilse Bakker" in text
    assert text.endswith("Illustration intro with thanks to Ilse Bakker\n")


def test_every_name_callers_import_is_still_offered() -> None:
    """penpal.articles offers each name it lists, the very object of the module it moved to."""
    homes = (penpal.drafttext, penpal.editing, penpal.languages, penpal.prose, penpal.suggestions)
    for name in penpal.articles.__all__:
        offered = getattr(penpal.articles, name)
        for module in homes:
            if hasattr(module, name):
                assert getattr(module, name) is offered, name
    moved = {"AddHeading", "BlockChange", "apply_edits", "read_markdown", "slugify", "format_date"}
    assert moved <= set(penpal.articles.__all__)


def test_plain_text_without_a_credit_or_image_words(english: Article) -> None:
    """No credit adds no closing line, and an image without caption or credit is named alone."""
    article = dataclasses.replace(english, images=(Image("plan.png", "image/png", 0),))
    text = plain_text(article)
    assert "\n\n[Image: plan.png]\n\n" in text
    assert text.endswith(english.turns[-1].paragraphs[-1] + "\n")
