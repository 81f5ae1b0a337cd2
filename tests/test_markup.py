"""Tests for penpal.markup: HTML mail to text, without the mail program's quote containers."""

from __future__ import annotations

import inspect
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from penpal.letters import CutKind
from penpal.markup import HtmlText, html_to_text


def test_paragraphs_emphasis_links_and_lists() -> None:
    """Paragraphs get one blank line; emphasis, links and list items are kept as text marks."""
    result = html_to_text(
        "<p>Lieve <b>Carola</b>,</p><p>Lees <a href='https://x.example/a'>dit stuk</a>, "
        "<em>echt</em>.<br>Tweede regel.</p><ul><li>een</li><li>twee</li></ul>"
    )
    assert result.text == (
        "Lieve **Carola**,\n\nLees [dit stuk](https://x.example/a), *echt*.\n"
        "Tweede regel.\n\n- een\n- twee"
    )


def test_gmail_div_lines_and_blank_divs() -> None:
    """Gmail's one-div-per-line layout with <div><br></div> blank lines keeps its paragraphs."""
    result = html_to_text("<div>Hoi,</div><div><br></div><div>Regel een</div><div>Regel twee</div>")
    assert result.text == "Hoi,\n\nRegel een\nRegel twee"


@pytest.mark.parametrize(
    ("container", "reason"),
    [
        (
            '<div class="gmail_quote"><div class="gmail_attr">Op … schreef C:</div>'
            "<blockquote>oud</blockquote></div>",
            "Gmail",
        ),
        ('<blockquote type="cite"><div>On … wrote:</div>oud</blockquote>', "cited blockquote"),
        (
            '<div class="moz-cite-prefix">Op … schreef C:</div>'
            '<blockquote type="cite">oud</blockquote>',
            "Thunderbird",
        ),
        ('<div class="yahoo_quoted">On … wrote: oud</div>', "Yahoo"),
        ('<hr><div id="divRplyFwdMsg"><b>Van:</b> C</div><div>oud</div>', "Outlook"),
        (
            "<div><div style='border:none;border-top:solid #E1E1E1 1.0pt'>"
            "<p><b>Van:</b> C</p></div></div>"
            "<p>oud</p>",
            "Outlook",
        ),
    ],
    ids=["gmail", "apple", "thunderbird", "yahoo", "outlook-web", "outlook-desktop"],
)
def test_quote_containers_are_removed_and_reported(container: str, reason: str) -> None:
    """Each client's quote container is taken out before rendering and listed as a quote cut."""
    result = html_to_text(f"<div>Nieuwe tekst.</div>{container}")
    assert result.text == "Nieuwe tekst."
    assert len(result.removed) >= 1
    assert all(cut.kind is CutKind.QUOTE for cut in result.removed)
    assert reason in result.removed[-1].reason or reason in result.removed[0].reason
    assert "oud" in " ".join(cut.text for cut in result.removed)


def test_border_top_without_header_is_content() -> None:
    """A styled box that does not start with a From: line is part of the letter."""
    result = html_to_text("<p>Een</p><div style='border-top:solid red 1pt'>Kader</div><p>Twee</p>")
    assert result.text == "Een\n\nKader\n\nTwee"


def test_signature_container_becomes_a_signature_block() -> None:
    """Gmail's signature container is preceded by a '-- ' line for extraction to cut."""
    result = html_to_text('<div>Tekst</div><div class="gmail_signature">Denise<br>Schrijver</div>')
    assert result.text == "Tekst\n--\nDenise\nSchrijver"


def test_other_blockquotes_become_quoted_lines() -> None:
    """A blockquote no client marked is rendered with '> ' so extraction sees a quote."""
    assert html_to_text("<p>Hoi</p><blockquote>oud<br>ouder</blockquote>").text == (
        "Hoi\n\n> oud\n> ouder"
    )


def test_hidden_scripts_styles_and_word_paragraphs() -> None:
    """Styles, scripts and hidden preheaders vanish; Word's &nbsp; paragraphs are blank lines."""
    result = html_to_text(
        "<html><head><style>p{}</style><script>x()</script></head><body>"
        "<span style='display:none'>preheader</span>"
        "<p class=MsoNormal>Regel een</p><p class=MsoNormal>&nbsp;</p>"
        "<p class=MsoNormal>Regel twee</p><p class=MsoNormal>Regel drie</p></body></html>"
    )
    assert result.text == "Regel een\n\nRegel twee\nRegel drie"


def test_empty_and_broken_html() -> None:
    """Empty or unparsable input gives empty text rather than an error."""
    assert html_to_text("").text == ""
    assert html_to_text("   ").text == ""
    assert html_to_text("<").text in ("", "<")


def test_pre_keeps_its_whitespace() -> None:
    """Preformatted text keeps line breaks and indentation."""
    assert html_to_text("<pre>a\n    b</pre>").text == "a\n    b"


