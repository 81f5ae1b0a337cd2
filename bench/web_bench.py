"""Benchmark: the editor's web page under load, on loopback, against a raw baseline.

Builds an SQLite database of 1,000 correspondences (most open with a few letters,
a third complete with a compiled draft, some approved or published), starts the
editor's app in a child process as ``penpal serve`` runs it (uvicorn, one process,
one event loop, :func:`penpal.editor.server.serve_web`) on 127.0.0.1, logs in once,
and drives two pages with ``wrk`` (Debian's ``wrk``: one C thread, 10 keep-alive
connections, each sending the session cookie, each with one request in flight) for
30 seconds each after a 3 s warm-up: the correspondences list (the first page of
50, ordered by last activity among all 1,000) and the draft page of a completed
correspondence of eight letters (preview rendered by the article templates,
cleaned by nh3, the edit panel with every paragraph).

The baseline is measured in the same run the same way: a trivial Starlette
endpoint (a 20-byte HTML page, no middleware) served by ``serve_web`` in its own
child process. Printed per page: requests per second, the 50th, 95th and 99th
percentile latency (wrk's, in µs resolution), the ratio of its requests per second
to the baseline's, and the CPU time the server process spent per request (from
``/proc``), with the CPU wrk itself used. ``--json`` prints it all as one object.
wrk must be installed (``apt-get install wrk``); the script does nothing else to
the machine.

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
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from penpal import workflows
from penpal.config import EditorSettings, Settings, default_settings
from penpal.editor import create_app
from penpal.editor.accounts import Passwords, set_password
from penpal.editor.auth import COOKIE
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


WARM_UP = 3.0
"""Seconds each target is driven before it is measured (imports, caches, the SQLite page cache)."""

# wrk's Lua hook: one JSON line with the figures when the run is done. No
# response() hook, so wrk does not hand every body to Lua: the client stays lean.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def _serve(settings: Settings, port: int, ready: Any) -> None:
    """The editor's app, as ``penpal serve`` runs it (child process)."""

    async def main() -> None:
        store = Store.connect(settings.service.database)
        app = create_app(settings, store)
        await _serve_until_stopped(app, port, ready)
        await store.close()

    asyncio.run(main())


def _serve_baseline(port: int, ready: Any) -> None:
    """A trivial Starlette endpoint, served the same way (child process)."""

    async def hello(request: Request) -> HTMLResponse:
        return HTMLResponse("<p>hello, editor</p>")

    asyncio.run(_serve_until_stopped(Starlette(routes=[Route("/", hello)]), port, ready))


async def _serve_until_stopped(app: Any, port: int, ready: Any) -> None:
    started = asyncio.Event()
    task = asyncio.create_task(serve_web(app, "127.0.0.1", port, ready=started))
    await started.wait()
    ready.set()
    await task


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _server(target: Callable[..., None], *args: Any) -> Iterator[tuple[str, int]]:
    """Run ``target(*args, port, ready)`` in a child process; its base URL and process id."""
    port = _free_port()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=target, args=(*args, port, ready), daemon=True)
    process.start()
    try:
        if not ready.wait(60):
            raise SystemExit("the server did not start")
        assert process.pid is not None
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.join(10)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and all its threads so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(
    url: str, *, pid: int, cookie: str, clients: int, duration: float, script: Path
) -> dict[str, float]:
    """Drive ``url`` with ``clients`` connections for ``duration`` seconds; the figures."""
    command = ["wrk", "-t1", f"-c{clients}", f"-d{duration:g}s", "--latency", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {COOKIE}={cookie}"]
    served, drove = _cpu_seconds(pid), _children_cpu()
    finished = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    )
    served, drove = _cpu_seconds(pid) - served, _children_cpu() - drove
    line = [x for x in finished.stdout.splitlines() if x.startswith("{")][-1]
    raw = json.loads(line)
    requests = max(int(raw["requests"]), 1)
    return {
        "requests": raw["requests"],
        "failures": raw["status_errors"] + raw["socket_errors"],
        "requests_per_second": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "mean_ms": round(raw["mean_us"] / 1000, 1),
        "bytes_per_response": round(raw["bytes"] / requests),
        "server_cpu_ms_per_request": round(served * 1000 / requests, 2),
        "wrk_cpu_share": round(drove / (raw["duration_us"] / 1e6), 2),
    }


