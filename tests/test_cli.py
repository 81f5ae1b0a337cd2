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
        "revisions",
        "diff",
        "approve",
        "reject",
        "consent",
        "publish",
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


def completed_by_cli(capsys: pytest.CaptureFixture[str], config: Path) -> str:
    """A correspondence with two letters, completed through the command line; its id."""
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
    cid: str = json.loads(out)["id"]
    maildir = config.parent / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (maildir / "new" / "1.eml").write_bytes(
        message(
            "denise@brieven.example",
            "Lieve Carola,\n\nHoe gaat het met je werk?\n\nIk twijfel <b>vaak</b>.\n\n"
            "Liefs,\nDenise\n",
            subject="Werk",
            message_id="1@brieven.example",
        )
    )
    (maildir / "new" / "2.eml").write_bytes(
        message(
            "carola@post.example",
            "Hoi Denise,\n\nGoed! Twijfel hoort bij goed werk.\n\nGroetjes,\nCarola\n",
            subject="Re: Werk",
            message_id="2@post.example",
            reply_to="1@brieven.example",
        )
    )
    status, _, err = penpal(capsys, *cfg, "ingest", "--once")
    assert status == 0, err
    status, _, err = penpal(capsys, *cfg, "complete", cid)
    assert status == 0, err
    return cid


