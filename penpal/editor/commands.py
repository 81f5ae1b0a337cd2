"""``penpal editor add EMAIL`` and ``penpal editor password EMAIL``: who may log in.

A click group that the main command attaches with one line. It loads the
settings the way the main command was told to (its context object's
``settings()``, else ``--config`` / ``$PENPAL_CONFIG`` / ``./config.toml``),
opens and upgrades the store, and does one thing. A password is read from the
terminal twice without echo, or once from standard input with
``--password-stdin``; it is never echoed, logged or put in an error message.
Errors are raised as ``PenpalError`` for the main command to report.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import click

from penpal.config import Settings, load_settings, resolve_config_path
from penpal.editor.accounts import add_editor, check_password_rules, set_password
from penpal.errors import WorkflowError
from penpal.store import EditorAccount, Store

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def _settings(ctx: click.Context) -> Settings:
    loader = getattr(ctx.find_root().obj, "settings", None)
    if callable(loader):
        loaded = loader()
        if isinstance(loaded, Settings):
            return loaded
    path = resolve_config_path(None, os.environ, Path.cwd())
    return load_settings(path, os.environ)


def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    async def go() -> T:
        store = Store.connect(settings.service.database)
        try:
            await store.upgrade()
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(go())


@click.group()
def editor() -> None:
    """Editors who may log in to the web page."""


@editor.command()
@click.argument("email")
@click.option("--name", default="", help="The editor's name, as the page shows it.")
@click.pass_context
def add(ctx: click.Context, email: str, name: str) -> None:
    """Add an editor (without a password: set one with penpal editor password)."""
    settings = _settings(ctx)
    account: EditorAccount = _with_store(
        settings, lambda store: add_editor(store, email, name=name, clock=_now)
    )
    state = (
        "has a password" if account.has_password else "set a password with penpal editor password"
    )
    click.echo(f"editor {account.email} added ({state})")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    first = click.prompt("New password", hide_input=True, err=True)
    second = click.prompt("Repeat it", hide_input=True, err=True)
    if first != second:
        raise WorkflowError("the two passwords differ; nothing was changed")
    return str(first)


@editor.command()
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from one line of standard input."
)
@click.pass_context
def password(ctx: click.Context, email: str, password_stdin: bool) -> None:
    """Set an editor's password (ending their sessions); prompts twice unless --password-stdin."""
    settings = _settings(ctx)
    secret = _read_password(password_stdin)
    check_password_rules(secret)
    account: EditorAccount = _with_store(
        settings, lambda store: set_password(store, settings, email, secret, clock=_now)
    )
    click.echo(f"password set for {account.email}")
