"""config.toml → typed settings; secrets from the environment.

This module finds the configuration file, reads it with ``tomllib``, checks every
section, key and value, and returns frozen ``Settings``. Every mistake becomes one
``ConfigError`` line naming the file, the key and what was expected
(``config.toml: imap.port: expected an integer, got "abc"``). The environment
variables ``PENPAL_SECRET``, ``PENPAL_IMAP_PASSWORD``, ``PENPAL_SMTP_PASSWORD`` and
``PENPAL_DATABASE`` win over the file. Relative paths (``mailbox.maildir``,
``service.output_dir``, ``service.templates`` and a SQLite file in
``service.database``) are taken relative to the folder of the configuration file.

Defaults, documented in ``config.example.toml``: the service language is ``en``,
the mailbox a Maildir folder ``Maildir``, the database ``sqlite+aiosqlite:///penpal.db``.

This module must not open sockets, touch the database or the mailbox, log, or keep
settings in a module-level global: whoever loads ``Settings`` passes them on. A
secret must never appear in an error message or in ``repr()`` of settings.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast

from penpal.errors import ConfigError
from penpal.letters import Writer

Language = Literal["nl", "en"]
Security = Literal["tls", "starttls", "none"]
MailboxSource = Literal["imap", "maildir"]
SecretKey = Literal["service.secret", "imap.password", "smtp.password"]
_T = TypeVar("_T")

LANGUAGES: Final = ("nl", "en")
SECURITIES: Final = ("tls", "starttls", "none")
MAILBOX_SOURCES: Final = ("imap", "maildir")

CONFIG_ENV: Final = "PENPAL_CONFIG"
CONFIG_FILENAME: Final = "config.toml"
DEFAULT_DATABASE: Final = "sqlite+aiosqlite:///penpal.db"
DEFAULT_BIND: Final = "127.0.0.1:8080"
DEFAULT_MAX_MESSAGE_BYTES: Final = 25 * 1024 * 1024
MIN_SECRET_LENGTH: Final = 16
"""Reply tokens are signed with ``service.secret``; a short one could be guessed."""

SECRET_ENV: Final[Mapping[SecretKey, str]] = {
    "service.secret": "PENPAL_SECRET",
    "imap.password": "PENPAL_IMAP_PASSWORD",
    "smtp.password": "PENPAL_SMTP_PASSWORD",
}
DATABASE_ENV: Final = "PENPAL_DATABASE"

# Only drivers that SQLAlchemy's asyncio extension can use: the store is async.
_DATABASE_SCHEMES: Final = ("sqlite+aiosqlite", "postgresql+asyncpg")

_IMAP_PORTS: Final[Mapping[str, int]] = {"tls": 993, "starttls": 143, "none": 143}
_SMTP_PORTS: Final[Mapping[str, int]] = {"tls": 465, "starttls": 587, "none": 25}


def _split_bind(bind: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"`` → ``("127.0.0.1", 8080)``; ``"[::1]:8080"`` → ``("::1", 8080)``.

    Raises:
        ValueError: ``bind`` is not ``host:port`` with a port from 1 to 65535.
    """
    host, sep, port_text = bind.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or any(c.isspace() for c in host) or not port_text.isdigit():
        raise ValueError(bind)
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(bind)
    return host, port


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceSettings:
    """``[service]``: who penpal is, where it keeps things, in which language it writes.

    ``database`` is kept out of ``repr()`` because a PostgreSQL URL may hold a
    password; ``secret`` is ``None`` until set in the file or ``$PENPAL_SECRET``.
    """

    address: str = "penpal@localhost"
    name: str = "penpal"
    database: str = field(default=DEFAULT_DATABASE, repr=False)
    output_dir: Path = Path("output")
    language: Language = "en"
    secret: str | None = field(default=None, repr=False)
    templates: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MailboxSettings:
    """``[mailbox]``: where letters arrive, an IMAP server or a local Maildir folder."""

    source: MailboxSource = "maildir"
    maildir: Path = Path("Maildir")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapSettings:
    """``[imap]``: the service mailbox on an IMAP server.

    A ``port`` of 0 means the standard port for ``security`` (993 for ``tls``, 143
    otherwise). ``username`` is filled with the service address when left empty
    by ``load_settings`` and ``default_settings``. ``processed_folder`` and
    ``quarantine_folder`` are ``None`` when messages stay in ``folder``.
    """

    host: str = ""
    port: int = 0
    security: Security = "tls"
    username: str = ""
    password: str | None = field(default=None, repr=False)
    folder: str = "INBOX"
    processed_folder: str | None = None
    quarantine_folder: str | None = None
    idle: bool = True
    poll_interval: float = 60.0

    def __post_init__(self) -> None:
        if self.port == 0:
            # Frozen: the only way to fill in a derived value is past __setattr__.
            object.__setattr__(self, "port", _IMAP_PORTS[self.security])


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """``[smtp]``: the server penpal sends through.

    A ``port`` of 0 means the standard port for ``security`` (465 for ``tls``, 587
    for ``starttls``, 25 for ``none``). An empty ``username`` means no login.
    """

    host: str = "localhost"
    port: int = 0
    security: Security = "starttls"
    username: str = ""
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.port == 0:
            object.__setattr__(self, "port", _SMTP_PORTS[self.security])


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSettings:
    """``[web]``: where the editor's web page listens; ``host`` and ``port`` come from ``bind``.

    Raises:
        ValueError: ``bind`` is not ``host:port`` (``load_settings`` turns this into
            a ``ConfigError`` naming the key).
    """

    bind: str = DEFAULT_BIND
    host: str = field(init=False)
    port: int = field(init=False)

    def __post_init__(self) -> None:
        host, port = _split_bind(self.bind)
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "port", port)


