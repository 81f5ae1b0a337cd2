"""An article's text cut into its parts: paragraphs, sentences, words and slugs.

The smallest pieces the article modules share: paragraphs split on blank lines,
the privacy marker that keeps a paragraph out of every output, whitespace tidied
for comparing texts, sentences that abbreviations do not end, the words of a
sentence, and the ASCII slug of a title. Plain functions of strings: this module
knows nothing of letters or articles, and must not read files, a clock or a
configuration.
"""

from __future__ import annotations

import re
import unicodedata


def _word_list(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Paragraphs that carry a privacy marker are cut by parsing already; checking the
# marker in the article modules as well keeps "never published" true even if a
# body slipped through.
_PRIVATE_MARKER = re.compile(r"^\s*\[(?:private|privé|prive)\]", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n\s*\n")

# A sentence ends at . ! ? or … (optionally followed by a closing quote or bracket)
# and whitespace; fixed-width lookbehinds, one per shape.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”\u2019»)]))\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_ABBREVIATIONS = _word_list("dr mr mrs ms prof dhr mevr mw st bijv vs etc nr ca resp zgn jr sr")

_SLUG_LENGTH = 60
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


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Text cut into paragraphs on blank lines: line endings normalised, stripped, none empty."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = (
        "\n".join(line.rstrip() for line in p.strip().split("\n")) for p in _BLANK_LINE.split(text)
    )
    return tuple(p for p in pieces if p)


def is_private(paragraph: str) -> bool:
    """Whether a paragraph opens with a privacy marker (``[private]``, ``[privé]``)."""
    return _PRIVATE_MARKER.match(paragraph) is not None


def tidy(text: str) -> str:
    """Whitespace collapsed: how quotes and headings are compared with the text around them."""
    return " ".join(text.split())


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


def words(text: str) -> list[str]:
    """The words of ``text`` in lower case, with a typographic apostrophe made straight."""
    return [w.replace("\u2019", "'").lower() for w in _WORD.findall(text)]


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
