"""Tests for penpal.extraction: what a writer newly wrote, and what was cut and why."""

# Test letters are written in the scripts writers use; look-alike letters are meant.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from penpal.extraction import extract, extract_text
from penpal.letters import Command, CommandName, CutKind

LETTER = "Lieve Carola,\n\nIk schrijf je vanuit de trein.\n\nLiefs,\nDenise"


@pytest.mark.parametrize(
    "history",
    [
        "Op vr 20 nov 2026 om 09:14 schreef Carola Jansen <carola@schrijvers.example>:\n\n> Hoi",
        "Op 20 nov. 2026, om 09:14 heeft Carola Jansen <carola@schrijvers.example> het\n"
        "volgende geschreven:\n\nHoi Denise, oude tekst.",
        "Op 20-11-2026 09:14 schreef Carola Jansen:\n> Hoi",
        "On Fri, Nov 20, 2026 at 9:14 AM Carola Jansen <carola@schrijvers.example>\nwrote:\n\n> Hi",
        "On 20 Nov 2026, at 09:14, Carola <carola@schrijvers.example> wrote:\n\nOld text.",
        "Am 20.11.2026 um 09:14 schrieb Carola Jansen <carola@schrijvers.example>:\n> Hallo",
        "Carola Jansen <carola@schrijvers.example> schrieb am Fr., 20. Nov. 2026 um\n"
        "09:14 Uhr:\n> x",
        "Le ven. 20 nov. 2026 à 09:14, Carola <carola@schrijvers.example> a écrit :\n> Salut",
        "Van: Carola Jansen <carola@schrijvers.example>\n"
        "Verzonden: vrijdag 20 november 2026 09:14\n"
        "Aan: Denise\nOnderwerp: Brief\n\nOude brief.",
        "*Van:* Carola\n*Verzonden:* vrijdag 20 november 2026\n*Onderwerp:* Brief\n\nOude brief.",
        "From: Carola <carola@schrijvers.example>\nSent: Friday, November 20, 2026 9:14 AM\n"
        "To: Denise\nSubject: Letter\n\nOld letter.",
        "-----Oorspronkelijk bericht-----\nVan: Carola\nVerzonden: vrijdag\n\nOud.",
        "-----Original Message-----\nFrom: Carola\nSent: Friday\n\nOld.",
        "________________________________\nVan: Carola <carola@schrijvers.example>\n"
        "Datum: vrijdag 20 november 2026\n\nOud.",
        "---------- Doorgestuurd bericht ---------\nVan: Carola\nDate: vr 20 nov 2026\n\nOud.",
        "> Hoi Denise,\n> hoe is het?",
        "---- On Fri, 20 Nov 2026 09:14 Carola <carola@schrijvers.example> wrote ----\nOld text.",
        "-- On Fri, 20 Nov 2026 at 09:14, Carola <carola@schrijvers.example> wrote:\nOld text.",
        "2026/11/20 Carola Jansen <carola@schrijvers.example>\n\n> Oud",
        "On 20 November 2026 Carola wrote:\n> Old",
        "-----Original Message-----\nDate: Fri, 20 Nov 2026\nFrom: Carola\nSubject: Letter\n\nOld.",
        "-----Original Message-----\nOld letter without its headers.",
        "Message du : 20/11/2026 09:14\nDe : Carola <carola@schrijvers.example>\n"
        "Envoyé : vendredi 20 novembre 2026\nÀ : Denise\nObjet : Lettre\n\nVieux.",
    ],
    ids=[
        "gmail-nl",
        "apple-nl-wrapped",
        "thunderbird-nl",
        "gmail-en-wrapped",
        "apple-en-unquoted",
        "apple-de",
        "gmail-de-wrapped",
        "gmail-fr",
        "outlook-nl",
        "outlook-nl-bold",
        "outlook-en",
        "outlook-nl-rule",
        "outlook-en-rule",
        "outlook-web-underscores",
        "gmail-nl-forward",
        "bare-quote",
        "dashed-attribution",
        "dash-led-attribution",
        "gmail-numeric-date",
        "date-without-time-above-quote",
        "rule-then-date-first",
        "rule-without-headers",
        "outlook-fr-message-du",
    ],
)
def test_top_posted_history_is_cut(history: str) -> None:
    """Whatever form the quoted history takes, only the letter above it is kept."""
    result = extract(LETTER + "\n\n" + history + "\n")
    assert result.text == LETTER
    assert result.removed
    assert all(cut.kind is CutKind.QUOTE for cut in result.removed)
    assert all(cut.reason for cut in result.removed)


def test_salutation_and_closing_are_in_text_not_body() -> None:
    """Salutation and sign-off are reported and left out of the body only."""
    result = extract(LETTER)
    assert result.salutation == "Lieve Carola,"
    assert result.closing == "Liefs,\nDenise"
    assert result.body == "Ik schrijf je vanuit de trein."
    assert result.text == LETTER


def test_bottom_posted_reply_keeps_text_under_the_quote() -> None:
    """An attribution and '>' block at the top are cut and the reply below them is kept."""
    text = "On Fri, Nov 20, 2026 at 9:14 AM Carola <c@x.example> wrote:\n> Vraag?\n\nAntwoord."
    assert extract_text(text) == "Antwoord."


def test_inline_reply_keeps_only_own_paragraphs() -> None:
    """Own paragraphs between quoted pieces stay; the quoted pieces are cut and listed."""
    text = "> Eerste vraag?\n\nEerste antwoord.\n\n> Tweede vraag?\n\nTweede antwoord.\n\n> Groet"
    result = extract(text)
    assert result.text == "Eerste antwoord.\n\nTweede antwoord."
    assert [c.text for c in result.removed] == ["> Eerste vraag?", "> Tweede vraag?", "> Groet"]


def test_reply_on_the_attribution_line_is_kept() -> None:
    """Text that shares its line with an attribution is kept."""
    text = "Prima-- On Fri, Nov 20, 2026 at 9:14 AM, c@schrijvers.example wrote:\n> vraag"
    assert extract_text(text) == "Prima"


@pytest.mark.parametrize(
    "signature",
    [
        "Verstuurd vanaf mijn iPhone",
        "Verzonden vanuit Outlook voor iOS<https://aka.ms/o0ukef>",
        "Verzonden met BlackBerry Work",
        "Sent from my iPhone",
        "Sent from my Galaxy, please excuse typos.",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Get Outlook for Android",
        "-- \nDenise de Vries\nSchrijver",
    ],
)
def test_signatures_are_cut(signature: str) -> None:
    """Mobile signatures in four languages and '-- ' blocks are cut as signatures."""
    result = extract(LETTER + "\n\n" + signature + "\n")
    assert result.text == LETTER
    assert [c.kind for c in result.removed] == [CutKind.SIGNATURE]


