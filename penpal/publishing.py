"""The output folder: where a published article's files are written.

The edge between penpal and a magazine's site: a workflow hands over the final
bytes of every file (the page, the fragment, the Markdown, the images) and this
module writes them under ``output_dir/<slug>/``, all at once: the files are
written into a staging folder beside it that then takes the place of the old
folder, so a site never reads half an article and a file of an earlier
publication does not linger. Writing the same bytes again gives the same folder.
This module must not render, decide what to publish or touch the database; it
runs its file work in a thread, so the event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from penpal.errors import PublishError

PAGE = "index.html"
"""The standalone HTML page."""
FRAGMENT = "fragment.html"
"""The ``<article>`` element for a CMS."""
MARKDOWN = "index.md"
"""Markdown with YAML front matter, for static site generators."""

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A file name of the article's folder: no folders, no hidden files, nothing odd.
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


@dataclass(frozen=True, slots=True)
class Published:
    """Where a published article's files are, and what was published."""

    folder: Path
    page: Path
    fragment: Path
    markdown: Path
    images: tuple[Path, ...]
    slug: str
    revision: int
    date: date


def check_slug(slug: str) -> str:
    """``slug`` when it is safe as a folder name (lower-case words and dashes).

    Raises:
        PublishError: it is empty or has anything else in it.
    """
    if not _SLUG.fullmatch(slug):
        raise PublishError(f"slug {slug!r} cannot name a folder: use a-z, 0-9 and dashes")
    return slug


async def write_article(output_dir: Path, slug: str, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` (name → bytes) as the folder ``output_dir/<slug>`` and return it.

    Raises:
        PublishError: a bad slug or file name, or the file system refused.
    """
    check_slug(slug)
    for name in files:
        if not _FILE_NAME.fullmatch(name):
            raise PublishError(f"file name {name!r} cannot be written into the article's folder")
    try:
        return await asyncio.to_thread(_write, output_dir, slug, dict(files))
    except OSError as exc:
        raise PublishError(f"cannot write {output_dir / slug}: {exc.strerror or exc}") from exc


def _write(output_dir: Path, slug: str, files: dict[str, bytes]) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    folder = output_dir / slug
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.new-", dir=output_dir))
    try:
        for name, data in sorted(files.items()):
            (staging / name).write_bytes(data)
            # Readable by the web server, like a file written by hand.
            os.chmod(staging / name, 0o644)
        os.chmod(staging, 0o755)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{slug}.old-", dir=output_dir))
            folder.replace(old / slug)
            staging.replace(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.replace(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder
