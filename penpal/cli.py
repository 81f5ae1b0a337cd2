"""The ``penpal`` command: the only place where errors become exit codes.

Each command reads the configuration, opens what it needs (store, mailbox,
templates), calls one workflow and prints the result, as text for people or as
JSON (``--json``) for scripts. The JSON shapes are a contract described in
DESIGN.md: keys may be added, never renamed. A ``PenpalError`` anywhere below
becomes one line on stderr and exit status 1; this module must not hold any
logic that a workflow could own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any, TypeVar

import click

from penpal import __version__, workflows
from penpal.articles import BlockChange, article_from_json, article_to_json
from penpal.config import (
    Settings,
    example_config_text,
    load_settings,
    mask_database_url,
    resolve_config_path,
)
from penpal.demo.run import run_demo, serve_demo
from penpal.editor.commands import editor as editor_commands
from penpal.errors import DraftFormatError, PenpalError, WorkflowError
from penpal.intake import count_paths, read_paths
from penpal.letters import (
    Article,
    Correspondence,
    CorrespondenceSummary,
    Letter,
    MessageRecordId,
    ParsedMessage,
    State,
    Writer,
)
from penpal.parsing import parse_message
from penpal.publishing import Published
from penpal.service import open_mailbox, open_sender
from penpal.service import serve as run_service
from penpal.store import OutboxStatus, QuarantineEntry, RawStatus, Store
from penpal.templating import template_environment
from penpal.workflows import drafting
from penpal.workflows.outgoing import Mailroom, send_due
from penpal.workflows.quarantine import discard as discard_held
from penpal.workflows.quarantine import release as release_held

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Context:
    config_option: Path | None

    def config_path(self) -> Path:
        return resolve_config_path(
            str(self.config_option) if self.config_option else None, os.environ, Path.cwd()
        )

    def settings(self) -> Settings:
        return load_settings(self.config_path(), os.environ)


def _run(coro: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


@asynccontextmanager
async def _opened_store(settings: Settings) -> AsyncIterator[Store]:
    store = Store.connect(settings.service.database)
    try:
        await store.upgrade()
        yield store
    finally:
        await store.close()


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


pass_context = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_option",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The configuration file (else $PENPAL_CONFIG, else ./config.toml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(__version__, prog_name="penpal")
@click.pass_context
def cli(ctx: click.Context, config_option: Path | None, verbose: int) -> None:
    """penpal turns a correspondence by email into a publishable article."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # aioimaplib's debug log carries whole messages and, in some cases, the password.
    logging.getLogger("aioimaplib").setLevel(max(level, logging.INFO))
    ctx.obj = _Context(config_option)


@cli.command()
@pass_context
def init(ctx: _Context) -> None:
    """Write config.toml from the example (an existing one is kept) and create the database."""
    path = ctx.config_path()
    if path.exists():
        click.echo(f"{path}: kept as it is")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_with_fresh_secret(example_config_text()), encoding="utf-8")
        click.echo(
            f"{path}: written from the example with a fresh secret; "
            "edit it, then run penpal init again"
        )
    settings = load_settings(path, os.environ)

    async def upgrade() -> None:
        async with _opened_store(settings):
            pass

    _run(upgrade())
    click.echo(f"database ready: {mask_database_url(settings.service.database)}")


def _with_fresh_secret(example: str) -> str:
    """The example with its commented-out secret replaced by a new random one."""
    lines = example.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if line.startswith("# secret = "):
            lines[number] = f'secret = "{secrets.token_urlsafe(32)}"\n'
            break
    return "".join(lines)


@cli.command()
@pass_context
def serve(ctx: _Context) -> None:
    """Run the service: mailbox intake, relay, reminders and the editor's web page."""
    settings = ctx.settings()
    click.echo(f"penpal serving {settings.service.address}; Ctrl-C stops", err=True)
    _run(run_service(settings))


@cli.command()
@click.option("--no-serve", is_flag=True, help="Exit after compiling the draft.")
@click.option(
    "--bind", default="127.0.0.1:8080", show_default=True, help="Where the editor's page listens."
)
def demo(no_serve: bool, bind: str) -> None:
    """Run the whole flow on sample letters, show where the draft is, serve the editor's page."""
    result = _run(run_demo(bind=bind))
    click.echo(result.summary())
    if no_serve:
        return
    try:
        _run(serve_demo(result, announce=click.echo))
    except KeyboardInterrupt:
        click.echo("\npenpal demo: stopped")