@dataclass(frozen=True, slots=True, kw_only=True)
class EditorSettings:
    """One ``[[editors]]`` entry: someone who may log in to the editor page and approve."""

    email: str
    name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterSettings:
    """One ``[[writers]]`` entry: a writer penpal knows by address.

    An empty ``label`` means the first word of ``name`` (see ``Writer.turn_label``).
    """

    name: str
    email: str
    label: str = ""
    aliases: tuple[str, ...] = ()

    def to_writer(self) -> Writer:
        """The writer as the rest of penpal knows one."""
        return Writer(email=self.email, name=self.name, label=self.label, aliases=self.aliases)


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicySettings:
    """``[policy]``: reminders, consent, sender checks and size limits.

    A ``reminder_days`` of 0 turns reminders off.
    """

    reminder_days: int = 7
    require_consent: bool = False
    require_authenticated_sender: bool = False
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything ``config.toml`` says, checked; ``path`` is the file it came from."""

    path: Path
    service: ServiceSettings = field(default_factory=ServiceSettings)
    mailbox: MailboxSettings = field(default_factory=MailboxSettings)
    imap: ImapSettings = field(default_factory=ImapSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    editors: tuple[EditorSettings, ...] = ()
    writers: tuple[WriterSettings, ...] = ()
    policy: PolicySettings = field(default_factory=PolicySettings)

    @property
    def folder(self) -> Path:
        """The folder relative paths in the file are taken from."""
        return self.path.absolute().parent

    def writer_for(self, email: str) -> WriterSettings | None:
        """The configured writer who mails from ``email`` (address or alias), if any."""
        wanted = email.lower()
        for writer in self.writers:
            if wanted == writer.email or wanted in writer.aliases:
                return writer
        return None


_TABLES: Final[Mapping[str, type[Any]]] = {
    "service": ServiceSettings,
    "mailbox": MailboxSettings,
    "imap": ImapSettings,
    "smtp": SmtpSettings,
    "web": WebSettings,
    "policy": PolicySettings,
}
_ARRAYS: Final[Mapping[str, type[Any]]] = {
    "editors": EditorSettings,
    "writers": WriterSettings,
}


def section_keys() -> dict[str, tuple[str, ...]]:
    """Every section of ``config.toml`` and the keys it accepts, in the order documented."""
    return {name: _keys(cls) for name, cls in {**_TABLES, **_ARRAYS}.items()}


def _keys(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.init)


def resolve_config_path(option: str | None, env: Mapping[str, str], cwd: Path) -> Path:
    """The configuration file: ``--config``, else ``$PENPAL_CONFIG``, else ``./config.toml``.

    A relative path is taken from ``cwd``; ``~`` is expanded. An empty option or
    variable counts as not given.
    """
    chosen = option or env.get(CONFIG_ENV) or CONFIG_FILENAME
    return cwd / Path(chosen).expanduser()


def example_config_text() -> str:
    """The documented example configuration shipped with penpal (``penpal init`` writes it)."""
    return resources.files("penpal").joinpath("config.example.toml").read_text(encoding="utf-8")


def load_settings(path: Path, env: Mapping[str, str]) -> Settings:
    """Read, check and type the configuration file at ``path``.

    Secrets and the database URL given in ``env`` (``PENPAL_SECRET``,
    ``PENPAL_IMAP_PASSWORD``, ``PENPAL_SMTP_PASSWORD``, ``PENPAL_DATABASE``) win
    over the file; an empty variable counts as not set.

    Raises:
        ConfigError: the file is missing, unreadable or not TOML, a section or key
            is unknown, a value has the wrong type or shape, or a key that the rest
            of the file makes necessary is missing. The one-line message names the
            file and the key and never shows a secret.
    """
    data = _read_toml(path)
    return _finish(_Loader(path, data, env).settings())


def default_settings(
    path: Path,
    *,
    service: ServiceSettings | Mapping[str, Any] | None = None,
    mailbox: MailboxSettings | Mapping[str, Any] | None = None,
    imap: ImapSettings | Mapping[str, Any] | None = None,
    smtp: SmtpSettings | Mapping[str, Any] | None = None,
    web: WebSettings | Mapping[str, Any] | None = None,
    policy: PolicySettings | Mapping[str, Any] | None = None,
    editors: Sequence[EditorSettings] = (),
    writers: Sequence[WriterSettings] = (),
) -> Settings:
    """Settings as if ``path`` held a configuration file with only the keys given here.

    Each section is either a whole settings object or a mapping of the fields to
    change from its defaults (``service={"language": "nl"}``). Relative paths are
    taken from the folder of ``path``, as ``load_settings`` does; nothing is read
    from disk and no value is checked. Unlike a file, ``service.address`` may be
    left out (it is then ``penpal@localhost``). For the demo and for tests.
    """
    settings = Settings(
        path=path,
        service=_section(ServiceSettings, service),
        mailbox=_section(MailboxSettings, mailbox),
        imap=_section(ImapSettings, imap),
        smtp=_section(SmtpSettings, smtp),
        web=_section(WebSettings, web),
        policy=_section(PolicySettings, policy),
        editors=tuple(editors),
        writers=tuple(writers),
    )
    return _finish(settings)


def _section(cls: type[_T], given: _T | Mapping[str, Any] | None) -> _T:
    """A section's defaults, the fields of ``given`` changed, or ``given`` itself."""
    if given is None:
        return cls()
    if isinstance(given, Mapping):
        # Built afresh rather than replaced, so that derived fields (a port left at 0)
        # follow the fields given.
        return cls(**given)
    return given


