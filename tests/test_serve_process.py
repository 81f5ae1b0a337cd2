"""``penpal serve`` as an operator runs it: a process that relays letters and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from tests.fixtures.mail import Dovecot, SmtpServer
from tests.test_service import MailClient, plain_text

TOPIC = "Brieven over rust"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def penpal(config: Path, *args: str) -> tuple[int, str, str]:
    """Run the penpal command in a child process; returns status, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "penpal",
        "--config",
        str(config),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
def config(tmp_path: Path, dovecot: Dovecot, smtp_server: SmtpServer, database_url: str) -> Path:
    """A config.toml for a service on the test Dovecot and SMTP server."""
    path = tmp_path / "config.toml"
    lines = [
        "[service]",
        f'address = "{dovecot.address("penpal")}"',
        'name = "Penpal"',
        f'database = "{database_url}"',
        'secret = "a-secret-of-sufficient-length"',
        'language = "en"',
        "[mailbox]",
        'source = "imap"',
        "[imap]",
        f'host = "{dovecot.host}"',
        f"port = {dovecot.imap_port}",
        'security = "none"',
        'username = "penpal"',
        f'password = "{dovecot.password("penpal")}"',
        "[smtp]",
        f'host = "{smtp_server.host}"',
        f"port = {smtp_server.port}",
        'security = "none"',
        "[web]",
        f'bind = "127.0.0.1:{free_port()}"',
        "[[editors]]",
        f'email = "{dovecot.address("editor")}"',
        'name = "Eva"',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_letter_to_a_running_serve_reaches_the_partner_threaded(
    config: Path, dovecot: Dovecot, smtp_server: SmtpServer
) -> None:
    """A reply to the invitation reaches the partner via a running penpal serve; SIGTERM ends it."""
    bram = MailClient(dovecot, smtp_server, "writer1", "Bram Kuiper")
    anna = MailClient(dovecot, smtp_server, "writer2", "Anna Wit")
    status, out, err = await penpal(
        config,
        "new",
        "--topic",
        TOPIC,
        f"Bram Kuiper <{bram.address}>",
        f"Anna Wit <{anna.address}>",
        "--json",
    )
    assert status == 0, err
    assert json.loads(out)["id"]
    invitation = (await bram.wait_for(1))[0]

    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "penpal",
        "--config",
        str(config),
        "serve",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        first = await bram.reply(invitation, "Dear Anna,\n\nThe first letter.\n\nBram")
        relay = (
            await anna.wait_for(
                2,
            )
        )[-1]
        assert "The first letter." in plain_text(relay)
        await anna.reply(relay, "Dear Bram,\n\nThe answer.\n\nAnna")
        answer = (await bram.wait_for(2))[-1]
        assert "The answer." in plain_text(answer)
        # Threaded under Bram's own letter in his mail program.
        assert answer["In-Reply-To"] == first
        # The editor's page is served by the same process.
        settings_text = await asyncio.to_thread(config.read_text, "utf-8")
        bind = tomllib.loads(settings_text)["web"]["bind"]
        async with httpx.AsyncClient(base_url=f"http://{bind}") as web:
            page = await web.get("/login")
        assert page.status_code == 200
        assert "Content-Security-Policy" in page.headers
    finally:
        server.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            _, stderr = await server.communicate()
    assert server.returncode == 0, stderr.decode()[-2000:]
    assert "Traceback" not in stderr.decode()


async def test_serve_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    """A service without service.secret names the key and exits non-zero at once."""
    path = tmp_path / "config.toml"
    path.write_text('[service]\naddress = "penpal@magazine.example"\n', encoding="utf-8")
    status, _, err = await penpal(path, "serve")
    assert status == 1
    assert err.strip().splitlines()[-1].startswith("penpal: ")
    assert "service.secret" in err.strip().splitlines()[-1]
