"""Title and pull-quote suggestions: the sentences of the turns that could stand alone.

Every sentence of the turns is asked whether it reads without its letter (no
reply to a named writer, no leaning on what came before, no link or markup) and
how well it would serve as a quoted title or a pull quote; the best are ranked
and spread over both writers and the whole exchange. Suggestions are proposals
beside the article: this module never places one in it (the editor picks), and
it must not read files, a clock or a configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from penpal.letters import Correspondence, PullQuote, Turn
from penpal.prose import split_sentences, words

MAX_TITLE_SUGGESTIONS = 5
MAX_PULL_QUOTE_SUGGESTIONS = 8


def _word_list(text: str) -> frozenset[str]:
    return frozenset(text.split())


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


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A sentence that might be quoted, with where it stands and how well it reads alone."""

    text: str
    turn: int
    writer: str
    position: int
    score: int


def writer_names(correspondence: Correspondence, turns: Sequence[Turn]) -> frozenset[str]:
    """The words of the writers' labels, lower case: a sentence naming one answers someone."""
    labels_ = [w.turn_label for w in correspondence.writers] + [t.label for t in turns]
    return frozenset(word for label in labels_ for word in words(label))


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


def _standalone(sentence: str, tokens: Sequence[str], names: frozenset[str]) -> bool:
    lowered = sentence.lower()
    if not tokens or any(marker in lowered for marker in _NOT_STANDALONE):
        return False
    if tokens[0] in _CONTEXT_WORDS or sentence[-1] in ",:;-\u2013(":
        return False
    # A sentence that names a writer answers or addresses someone: it needs its letter.
    return not names.intersection(tokens)


def _voice(tokens: Sequence[str]) -> int:
    """First person reads as a confession, second person as a reply: one lifts, one sinks."""
    score = 1 if _FIRST_PERSON.intersection(tokens) else 0
    return score - (2 if _SECOND_PERSON.intersection(tokens) else 0)


def _title_score(sentence: str, tokens: Sequence[str]) -> int:
    if not 3 <= len(tokens) <= 12 or len(sentence) > 80:
        return 0
    score = 4 if 4 <= len(tokens) <= 8 else 2
    if sentence.endswith("?"):
        score += 1
    return score + _voice(tokens)


def _pull_quote_score(sentence: str, tokens: Sequence[str]) -> int:
    if not 8 <= len(tokens) <= 30 or len(sentence) > 200:
        return 0
    score = 4 if 12 <= len(tokens) <= 22 else 2
    return score + _voice(tokens)


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
                tokens = words(sentence)
                key = sentence.casefold()
                if key in seen or not _standalone(sentence, tokens, names):
                    continue
                points = score(sentence, tokens)
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