def require_secret(settings: Settings, key: SecretKey) -> str:
    """The secret at ``key``, for the code that cannot go on without it.

    Raises:
        ConfigError: the secret is set neither in the file nor in the environment.
    """
    value = {
        "service.secret": settings.service.secret,
        "imap.password": settings.imap.password,
        "smtp.password": settings.smtp.password,
    }[key]
    if value is None:
        raise ConfigError(
            f"{settings.path}: {key}: not set (set it in the file or in ${SECRET_ENV[key]})"
        )
    return value


def redacted(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-ready data with every secret shown only as ``"set"`` or ``"unset"``.

    A password inside the database URL is replaced by ``***``.
    """

    def shown(secret: str | None) -> str:
        return "unset" if secret is None else "set"

    def text(value: Path | None) -> str | None:
        return None if value is None else str(value)

    service, imap, smtp = settings.service, settings.imap, settings.smtp
    return {
        "path": str(settings.path),
        "service": {
            "address": service.address,
            "name": service.name,
            "database": mask_database_url(service.database),
            "output_dir": str(service.output_dir),
            "language": service.language,
            "secret": shown(service.secret),
            "templates": text(service.templates),
        },
        "mailbox": {"source": settings.mailbox.source, "maildir": str(settings.mailbox.maildir)},
        "imap": {
            "host": imap.host,
            "port": imap.port,
            "security": imap.security,
            "username": imap.username,
            "password": shown(imap.password),
            "folder": imap.folder,
            "processed_folder": imap.processed_folder,
            "quarantine_folder": imap.quarantine_folder,
            "idle": imap.idle,
            "poll_interval": imap.poll_interval,
        },
        "smtp": {
            "host": smtp.host,
            "port": smtp.port,
            "security": smtp.security,
            "username": smtp.username,
            "password": shown(smtp.password),
        },
        "web": {"bind": settings.web.bind, "host": settings.web.host, "port": settings.web.port},
        "editors": [{"name": e.name, "email": e.email} for e in settings.editors],
        "writers": [
            {"name": w.name, "label": w.label, "email": w.email, "aliases": list(w.aliases)}
            for w in settings.writers
        ],
        "policy": {
            "reminder_days": settings.policy.reminder_days,
            "require_consent": settings.policy.require_consent,
            "require_authenticated_sender": settings.policy.require_authenticated_sender,
            "max_message_bytes": settings.policy.max_message_bytes,
        },
    }


def mask_database_url(url: str) -> str:
    """``postgresql+asyncpg://penpal:pw@db/penpal`` → ``postgresql+asyncpg://penpal:***@db/penpal``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    userinfo, at, hostport = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostport}{slash}{tail}"


# --- reading the file ------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: not found (run `penpal init` to write one, or give --config PATH)"
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: is a folder, expected a TOML file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's messages carry the line and column, never the offending text,
        # so a mistyped secret cannot leak through here.
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def _hint(key: str, known: Collection[str]) -> str:
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""


def _show(value: object) -> str:
    """A value as it would be written in TOML, shortened, for 'got …' in an error."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
        return shown if len(shown) <= 60 else shown[:56] + '…"'
    if isinstance(value, int | float):
        return repr(value)
    return _kind(value)


def _kind(value: object) -> str:
    """What sort of TOML value this is, without showing it (for secrets)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return "a date or time"


def _is_email(text: str) -> bool:
    """Whether ``text`` is shaped like a bare address (``local@domain.tld``); no lookup."""
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "@" in local:
        return False
    if any(c.isspace() or c in '<>(),;:"[]\\' for c in text):
        return False
    labels = domain.split(".")
    if any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        return False
    return len(labels) >= 2 or domain == "localhost"


class _Table:
    """One table of the file: rejects unknown keys, hands out typed values by key."""

    def __init__(
        self, path: Path, name: str, data: Mapping[str, Any], known: Collection[str]
    ) -> None:
        self.path = path
        self.name = name
        self.data = data
        for key in data:
            if key not in known:
                raise self.error(key, "unknown key" + _hint(key, known))

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {self.name}.{key}: {message}")

    def expected(self, key: str, what: str, value: object, *, secret: bool = False) -> ConfigError:
        got = _kind(value) if secret else _show(value)
        return self.error(key, f"expected {what}, got {got}")

    def has(self, key: str) -> bool:
        return key in self.data

    def string(self, key: str, default: str | None, *, empty: bool = False) -> str:
        """A string; ``default=None`` makes the key required."""
        if key not in self.data:
            if default is None:
                raise self.error(key, "missing")
            return default
        value = self.data[key]
        if not isinstance(value, str):
            raise self.expected(key, "a string", value)
        if not empty and not value.strip():
            raise self.error(key, "expected a non-empty string")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.string(key, "", empty=True)
        return value or None

    def secret(
        self, key: str, env_name: str, env: Mapping[str, str], minimum: int = 1
    ) -> str | None:
        """A secret from ``env_name`` if set there, else from the file; never shown in errors."""
        if env.get(env_name):
            value = env[env_name]
            if len(value) < minimum:
                raise self.error(
                    f"{key} (from ${env_name})", f"expected at least {minimum} characters"
                )
            return value
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, str):
            raise self.expected(key, "a string", value, secret=True)
        if not value:
            return None
        if len(value) < minimum:
            raise self.error(key, f"expected at least {minimum} characters")
        return value

    def integer(self, key: str, default: int, *, low: int, high: int | None = None) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.expected(key, "an integer", value)
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise self.expected(key, f"an integer {span}", value)
        return value

    def port(self, key: str) -> int:
        """A port number; 0 (the standard port for the security setting) when left out."""
        if key not in self.data:
            return 0
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.expected(key, "an integer", value)
        if not 1 <= value <= 65535:
            raise self.expected(key, "a port number from 1 to 65535", value)
        return value

    def seconds(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.expected(key, "a number of seconds", value)
        if not value > 0:
            raise self.expected(key, "a number of seconds above 0", value)
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.expected(key, "true or false", value)
        return value

    def choice(self, key: str, default: str, choices: Sequence[str]) -> str:
        value = self.string(key, default)
        if value not in choices:
            options = ", ".join(json.dumps(c) for c in choices)
            raise self.expected(key, f"one of {options}", value)
        return value

    def email(self, key: str, default: str | None) -> str:
        value = self.string(key, default).strip()
        if not _is_email(value):
            raise self.expected(key, "an email address like name@example.org", value)
        return value.lower()

    def emails(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.expected(key, "an array of email addresses", value)
        result = []
        for item in value:
            if not isinstance(item, str) or not _is_email(item.strip()):
                raise self.expected(key, "an array of email addresses", item)
            result.append(item.strip().lower())
        return tuple(dict.fromkeys(result))

    def path_value(self, key: str, default: Path) -> Path:
        return Path(self.string(key, str(default))).expanduser()

    def optional_path(self, key: str) -> Path | None:
        value = self.optional_string(key)
        return None if value is None else Path(value).expanduser()


class _Loader:
    """Turns the parsed TOML document into ``Settings``, one section at a time."""

    def __init__(self, path: Path, data: Mapping[str, Any], env: Mapping[str, str]) -> None:
        self.path = path
        self.data = data
        self.env = env

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {message}")

    def settings(self) -> Settings:
        sections = [*_TABLES, *_ARRAYS]
        for key, value in self.data.items():
            if key not in sections:
                what = "unknown section" if isinstance(value, dict | list) else "unknown key"
                raise self.error(key, what + _hint(key, sections))
        service = self.service()
        mailbox = self.mailbox()
        imap = self.imap()
        if mailbox.source == "imap" and not imap.host:
            raise self.error("imap.host", 'missing (required when mailbox.source = "imap")')
        editors = tuple(self.editor(t) for t in self.array("editors"))
        writers = tuple(self.writer(t) for t in self.array("writers"))
        self.check_unique_editors(editors)
        self.check_unique_writers(writers, service.address)
        return Settings(
            path=self.path,
            service=service,
            mailbox=mailbox,
            imap=imap,
            smtp=self.smtp(),
            web=self.web(),
            editors=editors,
            writers=writers,
            policy=self.policy(),
        )

    def table(self, name: str) -> _Table:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.error(name, f"expected a table ([{name}]), got {_kind(value)}")
        return _Table(self.path, name, value, _keys(_TABLES[name]))

    def array(self, name: str) -> list[_Table]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(name, f"expected an array of tables ([[{name}]]), got {_kind(value)}")
        known = _keys(_ARRAYS[name])
        # Numbered from 1, as a reader counts the [[…]] blocks in the file.
        return [_Table(self.path, f"{name}[{i}]", item, known) for i, item in enumerate(value, 1)]

    def service(self) -> ServiceSettings:
        table = self.table("service")
        if not table.has("address"):
            raise self.error(
                "service.address", "missing (the service's own mailbox, like penpal@example.org)"
            )
        return ServiceSettings(
            address=table.email("address", None),
            name=table.string("name", "penpal"),
            database=self.database(table),
            output_dir=table.path_value("output_dir", Path("output")),
            language=cast("Language", table.choice("language", "en", LANGUAGES)),
            secret=table.secret(
                "secret", SECRET_ENV["service.secret"], self.env, minimum=MIN_SECRET_LENGTH
            ),
            templates=table.optional_path("templates"),
        )

    def database(self, table: _Table) -> str:
        expected = (
            "an async SQLAlchemy URL like sqlite+aiosqlite:///penpal.db "
            "or postgresql+asyncpg://user@host/db"
        )
        if self.env.get(DATABASE_ENV):
            url, key = self.env[DATABASE_ENV], f"database (from ${DATABASE_ENV})"
        else:
            url, key = table.string("database", DEFAULT_DATABASE), "database"
        scheme, sep, _ = url.partition("://")
        if not sep or scheme not in _DATABASE_SCHEMES:
            # Only the scheme is shown: the rest of the URL may hold a password.
            raise table.error(key, f'expected {expected}, got "{scheme}{sep}…"')
        return url

    def mailbox(self) -> MailboxSettings:
        table = self.table("mailbox")
        return MailboxSettings(
            source=cast("MailboxSource", table.choice("source", "maildir", MAILBOX_SOURCES)),
            maildir=table.path_value("maildir", Path("Maildir")),
        )

    def imap(self) -> ImapSettings:
        table = self.table("imap")
        return ImapSettings(
            host=table.string("host", "", empty=True).strip(),
            port=table.port("port"),
            security=cast("Security", table.choice("security", "tls", SECURITIES)),
            username=table.string("username", "", empty=True),
            password=table.secret("password", SECRET_ENV["imap.password"], self.env),
            folder=table.string("folder", "INBOX"),
            processed_folder=table.optional_string("processed_folder"),
            quarantine_folder=table.optional_string("quarantine_folder"),
            idle=table.boolean("idle", True),
            poll_interval=table.seconds("poll_interval", 60.0),
        )

    def smtp(self) -> SmtpSettings:
        table = self.table("smtp")
        return SmtpSettings(
            host=table.string("host", "localhost").strip(),
            port=table.port("port"),
            security=cast("Security", table.choice("security", "starttls", SECURITIES)),
            username=table.string("username", "", empty=True),
            password=table.secret("password", SECRET_ENV["smtp.password"], self.env),
        )

    def web(self) -> WebSettings:
        table = self.table("web")
        bind = table.string("bind", DEFAULT_BIND).strip()
        try:
            return WebSettings(bind=bind)
        except ValueError:
            raise table.expected("bind", f'"host:port" like "{DEFAULT_BIND}"', bind) from None

    def policy(self) -> PolicySettings:
        table = self.table("policy")
        return PolicySettings(
            reminder_days=table.integer("reminder_days", 7, low=0),
            require_consent=table.boolean("require_consent", False),
            require_authenticated_sender=table.boolean("require_authenticated_sender", False),
            max_message_bytes=table.integer(
                "max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES, low=1024
            ),
        )

    def editor(self, table: _Table) -> EditorSettings:
        return EditorSettings(
            email=table.email("email", None), name=table.string("name", "", empty=True).strip()
        )

    def writer(self, table: _Table) -> WriterSettings:
        return WriterSettings(
            name=table.string("name", None).strip(),
            label=table.string("label", "", empty=True).strip(),
            email=table.email("email", None),
            aliases=table.emails("aliases"),
        )

    def check_unique_editors(self, editors: Sequence[EditorSettings]) -> None:
        seen: set[str] = set()
        for index, editor in enumerate(editors, 1):
            if editor.email in seen:
                raise self.error(
                    f"editors[{index}].email", f'"{editor.email}" is already an editor'
                )
            seen.add(editor.email)

    def check_unique_writers(self, writers: Sequence[WriterSettings], service: str) -> None:
        # An address must lead to one writer, or a letter could be filed under the wrong one.
        seen: dict[str, str] = {}
        for index, writer in enumerate(writers, 1):
            for key, address in [("email", writer.email)] + [
                ("aliases", a) for a in writer.aliases
            ]:
                where = f"writers[{index}].{key}"
                if address == service.lower():
                    raise self.error(where, f'"{address}" is the service address')
                if address in seen:
                    raise self.error(where, f'"{address}" is already used by {seen[address]}')
                seen[address] = f"writers[{index}]"


# --- after loading -----------------------------------------------------------------


def _finish(settings: Settings) -> Settings:
    """Take relative paths from the file's folder and fill in values derived from others."""
    folder = settings.folder

    def absolute(value: Path | str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else folder / path

    service = replace(
        settings.service,
        database=_absolute_sqlite(settings.service.database, folder),
        output_dir=absolute(settings.service.output_dir),
        templates=None
        if settings.service.templates is None
        else absolute(settings.service.templates),
    )
    imap = settings.imap
    if not imap.username:
        imap = replace(imap, username=service.address)
    return replace(
        settings,
        service=service,
        mailbox=replace(settings.mailbox, maildir=absolute(settings.mailbox.maildir)),
        imap=imap,
    )


def _absolute_sqlite(url: str, folder: Path) -> str:
    """A SQLite URL whose file is relative gets the file's absolute path; others are kept."""
    scheme, sep, rest = url.partition(":///")
    if not sep or not scheme.startswith("sqlite"):
        return url
    filename, question, query = rest.partition("?")
    if filename in ("", ":memory:") or filename.startswith("file:"):
        return url
    path = Path(filename).expanduser()
    if not path.is_absolute():
        path = folder / path
    # An absolute path already starts with "/", which makes the four slashes SQLite wants.
    return f"{scheme}:///{path}{question}{query}"
