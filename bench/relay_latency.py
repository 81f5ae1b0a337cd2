"""Benchmark: how soon penpal relays a letter after it lands in the service mailbox.

Starts a private Dovecot (IMAP, LMTP) and an aiosmtpd server that delivers into it, both on
127.0.0.1 and both from ``tests/fixtures/mail.py``, then runs the real ``penpal.service.Service``
(SQLite store, ``ImapMailbox`` and ``SmtpSender`` built from settings as ``penpal serve`` builds
them) against them, once with IMAP IDLE and once polling every second. Two writers take turns:
each letter is a reply to the last mail penpal sent that writer, written as a mail program
writes it (to the ``Reply-To`` address, ``Re:`` subject, ``In-Reply-To``/``References``, the
previous letter quoted below an attribution line), and is APPENDed to the service mailbox over
an IMAP connection kept open for the purpose. A letter's latency runs from the moment its
APPEND was answered OK (the letter is in the mailbox) to the moment the SMTP server accepted
penpal's relay of it (recorded by the server's handler, after delivery, before its 250 reply).
Letters go one at a time: the next is written once the previous relay was accepted and
penpal's intake waits again (with IDLE: is idling), after a short seeded random pause; with
polling the pause is spread over a whole poll interval so arrivals fall at every phase of it.

Each run first measures the floor Dovecot sets, in the same server and the same way: a plain
aioimaplib client on another account starts a fresh IDLE before each message, as penpal does,
while the same number of messages are APPENDed one by one; the floor is the time from each
APPEND's OK to the client reading its EXISTS. Dovecot holds such notifications back by half
a second, so no IDLE client can do better. Prints count, median, 95th percentile (nearest
rank) and max per run, with the floor and the ratio of the medians; ``--json`` prints the
same as one JSON object. Nothing here changes penpal's behaviour; the script stops Dovecot
and removes its folder on every exit, interruptions included, and gives up after
``--timeout`` seconds.

    .venv/bin/python bench/relay_latency.py [--letters 50] [--runs idle,poll] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import imaplib
import json
import logging
import math
import os
import platform
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aioimaplib
import pytest

from penpal import workflows
from penpal.config import EditorSettings, Settings, WriterSettings, default_settings
from penpal.intake import ImapMailbox
from penpal.letters import Writer
from penpal.service import Service, open_mailbox, open_sender
from penpal.store import Store
from penpal.templating import template_environment
from penpal.workflows.outgoing import Mailroom
from tests.fixtures.mail import Dovecot, SmtpServer, run_smtp_server, start_dovecot, stop_dovecot

TOPIC = "Twijfel op het werk"
SERVICE_USER = "penpal"
WRITERS = (("writer1", "Bram Kuiper"), ("writer2", "Anna Wit"))
FLOOR_USER = "editor"  # the floor's IDLE client and APPENDs use an account penpal never reads
POLL_INTERVAL = 1.0
IDLE_PAUSE = (0.0, 0.2)  # seconds between an IDLE starting and the next letter, at random
STEP_TIMEOUT = 15.0  # a single relay, or a single IDLE push, that takes longer is a failure
TARGET_MEDIAN = 0.7
TARGET_P95 = 1.0

_EXISTS = re.compile(rb"^(\d+) EXISTS$")

PARAGRAPHS = [
    "Je vorige brief heb ik twee keer gelezen, een keer in de trein en een keer thuis.",
    "Op kantoor merk ik dat wie twijfel toont, vaak juist vertrouwen terugkrijgt.",
    "Misschien is moed gewoon doorgaan terwijl je nog twijfelt.",
    "Gisteren zei een collega dat ze mijn vragen in het overleg waardeerde.",
    "Ik weet niet of ik het met je eens ben, maar ik blijf erover nadenken.",
    "Schrijf je me nog over dat gesprek met je leidinggevende?",
]


# --- figures ------------------------------------------------------------------------------


def nearest_rank(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile by nearest rank: a value that was measured, never between two."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Summary:
    """Count, median, 95th percentile and max of a set of latencies, in seconds."""

    count: int
    median: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        """Summarise ``values`` (at least one)."""
        return cls(len(values), statistics.median(values), nearest_rank(values, 0.95), max(values))


@dataclass(frozen=True, slots=True)
class RunResult:
    """One run: penpal's relay latencies and the Dovecot IDLE floor measured beside them."""

    mode: str
    idle: bool
    relay: Summary
    floor: Summary
    latencies: list[float] = field(repr=False)

    @property
    def ratio(self) -> float:
        """penpal's median over the floor's median."""
        return self.relay.median / self.floor.median

    @property
    def target_met(self) -> bool:
        """Whether the issue's target holds (it is set for IDLE; polling is for comparison)."""
        return self.relay.median < TARGET_MEDIAN and self.relay.p95 < TARGET_P95


