"""Tests for penpal.editor.accounts and penpal.editor.commands: editor accounts and passwords."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import click
import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from penpal.config import Settings, load_settings
from penpal.editor.accounts import (
    LOCK_AFTER,
    Passwords,
    add_editor,
    check_password_rules,
    locked_until,
    set_password,
    sync_configured_editors,
)
from penpal.editor.commands import editor
from penpal.errors import NotFound, StoreError, WorkflowError
from penpal.store import EditorAccount, Store

CHEAP = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
PASSWORD = "een lange zin als wachtwoord"


def account(failures: int, last: datetime | None) -> EditorAccount:
    """An account with ``failures`` failed logins, the last at ``last``."""
    return EditorAccount(
        email="eva@redactie.example",
        name="Eva",
        password_hash="x",
        session_epoch=1,
        failed_logins=failures,
        last_failed_at=last,
        last_login_at=None,
        created_at=datetime(2026, 1, 1).astimezone(),
    )


def test_an_account_locks_after_repeated_failures_for_longer_each_time(now: datetime) -> None:
    """No lock before five failures; then one minute, doubling, at most an hour."""
    assert locked_until(account(LOCK_AFTER - 1, now)) is None
    assert locked_until(account(LOCK_AFTER, None)) is None
    assert locked_until(account(LOCK_AFTER, now)) == now + timedelta(minutes=1)
    assert locked_until(account(LOCK_AFTER + 2, now)) == now + timedelta(minutes=4)
    assert locked_until(account(LOCK_AFTER + 40, now)) == now + timedelta(hours=1)


def test_password_rules() -> None:
    """A password needs twelve characters and may not be absurdly long."""
    check_password_rules("x" * 12)
    with pytest.raises(WorkflowError, match="at least 12"):
        check_password_rules("x" * 11)
    with pytest.raises(WorkflowError, match="at most"):
        check_password_rules("x" * 5000)


async def test_passwords_check_and_rehash_an_outdated_hash() -> None:
    """A matching password passes; a hash with weaker parameters comes back rehashed."""
    stored = await CHEAP.hash(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert await CHEAP.check(stored, PASSWORD) == (True, None)
    assert await CHEAP.check(stored, "something else") == (False, None)
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    ok, rehashed = await stronger.check(stored, PASSWORD)
    assert ok
    assert rehashed is not None
    assert "t=2" in rehashed


async def test_no_password_and_too_long_passwords_never_match() -> None:
    """An account without a password, a broken hash or a huge input never logs in."""
    assert await CHEAP.check("", PASSWORD) == (False, None)
    assert await CHEAP.check("not a hash", PASSWORD) == (False, None)
    stored = await CHEAP.hash("x" * 1024)
    assert await CHEAP.check(stored, "x" * 2000) == (False, None)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """A configuration file with one editor, on the test database."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[service]\n"
        'address = "penpal@magazine.example"\n'
        f"database = {json.dumps(database_url)}\n"
        'secret = "a-secret-long-enough-to-sign"\n'
        "[[editors]]\n"
        'name = "Eva Bakker"\n'
        'email = "eva@redactie.example"\n',
        encoding="utf-8",
    )
    return load_settings(path, {})


async def test_configured_editors_become_accounts_without_a_password(
    settings: Settings, store: Store, now: datetime
) -> None:
    """Syncing makes each [[editors]] entry an account, once, without a password."""
    first = await sync_configured_editors(store, settings, clock=lambda: now)
    again = await sync_configured_editors(store, settings, clock=lambda: now)
    assert [(a.email, a.name, a.has_password) for a in first] == [
        ("eva@redactie.example", "Eva Bakker", False)
    ]
    assert again == first


async def test_set_password_needs_a_known_or_configured_editor(
    settings: Settings, store: Store, now: datetime
) -> None:
    """A configured editor gets a password at once; anyone else must be added first."""
    done = await set_password(
        store, settings, "EVA@redactie.example", PASSWORD, clock=lambda: now, passwords=CHEAP
    )
    assert done.has_password
    assert done.name == "Eva Bakker"
    with pytest.raises(NotFound, match="penpal editor add"):
        await set_password(
            store, settings, "jan@redactie.example", PASSWORD, clock=lambda: now, passwords=CHEAP
        )
    await add_editor(store, "jan@redactie.example", name="Jan", clock=lambda: now)
    added = await set_password(
        store, settings, "jan@redactie.example", PASSWORD, clock=lambda: now, passwords=CHEAP
    )
    assert (await CHEAP.check(added.password_hash, PASSWORD))[0]
    with pytest.raises(StoreError):
        await add_editor(store, "not an address", clock=lambda: now)


# the commands


def invoke(settings: Settings, args: list[str], stdin: str = "") -> click.testing.Result:
    """Run ``penpal editor …`` with the test configuration."""
    runner = CliRunner()
    return runner.invoke(
        editor, args, input=stdin, env={"PENPAL_CONFIG": str(settings.path)}, catch_exceptions=True
    )


async def _account(settings: Settings, email: str) -> EditorAccount | None:
    store = Store.connect(settings.service.database)
    try:
        await store.upgrade()
        async with store.unit() as repo:
            return await repo.editor_by_email(email)
    finally:
        await store.close()


def test_editor_add_and_password_from_stdin(settings: Settings) -> None:
    """penpal editor add makes an account; password --password-stdin sets a working password."""
    added = invoke(settings, ["add", "jan@redactie.example", "--name", "Jan de Wit"])
    assert added.exit_code == 0, added.output
    assert "jan@redactie.example added" in added.output
    result = invoke(settings, ["password", "jan@redactie.example", "--password-stdin"], PASSWORD)
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    found = asyncio.run(_account(settings, "jan@redactie.example"))
    assert found is not None
    assert found.name == "Jan de Wit"
    assert asyncio.run(Passwords().check(found.password_hash, PASSWORD))[0]


def test_editor_password_prompts_twice(settings: Settings) -> None:
    """Without --password-stdin the password is asked twice, hidden; two different ones fail."""
    ok = invoke(settings, ["password", "eva@redactie.example"], f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    assert PASSWORD not in ok.output
    differ = invoke(settings, ["password", "eva@redactie.example"], f"{PASSWORD}\nanders dan dat\n")
    assert isinstance(differ.exception, WorkflowError)
    short = invoke(settings, ["password", "eva@redactie.example", "--password-stdin"], "kort")
    assert isinstance(short.exception, WorkflowError)
    unknown = invoke(settings, ["password", "x@redactie.example", "--password-stdin"], PASSWORD)
    assert isinstance(unknown.exception, NotFound)


@dataclass
class _Root:
    """What the main command keeps in its context: a way to load the settings."""

    loaded: Settings

    def settings(self) -> Settings:
        return self.loaded


def test_the_commands_use_the_main_commands_settings(settings: Settings) -> None:
    """Attached to the main command, the group loads the settings the main command was given."""

    @click.group()
    @click.pass_context
    def main(ctx: click.Context) -> None:
        ctx.obj = _Root(settings)

    main.add_command(editor)
    result = CliRunner().invoke(main, ["editor", "add", "piet@redactie.example"])
    assert result.exit_code == 0, result.output
    assert asyncio.run(_account(settings, "piet@redactie.example")) is not None
