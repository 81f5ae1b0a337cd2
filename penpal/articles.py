"""Letters become an article: compiling, suggestions, the draft's JSON, rendering.

The pure core of the article: the letters of a correspondence go in, an
:class:`~penpal.letters.Article` comes out, with a drafted intro, a slug and ranked
title and pull-quote suggestions beside it (never placed in the article: the editor
picks). The same article goes out as the JSON contract of ``penpal draft --format
json`` and back in, and is rendered through Jinja2 templates that the caller loads
(see :mod:`penpal.templating`). This module must not read files, a clock or a
configuration; a publication date, when there is one, is an argument. It never
puts a private paragraph into any output.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import jinja2

from penpal.errors import DraftFormatError
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

LANGUAGES = ("nl", "en")
"""The languages an article can be compiled and rendered in."""

MARKDOWN_TEMPLATE = "article.md.j2"
HTML_TEMPLATE = "article.html.j2"
FRAGMENT_TEMPLATE = "article.fragment.html.j2"

_LABELS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "and": "en",
        "writers": "twee schrijvers",
        "intro_about": "In deze briefwisseling schrijven {writers} elkaar over {topic}",
        "intro": "In deze briefwisseling schrijven {writers} elkaar.",
        "categories": "Categorieën",
        "reading_time": "{minutes} min. leestijd",
        "published": "Gepubliceerd op",
        "image": "Afbeelding",
        "image_credit": "Beeld",
        "locale": "nl_NL",
    },
    "en": {
        "and": "and",
        "writers": "two writers",
        "intro_about": "In this correspondence, {writers} write to each other about {topic}",
        "intro": "In this correspondence, {writers} write to each other.",
        "categories": "Categories",
        "reading_time": "{minutes} min read",
        "published": "Published on",
        "image": "Image",
        "image_credit": "Image",
        "locale": "en_GB",
    },
}


def _word_list(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _months(names: str) -> tuple[str, ...]:
    return tuple(names.split())


_MONTHS: Mapping[str, tuple[str, ...]] = {
    "nl": _months(
        "januari februari maart april mei juni juli augustus september oktober november december"
    ),
    "en": _months(
        "January February March April May June July August September October November December"
    ),
}

# Paragraphs that carry a privacy marker are cut by parsing already; checking the
# marker here as well keeps "never published" true even if a body slipped through.
_PRIVATE_MARKER = re.compile(r"^\s*\[(?:private|privé|prive)\]", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n\s*\n")

# A sentence ends at . ! ? or … (optionally followed by a closing quote or bracket)
# and whitespace; fixed-width lookbehinds, one per shape.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”\u2019»)]))\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_ABBREVIATIONS = _word_list("dr mr mrs ms prof dhr mevr mw st bijv vs etc nr ca resp zgn jr sr")
# Sentences opening with these lean on what came before, so they do not stand alone.
_CONTEXT_WORDS = _word_list(
    "and but so or also then that this these those it they he she them there which because"
    " though although however yes no"
) | _word_list(
    "en maar dus want of ook toen daarom daardoor dat dit die deze dan hij zij ze het hem haar"
    " daar waardoor omdat hoewel ja nee"
)
_FIRST_PERSON = _word_list(
    "i i'm i've i'd i'll my me mine we we're our us ik mijn mij wij ons onze"
)
_SECOND_PERSON = _word_list("you you're you've you'd you'll your yours je jij jou jouw jullie u uw")
# Links, addresses and markup-like text make poor quotes.
_NOT_STANDALONE = ("http", "www.", "@", "<", ">", "#", "[", "{", "|")

MAX_TITLE_SUGGESTIONS = 5
MAX_PULL_QUOTE_SUGGESTIONS = 8
_DESCRIPTION_LENGTH = 160
_WORDS_PER_MINUTE = 200
_SLUG_LENGTH = 60

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

_TRANSLITERATIONS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "Þ": "TH",
        "\u0131": "i",  # dotless i
    }
)


def labels(language: str) -> Mapping[str, str]:
    """The fixed words of an article in ``language`` (``nl`` or ``en``).

    Raises:
        ValueError: the language is not one of :data:`LANGUAGES`.
    """
    try:
        return _LABELS[language]
    except KeyError:
        raise ValueError(f"unsupported language {language!r}: expected nl or en") from None


def format_date(day: date, language: str) -> str:
    """A date as readers of ``language`` write it: ``20 november 2026``, ``20 November 2026``."""
    labels(language)
    return f"{day.day} {_MONTHS[language][day.month - 1]} {day.year}"


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
    names = _writer_names(correspondence, turns)
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


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Text cut into paragraphs on blank lines: line endings normalised, stripped, none empty."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = (
        "\n".join(line.rstrip() for line in p.strip().split("\n")) for p in _BLANK_LINE.split(text)
    )
    return tuple(p for p in pieces if p)


def _published_paragraphs(letter: Letter) -> tuple[str, ...]:
    private = {" ".join(p.split()) for p in letter.extraction.private}
    return tuple(
        p
        for p in split_paragraphs(letter.body)
        if not _PRIVATE_MARKER.match(p) and " ".join(p.split()) not in private
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


def slugify(text: str) -> str:
    """An ASCII, lower-case, dash-separated form of ``text`` for a URL, at most 60 characters."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) <= _SLUG_LENGTH:
        return slug
    cut = slug[: _SLUG_LENGTH + 1]
    # Cut at a word boundary unless that would leave nothing.
    if cut[-1] != "-" and "-" in cut:
        cut = cut.rsplit("-", 1)[0]
    return cut[:_SLUG_LENGTH].strip("-")


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


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A sentence that might be quoted, with where it stands and how well it reads alone."""

    text: str
    turn: int
    writer: str
    position: int
    score: int


def split_sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences, whitespace collapsed; abbreviations do not end one."""
    sentences: list[str] = []
    for piece in _SENTENCE_BREAK.split(paragraph.strip()):
        if sentences and _continues(sentences[-1], piece):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [" ".join(s.split()) for s in sentences if s.strip()]