# --- putting mail into the mailbox ----------------------------------------------------------


class Appender:
    """One IMAP connection kept open for APPENDs, timed in the thread that does them.

    The moment is taken in the worker thread right after the server's OK, not when the event
    loop gets round to it, so a busy loop cannot make a letter look as if it arrived later.
    """

    def __init__(self, dovecot: Dovecot, user: str) -> None:
        self._stack = contextlib.ExitStack()
        self._conn: imaplib.IMAP4 = self._stack.enter_context(dovecot.imap(user))
        self._lock = threading.Lock()

    def _append(self, raw: bytes) -> float:
        with self._lock:
            typ, data = self._conn.append("INBOX", None, None, raw)
            stored_at = time.monotonic()
        if typ != "OK":
            raise RuntimeError(f"APPEND failed: {data!r}")
        return stored_at

    async def append(self, raw: bytes) -> float:
        """APPEND ``raw`` to INBOX; returns the ``time.monotonic()`` of the server's OK."""
        return await asyncio.to_thread(self._append, raw)

    def close(self) -> None:
        """Log out."""
        self._stack.close()


@contextlib.asynccontextmanager
async def appender(dovecot: Dovecot, user: str) -> AsyncIterator[Appender]:
    """An ``Appender`` for ``user``, logged out afterwards."""
    opened = await asyncio.to_thread(Appender, dovecot, user)
    try:
        yield opened
    finally:
        await asyncio.to_thread(opened.close)


# --- the floor: a plain IDLE client ---------------------------------------------------------


async def idle_floor(dovecot: Dovecot, count: int, rng: random.Random) -> list[float]:
    """APPEND ``count`` messages one by one to the INBOX a plain aioimaplib client IDLEs on.

    Returns, per message, the seconds from the APPEND's OK to the client reading the
    ``EXISTS`` that announces it. Like penpal, the client ends its IDLE after each message
    and starts a new one before the next arrives: a client that stays in one IDLE sees the
    next message sooner, because Dovecot's 500 ms hold-back then runs from a change that
    came before that message (the previous one's bookkeeping), not from the message itself.
    """
    client = aioimaplib.IMAP4(host=dovecot.host, port=dovecot.imap_port, timeout=STEP_TIMEOUT)
    delays: list[float] = []
    try:
        async with asyncio.timeout(STEP_TIMEOUT):
            await client.wait_hello_from_server()
            await client.login(FLOOR_USER, dovecot.password(FLOOR_USER))
            response = await client.select("INBOX")
        exists = max(_exists(response.lines), default=0)
        async with appender(dovecot, FLOOR_USER) as put:
            for n in range(count):
                idle = await client.idle_start(timeout=STEP_TIMEOUT)
                try:
                    await asyncio.sleep(rng.uniform(*IDLE_PAUSE))
                    stored_at = await put.append(_floor_message(n))
                    exists += 1
                    async with asyncio.timeout(STEP_TIMEOUT):
                        while True:
                            push = await client.wait_server_push()
                            if max(_exists(push), default=0) >= exists:
                                break
                        delays.append(time.monotonic() - stored_at)
                finally:
                    client.idle_done()
                    async with asyncio.timeout(STEP_TIMEOUT):
                        await idle
            async with asyncio.timeout(STEP_TIMEOUT):
                await client.logout()
    finally:
        # aioimaplib leaves the socket open after a failure; never leave it behind.
        if client.protocol is not None and client.protocol.transport is not None:
            client.protocol.transport.close()
    return delays