def test_comments_and_empty_inline_marks_leave_one_space() -> None:
    """A comment or an empty <b> between two words leaves a single space, no mark."""
    assert html_to_text("<p>Een <!-- verborgen --> twee</p>").text == "Een twee"
    assert html_to_text("<p>Een<b> </b>twee<i></i></p>").text == "Een twee"
    assert html_to_text("<p><b>Een </b> twee</p>").text == "**Een** twee"


def test_a_comment_alone_is_an_empty_document() -> None:
    """HTML with nothing but a comment renders as empty text, not an error."""
    assert html_to_text("<!-- niets -->") == HtmlText("")


def test_xml_declaration_is_ignored() -> None:
    """XHTML mail opening with an encoding declaration still renders (lxml refuses it as is)."""
    markup = (
        "\ufeff<?xml version='1.0' encoding='iso-8859-1'?>\n<html><body><p>Hoi</p></body></html>"
    )
    assert html_to_text(markup).text == "Hoi"


def test_tables_lists_rules_and_links_around_blocks() -> None:
    """Cells join with a space, nested lists indent, <hr> breaks a paragraph, a link around a
    block keeps only its text."""
    assert html_to_text("<table><tr><td>Links</td><td>Rechts</td></tr></table>").text == (
        "Links Rechts"
    )
    assert html_to_text("<ul><li>een<ul><li>half</li></ul></li><li>twee</li></ul>").text == (
        "- een\n  - half\n- twee"
    )
    assert html_to_text("<p>Een</p><hr><p>Twee</p>").text == "Een\n\nTwee"
    assert html_to_text('<a href="https://x.example/a"><div>Blok</div></a>').text == "Blok"


def test_old_outlook_message_header_starts_the_history() -> None:
    """Outlook's OutlookMessageHeader container cuts itself and all that follows."""
    result = html_to_text('<p>Nieuw</p><div class="OutlookMessageHeader">From: C</div><p>oud</p>')
    assert result.text == "Nieuw"
    assert [c.text for c in result.removed] == ["From: C\noud"]


def test_empty_quote_containers_leave_no_cut() -> None:
    """An empty Outlook or Gmail container is removed without an empty entry in removed."""
    for container in ('<div id="appendonsend"></div>', '<div class="gmail_quote"></div>'):
        result = html_to_text("<p>Tekst</p>" + container)
        assert result == HtmlText("Tekst")


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("<div>", "</div>"),
        ("<blockquote>", "</blockquote>"),
        ("<b>", "</b>"),
        ("<ul><li>", "</li></ul>"),
    ],
    ids=["div", "blockquote", "bold", "list"],
)
def test_nesting_as_deep_as_the_parser_allows_needs_no_deep_stack(
    opening: str, closing: str
) -> None:
    """Rendering walks its own stack, so 120 levels render with little Python stack to spare."""
    markup = opening * 120 + "Diep" + closing * 120
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)
    try:
        result = html_to_text(markup)
    finally:
        sys.setrecursionlimit(limit)
    assert "Diep" in result.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(markup: str) -> None:
    """Any string renders without raising."""
    result = html_to_text(markup)
    assert "\n\n\n" not in result.text


def test_yahoo_quote_with_a_prefixed_name_is_removed() -> None:
    """Yahoo's "ydp…yahoo_quoted" container, named so when it quotes Yahoo mail, is a quote."""
    result = html_to_text(
        "<div>Nieuw</div><div id='ydp5e6fyahoo_quoted_98' class='ydp5e6fyahoo_quoted'>"
        "<div>On Monday, Anna wrote:</div><div>oud</div></div>"
    )
    assert result.text == "Nieuw"
    assert [c.reason for c in result.removed] == ["Yahoo quote container"]


@pytest.mark.parametrize("key", ["Von", "Od", "Lähettäjä", "От", "差出人", "发件人", "보낸 사람"])
def test_outlook_header_box_in_other_languages_starts_the_history(key: str) -> None:
    """Outlook's bordered header box is history whatever language its "From" is in."""
    result = html_to_text(
        "<p>Nieuw</p><div style='border:none;border-top:solid #E1E1E1 1.0pt'>"
        f"<p><b>{key}:</b> Anna</p></div><p>oud</p>"
    )
    assert result.text == "Nieuw"
    assert [c.reason for c in result.removed] == ["Outlook reply header and history"]


def test_gmail_quote_button_inside_the_letter_is_left_as_quoted_lines() -> None:
    """A gmail_quote blockquote with no gmail_attr line beside it is the writer's quotation."""
    result = html_to_text(
        "<div>She said:</div><blockquote class='gmail_quote'>Wie zaait, zal oogsten.</blockquote>"
        "<div>Yes.</div><div class='gmail_quote'><div class='gmail_attr'>On … wrote:</div>"
        "<blockquote class='gmail_quote'>oud</blockquote></div>"
    )
    assert result.text == "She said:\n\n> Wie zaait, zal oogsten.\n\nYes."
    assert [c.text for c in result.removed] == ["On … wrote:\n\n> oud"]
