"""An edited Markdown draft read back into the article it was printed from.

``penpal draft ID --format md`` prints the draft in the form of ``article.md.j2``;
the editor edits it and ``--update`` reads it back against the revision it was
printed from. What the document leaves out that the printed one showed is left
out of the article (and can be brought back); what it never showed (text left
out before) is kept as it was. Only the small YAML subset the template writes is
read in the front matter. This module must not read files, a clock or a
configuration, and refuses a private paragraph rather than publish it.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from penpal.editing import (
    describe,
    ensure_ids,
    following_slug,
    quote_shown,
    shown_text,
    turn_shown,
)
from penpal.errors import DraftFormatError
from penpal.languages import LANGUAGES
from penpal.letters import Article, Heading, Image, PullQuote, Turn
from penpal.prose import is_private, slugify, split_paragraphs, tidy, words

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
    shown = [i for i, turn in enumerate(base.turns) if turn_shown(turn)]
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
    if not tidy(title):
        raise _Refused(line, "title: a title cannot be empty")
    return tidy(title)


def _front_slug(front: Mapping[str, tuple[int, object]], base: Article) -> str:
    line, slug = _front_text(front, "slug", base.slug)
    if slug == base.slug:
        return following_slug(base, _front_title(front, base))
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
    return tuple(dict.fromkeys(c for c in map(tidy, value) if c))


def _front_language(front: Mapping[str, tuple[int, object]], base: Article) -> str:
    line, language = _front_text(front, "language", base.language)
    if language not in LANGUAGES:
        raise _Refused(line, f"language: expected nl or en, not {language!r}")
    return language


def _front_description(front: Mapping[str, tuple[int, object]], base: Article) -> str:
    _, printed = _front_text(front, "description", describe(base))
    # The printed description is the derived one unless the editor set their own:
    # only a changed line becomes the editor's.
    if tidy(printed) == tidy(describe(base)):
        return base.description
    return tidy(printed)


def _credit(front: Mapping[str, tuple[int, object]], doc: _Doc, base: Article) -> str:
    _, in_front = _front_text(front, "credit", base.credit)
    in_body = doc.credit[1] if doc.credit else ""
    # The credit stands twice; whichever copy the editor changed is the new one.
    changed = {tidy(v) for v in (in_front, in_body) if tidy(v) != tidy(base.credit)}
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
            pending.append((number, tidy(_unescape(heading.group(2)))))
            continue
        if first.startswith(">"):
            if doc.turns == [] or pending:
                raise _Refused(number, "a pull quote must follow a turn")
            for offset, line in enumerate(block):
                if not line.startswith(">"):
                    raise _Refused(number + offset, "every line of a pull quote starts with '>'")
            quote = tidy(" ".join(_unescape(line[1:]) for line in block))
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
                    tidy(_unescape(caption)),
                    tidy(_unescape(credit or "")),
                )
            )
            continue
        label = _TURN_START.fullmatch(first)
        if label is not None:
            opened = _DocTurn(tidy(_unescape(label.group(1))), number)
            opening = [label.group(2) or "", *block[1:]]
            if _paragraph_text(opening):
                opened.paragraphs.append((number, _paragraph_text(opening)))
            doc.turns.append(opened)
            doc.headings += [(line, text, len(doc.turns) - 1) for line, text in pending]
            pending = []
            continue
        credit = _CREDIT_LINE.fullmatch(first) if not first.startswith("**") else None
        if credit is not None and len(block) == 1 and position == len(body) - 1:
            doc.credit = (number, tidy(_unescape(credit.group(1))))
            continue
        text = _paragraph_text(block)
        if is_private(text):
            raise _Refused(number, "a private paragraph cannot be published")
        if pending:
            raise _Refused(number, "text after a heading must open a turn, like '**Name:** …'")
        if doc.turns:
            doc.turns[-1].paragraphs.append((number, text))
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
    labels_ = [tidy(base.turns[i].label) for i in shown]
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

    def vocabulary(text: str) -> frozenset[str]:
        return frozenset(words(text))

    doc_words = [vocabulary(" ".join(p for _, p in turn.paragraphs)) for turn in doc]
    base_words = [vocabulary(" ".join(base.turns[i].shown_paragraphs)) for i in shown]
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
        # Shown paragraphs come in order, so all between the last one and this were left out.
        nonlocal done
        result.extend((turn.paragraphs[k], True) for k in range(done, index))
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
    return turn_shown(article.turns[min(max(image.turn, 0), len(article.turns) - 1)])


def _heading_shown(article: Article, heading: Heading) -> bool:
    if not article.turns:
        return True
    start = min(max(heading.before_turn, 0), len(article.turns) - 1)
    return any(turn_shown(turn) for turn in article.turns[start:])


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
    text = shown_text(article)
    placed = []
    for (line, quote, turn), id_ in zip(doc.quotes, ids, strict=True):
        if quote not in text and quote not in {q.text for q in shown}:
            raise _Refused(line, "a pull quote repeats text of a turn, and this one is not there")
        placed.append(PullQuote(quote, matched[turn], id_))
    hidden = [q for q in base.pull_quotes if q not in shown]
    return (*placed, *hidden)