def _exists(lines: list[Any]) -> list[int]:
    """The message counts that ``* n EXISTS`` lines among ``lines`` announce."""
    return [
        int(found.group(1))
        for line in lines
        if isinstance(line, bytes) and (found := _EXISTS.match(line))
    ]


def _floor_message(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Vloer <vloer@bench.example>"
    msg["To"] = "editor@penpal.example"
    msg["Subject"] = f"Vloer {n}"
    msg["Message-ID"] = make_msgid(domain="bench.example")
    msg.set_content(f"Bericht {n} voor de IDLE-vloer.\n")
    return msg.as_bytes()


# --- the writers ------------------------------------------------------------------------------


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


def reply(answered: bytes, *, name: str, address: str, number: int, rng: random.Random) -> bytes:
    """A reply to ``answered`` as a mail program writes it: Reply-To, Re:, threading, a quote."""
    original = _parse(answered)
    subject = str(original["Subject"])
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    references = f"{original.get('References', '')} {original['Message-ID']}".strip()
    paragraphs = [rng.choice(PARAGRAPHS) for _ in range(rng.randint(2, 4))]
    own = "\n\n".join(["Hoi,", *paragraphs, f"Dit is brief {number}.", f"Groet,\n{name}"])
    quoted = "\n".join(f"> {line}".rstrip() for line in _plain_text(original).splitlines())
    sent = datetime.now(UTC)
    msg = EmailMessage()
    msg["From"] = f"{name} <{address}>"
    msg["To"] = str(original["Reply-To"] or original["From"])
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = make_msgid(domain=address.split("@")[1])
    msg["In-Reply-To"] = str(original["Message-ID"])
    msg["References"] = references
    msg["User-Agent"] = "Bench Mail 1.0"
    msg.set_content(f"{own}\n\nOp {sent:%d-%m-%Y %H:%M} schreef {original['From']}:\n{quoted}\n")
    return msg.as_bytes()


# --- one run of penpal ----------------------------------------------------------------------


def _settings(dovecot: Dovecot, smtp: SmtpServer, folder: Path, *, idle: bool) -> Settings:
    imap: dict[str, Any] = {
        "host": dovecot.host,
        "port": dovecot.imap_port,
        "security": "none",
        "username": SERVICE_USER,
        "password": dovecot.password(SERVICE_USER),
        "idle": idle,
    }
    if not idle:
        imap["poll_interval"] = POLL_INTERVAL
    return default_settings(
        folder / "config.toml",
        service={
            "address": dovecot.address(SERVICE_USER),
            "name": "Penpal",
            "secret": "bench-secret-" + "s" * 24,
            "language": "nl",
            "database": f"sqlite+aiosqlite:///{folder / 'penpal.db'}",
        },
        mailbox={"source": "imap"},
        imap=imap,
        smtp={"host": smtp.host, "port": smtp.port, "security": "none"},
        editors=[EditorSettings(email=dovecot.address("editor"), name="Eva Redactie")],
        writers=[WriterSettings(name=name, email=dovecot.address(u)) for u, name in WRITERS],
    )


async def _accepted(smtp: SmtpServer, count: int, what: str) -> None:
    """Wait until the SMTP server has accepted ``count`` mails in all."""
    try:
        async with asyncio.timeout(STEP_TIMEOUT):
            # The server's own timestamps are the measurement; this only waits for them.
            while len(smtp.received) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise RuntimeError(f"{what}: nothing accepted within {STEP_TIMEOUT:g} s") from None


async def _until_idling(mailbox: ImapMailbox) -> None:
    async with asyncio.timeout(STEP_TIMEOUT):
        while not mailbox.idling:  # noqa: ASYNC110 - a flag, with nothing to await
            await asyncio.sleep(0.002)


async def run_penpal(
    dovecot: Dovecot, folder: Path, *, idle: bool, letters: int, rng: random.Random
) -> RunResult:
    """Measure the floor, then run penpal and relay ``letters`` letters; see the module doc."""
    mode = "IMAP IDLE" if idle else f"polling every {POLL_INTERVAL:g} s"
    await asyncio.to_thread(dovecot.reset)
    floor = await idle_floor(dovecot, letters, rng)
    await asyncio.to_thread(folder.mkdir)
    async with run_smtp_server(dovecot, security="none") as smtp:
        settings = _settings(dovecot, smtp, folder, idle=idle)
        store = Store.connect(settings.service.database)
        mailbox = open_mailbox(settings)
        assert isinstance(mailbox, ImapMailbox)
        sender = open_sender(settings)
        room = Mailroom(settings, template_environment())
        stop = asyncio.Event()
        running: asyncio.Task[None] | None = None
        stack = contextlib.AsyncExitStack()
        try:
            await store.upgrade()
            service = Service(store=store, mailbox=mailbox, sender=sender, room=room)
            writers = [Writer(dovecot.address(user), name) for user, name in WRITERS]
            await workflows.start_correspondence(
                store, TOPIC, writers, clock=lambda: datetime.now(UTC), actor="bench", room=room
            )
            running = asyncio.create_task(service.run(stop), name="penpal")
            await _accepted(smtp, 2, "the invitations")
            last_to = {
                envelope.rcpt_tos[0]: bytes(envelope.original_content or b"")
                for envelope in smtp.received
            }
            latencies: list[float] = []
            put = await stack.enter_async_context(appender(dovecot, SERVICE_USER))
            for number in range(1, letters + 1):
                user, name = WRITERS[(number - 1) % 2]
                partner = dovecot.address(WRITERS[number % 2][0])
                address = dovecot.address(user)
                letter = reply(last_to[address], name=name, address=address, number=number, rng=rng)
                if idle:
                    await _until_idling(mailbox)
                    await asyncio.sleep(rng.uniform(*IDLE_PAUSE))
                else:
                    await asyncio.sleep(rng.uniform(0.0, POLL_INTERVAL))
                before = len(smtp.received)
                stored_at = await put.append(letter)
                await _accepted(smtp, before + 1, f"letter {number}")
                latencies.append(smtp.accepted_at[before] - stored_at)
                relay = smtp.received[before]
                relayed = bytes(relay.original_content or b"")
                if list(relay.rcpt_tos) != [partner] or (
                    f"Dit is brief {number}." not in _plain_text(_parse(relayed))
                ):
                    raise RuntimeError(f"letter {number}: the accepted mail is not its relay")
                last_to[partner] = relayed
        finally:
            await stack.aclose()
            stop.set()
            if running is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(running, timeout=10)
            await mailbox.close()
            await sender.close()
            await store.close()
    return RunResult(mode, idle, Summary.of(latencies), Summary.of(floor), latencies)


# --- the program ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on: cores, CPU model, Python, date, load average."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": str(os.cpu_count() or 0),
        "cpu": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "date": date.today().isoformat(),
        # A shared machine's other work shows in the figures; the load says how much there was.
        "load": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


async def bench(root: Path, dovecot: Dovecot, args: argparse.Namespace) -> list[RunResult]:
    """Every run the arguments ask for, in order, each with its own floor and database."""
    rng = random.Random(args.seed)
    results: list[RunResult] = []
    loop = asyncio.get_running_loop()
    this = asyncio.current_task()
    assert this is not None
    # SIGTERM cancels the benchmark as Ctrl-C does, so every finally block below runs.
    loop.add_signal_handler(signal.SIGTERM, this.cancel)
    try:
        async with asyncio.timeout(args.timeout):
            for mode in args.runs:
                folder = root / f"bench-{mode}"
                idle = mode == "idle"
                result = await run_penpal(dovecot, folder, idle=idle, letters=args.letters, rng=rng)
                results.append(result)
                if not args.json:
                    print_run(result)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _interrupt)
    return results