def test_sentence_starting_like_a_signature_is_kept() -> None:
    """A sentence that only begins like "Sent from my" stays."""
    text = "Hier is mijn brief.\n\nSent from my desk, which is much nicer than my phone."
    assert extract_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Op 3 maart 2019 schreef ik in mijn dagboek:\n\nVandaag was het koud.",
        "On the other hand, I wrote:\n\nnothing at all.",
        "Van: mijn moeder kreeg ik een brief.\nDat was fijn.",
        "Eerst dit.\n\n***\n\nDan dat.\n\n---\n\nEn tot slot.",
        "Date: morgen\nTime: 10:00\nAddress: Dorpsstraat 1",
        "Ik schreef om 12.30 uur aan mijn zus:\n\nkom je?",
    ],
    ids=["dagboek", "other-hand", "van-sentence", "section-breaks", "appointment", "time-only"],
)
def test_letter_text_that_looks_like_history_is_kept(text: str) -> None:
    """Dates, 'wrote', 'Van:' and section breaks inside a letter do not start a cut."""
    assert extract_text(text) == text


def test_private_paragraphs_go_to_private_not_body() -> None:
    """A [private] or [privé] paragraph stays in text but never reaches the body."""
    text = "Hoi,\n\nOpenbaar.\n\n[privé] Alleen voor jou.\n\n[Private] Also just for you.\n\nDenise"
    result = extract(text)
    assert result.text == text
    assert result.private == ("Alleen voor jou.", "Also just for you.")
    assert result.body == "Openbaar."
    assert [c.kind for c in result.removed] == [CutKind.PRIVATE, CutKind.PRIVATE]


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("#complete", Command(CommandName.COMPLETE, "#complete")),
        ("#klaar", Command(CommandName.COMPLETE, "#klaar")),
        ("#agree", Command(CommandName.AGREE, "#agree")),
        ("#Akkoord", Command(CommandName.AGREE, "#Akkoord")),
        ("#approve", Command(CommandName.APPROVE, "#approve")),
        ("#goedgekeurd", Command(CommandName.APPROVE, "#goedgekeurd")),
        ("#changes make it shorter", Command(CommandName.CHANGES, "#changes", "make it shorter")),
    ],
)
def test_command_lines(line: str, command: Command) -> None:
    """A line that is only a command is listed in commands and left out of the text."""
    result = extract(f"Hoi,\n\n{line}\n\nDenise")
    assert result.commands == (command,)
    assert line not in result.text
    assert any(c.kind is CutKind.COMMAND for c in result.removed)


def test_command_in_quoted_history_is_ignored() -> None:
    """A command the partner wrote, quoted below the reply, is not a command of this message."""
    result = extract("Dank je!\n\nOp vr 20 nov 2026 om 09:14 schreef C <c@x.example>:\n> #klaar")
    assert result.commands == ()


def test_hashtag_inside_a_sentence_is_not_a_command() -> None:
    """Only a line that is nothing but the command counts."""
    assert extract("We zijn bijna #klaar, denk ik.").commands == ()


def test_disclaimer_and_list_footer_are_cut() -> None:
    """A confidentiality paragraph and a mailing-list footer at the end are disclaimers."""
    disclaimer = (
        "Dit bericht is vertrouwelijk en uitsluitend bestemd voor de geadresseerde.\n"
        "Heeft u het per abuis ontvangen, verwijder het dan."
    )
    footer = "_______________\nschrijvers mailing list\nhttps://lists.example/listinfo/schrijvers"
    result = extract(LETTER + "\n\n" + disclaimer + "\n\n" + footer)
    assert result.text == LETTER
    assert {c.reason for c in result.removed} == {"disclaimer", "mailing-list footer"}


def test_one_line_disclaimer_needs_two_disclaimer_words() -> None:
    """Outlook's unwrapped one-line notice is cut; one line with one such word is a letter's."""
    notice = (
        "This e-mail and any attachments are confidential and intended solely for the "
        "addressee. If you are not the intended recipient, please delete it."
    )
    result = extract(LETTER + "\n\n" + notice)
    assert result.text == LETTER
    assert [c.reason for c in result.removed] == ["disclaimer"]
    own = (
        "Wat je me vertelde blijft vertrouwelijk, dat beloof ik, ook als het later "
        "nog eens ter sprake komt."
    )
    assert extract("Hoi,\n\nVerhaal.\n\n" + own).text.endswith(own)


@pytest.mark.parametrize(
    ("first", "salutation"),
    [("Anna,", "Anna,"), ("Carola en Denise,", "Carola en Denise,"), ("Yes,", ""), ("Well,", "")],
    ids=["name", "two-names", "yes", "well"],
)
def test_a_name_alone_with_a_comma_is_a_salutation(first: str, salutation: str) -> None:
    """A first paragraph that is only a name and a comma greets; "Yes," and "Well," do not."""
    result = extract(first + "\n\nIk schrijf je vanuit de trein.\n\nBram")
    assert result.salutation == salutation
    assert result.body.startswith("Ik schrijf") is bool(salutation)


def test_a_name_with_a_comma_inside_a_paragraph_is_not_a_salutation() -> None:
    """A name and a comma that run on into more text on the next line do not greet."""
    result = extract("Anna,\nBram en Carola kwamen ook.\n\nTot snel,\nDenise")
    assert result.salutation == ""


def test_a_date_only_attribution_needs_a_quote_below_it() -> None:
    """Without time or address, "On <date> X wrote:" starts history only above '>' lines."""
    text = "Own text.\n\nOn 20 November 2026 Carola wrote:\nnot a quote"
    assert extract(text).text == text


def test_a_device_line_above_unquoted_history_is_a_signature() -> None:
    """A short line naming a phone right above the history is cut; a sentence about one is not."""
    history = "\n\nOn Fri, 20 Nov 2026 at 09:14, Anna <anna@x.example> wrote:\nold text"
    result = extract("Own text.\n\nTyped on my iPhone" + history)
    assert result.text == "Own text."
    assert [c.kind for c in result.removed] == [CutKind.SIGNATURE, CutKind.QUOTE]
    sentence = extract("Own text.\n\nI bought a new iPhone." + history)
    assert sentence.text == "Own text.\n\nI bought a new iPhone."


def test_history_after_a_quote_block_is_cut_with_its_header() -> None:
    """A '>' block, then an Outlook header block with unquoted history: all of it is cut."""
    text = (
        "Eigen tekst.\n\n> geciteerd\nVan: Anna <a@x.example>\nVerzonden: vrijdag\n"
        "Aan: Bram\nOnderwerp: x\n\noude tekst"
    )
    result = extract(text)
    assert result.text == "Eigen tekst."
    assert [c.reason for c in result.removed] == [
        "'>' quoted lines",
        "header block of the quoted message",
    ]


def test_a_header_line_alone_above_a_header_block_is_history() -> None:
    """ "Message du :" above a "De :" block belongs to the history, so nothing is left."""
    result = extract(
        "Message du : 12/12/2026 13:20\nDe : Anna <a@x.example>\nEnvoyé : lundi\n"
        "À : Bram\nObjet : x\n\nvieux texte"
    )
    assert result.text == ""
    assert [c.kind for c in result.removed] == [CutKind.QUOTE]


