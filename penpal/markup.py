"""HTML mail to plain text: quote containers removed first, paragraphs, emphasis and links kept.

``html_to_text`` parses an HTML body with lxml, takes out what mail programs put
around quoted history (Gmail's ``gmail_quote``, Outlook's ``divRplyFwdMsg`` and
border-top header blocks, Apple Mail's and Thunderbird's ``blockquote type="cite"``,
``moz-cite-prefix``, Yahoo's ``yahoo_quoted``, Zimbra's ``zwchr`` rule) and renders
the rest as text: a blank line between paragraphs, ``*emphasis*`` and ``**strong**``,
``[text](url)`` links, ``- `` list items, ``> `` for any other blockquote. Each removed
container comes back as a ``Cut``. A signature container becomes a ``-- `` block so
reply extraction cuts it with its reason. This module does no other extraction and
never raises on any input string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree, html

from penpal.letters import Cut, CutKind

__all__ = ["HtmlText", "html_to_text"]


@dataclass(frozen=True, slots=True)
class HtmlText:
    """The text of an HTML body and the quote containers that were taken out of it."""

    text: str
    removed: tuple[Cut, ...] = ()


_SKIP = frozenset(
    {"head", "title", "style", "script", "meta", "link", "template", "noscript", "object"}
)
_PARAGRAPH = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "figure", "dl", "hr"}
)
_BLOCK = _PARAGRAPH | frozenset(
    {
        "div",
        "li",
        "tr",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "center",
        "dt",
        "dd",
        "form",
        "fieldset",
        "figcaption",
        "main",
        "nav",
        "aside",
        "body",
        "html",
        "blockquote",
    }
)
_EMPHASIS = {"em": "*", "i": "*", "cite": "*", "strong": "**", "b": "**"}
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.IGNORECASE)
_BORDER_TOP = re.compile(r"border-top\s*:\s*solid", re.IGNORECASE)
_HEADER_START = re.compile(r"^\s*(?:from|van|von|de|fra|från|od|da|desde)\s*:", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def html_to_text(markup: str) -> HtmlText:
    """Render an HTML mail body as text, without the mail program's quoted history.

    Args:
        markup: the decoded HTML of one body part.

    Returns:
        The text (paragraphs separated by one blank line) and what was cut.
    """
    if not markup.strip():
        return HtmlText("")
    try:
        root = html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return HtmlText("")
    removed: list[Cut] = []
    _remove_quotes(root, removed)
    writer = _Writer()
    body = root.find("body")
    writer.render(body if body is not None else root)
    return HtmlText(writer.text(), tuple(removed))


# --- quote containers --------------------------------------------------------------------------


def _classes(el: etree._Element) -> list[str]:
    return (el.get("class") or "").split()


def _is_gmail_quote(el: etree._Element) -> bool:
    return any(c.startswith("gmail_quote") or c == "gmail_attr" for c in _classes(el))


def _is_cite(el: etree._Element) -> bool:
    return el.tag == "blockquote" and (el.get("type") or "").lower() == "cite"


def _is_cite_prefix(el: etree._Element) -> bool:
    return "moz-cite-prefix" in _classes(el)


def _is_yahoo(el: etree._Element) -> bool:
    return "yahoo_quoted" in _classes(el) or (el.get("id") or "").startswith("yahoo_quoted")


_REMOVE_ONLY: tuple[tuple[Callable[[etree._Element], bool], str], ...] = (
    (_is_gmail_quote, "Gmail quote container"),
    (_is_cite, "cited blockquote (Apple Mail, Thunderbird)"),
    (_is_cite_prefix, "Thunderbird attribution"),
    (_is_yahoo, "Yahoo quote container"),
)


def _is_outlook_reply(el: etree._Element) -> bool:
    ident = el.get("id") or ""
    if ident in ("divRplyFwdMsg", "appendonsend", "OLK_SRC_BODY_SECTION", "zwchr"):
        return True
    if "OutlookMessageHeader" in _classes(el):
        return True
    if el.tag == "div" and _BORDER_TOP.search(el.get("style") or ""):
        return _HEADER_START.match(_collapse(_plain_text(el))) is not None
    return False


def _is_signature(el: etree._Element) -> bool:
    ident = el.get("id") or ""
    classes = _classes(el)
    return (
        "gmail_signature" in classes
        or ident in ("Signature", "ms-outlook-mobile-signature")
        or "moz-signature" in classes
    )


# One XPath pass finds the few candidate containers in C; the Python tests above decide.
_CANDIDATES = etree.XPath(
    "//*[@id='divRplyFwdMsg' or @id='appendonsend' or @id='OLK_SRC_BODY_SECTION' or @id='zwchr'"
    " or contains(@class,'OutlookMessageHeader') or (self::div and contains(@style,'border-top'))"
    " or contains(@class,'gmail_') or contains(@class,'moz-') or contains(@class,'yahoo_quoted')"
    " or starts-with(@id,'yahoo_quoted') or (self::blockquote and @type)"
    " or @id='Signature' or @id='ms-outlook-mobile-signature']"
)


def _remove_quotes(root: etree._Element, removed: list[Cut]) -> None:
    result = _CANDIDATES(root)
    if not isinstance(result, list) or not result:
        return
    candidates = [el for el in result if isinstance(el, etree._Element)]
    # Outlook's header block starts history that runs to the end of the message.
    for el in candidates:
        if el.getparent() is not None and _is_outlook_reply(el):
            text = _cut_to_end(el)
            if text:
                removed.append(Cut(CutKind.QUOTE, text, "Outlook reply header and history"))
            break
    for el in candidates:
        # An element inside an already removed container has a detached ancestor.
        if el.getparent() is None or not _attached(el, root):
            continue
        for test, reason in _REMOVE_ONLY:
            if test(el):
                text = _render(el)
                _drop(el)
                if text:
                    removed.append(Cut(CutKind.QUOTE, text, reason))
                break
        else:
            if _is_signature(el) and not _collapse(_plain_text(el)).startswith("--"):
                marker = etree.Element("div")
                marker.text = "-- "
                el.addprevious(marker)
                marker.tail = None


def _attached(el: etree._Element, root: etree._Element) -> bool:
    node: etree._Element | None = el
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _drop(el: etree._Element) -> None:
    """Remove ``el`` but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _cut_to_end(el: etree._Element) -> str:
    """Remove ``el`` and everything after it in document order; return that text."""
    texts = [_render(el)]
    node = el
    # An Outlook web reply puts an <hr> right before its header block.
    previous = el.getprevious()
    if previous is not None and previous.tag == "hr":
        _drop(previous)
    while True:
        parent = node.getparent()
        if parent is None:
            break
        if node.tail:
            texts.append(node.tail)
            node.tail = None
        for sibling in list(node.itersiblings()):
            texts.append(_render(sibling) if isinstance(sibling.tag, str) else "")
            texts.append(sibling.tail or "")
            parent.remove(sibling)
        if parent.tag == "body":
            break
        node = parent
    el_parent = el.getparent()
    if el_parent is not None:
        el_parent.remove(el)
    return _BLANK_RUNS.sub("\n\n", "\n".join(t.strip() for t in texts if t.strip()))


