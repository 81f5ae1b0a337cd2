"""A draft as the draft page shows it, remembered by revision so that a view costs no rebuild.

Reading a draft's JSON back into an :class:`~penpal.letters.Article`, rendering
its fragment with the article templates and cleaning that with nh3 take longer
than the rest of the draft page together, and give the same result every time
for one revision: a revision is never changed once saved (the next edit saves the
next one). :class:`Previews` keeps the most recent few, keyed by correspondence,
revision and the moment the revision was saved, within one app (one set of
templates and routes). This module builds and remembers; it must not read the
store or a request, and must never hand out a view under another key than the
one it was built for.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from penpal.letters import Article, PullQuote

PREVIEWS_KEPT = 32
"""How many draft views an app remembers: enough for the drafts editors are working on."""


@dataclass(frozen=True, slots=True)
class TurnChoice:
    """A turn as the panel's selects name it."""

    index: int
    label: str


def _tidy(text: str) -> str:
    return " ".join(text.split())


def turn_choices(article: Article) -> list[TurnChoice]:
    """Each turn as "3. Carola: first words…", for the selects of the edit panel."""
    choices = []
    for index, turn in enumerate(article.turns):
        first = _tidy(turn.paragraphs[0]) if turn.paragraphs else ""
        if len(first) > 40:
            first = first[:39].rstrip() + "…"
        choices.append(TurnChoice(index, f"{index + 1}. {turn.label}: {first}"))
    return choices


def open_suggestions(article: Article) -> list[PullQuote]:
    """Suggested pull quotes that are not placed yet and repeat text that is shown."""
    shown = _tidy(" ".join(p for turn in article.turns for p in turn.shown_paragraphs))
    placed = {_tidy(q.text) for q in article.pull_quotes}
    return [
        quote
        for quote in article.suggestions.pull_quotes
        if _tidy(quote.text) not in placed and _tidy(quote.text) in shown
    ]


@dataclass(frozen=True, slots=True)
class DraftView:
    """One revision of a draft, ready for the page: the article, its cleaned preview, the choices.

    ``preview`` is the article fragment as published, already cleaned by nh3.
    """

    article: Article
    preview: Markup
    turns: tuple[TurnChoice, ...]
    suggested_quotes: tuple[PullQuote, ...]


PreviewKey = tuple[str, int, datetime]
"""Correspondence id, revision, and when that revision was saved."""


class Previews:
    """The most recently shown draft views of one app, at most ``size`` of them."""

    def __init__(self, size: int = PREVIEWS_KEPT) -> None:
        self._size = max(size, 0)
        self._kept: OrderedDict[PreviewKey, DraftView] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def find(self, key: PreviewKey) -> DraftView | None:
        """The view kept under ``key``, if it is still kept."""
        view = self._kept.get(key)
        if view is not None:
            self._kept.move_to_end(key)
        return view

    def keep(self, key: PreviewKey, view: DraftView) -> None:
        """Remember ``view`` under ``key``; past the bound, the least recently used goes."""
        if not self._size:
            return
        self._kept[key] = view
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)