def test_a_long_paragraph_ending_in_an_attribution_keeps_the_paragraph() -> None:
    """Own text glued to "On … wrote:" on one long line stays; the attribution and history go."""
    own = "Blij met je brief. Op maandag " + "schrijf ik verder, " * 25 + "beloofd."
    line = own + " On Fri, 20 Nov 2026 at 09:14, Anna <anna@x.example> wrote:"
    result = extract(line + "\n\nold letter")
    assert result.text == own
    assert [c.reason for c in result.removed] == ["attribution line"]


def test_salutation_may_share_its_paragraph() -> None:
    """A salutation on the first line of the first paragraph leaves the rest to the body."""
    result = extract("Lieve Carola,\nIk schrijf je vanuit de trein.\n\nLiefs,\nDenise")
    assert result.salutation == "Lieve Carola,"
    assert result.body == "Ik schrijf je vanuit de trein."


def test_a_sign_off_word_followed_by_a_list_of_names_is_not_a_closing() -> None:
    """More than three name lines under "Groetjes," are a list, so no closing is taken."""
    text = "Tekst.\n\nGroetjes,\nAnna\nBram\nCarola\nDenise\nEvert"
    result = extract(text)
    assert result.closing == ""
    assert result.text == text


def test_a_rewrapped_quoted_line_stays_in_its_quote() -> None:
    """One unquoted line between two quoted ones is a re-wrapped quote line and is cut with them."""
    result = extract("Eigen tekst.\n\n> een lange regel die\nafgebroken werd\n> en verder")
    assert result.text == "Eigen tekst."
    assert [c.text for c in result.removed] == [
        "> een lange regel die\nafgebroken werd\n> en verder"
    ]


def test_an_address_line_ending_in_a_colon_is_not_an_attribution() -> None:
    """An address, then a line ending in a colon, without a verb: the letter is kept whole."""
    text = "Eigen tekst.\n\nMail me op carola@schrijvers.example\nof bel:\n06-12345678"
    assert extract(text).text == text


def test_an_original_message_rule_at_the_very_end_is_cut() -> None:
    """A rule with nothing under it is still the start of history."""
    result = extract("Eigen tekst.\n\n-----Original Message-----")
    assert result.text == "Eigen tekst."
    assert [c.reason for c in result.removed] == ["original-message rule"]


@pytest.mark.parametrize("rule", ["~~~~~~", "\u1427"], ids=["tildes", "tracker-mark"])
def test_a_trailing_rule_is_decoration(rule: str) -> None:
    """A rule or a mail tracker's mark closing the text is cut as decoration."""
    result = extract("Eigen tekst.\n\n" + rule)
    assert result.text == "Eigen tekst."
    assert [c.reason for c in result.removed] == ["trailing rule"]


def test_a_closing_at_the_end_of_the_last_paragraph() -> None:
    """A sign-off in the last lines of the last paragraph leaves the lines above it in the body."""
    result = extract("Hoi,\n\nTekst.\n\nIk zie je zaterdag.\nGroetjes,\nDenise")
    assert result.closing == "Groetjes,\nDenise"
    assert result.body == "Tekst.\n\nIk zie je zaterdag."


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    """Runs of blank lines and trailing spaces are normalised away."""
    result = extract("\r\n\r\nEen.  \r\n\r\n\r\n\r\nTwee.\r\n\r\n")
    assert result.text == "Een.\n\nTwee."


def test_whole_message_is_a_signature_then_it_is_kept() -> None:
    """A message that is only a '-- ' block keeps it rather than returning nothing."""
    assert extract_text("--\nDenise") == "--\nDenise"


def test_dash_name_signature_without_closing_is_cut() -> None:
    """A lone "-Name" under the text is a signature; under a sign-off word it is kept."""
    assert extract_text("Vraagje over je brief.\n\n-Denise") == "Vraagje over je brief."
    assert extract_text("Dank je.\n\nGroetjes,\n\n//Denise") == "Dank je.\n\nGroetjes,\n\n//Denise"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=400))
def test_extract_never_raises(text: str) -> None:
    """Any string extracts without raising, into normalised paragraphs."""
    result = extract(text)
    assert "\n\n\n" not in result.text
    assert result.body in result.text or result.private or result.salutation or result.closing


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "> quoted",
                "Op vr 20 nov 2026 om 09:14 schreef C <c@x.example>:",
                "-- ",
                "Van: C",
                "Verzonden: vrijdag",
                "",
                "Gewone zin.",
                "***",
                "#klaar",
                "[privé] geheim",
                "Liefs,",
                "Denise",
            ]
        ),
        max_size=30,
    )
)
def test_extract_on_mail_like_lines_never_raises(lines: list[str]) -> None:
    """Random mixes of mail-like lines extract without raising and cut only whole lines."""
    text = "\n".join(lines)
    result = extract(text)
    for line in result.text.split("\n"):
        assert line == "" or line in lines or any(line in x for x in lines)


@pytest.mark.parametrize(
    ("text", "signature_reason"),
    [
        (
            "Hoi Denise,\n\nDat klopt.\n\nVerstuurd vanaf mijn iPhone\n\n"
            "Op 20 nov. 2026 om 09:14 heeft Denise <denise@brieven.example> het volgende "
            "geschreven:\n\n> Lieve Carola,\n",
            "mobile signature",
        ),
        ("Hi,\n\nYes.\n\n-- \nJan Smit\n06-1234\n\n> quoted\n> more\n", "signature after '-- '"),
    ],
    ids=["mobile-then-attribution", "dash-signature-then-quote"],
)
def test_history_below_a_signature_is_its_own_cut(text: str, signature_reason: str) -> None:
    """History below a signature is reported as a quote, apart from the signature itself."""
    result = extract(text)
    kinds = [(cut.kind, cut.reason) for cut in result.removed]
    assert kinds[0] == (CutKind.SIGNATURE, signature_reason)
    assert kinds[1][0] is CutKind.QUOTE
    assert ">" not in result.removed[0].text
    assert result.removed[1].text.rstrip().endswith(("Lieve Carola,", "> more"))


# --- mail programs in more languages ----------------------------------------------------------

