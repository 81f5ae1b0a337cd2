"""``penpal demo``: the whole flow on the sample letters, through production code.

A temporary folder gets a configuration, an SQLite database and a Maildir; the
sample letters are delivered into the Maildir as a mail server would, a
correspondence is started between the sample writers, and the same intake,
extraction, threading and compiling code that runs in production takes it from
there. The last sample letter says ``#klaar``, which completes the
correspondence. The draft is written next to the database as Markdown and HTML.
This module only arranges the stage; it must not take shortcuts past the
workflows.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from penpal import workflows
from penpal.config import Settings, WriterSettings, default_settings
from penpal.demo import SAMPLE_TOPIC, SAMPLE_WRITERS, sample_messages
from penpal.intake import MaildirMailbox
from penpal.letters import Article, Correspondence, State
from penpal.store import Store
from penpal.templating import template_environment

SERVICE_ADDRESS = "penpal@magazine.example"


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


def demo_settings(folder: Path) -> Settings:
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
    for w in settings.writers:
        lines += ["", "[[writers]]", f"name = {q(w.name)}", f"email = {q(w.email)}"]
        if w.label:
            lines.append(f"label = {q(w.label)}")
    text = "\n".join(lines) + "\n"
    settings.path.write_text(text, encoding="utf-8")


async def run_demo(
    folder: Path | None = None, clock: Callable[[], datetime] | None = None
) -> DemoResult:
    """Run the sample correspondence from delivery to draft; returns where it all is."""
    folder = folder or Path(tempfile.mkdtemp(prefix="penpal-demo-"))
    tick = clock or (lambda: datetime.now(UTC))
    settings = demo_settings(folder)
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