def _mailroom(settings: Settings) -> Mailroom:
    return Mailroom(settings, template_environment(settings.service.templates))


async def _send_outbox(store: Store, room: Mailroom) -> None:
    """Send what the command queued; what cannot go now stays queued for the next run."""
    sender = open_sender(room.settings)
    try:
        report = await send_due(store, sender, room, clock=_now)
    finally:
        await sender.close()
    if report.counts["retry"] or report.counts["failed"]:
        click.echo(
            f"penpal: {report.counts['retry']} mails wait for a retry, "
            f"{report.counts['failed']} failed",
            err=True,
        )


def _report_line(report: workflows.IntakeReport) -> str:
    if not report.total:
        return "nothing new"
    parts = ", ".join(f"{count} {name}" for name, count in sorted(report.counts.items()))
    return f"{report.total} messages: {parts}"


@cli.command()
@click.option("--once", is_flag=True, help="One pass over the mailbox, then exit (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_context
def ingest(ctx: _Context, once: bool, as_json: bool) -> None:
    """Read the mailbox and file what is new."""
    settings = ctx.settings()

    async def go() -> workflows.IntakeReport:
        async with _opened_store(settings) as store:
            room = _mailroom(settings)
            mailbox = open_mailbox(settings)
            try:
                if once:
                    report = await workflows.ingest_once(
                        store, mailbox, settings=settings, clock=_now, room=room
                    )
                    await _send_outbox(store, room)
                    return report
                await workflows.keep_ingesting(
                    store,
                    mailbox,
                    settings=settings,
                    clock=_now,
                    on_report=lambda report: _print_report(report, as_json),
                    room=room,
                )
            finally:
                await mailbox.close()

    _print_report(_run(go()), as_json)


def _print_report(report: workflows.IntakeReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"total": report.total, **dict(report.counts)}))
    else:
        click.echo(_report_line(report))


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_context
def import_(ctx: _Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Backfill from .eml files, mbox files or Maildir folders."""
    settings = ctx.settings()
    total = count_paths(paths)

    async def go() -> workflows.IntakeReport:
        async with _opened_store(settings) as store:
            with click.progressbar(
                length=total, label="importing", file=sys.stderr, show_pos=True
            ) as bar:
                return await workflows.import_messages(
                    store,
                    read_paths(paths),
                    settings=settings,
                    clock=_now,
                    progress=lambda _receipt: bar.update(1),
                )

    _print_report(_run(go()), as_json)


def parsed_json(path: str, parsed: ParsedMessage) -> dict[str, Any]:
    """One ``penpal parse --json`` line: the DESIGN fields, then some more."""
    extraction = parsed.extraction
    return {
        "path": path,
        "kind": str(parsed.kind),
        "from": parsed.sender.email if parsed.sender else "",
        "from_name": parsed.sender.name if parsed.sender else "",
        "to": [a.email for a in parsed.to],
        "cc": [a.email for a in parsed.cc],
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "in_reply_to": list(parsed.in_reply_to),
        "date": parsed.date.isoformat() if parsed.date else None,
        "reason": parsed.reason,
        "text": extraction.text,
        "body": extraction.body,
        "salutation": extraction.salutation,
        "closing": extraction.closing,
        "private": list(extraction.private),
        "commands": [c.word for c in extraction.commands],
        "removed": [
            {"kind": str(cut.kind), "reason": cut.reason, "text": cut.text}
            for cut in extraction.removed
        ],
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": len(a.data)}
            for a in parsed.attachments
        ],
    }


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message, per line.")
def parse(paths: tuple[Path, ...], as_json: bool) -> None:
    """Show how each message is read: kind, sender, letter text and what was cut."""
    failed = False
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            click.echo(f"penpal: {path}: {exc.strerror or exc}", err=True)
            failed = True
            continue
        data = parsed_json(str(path), parse_message(raw))
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            _print_parsed(data)
    if failed:
        raise SystemExit(1)


def _print_parsed(data: dict[str, Any]) -> None:
    click.secho(f"== {data['path']}", bold=True)
    click.echo(f"kind: {data['kind']}" + (f" ({data['reason']})" if data["reason"] else ""))
    click.echo(f"from: {data['from']}\nsubject: {data['subject']}")
    for key in ("salutation", "closing"):
        if data[key]:
            click.echo(f"{key}: {data[key]}")
    if data["commands"]:
        click.echo("commands: " + " ".join(data["commands"]))
    click.echo("-- text --")
    click.echo(data["text"])
    for private in data["private"]:
        click.echo(f"-- private --\n{private}")
    for cut in data["removed"]:
        click.echo(f"-- removed ({cut['kind']}: {cut['reason']}) --")
        click.echo(cut["text"])
    click.echo()


def _writer(settings: Settings, text: str) -> Writer:
    name, email = parseaddr(text)
    if "@" not in email:
        raise click.BadParameter(f"{text!r} is not an email address", param_hint="WRITER")
    for configured in settings.writers:
        writer = configured.to_writer()
        if email.lower() in writer.addresses:
            return writer
    return Writer(email=email.lower(), name=name or email.split("@", 1)[0])


@cli.command()
@click.option("--topic", required=True, help="What the writers write about.")
@click.argument("writers", nargs=2)
@click.option("--no-mail", is_flag=True, help="Queue the invitations; penpal serve sends them.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def new(ctx: _Context, topic: str, writers: tuple[str, str], no_mail: bool, as_json: bool) -> None:
    """Start a correspondence between two writers (by email address) and invite them."""
    settings = ctx.settings()
    pair = [_writer(settings, w) for w in writers]

    async def go() -> Correspondence:
        async with _opened_store(settings) as store:
            room = _mailroom(settings)
            correspondence = await workflows.start_correspondence(
                store, topic, pair, clock=_now, actor="cli", room=room
            )
            if not no_mail:
                await _send_outbox(store, room)
            return correspondence

    correspondence = _run(go())
    if as_json:
        _echo_json({"id": correspondence.id, "topic": correspondence.topic})
    else:
        click.echo(correspondence.id)


def _summary_json(summary: CorrespondenceSummary) -> dict[str, Any]:
    c = summary.correspondence
    return {
        "id": c.id,
        "topic": c.topic,
        "state": str(c.state),
        "writers": [{"name": w.name, "email": w.email, "label": w.turn_label} for w in c.writers],
        "letters": summary.letters,
        "last_activity": summary.last_activity.isoformat() if summary.last_activity else None,
        "created_at": c.created_at.isoformat(),
    }


def _letter_json(letter: Letter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "writer": letter.writer.name,
        "email": letter.writer.email,
        "date": letter.date.isoformat(),
        "subject": letter.subject,
        "message_id": letter.message_id,
        "text": letter.text,
        "body": letter.body,
        "private": list(letter.extraction.private),
    }


@cli.command(name="list")
@click.option("--state", type=click.Choice([s.value for s in State]), default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_(ctx: _Context, state: str | None, as_json: bool) -> None:
    """List correspondences with state and letter count."""
    settings = ctx.settings()

    async def go() -> list[CorrespondenceSummary]:
        async with _opened_store(settings) as store, store.unit() as repo:
            return await repo.list_correspondences(State(state) if state else None)

    summaries = _run(go())
    if as_json:
        _echo_json([_summary_json(s) for s in summaries])
        return
    for s in summaries:
        c = s.correspondence
        names = " & ".join(w.name for w in c.writers)
        click.echo(f"{c.id}  {c.state:<17} {s.letters:>3} letters  {c.topic}  ({names})")


@cli.command()
@click.argument("correspondence_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(ctx: _Context, correspondence_id: str, as_json: bool) -> None:
    """Show one correspondence and its letters."""
    settings = ctx.settings()

    async def go() -> tuple[CorrespondenceSummary, list[Letter]]:
        async with _opened_store(settings) as store, store.unit() as repo:
            correspondence = await repo.get_correspondence(correspondence_id)
            letters = await repo.letters(correspondence.id)
            summaries = await repo.list_correspondences(None)
        summary = next(s for s in summaries if s.correspondence.id == correspondence.id)
        return summary, letters

    summary, letters = _run(go())
    if as_json:
        _echo_json({**_summary_json(summary), "letters": [_letter_json(x) for x in letters]})
        return
    c = summary.correspondence
    click.secho(f"{c.id}: {c.topic} [{c.state}]", bold=True)
    click.echo("writers: " + ", ".join(f"{w.name} <{w.email}>" for w in c.writers))
    for letter in letters:
        click.secho(f"\n-- {letter.writer.turn_label}, {letter.date:%Y-%m-%d %H:%M}", bold=True)
        click.echo(letter.text)


@cli.command()
@click.argument("correspondence_id")
@pass_context
def complete(ctx: _Context, correspondence_id: str) -> None:
    """Mark a correspondence complete and compile its draft."""
    settings = ctx.settings()

    async def go() -> None:
        async with _opened_store(settings) as store:
            room = _mailroom(settings)
            await workflows.complete(
                store, correspondence_id, settings=settings, clock=_now, actor="cli", room=room
            )
            await _send_outbox(store, room)

    _run(go())
    click.echo(
        f"{correspondence_id}: complete; the draft is ready (penpal draft {correspondence_id})"
    )


@cli.command()
@click.argument("correspondence_id")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True
)
@click.option("--revision", type=int, default=None, help="Print this revision, not the latest.")
@click.option(
    "--update",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Read an edited draft (Markdown, or JSON if it ends in .json) as the next revision.",
)
@click.option("--note", default="", help="With --update: why, kept with the revision.")
@pass_context
def draft(
    ctx: _Context,
    correspondence_id: str,
    *,
    fmt: str,
    revision: int | None,
    update: Path | None,
    note: str,
) -> None:
    """Print the current draft, or read an edited one back with --update."""
    settings = ctx.settings()
    if update is not None:
        try:
            text = update.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DraftFormatError(f"{update}: cannot be read as UTF-8 text: {exc}") from exc
        article = _run(_update_draft(settings, correspondence_id, update, text, note))
        click.echo(f"{correspondence_id}: the draft is at revision {article.revision}")
        return

    async def go() -> str:
        async with _opened_store(settings) as store:
            if revision is None:
                article = await workflows.current_draft(store, correspondence_id)
            else:
                article = await drafting.draft_revision(store, correspondence_id, revision)
        if fmt == "json":
            return json.dumps(article_to_json(article), ensure_ascii=False, indent=2)
        env = template_environment(settings.service.templates)
        return workflows.render_draft(article, fmt, env)

    click.echo(_run(go()), nl=False)


async def _update_draft(
    settings: Settings, correspondence_id: str, path: Path, text: str, note: str
) -> Article:
    async with _opened_store(settings) as store:
        try:
            if path.suffix.lower() == ".json":
                try:
                    edited = article_from_json(json.loads(text))
                except json.JSONDecodeError as exc:
                    raise DraftFormatError(f"not JSON: {exc}") from exc
                return await drafting.save_revision(
                    store,
                    correspondence_id,
                    edited,
                    base_revision=edited.revision,
                    clock=_now,
                    actor="cli",
                    note=note,
                )
            return await drafting.update_from_markdown(
                store, correspondence_id, text, clock=_now, actor="cli", note=note
            )
        except DraftFormatError as exc:
            raise DraftFormatError(f"{path}: {exc}") from exc


@cli.command()
@click.argument("correspondence_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def revisions(ctx: _Context, correspondence_id: str, as_json: bool) -> None:
    """List the revisions of a draft: number, when, who and why."""
    settings = ctx.settings()

    async def go() -> list[drafting.RevisionInfo]:
        async with _opened_store(settings) as store:
            return await drafting.revisions(store, correspondence_id)

    found = _run(go())
    if as_json:
        _echo_json([drafting.revision_json(info) for info in found])
        return
    for info in found:
        note = f"  {info.note}" if info.note else ""
        click.echo(
            f"{info.revision:>4}  {info.created_at:%Y-%m-%d %H:%M}  {info.actor or '-'}{note}"
        )


@cli.command(name="diff")
@click.argument("correspondence_id")
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def diff_(ctx: _Context, correspondence_id: str, old: int, new: int, as_json: bool) -> None:
    """Show what changed between two revisions of a draft, block by block."""
    settings = ctx.settings()

    async def go() -> list[BlockChange]:
        async with _opened_store(settings) as store:
            return await drafting.compare(store, correspondence_id, old, new)

    changes = _run(go())
    if as_json:
        _echo_json(drafting.changes_json(changes))
        return
    if not changes:
        click.echo("no changes")
    for change in changes:
        click.secho(f"{change.change} {change.block}", bold=True)
        if change.before:
            click.echo(_indented("- ", change.before))
        if change.after:
            click.echo(_indented("+ ", change.after))


def _indented(prefix: str, text: str) -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


@cli.command()
@click.argument("correspondence_id")
@click.option("--note", default="", help="Why, kept in the event log.")
@pass_context
def approve(ctx: _Context, correspondence_id: str, note: str) -> None:
    """Approve the latest revision of the draft (and ask the writers to agree, if required)."""
    settings = ctx.settings()

    async def go() -> Article:
        async with _opened_store(settings) as store:
            room = _mailroom(settings)
            article = await drafting.approve(
                store,
                correspondence_id,
                settings=settings,
                clock=_now,
                actor="cli",
                room=room,
                note=note,
            )
            await _send_outbox(store, room)
            return article

    article = _run(go())
    if settings.policy.require_consent:
        click.echo(
            f"{correspondence_id}: revision {article.revision} approved; "
            "the writers are asked to agree before it can be published"
        )
    else:
        click.echo(
            f"{correspondence_id}: revision {article.revision} approved "
            f"(penpal publish {correspondence_id})"
        )


@cli.command()
@click.argument("correspondence_id")
@click.option("--note", required=True, help="What the writers should change (mailed to them).")
@click.option("--reopen", is_flag=True, help="Open the correspondence again for more letters.")
@pass_context
def reject(ctx: _Context, correspondence_id: str, note: str, reopen: bool) -> None:
    """Ask the writers for changes; the note is mailed to them."""
    settings = ctx.settings()

    async def go() -> Correspondence:
        async with _opened_store(settings) as store:
            room = _mailroom(settings)
            changed = await drafting.request_changes(
                store,
                correspondence_id,
                note,
                settings=settings,
                clock=_now,
                actor="cli",
                room=room,
                reopen=reopen,
            )
            await _send_outbox(store, room)
            return changed

    changed = _run(go())
    click.echo(f"{changed.id}: {changed.state}; the writers are mailed the note")


@cli.command()
@click.argument("correspondence_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def consent(ctx: _Context, correspondence_id: str, as_json: bool) -> None:
    """Show which writers agreed to the approved revision."""
    settings = ctx.settings()

    async def go() -> dict[str, bool]:
        async with _opened_store(settings) as store:
            return await drafting.consent_status(store, correspondence_id)

    status = _run(go())
    if as_json:
        _echo_json(status)
        return
    for email, agreed in status.items():
        click.echo(f"{email}: {'agreed' if agreed else 'not yet'}")


@cli.command()
@click.argument("correspondence_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def publish(ctx: _Context, correspondence_id: str, as_json: bool) -> None:
    """Write the approved article to the output folder."""
    settings = ctx.settings()

    async def go() -> Published:
        async with _opened_store(settings) as store:
            return await drafting.publish(
                store,
                correspondence_id,
                settings=settings,
                clock=_now,
                actor="cli",
                env=template_environment(settings.service.templates),
            )

    published = _run(go())
    if as_json:
        _echo_json(
            {
                "id": correspondence_id,
                "folder": str(published.folder),
                "page": str(published.page),
                "fragment": str(published.fragment),
                "markdown": str(published.markdown),
                "images": [str(path) for path in published.images],
                "slug": published.slug,
                "revision": published.revision,
                "date": published.date.isoformat(),
            }
        )
        return
    click.echo(
        f"{correspondence_id}: revision {published.revision} published to {published.folder}"
    )


@cli.command(name="quarantine")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def quarantine_(ctx: _Context, as_json: bool) -> None:
    """List what was held back, with the reason, oldest first."""
    settings = ctx.settings()

    async def go() -> list[QuarantineEntry]:
        async with _opened_store(settings) as store, store.unit() as repo:
            return await repo.quarantine()

    held = _run(go())
    if as_json:
        _echo_json(
            [
                {
                    "id": entry.id,
                    "received_at": entry.received_at.isoformat(),
                    "from": entry.sender,
                    "subject": entry.subject,
                    "reason": entry.reason,
                    "source": entry.source,
                    "correspondence_id": entry.correspondence_id,
                }
                for entry in held
            ]
        )
        return
    if not held:
        click.echo("the quarantine is empty")
    for entry in held:
        click.echo(
            f"{entry.id:>5}  {entry.received_at:%Y-%m-%d %H:%M}  {entry.sender or '(no sender)'}"
            f"  {entry.subject!r}\n       {entry.reason}"
        )


@cli.command()
@click.argument("message_id", type=int)
@click.option(
    "--to",
    "correspondence_id",
    default=None,
    help="The correspondence to file it in (default: the one it was meant for).",
)
@click.option(
    "--as", "writer_email", default=None, help="The writer it is from (default: its sender)."
)
@pass_context
def release(
    ctx: _Context, message_id: int, correspondence_id: str | None, writer_email: str | None
) -> None:
    """Let a held-back message through as a letter (and relay it)."""
    settings = ctx.settings()

    async def go() -> Letter:
        async with _opened_store(settings) as store:
            async with store.unit() as repo:
                held = {entry.id: entry for entry in await repo.quarantine()}
            entry = held.get(MessageRecordId(message_id))
            if entry is None:
                raise WorkflowError(f"message {message_id} is not in the quarantine")
            target = correspondence_id or entry.correspondence_id
            if not target:
                raise WorkflowError(
                    f"message {message_id} was not meant for a known correspondence: "
                    "name one with --to"
                )
            room = _mailroom(settings)
            letter = await release_held(
                store,
                entry.id,
                correspondence_id=target,
                writer_email=writer_email or entry.sender,
                settings=settings,
                clock=_now,
                actor="cli",
                room=room,
            )
            await _send_outbox(store, room)
            return letter

    letter = _run(go())
    click.echo(f"message {message_id}: filed as letter {letter.id} in {letter.correspondence_id}")


@cli.command()
@click.argument("message_id", type=int)
@pass_context
def discard(ctx: _Context, message_id: int) -> None:
    """Set a held-back message aside for good (its bytes are kept)."""
    settings = ctx.settings()

    async def go() -> None:
        async with _opened_store(settings) as store:
            await discard_held(store, MessageRecordId(message_id), clock=_now, actor="cli")

    _run(go())
    click.echo(f"message {message_id}: discarded")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def status(ctx: _Context, as_json: bool) -> None:
    """Mailbox, outbox, quarantine and the last errors, at a glance."""
    settings = ctx.settings()

    async def go() -> dict[str, Any]:
        async with _opened_store(settings) as store, store.unit() as repo:
            counts = await repo.message_counts()
            last = await repo.last_received()
            outbox = await repo.outbox()
            states = Counter(str(s.correspondence.state) for s in await repo.list_correspondences())
        waiting = [e for e in outbox if e.status is OutboxStatus.PENDING]
        return {
            "database": mask_database_url(settings.service.database),
            "mailbox": {
                "source": settings.mailbox.source,
                "where": (
                    str(settings.mailbox.maildir)
                    if settings.mailbox.source == "maildir"
                    else f"{settings.imap.host}:{settings.imap.port}/{settings.imap.folder}"
                ),
                "last_received": last.isoformat() if last else None,
                "messages": {str(k): v for k, v in sorted(counts.items())},
            },
            "outbox": {
                "pending": len(waiting),
                "sent": sum(e.status is OutboxStatus.SENT for e in outbox),
                "failed": sum(e.status is OutboxStatus.FAILED for e in outbox),
                "next_attempt": min((e.next_attempt_at for e in waiting), default=None),
            },
            "quarantine": counts.get(RawStatus.QUARANTINED, 0),
            "correspondences": dict(sorted(states.items())),
            "last_errors": [
                {
                    "message_id": e.message_id,
                    "to": list(e.recipients),
                    "status": str(e.status),
                    "error": e.last_error,
                }
                for e in outbox
                if e.last_error and e.status is not OutboxStatus.SENT
            ][-10:],
        }

    report = _run(go())
    if as_json:
        _echo_json(report)
        return
    mailbox, outbox = report["mailbox"], report["outbox"]
    click.echo(f"database     {report['database']}")
    click.echo(
        f"mailbox      {mailbox['source']} {mailbox['where']}; last message "
        f"{mailbox['last_received'] or 'never'}"
    )
    click.echo(
        f"outbox       {outbox['pending']} waiting, {outbox['sent']} sent, "
        f"{outbox['failed']} failed"
    )
    click.echo(f"quarantine   {report['quarantine']} held back")
    click.echo(
        "letters      "
        + (", ".join(f"{n} {k}" for k, n in report["correspondences"].items()) or "none yet")
    )
    for error in report["last_errors"]:
        click.echo(f"error        {', '.join(error['to'])}: {error['error']}")


cli.add_command(editor_commands)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status (errors as one line on stderr)."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None, prog_name="penpal", standalone_mode=False
        )
    except click.exceptions.Abort:
        click.echo("penpal: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except PenpalError as exc:
        click.echo(f"penpal: {_one_line(str(exc))}", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())


__all__ = ["cli", "main", "parsed_json", "run"]
