"""Tests for penpal.editing: edit operations, carry-over, the published view and the diff."""

from __future__ import annotations

import dataclasses

import jinja2
import pytest

from penpal.articles import (
    compile_article,
    plain_text,
    render_html,
    render_html_fragment,
    render_markdown,
)
from penpal.editing import (
    AddHeading,
    AddPullQuote,
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
    carry_over,
    describe,
    diff,
    ensure_ids,
    letter_changes,
    published_view,
)
from penpal.errors import DraftFormatError
from penpal.letters import Article, Heading, Image, PullQuote
from penpal.templating import template_environment
from tests.article_support import (
    DENISE,
    ENGLISH_LETTERS,
    edited,
    english_article,
    letters_of,
    make_correspondence,
)


@pytest.fixture
def env() -> jinja2.Environment:
    """The built-in templates."""
    return template_environment()


@pytest.fixture
def english() -> Article:
    """The English test correspondence, compiled."""
    return english_article()


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


def test_an_article_whose_turns_are_all_left_out_keeps_its_headings(english: Article) -> None:
    """With every turn left out, headings stay (at the start) and images go."""
    hidden = apply_edits(edited(english), [OmitTurn(i) for i in range(4)])
    view = published_view(hidden)
    assert view.turns == ()
    assert [(h.text, h.before_turn) for h in view.headings] == [(english.suggestions.titles[0], 0)]
    assert view.images == ()


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


def test_description_is_the_editors_else_the_intro_cut_at_a_word(english: Article) -> None:
    """The description is the intro unless the editor wrote one, cut at a word to 160."""
    assert describe(english) == english.intro
    cut = describe(dataclasses.replace(english, intro="Lorem, " * 40))
    assert cut.endswith("Lorem…")
    assert len(cut) <= 160
    assert describe(dataclasses.replace(english, intro=" ")) == english.turns[0].paragraphs[0][:159]
    assert describe(dataclasses.replace(english, intro="", turns=())) == ""
    assert describe(dataclasses.replace(english, description="Our own.")) == "Our own."


def test_pull_quotes_follow_a_chosen_turn_and_move_alone(english: Article) -> None:
    """A quote may be placed after any turn; moving one quote leaves the others where they are."""
    strong = "Vulnerability is not weakness."
    first = "Last week I cried in a meeting, and nobody knew where to look."
    placed = apply_edits(english, [AddPullQuote(strong, after_turn=3), AddPullQuote(first)])
    assert [(q.id, q.text, q.after_turn) for q in placed.pull_quotes] == [
        ("q1", strong, 3),
        ("q2", first, 0),
    ]
    moved = apply_edits(placed, [MovePullQuote("q2", 2)])
    assert [(q.id, q.after_turn) for q in moved.pull_quotes] == [("q1", 3), ("q2", 2)]


def test_headings_and_images_are_changed_by_name_not_position(english: Article) -> None:
    """Setting the second heading or image leaves the first one as it was."""
    article = dataclasses.replace(
        edited(english),
        images=(Image("a.png", "image/png", 0, "First"), Image("b.png", "image/png", 1, "Second")),
    )
    changed = apply_edits(
        article,
        [
            AddHeading("Part two", 3),
            SetHeading("h2", "The second part"),
            SetImage("b.png", credit="Ilse Bakker"),
        ],
    )
    assert [(h.id, h.text) for h in changed.headings] == [
        ("h1", english.suggestions.titles[0]),
        ("h2", "The second part"),
    ]
    assert changed.images == (
        Image("a.png", "image/png", 0, "First"),
        Image("b.png", "image/png", 1, "Second", "Ilse Bakker"),
    )


def test_carry_over_from_a_draft_without_turns_keeps_positions(english: Article) -> None:
    """With no earlier turns to follow, headings and quotes keep the positions they had."""
    empty = compile_article(
        make_correspondence("Vulnerability at work"), [], language="en", revision=1
    )
    empty = dataclasses.replace(
        empty, headings=(Heading("Opening", 1, "h1"),), pull_quotes=(PullQuote("Q", 2, "q1"),)
    )
    merged = carry_over(empty, english)
    assert merged.turns == english.turns
    assert merged.headings == (Heading("Opening", 1, "h1"),)
    assert merged.pull_quotes == (PullQuote("Q", 2, "q1"),)


def test_a_heading_with_no_shown_turn_after_it_is_not_published(english: Article) -> None:
    """A heading before the last turn goes from the view when that turn is left out."""
    article = apply_edits(english, [AddHeading("At the end", 3), OmitTurn(3)])
    assert published_view(article).headings == ()
    assert [h.text for h in article.headings] == ["At the end"]


def test_diff_reports_headings_and_images_added_and_removed(english: Article) -> None:
    """A new heading is an addition, a removed one and a left-out image are removals."""
    old = ensure_ids(edited(english))
    new = apply_edits(
        old,
        [
            AddHeading("New part", 1),
            RemoveHeading("h1"),
            SetImage("meeting-room.jpg", omitted=True),
        ],
    )
    changes = {c.block: c for c in diff(old, new)}
    assert changes["heading-h2"] == BlockChange(
        "heading-h2", "heading", "added", after="New part", where_after=1
    )
    assert changes["heading-h1"] == BlockChange(
        "heading-h1", "heading", "removed", before=english.suggestions.titles[0], where_before=2
    )
    assert changes["image-meeting-room.jpg"] == BlockChange(
        "image-meeting-room.jpg",
        "image",
        "removed",
        before="An empty meeting room — Ilse Bakker",
        where_before=1,
    )
    # An image left out on both sides has no change to show, whatever its caption does.
    assert diff(new, apply_edits(new, [SetImage("meeting-room.jpg", caption="Another")])) == []


def test_diff_of_a_paragraph_gone_from_a_turn(english: Article) -> None:
    """A paragraph that is no longer in the turn at all is reported removed, with its place."""
    first = english.turns[0]
    shorter = dataclasses.replace(first, paragraphs=first.paragraphs[:1])
    new = dataclasses.replace(english, turns=(shorter, *english.turns[1:]))
    assert [(c.block, c.change, c.where_before) for c in diff(english, new)] == [
        ("turn-1/p1", "removed", 1)
    ]