def _render(el: etree._Element) -> str:
    """The text of one element as it would have been shown, for a cut's record."""
    writer = _Writer()
    writer._children(el, pre=False)
    return writer.text()


def _plain_text(el: etree._Element) -> str:
    return "".join(t for t in el.itertext() if isinstance(t, str))


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()


# --- rendering ------------------------------------------------------------------------------


class _Writer:
    """Accumulates rendered text and knows how many line breaks it ends with."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.newlines = 2  # the start of a document counts as a paragraph break
        self.list_depth = 0

    def text(self) -> str:
        raw = "".join(self.parts).replace("\xa0", " ")
        lines = [line.rstrip() for line in raw.split("\n")]
        return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")

    def write(self, text: str, *, pre: bool = False) -> None:
        if not text:
            return
        if not pre:
            text = _SPACE.sub(" ", text)
            if self.newlines:
                # Outlook writes an empty paragraph as a no-break space.
                text = text.lstrip(" \xa0")
            if not text:
                return
        self.parts.append(text)
        stripped = text.rstrip(" \t\xa0")
        if not stripped:
            return
        trailing = len(stripped) - len(stripped.rstrip("\n"))
        self.newlines = trailing if trailing < len(stripped) else self.newlines + trailing

    def breaks(self, count: int) -> None:
        """Make sure the output ends with at least ``count`` line breaks."""
        if self.newlines < count:
            self.parts.append("\n" * (count - self.newlines))
            self.newlines = count

    def render(self, el: etree._Element, *, pre: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:  # a comment or processing instruction: only its tail is text
            self.write(el.tail or "", pre=pre)
            return
        tag = tag.lower()
        if tag in _SKIP or _HIDDEN.search(el.get("style") or ""):
            self.write(el.tail or "", pre=pre)
            return
        if tag == "br":
            self.parts.append("\n")
            self.newlines += 1
        elif tag == "img":
            pass
        elif tag in _EMPHASIS or tag == "a":
            self._inline(el, tag, pre=pre)
        elif tag == "blockquote":
            self._blockquote(el)
        else:
            self._block(el, tag, pre=pre)
        self.write(el.tail or "", pre=pre)

    def _children(self, el: etree._Element, *, pre: bool) -> None:
        self.write(el.text or "", pre=pre)
        for child in el:
            self.render(child, pre=pre)

    def _block(self, el: etree._Element, tag: str, *, pre: bool) -> None:
        if tag not in _BLOCK and tag not in ("li", "td", "th"):
            self._children(el, pre=pre)
            return
        before = 2 if tag in _PARAGRAPH else 1
        if tag == "p" and "MsoNormal" in _classes(el):
            # Word-made mail writes each line as a paragraph and blank lines as "&nbsp;" ones.
            before = 1
        if tag in ("td", "th"):
            self.write(" ")
            self._children(el, pre=pre)
            return
        if tag in ("ul", "ol") and self.list_depth:
            before = 1
        self.breaks(before)
        if tag == "li":
            self.write(("  " * max(0, self.list_depth - 1)) + "- ", pre=True)
            self.newlines = 0
        if tag == "hr":
            self.breaks(2)
            return
        if tag in ("ul", "ol"):
            self.list_depth += 1
        written = len(self.parts)
        self._children(el, pre=pre or tag == "pre")
        if before == 1 and tag == "p" and not "".join(self.parts[written:]).strip(" \xa0\n"):
            self.parts.append("\n")  # an empty Word paragraph is a blank line
            self.newlines += 1
        if tag in ("ul", "ol"):
            self.list_depth -= 1
        self.breaks(before)

    def _inline(self, el: etree._Element, tag: str, *, pre: bool) -> None:
        if any(isinstance(d.tag, str) and d.tag.lower() in _BLOCK for d in el.iterdescendants()):
            self._children(el, pre=pre)
            return
        inner = _Writer()
        inner.newlines = 0
        inner._children(el, pre=pre)
        content = "".join(inner.parts)
        core = content.strip()
        if not core:
            self.write(content, pre=pre)
            return
        lead = content[: len(content) - len(content.lstrip())]
        trail = content[len(content.rstrip()) :]
        if tag == "a":
            href = (el.get("href") or "").strip()
            plain_href = href.removeprefix("mailto:")
            if href and core not in (plain_href, href) and not href.startswith("#"):
                core = f"[{core}]({href})"
        else:
            mark = _EMPHASIS[tag]
            core = f"{mark}{core}{mark}"
        self.write(lead + core + trail, pre=pre)

    def _blockquote(self, el: etree._Element) -> None:
        inner = _Writer()
        inner._children(el, pre=False)
        quoted = "\n".join(("> " + line).rstrip() for line in inner.text().split("\n"))
        self.breaks(2)
        self.write(quoted, pre=True)
        self.breaks(2)
