"""Benchmark: penpal.parsing.parse_message against the bare standard-library parse.

Generates a corpus of realistic replies (Gmail, Outlook and Apple Mail shapes;
plain, HTML with quote containers, some with attachments; Dutch and English),
then times, on the same bytes in the same run, ``email.message_from_bytes(raw,
policy=policy.default)`` alone (the reference: what a program reading mail with
the modern email API does before any work of its own) and ``parse_message(raw)``
(parse, body choice, HTML rendering, extraction, classification, attachments).
For context it also times the legacy ``compat32`` parse alone, which is what
``parse_message`` itself builds on. Prints the machine, messages per second and
the ratio; ``--json`` prints the figures as one JSON object.

    .venv/bin/python bench/parse_bench.py [--messages 2000] [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import base64
import email
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from penpal.parsing import parse_message

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


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 5))) for _ in range(count)]


def _plain_gmail(rng: random.Random, n: int) -> bytes:
    own = "\n\n".join(["Lieve Carola,", *_paragraphs(rng, rng.randint(2, 6)), "Liefs,\nDenise"])
    quoted = "\n".join("> " + p for p in _paragraphs(rng, rng.randint(3, 10)))
    body = f"{own}\n\nOp vr 20 nov 2026 om 09:14 schreef Carola <carola@x.example>:\n\n{quoted}\n"
    return _message(n, "text/plain; charset=UTF-8", body.encode())


def _html_gmail(rng: random.Random, n: int) -> bytes:
    own = "".join(f"<div>{p}</div><div><br></div>" for p in _paragraphs(rng, rng.randint(2, 6)))
    quoted = "".join(f"<div>{p}</div>" for p in _paragraphs(rng, rng.randint(3, 10)))
    html = (
        f'<div dir="ltr"><div>Dear Anna,</div><div><br></div>{own}'
        "<div>Love,</div><div>Bram</div></div>"
        f'<br><div class="gmail_quote"><div class="gmail_attr">On Thu, Nov 19, 2026 at 8:01 PM '
        f'Anna &lt;anna@x.example&gt; wrote:<br></div><blockquote class="gmail_quote">{quoted}'
        f"</blockquote></div>"
    )
    plain = "Dear Anna,\n\n" + "\n\n".join(_paragraphs(rng, 3)) + "\n"
    return _alternative(n, plain, html)


def _outlook_html(rng: random.Random, n: int) -> bytes:
    own = "".join(
        f"<p class=MsoNormal>{p}<o:p></o:p></p><p class=MsoNormal>&nbsp;</p>"
        for p in _paragraphs(rng, rng.randint(2, 6))
    )
    quoted = "".join(f"<p class=MsoNormal>{p}</p>" for p in _paragraphs(rng, rng.randint(3, 10)))
    html = (
        "<html><head><style>p.MsoNormal{margin:0cm}</style></head><body><div class=WordSection1>"
        f"<p class=MsoNormal>Hoi Denise,</p><p class=MsoNormal>&nbsp;</p>{own}"
        "<p class=MsoNormal>Groeten,<br>Carola</p><div><div style='border:none;border-top:solid "
        "#E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>Van:</b> Denise<br>"
        f"<b>Verzonden:</b> vrijdag 20 november 2026 10:02</p></div></div>{quoted}"
        "</div></body></html>"
    )
    plain = "Hoi Denise,\n\n" + "\n\n".join(_paragraphs(rng, 3)) + "\n"
    return _alternative(n, plain, html)


def _with_attachment(rng: random.Random, n: int) -> bytes:
    image = base64.encodebytes(bytes(rng.randrange(256) for _ in range(rng.randint(2_000, 20_000))))
    text = "\n\n".join(["Hoi Carola,", *_paragraphs(rng, 3), "Hierbij de foto.", "Denise"])
    head = _head(n) + 'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n'
    parts = (
        f"--mix\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n"
        "--mix\r\nContent-Type: image/jpeg\r\n"
        'Content-Disposition: attachment; filename="zee.jpg"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return (head + parts).encode() + image + b"\r\n--mix--\r\n"


def _head(n: int) -> str:
    return (
        f"From: Writer {n} <writer{n % 7}@schrijvers.example>\r\nTo: penpal@magazine.example\r\n"
        f"Subject: Re: Brief {n}\r\nDate: Fri, 20 Nov 2026 10:02:11 +0100\r\n"
        f"Message-ID: <bench-{n}@mail.example>\r\nIn-Reply-To: <bench-{n - 1}@mail.example>\r\n"
        "MIME-Version: 1.0\r\n"
    )


def _message(n: int, content_type: str, body: bytes) -> bytes:
    return (_head(n) + f"Content-Type: {content_type}\r\n\r\n").encode() + body


def _alternative(n: int, plain: str, html: str) -> bytes:
    return (
        _head(n)
        + 'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        + f"--alt\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{plain}\r\n"
        + f"--alt\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n{html}\r\n--alt--\r\n"
    ).encode()


def corpus(count: int, seed: int = 2026) -> list[bytes]:
    """``count`` messages: 35 % plain, 30 % Gmail HTML, 25 % Outlook HTML, 10 % with attachments."""
    rng = random.Random(seed)
    makers: list[tuple[float, Callable[[random.Random, int], bytes]]] = [
        (0.35, _plain_gmail),
        (0.30, _html_gmail),
        (0.25, _outlook_html),
        (0.10, _with_attachment),
    ]
    out = []
    for n in range(count):
        pick = rng.random()
        for share, maker in makers:
            if pick < share:
                out.append(maker(rng, n))
                break
            pick -= share
        else:
            out.append(makers[-1][1](rng, n))
    return out


def _bare(raw: bytes) -> object:
    return email.message_from_bytes(raw, policy=policy.default)


def _bare_compat32(raw: bytes) -> object:
    return email.message_from_bytes(raw, policy=policy.compat32)


def machine() -> str:
    """The CPU model, the cores this process may use, and the Python that ran."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.partition(":")[2].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{model}, {cores} cores, {python}"


def _time(func: Callable[[bytes], object], messages: list[bytes], rounds: int) -> float:
    """The best of ``rounds`` passes, in seconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for raw in messages:
            func(raw)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> dict[str, float | str]:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    messages = corpus(args.messages)
    for raw in messages[:50]:  # warm caches and compiled patterns
        parse_message(raw)
    bare = _time(_bare, messages, args.rounds)
    full = _time(parse_message, messages, args.rounds)
    legacy = _time(_bare_compat32, messages, args.rounds)
    figures: dict[str, float | str] = {
        "machine": machine(),
        "messages": float(len(messages)),
        "mean_bytes": statistics.mean(len(m) for m in messages),
        "bare_msgs_per_s": len(messages) / bare,
        "penpal_msgs_per_s": len(messages) / full,
        "ratio": bare / full,
        "bare_compat32_msgs_per_s": len(messages) / legacy,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"machine:         {figures['machine']}")
        print(f"messages:        {len(messages)} (mean {figures['mean_bytes']:.0f} bytes)")
        print(f"bare parse:      {len(messages) / bare:8.0f} msg/s (policy.default)")
        print(f"parse_message:   {len(messages) / full:8.0f} msg/s")
        print(f"ratio:           {bare / full:.2f} (target >= 0.5; and >= 1,000 msg/s)")
        print(f"compat32 parse:  {len(messages) / legacy:8.0f} msg/s (for context)")
    return figures


if __name__ == "__main__":
    main()
