"""End to end over IMAP: letters APPENDed to a real Dovecot are ingested once and threaded."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from penpal import workflows
from penpal.cli import run
from penpal.config import WriterSettings, default_settings
from penpal.intake import ImapMailbox
from penpal.letters import Writer
from penpal.store import Store
from tests.fixtures.mail import Dovecot

TOPIC = "Brieven over twijfel"


def _letter(sender: str, body: str, *, subject: str, message_id: str, reply_to: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "penpal@penpal.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    if reply_to:
        msg["In-Reply-To"] = f"<{reply_to}>"
        msg["References"] = f"<{reply_to}>"
    msg.set_content(body)
    return msg.as_bytes()


def _exchange(dovecot: Dovecot) -> list[bytes]:
    one, two = dovecot.address("writer1"), dovecot.address("writer2")
    return [
        _letter(
            one,
            "Lieve Anna,\n\nDe eerste brief.\n\nLiefs,\nBram\n",
            subject=TOPIC,
            message_id="l1@one.example",
        ),
        _letter(
            two,
            "Beste Bram,\n\nHet antwoord.\n\nGroet,\nAnna\n\n"
            f"Op 3 nov. 2026 om 10:00 schreef Bram <{one}>:\n> Lieve Anna,\n",
            subject=f"Re: {TOPIC}",
            message_id="l2@two.example",
            reply_to="l1@one.example",
        ),
        _letter(
            one,
            "Lieve Anna,\n\nDe derde, zonder onderwerp.\n\nLiefs,\nBram\n",
            subject="",
            message_id="l3@one.example",
            reply_to="l2@two.example",
        ),
        _letter(
            "iemand@elders.example", "Mag ik meedoen?", subject=TOPIC, message_id="x@elders.example"
        ),
    ]


async def test_ingest_over_imap_tls_twice_stores_once(
    dovecot: Dovecot, store: Store, tmp_path: Path, now: datetime
) -> None:
    """Two passes over a Dovecot INBOX (implicit TLS) file each letter once, in its thread."""
    one, two = dovecot.address("writer1"), dovecot.address("writer2")
    settings = default_settings(
        tmp_path / "config.toml",
        service={"address": "penpal@penpal.example", "secret": "x" * 32},
        writers=[
            WriterSettings(name="Bram Kuiper", email=one),
            WriterSettings(name="Anna Wit", email=two),
        ],
    )
    ticks = iter(now + timedelta(seconds=s) for s in range(1000))

    def clock() -> datetime:
        return next(ticks)

    correspondence = await workflows.start_correspondence(
        store,
        TOPIC,
        [Writer(one, "Bram Kuiper"), Writer(two, "Anna Wit")],
        clock=clock,
        actor="test",
    )
    await dovecot.append_many("penpal", _exchange(dovecot))

    async def one_pass() -> workflows.IntakeReport:
        mailbox = ImapMailbox(
            host=dovecot.host,
            port=dovecot.imaps_port,
            security="tls",
            username="penpal",
            password=dovecot.password("penpal"),
            ssl_context=dovecot.ssl_context(),
            idle=False,
        )
        try:
            return await workflows.ingest_once(store, mailbox, settings=settings, clock=clock)
        finally:
            await mailbox.close()

    first = await one_pass()
    second = await one_pass()
    assert first.counts == {"letter": 3, "quarantined": 1}
    assert second.total == 0
    async with store.unit() as repo:
        letters = await repo.letters(correspondence.id)
        held = await repo.quarantine()
    assert [letter.message_id for letter in letters] == [
        "l1@one.example",
        "l2@two.example",
        "l3@one.example",
    ]
    assert [letter.writer.email for letter in letters] == [one, two, one]
    assert "Op 3 nov." not in letters[1].text
    assert [entry.sender for entry in held] == ["iemand@elders.example"]
    # Nothing is lost from the mailbox: every message is still there, marked, not expunged.
    assert len(await dovecot.messages("penpal")) == 4


def test_cli_ingest_once_over_plain_imap(
    dovecot: Dovecot, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """penpal ingest --once, configured for IMAP, files the letters once across two runs."""
    one, two = dovecot.address("writer1"), dovecot.address("writer2")
    config = tmp_path / "config.toml"
    config.write_text(
        "\n".join(
            [
                "[service]",
                'address = "penpal@penpal.example"',
                f'database = "{database_url}"',
                'secret = "a-secret-of-sufficient-length"',
                "[mailbox]",
                'source = "imap"',
                "[imap]",
                f'host = "{dovecot.host}"',
                f"port = {dovecot.imap_port}",
                'security = "none"',
                'username = "penpal"',
                "idle = false",
                "[smtp]",
                'host = "127.0.0.1"',
                "port = 9",
                'security = "none"',
                "[[writers]]",
                'name = "Bram Kuiper"',
                f'email = "{one}"',
                "[[writers]]",
                'name = "Anna Wit"',
                f'email = "{two}"',
            ]
        ),
        encoding="utf-8",
    )
    cfg = ["--config", str(config)]
    env_password = dovecot.password("penpal")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PENPAL_IMAP_PASSWORD", env_password)
        assert run([*cfg, "new", "--topic", TOPIC, one, two, "--json"]) == 0
        cid = json.loads(capsys.readouterr().out)["id"]
        dovecot.append_many_sync("penpal", _exchange(dovecot))
        assert run([*cfg, "ingest", "--once", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"total": 4, "letter": 3, "quarantined": 1}
        assert run([*cfg, "ingest", "--once", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"total": 0}
        assert run([*cfg, "show", cid, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
    assert [x["email"] for x in shown["letters"]] == [one, two, one]


def test_cli_ingest_names_an_unreachable_server(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An IMAP server that does not answer gives one line naming host and port."""
    config = tmp_path / "config.toml"
    config.write_text(
        "\n".join(
            [
                "[service]",
                'address = "penpal@penpal.example"',
                f'database = "{database_url}"',
                'secret = "a-secret-of-sufficient-length"',
                "[mailbox]",
                'source = "imap"',
                "[imap]",
                'host = "127.0.0.1"',
                "port = 9",
                'security = "none"',
                'password = "not-shown-anywhere"',
            ]
        ),
        encoding="utf-8",
    )
    assert run(["--config", str(config), "ingest", "--once"]) == 1
    err = capsys.readouterr().err
    assert "127.0.0.1:9" in err
    assert err.count("\n") == 1
    assert "not-shown-anywhere" not in err
