"""The sample correspondence that ``penpal demo`` runs through the whole product.

Eight invented letters between two invented writers about "Kwetsbaarheid op het
werk", each a raw RFC 5322 message as a different mail program sends it (Gmail on
the web and on Android, Outlook on the desktop and on iOS, Apple Mail, iPhone
Mail, Thunderbird), addressed to the service address and quoting the letter
before it the way that program quotes. Beside each ``NN-client-quirk.eml`` lie
``.expected.txt`` (what the writer newly wrote: salutation, sign-off, a
``[privé]`` paragraph and a ``#klaar`` line kept; quoted history, signatures and
mobile footers gone) and ``.expected-body.txt`` (what would be published), each
ending in one newline. This module only reads those packaged files; it must not
parse, deliver or store them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable

from penpal.letters import Writer

SAMPLE_TOPIC: str = "Kwetsbaarheid op het werk"
"""The topic of the sample correspondence, also the subject of its first letter."""

SAMPLE_SERVICE_ADDRESS: str = "penpal@magazine.example"
"""The service mailbox the sample letters are addressed to."""

SAMPLE_WRITERS: tuple[Writer, Writer] = (
    Writer(email="jorien@tammeling.example", name="Jorien Tammeling", label="Jorien"),
    Writer(email="maaike@stroeve.example", name="Maaike Stroeve", label="Maaike"),
)
"""The two writers: Jorien writes the odd letters (she opens), Maaike the even ones."""


@dataclass(frozen=True, slots=True)
class SampleLetter:
    """One sample letter: its raw message and what extraction should make of it."""

    name: str
    raw: bytes = field(repr=False)
    expected_text: str
    expected_body: str


def _folder() -> Traversable:
    return files(__name__).joinpath("letters")


def _names() -> list[str]:
    # The number prefix on each file name is the order the letters were written in.
    return sorted(
        entry.name.removesuffix(".eml")
        for entry in _folder().iterdir()
        if entry.name.endswith(".eml")
    )


def _expected(name: str, suffix: str) -> str:
    text = _folder().joinpath(f"{name}{suffix}").read_text(encoding="utf-8")
    return text.removesuffix("\n")


def sample_messages() -> list[bytes]:
    """The raw sample letters, in the order they were written."""
    return [_folder().joinpath(f"{name}.eml").read_bytes() for name in _names()]


def sample_letters() -> list[SampleLetter]:
    """The sample letters with their expected text and body, in the order they were written."""
    return [
        SampleLetter(
            name=name,
            raw=_folder().joinpath(f"{name}.eml").read_bytes(),
            expected_text=_expected(name, ".expected.txt"),
            expected_body=_expected(name, ".expected-body.txt"),
        )
        for name in _names()
    ]
