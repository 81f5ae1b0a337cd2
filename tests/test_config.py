"""Tests for penpal.config: loading, checking, defaults, secrets and the documented example."""

from __future__ import annotations

import json
import re
import typing
from dataclasses import fields
from pathlib import Path

import pytest

import penpal
from penpal.config import (
    DEFAULT_MAX_MESSAGE_BYTES,
    EditorSettings,
    ImapSettings,
    MailboxSettings,
    PolicySettings,
    ServiceSettings,
    Settings,
    SmtpSettings,
    WebSettings,
    WriterSettings,
    default_settings,
    example_config_text,
    load_settings,
    mask_database_url,
    redacted,
    require_secret,
    resolve_config_path,
    section_keys,
)
from penpal.errors import ConfigError
from penpal.letters import Writer

EXAMPLE = Path(penpal.__file__).parent / "config.example.toml"
SERVICE = '[service]\naddress = "penpal@magazine.example"\n'
SECRET = "s3cret-Zq7-do-not-show-me-anywhere"
IMAP_PASSWORD = "imap-pw-Xw4-never-printed"
SMTP_PASSWORD = "smtp-pw-Kv9-never-printed"

FULL = f"""
[service]
address = "Brieven@Column.example"
name = "De Briefwisseling"
database = "sqlite+aiosqlite:///data/letters.db"
output_dir = "public"
language = "nl"
secret = "{SECRET}"
templates = "my-templates"

[mailbox]
source = "imap"
maildir = "mail/inbox"

[imap]
host = "imap.column.example"
port = 1143
security = "starttls"
username = "brieven"
password = "{IMAP_PASSWORD}"
folder = "Letters"
processed_folder = "Letters/done"
quarantine_folder = "Letters/held"
idle = false
poll_interval = 2.5

[smtp]
host = "smtp.column.example"
port = 2525
security = "tls"
username = "brieven-out"
password = "{SMTP_PASSWORD}"

[web]
bind = "[::1]:9090"

[policy]
reminder_days = 3
require_consent = true
require_authenticated_sender = true
max_message_bytes = 1048576

[[editors]]
name = "Joost Wildeboer"
email = "joost@column.example"

[[writers]]
name = "Femke van Ommeren"
label = "Femke"
email = "Femke@Ommeren.example"
aliases = ["femke.work@atelier.example", "f@ommeren.example"]

[[writers]]
name = "Ruben Stalpers"
email = "ruben@stalpers.example"
"""


