"""The editor's changes to a draft, what they leave readers, and how revisions differ.

The editor's work as small typed operations (:data:`Edit`) applied by one pure
function, :func:`apply_edits`; :func:`carry_over` keeps that work when more letters
are compiled in. Nothing is deleted from a letter: leaving out sets a flag that
bringing back clears, and the revision history keeps every earlier text.
:func:`published_view` is what those flags leave readers (:func:`describe` its
summary), and :func:`diff` compares two revisions block by block as readers would
see them. This module must not read files, a clock or a configuration, and never
lets a private paragraph into the published view.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from penpal.errors import DraftFormatError
from penpal.letters import Article, Heading, Image, PullQuote, Suggestions, Turn
from penpal.prose import is_private, slugify, split_paragraphs, tidy

_DESCRIPTION_LENGTH = 160


@dataclass(frozen=True, slots=True)
class SetTitle:
    """Set the title (one line, not empty)."""

    title: str


@dataclass(frozen=True, slots=True)
class SetIntro:
    """Set the intro (paragraphs separated by a blank line; may be empty)."""

    intro: str


@dataclass(frozen=True, slots=True)
class SetDescription:
    """Set the summary for search engines and social cards (empty: taken from the intro)."""

    description: str


@dataclass(frozen=True, slots=True)
class SetCategories:
    """Set the category labels, in order; empty and repeated labels are dropped."""

    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetSlug:
    """Set the slug; the text is slugified and must leave something."""

    slug: str


@dataclass(frozen=True, slots=True)
class SetCredit:
    """Set the closing credit line (may be empty)."""

    credit: str


@dataclass(frozen=True, slots=True)
class AddHeading:
    """Add a section heading before the turn with index ``before_turn``."""

    text: str
    before_turn: int


@dataclass(frozen=True, slots=True)
class SetHeading:
    """Change the text of the heading with id ``heading``."""

    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class MoveHeading:
    """Move the heading with id ``heading`` before the turn with index ``before_turn``."""

    heading: str
    before_turn: int


@dataclass(frozen=True, slots=True)
class RemoveHeading:
    """Remove the heading with id ``heading``."""

    heading: str


@dataclass(frozen=True, slots=True)
class AddPullQuote:
    """Repeat ``text``, which must stand in a shown turn, as a pull quote.

    It goes after turn ``after_turn``, or, when that is ``None``, after the first
    shown turn that contains it.
    """

    text: str
    after_turn: int | None = None


@dataclass(frozen=True, slots=True)
class MovePullQuote:
    """Move the pull quote with id ``quote`` after the turn with index ``after_turn``."""

    quote: str
    after_turn: int


@dataclass(frozen=True, slots=True)
class RemovePullQuote:
    """Remove the pull quote with id ``quote``."""

    quote: str


@dataclass(frozen=True, slots=True)
class OmitTurn:
    """Leave out the turn (letter) with index ``turn``; it stays in the draft."""

    turn: int


@dataclass(frozen=True, slots=True)
class RestoreTurn:
    """Bring back the turn with index ``turn``."""

    turn: int


@dataclass(frozen=True, slots=True)
class OmitParagraph:
    """Leave out paragraph ``paragraph`` of turn ``turn``; it stays in the draft."""

    turn: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class RestoreParagraph:
    """Bring back paragraph ``paragraph`` of turn ``turn``."""

    turn: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class FixParagraph:
    """Replace the text of paragraph ``paragraph`` of turn ``turn``.

    A text with blank lines becomes several paragraphs in its place.
    """

    turn: int
    paragraph: int
    text: str


@dataclass(frozen=True, slots=True)
class SetImage:
    """Change what is given of the image ``filename``; ``None`` leaves a field as it is.

    ``turn`` moves it into another turn, ``omitted`` leaves it out or brings it back.
    """

    filename: str
    caption: str | None = None
    credit: str | None = None
    turn: int | None = None
    omitted: bool | None = None


Edit = (
    SetTitle
    | SetIntro
    | SetDescription
    | SetCategories
    | SetSlug
    | SetCredit
    | AddHeading
    | SetHeading
    | MoveHeading
    | RemoveHeading
    | AddPullQuote
    | MovePullQuote
    | RemovePullQuote
    | OmitTurn
    | RestoreTurn
    | OmitParagraph
    | RestoreParagraph
    | FixParagraph
    | SetImage
)
"""One editing operation; :func:`apply_edits` applies a sequence of them."""

_ID_NUMBER = re.compile(r"[a-z]+(\d+)")


def _next_id(prefix: str, taken: Sequence[str]) -> str:
    numbers = [int(m.group(1)) for m in map(_ID_NUMBER.fullmatch, taken) if m]
    return f"{prefix}{max(numbers, default=0) + 1}"


def ensure_ids(article: Article) -> Article:
    """The article with an id on every heading (``h1``…) and pull quote (``q1``…).

    Ids already given are kept; drafts saved before ids existed get them here.
    """
    headings = list(article.headings)
    for index, heading in enumerate(headings):
        if not heading.id or heading.id in [h.id for h in headings[:index]]:
            headings[index] = dataclasses.replace(
                heading, id=_next_id("h", [h.id for h in headings])
            )
    quotes = list(article.pull_quotes)
    for index, quote in enumerate(quotes):
        if not quote.id or quote.id in [q.id for q in quotes[:index]]:
            quotes[index] = dataclasses.replace(quote, id=_next_id("q", [q.id for q in quotes]))
    return dataclasses.replace(article, headings=tuple(headings), pull_quotes=tuple(quotes))


def apply_edits(article: Article, edits: Sequence[Edit]) -> Article:
    """The article with ``edits`` applied in order; the revision number is left as it is.

    Raises:
        DraftFormatError: an edit names a turn, paragraph, heading, quote or image
            that is not there, or would leave a value the article cannot have (an
            empty title or slug, a pull quote that is not in the shown text); the
            message says which edit (counting from 1) and why.
    """
    result = ensure_ids(article)
    for number, edit in enumerate(edits, start=1):
        try:
            result = _apply(result, edit)
        except _EditRefused as exc:
            raise DraftFormatError(f"edit {number} ({type(edit).__name__}): {exc}") from None
    return result


class _EditRefused(Exception):
    """Why one edit cannot be applied; apply_edits adds which edit it was."""


def _apply(article: Article, edit: Edit) -> Article:
    replace = dataclasses.replace
    match edit:
        case SetTitle(title):
            if not tidy(title):
                raise _EditRefused("a title cannot be empty")
            return replace(article, title=tidy(title), slug=following_slug(article, title))
        case SetIntro(intro):
            return replace(article, intro="\n\n".join(split_paragraphs(intro)))
        case SetDescription(description):
            return replace(article, description=tidy(description))
        case SetCategories(categories):
            kept = dict.fromkeys(c for c in map(tidy, categories) if c)
            return replace(article, categories=tuple(kept))
        case SetSlug(slug):
            if not slugify(slug):
                raise _EditRefused(f"{slug!r} leaves no slug (letters or digits needed)")
            return replace(article, slug=slugify(slug))
        case SetCredit(credit):
            return replace(article, credit=tidy(credit))
        case AddHeading(text, before_turn):
            heading = Heading(
                _one_line(text, "heading"),
                _turn_index(article, before_turn),
                _next_id("h", [h.id for h in article.headings]),
            )
            return replace(article, headings=(*article.headings, heading))
        case SetHeading(heading_id, text):
            return _change_heading(article, heading_id, text=_one_line(text, "heading"))
        case MoveHeading(heading_id, before_turn):
            return _change_heading(article, heading_id, before=_turn_index(article, before_turn))
        case RemoveHeading(heading_id):
            _find_heading(article, heading_id)
            return replace(
                article, headings=tuple(h for h in article.headings if h.id != heading_id)
            )
        case AddPullQuote(text, after_turn):
            wanted, index = _quoted(article, text, after_turn)
            quote = PullQuote(wanted, index, _next_id("q", [q.id for q in article.pull_quotes]))
            return replace(article, pull_quotes=(*article.pull_quotes, quote))
        case MovePullQuote(quote_id, after_turn):
            _find_quote(article, quote_id)
            index = _turn_index(article, after_turn)
            return replace(
                article,
                pull_quotes=tuple(
                    replace(q, after_turn=index) if q.id == quote_id else q
                    for q in article.pull_quotes
                ),
            )
        case RemovePullQuote(quote_id):
            _find_quote(article, quote_id)
            return replace(
                article, pull_quotes=tuple(q for q in article.pull_quotes if q.id != quote_id)
            )
        case OmitTurn(turn) | RestoreTurn(turn):
            index = _turn_index(article, turn)
            return _with_turn(
                article, index, replace(article.turns[index], omitted=isinstance(edit, OmitTurn))
            )
        case OmitParagraph(turn, paragraph) | RestoreParagraph(turn, paragraph):
            index = _turn_index(article, turn)
            current = article.turns[index]
            _paragraph_index(current, index, paragraph)
            left_out = set(current.omitted_paragraphs) - {paragraph}
            if isinstance(edit, OmitParagraph):
                left_out.add(paragraph)
            return _with_turn(
                article, index, replace(current, omitted_paragraphs=tuple(sorted(left_out)))
            )
        case FixParagraph(turn, paragraph, text):
            index = _turn_index(article, turn)
            return _with_turn(article, index, _fix(article.turns[index], index, paragraph, text))
        case SetImage():
            return _change_image(article, edit)
    raise _EditRefused(f"unknown edit {edit!r}")  # pragma: no cover - the match is exhaustive


def following_slug(article: Article, title: str) -> str:
    """The slug for a new ``title``: one made from the old title follows it; one chosen stays."""
    if article.slug == slugify(article.title) and slugify(title):
        return slugify(title)
    return article.slug


def _one_line(text: str, what: str) -> str:
    if not tidy(text):
        raise _EditRefused(f"a {what} cannot be empty")
    return tidy(text)


def _turn_index(article: Article, turn: int) -> int:
    if not 0 <= turn < len(article.turns):
        raise _EditRefused(f"there is no turn {turn} (the turns are 0 to {len(article.turns) - 1})")
    return turn


def _paragraph_index(turn: Turn, index: int, paragraph: int) -> int:
    if not 0 <= paragraph < len(turn.paragraphs):
        raise _EditRefused(f"turn {index} has no paragraph {paragraph}")
    return paragraph


def _with_turn(article: Article, index: int, turn: Turn) -> Article:
    turns = list(article.turns)
    turns[index] = turn
    return dataclasses.replace(article, turns=tuple(turns))


def _find_heading(article: Article, heading_id: str) -> Heading:
    for heading in article.headings:
        if heading.id == heading_id:
            return heading
    raise _EditRefused(f"there is no heading {heading_id!r}")


def _find_quote(article: Article, quote_id: str) -> PullQuote:
    for quote in article.pull_quotes:
        if quote.id == quote_id:
            return quote
    raise _EditRefused(f"there is no pull quote {quote_id!r}")


def _change_heading(
    article: Article, heading_id: str, *, text: str | None = None, before: int | None = None
) -> Article:
    found = _find_heading(article, heading_id)
    changed = dataclasses.replace(
        found,
        text=found.text if text is None else text,
        before_turn=found.before_turn if before is None else before,
    )
    return dataclasses.replace(
        article, headings=tuple(changed if h.id == heading_id else h for h in article.headings)
    )


def _quoted(article: Article, text: str, after_turn: int | None) -> tuple[str, int]:
    """The quote's tidy text and the turn it follows; it must repeat shown text."""
    wanted = _one_line(text, "pull quote")
    standing = [
        index
        for index, turn in enumerate(article.turns)
        if wanted in tidy(" ".join(turn.shown_paragraphs))
    ]
    if not standing:
        raise _EditRefused(f"{wanted!r} is not a sentence of the text that is shown")
    if after_turn is None:
        return wanted, standing[0]
    return wanted, _turn_index(article, after_turn)


