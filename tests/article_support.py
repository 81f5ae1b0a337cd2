"""What the article modules' tests share: two writers, their letters, drafts made of them.

The English and Dutch correspondences between two invented writers, the helpers
that turn them into letters and articles, and three drafts an editor might make:
an edited one, one full of markup that must stay text, and one whose title and
categories test the front matter's quoting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

from penpal.articles import compile_article
from penpal.letters import (
    Article,
    Attachment,
    Correspondence,
    CorrespondenceId,
    Extraction,
    Heading,
    Image,
    Letter,
    LetterId,
    PullQuote,
    State,
    Turn,
    Writer,
)
from penpal.prose import split_paragraphs

DENISE = Writer(email="denise@magazine.example", name="Denise Verhoeven")


CAROLA = Writer(email="carola@studio.example", name="Carola Smit", label="Carola")


PNG = b"\x89PNG\r\n\x1a\n" + bytes(2048)


ENGLISH_LETTERS = (
    (
        DENISE,
        "Last week I cried in a meeting, and nobody knew where to look. I have been "
        "wondering ever since why showing doubt at work still feels like breaking a rule.\n\n"
        "My manager said afterwards that it was brave. I did not feel brave.\n"
        "I felt seen, and that was worse.",
    ),
    (
        CAROLA,
        "Your letter stayed with me all weekend. I once hid a burnout for a whole year "
        "because I was afraid of losing my clients.\n\n"
        "Vulnerability is not weakness. It is information that the rest of the team "
        "needs in order to do good work.",
    ),
    (
        DENISE,
        "What would happen if managers went first? I wonder whether courage spreads "
        "the way fear does, one small admission at a time.",
    ),
    (
        CAROLA,
        "I think it does. The teams I trust most are the ones where someone dared to "
        "say out loud that they did not know.",
    ),
)


DUTCH_LETTERS = (
    (
        DENISE,
        "Vorige week moest ik huilen in een vergadering, en niemand wist waar hij moest "
        "kijken. Sindsdien vraag ik me af waarom twijfel laten zien op het werk nog steeds "
        "voelt als een regel overtreden.\n\n"
        "Ik voelde me gezien, en dat was erger.",
    ),
    (
        CAROLA,
        "Ik heb ooit een burn-out een heel jaar verborgen gehouden uit angst mijn "
        "opdrachtgevers kwijt te raken.\n\n"
        "Kwetsbaarheid is geen zwakte. Het is informatie die de rest van het team nodig "
        "heeft om goed werk te leveren.",
    ),
)


def make_correspondence(
    topic: str, writers: tuple[Writer, ...] = (DENISE, CAROLA)
) -> Correspondence:
    return Correspondence(
        id=CorrespondenceId("k3m9qa"),
        topic=topic,
        state=State.COMPLETE,
        writers=writers,
        created_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    )


def make_letter(
    number: int,
    writer: Writer,
    body: str,
    *,
    private: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> Letter:
    return Letter(
        id=LetterId(number),
        correspondence_id=CorrespondenceId("k3m9qa"),
        writer=writer,
        date=datetime(2026, 11, number, 9, 0, tzinfo=UTC),
        subject="Vulnerability at work",
        message_id=f"letter-{number}@mail.example",
        extraction=Extraction(text=body, body=body, private=private),
        attachments=attachments,
    )


def letters_of(pairs: Sequence[tuple[Writer, str]]) -> list[Letter]:
    return [make_letter(i, writer, body) for i, (writer, body) in enumerate(pairs, start=1)]


def make_turn(index: int, text: str, *, email: str = "denise@magazine.example") -> Turn:
    return Turn(LetterId(index + 1), "Denise Verhoeven", email, "Denise", split_paragraphs(text))


def edited(article: Article) -> Article:
    """What an editor makes of a draft: categories, a heading, a pull quote, an image, a credit."""
    return dataclasses.replace(
        article,
        categories=("Inspiration", "In depth"),
        headings=(Heading(article.suggestions.titles[0], 2),),
        pull_quotes=article.suggestions.pull_quotes[:1],
        images=(
            Image("meeting-room.jpg", "image/jpeg", 1, "An empty meeting room", "Ilse Bakker"),
        ),
        credit="Illustration intro with thanks to Ilse Bakker",
    )


def dutch() -> Article:
    article = compile_article(
        make_correspondence("Kwetsbaarheid op het werk"),
        letters_of(DUTCH_LETTERS),
        language="nl",
        revision=2,
    )
    return dataclasses.replace(
        article,
        categories=("Inspiratie", "Verdieping"),
        headings=(Heading("Een jaar lang verborgen", 1),),
        pull_quotes=(PullQuote("Kwetsbaarheid is geen zwakte.", 1),),
        credit="Illustratie intro met dank aan Ilse Bakker",
    )


HOSTILE = (
    "Look: <script>alert('x')</script> and <img src=x onerror=alert(1)>.\n\n"
    '"Quotes" & <b>bold</b> &amp; [a link](javascript:alert(1)) *stars*'
)


def hostile_article() -> Article:
    writer = Writer(email="eve@mail.example", name="Eve <b>Evil</b>", label="<i>Eve</i>")
    letter = make_letter(1, writer, HOSTILE)
    article = compile_article(
        make_correspondence("<script>x</script>", (writer, CAROLA)),
        [letter],
        language="en",
        revision=1,
    )
    return dataclasses.replace(
        article,
        categories=("<em>cat</em>",),
        headings=(Heading("<h1>head</h1>", 0),),
        pull_quotes=(PullQuote("<script>q()</script>", 0),),
        images=(Image('x" onerror="alert(1)', "image/png", 0, "<b>cap</b>", "<i>cred</i>"),),
        credit="<marquee>credit</marquee>",
    )


TRICKY_TITLE = 'Work: "is it" a #risk? \\ yes — no\u2028\x85\x01\ufeff'


def tricky() -> Article:
    article = compile_article(
        make_correspondence(TRICKY_TITLE), letters_of(ENGLISH_LETTERS), language="nl", revision=4
    )
    # Set directly: compiling tidies whitespace, and line separators are whitespace.
    return dataclasses.replace(
        article, title=TRICKY_TITLE, categories=("a: b", "- c", "'d'", "[e]", "#f")
    )


def english_article() -> Article:
    """The English test correspondence, compiled."""
    return compile_article(
        make_correspondence("Vulnerability at work"),
        letters_of(ENGLISH_LETTERS),
        language="en",
        revision=1,
    )