def write(folder: Path, text: str, name: str = "config.toml") -> Path:
    """Write a configuration file and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, env: dict[str, str] | None = None) -> str:
    """The message of the ConfigError that loading ``path`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env or {})
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the documented example ----------------------------------------------------


KEY_LINE = re.compile(r"#? ?([a-z_]+) = ")
SECTION_LINE = re.compile(r"\[\[?([a-z_]+)\]\]?")


def example_keys(text: str) -> dict[tuple[str, str], int]:
    """Each ``(section, key)`` in the example, set or commented out, with its first line index."""
    found: dict[tuple[str, str], int] = {}
    section = ""
    for index, line in enumerate(text.splitlines()):
        if heading := SECTION_LINE.fullmatch(line.strip()):
            section = heading.group(1)
        elif key := KEY_LINE.match(line):
            found.setdefault((section, key.group(1)), index)
    return found


def settings_keys() -> set[tuple[str, str]]:
    """Every ``(section, key)`` the settings dataclasses define, read from the dataclasses."""
    keys: set[tuple[str, str]] = set()
    hints = typing.get_type_hints(Settings)
    for section in fields(Settings):
        if section.name == "path":
            continue
        cls = hints[section.name]
        if typing.get_origin(cls) is tuple:
            cls = typing.get_args(cls)[0]
        keys |= {(section.name, f.name) for f in fields(cls) if f.init}
    return keys


def test_example_loads_without_error() -> None:
    """The shipped example is a valid configuration (penpal init writes it as config.toml)."""
    settings = load_settings(EXAMPLE, {})
    assert settings.service.address == "penpal@magazine.example"
    assert [w.turn_label for w in (s.to_writer() for s in settings.writers)] == [
        "Denise",
        "Carola",
    ]


def test_example_documents_every_setting() -> None:
    """Every settings field appears in the example, set or commented out, and nothing else does."""
    documented = set(example_keys(EXAMPLE.read_text(encoding="utf-8")))
    assert documented == settings_keys()


def test_example_documents_each_key_above_it() -> None:
    """Above the first use of each key, a comment block gives its default or says required."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for (section, key), index in example_keys("\n".join(lines)).items():
        block: list[str] = []
        above = index - 1
        while above >= 0 and lines[above].startswith("#") and not KEY_LINE.match(lines[above]):
            block.insert(0, lines[above])
            above -= 1
        text = " ".join(block)
        assert "Default" in text or "Required" in text, f"{section}.{key} is not documented"


def test_example_shows_the_defaults() -> None:
    """Apart from the values only an operator can know, the example's values are the defaults."""
    loaded = load_settings(EXAMPLE, {})
    expected = default_settings(
        EXAMPLE,
        service={"address": loaded.service.address},
        imap={"host": loaded.imap.host},
        editors=loaded.editors,
        writers=loaded.writers,
    )
    assert loaded == expected


def test_example_is_shipped_and_linked_from_the_top() -> None:
    """``example_config_text`` returns the packaged file, and the top-level file links to it."""
    assert example_config_text() == EXAMPLE.read_text(encoding="utf-8")
    top = EXAMPLE.parent.parent / "config.example.toml"
    assert top.is_symlink()
    assert top.resolve() == EXAMPLE.resolve()


def test_section_keys_match_the_dataclasses() -> None:
    """The keys the loader accepts are exactly the settings fields."""
    accepted = {(section, key) for section, keys in section_keys().items() for key in keys}
    assert accepted == settings_keys()


# --- loading ---------------------------------------------------------------------


def test_full_file_sets_every_field(tmp_path: Path) -> None:
    """A file that sets every key yields exactly those values, paths taken from its folder."""
    path = write(tmp_path, FULL)
    settings = load_settings(path, {})
    assert settings == Settings(
        path=path,
        service=ServiceSettings(
            address="brieven@column.example",
            name="De Briefwisseling",
            database=f"sqlite+aiosqlite:///{tmp_path}/data/letters.db",
            output_dir=tmp_path / "public",
            language="nl",
            secret=SECRET,
            templates=tmp_path / "my-templates",
        ),
        mailbox=MailboxSettings(source="imap", maildir=tmp_path / "mail" / "inbox"),
        imap=ImapSettings(
            host="imap.column.example",
            port=1143,
            security="starttls",
            username="brieven",
            password=IMAP_PASSWORD,
            folder="Letters",
            processed_folder="Letters/done",
            quarantine_folder="Letters/held",
            idle=False,
            poll_interval=2.5,
        ),
        smtp=SmtpSettings(
            host="smtp.column.example",
            port=2525,
            security="tls",
            username="brieven-out",
            password=SMTP_PASSWORD,
        ),
        web=WebSettings(bind="[::1]:9090"),
        editors=(EditorSettings(name="Joost Wildeboer", email="joost@column.example"),),
        writers=(
            WriterSettings(
                name="Femke van Ommeren",
                label="Femke",
                email="femke@ommeren.example",
                aliases=("femke.work@atelier.example", "f@ommeren.example"),
            ),
            WriterSettings(name="Ruben Stalpers", email="ruben@stalpers.example"),
        ),
        policy=PolicySettings(
            reminder_days=3,
            require_consent=True,
            require_authenticated_sender=True,
            max_message_bytes=1048576,
        ),
    )
    assert (settings.web.host, settings.web.port) == ("::1", 9090)


def test_full_file_covers_every_key(tmp_path: Path) -> None:
    """The full test file changes every field from its default, so no key goes unread."""
    loaded = load_settings(write(tmp_path, FULL), {})
    defaults = default_settings(loaded.path)
    for section in ("service", "mailbox", "imap", "smtp", "web", "policy"):
        for f in fields(getattr(loaded, section)):
            value = getattr(getattr(loaded, section), f.name)
            assert value != getattr(getattr(defaults, section), f.name), f"{section}.{f.name}"


def test_minimal_file_takes_the_defaults(tmp_path: Path) -> None:
    """A file with only the service address gets every default, relative to its folder."""
    settings = load_settings(write(tmp_path, SERVICE), {})
    assert settings.service.database == f"sqlite+aiosqlite:///{tmp_path}/penpal.db"
    assert settings.service.output_dir == tmp_path / "output"
    assert settings.service.language == "en"
    assert settings.service.secret is None
    assert settings.service.templates is None
    assert settings.mailbox == MailboxSettings(source="maildir", maildir=tmp_path / "Maildir")
    assert (settings.imap.port, settings.imap.security, settings.imap.folder) == (
        993,
        "tls",
        "INBOX",
    )
    assert settings.imap.username == "penpal@magazine.example"
    assert (settings.imap.idle, settings.imap.poll_interval) == (True, 60.0)
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == (
        "localhost",
        587,
        "starttls",
    )
    assert (settings.web.host, settings.web.port) == ("127.0.0.1", 8080)
    assert settings.policy == PolicySettings(
        reminder_days=7,
        require_consent=False,
        require_authenticated_sender=False,
        max_message_bytes=DEFAULT_MAX_MESSAGE_BYTES,
    )
    assert settings.editors == ()
    assert settings.writers == ()


@pytest.mark.parametrize(
    ("section", "security", "port"),
    [
        ("imap", "tls", 993),
        ("imap", "starttls", 143),
        ("imap", "none", 143),
        ("smtp", "tls", 465),
        ("smtp", "starttls", 587),
        ("smtp", "none", 25),
    ],
    ids=str,
)
def test_port_follows_security_when_left_out(
    tmp_path: Path, section: str, security: str, port: int
) -> None:
    """Without a port, the standard one for the security setting is used."""
    path = write(
        tmp_path, f'{SERVICE}[{section}]\nhost = "mail.column.example"\nsecurity = "{security}"\n'
    )
    settings = load_settings(path, {})
    assert getattr(settings, section).port == port


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("sqlite+aiosqlite:///penpal.db", "sqlite+aiosqlite:///{folder}/penpal.db"),
        ("sqlite+aiosqlite:///db/p.db?timeout=5", "sqlite+aiosqlite:///{folder}/db/p.db?timeout=5"),
        ("sqlite+aiosqlite:////var/lib/penpal.db", "sqlite+aiosqlite:////var/lib/penpal.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
        (
            "postgresql+asyncpg://penpal@db.column.example/penpal",
            "postgresql+asyncpg://penpal@db.column.example/penpal",
        ),
    ],
    ids=["relative", "relative-query", "absolute", "memory", "empty", "postgresql"],
)
def test_sqlite_file_is_taken_from_the_config_folder(
    tmp_path: Path, database: str, expected: str
) -> None:
    """A relative SQLite file lives next to the config file; other URLs are kept as written."""
    settings = load_settings(write(tmp_path, f'{SERVICE}database = "{database}"\n'), {})
    assert settings.service.database == expected.format(folder=tmp_path)


def test_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative paths are taken from the file's folder, absolute ones kept, ``~`` expanded."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    folder = tmp_path / "etc" / "penpal"
    folder.mkdir(parents=True)
    text = (
        f'{SERVICE}output_dir = "/srv/articles"\ntemplates = "~/penpal-templates"\n'
        '[mailbox]\nmaildir = "../Maildir"\n'
    )
    write(folder, text)
    monkeypatch.chdir(tmp_path)
    folder = Path.cwd() / "etc" / "penpal"
    settings = load_settings(Path("etc/penpal/config.toml"), {})
    assert settings.service.output_dir == Path("/srv/articles")
    assert settings.service.templates == home / "penpal-templates"
    assert settings.mailbox.maildir == folder / ".." / "Maildir"
    assert settings.service.database == f"sqlite+aiosqlite:///{folder}/penpal.db"


def test_emails_are_lower_cased_and_aliases_deduplicated(tmp_path: Path) -> None:
    """Addresses are compared lower-case, so they are stored lower-case, each alias once."""
    text = (
        f"{SERVICE}[[writers]]\n"
        'name = "Femke van Ommeren"\nemail = " Femke@Ommeren.EXAMPLE "\n'
        'aliases = ["F@Ommeren.example", "f@ommeren.example"]\n'
    )
    settings = load_settings(write(tmp_path, text), {})
    assert settings.writers[0].email == "femke@ommeren.example"
    assert settings.writers[0].aliases == ("f@ommeren.example",)


# --- errors ----------------------------------------------------------------------


WRITER = '[[writers]]\nname = "Femke van Ommeren"\nemail = "femke@ommeren.example"\n'

ERRORS = [
    (
        "port-not-integer",
        f'{SERVICE}[imap]\nport = "abc"\n',
        'imap.port: expected an integer, got "abc"',
    ),
    ("port-boolean", f"{SERVICE}[smtp]\nport = true\n", "smtp.port: expected an integer, got true"),
    (
        "port-range",
        f"{SERVICE}[imap]\nport = 70000\n",
        "imap.port: expected a port number from 1 to 65535, got 70000",
    ),
    (
        "unknown-key",
        f"{SERVICE}[imap]\nprot = 993\n",
        "imap.prot: unknown key (did you mean port?)",
    ),
    ("unknown-key-no-hint", f"{SERVICE}[web]\nzzz = 1\n", "web.zzz: unknown key"),
    (
        "unknown-section",
        f'{SERVICE}[imaps]\nhost = "x"\n',
        "imaps: unknown section (did you mean imap?)",
    ),
    (
        "unknown-array-section",
        f'{SERVICE}[[writer]]\nname = "x"\n',
        "writer: unknown section (did you mean writers?)",
    ),
    (
        "section-is-string",
        f'policy = "strict"\n{SERVICE}',
        "policy: expected a table ([policy]), got a string",
    ),
    ("top-level-key", f'address = "penpal@magazine.example"\n{SERVICE}', "address: unknown key"),
    (
        "service-missing",
        "[web]\n",
        "service.address: missing (the service's own mailbox, like penpal@example.org)",
    ),
    (
        "imap-host-needed",
        f'{SERVICE}[mailbox]\nsource = "imap"\n',
        'imap.host: missing (required when mailbox.source = "imap")',
    ),
    (
        "imap-host-blank",
        f'{SERVICE}[mailbox]\nsource = "imap"\n[imap]\nhost = " "\n',
        'imap.host: missing (required when mailbox.source = "imap")',
    ),
    (
        "language",
        f'{SERVICE}language = "de"\n',
        'service.language: expected one of "nl", "en", got "de"',
    ),
    (
        "security",
        f'{SERVICE}[smtp]\nsecurity = "ssl"\n',
        'smtp.security: expected one of "tls", "starttls", "none", got "ssl"',
    ),
    (
        "source",
        f'{SERVICE}[mailbox]\nsource = "pop3"\n',
        'mailbox.source: expected one of "imap", "maildir", got "pop3"',
    ),
    (
        "address-shape",
        '[service]\naddress = "penpal"\n',
        'service.address: expected an email address like name@example.org, got "penpal"',
    ),
    ("address-type", "[service]\naddress = 42\n", "service.address: expected a string, got 42"),
    ("name-empty", f'{SERVICE}name = ""\n', "service.name: expected a non-empty string"),
    (
        "idle-string",
        f'{SERVICE}[imap]\nidle = "yes"\n',
        'imap.idle: expected true or false, got "yes"',
    ),
    (
        "poll-zero",
        f"{SERVICE}[imap]\npoll_interval = 0\n",
        "imap.poll_interval: expected a number of seconds above 0, got 0",
    ),
    (
        "poll-text",
        f'{SERVICE}[imap]\npoll_interval = "1m"\n',
        'imap.poll_interval: expected a number of seconds, got "1m"',
    ),
    (
        "reminder-negative",
        f"{SERVICE}[policy]\nreminder_days = -1\n",
        "policy.reminder_days: expected an integer of at least 0, got -1",
    ),
    (
        "reminder-float",
        f"{SERVICE}[policy]\nreminder_days = 1.5\n",
        "policy.reminder_days: expected an integer, got 1.5",
    ),
    (
        "consent-int",
        f"{SERVICE}[policy]\nrequire_consent = 1\n",
        "policy.require_consent: expected true or false, got 1",
    ),
    (
        "max-bytes-tiny",
        f"{SERVICE}[policy]\nmax_message_bytes = 10\n",
        "policy.max_message_bytes: expected an integer of at least 1024, got 10",
    ),
    (
        "bind-no-port",
        f'{SERVICE}[web]\nbind = "8080"\n',
        'web.bind: expected "host:port" like "127.0.0.1:8080", got "8080"',
    ),
    (
        "bind-port-range",
        f'{SERVICE}[web]\nbind = "localhost:99999"\n',
        'web.bind: expected "host:port" like "127.0.0.1:8080", got "localhost:99999"',
    ),
    ("bind-table", f"{SERVICE}[web.bind]\nhost = 1\n", "web.bind: expected a string, got a table"),
    (
        "section-not-table",
        f"imap = 3\n{SERVICE}",
        "imap: expected a table ([imap]), got an integer",
    ),
    (
        "editors-table",
        f'{SERVICE}[editors]\nemail = "joost@column.example"\n',
        "editors: expected an array of tables ([[editors]]), got a table",
    ),
    (
        "editor-email-missing",
        f'{SERVICE}[[editors]]\nname = "Joost Wildeboer"\n',
        "editors[1].email: missing",
    ),
    (
        "editor-duplicate",
        f'{SERVICE}[[editors]]\nemail = "joost@column.example"\n'
        '[[editors]]\nemail = "Joost@column.example"\n',
        'editors[2].email: "joost@column.example" is already an editor',
    ),
    (
        "writer-name-missing",
        f'{SERVICE}[[writers]]\nemail = "femke@ommeren.example"\n',
        "writers[1].name: missing",
    ),
    (
        "writer-email-shape",
        f'{SERVICE}{WRITER}[[writers]]\nname = "Ruben Stalpers"\nemail = "ruben"\n',
        'writers[2].email: expected an email address like name@example.org, got "ruben"',
    ),
    (
        "writer-unknown-key",
        f'{SERVICE}{WRITER}emial = "x"\n',
        "writers[1].emial: unknown key (did you mean email?)",
    ),
    (
        "writer-duplicate",
        f'{SERVICE}{WRITER}[[writers]]\nname = "Femke again"\nemail = "FEMKE@ommeren.example"\n',
        'writers[2].email: "femke@ommeren.example" is already used by writers[1]',
    ),
    (
        "alias-of-another-writer",
        f'{SERVICE}{WRITER}[[writers]]\nname = "Ruben Stalpers"\nemail = "ruben@stalpers.example"\n'
        'aliases = ["femke@ommeren.example"]\n',
        'writers[2].aliases: "femke@ommeren.example" is already used by writers[1]',
    ),
    (
        "writer-is-service",
        f'{SERVICE}[[writers]]\nname = "Nobody"\nemail = "penpal@magazine.example"\n',
        'writers[1].email: "penpal@magazine.example" is the service address',
    ),
    (
        "aliases-not-list",
        f'{SERVICE}{WRITER}aliases = "f@ommeren.example"\n',
        'writers[1].aliases: expected an array of email addresses, got "f@ommeren.example"',
    ),
    (
        "alias-shape",
        f'{SERVICE}{WRITER}aliases = ["not an address"]\n',
        'writers[1].aliases: expected an array of email addresses, got "not an address"',
    ),
    (
        "database-driver",
        f'{SERVICE}database = "sqlite:///penpal.db"\n',
        "service.database: expected an async SQLAlchemy URL like sqlite+aiosqlite:///penpal.db "
        'or postgresql+asyncpg://user@host/db, got "sqlite://…"',
    ),
    (
        "database-not-url",
        f'{SERVICE}database = "penpal.db"\n',
        "service.database: expected an async SQLAlchemy URL like sqlite+aiosqlite:///penpal.db "
        'or postgresql+asyncpg://user@host/db, got "penpal.db…"',
    ),
    (
        "templates-type",
        f"{SERVICE}templates = false\n",
        "service.templates: expected a string, got false",
    ),
    (
        "long-value-shortened",
        f'{SERVICE}language = "{"x" * 100}"\n',
        f'service.language: expected one of "nl", "en", got "{"x" * 55}…"',
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_bad_configuration_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake gives one line: the file, the key, and what was expected."""
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}: {message}"


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    """A missing file names itself and points at ``penpal init``."""
    path = tmp_path / "config.toml"
    assert load_error(path) == (
        f"{path}: not found (run `penpal init` to write one, or give --config PATH)"
    )


def test_folder_instead_of_file(tmp_path: Path) -> None:
    """A folder given as the configuration file is named as such."""
    assert load_error(tmp_path) == f"{tmp_path}: is a folder, expected a TOML file"


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    """A file in another encoding is reported, with where the bad byte is."""
    path = tmp_path / "config.toml"
    path.write_bytes(b'[service]\nname = "Caf\xe9"\n')
    assert load_error(path) == f"{path}: not UTF-8 text (bad byte at offset 21)"


def test_toml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    """A syntax error names the file and the line, and does not echo the text."""
    path = write(tmp_path, f"{SERVICE}[imap]\npassword = {IMAP_PASSWORD}\n")
    message = load_error(path)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 4" in message
    assert IMAP_PASSWORD not in message


# --- secrets -------------------------------------------------------------------------


def test_env_secrets_win_over_the_file(tmp_path: Path) -> None:
    """PENPAL_SECRET and the password variables replace what the file says."""
    path = write(tmp_path, FULL)
    env = {
        "PENPAL_SECRET": "from-the-environment-0123456789",
        "PENPAL_IMAP_PASSWORD": "imap-from-env",
        "PENPAL_SMTP_PASSWORD": "smtp-from-env",
    }
    settings = load_settings(path, env)
    assert settings.service.secret == "from-the-environment-0123456789"
    assert settings.imap.password == "imap-from-env"
    assert settings.smtp.password == "smtp-from-env"


def test_env_secrets_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    """Secrets may live only in the environment; an empty variable counts as unset."""
    path = write(tmp_path, SERVICE)
    settings = load_settings(
        path,
        {
            "PENPAL_SECRET": SECRET,
            "PENPAL_IMAP_PASSWORD": IMAP_PASSWORD,
            "PENPAL_SMTP_PASSWORD": "",
        },
    )
    assert settings.service.secret == SECRET
    assert settings.imap.password == IMAP_PASSWORD
    assert settings.smtp.password is None


def test_empty_secret_in_file_is_unset(tmp_path: Path) -> None:
    """An empty string for a secret means not set, so require_secret asks for it."""
    path = write(tmp_path, f'{SERVICE}secret = ""\n[smtp]\npassword = ""\n')
    settings = load_settings(path, {})
    assert settings.service.secret is None
    assert settings.smtp.password is None


def test_env_database_wins_over_the_file(tmp_path: Path) -> None:
    """PENPAL_DATABASE replaces service.database, and is checked the same way."""
    path = write(tmp_path, SERVICE)
    url = "postgresql+asyncpg://penpal:pw-Tq2@db.column.example/penpal"
    assert load_settings(path, {"PENPAL_DATABASE": url}).service.database == url
    message = load_error(path, {"PENPAL_DATABASE": "mysql://penpal:pw-Tq2@db/penpal"})
    assert message.startswith(f"{path}: service.database (from $PENPAL_DATABASE): expected ")
    assert "pw-Tq2" not in message


def test_short_secret_is_refused_without_showing_it(tmp_path: Path) -> None:
    """A secret too short to sign tokens is an error that never shows the secret."""
    path = write(tmp_path, f'{SERVICE}secret = "Zq7-short"\n')
    assert load_error(path) == f"{path}: service.secret: expected at least 16 characters"
    env_path = write(tmp_path, SERVICE, "env.toml")
    assert load_error(env_path, {"PENPAL_SECRET": "Zq7-short"}) == (
        f"{env_path}: service.secret (from $PENPAL_SECRET): expected at least 16 characters"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"{SERVICE}secret = 12345678901234567890\n",
            "service.secret: expected a string, got an integer",
        ),
        (
            '[service]\naddress = "penpal@magazine.example"\n[imap]\npassword = 987654321987\n',
            "imap.password: expected a string, got an integer",
        ),
        (
            f'{SERVICE}[smtp]\npassword = ["Kv9-first", "Kv9-second"]\n',
            "smtp.password: expected a string, got an array",
        ),
    ],
    ids=["secret", "imap-password", "smtp-password"],
)
def test_wrongly_typed_secret_is_not_shown(tmp_path: Path, text: str, message: str) -> None:
    """A secret of the wrong type is described by its type only."""
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}: {message}"


def test_secrets_never_appear_in_repr_or_str(tmp_path: Path) -> None:
    """Neither the settings nor any section shows a secret or the database URL in repr/str."""
    url = "postgresql+asyncpg://penpal:db-pw-Hr5@db.column.example/penpal"
    settings = load_settings(write(tmp_path, FULL), {"PENPAL_DATABASE": url})
    shown = [repr(settings), str(settings)]
    shown += [repr(settings.service), str(settings.imap), repr(settings.smtp)]
    for text in shown:
        for secret in (SECRET, IMAP_PASSWORD, SMTP_PASSWORD, "db-pw-Hr5"):
            assert secret not in text


def test_redacted_shows_secrets_only_as_set_or_unset(tmp_path: Path) -> None:
    """``redacted`` is JSON-ready, keyed like the file, with secrets as set/unset."""
    url = "postgresql+asyncpg://penpal:db-pw-Hr5@db.column.example/penpal"
    settings = load_settings(
        write(tmp_path, FULL), {"PENPAL_DATABASE": url, "PENPAL_SMTP_PASSWORD": ""}
    )
    data = redacted(settings)
    text = json.dumps(data)
    for secret in (SECRET, IMAP_PASSWORD, SMTP_PASSWORD, "db-pw-Hr5"):
        assert secret not in text
    assert data["service"]["secret"] == "set"
    assert data["imap"]["password"] == "set"
    assert data["service"]["database"] == (
        "postgresql+asyncpg://penpal:***@db.column.example/penpal"
    )
    assert data["web"] == {"bind": "[::1]:9090", "host": "::1", "port": 9090}
    assert data["writers"][0]["aliases"] == ["femke.work@atelier.example", "f@ommeren.example"]
    assert {(s, k) for s, keys in data.items() if isinstance(keys, dict) for k in keys} >= {
        key for key in settings_keys() if key[0] not in ("editors", "writers")
    }
    unset = redacted(default_settings(tmp_path / "config.toml"))
    assert (unset["service"]["secret"], unset["smtp"]["password"]) == ("unset", "unset")


def test_require_secret_returns_or_names_the_variable(tmp_path: Path) -> None:
    """``require_secret`` gives the secret, or an error naming the key and its variable."""
    path = tmp_path / "config.toml"
    settings = default_settings(path, imap={"password": IMAP_PASSWORD})
    assert require_secret(settings, "imap.password") == IMAP_PASSWORD
    with pytest.raises(ConfigError) as caught:
        require_secret(settings, "service.secret")
    assert str(caught.value) == (
        f"{path}: service.secret: not set (set it in the file or in $PENPAL_SECRET)"
    )
    with pytest.raises(ConfigError, match=r"smtp\.password: not set .*\$PENPAL_SMTP_PASSWORD"):
        require_secret(settings, "smtp.password")


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+asyncpg://penpal:pw@db/penpal", "postgresql+asyncpg://penpal:***@db/penpal"),
        (
            "postgresql+asyncpg://penpal:p@ss@db:5432/p?ssl=1",
            "postgresql+asyncpg://penpal:***@db:5432/p?ssl=1",
        ),
        ("postgresql+asyncpg://penpal@db/penpal", "postgresql+asyncpg://penpal@db/penpal"),
        ("sqlite+aiosqlite:///penpal.db", "sqlite+aiosqlite:///penpal.db"),
        ("not a url", "not a url"),
    ],
    ids=["password", "at-in-password", "no-password", "sqlite", "not-a-url"],
)
def test_mask_database_url(url: str, masked: str) -> None:
    """Only the password part of a database URL is hidden."""
    assert mask_database_url(url) == masked


# --- where the file is ---------------------------------------------------------------


def test_config_option_wins(tmp_path: Path) -> None:
    """``--config`` beats ``$PENPAL_CONFIG``, and a relative one is taken from the cwd."""
    env = {"PENPAL_CONFIG": "/etc/penpal/config.toml"}
    assert resolve_config_path("mine.toml", env, tmp_path) == tmp_path / "mine.toml"
    assert resolve_config_path("/srv/p.toml", env, tmp_path) == Path("/srv/p.toml")


def test_config_env_comes_second(tmp_path: Path) -> None:
    """Without ``--config``, ``$PENPAL_CONFIG`` names the file."""
    env = {"PENPAL_CONFIG": "/etc/penpal/config.toml"}
    assert resolve_config_path(None, env, tmp_path) == Path("/etc/penpal/config.toml")
    assert resolve_config_path(None, {"PENPAL_CONFIG": "conf/p.toml"}, tmp_path) == (
        tmp_path / "conf" / "p.toml"
    )


def test_config_defaults_to_the_working_folder(tmp_path: Path) -> None:
    """With neither given (or both empty), ``./config.toml`` is used."""
    assert resolve_config_path(None, {}, tmp_path) == tmp_path / "config.toml"
    assert resolve_config_path("", {"PENPAL_CONFIG": ""}, tmp_path) == tmp_path / "config.toml"


def test_config_path_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``~`` in the path means the user's home folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_config_path("~/penpal.toml", {}, Path("/elsewhere")) == (
        tmp_path / "home" / "penpal.toml"
    )


# --- building settings in code ---------------------------------------------------------


def test_default_settings_take_paths_from_the_given_folder(tmp_path: Path) -> None:
    """``default_settings`` gives the embedded defaults, with paths next to ``path``."""
    settings = default_settings(tmp_path / "config.toml")
    assert settings.service.database == f"sqlite+aiosqlite:///{tmp_path}/penpal.db"
    assert settings.mailbox.maildir == tmp_path / "Maildir"
    assert settings.service.output_dir == tmp_path / "output"
    assert settings.imap.username == settings.service.address
    assert settings.folder == tmp_path


def test_default_settings_accept_mappings_and_objects(tmp_path: Path) -> None:
    """A section may be overridden field by field, or replaced by a whole settings object."""
    writer = WriterSettings(name="Femke van Ommeren", email="femke@ommeren.example")
    settings = default_settings(
        tmp_path / "config.toml",
        service={"language": "nl", "address": "brieven@column.example", "output_dir": "out"},
        smtp={"security": "none"},
        web=WebSettings(bind="0.0.0.0:8181"),
        policy={"reminder_days": 0},
        writers=[writer],
    )
    assert settings.service.language == "nl"
    assert settings.service.output_dir == tmp_path / "out"
    assert settings.imap.username == "brieven@column.example"
    assert settings.smtp.port == 25
    assert (settings.web.host, settings.web.port) == ("0.0.0.0", 8181)
    assert settings.policy.reminder_days == 0
    assert settings.writers == (writer,)


def test_web_settings_reject_a_bad_bind() -> None:
    """Building WebSettings in code with a bind that is not host:port raises ValueError."""
    with pytest.raises(ValueError, match="8080"):
        WebSettings(bind="8080")


def test_writer_settings_become_writers(tmp_path: Path) -> None:
    """A configured writer turns into a Writer, and is found by address or alias."""
    settings = load_settings(write(tmp_path, FULL), {})
    femke = settings.writers[0]
    assert femke.to_writer() == Writer(
        email="femke@ommeren.example",
        name="Femke van Ommeren",
        label="Femke",
        aliases=("femke.work@atelier.example", "f@ommeren.example"),
    )
    assert settings.writers[1].to_writer().turn_label == "Ruben"
    assert settings.writer_for("F@Ommeren.example") is femke
    assert settings.writer_for("femke@ommeren.example") is femke
    assert settings.writer_for("nobody@column.example") is None


@pytest.mark.parametrize(
    ("address", "accepted"),
    [
        ("penpal@magazine.example", True),
        ("penpal+inbox@mail.magazine.example", True),
        ("penpal@localhost", True),
        ("penpal@magazine", False),
        ("Penpal <penpal@magazine.example>", False),
        ("penpal@@magazine.example", False),
        ("@magazine.example", False),
        ("penpal@", False),
        ("penpal@magazine..example", False),
        ("penpal@-magazine.example", False),
        ("pen pal@magazine.example", False),
    ],
    ids=str,
)
def test_email_address_shapes(tmp_path: Path, address: str, accepted: bool) -> None:
    """Addresses must look like local@domain.tld (or @localhost); display names are refused."""
    path = write(tmp_path, f'[service]\naddress = "{address}"\n')
    if accepted:
        assert load_settings(path, {}).service.address == address
    else:
        assert load_error(path).startswith(f"{path}: service.address: expected an email address")


@pytest.mark.parametrize(
    ("value", "kind"),
    [("true", "a boolean"), ("1.5", "a number"), ("1979-05-27", "a date or time")],
    ids=["boolean", "float", "date"],
)
def test_secret_of_any_wrong_type_names_only_its_type(
    tmp_path: Path, value: str, kind: str
) -> None:
    """Whatever type a mistyped secret has, the error names the type, not the value."""
    path = write(tmp_path, f"{SERVICE}secret = {value}\n")
    assert load_error(path) == f"{path}: service.secret: expected a string, got {kind}"


def test_unreadable_path(tmp_path: Path) -> None:
    """A path that cannot be read is reported with the system's reason."""
    blocker = write(tmp_path, "", "not-a-folder")
    path = blocker / "config.toml"
    assert load_error(path) == f"{path}: cannot be read (Not a directory)"
