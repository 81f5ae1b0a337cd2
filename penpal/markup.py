"""HTML mail to plain text: quote containers removed first, paragraphs, emphasis and links kept.

``html_to_text`` parses an HTML body with lxml, takes out what mail programs put
around quoted history (Gmail's ``gmail_quote``, though not a quotation the writer made
with Gmail's quote button, Outlook's ``divRplyFwdMsg`` and border-top header blocks in
any language, Apple Mail's and Thunderbird's ``blockquote type="cite"``,
``moz-cite-prefix``, Yahoo's ``yahoo_quoted``, Zimbra's ``zwchr`` rule) and renders
the rest as text: a blank line between paragraphs, ``*emphasis*`` and ``**strong**``,
``[text](url)`` links, ``- `` list items, ``> `` for any other blockquote. Each removed
container comes back as a ``Cut``. A signature container becomes a ``-- `` block so
reply extraction cuts it with its reason. This module does no other extraction and
never raises on any input string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

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
_HEADER_START = re.compile(
    r"^\s*(?:from|van|von|de|de la|fra|från|od|da|desde|lähettäjä|от|kimden|feladó|από|"
    r"差出人|发件人|發件人|寄件者|보낸 사람)\s*[:\uff1a]",
    re.IGNORECASE,
)
_BLANK_RUNS = re.compile(r"\n{3,}")
_XML_DECLARATION = re.compile(r"^[\s\ufeff]*<\?xml[^>]*>")


def html_to_text(markup: str) -> HtmlText:
    """Render an HTML mail body as text, without the mail program's quoted history.

    Args:
        markup: the decoded HTML of one body part.

    Returns:
        The text (paragraphs separated by one blank line) and what was cut.
    """
    # lxml refuses a decoded string that still declares its encoding; the bytes were
    # decoded already, so the declaration has nothing left to say.
    markup = _XML_DECLARATION.sub("", markup, count=1)
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
    writer.run(writer.render(body if body is not None else root))
    return HtmlText(writer.text(), tuple(removed))


# --- quote containers --------------------------------------------------------------------------


def _classes(el: etree._Element) -> list[str]:
    return (el.get("class") or "").split()


def _is_gmail_quote(el: etree._Element) -> bool:
    if not any(c.startswith("gmail_quote") or c == "gmail_attr" for c in _classes(el)):
        return False
    if el.tag != "blockquote":
        return True
    # Gmail's "Quote" button styles a quotation the writer types with the same class; a
    # quoted reply sits in a gmail_quote <div> beside its gmail_attr line. The writer's
    # own one is left as '>' lines, for reply extraction to judge.
    previous = el.getprevious()
    return previous is not None and "gmail_attr" in _classes(previous)


def _is_cite(el: etree._Element) -> bool:
    return el.tag == "blockquote" and (el.get("type") or "").lower() == "cite"


def _is_cite_prefix(el: etree._Element) -> bool:
    return "moz-cite-prefix" in _classes(el)


def _is_yahoo(el: etree._Element) -> bool:
    # Yahoo prefixes its names when the message it quotes came from Yahoo too:
    # class="ydp5e6f7a8byahoo_quoted", id="ydp5e6f7a8byahoo_quoted_9876543210".
    ident = el.get("id") or ""
    return any(c.endswith("yahoo_quoted") for c in _classes(el)) or "yahoo_quoted" in ident


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
    " or contains(@id,'yahoo_quoted') or (self::blockquote and @type)"
    " or @id='Signature' or @id='ms-outlook-mobile-signature']"
)


def _remove_quotes(root: etree._Element, removed: list[Cut]) -> None:
    result = _CANDIDATES(root)
    if not isinstance(result, list) or not result:
        return
    candidates = [el for el in result if isinstance(el, etree._Element)]
    # Outlook's header block starts history that runs to the end of the message.
    for el in candidates:
        parent = el.getparent()
        if parent is not None and _is_outlook_reply(el):
            text = _cut_to_end(el, parent)
            if text:
                removed.append(Cut(CutKind.QUOTE, text, "Outlook reply header and history"))
            break
    for el in candidates:
        # An element inside an already removed container has a detached ancestor.
        parent = el.getparent()
        if parent is None or not _attached(el, root):
            continue
        for test, reason in _REMOVE_ONLY:
            if test(el):
                text = _render(el)
                _drop(el, parent)
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


def _drop(el: etree._Element, parent: etree._Element) -> None:
    """Remove ``el`` from ``parent`` but keep the text that follows it."""
    tail = el.tail
    previous = el.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


# An element and its ancestors below <body>: everything after each of them is history.
_UP_TO_BODY = etree.XPath("ancestor-or-self::*[ancestor::body]")


def _cut_to_end(el: etree._Element, parent: etree._Element) -> str:
    """Remove ``el`` and everything after it in document order; return that text."""
    texts = [_render(el)]
    # An Outlook web reply puts an <hr> right before its header block.
    previous = el.getprevious()
    if previous is not None and previous.tag == "hr":
        _drop(previous, parent)
    chain = _UP_TO_BODY(el)
    nodes = [n for n in chain if isinstance(n, etree._Element)] if isinstance(chain, list) else []
    for node in reversed(nodes):
        # Each node lies inside <body>, so it has a parent.
        holder = cast("etree._Element", node.getparent())
        if node.tail:
            texts.append(node.tail)
            node.tail = None
        for sibling in list(node.itersiblings()):
            texts.append(_render(sibling) if isinstance(sibling.tag, str) else "")
            texts.append(sibling.tail or "")
            holder.remove(sibling)
    parent.remove(el)
    return _BLANK_RUNS.sub("\n\n", "\n".join(t.strip() for t in texts if t.strip()))


def _render(el: etree._Element) -> str:
    """The text of one element as it would have been shown, for a cut's record."""
    writer = _Writer()
    writer.run(writer.children(el, pre=False))
    return writer.text()