ADDRESS = "anna@writers.example"
OTHER_LANGUAGE_HISTORIES = {
    "gmail-es": f"El lun, 3 nov 2026 a las 9:14, Anna Lind (<{ADDRESS}>) escribió:\n\n> Hola",
    "gmail-es-wrapped": f"El lun, 3 nov 2026 a las 9:14, Anna Lind (<{ADDRESS}>)\nescribió:\n> Hi",
    "gmail-it": f"Il giorno lun 3 nov 2026 alle ore 09:14 Anna Lind <{ADDRESS}> ha scritto:\n> Hi",
    "gmail-pt-br": f"Em seg., 3 de nov. de 2026 às 09:14, Anna Lind <{ADDRESS}> escreveu:\n> Oi",
    "gmail-pt": f"Anna Lind <{ADDRESS}> escreveu no dia segunda, 3/11/2026 à(s) 09:14:\n> Olá",
    "gmail-sv": f"Den mån 3 nov. 2026 kl 09:14 skrev Anna Lind <{ADDRESS}>:\n> Hej",
    "gmail-da": f"Den man. 3. nov. 2026 kl. 09.14 skrev Anna Lind <{ADDRESS}>:\n\nHej Mette",
    "gmail-no": f"man. 3. nov. 2026 kl. 09:14 skrev Anna Lind <{ADDRESS}>:\n\nHei Ola",
    "gmail-fi": f"ma 3. marrask. 2026 klo 9.14 Anna Lind ({ADDRESS}) kirjoitti:\n\nHei",
    "gmail-pl": f"pon., 3 lis 2026 o 09:14 Anna Lind <{ADDRESS}>\nnapisał(a):\n\n> Cześć",
    "gmail-cs": f"po 3. 11. 2026 v 9:14 odesílatel Anna Lind <{ADDRESS}> napsal:\n\nAhoj",
    "gmail-ru-no-verb": f"пн, 3 нояб. 2026 г. в 09:14, Anna Lind <{ADDRESS}>:\n\nПривет",
    "gmail-ru-wrapped": f"пн, 3 нояб. 2026 г. в 09:14, Anna Lind <\n{ADDRESS}>:\n\n> Привет",
    "gmail-uk": f"пн, 3 лист. 2026 р. о 09:14 Anna Lind <{ADDRESS}> пише:\n\nПривіт",
    "gmail-tr": f"Anna Lind <{ADDRESS}>, 3 Kas 2026 Pzt, 09:14 tarihinde şunu yazdı:\n\nMerhaba",
    "gmail-ja-no-verb": f"2026年11月3日(月) 9:14 Anna Lind <{ADDRESS}>:\n\nこんにちは",
    "gmail-zh-glued-verb": f"Anna Lind <{ADDRESS}> 于2026年11月3日周一 09:14写道：\n\n你好",
    "gmail-ko": f"2026년 11월 3일 (월) 오전 9:14, Anna Lind <{ADDRESS}>님이 작성:\n\n안녕",
    "gmail-hu": f"Anna Lind <{ADDRESS}> ezt írta (időpont: 2026. nov. 3., H, 9:14):\n\nSzia",
    "gmail-el": f"Στις Δευ 3 Νοε 2026 στις 9:14 π.μ., ο/η Anna Lind <{ADDRESS}> έγραψε:\n\nΓεια",
    "gmail-ca": f"El dl., 3 de nov. 2026 a les 9:14, Anna Lind (<{ADDRESS}>) va escriure:\n\nHola",
    "gmail-id": f"Pada tanggal Sen, 3 Nov 2026 pukul 09.14 Anna Lind <{ADDRESS}> menulis:\n\nHai",
    "gmail-vi": f"Vào Th 2, 3 thg 11, 2026 vào lúc 09:14 Anna Lind <{ADDRESS}> đã viết:\n\nChào",
    "gmail-he": f"\u202bבתאריך יום ב׳, 3 בנוב׳ 2026 ב-9:14 מאת \u202aAnna Lind\u202c\u200f "
    f"<\u202a{ADDRESS}\u202c\u200f>:\u202c\n\n> שלום",
    "gmail-en-narrow-space-pm": f"On Mon, Nov 3, 2026 at 9:14\u202fPM Anna Lind <{ADDRESS}> "
    "wrote:\n> Hi",
    "gmail-en-three-lines": f"On Mon, Nov 3, 2026 at 9:14 PM Anna Lind <\n{ADDRESS}>\n"
    "wrote:\n\n> Hi",
    "apple-es": f"El 3 nov 2026, a las 9:14, Anna Lind <{ADDRESS}> escribió:\n\nHola",
    "apple-it": f"Il giorno 3 nov 2026, alle ore 09:14, Anna Lind <{ADDRESS}> ha scritto:\n\nCiao",
    "apple-sv": f"3 nov. 2026 kl. 09:14 skrev Anna Lind <{ADDRESS}>:\n\nHej",
    "apple-fi": f"Anna Lind <{ADDRESS}> kirjoitti 3.11.2026 kello 9.14:\n\nHei",
    "apple-pl": f"Wiadomość napisana przez Anna Lind <{ADDRESS}> w dniu 03.11.2026, o godz. "
    "09:14:\n\nCześć",
    "apple-ru": f"3 нояб. 2026 г., в 09:14, Anna Lind <{ADDRESS}> написал(а):\n\nПривет",
    "apple-ja": f"2026/11/03 9:14、Anna Lind <{ADDRESS}>のメール:\n\nこんにちは",
    "apple-zh": f"2026年11月3日 09:14，Anna Lind <{ADDRESS}> 写道：\n\n你好",
    "apple-ko": f"2026. 11. 3. 오전 9:14, Anna Lind <{ADDRESS}> 작성:\n\n안녕",
    "apple-cs-no-verb": f"3. 11. 2026 v 9:14, Anna Lind <{ADDRESS}>:\n\nAhoj",
    "thunderbird-ru": "03.11.2026 09:14, Anna Lind пишет:\n\nПривет",
    "thunderbird-cs": "Dne 03. 11. 26 v 9:14 Anna Lind napsal(a):\n\nAhoj",
    "thunderbird-pl": "W dniu 3.11.2026 o 09:14, Anna Lind pisze:\n\nCześć",
    "thunderbird-sv": "Den 2026-11-03 kl. 09:14, skrev Anna Lind:\n\nHej",
    "thunderbird-zh": "在 2026/11/3 9:14, Anna Lind 写道:\n\n你好",
    "gmail-hr": f"Dana 3. 11. 2026. u 09:14, Anna Lind <{ADDRESS}> je napisao/la:\n\n> Bok",
    "gmail-sk": f"3. novembra 2026 o 09:14 Anna Lind <{ADDRESS}> napísal(a):\n\n> Ahoj",
    "gmail-zh-weekday": f"在 2026年11月3日，星期一，上午9:14，Anna Lind <{ADDRESS}> "
    "写道：\n\n> 你好",
    "android-reply-message": f"----- Reply message -----\nFrom: Anna Lind <{ADDRESS}>\n"
    "Date: Mon, Nov 3, 2026 09:14\nTo: Bram\nSubject: Q\n\nQuestion",
    "yahoo-de": f"Am Montag, 3. November 2026, 09:14:00 MEZ hat Anna Lind <{ADDRESS}> Folgendes "
    "geschrieben:\n\n\nHallo",
    "mailru-no-verb": f"Понедельник, 3 ноября 2026, 9:14 +03:00 от Anna Lind <{ADDRESS}>:\nПривет",
    "horde-quoting": f"Quoting Anna Lind <{ADDRESS}>:\n\n> Hi",
    "horde-zitat-von": f"Zitat von Anna Lind <{ADDRESS}>:\n\n> Hallo",
    "aol-in-a-message-dated": f"In a message dated 11/3/2026 9:14:00 AM, {ADDRESS} writes:\n\n> Hi",
    "bare-name-above-quote": "Anna Lind schrieb:\n> Hallo",
    "outlook-es": f"De: Anna Lind <{ADDRESS}>\nEnviado: lunes, 3 de noviembre de 2026 9:14\n"
    "Para: Lucía\nAsunto: Re: La lluvia\n\nHola",
    "outlook-es-enviado-el-cc": f"De: Anna Lind <{ADDRESS}>\nEnviado el: lunes, 3 de noviembre "
    "de 2026 9:14\nPara: Lucía\nCC: Pedro\nAsunto: Lluvia\n\nHola",
    "outlook-it-bold": f"*Da:* Anna Lind <{ADDRESS}>\n*Inviato:* lunedì 3 novembre 2026 09:14\n"
    "*A:* Giulia\n*Oggetto:* Re: Il freddo\n\nCiao",
    "outlook-de-kopie": f"Von: Anna Lind [mailto:{ADDRESS}]\nGesendet: Montag, 3. November 2026"
    "\nAn: Jonas\nCc: Lea\nBetreff: AW: Frost\n\nHallo",
    "outlook-sv-kopia": f"Från: Anna Lind <{ADDRESS}>\nSkickat: den 3 november 2026 09:14\n"
    "Till: Erik\nKopia: Karin\nÄmne: SV: Snö\n\nHej",
    "outlook-fi": f"Lähettäjä: Anna Lind <{ADDRESS}>\nLähetetty: maanantai 3. marraskuuta 2026\n"
    "Vastaanottaja: Mikko\nAihe: VS: Pimeä\n\nHei",
    "outlook-pl": f"Od: Anna Lind <{ADDRESS}>\nWysłano: poniedziałek, 3 listopada 2026 09:14\n"
    "Do: Kasia\nTemat: RE: Śnieg\n\nCześć",
    "outlook-cs": f"Od: Anna Lind <{ADDRESS}>\nOdesláno: pondělí 3. listopadu 2026 9:14\n"
    "Komu: Petr\nPředmět: RE: Mráz\n\nAhoj",
    "outlook-ru": f"От: Anna Lind <{ADDRESS}>\nОтправлено: 3 ноября 2026 г. 9:14\n"
    "Кому: Ольга\nТема: RE: Снег\n\nПривет",
    "outlook-tr": f"Kimden: Anna Lind <{ADDRESS}>\nGönderildi: 3 Kasım 2026 Pazartesi 09:14\n"
    "Kime: Ayşe\nKonu: YNT: Sıcak\n\nMerhaba",
    "outlook-ja": f"差出人: Anna Lind <{ADDRESS}>\n送信日時: 2026年11月3日 9:14\n宛先: 健太\n"
    "件名: RE: 紅葉\n\nこんにちは",
    "outlook-zh": f"发件人: Anna Lind <{ADDRESS}>\n发送时间: 2026年11月3日 9:14\n收件人: 小明\n"
    "主题: 回复: 供暖\n\n你好",
    "outlook-ko": f"보낸 사람: Anna Lind <{ADDRESS}>\n보낸 날짜: 2026년 11월 3일 월요일 오전 9:14\n"
    "받는 사람: 민지\n제목: RE: 추위\n\n안녕",
    "outlook-hu": f"Feladó: Anna Lind <{ADDRESS}>\nElküldve: 2026. november 3. 9:14\n"
    "Címzett: Bram\nTárgy: RE: Fagy\n\nSzia",
    "outlook-el": f"Από: Anna Lind <{ADDRESS}>\nΣτάλθηκε: Δευτέρα, 3 Νοεμβρίου 2026 9:14 πμ\n"
    "Προς: Bram\nΘέμα: RE: Frost\n\nΓεια",
    "outlook-ro": f"De la: Anna Lind <{ADDRESS}>\nTrimis: luni, 3 noiembrie 2026 09:14\n"
    "Către: Bram\nSubiect: RE: Frost\n\nSalut",
    "outlook-fr-no-break-spaces": f"De\u00a0: Anna Lind <{ADDRESS}>\nEnvoyé\u00a0: lundi 3 "
    "novembre 2026 09:14\nÀ\u00a0: Camille\nObjet\u00a0: RE: Gel\n\nSalut",
    "outlook-name-only-sender": "From: Anna Lind\nSent: Monday, November 3, 2026 9:14 AM\n"
    "To: Bram Okafor\nSubject: Q\n\nQuestion?",
    "outlook-on-behalf-of": f"From: Anna Lind <{ADDRESS}> On Behalf Of Writers Group\n"
    "Sent: Monday, November 3, 2026 9:14 AM\nTo: Bram\nSubject: Q\n\nQuestion?",
    "hotmail-date-and-subject-first": f"Date: Mon, 3 Nov 2026 09:14:00 +0100\nSubject: Q\n"
    f"From: {ADDRESS}\nTo: bram@x.example\n\nQuestion?",
    "gmx-sent-first": "Gesendet: Montag, 03. November 2026 um 09:14 Uhr\n"
    f'Von: "Anna Lind" <{ADDRESS}>\nAn: "Jonas" <j@x.example>\nBetreff: Frage\n\nFrage?',
    "rule-de": "-----Ursprüngliche Nachricht-----\nVon: Anna\nGesendet: Montag\n\nHallo",
    "rule-es": f"---- Mensaje original ----\nDe: Anna Lind <{ADDRESS}>\nFecha: 3 nov 2026\n\nHola",
    "rule-fr": "-------- Message d'origine --------\nDe : Anna\nDate : 03/11/2026\n\nSalut",
    "rule-it": "-----Messaggio originale-----\nDa: Anna\nInviato: lunedì\n\nCiao",
    "rule-pt": "-----Mensagem original-----\nDe: Anna\nEnviada em: segunda-feira\n\nOlá",
    "rule-sv": "-----Ursprungligt meddelande-----\nFrån: Anna\nSkickat: den 3 november\n\nHej",
    "rule-da": "-----Oprindelig meddelelse-----\nFra: Anna\nSendt: 3. november\n\nHej",
    "rule-no": "-----Opprinnelig melding-----\nFra: Anna\nSendt: 3. november\n\nHei",
    "rule-fi": "-----Alkuperäinen viesti-----\nLähettäjä: Anna\nLähetetty: 3.11.\n\nHei",
    "rule-pl": "-----Oryginalna wiadomość-----\nOd: Anna\nWysłano: 3 listopada\n\nCześć",
    "rule-cs": "-----Původní zpráva-----\nOd: Anna\nOdesláno: 3. listopadu\n\nAhoj",
    "rule-ru": "-----Исходное сообщение-----\nОт: Anna\nОтправлено: 3 ноября\n\nПривет",
    "rule-tr": "-----Özgün İleti-----\nKimden: Anna\nGönderildi: 3 Kasım\n\nMerhaba",
    "rule-zh": '------------------ 原始邮件 ------------------\n发件人: "Anna"<a@x.example>;\n'
    "主题: 问题\n\n你好",
    "rule-cs-seznam": "---------- Původní e-mail ----------\nOd: Anna\nKomu: petr@x.example"
    "\n\nAhoj",
    "rule-zimbra-fr": "----- Mail original -----\nDe: Anna\nÀ: Camille\nEnvoyé: Lundi\n\nSalut",
    "forward-gmail-sv": "---------- Vidarebefordrat meddelande ---------\nFrån: Anna\n\nHej",
    "forward-gmail-ru": "---------- Пересылаемое сообщение ---------\nОт: Anna\n\nПривет",
    "forward-apple-es": "Inicio del mensaje reenviado:\n\nDe: Anna\nAsunto: Lluvia\n\nHola",
    "forward-apple-it": "Inizio messaggio inoltrato:\n\nDa: Anna\nOggetto: Freddo\n\nCiao",
    "forward-apple-pt-br": "Início da mensagem encaminhada:\n\nDe: Anna\nAssunto: Calor\n\nOi",
    "forward-apple-sv": "Vidarebefordrat brev:\n\nFrån: Anna\nÄmne: Snö\n\nHej",
    "forward-apple-da": "Start på videresendt besked:\n\nFra: Anna\nEmne: Vind\n\nHej",
    "forward-apple-fi": "Välitetty viesti alkaa:\n\nLähettäjä: Anna\nAihe: Pimeä\n\nHei",
    "forward-apple-pl": "Początek przekazywanej wiadomości:\n\nOd: Anna\nTemat: Śnieg\n\nCześć",
    "forward-apple-ru": "Начало переадресованного сообщения:\n\nОт: Anna\nТема: Снег\n\nПривет",
    "forward-apple-ja": "転送されたメッセージ:\n\n差出人: Anna\n件名: 紅葉\n\nこんにちは",
}


