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

import dataclasses
import difflib
import math
import re
import unicodedata
import urllib.parse
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


def _tidy(text: str) -> str:
    """Whitespace collapsed: how quotes are compared with the text they repeat."""
    return " ".join(text.split())


def _turn_shown(turn: Turn) -> bool:
    return any(not _PRIVATE_MARKER.match(p) for p in turn.shown_paragraphs)


def _shown_text(article: Article) -> str:
    return _tidy(" ".join(p for t in article.turns for p in t.shown_paragraphs))


def _left_out_text(article: Article) -> str:
    return _tidy(
        " ".join(
            p
            for turn in article.turns
            for i, p in enumerate(turn.paragraphs)
            if turn.omitted or i in turn.omitted_paragraphs
        )
    )


def quote_shown(article: Article, quote: PullQuote) -> bool:
    """Whether a pull quote may be shown: it must not repeat text the editor left out."""
    wanted = _tidy(quote.text)
    if not wanted or wanted in _shown_text(article):
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
    shown = [i for i, turn in enumerate(article.turns) if _turn_shown(turn)]
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
            paragraphs=tuple(
                p for p in article.turns[i].shown_paragraphs if not _PRIVATE_MARKER.match(p)
            ),
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
        elif block.turn is not None:
            first, *rest = block.turn.paragraphs
            out += [f"{block.turn.label}: {first}", *rest]
            for image in block.images:
                words = labels(view.language)
                note = " — ".join(x for x in (image.caption, image.credit) if x)
                out.append(f"[{words['image']}: {image.filename}]" + (f" {note}" if note else ""))
    if view.credit:
        out.append(view.credit)
    return "\n\n".join(part for part in out if part) + "\n"


# ------------------------------------------------------------------ editing
#
# The editor's changes as small typed operations, applied by one pure function.
# Nothing is deleted from a letter: leaving out sets a flag that bringing back
# clears, and the revision history keeps every earlier text.


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
            if not _tidy(title):
                raise _EditRefused("a title cannot be empty")
            return replace(article, title=_tidy(title), slug=_following_slug(article, title))
        case SetIntro(intro):
            return replace(article, intro="\n\n".join(split_paragraphs(intro)))
        case SetDescription(description):
            return replace(article, description=_tidy(description))
        case SetCategories(categories):
            kept = dict.fromkeys(c for c in map(_tidy, categories) if c)
            return replace(article, categories=tuple(kept))
        case SetSlug(slug):
            if not slugify(slug):
                raise _EditRefused(f"{slug!r} leaves no slug (letters or digits needed)")
            return replace(article, slug=slugify(slug))
        case SetCredit(credit):
            return replace(article, credit=_tidy(credit))
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


def _following_slug(article: Article, title: str) -> str:
    """A slug that was made from the title follows it; one the editor chose stays."""
    if article.slug == slugify(article.title) and slugify(title):
        return slugify(title)
    return article.slug


def _one_line(text: str, what: str) -> str:
    if not _tidy(text):
        raise _EditRefused(f"a {what} cannot be empty")
    return _tidy(text)


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
        if wanted in _tidy(" ".join(turn.shown_paragraphs))
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
    if _PRIVATE_MARKER.match(pieces[0]):
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
            caption=image.caption if caption is None else _tidy(caption),
            credit=image.credit if credit is None else _tidy(credit),
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


# -------------------------------------------------------------------- diffs


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
        if image.omitted or not article.turns or not _turn_shown(article.turns[turn]):
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
        was = before is not None and _turn_shown(before)
        now = after is not None and _turn_shown(after)
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


# --------------------------------------------------------- reading Markdown
#
# ``penpal draft ID --format md`` prints the draft in the form of article.md.j2;
# the editor edits it and ``--update`` reads it back against the revision it was
# printed from. What the document leaves out that the printed one showed is left
# out of the article (and can be brought back); what it never showed (text left
# out before) is kept as it was.

