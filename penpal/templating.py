"""The Jinja2 environment every penpal template is rendered in, and its filters.

Built-in templates come from the package's ``templates`` folder; a magazine's own
folder (``service.templates``) is searched first, so a template of the same name
there wins, and the built-in one stays reachable as ``builtin/NAME`` for an
override that only wants to extend it. HTML templates are auto-escaped and an
undefined variable is an error, never an empty string. The filters escape for the
other formats we write (YAML front matter, Markdown). This module loads templates
and nothing else: it must not render articles (that is :mod:`penpal.articles`) or
hold an environment in a module global.
"""

from __future__ import annotations

import re
import urllib.parse
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from penpal.articles import format_date
from penpal.errors import ConfigError

_AUTOESCAPED = (".html", ".htm", ".xml")
_TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")

# Backslash escapes are CommonMark's own and any parser can undo them exactly.
# Inline: what could start emphasis, code, links or raw HTML, and entity references.
_MD_INLINE = re.compile(r"[\\`*_\[\]<]|&(?=#?[0-9A-Za-z]+;)")
# On one line (headings, labels, quotes) every ``#``, since a heading drops trailing ones.
_MD_INLINE_ONE_LINE = re.compile(r"[\\`*_\[\]<#]|&(?=#?[0-9A-Za-z]+;)")
# At the start of a line: what could open a heading, quote, list, fence, table or
# turn the line above into a heading (``===``/``---``).
_MD_LINE_START = re.compile(r"^([ \t]*)(?:([#>+=~|-])|(\d{1,9})([.)]))")

_YAML_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
}


def template_environment(override_dir: Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment over the built-in templates, ``override_dir``'s first.

    Raises:
        ConfigError: ``override_dir`` is given but is not a folder.
    """
    builtin = jinja2.PackageLoader("penpal", "templates")
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None:
        if not override_dir.is_dir():
            raise ConfigError(f"service.templates: {override_dir}: not a folder")
        loaders.append(jinja2.FileSystemLoader(override_dir))
    loaders += [jinja2.PrefixLoader({"builtin": builtin}), builtin]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=autoescapes,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        yaml=yaml_value,
        md=markdown_text,
        md_line=markdown_line,
        md_attr=markdown_attribute,
        md_url=markdown_url,
        date=format_date,
    )
    return env


def autoescapes(name: str | None) -> bool:
    """Whether a template is HTML or XML by its name, ``.j2``-style suffixes set aside."""
    if name is None:
        return False
    lowered = name.lower()
    for suffix in _TEMPLATE_SUFFIXES:
        lowered = lowered.removesuffix(suffix)
    return lowered.endswith(_AUTOESCAPED)


def yaml_value(value: Any) -> str:
    """A YAML flow value that reads back as ``value``: strings always double-quoted.

    Handles strings, integers, booleans, dates, ``None`` and lists of these.

    Raises:
        TypeError: any other kind of value.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _yaml_quoted(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    raise TypeError(f"no YAML form for {type(value).__name__}")


def _yaml_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if char in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[char])
        elif _yaml_printable(char):
            out.append(char)
        else:
            # Everything YAML would refuse or fold (C0/C1 controls, line and paragraph
            # separators, the byte-order mark) travels as a numeric escape.
            code = ord(char)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def _yaml_printable(char: str) -> bool:
    code = ord(char)
    if 0x20 <= code <= 0x7E:
        return True
    if code in (0x2028, 0x2029, 0xFEFF):
        return False
    return 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def markdown_text(text: str) -> str:
    """Text escaped so Markdown shows it as written: no markup, no raw HTML; lines kept."""
    return "\n".join(_escape_line(line, _MD_INLINE) for line in text.split("\n"))


def _escape_line(line: str, inline: re.Pattern[str]) -> str:
    line = inline.sub(lambda m: "\\" + m.group(0), line)
    return _MD_LINE_START.sub(_escape_line_start, line, count=1)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker, number, delimiter = match.groups()
    if marker:
        return f"{indent}\\{marker}"
    return f"{indent}{number}\\{delimiter}"


def markdown_line(text: str) -> str:
    """Text escaped for Markdown and kept on one line, for headings, labels and quotes."""
    return _escape_line(" ".join(text.split()), _MD_INLINE_ONE_LINE)


def markdown_attribute(text: str) -> str:
    """:func:`markdown_line` that may also stand inside a double-quoted link title."""
    return markdown_line(text).replace('"', '\\"')


def markdown_url(text: str) -> str:
    """A file name as a Markdown link destination: percent-encoded, no folders."""
    return urllib.parse.quote(text, safe="")
