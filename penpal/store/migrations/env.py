"""Alembic's environment for penpal's store: runs the migrations on a connection.

``Store.upgrade()`` hands Alembic a live connection, already inside a transaction
(``config.attributes["connection"]``); the migrations run in it. Without one,
as when a developer runs ``command.revision(alembic_config(url), …,
autogenerate=True)`` by hand, this opens its own async engine from
``sqlalchemy.url``. Batch mode is on so that later revisions can alter tables on
SQLite. This module must not configure logging or read any ini file.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from penpal.store.tables import Base


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_url(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate)
    finally:
        await engine.dispose()


def _main() -> None:
    config = context.config
    given = config.attributes.get("connection")
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=Base.metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    elif given is not None:
        _migrate(given)
    else:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("penpal migrations need a connection or sqlalchemy.url")
        asyncio.run(_migrate_url(url))


_main()
