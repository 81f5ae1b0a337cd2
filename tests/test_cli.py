"""Tests for penpal.cli: the command-line contract of DESIGN.md, run in-process."""

from __future__ import annotations

import json
import tomllib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from penpal.cli import run

SERVICE = "penpal@magazine.example"


def penpal(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line; returns the exit status, stdout and stderr."""
    status = run(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def message(sender: str, body: str, *, subject: str, message_id: str, reply_to: str = "") -> bytes:
    """A plain-text message."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = SERVICE
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    if reply_to:
        msg["In-Reply-To"] = f"<{reply_to}>"
    msg.set_content(body)
    return msg.as_bytes()


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    """A config.toml naming the test database and a Maildir in tmp_path."""
    path = tmp_path / "config.toml"
    path.write_text(
        "\n".join(
            [
                "[service]",
                f'address = "{SERVICE}"',
                f'database = "{database_url}"',
                'secret = "a-secret-of-sufficient-length"',
                'language = "nl"',
                "[mailbox]",
                'source = "maildir"',
                'maildir = "Maildir"',
                "# Nothing listens here: mail waits in the outbox for a retry.",
                "[smtp]",
                'host = "127.0.0.1"',
                "port = 9",
                'security = "none"',
                "[[writers]]",
                'name = "Denise Veldhuis"',
                'email = "denise@brieven.example"',
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """penpal --help names every command of this release."""
    status, out, _ = penpal(capsys, "--help")
    assert status == 0
    for command in (
        "init",
        "demo",
        "ingest",
        "import",
        "parse",
        "new",
        "list",
        "show",
        "complete",
        "draft",
    ):
        assert f"  {command} " in out


def test_missing_config_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A command that needs a configuration names the missing file on one line."""
    status, out, err = penpal(capsys, "--config", str(tmp_path / "nope.toml"), "list")
    assert status == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "nope.toml" in err


def test_bad_config_key_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A wrong key in the file is named with the file."""
    path = tmp_path / "config.toml"
    path.write_text('[service]\naddress = "p@x.example"\n[imap]\nprot = 993\n', encoding="utf-8")
    status, _, err = penpal(capsys, "--config", str(path), "list")
    assert status == 1
    assert "imap.prot" in err
    assert "config.toml" in err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown command exits non-zero with click's usage message."""
    status, _, err = penpal(capsys, "frobnicate")
    assert status == 2
    assert "frobnicate" in err


def test_parse_json_prints_the_design_fields(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """parse --json prints one object per message, in order, with the contract's keys."""
    first = tmp_path / "a.eml"
    second = tmp_path / "b.eml"
    first.write_bytes(
        message(
            "Carola Zandvliet <carola@post.example>",
            "Hoi Denise,\n\nDat klopt.\n\n[privé] Niet verder vertellen.\n\n"
            "Groetjes,\nCarola\n\nVerstuurd vanaf mijn iPhone\n\n"
            "Op 20 nov. 2026 om 09:14 heeft Denise <denise@brieven.example> het volgende "
            "geschreven:\n\n> Lieve Carola,\n",
            subject="Re: Werk",
            message_id="m2@post.example",
        )
    )
    second.write_bytes(b"this is not really a message")
    status, out, _ = penpal(capsys, "parse", "--json", str(first), str(second))
    assert status == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["path"] for line in lines] == [str(first), str(second)]
    one = lines[0]
    for key in (
        "path",
        "kind",
        "from",
        "subject",
        "message_id",
        "text",
        "body",
        "salutation",
        "closing",
        "private",
        "commands",
        "removed",
    ):
        assert key in one
    assert one["kind"] == "letter"
    assert one["from"] == "carola@post.example"
    assert one["message_id"] == "m2@post.example"
    assert one["salutation"] == "Hoi Denise,"
    assert "Dat klopt." in one["body"]
    assert "Hoi Denise" not in one["body"]
    assert "iPhone" not in one["text"]
    assert "> Lieve Carola" not in one["text"]
    assert len(one["private"]) == 1
    assert "Niet verder vertellen." in one["private"][0]
    assert "Niet verder vertellen" not in one["body"]
    assert {cut["kind"] for cut in one["removed"]} >= {"quote", "signature"}


def test_parse_needs_no_config_and_reports_missing_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """parse works without a configuration; an unreadable path is one error line."""
    monkeypatch.chdir(tmp_path)
    status, _, err = penpal(capsys, "parse", str(tmp_path / "missing.eml"))
    assert status == 1
    assert "missing.eml" in err


def test_init_writes_config_with_secret_and_keeps_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """init writes config.toml from the example with a fresh secret, and keeps an existing one."""
    monkeypatch.chdir(tmp_path)
    status, out, err = penpal(capsys, "init")
    assert status == 0, err
    data: dict[str, Any] = tomllib.loads((tmp_path / "config.toml").read_text("utf-8"))
    assert len(data["service"]["secret"]) >= 16
    assert "database ready" in out
    before = (tmp_path / "config.toml").read_text("utf-8")
    status, out, _ = penpal(capsys, "init")
    assert status == 0
    assert "kept" in out
    assert (tmp_path / "config.toml").read_text("utf-8") == before


def test_new_list_show_complete_draft(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    """The correspondence commands work together and keep their JSON contract."""
    cfg = ("--config", str(config))
    status, out, err = penpal(
        capsys,
        *cfg,
        "new",
        "--topic",
        "Werk",
        "denise@brieven.example",
        "Carola Zandvliet <carola@post.example>",
        "--json",
    )
    assert status == 0, err
    cid = json.loads(out)["id"]
    # The invitations could not be sent: they wait in the outbox, and the user is told.
    assert "2 mails wait for a retry" in err

    maildir = config.parent / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.eml").write_bytes(
        message(
            "denise@brieven.example",
            "Lieve Carola,\n\nHoe gaat het?\n\nLiefs,\nDenise\n",
            subject="Werk",
            message_id="1@brieven.example",
        )
    )
    (maildir / "new" / "2.eml").write_bytes(
        message(
            "carola@post.example",
            "Hoi Denise,\n\nGoed!\n\nGroetjes,\nCarola\n",
            subject="Re: Werk",
            message_id="2@post.example",
            reply_to="1@brieven.example",
        )
    )
    status, out, err = penpal(capsys, *cfg, "ingest", "--once")
    assert status == 0, err
    assert "2 messages" in out

    status, out, _ = penpal(capsys, *cfg, "list", "--json")
    listed = json.loads(out)
    assert listed[0]["id"] == cid
    assert listed[0]["state"] == "open"
    assert listed[0]["letters"] == 2
    assert {w["email"] for w in listed[0]["writers"]} == {
        "denise@brieven.example",
        "carola@post.example",
    }
    assert {"id", "topic", "state", "writers", "letters", "last_activity"} <= set(listed[0])

    status, out, _ = penpal(capsys, *cfg, "show", cid, "--json")
    shown = json.loads(out)
    assert [x["email"] for x in shown["letters"]] == [
        "denise@brieven.example",
        "carola@post.example",
    ]
    assert {"id", "writer", "email", "date", "subject", "text", "body"} <= set(shown["letters"][0])

    status, out, err = penpal(capsys, *cfg, "complete", cid)
    assert status == 0, err
    status, out, _ = penpal(capsys, *cfg, "draft", cid, "--format", "json")
    article = json.loads(out)
    assert [t["writer"] for t in article["turns"]] == ["Denise Veldhuis", "Carola Zandvliet"]
    for key in (
        "title",
        "categories",
        "intro",
        "turns",
        "headings",
        "pull_quotes",
        "images",
        "credit",
        "language",
        "revision",
        "suggestions",
    ):
        assert key in article
    status, out, _ = penpal(capsys, *cfg, "draft", cid, "--format", "md")
    assert "Hoe gaat het?" in out
    status, out, _ = penpal(capsys, *cfg, "draft", cid, "--format", "html")
    assert "<html" in out

    status, _, err = penpal(capsys, *cfg, "complete", cid)
    assert status == 1
    assert "not open" in err
    status, _, err = penpal(capsys, *cfg, "show", "nosuch")
    assert status == 1
    assert "nosuch" in err


def test_import_eml_twice_stores_once(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    """Importing the same files twice files each letter once."""
    cfg = ("--config", str(config))
    status, out, _ = penpal(
        capsys,
        *cfg,
        "new",
        "--topic",
        "Werk",
        "denise@brieven.example",
        "carola@post.example",
        "--json",
    )
    cid = json.loads(out)["id"]
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "1.eml").write_bytes(
        message(
            "denise@brieven.example",
            "Lieve Carola,\n\nEen.\n",
            subject="Werk",
            message_id="1@brieven.example",
        )
    )
    status, out, err = penpal(capsys, *cfg, "import", str(folder), "--json")
    assert status == 0, err
    assert json.loads(out.splitlines()[-1])["letter"] == 1
    status, out, _ = penpal(capsys, *cfg, "import", str(folder), "--json")
    assert json.loads(out.splitlines()[-1]).get("letter", 0) == 0
    status, out, _ = penpal(capsys, *cfg, "show", cid, "--json")
    assert len(json.loads(out)["letters"]) == 1
