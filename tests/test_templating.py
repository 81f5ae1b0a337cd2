"""Tests for penpal.templating: the environment, template overrides and escaping filters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import jinja2
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from penpal.articles import compile_article, render_html, render_markdown
from penpal.errors import ConfigError
from penpal.letters import (
    Article,
    Correspondence,
    CorrespondenceId,
    Extraction,
    Letter,
    LetterId,
    State,
    Writer,
)
from penpal.templating import (
    autoescapes,
    markdown_attribute,
    markdown_line,
    markdown_text,
    markdown_url,
    template_environment,
    yaml_value,
)

WRITER = Writer(email="ruben@mail.example", name="Ruben Maas")
PARTNER = Writer(email="fleur@mail.example", name="Fleur de Wit")


def article(title: str = "Werk & <leven>") -> Article:
    correspondence = Correspondence(
        id=CorrespondenceId("p7x2wd"),
        topic=title,
        state=State.COMPLETE,
        writers=(WRITER, PARTNER),
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    letter = Letter(
        id=LetterId(1),
        correspondence_id=correspondence.id,
        writer=WRITER,
        date=datetime(2026, 10, 2, tzinfo=UTC),
        subject=title,
        message_id="one@mail.example",
        extraction=Extraction(text="Hallo.", body="Hallo."),
    )
    return compile_article(correspondence, [letter], language="nl", revision=1)


def test_html_templates_autoescape_and_others_do_not() -> None:
    """Autoescaping follows the name with its .j2-style suffix set aside."""
    assert autoescapes("article.html.j2")
    assert autoescapes("email/notice.HTML.jinja2")
    assert autoescapes("feed.xml")
    assert autoescapes("page.htm.jinja")
    assert not autoescapes("article.md.j2")
    assert not autoescapes("relay.txt.j2")
    assert not autoescapes(None)


def test_undefined_variables_are_errors() -> None:
    """A template that uses a variable nobody passed fails instead of printing nothing."""
    env = template_environment()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_built_in_templates_render_without_an_override() -> None:
    """The package's own templates are found with no override folder."""
    env = template_environment()
    assert '<html lang="nl">' in render_html(article(), env)
    assert render_markdown(article(), env).startswith("---\ntitle: ")


def test_override_folder_wins_over_the_built_in_template(tmp_path: Path) -> None:
    """A template of the same name in the override folder is used instead of the built-in."""
    (tmp_path / "article.md.j2").write_text("Our own: {{ article.title }}\n", encoding="utf-8")
    env = template_environment(tmp_path)
    assert render_markdown(article(), env) == "Our own: Werk & <leven>\n"
    # A template the folder does not have still comes from the package.
    assert render_html(article(), env).startswith("<!DOCTYPE html>")


def test_override_can_wrap_the_built_in_one_and_is_escaped(tmp_path: Path) -> None:
    """An override reaches the built-in as builtin/NAME, and the page picks up the override."""
    (tmp_path / "article.fragment.html.j2").write_text(
        '<div class="magazine" title="{{ article.title }}">'
        '{% include "builtin/article.fragment.html.j2" %}</div>',
        encoding="utf-8",
    )
    page = render_html(article(), template_environment(tmp_path))
    assert '<div class="magazine" title="Werk &amp; &lt;leven&gt;"><article' in page
    assert "<h1>Werk &amp; &lt;leven&gt;</h1>" in page


def test_override_folder_that_is_not_a_folder_is_a_config_error(tmp_path: Path) -> None:
    """A missing templates folder is reported as a configuration error naming the key."""
    with pytest.raises(ConfigError, match=r"^service\.templates: .*nowhere: not a folder$"):
        template_environment(tmp_path / "nowhere")


def test_each_built_in_template_opens_with_a_comment_listing_its_variables() -> None:
    """Every built-in template starts with a comment that names what it expects."""
    folder = resources.files("penpal") / "templates"
    names = [p.name for p in folder.iterdir() if p.name.startswith("article.")]
    assert sorted(names) == ["article.fragment.html.j2", "article.html.j2", "article.md.j2"]
    for name in names:
        text = (folder / name).read_text(encoding="utf-8")
        assert text.startswith("{#")
        assert "Variables:" in text.split("#}", 1)[0]


