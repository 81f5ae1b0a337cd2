"""Letters become an article: compiling, the draft's JSON, rendering.

The pure core of the article: the letters of a correspondence go in, an
:class:`~penpal.letters.Article` comes out, with a drafted intro, a slug, its
images and ranked title and pull-quote suggestions beside it (never placed in the
article: the editor picks). The same article goes out as the JSON contract of
``penpal draft --format json`` and back in, and is rendered through Jinja2
templates that the caller loads (see :mod:`penpal.templating`) from its published
view only. The rest of the article's core has modules of its own, whose public
names this module also offers so callers need one import: the text's pieces
(:mod:`penpal.prose`), the two languages (:mod:`penpal.languages`), suggestions
(:mod:`penpal.suggestions`), the editor's changes, the published view and the
diff (:mod:`penpal.editing`), and the Markdown draft read back
(:mod:`penpal.drafttext`). This module must not read files, a clock or a
configuration; a publication date, when there is one, is an argument. It never
puts a private paragraph into any output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import jinja2

from penpal.drafttext import MarkdownDraft, read_markdown
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
    quote_shown,
)
from penpal.errors import DraftFormatError
from penpal.languages import LANGUAGES, format_date, labels
from penpal.letters import (
    Article,
    Attachment,
    Correspondence,
    CorrespondenceId,
    Heading,
    Image,
    Letter,
    LetterId,
    PullQuote,
    Suggestions,
    Turn,
    Writer,
)
from penpal.prose import is_private, slugify, split_paragraphs, split_sentences
from penpal.suggestions import (
    MAX_PULL_QUOTE_SUGGESTIONS,
    MAX_TITLE_SUGGESTIONS,
    suggest_pull_quotes,
    suggest_titles,
    writer_names,
)

# What callers import from here: this module's own names and, so one import serves,
# those of the modules the article's core was split into.
__all__ = [
    "FRAGMENT_TEMPLATE",
    "HTML_TEMPLATE",
    "LANGUAGES",
    "MARKDOWN_TEMPLATE",
    "MAX_PULL_QUOTE_SUGGESTIONS",
    "MAX_TITLE_SUGGESTIONS",
    "AddHeading",
    "AddPullQuote",
    "Block",
    "BlockChange",
    "Edit",
    "FixParagraph",
    "MarkdownDraft",
    "MoveHeading",
    "MovePullQuote",
    "OmitParagraph",
    "OmitTurn",
    "RemoveHeading",
    "RemovePullQuote",
    "RestoreParagraph",
    "RestoreTurn",
    "SetCategories",
    "SetCredit",
    "SetDescription",
    "SetHeading",
    "SetImage",
    "SetIntro",
    "SetSlug",
    "SetTitle",
    "apply_edits",
    "article_from_json",
    "article_to_json",
    "blocks",
    "carry_over",
    "compile_article",
    "describe",
    "diff",
    "draft_intro",
    "ensure_ids",
    "format_date",
    "image_filename",
    "image_files",
    "labels",
    "letter_changes",
    "plain_text",
    "published_view",
    "quote_shown",
    "read_markdown",
    "reading_minutes",
    "render_html",
    "render_html_fragment",
    "render_markdown",
    "slugify",
    "split_paragraphs",
    "split_sentences",
    "suggest_pull_quotes",
    "suggest_titles",
    "template_context",
]

MARKDOWN_TEMPLATE = "article.md.j2"
HTML_TEMPLATE = "article.html.j2"
FRAGMENT_TEMPLATE = "article.fragment.html.j2"

_WORDS_PER_MINUTE = 200

# Spacer and tracking pixels are images too; nothing smaller is worth an editor's look.
_MIN_IMAGE_BYTES = 1024
# Raster formats only: an SVG in the output folder could run script when opened.
_IMAGE_EXTENSIONS: Mapping[str, str] = {
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/pjpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
}


def compile_article(
    correspondence: Correspondence,
    letters: Sequence[Letter],
    *,
    language: str,
    revision: int,
) -> Article:
    """Compile letters, in the order given, into a draft article.

    Each letter with a non-empty body becomes one turn labelled with its writer's
    label; images it carried are placed in that turn. The title starts as the
    topic and the intro is drafted from the topic and the writers' names; title
    and pull-quote suggestions are ranked beside the article, not placed in it.

    Raises:
        ValueError: ``language`` is not ``nl`` or ``en``.
    """
    labels(language)
    carried = _turns(letters)
    turns = tuple(turn for turn, _ in carried)
    title = " ".join(correspondence.topic.split())
    names = writer_names(correspondence, turns)
    return Article(
        correspondence_id=correspondence.id,
        title=title,
        intro=draft_intro(correspondence.topic, correspondence.writers, language),
        turns=turns,
        language=language,
        revision=revision,
        slug=slugify(title) or slugify(correspondence.id) or "article",
        images=tuple(image for image, _ in _images(carried)),
        suggestions=Suggestions(
            titles=suggest_titles(turns, names=names),
            pull_quotes=suggest_pull_quotes(turns, names=names),
        ),
    )


def _published_paragraphs(letter: Letter) -> tuple[str, ...]:
    private = {" ".join(p.split()) for p in letter.extraction.private}
    return tuple(
        p
        for p in split_paragraphs(letter.body)
        if not is_private(p) and " ".join(p.split()) not in private
    )


def _turns(letters: Sequence[Letter]) -> list[tuple[Turn, Letter]]:
    carried = []
    for letter in letters:
        paragraphs = _published_paragraphs(letter)
        if not paragraphs:
            continue
        turn = Turn(
            letter_id=letter.id,
            writer=letter.writer.name,
            email=letter.writer.email,
            label=letter.writer.turn_label,
            paragraphs=paragraphs,
        )
        carried.append((turn, letter))
    return carried


def draft_intro(topic: str, writers: Sequence[Writer], language: str) -> str:
    """A first intro for the editor to rewrite: who writes to whom, and about what."""
    words = labels(language)
    names = [writer.name.strip() or writer.turn_label for writer in writers]
    who = _join_names(names, words["and"]) or words["writers"]
    topic = " ".join(topic.split())
    if not topic:
        return words["intro"].format(writers=who)
    # Quoting the topic lets any phrasing ("Is content marketing dead?") stand in the sentence.
    end = "" if topic[-1] in ".?!…" else "."
    return words["intro_about"].format(writers=who, topic=f"“{topic}”") + end


def _join_names(names: Sequence[str], conjunction: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def image_filename(attachment: Attachment, turn: int) -> str:
    """A safe file name for an image: no folders, ASCII, the extension its type implies."""
    extension = _IMAGE_EXTENSIONS.get(attachment.content_type.lower(), "bin")
    base = attachment.filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{slugify(stem) or f'image-{turn + 1}'}.{extension}"


def image_files(letters: Sequence[Letter]) -> dict[str, Attachment]:
    """The attachment behind each image file name that :func:`compile_article` gives.

    Publishing writes these bytes under the names the article refers to.
    """
    return {image.filename: attachment for image, attachment in _images(_turns(letters))}


def _images(carried: Sequence[tuple[Turn, Letter]]) -> list[tuple[Image, Attachment]]:
    found = []
    used: set[str] = set()
    for index, (_, letter) in enumerate(carried):
        for attachment in letter.attachments:
            if attachment.content_type.lower() not in _IMAGE_EXTENSIONS:
                continue
            if len(attachment.data) < _MIN_IMAGE_BYTES:
                continue
            name = image_filename(attachment, index)
            stem, extension = name.rsplit(".", 1)
            number = 2
            while name in used:
                name = f"{stem}-{number}.{extension}"
                number += 1
            used.add(name)
            image = Image(filename=name, content_type=attachment.content_type.lower(), turn=index)
            found.append((image, attachment))
    return found


def article_to_json(article: Article) -> dict[str, Any]:
    """The draft as the JSON of ``penpal draft ID --format json`` (plain str/int/list/dict)."""
    return {
        "correspondence_id": str(article.correspondence_id),
        "revision": article.revision,
        "language": article.language,
        "title": article.title,
        "slug": article.slug,
        "categories": list(article.categories),
        "intro": article.intro,
        "turns": [
            {
                "letter_id": int(turn.letter_id),
                "writer": turn.writer,
                "email": turn.email,
                "label": turn.label,
                "text": turn.text,
                "omitted": turn.omitted,
                "omitted_paragraphs": list(turn.omitted_paragraphs),
            }
            for turn in article.turns
        ],
        "headings": [_heading_json(h) for h in article.headings],
        "pull_quotes": [_pull_quote_json(q) for q in article.pull_quotes],
        "images": [
            {
                "filename": image.filename,
                "content_type": image.content_type,
                "turn": image.turn,
                "caption": image.caption,
                "credit": image.credit,
                "omitted": image.omitted,
            }
            for image in article.images
        ],
        "credit": article.credit,
        "description": article.description,
        "suggestions": {
            "titles": list(article.suggestions.titles),
            "pull_quotes": [_pull_quote_json(q) for q in article.suggestions.pull_quotes],
            "headings": [_heading_json(h) for h in article.suggestions.headings],
        },
    }


def _heading_json(heading: Heading) -> dict[str, Any]:
    return {"id": heading.id, "text": heading.text, "before_turn": heading.before_turn}


def _pull_quote_json(quote: PullQuote) -> dict[str, Any]:
    return {"id": quote.id, "text": quote.text, "after_turn": quote.after_turn}


class _Reader:
    """Typed access to one JSON object; every complaint names the key's path."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise DraftFormatError(f"draft JSON: {path or 'the document'}: expected an object")
        self.data: Mapping[str, Any] = data
        self.path = path

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise DraftFormatError(f"draft JSON: {self._at(key)}: missing")
        return self.data[key]

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise DraftFormatError(f"draft JSON: {self._at(key)}: expected a string")
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        # bool is an int to Python, never to a reader of the JSON.
        if not isinstance(value, int) or isinstance(value, bool):
            raise DraftFormatError(f"draft JSON: {self._at(key)}: expected an integer")
        return value

    def optional_string(self, key: str) -> str:
        """A string that drafts saved before the key existed do not have: ``""`` then."""
        return self.string(key) if key in self.data else ""

    def optional_boolean(self, key: str) -> bool:
        """A flag that older drafts do not have: ``False`` then."""
        if key not in self.data:
            return False
        value = self.data[key]
        if not isinstance(value, bool):
            raise DraftFormatError(f"draft JSON: {self._at(key)}: expected true or false")
        return value

    def optional_integers(self, key: str) -> tuple[int, ...]:
        """A list of integers that older drafts do not have: empty then."""
        if key not in self.data:
            return ()
        values = self.items(key)
        for index, value in enumerate(values):
            if not isinstance(value, int) or isinstance(value, bool):
                raise DraftFormatError(f"draft JSON: {self._at(key)}[{index}]: expected an integer")
        return tuple(values)

    def items(self, key: str) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list):
            raise DraftFormatError(f"draft JSON: {self._at(key)}: expected a list")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.items(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise DraftFormatError(f"draft JSON: {self._at(key)}[{index}]: expected a string")
        return tuple(values)

    def objects(self, key: str) -> list[_Reader]:
        return [_Reader(item, f"{self._at(key)}[{i}]") for i, item in enumerate(self.items(key))]

    def object(self, key: str) -> _Reader:
        return _Reader(self._get(key), self._at(key))


def article_from_json(data: Mapping[str, Any]) -> Article:
    """The article that :func:`article_to_json` wrote, read back exactly.

    Raises:
        DraftFormatError: a key is missing or holds the wrong kind of value; the
            message names the key.
    """
    root = _Reader(data, "")
    language = root.string("language")
    if language not in LANGUAGES:
        raise DraftFormatError(f"draft JSON: language: expected nl or en, not {language!r}")
    suggestions = root.object("suggestions")
    return Article(
        correspondence_id=CorrespondenceId(root.string("correspondence_id")),
        title=root.string("title"),
        intro=root.string("intro"),
        turns=tuple(
            Turn(
                letter_id=LetterId(turn.integer("letter_id")),
                writer=turn.string("writer"),
                email=turn.string("email"),
                label=turn.string("label"),
                paragraphs=split_paragraphs(turn.string("text")),
                omitted=turn.optional_boolean("omitted"),
                omitted_paragraphs=turn.optional_integers("omitted_paragraphs"),
            )
            for turn in root.objects("turns")
        ),
        language=language,
        revision=root.integer("revision"),
        slug=root.string("slug"),
        categories=root.strings("categories"),
        headings=tuple(_heading(h) for h in root.objects("headings")),
        pull_quotes=tuple(_pull_quote(q) for q in root.objects("pull_quotes")),
        images=tuple(
            Image(
                filename=image.string("filename"),
                content_type=image.string("content_type"),
                turn=image.integer("turn"),
                caption=image.string("caption"),
                credit=image.string("credit"),
                omitted=image.optional_boolean("omitted"),
            )
            for image in root.objects("images")
        ),
        credit=root.string("credit"),
        description=root.optional_string("description"),
        suggestions=Suggestions(
            titles=suggestions.strings("titles"),
            pull_quotes=tuple(_pull_quote(q) for q in suggestions.objects("pull_quotes")),
            headings=tuple(_heading(h) for h in suggestions.objects("headings")),
        ),
    )


def _heading(reader: _Reader) -> Heading:
    return Heading(
        text=reader.string("text"),
        before_turn=reader.integer("before_turn"),
        id=reader.optional_string("id"),
    )


def _pull_quote(reader: _Reader) -> PullQuote:
    return PullQuote(
        text=reader.string("text"),
        after_turn=reader.integer("after_turn"),
        id=reader.optional_string("id"),
    )


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of the article body in reading order, as the templates walk it.

    ``kind`` is ``heading``, ``turn`` or ``pull_quote``. A heading or pull quote
    has ``text``; a turn has ``turn``, its ``index`` and the ``images`` shown in it.
    """

    kind: str
    text: str = ""
    turn: Turn | None = None
    index: int = -1
    images: tuple[Image, ...] = ()


def blocks(article: Article) -> list[Block]:
    """The article body in reading order: headings before, pull quotes after their turn.

    A heading or pull quote that points past either end stays, at that end, so an
    edit never makes text disappear; an article without turns shows them in order.
    """
    count = len(article.turns)
    if count == 0:
        return [Block("heading", h.text) for h in article.headings] + [
            Block("pull_quote", q.text) for q in article.pull_quotes
        ]

    def place(index: int) -> int:
        return min(max(index, 0), count - 1)

    body: list[Block] = []
    for index, turn in enumerate(article.turns):
        body.extend(
            Block("heading", h.text) for h in article.headings if place(h.before_turn) == index
        )
        images = tuple(image for image in article.images if place(image.turn) == index)
        body.append(Block("turn", turn=turn, index=index, images=images))
        body.extend(
            Block("pull_quote", q.text) for q in article.pull_quotes if place(q.after_turn) == index
        )
    return body


def reading_minutes(article: Article) -> int:
    """Minutes a reader needs for intro and shown turns, at 200 words a minute; at least one."""
    view = published_view(article)
    words = len(view.intro.split()) + sum(len(t.text.split()) for t in view.turns)
    return max(1, math.ceil(words / _WORDS_PER_MINUTE))


def _authors(article: Article) -> list[str]:
    authors: list[str] = []
    for turn in article.turns:
        name = turn.writer or turn.label
        if name not in authors:
            authors.append(name)
    return authors


def template_context(article: Article, *, published: date | None = None) -> dict[str, Any]:
    """What every article template gets (each template's opening comment lists it).

    Templates only ever see :func:`published_view` of the article, so whatever the
    editor left out cannot reach an output, whatever a magazine's template does.
    """
    view = published_view(article)
    return {
        "article": view,
        "language": view.language,
        "labels": labels(view.language),
        "intro_paragraphs": split_paragraphs(view.intro),
        "blocks": blocks(view),
        "authors": _authors(view),
        "description": describe(view),
        "reading_minutes": reading_minutes(view),
        "published": published,
    }


def render_markdown(
    article: Article, env: jinja2.Environment, *, published: date | None = None
) -> str:
    """The article as Markdown with YAML front matter; a draft until ``published`` is given.

    ``env`` comes from :func:`penpal.templating.template_environment`, which
    provides the escaping filters the template uses.
    """
    return _render(env, MARKDOWN_TEMPLATE, article, published)


def render_html(article: Article, env: jinja2.Environment, *, published: date | None = None) -> str:
    """The article as a standalone HTML5 page in the article's language, all text escaped."""
    return _render(env, HTML_TEMPLATE, article, published)


def render_html_fragment(
    article: Article, env: jinja2.Environment, *, published: date | None = None
) -> str:
    """The article as one ``<article>`` element to paste into a CMS page."""
    return _render(env, FRAGMENT_TEMPLATE, article, published)


def _render(env: jinja2.Environment, name: str, article: Article, published: date | None) -> str:
    text = env.get_template(name).render(template_context(article, published=published))
    return text.rstrip("\n") + "\n"


def plain_text(article: Article) -> str:
    """The article as plain text for a mail: what readers will see, without markup."""
    view = published_view(article)
    out = [view.title, *split_paragraphs(view.intro)]
    for block in blocks(view):
        if block.kind == "heading":
            out.append(f"## {block.text}")
        elif block.kind == "pull_quote":
            out.append(f"> {block.text}")
        else:
            turn = block.turn
            assert turn is not None  # blocks() gives every turn block its turn
            first, *rest = turn.paragraphs
            out += [f"{turn.label}: {first}", *rest]
            for image in block.images:
                words = labels(view.language)
                note = " — ".join(x for x in (image.caption, image.credit) if x)
                out.append(f"[{words['image']}: {image.filename}]" + (f" {note}" if note else ""))
    if view.credit:
        out.append(view.credit)
    return "\n\n".join(part for part in out if part) + "\n"