@pytest.mark.parametrize(
    "history", OTHER_LANGUAGE_HISTORIES.values(), ids=OTHER_LANGUAGE_HISTORIES.keys()
)
def test_history_in_other_languages_is_cut(history: str) -> None:
    """Attributions, header blocks, rules and forward lines of many clients and languages."""
    result = extract(LETTER + "\n\n" + history + "\n")
    assert result.text == LETTER
    assert all(cut.kind is CutKind.QUOTE for cut in result.removed)


@pytest.mark.parametrize(
    "signature",
    [
        "Enviado desde mi iPhone",
        "Inviato da iPhone",
        "Enviado do meu iPhone",
        "Skickat från min iPhone",
        "Sendt fra min iPhone",
        "Lähetetty iPhonesta",
        "Lähetetty Androidista",
        "Wysłane z iPhone'a",
        "Odesláno z iPhonu",
        "Отправлено с iPhone",
        "Отправлено из мобильной Почты Mail.ru",
        "iPhone'umdan gönderildi",
        "Az iPhone-omról küldve",
        "iPhoneから送信",
        "发自我的iPhone",
        "從我的 iPhone 傳送",
        "iPhone에서 보냄",
        "Sent from Yahoo Mail on Android",
        "Sent from my Galaxy",
        "Sent from my Verizon, Samsung Galaxy smartphone",
        "Sent via the Samsung Galaxy S24, an AT&T 5G smartphone",
        "Envoyé de mon appareil Android",
        "Sent from Mail for Windows",
        "Sent with Proton Mail secure email.",
        "Obtener Outlook para Android",
        "Scarica Outlook per Android",
        "Outlook für Android herunterladen",
        "Télécharger Outlook pour Android",
        "Skaffa Outlook för iOS<https://aka.ms/o0ukef>",
        "Android için Outlook'u edinin",
        "Pobierz aplikację Outlook dla systemu Android",
        "Enviado desde mi oficina móvil BlackBerry® de Telcel",
    ],
)
def test_mobile_signatures_in_more_languages_are_cut(signature: str) -> None:
    """The lines phones and mail apps add, in the languages they add them in, are signatures."""
    for history in ("", f"\n\nOn Mon, Nov 3, 2026 at 9:14 AM Anna <{ADDRESS}> wrote:\n\n> Hi"):
        result = extract(LETTER + "\n\n" + signature + history + "\n")
        assert result.text == LETTER
        assert result.removed[0].kind is CutKind.SIGNATURE


