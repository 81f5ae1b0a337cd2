"""Benchmark: the editor's web page under load, on loopback.

Builds an SQLite database of 1,000 correspondences (most open with a few letters,
a third complete with a compiled draft, some approved or published), starts the
editor's app under uvicorn in a child process (as ``penpal serve`` runs it: one
process, one event loop) on 127.0.0.1, logs in once, and drives two pages with 10
concurrent clients (each its own keep-alive connection and session cookie) for 30
seconds each: the correspondences list (the first page of 50, sorted by last
activity, which reads all 1,000) and the draft page of a completed correspondence
of eight letters (preview rendered by the article templates, cleaned by nh3, the
edit panel with every paragraph). Prints requests per second and the 50th, 95th and
99th percentile latency per page; ``--json`` prints them as one JSON object.

    .venv/bin/python bench/web_bench.py [--correspondences 1000] [--clients 10]
                                        [--duration 30] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import platform
import random
import re
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher

from penpal import workflows
from penpal.config import EditorSettings, Settings, default_settings
from penpal.editor import create_app
from penpal.editor.accounts import Passwords, set_password
from penpal.editor.server import serve_web
from penpal.letters import (
    Address,
    CorrespondenceId,
    Extraction,
    MessageKind,
    ParsedMessage,
    State,
    Writer,
)
from penpal.store import Store

EDITOR = "bench@redactie.example"
PASSWORD = "a long benchmark password"
SENTENCES = [
    "Ik schreef je gisteren al dat het werk me soms zwaar valt.",
    "Wat fijn dat je zo eerlijk was in je vorige brief.",
    "Op kantoor merk ik dat wie twijfel toont, vertrouwen terugkrijgt.",
    "I keep thinking about what you said about silence and meetings.",
    "The train was late again, so I wrote most of this on the platform.",
    "Maybe courage is simply carrying on while you still doubt.",
    "De kat is terug, en ze doet alsof er niets gebeurd is.",
    "We should write about failure next, if you are up for it.",
]
NAMES = ["Denise", "Carola", "Anna", "Bram", "Sanne", "Joost", "Fleur", "Ruben", "Lotte", "Daan"]


def _settings(folder: Path) -> Settings:
    return default_settings(
        folder / "config.toml",
        service={
            "address": "penpal@magazine.example",
            "database": f"sqlite+aiosqlite:///{folder / 'bench.db'}",
            "secret": "bench-secret-of-enough-length",
            "language": "nl",
            "output_dir": folder / "output",
        },
        editors=[EditorSettings(email=EDITOR, name="Bench")],
    )


def _letter(rng: random.Random, sender: Writer, number: int, when: datetime) -> ParsedMessage:
    paragraphs = [
        " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 5)))
        for _ in range(rng.randint(3, 6))
    ]
    body = "\n\n".join(paragraphs)
    return ParsedMessage(
        kind=MessageKind.LETTER,
        sender=Address(sender.email, sender.name),
        subject="Brieven",
        message_id=f"{number}@bench.example",
        extraction=Extraction(text=body, body=body),
        date=when,
    )


def _ticking(start: datetime) -> Callable[[], datetime]:
    """A clock that moves a second each time it is read."""
    ticks = (start + timedelta(seconds=s) for s in itertools.count())
    return lambda: next(ticks)


async def build(settings: Settings, count: int, seed: int = 11) -> CorrespondenceId:
    """Fill the database; return the completed correspondence whose draft page is driven."""
    rng = random.Random(seed)
    store = Store.connect(settings.service.database)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    number = 0
    featured = CorrespondenceId("")
    try:
        await store.upgrade()
        for index in range(count):
            first, second = rng.sample(NAMES, 2)
            writers = [
                Writer(f"{first.lower()}{index}@bench.example", f"{first} Schrijver{index}"),
                Writer(f"{second.lower()}{index}@bench.example", f"{second} Briefer{index}"),
            ]
            moment = start + timedelta(hours=index)
            letters = 8 if index == 0 else rng.randint(0, 6)
            async with store.unit() as repo:
                correspondence = await repo.create_correspondence(
                    f"Onderwerp {index}: {rng.choice(SENTENCES)}",
                    writers,
                    now=moment,
                    actor=EDITOR,
                )
                for turn in range(letters):
                    number += 1
                    when = moment + timedelta(days=turn)
                    record = await repo.save_raw(
                        f"bench message {number}".encode(), source="bench", now=when
                    )
                    await repo.file_letter(
                        record.id,
                        correspondence,
                        writers[turn % 2],
                        _letter(rng, writers[turn % 2], number, when),
                        now=when,
                    )
            if index == 0:
                featured = correspondence.id
            if letters and (index == 0 or rng.random() < 0.35):
                await workflows.complete(
                    store,
                    correspondence.id,
                    settings=settings,
                    clock=_ticking(moment + timedelta(days=10)),
                    actor=EDITOR,
                )
                if index and rng.random() < 0.3:
                    async with store.unit() as repo:
                        await repo.set_state(
                            correspondence.id,
                            rng.choice([State.APPROVED, State.PUBLISHED]),
                            now=moment + timedelta(days=11),
                            actor=EDITOR,
                        )
        await set_password(
            store,
            settings,
            EDITOR,
            PASSWORD,
            clock=lambda: datetime.now(UTC),
            passwords=Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)),
        )
    finally:
        await store.close()
    return featured


def _serve(settings: Settings, port: int, ready: Any) -> None:
    async def main() -> None:
        store = Store.connect(settings.service.database)
        app = create_app(settings, store)
        started = asyncio.Event()
        task = asyncio.create_task(serve_web(app, "127.0.0.1", port, ready=started))
        await started.wait()
        ready.set()
        try:
            await task
        finally:
            await store.close()

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _login(base: str) -> httpx.Cookies:
    async with httpx.AsyncClient(base_url=base) as client:
        page = await client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        answer = await client.post(
            "/login",
            data={"csrf": token.group(1), "email": EDITOR, "password": PASSWORD, "next": "/"},
        )
        assert answer.status_code == 303, answer.text
        return client.cookies


async def drive(
    base: str, path: str, cookies: httpx.Cookies, clients: int, duration: float
) -> dict[str, float]:
    """``clients`` loops fetching ``path`` for ``duration`` seconds; the figures."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + duration

    async def one() -> None:
        nonlocal failures
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, limits=limits, timeout=60
        ) as client:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                answer = await client.get(path)
                latencies.append(time.perf_counter() - began)
                if answer.status_code != 200:
                    failures += 1

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return {
        "requests": len(latencies),
        "failures": failures,
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(0.50), 1),
        "p95_ms": round(percentile(0.95), 1),
        "p99_ms": round(percentile(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
    }


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{python}, nproc {os.cpu_count()}, {model}"


def main() -> None:
    """Build, serve, drive, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--correspondences", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="penpal-web-bench-"))
    settings = _settings(folder)
    built = time.perf_counter()
    featured = asyncio.run(build(settings, args.correspondences))
    build_seconds = time.perf_counter() - built
    port = _free_port()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    server = context.Process(target=_serve, args=(settings, port, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(60):
            raise SystemExit("the editor page did not start")
        base = f"http://127.0.0.1:{port}"

        async def run() -> dict[str, dict[str, float]]:
            cookies = await _login(base)
            pages = {"list": "/", "draft": f"/c/{featured}/draft"}
            results = {}
            for name, path in pages.items():
                await drive(base, path, cookies, args.clients, 2.0)  # warm up
                results[name] = await drive(base, path, cookies, args.clients, args.duration)
            return results

        results = asyncio.run(run())
    finally:
        server.terminate()
        server.join(10)
    report = {
        "machine": _machine(),
        "correspondences": args.correspondences,
        "clients": args.clients,
        "duration_s": args.duration,
        "build_s": round(build_seconds, 1),
        "pages": results,
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"machine: {report['machine']}")
    print(
        f"{args.correspondences} correspondences (built in {build_seconds:.0f} s), "
        f"{args.clients} clients, {args.duration:.0f} s per page"
    )
    for name, figures in results.items():
        print(
            f"{name:6} {figures['requests_per_second']:8.1f} req/s  "
            f"p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms  "
            f"p99 {figures['p99_ms']:6.1f} ms  ({figures['requests']:.0f} requests, "
            f"{figures['failures']:.0f} failed)"
        )


if __name__ == "__main__":
    main()
