"""Tests for penpal.languages: the fixed words and dates of Dutch and English."""

from __future__ import annotations

from datetime import date

import pytest

from penpal.languages import LANGUAGES, format_date, labels


def test_format_date_in_both_languages() -> None:
    """Dates are written out with the month's name as readers of the language expect."""
    assert format_date(date(2026, 11, 20), "nl") == "20 november 2026"
    assert format_date(date(2026, 3, 1), "en") == "1 March 2026"


def test_each_language_has_every_label() -> None:
    """Dutch and English name the same fixed words, so a template never misses one."""
    assert LANGUAGES == ("nl", "en")
    assert set(labels("nl")) == set(labels("en"))
    assert labels("nl")["locale"] == "nl_NL"
    assert labels("en")["reading_time"].format(minutes=3) == "3 min read"


def test_unsupported_language_is_refused() -> None:
    """Only nl and en have labels and month names; anything else is a programming error."""
    with pytest.raises(ValueError, match="unsupported language 'fr': expected nl or en"):
        labels("fr")
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        format_date(date(2026, 1, 1), "de")