def test_date_filter_writes_dates_in_the_language() -> None:
    """The date filter writes a date in words in the given language."""
    env = template_environment()
    template = env.from_string("{{ day | date('nl') }} / {{ day | date('en') }}")
    assert template.render(day=date(2026, 5, 4)) == "4 mei 2026 / 4 May 2026"


# --------------------------------------------------------------------- YAML


def test_yaml_values() -> None:
    """Scalars, dates and lists get their YAML flow form; strings are always quoted."""
    assert yaml_value(None) == "null"
    assert yaml_value(True) == "true"
    assert yaml_value(False) == "false"
    assert yaml_value(12) == "12"
    assert yaml_value(date(2026, 11, 20)) == "2026-11-20"
    assert yaml_value(datetime(2026, 11, 20, 9, 14, tzinfo=UTC)) == "2026-11-20T09:14:00+00:00"
    assert yaml_value("no") == '"no"'
    assert yaml_value(["a: b", ("c", 1)]) == '["a: b", ["c", 1]]'
    assert yaml_value(()) == "[]"
    assert yaml_value('tab\there "q" \\ \x00\x1b\u2029\uffff😀') == (
        '"tab\\there \\"q\\" \\\\ \\0\\e\\u2029\\uffff😀"'
    )
    with pytest.raises(TypeError, match="no YAML form for dict"):
        yaml_value({"a": 1})


@given(st.text())
def test_yaml_strings_read_back_unchanged(text: str) -> None:
    """Whatever a string holds, a YAML parser reads back exactly that string."""
    assert yaml.safe_load(f"key: {yaml_value(text)}\n") == {"key": text}


# ----------------------------------------------------------------- Markdown

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape(markdown: str) -> str:
    """What CommonMark makes of backslash escapes: the character itself."""
    return _UNESCAPE.sub(r"\1", markdown)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# a\n## b", "\\# a\n\\## b"),
        ("> quote", "\\> quote"),
        ("- item\n+ item\n  * item", "\\- item\n\\+ item\n  \\* item"),
        ("1. one\n12) twelve\n2026 was", "1\\. one\n12\\) twelve\n2026 was"),
        ("Title\n===\n---", "Title\n\\===\n\\---"),
        ("~~~\n| a | b |", "\\~~~\n\\| a | b |"),
        ("<b>x</b> & &amp; &#39;", "\\<b>x\\</b> & \\&amp; \\&#39;"),
        ("`code` *em* _em_ [l](u) \\", "\\`code\\` \\*em\\* \\_em\\_ \\[l\\](u) \\\\"),
        ("plain text, #hashtag, 3.5 > 2", "plain text, #hashtag, 3.5 > 2"),
    ],
    ids=["heading", "quote", "list", "ordered", "setext", "fence-table", "html", "inline", "plain"],
)
def test_markdown_text_escapes_what_would_be_markup(text: str, escaped: str) -> None:
    """Line starts and inline markup are backslash-escaped; plain prose is left alone."""
    assert markdown_text(text) == escaped


@given(st.text())
def test_markdown_escaping_is_undone_exactly_by_commonmark_rules(text: str) -> None:
    """Escaping only adds backslashes a Markdown reader removes again."""
    assert unescape(markdown_text(text)) == text


def test_markdown_line_attribute_and_url() -> None:
    """One-line text escapes every #, attributes also quotes, URLs are percent-encoded."""
    assert markdown_line("  Why #1\nmatters ##  ") == "Why \\#1 matters \\#\\#"
    assert markdown_line("# top") == "\\# top"
    assert markdown_attribute('Say "hi"') == 'Say \\"hi\\"'
    assert markdown_url("../my photo (1).jpg") == "..%2Fmy%20photo%20%281%29.jpg"
