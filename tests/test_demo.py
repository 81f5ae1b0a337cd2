"""Tests for penpal.demo.run: the sample correspondence from Maildir delivery to draft."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from penpal.cli import run
from penpal.demo import sample_letters
from penpal.demo.run import DEMO_EDITOR, run_demo, serve_demo
from penpal.letters import State


def _normal(text: str) -> str:
    return "\n\n".join(p.strip() for p in text.strip().split("\n\n") if p.strip())


async def test_demo_turns_are_the_letters_as_written(tmp_path: Path, now: datetime) -> None:
    """Every sample letter becomes one turn holding exactly its published body."""
    ticks = iter(now + timedelta(seconds=s) for s in range(10_000))
    result = await run_demo(tmp_path, clock=lambda: next(ticks))
    letters = sample_letters()
    assert result.correspondence.state is State.COMPLETE
    assert result.report.counts == {"letter": len(letters)}
    assert [turn.text for turn in result.article.turns] == [
        _normal(letter.expected_body) for letter in letters
    ]
    markdown = result.markdown.read_text("utf-8")
    assert "Verstuurd vanaf" not in markdown
    assert "geschreven:" not in markdown
    assert not [line for line in markdown.splitlines() if line.startswith(">")]
    assert "[privé]" not in markdown
    assert "#klaar" not in markdown
    assert result.html.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_demo_command_prints_where_the_draft_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """penpal demo --no-serve prints the draft's paths and exits 0; the printed commands work."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert run(["demo", "--no-serve"]) == 0
    out = capsys.readouterr().out
    paths = [
        Path(line.split()[-1])
        for line in out.splitlines()
        if line.strip().startswith(("Markdown", "HTML"))
    ]
    assert len(paths) == 2
    assert all(path.is_file() for path in paths)
    config = next(
        line.split("--config ")[1].split()[0] for line in out.splitlines() if "--config" in line
    )
    cid = paths[0].parent.name
    assert run(["--config", config, "show", cid, "--json"]) == 0
    assert '"state": "complete"' in capsys.readouterr().out


async def test_demo_serves_the_editor_page_with_its_login(tmp_path: Path, now: datetime) -> None:
    """After the flow, the demo serves the editor's page and announces a working login."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ticks = iter(now + timedelta(seconds=s) for s in range(10_000))
    result = await run_demo(tmp_path, clock=lambda: next(ticks), bind=f"127.0.0.1:{port}")
    said: list[str] = []
    ready = asyncio.Event()
    serving = asyncio.create_task(serve_demo(result, announce=said.append, ready=ready))
    try:
        async with asyncio.timeout(20):
            await ready.wait()
        assert f"http://127.0.0.1:{port}/" in said[0]
        password = said[0].split("the password ")[1].split()[0]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as web:
            login = await web.get("/login")
            assert login.status_code == 200
            token = login.text.split('name="csrf" value="')[1].split('"')[0]
            answer = await web.post(
                "/login",
                data={"csrf": token, "email": DEMO_EDITOR.email, "password": password},
            )
            assert answer.status_code in {302, 303}
            listing = await web.get("/")
        assert listing.status_code == 200
        assert result.correspondence.id in listing.text
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