def _fix(turn: Turn, index: int, paragraph: int, text: str) -> Turn:
    _paragraph_index(turn, index, paragraph)
    pieces = split_paragraphs(text)
    if not pieces:
        raise _EditRefused("a paragraph cannot be emptied; leave it out instead")
    if is_private(pieces[0]):
        raise _EditRefused("a private paragraph cannot be published")
    added = len(pieces) - 1
    paragraphs = (*turn.paragraphs[:paragraph], *pieces, *turn.paragraphs[paragraph + 1 :])
    omitted = tuple(i + added if i > paragraph else i for i in turn.omitted_paragraphs)
    return dataclasses.replace(turn, paragraphs=paragraphs, omitted_paragraphs=omitted)


def _change_image(article: Article, edit: SetImage) -> Article:
    filename, caption, credit, turn, omitted = (
        edit.filename,
        edit.caption,
        edit.credit,
        edit.turn,
        edit.omitted,
    )
    if filename not in {image.filename for image in article.images}:
        raise _EditRefused(f"there is no image {filename!r}")
    moved = None if turn is None else _turn_index(article, turn)

    def change(image: Image) -> Image:
        if image.filename != filename:
            return image
        return dataclasses.replace(
            image,
            caption=image.caption if caption is None else tidy(caption),
            credit=image.credit if credit is None else tidy(credit),
            turn=image.turn if moved is None else moved,
            omitted=image.omitted if omitted is None else omitted,
        )

    return dataclasses.replace(article, images=tuple(map(change, article.images)))


def carry_over(previous: Article, fresh: Article) -> Article:
    """A fresh compile of more letters with the editor's work on the earlier ones kept.

    After a correspondence was reopened for more letters and completed again, the
    turns of letters that were there before keep their fixes and what was left
    out; title, intro, categories, slug, credit, description, headings, pull
    quotes and images keep what the editor made of them, repositioned by letter;
    new letters come in as compiled, with their images, and the suggestions are
    the fresh ones.
    """
    before = {turn.letter_id: turn for turn in previous.turns}
    turns = tuple(before.get(turn.letter_id, turn) for turn in fresh.turns)
    position = {turn.letter_id: index for index, turn in enumerate(turns)}
    last = len(turns) - 1

    def moved(index: int) -> int:
        if not previous.turns or not turns:
            return index
        letter = previous.turns[min(max(index, 0), len(previous.turns) - 1)].letter_id
        return position.get(letter, min(index, max(last, 0)))

    replace = dataclasses.replace
    known = {image.filename for image in previous.images}
    return replace(
        fresh,
        title=previous.title,
        intro=previous.intro,
        slug=previous.slug,
        categories=previous.categories,
        credit=previous.credit,
        description=previous.description,
        language=previous.language,
        turns=turns,
        headings=tuple(replace(h, before_turn=moved(h.before_turn)) for h in previous.headings),
        pull_quotes=tuple(replace(q, after_turn=moved(q.after_turn)) for q in previous.pull_quotes),
        images=(
            *(replace(image, turn=moved(image.turn)) for image in previous.images),
            *(image for image in fresh.images if image.filename not in known),
        ),
    )


