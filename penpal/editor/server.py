"""Running the editor's web app: uvicorn on ``web.bind`` until the task is cancelled.

:func:`serve_web` is made to live in the service's TaskGroup: it binds the
socket itself (so a port in use is a clear error, not uvicorn's exit), leaves
the process's signal handlers to the service, freezes what the process built to
start out of the garbage collector's way (:func:`settle_memory`), sets ``ready``
once it accepts connections, and on cancellation closes the listener and lets
requests in flight finish for a few seconds. It must not build the app or read
settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from penpal.errors import ConfigError, PenpalError

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 5
"""Seconds requests in flight may take to finish when the page stops."""


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling, telling us when it listens."""

    def __init__(self, config: uvicorn.Config, ready: asyncio.Event | None) -> None:
        super().__init__(config)
        self._ready = ready

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The service owns SIGINT and SIGTERM and cancels us; uvicorn must not take them.
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            settle_memory()
        if self.started and self._ready is not None:
            self._ready.set()


def settle_memory() -> None:
    """Move what the process built to start (modules, templates, compiled SQL) out of GC's way.

    Python's cyclic collector walks every tracked object in a full collection,
    which page traffic sets off every second or so: with the ~110,000 objects a
    started service holds, each one held every request in flight for 50-80 ms
    on a small machine, the slowest twentieth of the page views. What is alive
    now lives as long as the process, so it is collected first (the garbage of
    starting goes) and frozen: later full collections walk only what came after.
    :func:`serve_web` unfreezes it when the page stops.
    """
    gc.collect()
    gc.freeze()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6).

    Raises:
        ConfigError: the address cannot be used (in use, not ours, unknown).
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConfigError(f"web.bind: cannot listen on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"web.bind: cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


async def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:
        # uvicorn exits the process when the app's startup fails; in a TaskGroup that
        # must be an ordinary error (the reason is in the log above it).
        raise PenpalError("the editor page could not start; see the log") from exc


async def serve_web(
    app: ASGIApp, host: str, port: int, *, ready: asyncio.Event | None = None
) -> None:
    """Serve ``app`` on ``host:port`` until cancelled; ``ready`` is set once it listens.

    Raises:
        ConfigError: the address cannot be listened on.
    """
    sock = bind(host, port)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    server = _Server(config, ready)
    log.info("editor page on http://%s:%s/", host if ":" not in host else f"[{host}]", port)
    task = asyncio.create_task(_serve(server, sock), name="editor-web")
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(task), SHUTDOWN_GRACE + 2)
        if not task.done():
            server.force_exit = True
            task.cancel()
        raise
    finally:
        sock.close()
        # What was frozen may be garbage once the page stops (tests start many).
        gc.unfreeze()
