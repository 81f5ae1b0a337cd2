"""``penpal demo``: the whole flow on the sample letters, through production code.

A temporary folder gets a configuration, an SQLite database and a Maildir; the
sample letters are delivered into the Maildir as a mail server would, a
correspondence is started between the sample writers, and the same intake,
extraction, threading and compiling code that runs in production takes it from
there. The last sample letter says ``#klaar``, which completes the
correspondence. The draft is written next to the database as Markdown and HTML,
and :func:`serve_demo` then serves the editor's page on it with a demo editor
login. This module only arranges the stage; it must not take shortcuts past the
workflows.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from penpal import workflows
from penpal.config import EditorSettings, Settings, WriterSettings, default_settings
from penpal.demo import SAMPLE_TOPIC, SAMPLE_WRITERS, sample_messages
from penpal.editor import create_app
from penpal.editor.accounts import set_password
from penpal.editor.server import serve_web
from penpal.intake import MaildirMailbox
from penpal.letters import Article, Correspondence, State
from penpal.store import Store
from penpal.templating import template_environment

SERVICE_ADDRESS = "penpal@magazine.example"
DEMO_EDITOR = EditorSettings(email="redactie@magazine.example", name="Redactie")


@dataclass(frozen=True, slots=True)
class DemoResult:
    """Where the demo left things."""

    folder: Path
    settings: Settings
    correspondence: Correspondence
    report: workflows.IntakeReport
    article: Article
    markdown: Path
    html: Path

    def summary(self) -> str:
        """What a person running ``penpal demo`` wants to read."""
        c = self.correspondence
        names = " and ".join(w.name for w in c.writers)
        lines = [
            f"penpal demo: {names} wrote {len(self.article.turns)} letters about "
            f"{c.topic!r} (correspondence {c.id}, now {c.state}).",
            f"Intake: {self.report.total} messages delivered into {self.settings.mailbox.maildir}",
            "",
            "The draft:",
            f"  Markdown  {self.markdown}",
            f"  HTML      {self.html}",
            "",
            f"Explore it: penpal --config {self.settings.path} show {c.id}",
            f"            penpal --config {self.settings.path} draft {c.id} --format json",
        ]
        return "\n".join(lines)


def demo_settings(folder: Path, *, bind: str = "127.0.0.1:8080") -> Settings:
    """Embedded defaults: SQLite and a Maildir under ``folder``, Dutch, a fresh secret."""
    return default_settings(
        folder / "config.toml",
        service={
            "address": SERVICE_ADDRESS,
            "name": "Penpal",
            "database": f"sqlite+aiosqlite:///{folder / 'penpal.db'}",
            "output_dir": folder / "output",
            "language": "nl",
            "secret": secrets.token_urlsafe(32),
        },
        mailbox={"source": "maildir", "maildir": folder / "Maildir"},
        web={"bind": bind},
        editors=[DEMO_EDITOR],
        writers=[
            WriterSettings(name=w.name, email=w.email, label=w.label, aliases=w.aliases)
            for w in SAMPLE_WRITERS
        ],
    )


def deliver(maildir: Path, messages: list[bytes]) -> None:
    """Put messages into a Maildir the way a delivery agent does: tmp/, then new/."""
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for number, raw in enumerate(messages, start=1):
        name = f"{number:04d}.demo.penpal"
        (maildir / "tmp" / name).write_bytes(raw)
        (maildir / "tmp" / name).rename(maildir / "new" / name)


def _write_config(settings: Settings) -> None:
    """A config.toml for the demo folder, so the printed commands work on it."""
    service = settings.service

    def q(value: object) -> str:
        # A JSON string is a valid TOML basic string.
        return json.dumps(str(value), ensure_ascii=False)

    lines = ["# Written by penpal demo.", "[service]"]
    for key in ("address", "name", "database", "output_dir", "language", "secret"):
        lines.append(f"{key} = {q(getattr(service, key))}")
    lines += ["", "[mailbox]", 'source = "maildir"', f"maildir = {q(settings.mailbox.maildir)}"]
    lines += ["", "[web]", f"bind = {q(settings.web.bind)}"]
    for e in settings.editors:
        lines += ["", "[[editors]]", f"name = {q(e.name)}", f"email = {q(e.email)}"]
    for w in settings.writers:
        lines += ["", "[[writers]]", f"name = {q(w.name)}", f"email = {q(w.email)}"]
        if w.label:
            lines.append(f"label = {q(w.label)}")
    text = "\n".join(lines) + "\n"
    settings.path.write_text(text, encoding="utf-8")


async def run_demo(
    folder: Path | None = None,
    clock: Callable[[], datetime] | None = None,
    *,
    bind: str = "127.0.0.1:8080",
) -> DemoResult:
    """Run the sample correspondence from delivery to draft; returns where it all is."""
    folder = folder or Path(tempfile.mkdtemp(prefix="penpal-demo-"))
    tick = clock or (lambda: datetime.now(UTC))
    settings = demo_settings(folder, bind=bind)
    _write_config(settings)
    deliver(settings.mailbox.maildir, sample_messages())
    store = Store.connect(settings.service.database)
    try:
        await store.upgrade()
        correspondence = await workflows.start_correspondence(
            store, SAMPLE_TOPIC, SAMPLE_WRITERS, clock=tick, actor="demo"
        )
        mailbox = MaildirMailbox(settings.mailbox.maildir)
        try:
            report = await workflows.ingest_once(store, mailbox, settings=settings, clock=tick)
        finally:
            await mailbox.close()
        async with store.unit() as repo:
            correspondence = await repo.get_correspondence(correspondence.id)
        if correspondence.state is State.OPEN:
            await workflows.complete(
                store, correspondence.id, settings=settings, clock=tick, actor="demo"
            )
            async with store.unit() as repo:
                correspondence = await repo.get_correspondence(correspondence.id)
        article = await workflows.current_draft(store, correspondence.id)
    finally:
        await store.close()
    env = template_environment(settings.service.templates)
    out = settings.service.output_dir / correspondence.id
    out.mkdir(parents=True, exist_ok=True)
    markdown = out / "draft.md"
    html = out / "draft.html"
    markdown.write_text(workflows.render_draft(article, "md", env), encoding="utf-8")
    html.write_text(workflows.render_draft(article, "html", env), encoding="utf-8")
    return DemoResult(folder, settings, correspondence, report, article, markdown, html)


async def serve_demo(
    result: DemoResult,
    *,
    announce: Callable[[str], None],
    ready: asyncio.Event | None = None,
) -> None:
    """Serve the editor's page on the demo's database until cancelled, with a fresh login."""
    settings = result.settings
    password = secrets.token_urlsafe(12)
    store = Store.connect(settings.service.database)
    try:
        await store.upgrade()
        await set_password(
            store, settings, DEMO_EDITOR.email, password, clock=lambda: datetime.now(UTC)
        )
        app = create_app(settings, store, env=template_environment(settings.service.templates))
        listening = asyncio.Event()
        web = asyncio.create_task(
            serve_web(app, settings.web.host, settings.web.port, ready=listening)
        )
        waiting = asyncio.create_task(listening.wait())
        try:
            await asyncio.wait({web, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if web.done():
                web.result()  # it could not listen: the ConfigError says why
            host = settings.web.host if ":" not in settings.web.host else f"[{settings.web.host}]"
            announce(
                f"\nThe editor's page: http://{host}:{settings.web.port}/\n"
                f"  log in as {DEMO_EDITOR.email} with the password {password}\n"
                "  (Ctrl-C stops the demo)"
            )
            if ready is not None:
                ready.set()
            await web
        finally:
            waiting.cancel()
            web.cancel()
            await asyncio.gather(web, waiting, return_exceptions=True)
    finally:
        await store.close()
