"""HTML that came from letters, made safe for the editor's pages with nh3.

Letters are untrusted. Their text reaches the pages through auto-escaping
templates; where HTML is shown (the article preview, which a magazine's own
templates may build, and the HTML part of a held-back message) it passes through
nh3 with an allow-list first: no script, no event handler, no style, no form,
no remote image. This module only cleans strings; it must not render templates
or read requests.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3
from markupsafe import Markup

# What the article templates write (penpal/templates/article.fragment.html.j2)
# and what a magazine's own fragment may reasonably add.
_ARTICLE_TAGS = frozenset(
    {
        "article",
        "header",
        "footer",
        "section",
        "h1",
        "h2",
        "h3",
        "p",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "b",
        "i",
        "span",
        "blockquote",
        "figure",
        "figcaption",
        "img",
        "time",
        "br",
    }
)
_ARTICLE_ATTRIBUTES = {
    "*": {"class", "lang", "aria-label"},
    "section": {"id"},
    "img": {"src", "alt"},
    "time": {"datetime"},
}

_MAIL_TAGS = frozenset(
    {
        "p",
        "br",
        "div",
        "span",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "small",
        "sub",
        "sup",
        "blockquote",
        "pre",
        "code",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
_MAIL_ATTRIBUTES = {"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "title"})


def clean_article(html: str, image_url: Callable[[str], str | None]) -> Markup:
    """A rendered article fragment, safe to place in a page.

    Each image's ``src`` (a bare file name in the published article) is replaced
    by ``image_url(name)``; an image the callback does not know loses its source.
    """

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return image_url(value)
        return value

    cleaned = nh3.clean(
        html,
        tags=set(_ARTICLE_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in _ARTICLE_ATTRIBUTES.items()},
        attribute_filter=rewrite,
        url_schemes=set(),
        strip_comments=True,
    )
    return Markup(cleaned)  # nh3 has just cleaned it with the allow-list above


def clean_mail_html(html: str) -> Markup:
    """The HTML part of a message, safe to show: text and plain structure, links to the web only.

    Images go: a remote image in a held-back message would tell its sender that
    an editor opened it.
    """
    cleaned = nh3.clean(
        html,
        tags=set(_MAIL_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in _MAIL_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)  # cleaned by nh3 with the allow-list above