@pytest.mark.parametrize(
    "line",
    [
        "I use Outlook for Android",
        "Paket dün gönderildi",
        "从我的窗口看出去，雪很美。",
        "发自我的内心",
        "Sent from my desk, which is much nicer than my phone.",
    ],
)
def test_sentences_about_phones_and_sending_are_kept(line: str) -> None:
    """A line that mentions a phone or sending, but is a sentence of the letter, stays."""
    text = "Hoi,\n\n" + line + "\n\nMeer tekst daarna."
    assert extract_text(text) == text


@pytest.mark.parametrize(
    ("text", "salutation", "closing"),
    [
        ("Hola Ana,\n\nLlueve.\n\nUn abrazo,\nLucía", "Hola Ana,", "Un abrazo,\nLucía"),
        (
            "Ciao Anna,\n\nFa freddo.\n\nUn abbraccio,\nGiulia",
            "Ciao Anna,",
            "Un abbraccio,\nGiulia",
        ),
        ("Olá Ana,\n\nChove.\n\nAbraços,\nJoão", "Olá Ana,", "Abraços,\nJoão"),
        ("Hej Anna,\n\nDet snöar.\n\nMed vänliga hälsningar\nErik", "Hej Anna,", None),
        ("Kære Anna,\n\nDet blæser.\n\nKærlig hilsen\nMette", "Kære Anna,", "Kærlig hilsen\nMette"),
        ("Hei Anna,\n\nDet regner.\n\nVennlig hilsen\nOla", "Hei Anna,", "Vennlig hilsen\nOla"),
        ("Hei Anna,\n\nOn pimeää.\n\nTerveisin\nMikko", "Hei Anna,", "Terveisin\nMikko"),
        ("Cześć Anno,\n\nPada śnieg.\n\nPozdrawiam\nKasia", "Cześć Anno,", "Pozdrawiam\nKasia"),
        ("Ahoj Anno,\n\nMrzne.\n\nS pozdravem\nPetr", "Ahoj Anno,", "S pozdravem\nPetr"),
        ("Здравствуй, Анна!\n\nСнег.\n\nОбнимаю,\nОльга", "Здравствуй, Анна!", "Обнимаю,\nОльга"),
        ("Merhaba Anna,\n\nSıcak.\n\nSevgiler,\nAyşe", "Merhaba Anna,", "Sevgiler,\nAyşe"),
        ("Liebe Anna,\n\nEs friert.\n\nGruß\nJonas", "Liebe Anna,", "Gruß\nJonas"),
        ("Анна,\n\nСнег.\n\nОльга", "Анна,", "Ольга"),
        ("Анна, привет!\n\nСнег.\n\nОльга", "Анна, привет!", "Ольга"),
        ("Anna, hi!\nIt snows.\n\nBram", "Anna, hi!", "Bram"),
        ("Anna, you know what happened?\n\nBram", "", "Bram"),
        ("Hi Anna,\n\nYes.\n\n— Bram", "Hi Anna,", "— Bram"),
    ],
    ids=[
        "es",
        "it",
        "pt",
        "sv",
        "da",
        "no",
        "fi",
        "pl",
        "cs",
        "ru",
        "tr",
        "de",
        "ru-name",
        "ru-name-first",
        "en-name-first",
        "name-then-sentence",
        "dash",
    ],
)
def test_greetings_and_sign_offs_in_more_languages(
    text: str, salutation: str, closing: str | None
) -> None:
    """Greetings and sign-offs in other languages (and other scripts) are found; text is whole."""
    result = extract(text)
    assert result.text == text
    assert result.salutation == salutation
    assert result.closing == (closing if closing is not None else text.rsplit("\n\n", 1)[1])


