"""Tests for penpal.extraction: what a writer newly wrote, and what was cut and why."""

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