_FRONT_MATTER_KEYS = (
    "title",
    "slug",
    "draft",
    "date",
    "language",
    "categories",
    "authors",
    "description",
    "image",
    "credit",
    "correspondence_id",
    "revision",
)
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*")
_PLAIN_INT = re.compile(r"[-+]?\d+")
_MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_HEADING_LINE = re.compile(r"(#+)(?:[ \t]+(.*?))?[ \t]*#*[ \t]*")
_TURN_START = re.compile(r"\*\*((?:\\.|[^\\*])+?):\*\*(?:[ \t]+(.*))?")
_IMAGE_LINE = re.compile(
    r'!\[((?:\\.|[^\\\]])*)\]\(([^\s()]+)(?:[ \t]+"((?:\\.|[^\\"])*)")?\)[ \t]*'
)
_CREDIT_LINE = re.compile(r"\*((?:\\.|[^\\*])+)\*[ \t]*")
_YAML_DOUBLE_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_YAML_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


@dataclass(frozen=True, slots=True)
class MarkdownDraft:
    """An edited Markdown draft read back, and the revision its front matter names.

    ``revision`` is ``None`` when the document does not say which revision it was
    printed from.
    """

    article: Article
    revision: int | None


class _Refused(Exception):
    """A line of the document that does not fit, and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")


def read_markdown(text: str, base: Article) -> MarkdownDraft:
    """Read an edited Markdown draft back as the next state of ``base``.

    ``base`` is the revision the document was printed from. Front matter sets
    title, slug, categories, credit, description and language (authors, image,
    date and draft are derived and ignored); the body gives the intro, the turns
    (each opened by its bold label, in the order of the letters), ``## `` headings,
    ``> `` pull quotes (repeating text of a turn), the images by file name, and the
    closing ``*credit*`` line. A turn, paragraph or image the printed document
    showed and this one lacks is left out; text changed in a paragraph is fixed.

    Raises:
        DraftFormatError: the document does not fit; the message names the line
            (``line 12: …``) and the reason.
    """
    try:
        return _read_markdown(text, base)
    except _Refused as exc:
        raise DraftFormatError(str(exc)) from None


@dataclass(slots=True)
class _DocTurn:
    label: str
    line: int
    paragraphs: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    images: list[tuple[int, str, str, str]] = dataclasses.field(default_factory=list)


@dataclass(slots=True)
class _Doc:
    intro: list[str] = dataclasses.field(default_factory=list)
    turns: list[_DocTurn] = dataclasses.field(default_factory=list)
    headings: list[tuple[int, str, int]] = dataclasses.field(default_factory=list)
    quotes: list[tuple[int, str, int]] = dataclasses.field(default_factory=list)
    credit: tuple[int, str] | None = None


def _read_markdown(text: str, base: Article) -> MarkdownDraft:
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, start = _read_front_matter(lines)
    doc = _read_body(lines, start)
    cid_line, cid = front.get("correspondence_id", (0, None))
    if cid is not None and cid != base.correspondence_id:
        raise _Refused(cid_line, f"this is a draft of {cid}, not of {base.correspondence_id}")
    shown = [i for i, turn in enumerate(base.turns) if _turn_shown(turn)]
    matched = _match_turns(doc.turns, base, shown)
    turns = list(base.turns)
    for index in shown:
        if index not in matched.values():
            turns[index] = dataclasses.replace(turns[index], omitted=True)
    for position, index in matched.items():
        turns[index] = _merged_turn(base.turns[index], doc.turns[position])
    article = dataclasses.replace(
        base,
        title=_front_title(front, base),
        slug=_front_slug(front, base),
        categories=_front_categories(front, base),
        language=_front_language(front, base),
        description=_front_description(front, base),
        credit=_credit(front, doc, base),
        intro="\n\n".join(doc.intro),
        turns=tuple(turns),
    )
    article = dataclasses.replace(
        article,
        images=_merged_images(doc, base, matched),
        headings=_merged_headings(doc, base, matched),
    )
    article = dataclasses.replace(article, pull_quotes=_merged_quotes(doc, base, article, matched))
    revision_line, revision = front.get("revision", (0, None))
    if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool)):
        raise _Refused(revision_line, "revision: expected a whole number")
    return MarkdownDraft(ensure_ids(article), revision)


def _read_front_matter(lines: Sequence[str]) -> tuple[dict[str, tuple[int, object]], int]:
    if not lines or lines[0].strip() != "---":
        raise _Refused(1, "the document must start with a '---' line that opens the front matter")
    values: dict[str, tuple[int, object]] = {}
    for index in range(1, len(lines)):
        number, line = index + 1, lines[index]
        if line.strip() == "---":
            return values, index + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            raise _Refused(number, "expected 'key: value' in the front matter")
        key = match.group(1)
        if key not in _FRONT_MATTER_KEYS:
            raise _Refused(
                number, f"unknown key {key!r} (the keys are {', '.join(_FRONT_MATTER_KEYS)})"
            )
        if key in values:
            raise _Refused(number, f"{key} is given twice")
        values[key] = (number, _yaml_value(match.group(2) or "", number))
    raise _Refused(len(lines), "the front matter has no closing '---' line")


def _yaml_value(text: str, line: int) -> object:
    if text.startswith("["):
        items: list[object] = []
        position = 1
        while True:
            position = _skip_spaces(text, position)
            if position < len(text) and text[position] == "]" and not items:
                position += 1
                break
            item, position = _yaml_scalar(text, position, line, in_list=True)
            items.append(item)
            position = _skip_spaces(text, position)
            if position < len(text) and text[position] == ",":
                position += 1
                continue
            if position < len(text) and text[position] == "]":
                position += 1
                break
            raise _Refused(line, 'a list must be written ["a", "b"]')
        _expect_end(text, position, line)
        return items
    value, position = _yaml_scalar(text, 0, line, in_list=False)
    _expect_end(text, position, line)
    return value


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def _expect_end(text: str, position: int, line: int) -> None:
    rest = text[position:].strip()
    if rest and not rest.startswith("#"):
        raise _Refused(line, f"unexpected {rest!r} after the value")


def _yaml_scalar(text: str, position: int, line: int, *, in_list: bool) -> tuple[object, int]:
    if position < len(text) and text[position] == '"':
        return _yaml_double(text, position + 1, line)
    if position < len(text) and text[position] == "'":
        end = position + 1
        out: list[str] = []
        while end < len(text):
            if text[end] == "'":
                if text[end + 1 : end + 2] == "'":
                    out.append("'")
                    end += 2
                    continue
                return "".join(out), end + 1
            out.append(text[end])
            end += 1
        raise _Refused(line, "a value in single quotes has no closing quote")
    end = position
    while end < len(text) and not (in_list and text[end] in ",]"):
        if text[end] == "#" and (end == 0 or text[end - 1] in " \t"):
            break
        end += 1
    plain = text[position:end].strip()
    if plain in ("", "~", "null"):
        return None, end
    if plain in ("true", "false"):
        return plain == "true", end
    if _PLAIN_INT.fullmatch(plain):
        return int(plain), end
    return plain, end


def _yaml_double(text: str, position: int, line: int) -> tuple[str, int]:
    out: list[str] = []
    while position < len(text):
        char = text[position]
        if char == '"':
            return "".join(out), position + 1
        if char != "\\":
            out.append(char)
            position += 1
            continue
        code = text[position + 1 : position + 2]
        if code in _YAML_DOUBLE_ESCAPES:
            out.append(_YAML_DOUBLE_ESCAPES[code])
            position += 2
        elif code in _YAML_HEX_ESCAPES:
            width = _YAML_HEX_ESCAPES[code]
            digits = text[position + 2 : position + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise _Refused(line, f"\\{code} needs {width} hexadecimal digits")
            out.append(chr(int(digits, 16)))
            position += 2 + width
        else:
            raise _Refused(line, f"unknown escape \\{code} in a quoted value")
    raise _Refused(line, "a value in double quotes has no closing quote")


def _front_text(front: Mapping[str, tuple[int, object]], key: str, default: str) -> tuple[int, str]:
    line, value = front.get(key, (0, default))
    if value is None:
        return line, ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Refused(line, f"{key}: expected text")
    return line, str(value)


def _front_title(front: Mapping[str, tuple[int, object]], base: Article) -> str:
    line, title = _front_text(front, "title", base.title)
    if not _tidy(title):
        raise _Refused(line, "title: a title cannot be empty")
    return _tidy(title)


def _front_slug(front: Mapping[str, tuple[int, object]], base: Article) -> str:
    line, slug = _front_text(front, "slug", base.slug)
    if slug == base.slug:
        return _following_slug(base, _front_title(front, base))
    if not slugify(slug):
        raise _Refused(line, f"slug: {slug!r} leaves no slug (letters or digits needed)")
    return slugify(slug)


def _front_categories(front: Mapping[str, tuple[int, object]], base: Article) -> tuple[str, ...]:
    line, value = front.get("categories", (0, list(base.categories)))
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Refused(line, 'categories: expected a list of labels, ["A", "B"]')
    return tuple(dict.fromkeys(c for c in map(_tidy, value) if c))


def _front_language(front: Mapping[str, tuple[int, object]], base: Article) -> str:
    line, language = _front_text(front, "language", base.language)
    if language not in LANGUAGES:
        raise _Refused(line, f"language: expected nl or en, not {language!r}")
    return language


def _front_description(front: Mapping[str, tuple[int, object]], base: Article) -> str:
    _, printed = _front_text(front, "description", describe(base))
    # The printed description is the derived one unless the editor set their own:
    # only a changed line becomes the editor's.
    if _tidy(printed) == _tidy(describe(base)):
        return base.description
    return _tidy(printed)


def _credit(front: Mapping[str, tuple[int, object]], doc: _Doc, base: Article) -> str:
    _, in_front = _front_text(front, "credit", base.credit)
    in_body = doc.credit[1] if doc.credit else ""
    # The credit stands twice; whichever copy the editor changed is the new one.
    changed = {_tidy(v) for v in (in_front, in_body) if _tidy(v) != _tidy(base.credit)}
    if not changed:
        return base.credit
    if len(changed) > 1:
        line = doc.credit[0] if doc.credit else 1
        raise _Refused(line, "the credit line and credit in the front matter differ; change one")
    return changed.pop()


def _unescape(text: str) -> str:
    return _MD_ESCAPED.sub(r"\1", text)


def _paragraph_text(lines: Sequence[str]) -> str:
    return "\n".join(_unescape(line).rstrip() for line in lines).strip()


def _body_blocks(lines: Sequence[str], start: int) -> list[tuple[int, list[str]]]:
    found: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for index in range(start, len(lines)):
        if lines[index].strip():
            if not current:
                found.append((index + 1, current))
            current.append(lines[index])
        else:
            current = []
    return found


def _read_body(lines: Sequence[str], start: int) -> _Doc:
    doc = _Doc()
    body = _body_blocks(lines, start)
    pending: list[tuple[int, str]] = []
    for position, (number, block) in enumerate(body):
        first = block[0]
        heading = _HEADING_LINE.fullmatch(first) if first.startswith("#") else None
        if heading is not None or first.startswith("#"):
            if heading is None or heading.group(1) != "##" or not heading.group(2):
                raise _Refused(number, "a heading is written '## text' (only ## headings)")
            if len(block) > 1:
                raise _Refused(number + 1, "a heading is one line")
            pending.append((number, _tidy(_unescape(heading.group(2)))))
            continue
        if first.startswith(">"):
            if doc.turns == [] or pending:
                raise _Refused(number, "a pull quote must follow a turn")
            for offset, line in enumerate(block):
                if not line.startswith(">"):
                    raise _Refused(number + offset, "every line of a pull quote starts with '>'")
            quote = _tidy(" ".join(_unescape(line[1:]) for line in block))
            if not quote:
                raise _Refused(number, "a pull quote cannot be empty")
            doc.quotes.append((number, quote, len(doc.turns) - 1))
            continue
        if first.startswith("!["):
            image = _IMAGE_LINE.fullmatch(first)
            if image is None or len(block) > 1:
                raise _Refused(number, 'an image is one line: ![caption](file "credit")')
            if not doc.turns or pending:
                raise _Refused(number, "an image must stand in a turn")
            caption, filename, credit = image.groups()
            doc.turns[-1].images.append(
                (
                    number,
                    urllib.parse.unquote(filename),
                    _tidy(_unescape(caption)),
                    _tidy(_unescape(credit or "")),
                )
            )
            continue
        label = _TURN_START.fullmatch(first)
        if label is not None:
            opened = _DocTurn(_tidy(_unescape(label.group(1))), number)
            opening = [label.group(2) or "", *block[1:]]
            if _paragraph_text(opening):
                opened.paragraphs.append((number, _paragraph_text(opening)))
            doc.turns.append(opened)
            doc.headings += [(line, text, len(doc.turns) - 1) for line, text in pending]
            pending = []
            continue
        credit = _CREDIT_LINE.fullmatch(first) if not first.startswith("**") else None
        if credit is not None and len(block) == 1 and position == len(body) - 1:
            doc.credit = (number, _tidy(_unescape(credit.group(1))))
            continue
        text = _paragraph_text(block)
        if _PRIVATE_MARKER.match(text):
            raise _Refused(number, "a private paragraph cannot be published")
        if pending:
            raise _Refused(number, "text after a heading must open a turn, like '**Name:** …'")
        if doc.turns:
            doc.turns[-1].paragraphs.append((number, text))
        elif doc.quotes:  # pragma: no cover - a quote before any turn is refused above
            raise _Refused(number, "text must belong to the intro or to a turn")
        else:
            doc.intro.append(text)
    if pending:
        raise _Refused(pending[0][0], "a heading must stand before a turn")
    for turn in doc.turns:
        if not turn.paragraphs:
            raise _Refused(turn.line, "a turn needs text; delete the whole turn to leave it out")
    return doc


def _match_turns(doc: Sequence[_DocTurn], base: Article, shown: Sequence[int]) -> dict[int, int]:
    """Which shown turn of ``base`` each turn of the document is: same label, same order.

    Of all matchings that keep the order, the one whose texts agree best wins, so
    deleting one of two turns of the same writer leaves out the one that is gone.
    """
    labels_ = [_tidy(base.turns[i].label) for i in shown]
    next_free = 0
    for turn in doc:
        while next_free < len(shown) and labels_[next_free] != turn.label:
            next_free += 1
        if next_free == len(shown):
            known = ", ".join(dict.fromkeys(labels_))
            raise _Refused(
                turn.line,
                f"'{turn.label}:' does not match a letter here: turns keep the order of the "
                f"letters and the writers' labels ({known})",
            )
        next_free += 1

    def words(text: str) -> frozenset[str]:
        return frozenset(_words(text))

    doc_words = [words(" ".join(p for _, p in turn.paragraphs)) for turn in doc]
    base_words = [words(" ".join(base.turns[i].shown_paragraphs)) for i in shown]
    impossible = -1.0
    rows, columns = len(doc), len(shown)
    best = [[0.0] * (columns + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        best[i][columns] = impossible
        for j in range(columns - 1, -1, -1):
            score = best[i][j + 1]
            if labels_[j] == doc[i].label and best[i + 1][j + 1] != impossible:
                union = doc_words[i] | base_words[j]
                similarity = len(doc_words[i] & base_words[j]) / len(union) if union else 1.0
                score = max(score, 1.0 + similarity + best[i + 1][j + 1])
            best[i][j] = score
    matched: dict[int, int] = {}
    i = j = 0
    while i < rows:
        if best[i][j] == best[i][j + 1]:
            j += 1
            continue
        matched[i] = shown[j]
        i += 1
        j += 1
    return matched


def _merged_turn(turn: Turn, doc: _DocTurn) -> Turn:
    """The turn with the document's paragraphs: equal ones kept, changed ones fixed, missing
    ones left out, and the paragraphs that were left out before kept in their places."""
    shown = [i for i in range(len(turn.paragraphs)) if i not in turn.omitted_paragraphs]
    texts = [text for _, text in doc.paragraphs]
    result: list[tuple[str, bool]] = []
    done = 0

    def hidden_until(index: int) -> None:
        nonlocal done
        for k in range(done, index):
            if k in turn.omitted_paragraphs:
                result.append((turn.paragraphs[k], True))
        done = max(done, index + 1)

    matcher = difflib.SequenceMatcher(
        None, [turn.paragraphs[i] for i in shown], texts, autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = min(i2 - i1, j2 - j1) if tag in ("equal", "replace") else 0
        for k in range(pairs):
            hidden_until(shown[i1 + k])
            result.append((texts[j1 + k], False))
        for i in range(i1 + pairs, i2):
            hidden_until(shown[i])
            result.append((turn.paragraphs[shown[i]], True))
        result.extend((texts[j], False) for j in range(j1 + pairs, j2))
    hidden_until(len(turn.paragraphs))
    paragraphs: list[str] = []
    omitted: list[int] = []
    for text, left_out in result:
        for piece in split_paragraphs(text):
            if left_out:
                omitted.append(len(paragraphs))
            paragraphs.append(piece)
    return dataclasses.replace(
        turn, paragraphs=tuple(paragraphs), omitted=False, omitted_paragraphs=tuple(omitted)
    )


def _image_shown(article: Article, image: Image) -> bool:
    if image.omitted or not article.turns:
        return False
    return _turn_shown(article.turns[min(max(image.turn, 0), len(article.turns) - 1)])


def _heading_shown(article: Article, heading: Heading) -> bool:
    if not article.turns:
        return True
    start = min(max(heading.before_turn, 0), len(article.turns) - 1)
    return any(_turn_shown(turn) for turn in article.turns[start:])


def _merged_images(doc: _Doc, base: Article, matched: Mapping[int, int]) -> tuple[Image, ...]:
    given: dict[str, Image] = {}
    by_name = {image.filename: image for image in base.images}
    for position, turn in enumerate(doc.turns):
        for line, filename, caption, credit in turn.images:
            if filename not in by_name:
                known = ", ".join(by_name) or "none"
                raise _Refused(line, f"there is no image {filename!r} in this draft ({known})")
            if filename in given:
                raise _Refused(line, f"the image {filename!r} stands twice")
            given[filename] = dataclasses.replace(
                by_name[filename],
                caption=caption,
                credit=credit,
                turn=matched[position],
                omitted=False,
            )
    return tuple(
        given.get(image.filename)
        or (dataclasses.replace(image, omitted=True) if _image_shown(base, image) else image)
        for image in base.images
    )


def _keep_ids(doc_texts: Sequence[str], base_items: Sequence[tuple[str, str]]) -> list[str]:
    """An id for each text of the document: the base item with the same text, else the
    next unclaimed base item in order (an edited one), else a new id (``""``)."""
    ids = [""] * len(doc_texts)
    free = list(base_items)
    for index, text in enumerate(doc_texts):
        for item in free:
            if item[1] == text:
                ids[index] = item[0]
                free.remove(item)
                break
    for index in range(len(doc_texts)):
        if not ids[index] and free:
            ids[index] = free.pop(0)[0]
    return ids


def _merged_headings(doc: _Doc, base: Article, matched: Mapping[int, int]) -> tuple[Heading, ...]:
    base = ensure_ids(base)
    shown = [h for h in base.headings if _heading_shown(base, h)]
    ids = _keep_ids([text for _, text, _ in doc.headings], [(h.id, h.text) for h in shown])
    hidden = [h for h in base.headings if h not in shown]
    placed = [
        Heading(text, matched[turn], id_)
        for (_, text, turn), id_ in zip(doc.headings, ids, strict=True)
    ]
    return (*placed, *hidden)


def _merged_quotes(
    doc: _Doc, base: Article, article: Article, matched: Mapping[int, int]
) -> tuple[PullQuote, ...]:
    base = ensure_ids(base)
    shown = [q for q in base.pull_quotes if quote_shown(base, q)]
    ids = _keep_ids([text for _, text, _ in doc.quotes], [(q.id, q.text) for q in shown])
    text = _shown_text(article)
    placed = []
    for (line, quote, turn), id_ in zip(doc.quotes, ids, strict=True):
        if quote not in text and quote not in {q.text for q in shown}:
            raise _Refused(line, "a pull quote repeats text of a turn, and this one is not there")
        placed.append(PullQuote(quote, matched[turn], id_))
    hidden = [q for q in base.pull_quotes if q not in shown]
    return (*placed, *hidden)
