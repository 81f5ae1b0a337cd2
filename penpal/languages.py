"""The two languages an article is written in, and the fixed words and dates of each.

An article is compiled and rendered in Dutch (``nl``) or English (``en``); this
module holds that list, the words every article prints around the writers' text
(the intro's sentence, "min read", "Published on"…) and the names of the months,
so a date reads as readers of the language write it. Data and lookups only: it
must not render, read files or consult a configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

LANGUAGES = ("nl", "en")
"""The languages an article can be compiled and rendered in."""

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
