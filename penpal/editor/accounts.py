"""Editor accounts: who may log in, their password hashes, and how guessing is slowed.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's
low-memory profile) in a worker thread, so the event loop never waits on a
hash. Editors come from ``[[editors]]`` in the configuration and from ``penpal
editor add``; both are rows in the store, without a password until ``penpal
editor password`` sets one. After ``LOCK_AFTER`` failed logins in a row an
account refuses every attempt for a while that doubles with each further
failure, up to an hour. This module must not see a request or a cookie (that is
:mod:`penpal.editor.auth`), and never logs or stores a password.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from penpal.config import Settings
from penpal.errors import NotFound, WorkflowError
from penpal.store import EditorAccount, Store
from penpal.workflows import Clock

MIN_PASSWORD_LENGTH = 12
"""Shorter passwords are refused: the page guards private letters."""

MAX_PASSWORD_LENGTH = 1024
"""Longer input is refused before hashing, so a huge form field cannot tie up a worker."""

LOCK_AFTER = 5
"""Failed logins in a row after which an account refuses attempts for a while."""

MAX_PARALLEL_HASHES = 2
"""Argon2 hashes computed at once, at most; more logins wait their turn."""

FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


@dataclass(slots=True)
class Passwords:
    """Hashes and checks passwords with Argon2id, off the event loop.

    ``hasher`` may be given cheaper parameters in tests; production keeps the
    defaults. A check for an unknown account still runs one verification against
    a throwaway hash, so that the answer takes as long as for a known one.
    """

    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    _decoy: str = ""
    # Each hash takes 64 MiB; a flood of logins must not take the machine's memory.
    _gate: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(MAX_PARALLEL_HASHES)
    )

    async def hash(self, password: str) -> str:
        """A new Argon2id hash of ``password``."""
        return await asyncio.to_thread(self._hash, password)

    def _hash(self, password: str) -> str:
        with self._gate:
            return self.hasher.hash(password)

    async def check(self, stored: str, password: str) -> tuple[bool, str | None]:
        """Whether ``password`` matches ``stored``, and a fresh hash if ``stored`` is outdated.

        An empty ``stored`` (no password set) never matches, after the same work.
        """
        if not stored or len(password) > MAX_PASSWORD_LENGTH:
            await self._waste(password[:MAX_PASSWORD_LENGTH])
            return False, None
        return await asyncio.to_thread(self._check, stored, password)

    def _check(self, stored: str, password: str) -> tuple[bool, str | None]:
        with self._gate:
            try:
                self.hasher.verify(stored, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False, None
            if self.hasher.check_needs_rehash(stored):
                return True, self.hasher.hash(password)
            return True, None

    async def _waste(self, password: str) -> None:
        if not self._decoy:
            self._decoy = await self.hash(secrets.token_urlsafe(16))
        await asyncio.to_thread(self._check, self._decoy, password)


def check_password_rules(password: str) -> None:
    """Refuse a password that is too short or too long.

    Raises:
        WorkflowError: the message says what is wrong.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WorkflowError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WorkflowError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")


def locked_until(account: EditorAccount) -> datetime | None:
    """Until when an account refuses logins after repeated failures; None when it does not."""
    if account.failed_logins < LOCK_AFTER or account.last_failed_at is None:
        return None
    doublings = min(account.failed_logins - LOCK_AFTER, 12)
    wait: timedelta = min(FIRST_LOCK * (2**doublings), LONGEST_LOCK)
    until: datetime = account.last_failed_at + wait
    return until


def _configured_name(settings: Settings, email: str) -> str | None:
    wanted = email.strip().lower()
    for editor in settings.editors:
        if editor.email.strip().lower() == wanted:
            return editor.name
    return None


async def sync_configured_editors(
    store: Store, settings: Settings, *, clock: Clock
) -> list[EditorAccount]:
    """Make every ``[[editors]]`` entry an account (without a password until one is set)."""
    async with store.unit() as repo:
        return [
            await repo.upsert_editor(editor.email, editor.name, now=clock())
            for editor in settings.editors
        ]


async def add_editor(store: Store, email: str, *, name: str = "", clock: Clock) -> EditorAccount:
    """Add an editor account without a password, or rename a known one.

    Raises:
        StoreError: ``email`` is not an address.
    """
    async with store.unit() as repo:
        return await repo.upsert_editor(email, name, now=clock())


async def set_password(
    store: Store,
    settings: Settings,
    email: str,
    password: str,
    *,
    clock: Clock,
    passwords: Passwords | None = None,
) -> EditorAccount:
    """Set an editor's password, ending their sessions; an editor from the configuration is added.

    Raises:
        NotFound: the address is neither an account nor in ``[[editors]]``.
        WorkflowError: the password breaks :func:`check_password_rules`.
    """
    check_password_rules(password)
    hashed = await (passwords or Passwords()).hash(password)
    async with store.unit() as repo:
        configured = _configured_name(settings, email)
        if configured is not None:
            await repo.upsert_editor(email, configured, now=clock())
        elif await repo.editor_by_email(email) is None:
            raise NotFound(f"no editor {email.strip()!r}: add one with penpal editor add")
        return await repo.set_editor_password_hash(email, hashed, now=clock())