def test_review_commands_edit_approve_and_publish(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    """draft --update, revisions, diff, approve and publish work together from the shell."""
    cfg = ("--config", str(config))
    cid = completed_by_cli(capsys, config)
    status, printed, _ = penpal(capsys, *cfg, "draft", cid, "--format", "md")
    assert status == 0
    edited = config.parent / "edited.md"
    edited.write_text(
        printed.replace('title: "Werk"', 'title: "Twijfel hoort erbij"').replace(
            "\n\nIk twijfel \\<b>vaak\\</b>.", ""
        ),
        encoding="utf-8",
    )
    status, out, err = penpal(capsys, *cfg, "draft", cid, "--update", str(edited), "--note", "kop")
    assert status == 0, err
    assert "revision 2" in out

    status, out, _ = penpal(capsys, *cfg, "revisions", cid, "--json")
    listed = json.loads(out)
    assert [(r["revision"], r["actor"], r["note"]) for r in listed] == [
        (1, "cli", "compiled from the letters"),
        (2, "cli", "kop"),
    ]
    status, out, _ = penpal(capsys, *cfg, "diff", cid, "1", "2", "--json")
    changes = {c["block"]: c for c in json.loads(out)}
    assert changes["title"]["after"] == "Twijfel hoort erbij"
    left_out = [c for c in changes.values() if c["kind"] == "paragraph"]
    assert [(c["change"], c["before"]) for c in left_out] == [
        ("removed", "Ik twijfel <b>vaak</b>.")
    ]
    status, out, _ = penpal(capsys, *cfg, "diff", cid, "1", "2")
    assert "removed turn-" in out
    status, out, _ = penpal(capsys, *cfg, "draft", cid, "--revision", "1", "--format", "json")
    assert json.loads(out)["title"] == "Werk"

    status, _, err = penpal(capsys, *cfg, "publish", cid)
    assert status == 1
    assert "only an approved draft can be published" in err
    status, out, err = penpal(capsys, *cfg, "approve", cid)
    assert status == 0, err
    assert "revision 2 approved" in out
    status, out, err = penpal(capsys, *cfg, "publish", cid, "--json")
    assert status == 0, err
    published = json.loads(out)
    folder = Path(published["folder"])
    assert folder == config.parent / "output" / "twijfel-hoort-erbij"
    assert published["revision"] == 2
    page = Path(published["page"]).read_text(encoding="utf-8")
    assert '<html lang="nl">' in page
    assert "Ik twijfel" not in page
    for key in ("fragment", "markdown"):
        assert Path(published[key]).is_file()
    status, out, _ = penpal(capsys, *cfg, "list", "--json")
    assert json.loads(out)[0]["state"] == "published"


def test_reject_mails_the_note_and_can_reopen(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    """reject --note mails both writers (queued here) and --reopen opens the correspondence."""
    cfg = ("--config", str(config))
    cid = completed_by_cli(capsys, config)
    status, _, err = penpal(capsys, *cfg, "reject", cid)
    assert status == 2
    assert "--note" in err
    status, out, err = penpal(capsys, *cfg, "reject", cid, "--note", "Iets langer graag.")
    assert status == 0, err
    assert "changes_requested" in out
    assert "2 mails wait for a retry" in err
    status, out, err = penpal(capsys, *cfg, "reject", cid, "--note", "Nog een brief.", "--reopen")
    assert status == 0, err
    status, out, _ = penpal(capsys, *cfg, "list", "--json")
    assert json.loads(out)[0]["state"] == "open"
    status, out, _ = penpal(capsys, *cfg, "consent", cid, "--json")
    assert json.loads(out) == {"denise@brieven.example": False, "carola@post.example": False}


def test_update_that_does_not_fit_names_file_and_line(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    """A broken edited draft is refused on one line naming the file and the line."""
    cfg = ("--config", str(config))
    cid = completed_by_cli(capsys, config)
    status, printed, _ = penpal(capsys, *cfg, "draft", cid)
    broken = config.parent / "broken.md"
    broken.write_text(printed.replace("**Carola:**", "**Eve:**"), encoding="utf-8")
    status, out, err = penpal(capsys, *cfg, "draft", cid, "--update", str(broken))
    assert status == 1
    assert out == ""
    assert err.count("\n") == 1
    line = printed.split("\n").index(
        next(x for x in printed.split("\n") if x.startswith("**Carola:**"))
    )
    assert f"broken.md: line {line + 1}: 'Eve:' does not match a letter" in err
    as_json = config.parent / "draft.json"
    status, out, _ = penpal(capsys, *cfg, "draft", cid, "--format", "json")
    data = json.loads(out)
    data["title"] = "Uit JSON"
    as_json.write_text(json.dumps(data), encoding="utf-8")
    status, out, err = penpal(capsys, *cfg, "draft", cid, "--update", str(as_json))
    assert status == 0, err
    assert "revision 2" in out


def test_quarantine_release_discard_and_status(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    """Held-back mail is listed, released into its correspondence or discarded; status counts it."""
    cfg = ("--config", str(config))
    status, out, _ = penpal(
        capsys,
        *cfg,
        "new",
        "--topic",
        "Werk",
        "denise@brieven.example",
        "carola@post.example",
        "--no-mail",
        "--json",
    )
    cid = json.loads(out)["id"]
    maildir = config.parent / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    # Carola writes from a new address, then a stranger writes: both are held back.
    (maildir / "new" / "1.eml").write_bytes(
        message(
            "carola@thuis.example",
            "Hoi Denise,\n\nVanaf thuis.\n\nCarola",
            subject="Re: Werk",
            message_id="t1@thuis.example",
        )
    )
    (maildir / "new" / "2.eml").write_bytes(
        message("iemand@elders.example", "Hallo", subject="Vraagje", message_id="x@elders.example")
    )
    assert penpal(capsys, *cfg, "ingest", "--once")[0] == 0
    status, out, _ = penpal(capsys, *cfg, "quarantine", "--json")
    held = json.loads(out)
    assert [h["from"] for h in held] == ["carola@thuis.example", "iemand@elders.example"]
    assert all(h["reason"] for h in held)

    status, _, err = penpal(capsys, *cfg, "release", str(held[0]["id"]))
    assert status == 1
    assert "--to" in err
    status, out, err = penpal(
        capsys, *cfg, "release", str(held[0]["id"]), "--to", cid, "--as", "carola@post.example"
    )
    assert status == 0, err
    assert f"in {cid}" in out
    assert penpal(capsys, *cfg, "discard", str(held[1]["id"]))[0] == 0
    status, out, _ = penpal(capsys, *cfg, "quarantine", "--json")
    assert json.loads(out) == []
    status, out, _ = penpal(capsys, *cfg, "show", cid, "--json")
    letters = json.loads(out)["letters"]
    assert letters[0]["text"].startswith("Hoi Denise,")

    status, out, _ = penpal(capsys, *cfg, "status", "--json")
    report = json.loads(out)
    assert report["quarantine"] == 0
    assert report["mailbox"]["messages"] == {"discarded": 1, "letter": 1}
    assert report["mailbox"]["last_received"]
    assert report["outbox"]["pending"] >= 1  # the relay of the released letter waits (no SMTP)
    assert report["last_errors"]
    assert "a-secret-of-sufficient-length" not in out
    status, out, _ = penpal(capsys, *cfg, "status")
    assert status == 0
    assert "quarantine   0 held back" in out