def _seconds(value: float) -> str:
    return f"{value:.3f} s"


def print_run(result: RunResult) -> None:
    """The figures of one run, as lines of text."""
    relay, floor = result.relay, result.floor
    verdict = "met" if result.target_met else "missed"
    if not result.idle:
        verdict += " (the target is for IDLE; polling is shown for comparison)"
    print(f"\n{result.mode}: {relay.count} letters")
    print(
        f"  penpal, mailbox to SMTP acceptance: median {_seconds(relay.median)}, "
        f"p95 {_seconds(relay.p95)}, max {_seconds(relay.max)}"
    )
    print(
        f"  Dovecot IDLE floor (plain aioimaplib, {floor.count} APPENDs): "
        f"median {_seconds(floor.median)}, p95 {_seconds(floor.p95)}, max {_seconds(floor.max)}"
    )
    print(f"  ratio of medians, penpal / floor: {result.ratio:.2f}")
    print(f"  target (median < {TARGET_MEDIAN:g} s, p95 < {TARGET_P95:g} s): {verdict}")
    sys.stdout.flush()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--letters", type=int, default=50, help="letters per run (default 50)")
    parser.add_argument(
        "--runs",
        default="idle,poll",
        help="comma-separated runs: idle, poll (default idle,poll)",
    )
    parser.add_argument("--seed", type=int, default=4, help="seed of the pauses and letter texts")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="give up after this many seconds (600)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    args.runs = [run.strip() for run in args.runs.split(",") if run.strip()]
    if not args.runs or set(args.runs) - {"idle", "poll"}:
        parser.error("--runs takes idle, poll or both")
    if args.letters < 1:
        parser.error("--letters must be at least 1")
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def private_dovecot() -> Iterator[tuple[Path, Dovecot]]:
    """A Dovecot of our own in a fresh folder; stopped, and the folder removed, however we leave."""
    # Not under a 0700 folder of ours: Dovecot's own users must reach the files.
    root = Path(tempfile.mkdtemp(prefix="penpal-bench-"))
    try:
        server = start_dovecot(root)
        try:
            yield root, server
        finally:
            stop_dovecot(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when it ran (met or not), 1 when it failed, 130 when interrupted."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop Dovecot and remove its folder.
    signal.signal(signal.SIGTERM, _interrupt)
    about = machine()
    if not args.json:
        print(
            f"penpal relay latency, {args.letters} letters per run; {about['date']}, "
            f"nproc {about['nproc']}, {about['cpu']}, {about['python']}, "
            f"load average {about['load']}\n"
            "letters are APPENDed to the service INBOX; latency: APPEND answered OK "
            "to penpal's relay accepted by SMTP"
        )
    try:
        with private_dovecot() as (root, dovecot):
            results = asyncio.run(bench(root, dovecot, args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; Dovecot stopped and its folder removed", file=sys.stderr)
        return 130
    except TimeoutError:
        print(f"gave up after {args.timeout:g} s", file=sys.stderr)
        return 1
    except pytest.fail.Exception as exc:  # how the fixtures report a Dovecot that will not start
        print(f"cannot start the mail servers: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "machine": about,
                    "letters": args.letters,
                    "runs": [
                        {
                            "mode": r.mode,
                            "idle": r.idle,
                            "relay": asdict(r.relay),
                            "floor": asdict(r.floor),
                            "ratio": r.ratio,
                            "target_met": r.target_met,
                            "latencies": r.latencies,
                        }
                        for r in results
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
