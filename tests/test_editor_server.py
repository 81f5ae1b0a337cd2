"""Tests for penpal.editor.server: uvicorn on a real loopback port, started and stopped."""

from __future__ import annotations

import asyncio
import gc
import socket
from pathlib import Path

import httpx
import pytest

from penpal.editor import create_app
from penpal.editor.server import bind, serve_web
from penpal.errors import ConfigError
from penpal.store import Store
from tests.editor_support import CHEAP_PASSWORDS, EDITOR, editor_settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_serve_web_answers_until_cancelled(tmp_path: Path, store: Store) -> None:
    """The page answers once ready is set, its startup adds the configured editors, what it
    built to start is frozen for the collector, and a cancel stops it, thaws that and frees the
    port."""
    settings = editor_settings(tmp_path)
    app = create_app(settings, store, passwords=CHEAP_PASSWORDS, login_delay=0)
    port = free_port()
    ready = asyncio.Event()
    task = asyncio.create_task(serve_web(app, "127.0.0.1", port, ready=ready))
    async with asyncio.timeout(10):
        await ready.wait()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        login = await client.get("/login")
        assert login.status_code == 200
        assert "content-security-policy" in login.headers
        assert "server" not in login.headers
    async with store.unit() as repo:
        assert await repo.editor_by_email(EDITOR) is not None
    # What the process built to start is out of the collector's way while it serves.
    assert gc.get_freeze_count() > 0
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gc.get_freeze_count() == 0
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


async def test_a_port_in_use_is_a_clear_error() -> None:
    """Binding an address that is taken names the setting and the address."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"web.bind: cannot listen on 127.0.0.1:{port}"):
            bind("127.0.0.1", port)