def _login(base: str) -> str:
    """Log in once; the session cookie's value."""
    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        answer = client.post(
            "/login",
            data={"csrf": token.group(1), "email": EDITOR, "password": PASSWORD, "next": "/"},
        )
        assert answer.status_code == 303, answer.text
        value = client.cookies.get(COOKIE)
        assert value
        return value


def _page_size(base: str, path: str, cookie: str) -> int:
    """The page's size in bytes; it must answer 200 with the cookie (a 303 would be the login)."""
    with httpx.Client(base_url=base, cookies={COOKIE: cookie}) as client:
        answer = client.get(path)
    if answer.status_code != 200:
        raise SystemExit(f"{path} answered {answer.status_code}, not the page")
    return len(answer.content)


def _checked(figures: dict[str, float], size: int) -> dict[str, float]:
    # wrk counts only 4xx and 5xx as errors; a response of another size than
    # the page (a redirect to the login page) shows here.
    if abs(figures["bytes_per_response"] - size) > 0.1 * size + 512:
        figures["failures"] = figures["requests"]
    return figures


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


def measure(settings: Settings, featured: str, clients: int, duration: float) -> dict[str, Any]:
    """The baseline, then each page: warmed up, then driven for ``duration`` seconds."""
    folder = Path(tempfile.mkdtemp(prefix="penpal-wrk-"))
    script = folder / "report.lua"
    script.write_text(WRK_REPORT)
    results: dict[str, dict[str, float]] = {}
    try:
        with _server(_serve_baseline) as (base, pid):
            size = _page_size(base, "/", "")
            wrk(f"{base}/", pid=pid, cookie="", clients=clients, duration=WARM_UP, script=script)
            figures = wrk(
                f"{base}/", pid=pid, cookie="", clients=clients, duration=duration, script=script
            )
            results["baseline"] = _checked(figures, size)
        with _server(_serve, settings) as (base, pid):
            cookie = _login(base)
            for name, path in {"list": "/", "draft": f"/c/{featured}/draft"}.items():
                size = _page_size(base, path, cookie)
                url = f"{base}{path}"
                wrk(url, pid=pid, cookie=cookie, clients=clients, duration=WARM_UP, script=script)
                figures = wrk(
                    url, pid=pid, cookie=cookie, clients=clients, duration=duration, script=script
                )
                figures = _checked(figures, size)
                figures["ratio"] = round(
                    figures["requests_per_second"] / results["baseline"]["requests_per_second"], 3
                )
                results[name] = figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def main() -> None:
    """Build, serve, drive, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--correspondences", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/web_bench.py needs wrk: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="penpal-web-bench-"))
    try:
        settings = _settings(folder)
        built = time.perf_counter()
        featured = asyncio.run(build(settings, args.correspondences))
        build_seconds = time.perf_counter() - built
        load_before = os.getloadavg()[0]
        results = measure(settings, featured, args.clients, args.duration)
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": _machine(),
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "correspondences": args.correspondences,
        "clients": args.clients,
        "duration_s": args.duration,
        "build_s": round(build_seconds, 1),
        "client": "wrk -t1",
        "pages": results,
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"machine: {report['machine']}; load average {load_before:.2f} → {load_after:.2f}")
    print(
        f"{args.correspondences} correspondences (built in {build_seconds:.0f} s), "
        f"{args.clients} clients (wrk), {args.duration:.0f} s per page"
    )
    for name, figures in results.items():
        ratio = f"  ratio {figures['ratio']:.3f}" if "ratio" in figures else ""
        print(
            f"{name:8} {figures['requests_per_second']:8.1f} req/s  "
            f"p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms  "
            f"p99 {figures['p99_ms']:6.1f} ms{ratio}  "
            f"server CPU {figures['server_cpu_ms_per_request']:.2f} ms/req, "
            f"wrk {figures['wrk_cpu_share']:.0%} of a core  "
            f"({figures['requests']:.0f} requests, {figures['bytes_per_response']:.0f} B each, "
            f"{figures['failures']:.0f} failed)"
        )


if __name__ == "__main__":
    main()