def turn_shown(turn: Turn) -> bool:
    """Whether readers see anything of a turn: it has a paragraph shown that is not private."""
    return any(not is_private(p) for p in turn.shown_paragraphs)


def shown_text(article: Article) -> str:
    """All the text readers are shown of the turns, whitespace collapsed, for finding quotes."""
    return tidy(" ".join(p for t in article.turns for p in t.shown_paragraphs))


def _left_out_text(article: Article) -> str:
    return tidy(
        " ".join(
            p
            for turn in article.turns
            for i, p in enumerate(turn.paragraphs)
            if turn.omitted or i in turn.omitted_paragraphs
        )
    )


def quote_shown(article: Article, quote: PullQuote) -> bool:
    """Whether a pull quote may be shown: it must not repeat text the editor left out."""
    wanted = tidy(quote.text)
    if not wanted or wanted in shown_text(article):
        return True
    return wanted not in _left_out_text(article)


def published_view(article: Article) -> Article:
    """The article as readers get it: nothing left out, nothing private, nothing suggested.

    Left-out turns and paragraphs, left-out images, images in left-out turns and
    pull quotes that repeat left-out text are dropped; headings move to the next
    shown turn (a heading with no shown turn after it has nothing to head and is
    dropped) and pull quotes to the shown turn at or before theirs, and positions
    are renumbered for the turns that remain. Suggestions are emptied: they may
    quote text that was left out. An article without turns keeps its headings and
    pull quotes as they are.
    """
    if not article.turns:
        return dataclasses.replace(
            article,
            pull_quotes=tuple(q for q in article.pull_quotes if quote_shown(article, q)),
            images=(),
            suggestions=Suggestions(),
        )
    count = len(article.turns)
    shown = [i for i, turn in enumerate(article.turns) if turn_shown(turn)]
    new_index = {old: new for new, old in enumerate(shown)}

    def clamp(index: int) -> int:
        return min(max(index, 0), count - 1)

    headings: list[Heading] = []
    for heading in article.headings:
        following = [i for i in shown if i >= clamp(heading.before_turn)]
        if following:
            headings.append(dataclasses.replace(heading, before_turn=new_index[following[0]]))
        elif not shown:
            headings.append(dataclasses.replace(heading, before_turn=0))
    quotes: list[PullQuote] = []
    for quote in article.pull_quotes:
        if not quote_shown(article, quote):
            continue
        preceding = [i for i in shown if i <= clamp(quote.after_turn)]
        quotes.append(
            dataclasses.replace(quote, after_turn=new_index[preceding[-1]] if preceding else 0)
        )
    images = tuple(
        dataclasses.replace(image, turn=new_index[clamp(image.turn)])
        for image in article.images
        if not image.omitted and clamp(image.turn) in new_index
    )
    turns = tuple(
        dataclasses.replace(
            article.turns[i],
            paragraphs=tuple(p for p in article.turns[i].shown_paragraphs if not is_private(p)),
            omitted=False,
            omitted_paragraphs=(),
        )
        for i in shown
    )
    return dataclasses.replace(
        article,
        turns=turns,
        headings=tuple(headings),
        pull_quotes=tuple(quotes),
        images=images,
        suggestions=Suggestions(),
    )


