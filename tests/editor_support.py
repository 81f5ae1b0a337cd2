"""What the editor page's tests share: settings, a seeded correspondence, a login.

The seeded correspondence holds three letters between two invented writers, one
of them carrying script and event-handler payloads as plain text and an image; it
is completed, so it has a draft. A message from an unknown address with the same
payloads in its HTML part waits in the quarantine.
"""

from __future__ import annotations

import random
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from penpal import workflows
from penpal.config import EditorSettings, Settings, WriterSettings, default_settings
from penpal.editor.accounts import Passwords, set_password
from penpal.letters import CorrespondenceId, MessageRecordId, Writer
from penpal.store import RawStatus, Store

SERVICE = "penpal@magazine.example"
EDITOR = "eva@redactie.example"
PASSWORD = "een lange zin als wachtwoord"
DENISE = Writer(email="denise@brieven.example", name="Denise Veldhuis", label="Denise")
CAROLA = Writer(email="carola@post.example", name="Carola Zandvliet", label="Carola")
TOPIC = "Kwetsbaarheid op het werk"
STRANGER = "onbekend@elders.example"

PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 1">'
"""Text that would run script if a page ever put it in as HTML."""

CHEAP_PASSWORDS = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
"""Argon2id with tiny parameters: the tests check the flow, not the cost."""


def editor_settings(
    tmp_path: Path, *, language: str = "en", consent: bool = False, database: str = ""
) -> Settings:
    """Settings with one configured editor, the two writers and an output folder."""
    service: dict[str, object] = {
        "address": SERVICE,
        "secret": "e" * 32,
        "language": language,
        "output_dir": tmp_path / "output",
    }
    if database:
        service["database"] = database
    return default_settings(
        tmp_path / "config.toml",
        service=service,
        policy={"require_consent": consent},
        editors=[EditorSettings(email=EDITOR, name="Eva Bakker")],
        writers=[
            WriterSettings(name=w.name, email=w.email, label=w.label) for w in (DENISE, CAROLA)
        ],
    )


class MovingClock:
    """A clock that moves a second each time it is read, and can be moved on by hand."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment

    def advance(self, delta: timedelta) -> None:
        """Move the clock on by ``delta``."""
        self.moment += delta


def png(width: int = 24, height: int = 24, seed: int = 7) -> bytes:
    """A real PNG of noise: large enough (over 1 KiB) to count as an image of a letter."""
    rng = random.Random(seed)
    rows = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def message(
    sender: str,
    body: str,
    *,
    message_id: str,
    subject: str = TOPIC,
    in_reply_to: str = "",
    html: str = "",
    image: bytes = b"",
) -> bytes:
    """A message as a mail program sends it: plain text, maybe HTML and an image too."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = SERVICE
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    if image:
        msg.add_attachment(image, maintype="image", subtype="png", filename="bureau.png")
    return msg.as_bytes()


FIRST = (
    "Lieve Carola,\n\n"
    "Ik wil het met je hebben over twijfel op het werk. Wie twijfelt, laat zien dat "
    "ze nog aan het leren is en dat vind ik eigenlijk heel moedig.\n\n"
    f"Vandaag typte een collega dit in de chat: {PAYLOAD}\n\n"
    "Liefs,\nDenise\n\n-- \nDenise Veldhuis\nSchrijver\n"
)
REPLY = (
    "Hoi Denise,\n\n"
    "Twijfel is het begin van alles. Ik merk dat ik pas echt luister als ik niet zeker "
    "weet wat ik zelf vind.\n\n"
    "Op kantoor heb ik geleerd dat een vraag stellen vaak meer oplevert dan een "
    "antwoord geven aan wie het niet vroeg.\n\n"
    "Groetjes,\nCarola\n\n"
    "Op vr 20 nov 2026 om 09:14 schreef Denise <denise@brieven.example>:\n"
    "> Lieve Carola,\n> Ik wil het met je hebben over twijfel.\n"
)
LAST = (
    "Lieve Carola,\n\n"
    "Kwetsbaar zijn op het werk vraagt een plek waar fouten mogen bestaan zonder "
    "dat iemand meteen een schuldige zoekt.\n\n"
    "Dank je voor deze briefwisseling, ik heb er veel van geleerd.\n\n"
    "Liefs,\nDenise\n\n#klaar\n"
)
HELD_HTML = f"<p>Hallo redactie,</p><p>{PAYLOAD}</p><a href='javascript:alert(1)'>klik</a>"


@dataclass(frozen=True, slots=True)
class Seeded:
    """What :func:`seed` put in the store."""

    correspondence_id: CorrespondenceId
    held_id: MessageRecordId


async def seed(store: Store, settings: Settings, clock: MovingClock) -> Seeded:
    """A completed correspondence of three letters (payloads, an image) and one held message."""
    correspondence = await workflows.start_correspondence(
        store, TOPIC, [DENISE, CAROLA], clock=clock, actor=EDITOR
    )
    raws = [
        message(DENISE.email, FIRST, message_id="1@brieven.example", image=png()),
        message(CAROLA.email, REPLY, message_id="2@post.example", in_reply_to="1@brieven.example"),
        message(DENISE.email, LAST, message_id="3@brieven.example", in_reply_to="2@post.example"),
    ]
    for raw in raws:
        receipt = await workflows.receive(store, raw, source="test", settings=settings, clock=clock)
        assert receipt.status is RawStatus.LETTER, receipt
    held = await workflows.receive(
        store,
        message(
            STRANGER,
            f"Hallo redactie,\n\n{PAYLOAD}\n",
            message_id="4@elders.example",
            subject=f"Een vraag {PAYLOAD}",
            html=HELD_HTML,
        ),
        source="test",
        settings=settings,
        clock=clock,
    )
    assert held.status is RawStatus.QUARANTINED
    return Seeded(correspondence.id, held.record_id)


async def give_password(store: Store, settings: Settings, clock: MovingClock) -> None:
    """Set the configured editor's password."""
    await set_password(store, settings, EDITOR, PASSWORD, clock=clock, passwords=CHEAP_PASSWORDS)


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = _CSRF.search(html)
    assert found is not None, "no form token on the page"
    return found.group(1)


async def log_in(
    client: httpx.AsyncClient, email: str = EDITOR, password: str = PASSWORD
) -> httpx.Response:
    """Open the login page and send the form; returns the answer to the POST."""
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password, "next": "/"},
    )