def test_a_sentence_that_starts_like_a_sign_off_is_not_one() -> None:
    """ "Thanks for the letter, it made my week." above the name is a sentence of the body."""
    result = extract("Hi Anna,\n\nThanks for the letter, it made my week.\n\nBram")
    assert result.closing == "Bram"
    assert result.body == "Thanks for the letter, it made my week."


# --- what only looks like a cut --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dear Anna,\n\nFrom: the desk of a very tired editor\nTo: the one person who still "
        "answers letters\n\nThat is how my grandfather began.\n\nLove,\nBram",
        "Hoi Anna,\n\nOnze reis:\nVan: Amsterdam Centraal\nNaar: Berlin Hbf\nDatum: zaterdag 14 "
        "november 2026\nVertrek: 09:14\n\nGroetjes,\nDenise",
        "Dear Anna,\n\nOur plan:\nFrom: Amsterdam\nTo: Berlin\nDate: Monday 3 November 2026, "
        "09:14\n\nSee you there.",
        "Beste Anna,\n\nVan: mijn moeder kreeg ik vandaag een brief.\nOnderwerp: de erfenis. Ik "
        "weet niet wat ik ermee moet.\n\nDenise",
        "Dear Anna,\n\nThe subject line said only:\nRe: Re: Re: dinner\n\nThat was all.",
        "Dear Anna,\n\n-----\n\nA rule of my own, as you see.",
        "Dear Anna,\n\nOn Monday I wrote:\nthe garden is finished for the year. I was wrong.",
        "Dear Anna,\n\nI waited for weeks\n— and then two letters came at once.\n\n—\n\nMore.",
    ],
    ids=[
        "from-the-desk",
        "itinerary-nl",
        "itinerary-en",
        "van-onderwerp-sentences",
        "subject-line",
        "dash-rule",
        "on-monday-i-wrote",
        "em-dashes",
    ],
)
def test_header_like_lines_of_the_letter_are_kept(text: str) -> None:
    """Lines that look like a header or a rule, but are the writer's own, are not cut."""
    assert extract(text).text == text


@pytest.mark.parametrize(
    "line",
    [
        "Op 3 november 2026 om 14:00 heb ik dit geschreven:",
        "On 3 November 2026 at 9:14 I wrote:",
        "Le 3 novembre 2026 à 09:14, j'ai écrit :",
        "Am 3. November 2026 um 09:14 schrieb ich:",
        "She told me on 3 November 2026 at 09:14 what he wrote:",
    ],
    ids=["nl", "en", "fr", "de", "reported"],
)
def test_the_writer_telling_what_they_wrote_is_kept(line: str) -> None:
    """A dated "I wrote:" without an address is the writer speaking, not a mail program."""
    text = "Hoi Anna,\n\n" + line + "\n\nHet regent.\n\nNu niet meer.\n\nDenise"
    assert extract(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "Dear Anna,\n\nMy grandmother always said:\n\n> Wie zaait, zal oogsten.\n\n"
        "I finally understand it.\n\nLove,\nBram",
        "Dear Anna,\n\nYou wrote:\n\n> I never write by hand any more.\n\nI don't believe it.",
    ],
    ids=["proverb", "you-wrote"],
)
def test_a_quotation_the_writer_introduces_is_kept(text: str) -> None:
    """A short '>' quotation inside the letter, introduced by a line ending in ':', stays."""
    result = extract(text)
    assert result.text == text
    assert result.removed == ()


def test_an_introduced_quotation_stays_above_cut_history() -> None:
    """The writer's quotation stays when the partner's letter, quoted, is cut below it."""
    own = "Dear Anna,\n\nShe said:\n\n> Wie zaait, zal oogsten.\n\nI agree.\n\nBram"
    history = f"\n\nOn Mon, Nov 3, 2026 at 9:14 AM Anna <{ADDRESS}> wrote:\n\n> Question?"
    result = extract(own + history)
    assert result.text == own
    assert [c.reason for c in result.removed] == ["attribution line"]


@pytest.mark.parametrize(
    "text",
    [
        "Hi Anna,\n\nSome answers:\n\n> Do you write by hand?\n\nYes.\n\n> Where?\n\nAt home.",
        "Hi Anna,\n\nSo:\n\n> > Do you write by hand?\n> Only letters.\n\nSame here.",
        "Hi Anna,\n\nAt 9:14 you asked:\n\n> Do you write by hand?\n\nYes.",
        "> Earlier.\n\nHi Anna,\n\nShe said:\n\n> Wie zaait, zal oogsten.\n\nYes.",
        "Hi Anna,\n\nShe said:\n\n> Wie zaait, zal oogsten.",
        "Hi Anna,\n\nShe said:\n\n> Wie zaait, zal oogsten.\n\nYes.\n\n> And more?\n\nNo.",
        "Hi Anna,\n\nShe said:\n\n" + "> line\n" * 8 + "\nYes.",
    ],
    ids=[
        "two-pieces",
        "nested",
        "time-in-intro",
        "quote-above",
        "nothing-after",
        "second-quote",
        "long",
    ],
)
def test_quotes_that_are_history_are_cut_even_after_a_colon(text: str) -> None:
    """Several pieces, nested quotes, a timed intro or nothing after: the '>' lines are history."""
    result = extract(text)
    assert ">" not in result.text
    assert any(c.kind is CutKind.QUOTE for c in result.removed)


def test_a_double_dash_between_paragraphs_is_a_section_break() -> None:
    """ "--" between blank lines, followed by sentences, separates parts of the letter."""
    text = (
        "Dear Anna,\n\nI went to the market -- which was closed.\n\n--\n\n"
        "The second thing: my sister is coming for Christmas, and I have told nobody yet.\n\nBram"
    )
    assert extract(text).text == text


@pytest.mark.parametrize(
    "signature",
    [
        "--\n\nBram Okafor\nEditor",
        "--\nA long line that follows right under the delimiter, "
        "so it is a signature however long it is.",
        "--\n\nShort.",
    ],
    ids=["short-block", "no-blank", "short-sentence"],
)
def test_a_double_dash_above_a_signature_still_cuts(signature: str) -> None:
    """A delimiter followed directly, or by a short block, by text is a signature delimiter."""
    result = extract("Dear Anna,\n\nYes.\n\n" + signature + "\n\nMore after it?")
    assert result.text == "Dear Anna,\n\nYes."


