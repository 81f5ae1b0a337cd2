"""Tests for penpal.publishing: the output folder; the published page in a parser and a browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import html5lib  # type: ignore[import-untyped]  # html5lib ships no type information
import pytest
from playwright.sync_api import sync_playwright

from penpal.errors import PublishError
from penpal.publishing import FRAGMENT, MARKDOWN, PAGE, check_slug, write_article
from tests.test_drafting import GOLDEN, PHOTO

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XHTML = "{http://www.w3.org/1999/xhtml}"


def published_files() -> dict[str, bytes]:
    """The golden published article (see tests/test_drafting.py) with its photo."""
    return {
        PAGE: (GOLDEN / PAGE).read_bytes(),
        FRAGMENT: (GOLDEN / FRAGMENT).read_bytes(),
        MARKDOWN: (GOLDEN / MARKDOWN).read_bytes(),
        "meeting-room.png": PHOTO,
    }


async def test_writes_every_file_into_the_slug_folder(tmp_path: Path) -> None:
    """The folder is output_dir/<slug> and holds exactly the bytes handed over."""
    files = published_files()
    folder = await write_article(tmp_path / "out", "a-piece", files)
    assert folder == tmp_path / "out" / "a-piece"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a-piece"]


async def test_writing_again_replaces_the_folder_whole(tmp_path: Path) -> None:
    """A second publication leaves no file of the first behind, and no staging folder."""
    await write_article(tmp_path, "a-piece", {PAGE: b"one", "old.png": PHOTO})
    folder = await write_article(tmp_path, "a-piece", {PAGE: b"two"})
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {PAGE: b"two"}
    assert os.listdir(tmp_path) == ["a-piece"]


@pytest.mark.parametrize("slug", ["", "../up", "A-piece", "a piece", "a/b", "-a", "a--b"])
def test_a_slug_that_is_not_a_plain_folder_name_is_refused(slug: str) -> None:
    """Only lower-case words joined by single dashes can name the article's folder."""
    with pytest.raises(PublishError, match="cannot name a folder"):
        check_slug(slug)


@pytest.mark.parametrize("name", ["../x.html", ".hidden", "a/b.png", "", "x\ny"])
async def test_a_file_name_that_would_leave_the_folder_is_refused(
    tmp_path: Path, name: str
) -> None:
    """A file name with folders, a leading dot or odd characters is refused; nothing is written."""
    with pytest.raises(PublishError, match="cannot be written"):
        await write_article(tmp_path, "a-piece", {name: b"x"})
    assert os.listdir(tmp_path) == []


async def test_a_file_system_failure_is_a_publish_error(tmp_path: Path) -> None:
    """An output folder that is a file gives one PublishError naming the path."""
    blocked = tmp_path / "out"
    blocked.write_text("not a folder", encoding="utf-8")
    with pytest.raises(PublishError, match="out/a-piece"):
        await write_article(blocked, "a-piece", {PAGE: b"x"})


def parse_strictly(markup: bytes) -> object:
    """The document as an HTML5 parser builds it; any parse error fails the test."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), strict=True)
    return parser.parse(markup)


def test_published_page_is_valid_html5_with_its_metadata() -> None:
    """The page parses without an error and carries language, description and Open Graph."""
    root = parse_strictly((GOLDEN / PAGE).read_bytes())
    assert root.get("lang") == "en"  # type: ignore[attr-defined]
    metas = {
        (m.get("name") or m.get("property")): m.get("content")
        for m in root.iter(f"{XHTML}meta")  # type: ignore[attr-defined]
        if m.get("content") is not None
    }
    assert metas["og:title"] == "Vulnerability is not weakness"
    assert metas["og:type"] == "article"
    assert metas["og:locale"] == "en_GB"
    assert metas["og:image"] == "meeting-room.png"
    assert metas["article:published_time"] == "2026-11-20"
    assert metas["description"].startswith("Denise Veldhuis and Carola Zandvliet write")
    assert metas["author"] == "Denise Veldhuis, Carola Zandvliet"
    assert metas["viewport"] == "width=device-width, initial-scale=1"
    labels = [
        "".join(s.itertext())
        for s in root.iter(f"{XHTML}strong")  # type: ignore[attr-defined]
    ]
    assert labels == ["Denise:", "Carola:", "Denise:", "Carola:"]
    text = "".join(root.itertext())  # type: ignore[attr-defined]
    assert "<script>alert('courage')</script>" in text
    assert list(root.iter(f"{XHTML}script")) == []  # type: ignore[attr-defined]


def test_fragment_is_valid_html5_as_a_body() -> None:
    """The CMS fragment parses as the content of a body without an error."""
    parser = html5lib.HTMLParser(strict=True)
    fragment = parser.parseFragment((GOLDEN / FRAGMENT).read_bytes().decode("utf-8"))
    articles = [e for e in fragment if e.tag == f"{XHTML}article"]
    assert len(articles) == 1
    assert articles[0].get("lang") == "en"


def test_published_page_in_chromium(tmp_path: Path) -> None:
    """Headless Chromium shows the page with its photo and no sideways scrolling on a phone.

    Screenshots are kept in test-artifacts/ for a person to look at.
    """
    assert CHROMIUM.exists(), f"{CHROMIUM} is not installed (scripts/install installs it)"
    folder = tmp_path / "vulnerability-is-not-weakness"
    folder.mkdir()
    for name, data in published_files().items():
        (folder / name).write_bytes(data)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name, width, height in (("desktop", 1280, 900), ("phone", 390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto((folder / PAGE).as_uri())
                page.wait_for_load_state("load")
                assert page.title() == "Vulnerability is not weakness"
                assert page.locator("h1").inner_text() == "Vulnerability is not weakness"
                assert page.locator(".turn-label").all_inner_texts() == [
                    "Denise:",
                    "Carola:",
                    "Denise:",
                    "Carola:",
                ]
                assert page.evaluate("document.querySelector('figure img').naturalWidth") == 96
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, name
                assert page.evaluate("typeof window.alert === 'function'")
                page.screenshot(path=str(ARTIFACTS / f"published-page-{name}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    assert (ARTIFACTS / "published-page-phone.png").stat().st_size > 10_000
    shutil.rmtree(folder)