def _continues(previous: str, piece: str) -> bool:
    first = next((c for c in piece if c.isalnum()), "")
    if first.islower():
        return True
    last_word = previous.rsplit(None, 1)[-1].rstrip(".").lower()
    return last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())


def _words(sentence: str) -> list[str]:
    return [w.replace("\u2019", "'").lower() for w in _WORD.findall(sentence)]


def _standalone(sentence: str, words: Sequence[str], names: frozenset[str]) -> bool:
    lowered = sentence.lower()
    if not words or any(marker in lowered for marker in _NOT_STANDALONE):
        return False
    if words[0] in _CONTEXT_WORDS or sentence[-1] in ",:;-\u2013(":
        return False
    # A sentence that names a writer answers or addresses someone: it needs its letter.
    return not names.intersection(words)


def _voice(words: Sequence[str]) -> int:
    """First person reads as a confession, second person as a reply: one lifts, one sinks."""
    score = 1 if _FIRST_PERSON.intersection(words) else 0
    return score - (2 if _SECOND_PERSON.intersection(words) else 0)


def _title_score(sentence: str, words: Sequence[str]) -> int:
    if not 3 <= len(words) <= 12 or len(sentence) > 80:
        return 0
    score = 4 if 4 <= len(words) <= 8 else 2
    if sentence.endswith("?"):
        score += 1
    return score + _voice(words)


def _pull_quote_score(sentence: str, words: Sequence[str]) -> int:
    if not 8 <= len(words) <= 30 or len(sentence) > 200:
        return 0
    score = 4 if 12 <= len(words) <= 22 else 2
    return score + _voice(words)


def _candidates(
    turns: Sequence[Turn],
    names: frozenset[str],
    score: Callable[[str, Sequence[str]], int],
) -> list[_Candidate]:
    found: list[_Candidate] = []
    seen: set[str] = set()
    position = 0
    for index, turn in enumerate(turns):
        for paragraph in turn.paragraphs:
            for sentence in split_sentences(paragraph):
                position += 1
                words = _words(sentence)
                key = sentence.casefold()
                if key in seen or not _standalone(sentence, words, names):
                    continue
                points = score(sentence, words)
                if points > 0:
                    seen.add(key)
                    found.append(_Candidate(sentence, index, turn.email, position, points))
    return found


def _spread(candidates: Sequence[_Candidate], limit: int) -> list[_Candidate]:
    """Best first, but taking turns: each writer's best, then each writer's next, and so on.

    Within one writer, a turn's second-best sentence waits until every other turn
    of that writer has given its best, so suggestions cover the whole exchange.
    """

    def best_first(c: _Candidate) -> tuple[int, int]:
        return (-c.score, c.position)

    turn_rank: dict[_Candidate, int] = {}
    for turn in {c.turn for c in candidates}:
        ranked = sorted((c for c in candidates if c.turn == turn), key=best_first)
        turn_rank.update((c, rank) for rank, c in enumerate(ranked))
    writer_rank: dict[_Candidate, int] = {}
    for writer in {c.writer for c in candidates}:
        ranked = sorted(
            (c for c in candidates if c.writer == writer),
            key=lambda c: (turn_rank[c], *best_first(c)),
        )
        writer_rank.update((c, rank) for rank, c in enumerate(ranked))
    return sorted(candidates, key=lambda c: (writer_rank[c], *best_first(c)))[:limit]


def _writer_names(correspondence: Correspondence, turns: Sequence[Turn]) -> frozenset[str]:
    labels_ = [w.turn_label for w in correspondence.writers] + [t.label for t in turns]
    return frozenset(word for label in labels_ for word in _words(label))


def suggest_titles(
    turns: Sequence[Turn], *, names: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Short sentences that could stand as a quoted title, best first, spread over the writers.

    ``names`` are the writers' names in lower case: a sentence that mentions one is
    a reply, not a title.
    """
    chosen = _spread(_candidates(turns, names, _title_score), MAX_TITLE_SUGGESTIONS)
    # A title carries no full stop; a question or exclamation mark it keeps.
    return tuple(c.text.rstrip(".") for c in chosen)


def suggest_pull_quotes(
    turns: Sequence[Turn], *, names: frozenset[str] = frozenset()
) -> tuple[PullQuote, ...]:
    """Sentences of quotable length that stand alone, best first, spread over the writers.

    Each is placed after the turn it comes from, so it repeats near where it stands.
    """
    chosen = _spread(_candidates(turns, names, _pull_quote_score), MAX_PULL_QUOTE_SUGGESTIONS)
    return tuple(PullQuote(text=c.text, after_turn=c.turn) for c in chosen)


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
            }
            for image in article.images
        ],
        "credit": article.credit,
        "suggestions": {
            "titles": list(article.suggestions.titles),
            "pull_quotes": [_pull_quote_json(q) for q in article.suggestions.pull_quotes],
            "headings": [_heading_json(h) for h in article.suggestions.headings],
        },
    }


def _heading_json(heading: Heading) -> dict[str, Any]:
    return {"text": heading.text, "before_turn": heading.before_turn}


def _pull_quote_json(quote: PullQuote) -> dict[str, Any]:
    return {"text": quote.text, "after_turn": quote.after_turn}


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
            )
            for image in root.objects("images")
        ),
        credit=root.string("credit"),
        suggestions=Suggestions(
            titles=suggestions.strings("titles"),
            pull_quotes=tuple(_pull_quote(q) for q in suggestions.objects("pull_quotes")),
            headings=tuple(_heading(h) for h in suggestions.objects("headings")),
        ),
    )


def _heading(reader: _Reader) -> Heading:
    return Heading(text=reader.string("text"), before_turn=reader.integer("before_turn"))


def _pull_quote(reader: _Reader) -> PullQuote:
    return PullQuote(text=reader.string("text"), after_turn=reader.integer("after_turn"))


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
    """Minutes a reader needs for intro and turns, at 200 words a minute; at least one."""
    words = len(article.intro.split()) + sum(len(t.text.split()) for t in article.turns)
    return max(1, math.ceil(words / _WORDS_PER_MINUTE))


def describe(article: Article) -> str:
    """A short description for search engines and social cards: the intro, else the first turn."""
    source = article.intro
    if not source.strip() and article.turns:
        source = article.turns[0].paragraphs[0]
    text = " ".join(source.split())
    if len(text) <= _DESCRIPTION_LENGTH:
        return text
    cut = text[: _DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-\u2013") + "…"


def _authors(article: Article) -> list[str]:
    authors: list[str] = []
    for turn in article.turns:
        name = turn.writer or turn.label
        if name not in authors:
            authors.append(name)
    return authors


def template_context(article: Article, *, published: date | None = None) -> dict[str, Any]:
    """What every article template gets (each template's opening comment lists it)."""
    return {
        "article": article,
        "language": article.language,
        "labels": labels(article.language),
        "intro_paragraphs": split_paragraphs(article.intro),
        "blocks": blocks(article),
        "authors": _authors(article),
        "description": describe(article),
        "reading_minutes": reading_minutes(article),
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