@pytest.mark.parametrize(
    "after",
    ["", "\n\nwww.bram.example", "\n\n> quoted history"],
    ids=["alone", "site", "history"],
)
def test_a_biography_under_the_delimiter_is_a_signature(after: str) -> None:
    """Sentences under "-- " with nothing of the letter after them are a signature."""
    bio = "Bram Okafor writes novels and letters and lives in Bristol with two cats and a dog."
    result = extract("Dear Anna,\n\nYes.\n\n--\n\n" + bio + after)
    assert result.text == "Dear Anna,\n\nYes."


# --- signature blocks, disclaimers and notices ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Dear Anna,\n\nThanks.\n\nKind regards,\n\nBram Okafor\nSenior Editor | Okafor & Lind"
            "\n+44 20 7946 0958\nwww.okaforlind.example",
            "Dear Anna,\n\nThanks.\n\nKind regards,\n\nBram Okafor",
        ),
        (
            "Beste Anna,\n\nDank je.\n\nMet vriendelijke groet,\nJan de Boer\nHoofdredacteur\n"
            "T: +31 20 123 4567\nE: jan@uitgeverij.example",
            "Beste Anna,\n\nDank je.\n\nMet vriendelijke groet,\nJan de Boer",
        ),
        (
            "Hi Anna,\n\nThanks for the letter, it made my week.\n\nBram Okafor\n"
            "Editor, Okafor Publishing\nbram@okafor.example | +44 20 7946 0958",
            "Hi Anna,\n\nThanks for the letter, it made my week.\n\nBram Okafor",
        ),
        (
            "Hej Anna,\n\nTack.\n\nMed vänlig hälsning\nErik Lund | Redaktör | Förlaget AB\n"
            "+46 8 123 456 78",
            "Hej Anna,\n\nTack.\n\nMed vänlig hälsning\nErik Lund",
        ),
        (
            "Hi Anna,\n\nYes.\n\nThanks,\nBram\n\nBram Okafor | Editor\nmobile: 555-123-4567",
            "Hi Anna,\n\nYes.\n\nThanks,\nBram",
        ),
        ("Hi Anna,\n\nYes.\n\nCheers,\n+44 20 7946 0958", "Hi Anna,\n\nYes.\n\nCheers,"),
        (
            "Hi Anna,\n\nA letter.\n\nBram Okafor | +44 20 7946 0958",
            "Hi Anna,\n\nA letter.\n\nBram Okafor",
        ),
        (
            "Hi Anna,\n\nYes.\n\nBram\n[image: Okafor logo]\nwww.okafor.example",
            "Hi Anna,\n\nYes.\n\nBram",
        ),
    ],
    ids=["en", "nl", "no-sign-off", "pipes", "us-phone", "no-name", "one-line", "logo"],
)
def test_a_signature_block_under_the_name_is_cut(text: str, kept: str) -> None:
    """Title, company, phone and site under the signing name are a signature without '-- '."""
    result = extract(text)
    assert result.text == kept
    assert [c.reason for c in result.removed] == ["signature block"]


@pytest.mark.parametrize(
    "text",
    [
        "Lieve Anna,\n\nMijn nieuwe adres:\nDorpsstraat 1\n06-12345678\n\nLiefs,\nDenise",
        "Lieve Anna,\n\nTekst.\n\nLiefs,\nDenise\n\nPS: mijn nieuwe nummer is 06-12345678",
        "Lieve Anna,\n\nJe kunt me bereiken op:\n06-12345678",
        "Lieve Anna,\n\nTekst.\n\nwww.x.example\nDenise",
        "Anna\n06-12345678",
        "Lieve Anna,\n\nTekst.\nDenise Jansen\n06-12345678",
        "Lieve Anna,\n\nTekst.\n\nmijn nummer\n06-12345678",
    ],
    ids=[
        "address-above-sign-off",
        "postscript",
        "no-name",
        "site-above-name",
        "first",
        "attached",
        "lowercase",
    ],
)
def test_contact_details_the_writer_gives_are_kept(text: str) -> None:
    """A number or address in the letter itself, or in a P.S., is not a signature block."""
    assert extract(text).text == text


@pytest.mark.parametrize(
    "notice",
    [
        "Please consider the environment before printing this email.",
        "Denk aan het milieu voordat u deze e-mail print.",
        "Bitte denken Sie an die Umwelt, bevor Sie diese E-Mail ausdrucken.",
        "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat "
        "sind oder diese E-Mail irrtümlich erhalten haben, informieren Sie bitte den Absender.",
        "Ce message et ses pièces jointes sont confidentiels et destinés exclusivement au "
        "destinataire. Si vous avez reçu ce message par erreur, merci d'en avertir l'expéditeur.",
        "Any unauthorized review, use, disclosure or distribution is prohibited. If you are not "
        "the intended recipient, please contact the sender and destroy all copies.",
        "Dit e-mailbericht is uitsluitend bestemd voor de geadresseerde(n). Gebruik door anderen "
        "is niet toegestaan.\n\nDe informatie in "
        "dit bericht kan vertrouwelijk zijn. Verwijder het als u het per abuis ontving.\n\n"
        "Uitgeverij Voorbeeld B.V. is ingeschreven bij de Kamer van Koophandel onder nummer "
        "12345678.",
        "Geschäftsführer: Max Muster\nAmtsgericht Hamburg HRB 12345",
    ],
    ids=["print-en", "print-nl", "print-de", "de", "fr", "en", "nl-with-register", "register"],
)
def test_disclaimers_print_notices_and_register_lines_are_cut(notice: str) -> None:
    """Legal notices in more languages, print notices and company register lines are cut."""
    result = extract(LETTER + "\n\n" + notice + "\n")
    assert result.text == LETTER
    assert {c.kind for c in result.removed} == {CutKind.DISCLAIMER}


@pytest.mark.parametrize(
    "text",
    [
        "Lieve Anna,\n\nTekst.\n\nLiefs,\nDenise\n\nPS: de btw-aangifte is gelukt, 123456 euro!",
        "Lieve Anna,\n\nTekst.\n\nOok de btw was eindelijk geregeld.",
    ],
    ids=["postscript", "one-word"],
)
def test_a_letter_about_tax_is_not_a_register_line(text: str) -> None:
    """A P.S. or a sentence that mentions such words stays in the letter."""
    assert extract(text).text == text


def test_a_groups_io_footer_is_a_list_footer() -> None:
    """A groups.io footer between its '-=-=-' rules is cut as a mailing-list footer."""
    footer = (
        "-=-=-=-=-=-=-=-=-=-=-=-\nGroups.io Links: You receive all messages sent to this group."
        "\nMute This Topic: https://groups.example/mt/1\n-=-=-=-=-=-=-=-=-=-=-=-"
    )
    result = extract(LETTER + "\n\n" + footer)
    assert result.text == LETTER
    assert "mailing-list footer" in [c.reason for c in result.removed]