def describe(article: Article) -> str:
    """A short description for search engines and social cards.

    The editor's ``description`` when there is one, else the intro, else the first
    shown paragraph, cut at a word to at most 160 characters.
    """
    view = published_view(article)
    source = view.description or view.intro
    if not source.strip() and view.turns:
        source = view.turns[0].paragraphs[0]
    text = " ".join(source.split())
    if len(text) <= _DESCRIPTION_LENGTH:
        return text
    cut = text[: _DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-\u2013") + "…"


@dataclass(frozen=True, slots=True)
class BlockChange:
    """One block that differs between two revisions, as readers would see it.

    ``block`` is a stable id: ``title``, ``slug``, ``categories``, ``description``,
    ``intro``, ``credit``, ``turn-<letter id>``, ``turn-<letter id>/p<index>``,
    ``heading-<id>``, ``pull-quote-<id>``, ``image-<filename>``. ``kind`` is the
    block's kind (``paragraph`` for a paragraph of a turn); ``change`` is
    ``added``, ``removed`` (which includes being left out) or ``changed``.
    ``before``/``after`` are the texts shown; ``where_before``/``where_after`` the
    turn index a heading, pull quote or image stands at, or a paragraph's index.
    A turn's changes carry its ``letter_id`` and the writer's ``email``.
    """

    block: str
    kind: str
    change: str
    before: str = ""
    after: str = ""
    where_before: int | None = None
    where_after: int | None = None
    letter_id: int | None = None
    email: str = ""


def diff(old: Article, new: Article) -> list[BlockChange]:
    """What changed from ``old`` to ``new``, block by block, in reading order of the parts.

    Only what readers would see counts: text left out on both sides is no change,
    leaving something out is a removal and bringing it back an addition.
    """
    changes: list[BlockChange] = []
    for name in ("title", "slug", "categories", "description", "intro", "credit"):
        before, after = _field_text(old, name), _field_text(new, name)
        if before != after:
            kind = "added" if not before else "removed" if not after else "changed"
            changes.append(BlockChange(name, name, kind, before, after))
    changes += _turn_changes(old, new)
    changes += _placed_changes(
        "heading",
        "heading-",
        {h.id or f"#{i}": (h.text, h.before_turn) for i, h in enumerate(old.headings)},
        {h.id or f"#{i}": (h.text, h.before_turn) for i, h in enumerate(new.headings)},
    )
    changes += _placed_changes(
        "pull_quote",
        "pull-quote-",
        _shown_quotes(old),
        _shown_quotes(new),
    )
    changes += _placed_changes("image", "image-", _shown_images(old), _shown_images(new))
    return changes


def _field_text(article: Article, name: str) -> str:
    value = getattr(article, name)
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _shown_quotes(article: Article) -> dict[str, tuple[str, int]]:
    return {
        q.id or f"#{i}": (q.text, q.after_turn)
        for i, q in enumerate(article.pull_quotes)
        if quote_shown(article, q)
    }


def _shown_images(article: Article) -> dict[str, tuple[str, int]]:
    shown: dict[str, tuple[str, int]] = {}
    for image in article.images:
        turn = min(max(image.turn, 0), max(len(article.turns) - 1, 0))
        if image.omitted or not article.turns or not turn_shown(article.turns[turn]):
            continue
        words = " — ".join(x for x in (image.caption, image.credit) if x)
        shown[image.filename] = (words, image.turn)
    return shown


def _placed_changes(
    kind: str,
    prefix: str,
    old: Mapping[str, tuple[str, int]],
    new: Mapping[str, tuple[str, int]],
) -> list[BlockChange]:
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        block = prefix + key
        if key not in old:
            text, where = new[key]
            changes.append(BlockChange(block, kind, "added", after=text, where_after=where))
        elif key not in new:
            text, where = old[key]
            changes.append(BlockChange(block, kind, "removed", before=text, where_before=where))
        elif old[key] != new[key]:
            (before, was), (after, now) = old[key], new[key]
            changes.append(BlockChange(block, kind, "changed", before, after, was, now))
    return changes


def _turn_changes(old: Article, new: Article) -> list[BlockChange]:
    old_turns = {turn.letter_id: turn for turn in old.turns}
    new_turns = {turn.letter_id: turn for turn in new.turns}
    changes: list[BlockChange] = []
    for letter in [*new_turns, *(k for k in old_turns if k not in new_turns)]:
        before, after = old_turns.get(letter), new_turns.get(letter)
        was = before is not None and turn_shown(before)
        now = after is not None and turn_shown(after)
        turn = after or before
        assert turn is not None  # one of the two exists: the letter came from one of them
        block = f"turn-{letter}"
        common: dict[str, Any] = {"letter_id": int(letter), "email": turn.email}
        if was and not now and before is not None:
            text = "\n\n".join(before.shown_paragraphs)
            changes.append(BlockChange(block, "turn", "removed", before=text, **common))
        elif now and not was and after is not None:
            text = "\n\n".join(after.shown_paragraphs)
            changes.append(BlockChange(block, "turn", "added", after=text, **common))
        elif was and now and before is not None and after is not None:
            changes += _paragraph_changes(block, before, after, common)
    return changes


def _paragraph_changes(
    block: str, old: Turn, new: Turn, common: Mapping[str, Any]
) -> list[BlockChange]:
    def shown(turn: Turn, index: int) -> bool:
        return index not in turn.omitted_paragraphs

    changes: list[BlockChange] = []

    def removed(i: int) -> None:
        if shown(old, i):
            changes.append(
                BlockChange(
                    f"{block}/p{i}",
                    "paragraph",
                    "removed",
                    before=old.paragraphs[i],
                    where_before=i,
                    **common,
                )
            )

    def added(j: int) -> None:
        if shown(new, j):
            changes.append(
                BlockChange(
                    f"{block}/p{j}",
                    "paragraph",
                    "added",
                    after=new.paragraphs[j],
                    where_after=j,
                    **common,
                )
            )

    def paired(i: int, j: int) -> None:
        if shown(old, i) and shown(new, j):
            if old.paragraphs[i] != new.paragraphs[j]:
                changes.append(
                    BlockChange(
                        f"{block}/p{j}",
                        "paragraph",
                        "changed",
                        old.paragraphs[i],
                        new.paragraphs[j],
                        i,
                        j,
                        **common,
                    )
                )
        else:
            removed(i)
            added(j)

    matcher = difflib.SequenceMatcher(None, old.paragraphs, new.paragraphs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = min(i2 - i1, j2 - j1) if tag in ("equal", "replace") else 0
        for k in range(pairs):
            paired(i1 + k, j1 + k)
        for i in range(i1 + pairs, i2):
            removed(i)
        for j in range(j1 + pairs, j2):
            added(j)
    return changes


def letter_changes(original: Article, final: Article, email: str) -> list[BlockChange]:
    """What the editor changed in the letters of the writer at ``email``.

    ``original`` is the article as compiled from the letters, ``final`` the one
    approved; the writer is shown these before agreeing to publication.
    """
    wanted = email.lower()
    return [
        change
        for change in diff(original, final)
        if change.kind in ("turn", "paragraph") and change.email.lower() == wanted
    ]