def _plain_text(el: etree._Element) -> str:
    return "".join(t for t in el.itertext() if isinstance(t, str))


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()


# --- rendering ------------------------------------------------------------------------------


# Each rendering step is a generator that yields the child elements it wants rendered,
# with the writer to render them into; ``_Writer.run`` drives them from an explicit
# stack. Quoted history nests as deep as the HTML parser allows (255 levels), which
# as plain recursion came close to Python's recursion limit.
_Step = tuple["_Writer", etree._Element, bool]
_Task = Iterator[_Step]


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
            elif text[0] == " " and self.parts and self.parts[-1][-1:] == " ":
                text = text[1:]  # a space on both sides of a comment or tag is one space
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

    @staticmethod
    def run(task: _Task) -> None:
        """Carry out ``task`` and every rendering step it asks for, depth first."""
        stack = [task]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
            else:
                writer, el, pre = step
                stack.append(writer.render(el, pre=pre))

    def render(self, el: etree._Element, *, pre: bool = False) -> _Task:
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
            yield from self._inline(el, tag, pre=pre)
        elif tag == "blockquote":
            yield from self._blockquote(el)
        else:
            yield from self._block(el, tag, pre=pre)
        self.write(el.tail or "", pre=pre)

    def children(self, el: etree._Element, *, pre: bool) -> _Task:
        self.write(el.text or "", pre=pre)
        for child in el:
            yield self, child, pre

    def _block(self, el: etree._Element, tag: str, *, pre: bool) -> _Task:
        if tag not in _BLOCK and tag not in ("li", "td", "th"):
            yield from self.children(el, pre=pre)
            return
        before = 2 if tag in _PARAGRAPH else 1
        if tag == "p" and "MsoNormal" in _classes(el):
            # Word-made mail writes each line as a paragraph and blank lines as "&nbsp;" ones.
            before = 1
        if tag in ("td", "th"):
            self.write(" ")
            yield from self.children(el, pre=pre)
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
        yield from self.children(el, pre=pre or tag == "pre")
        if before == 1 and tag == "p" and not "".join(self.parts[written:]).strip(" \xa0\n"):
            self.parts.append("\n")  # an empty Word paragraph is a blank line
            self.newlines += 1
        if tag in ("ul", "ol"):
            self.list_depth -= 1
        self.breaks(before)

    def _inline(self, el: etree._Element, tag: str, *, pre: bool) -> _Task:
        if any(isinstance(d.tag, str) and d.tag.lower() in _BLOCK for d in el.iterdescendants()):
            yield from self.children(el, pre=pre)
            return
        inner = _Writer()
        inner.newlines = 0
        yield from inner.children(el, pre=pre)
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

    def _blockquote(self, el: etree._Element) -> _Task:
        inner = _Writer()
        yield from inner.children(el, pre=False)
        quoted = "\n".join(("> " + line).rstrip() for line in inner.text().split("\n"))
        self.breaks(2)
        self.write(quoted, pre=True)
        self.breaks(2)
