"""Reply extraction: from the plain text of one message to what its writer newly wrote.

``extract`` takes the plain text of a message body and returns an ``Extraction``:
the writer's own text with quoted history, signature blocks, mobile signatures,
mailing-list footers and disclaimers cut (each cut listed in ``removed`` with a
reason), the salutation and sign-off found, ``[private]``/``[privé]`` paragraphs
and command lines (``#klaar``, ``#agree`` …). It is pure string work: it must not
read files, decode MIME or know which correspondence a letter belongs to.

What counts as quoted history: ``>`` quoted lines; an attribution line ("On … wrote:",
"Op … schreef …:", "Am … schrieb …:", "Le … a écrit :" and their relatives in other
languages, also when wrapped over several lines); an Outlook header block ("From:/Sent:",
"Van:/Verzonden:", bold ``*Van:*`` …); an "Original message" or "Forwarded message"
rule. When own text comes before such a marker and the history under it is not ``>``
quoted (top-posting), everything from the marker down is history. When the marker opens
a ``>`` quoted block, only the marker and that block are history and text after it is
kept (bottom-posting).

Inline-posted replies (own paragraphs between ``>`` quoted pieces) keep only the
writer's own paragraphs: the quoted pieces are the partner's letter, which the article
already shows as the previous turn, so they are cut (and listed in ``removed``, so an
editor can restore one). A message that is nothing but a forward keeps the forwarded
text without its header.

A letter's section breaks (``***``, ``---``) are content: they never start a cut; only
the signature delimiter ``-- `` does. Sign-offs ("Groetjes, Denise", "Best regards,\\n\\n//Jef")
stay in ``text``; a lone "-Name" or "/Name" line at the very end without a sign-off
word before it is treated as a signature.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from penpal.letters import Command, CommandName, Cut, CutKind, Extraction

__all__ = ["extract", "extract_text"]

# Bidi controls and zero-width characters that clients sprinkle into attribution lines.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff",
    ),
    None,
)
_INVISIBLE[0xA0] = " "

_COLONS = (":", "\uff1a")
_QUOTED = re.compile(r"^[ \t]*>")
_BLANK = re.compile(r"^\s*$")

# --- attribution lines -----------------------------------------------------------------

# Verbs that end (or carry) an attribution line, in the languages mail clients use.
_VERBS = (
    r"wrote|writes|sent|schreef|schrijft|geschreven|schrieb|a\s+[ée]crit|[ée]crit|escribi[óo]|"
    r"escreveu|ha\s+scritto|scrive|napisa[łl](?:\(a\))?|napisala|pisze|skrev|skriver|kirjoitti|"
    r"a\s+scris|написал(?:\(\u0430\))?|написала|написав|пише|写道|寫道|작성|küldte|yazd[\u0131i]|كتب"
)
_VERB_AT_END = re.compile(rf"(?:^|[\s\"')>])(?:{_VERBS})\s*[:\uff1a]?\s*$", re.IGNORECASE)
_VERB_ANYWHERE = re.compile(rf"(?:^|[\s\"')>/])(?:{_VERBS})(?=[\s:\uff1a(/]|$)", re.IGNORECASE)
_TIME = re.compile(r"\d{1,2}\s?[:.h]\s?\d{2}|\d{1,2}\s?[ap]\.?m\b", re.IGNORECASE)
_MONTHS = (
    r"jan|feb|m[aä]r|apr|ma[iy]|mei|jun|jul|aug|sep|o[ck]t|nov|de[cz]|"
    r"janv|f[ée]vr|mars|avr|juin|juil|ao[uû]t|d[ée]c|"
    r"janeiro|fevereiro|mar[cç]o|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro|"
    r"ene|dic|gen|giu|lug|ago|set|ott|"
    r"stycz|lut|kwie|maj|czer|lip|sier|wrze|pa[źz]dz|listo|grud|"
    r"lokak|marrask|jouluk|tammik|helmik|maalisk|huhtik|toukok|kes[äa]k|hein[äa]k|elok|syysk"
)
_DATE = re.compile(
    rf"\d{{1,4}}\s?[-/.]\s?\d{{1,2}}\s?[-/.]\s?\d{{1,4}}|\b(?:19|20)\d\d\b|\b(?:{_MONTHS})[a-zà-ÿ]*\b|\d{{4}}\s?年",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[^\s<>()\"\[\]]+@[\w-]+(?:\.[\w-]+)+|mailto:", re.IGNORECASE)
# Where a client begins an attribution inside a line of own text ("reply On … wrote:").
_ATTRIBUTION_LEAD = re.compile(r"(?:-{2,}\s*|\s)(?=(?:On|Op|Am|Le|El|Em|Il|Den|På|W dniu|Dnia)\s)")
_DASHED = re.compile(r"^[-=_*]{2,}\s*(.*?)\s*[-=_*]{2,}$")
# Gmail's numeric form: "2016-03-03 17:21 GMT+01:00 Name <mail>:" or "2011/4/7 Name <mail>".
_NUMERIC_ATTRIBUTION = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b.*(?:GMT[+-]\d|<[^<>@\s]+@[^<>\s]+>\s*:?\s*$)"
)
# "30.09.2017, 18.30, "Name" <mail>:" — a date first and an address last, no verb.
_DATE_ADDRESS_COLON = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b.*<[^<>@\s]+@[^<>\s]+>\s*[:\uff1a]\s*$"
)
_MAX_ATTRIBUTION = 400

# --- rules and header blocks -----------------------------------------------------------

_ORIGINAL_WORDS = re.compile(
    r"original|message|nachricht|bericht|meddelelse|besked|melding|forwarded|reply|"
    r"mensaje|messaggio|mensagem|doorgestuurd|weitergeleitet|transf[ée]r[ée]|origine|"
    r"wiadomo|viesti|сообщение|pesan",
    re.IGNORECASE,
)
_FORWARD_LINE = re.compile(
    r"^\s*(?:begin forwarded message|begin doorgestuurd bericht|doorgestuurd bericht|"
    r"anfang der weitergeleiteten nachricht|d[ée]but du message r[ée]exp[ée]di[ée]|"
    r"inicio del mensaje reenviado|in[ií]cio da mensagem reencaminhada)\s*[:\uff1a]?\s*$",
    re.IGNORECASE,
)
_HEADER_KEY = r"\s*\*{0,2}\s*([^\W\d_][\w .'-]{0,24}?)\s*\*{0,2}\s*[:\uff1a]\s*\*{0,2}"
_HEADER_LINE = re.compile(rf"^{_HEADER_KEY}(.*)$")
_FROM_KEYS = frozenset(
    "from van von de fra från od da desde lähettäjä от kimden mittente remitente afzender".split()  # noqa: SIM905
)
_OTHER_KEYS = frozenset(
    """sent date to subject cc bcc reply-to verzonden datum aan onderwerp gesendet an betreff
    envoyé envoye à a objet sujet copie date enviado enviada para asunto assunto fecha data
    inviato oggetto skickat till ämne sendt til emne dato wysłano do temat lähetetty vastaanottaja
    aihe отправлено кому тема gönderildi kime konu cc bcc""".split()  # noqa: SIM905
)
_SEPARATOR_ONLY = re.compile(r"^\s*[-_=*~#+.·•\s]{2,}$")

# --- signatures and boilerplate ----------------------------------------------------------

_SIG_DELIMITER = re.compile(r"^--\s?$")
_LINK_TAIL = re.compile(r"\s*(?:<https?://[^>]*>|\(https?://[^)]*\)|https?://\S+)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MOBILE_SENT = (
    r"sent|envoy[ée]|enviado|enviada|inviato|gesendet|verzonden|verstuurd|skickat|sendt|"
    r"wys[łl]ane|odesl[áa]no|l[äa]hetetty|get|download|sent\s+wirelessly"
)
_MOBILE_PREP = (
    r"from|with|via|using|on|depuis|par|de|desde|do|da|dal|von|mit|vanaf|vanuit|van|met|"
    r"från|fra|z|ze|mobiilista"
)
_MOBILE_LINE = re.compile(
    rf"^[(<\s]*(?:{_MOBILE_SENT})(?:\s+\w+ly|\s+sans\s+fil)?\s+(?:{_MOBILE_PREP})\s+"
    r"(?P<device>[^,;:?!]{1,60}?)\s*"
    r"(?P<tail>[.!]|[,.!]?\s+please\s+excuse.*|[,.!]?\s+(?:excuse|pardon|sorry|excusez).*)?[)>\s]*$",
    re.IGNORECASE,
)
_MOBILE_OTHER = re.compile(
    r"^(?:von meinem .{1,40} gesendet|diese nachricht wurde von meinem .{1,60} gesendet|"
    r"get outlook for (?:ios|android)|outlook voor (?:ios|android) downloaden|"
    r"\(?sent from (?:a|my) (?:phone|mobile(?: device)?)\)?|<<sent by .{1,30}>>)\s*[.!]?$",
    re.IGNORECASE,
)
_DEVICE_WORD = re.compile(
    r"iphone|ipad|ipod|android|blackberry|galaxy|samsung|outlook", re.IGNORECASE
)
_LIST_FOOTER = re.compile(
    r"mailing list|listinfo|unsubscribe|uitschrijven|afmelden|abbestellen|d[ée]sinscri|"
    r"google groups|you received this message because|you are receiving this because|"
    r"reply to this email directly|to respond, reply to this email",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"confidential|vertrouwelijk|vertraulich|confidentiel|riservat|intended recipient|"
    r"geadresseerde|bestemd voor|empfänger|destinataire|privileged|disclaimer|"
    r"aansprakelijk|this (?:e-?mail|message) and any attachments",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(
    r"^\s*(?:-{1,2}|/{1,2}|\u2013|\u2014)\s?[^\W\d_][\w.'\u2019-]*(?:\s[^\W\d_][\w.'\u2019-]*){0,3}\s*$"
)

# --- letter conventions ----------------------------------------------------------------------

_COMMAND_WORDS: dict[str, CommandName] = {
    "complete": CommandName.COMPLETE,
    "klaar": CommandName.COMPLETE,
    "agree": CommandName.AGREE,
    "akkoord": CommandName.AGREE,
    "approve": CommandName.APPROVE,
    "goedgekeurd": CommandName.APPROVE,
    "changes": CommandName.CHANGES,
    "wijzigingen": CommandName.CHANGES,
}
_COMMAND_LINE = re.compile(
    r"^\s*#(complete|klaar|agree|akkoord|approve|goedgekeurd|changes|wijzigingen)\b"
    r"[ \t:]*(.*?)\s*$",
    re.IGNORECASE,
)
_PRIVATE = re.compile(r"^\s*\[\s*(?:private|priv[ée])\s*\]\s*", re.IGNORECASE)
_SALUTATION = re.compile(
    r"^(?:lieve|liefste|beste|hoi|hallo|hey|hee|hé|ha|hai|dag|geachte|goedemorgen|goedemiddag|"
    r"goedenavond|dear|dearest|hi|hello|hiya|greetings|good morning|good afternoon|"
    r"liebe|lieber|hallo|servus|moin|sehr geehrte[rs]?|bonjour|bonsoir|ch[èe]re?|salut|coucou)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^(?:groetjes|groet|groeten|hartelijke groet(?:en)?|(?:met )?vriendelijke groet(?:en)?|"
    r"hartelijke groet|warme groet(?:en)?|lieve groet(?:en)?|liefs|dikke kus|kusjes|kus|"
    r"tot (?:snel|gauw|later|zo)|een knuffel|"
    r"warm(?:est)? regards|warmly|best(?: wishes| regards)?|kind regards|regards|cheers|love|"
    r"lots of love|yours(?: truly| sincerely)?|sincerely|thanks|thank you|many thanks|"
    r"all the best|take care|with love|hugs|x+|xo+|"
    r"viele grüße|liebe grüße|herzliche grüße|beste grüße|mit freundlichen grüßen|lg|vg|"
    r"bien à (?:toi|vous)|amitiés|bises|bisous|cordialement|à bientôt)\b",
    re.IGNORECASE,
)
# Up to three capitalised words and nothing else: "Denise", "Carola Jansen", "-Bram".
_LONE_NAME = re.compile(
    r"^[\-/\u2013\u2014]{0,2}\s?[A-ZÀ-Þ][\w'\u2019-]*(?: [A-ZÀ-Þ][\w.'\u2019-]*){0,2}$"
)
# A name and a comma as a paragraph of its own ("Anna,") greets without a greeting word;
# words that open a sentence that way ("Yes,", "Well,") are not names.
_NAME_GREETING = re.compile(
    r"^(?!(?i:yes|no|well|so|ok|okay|oh|right|sorry|thanks|ja|nee|nou|goed|oké|nein|oui|non|"
    r"alors|bon|eh|hm+)\b)"
    r"[A-ZÀ-Þ][\w'\u2019-]*(?: (?:en |and |und |et |& )?[A-ZÀ-Þ][\w'\u2019-]*){0,2}\s?,$"
)
_NAME_LINE = re.compile(
    r"^[\s\-/\u2013\u2014]*[^\W\d_][\w.'\u2019-]*(?:[ ,&]+[^\W\d_][\w.'\u2019-]*){0,3}\s*[!.]?$"
)


@dataclass(frozen=True, slots=True)
class _Marker:
    """Where quoted history starts: lines ``start..end`` (inclusive) are its header."""

    start: int
    end: int
    reason: str


def extract(text: str) -> Extraction:
    """Extract what the writer of ``text`` newly wrote.

    Args:
        text: the plain-text body of one message (any line endings).

    Returns:
        The extraction; never raises for any string.
    """
    lines = _split_lines(text)
    kept, cuts = _cut_history(lines)
    own = _cut_trailing_boilerplate(kept, cuts)
    own, commands = _take_commands(own, cuts)
    paragraphs = _paragraphs(own)
    return _assemble(paragraphs, commands, cuts)


def extract_text(text: str) -> str:
    """Only the extracted ``text``: the shape the reply-corpus scorer calls."""
    return extract(text).text


def _split_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


@functools.lru_cache(maxsize=4096)
def _plain(line: str) -> str:
    """The line as matched against patterns: invisible marks gone, no-break spaces plain."""
    return line.translate(_INVISIBLE).strip()


def _is_quoted(line: str) -> bool:
    return _QUOTED.match(line) is not None


def _is_blank(line: str) -> bool:
    return not line or _BLANK.match(line) is not None


# --- quoted history ------------------------------------------------------------------------


def _cut_history(lines: list[str]) -> tuple[list[tuple[int, str]], list[Cut]]:
    """Walk the lines once, keeping own text and cutting history and signatures."""
    kept: list[tuple[int, str]] = []
    cuts: list[Cut] = []
    n = len(lines)
    candidates = _attribution_candidates(lines)
    i = 0
    while i < n:
        line = lines[i]
        if _is_blank(line):
            kept.append((i, line))
            i += 1
            continue
        if _is_quoted(line):
            end = _quote_block_end(lines, i)
            cuts.append(Cut(CutKind.QUOTE, _join(lines[i : end + 1]), "'>' quoted lines"))
            i = _skip_blank(lines, end + 1)
            continue
        marker = _find_marker(lines, i, candidates)
        if marker is not None:
            if marker.start == marker.end:
                prefix = _shared_line_prefix(lines[i])
                if prefix:
                    # "reply On … wrote:": the own text before the attribution stays.
                    kept.append((i, prefix))
            following = _skip_blank(lines, marker.end + 1)
            if following < n and _is_quoted(lines[following]):
                end = _quote_block_end(lines, following)
                cuts.append(Cut(CutKind.QUOTE, _join(lines[i : end + 1]), marker.reason))
                i = _skip_blank(lines, end + 1)
                continue
            if _has_own_text(kept):
                start = _walk_back(lines, kept, i)
                _cut_device_line(kept, cuts)
                cuts.append(Cut(CutKind.QUOTE, _join(lines[start:]).strip("\n"), marker.reason))
                return kept, cuts
            # Nothing written above the marker: a bare forward, or history then own text.
            cuts.append(Cut(CutKind.QUOTE, _join(lines[i : marker.end + 1]), marker.reason))
            i = _skip_blank(lines, marker.end + 1)
            continue
        if _SIG_DELIMITER.match(line) and _has_own_text(kept):
            cuts.extend(_signature_cuts(lines, i, candidates, "signature after '-- '"))
            return kept, cuts
        if _is_mobile_signature(line):
            cuts.extend(_signature_cuts(lines, i, candidates, "mobile signature"))
            return kept, cuts
        kept.append((i, line))
        i += 1
    return kept, cuts


def _signature_cuts(
    lines: Sequence[str], start: int, candidates: Sequence[bool], reason: str
) -> list[Cut]:
    """Everything from ``start`` on is cut: the signature, then any history below it apart.

    The history is reported as a quote of its own, so that ``removed`` tells an
    editor what kind of text each cut was.
    """
    for j in range(start + 1, len(lines)):
        marker = None if _is_quoted(lines[j]) else _find_marker(lines, j, candidates)
        if _is_quoted(lines[j]) or marker is not None:
            signature = _join(lines[start:j]).strip("\n")
            history = _join(lines[j:]).strip("\n")
            why = marker.reason if marker is not None else "'>' quoted lines"
            return [Cut(CutKind.SIGNATURE, signature, reason), Cut(CutKind.QUOTE, history, why)]
    return [Cut(CutKind.SIGNATURE, _join(lines[start:]).strip("\n"), reason)]


def _join(lines: Sequence[str]) -> str:
    return "\n".join(lines)


def _skip_blank(lines: Sequence[str], i: int) -> int:
    while i < len(lines) and _is_blank(lines[i]):
        i += 1
    return i


def _has_own_text(kept: Sequence[tuple[int, str]]) -> bool:
    return any(not _is_blank(line) for _, line in kept)


def _quote_block_end(lines: Sequence[str], start: int) -> int:
    """The last line of the ``>`` block opening at ``start``.

    Blank lines between quoted lines belong to the block, and so does one unquoted
    line squeezed between two quoted ones: a client that re-wrapped a long quoted line.
    """
    n = len(lines)
    last = start
    k = start + 1
    while k < n:
        line = lines[k]
        if _is_quoted(line):
            last = k
        elif _is_blank(line):
            pass
        elif k == last + 1 and k + 1 < n and _is_quoted(lines[k + 1]):
            last = k + 1
            k += 1
        else:
            break
        k += 1
    return last


def _walk_back(lines: Sequence[str], kept: list[tuple[int, str]], start: int) -> int:
    """Move a cut's start up over the rules and header-like lines that belong to it."""
    first = start
    while kept and kept[-1][0] == first - 1:
        index, line = kept[-1]
        plain = _plain(line)
        if not plain or _SEPARATOR_ONLY.match(plain):
            first = index
            kept.pop()
            continue
        # "Message du : 12/12/2016 13:20" right above a "De :" header block.
        if first == start and _HEADER_LINE.match(plain) and not _is_blank(lines[start]):
            first = index
            kept.pop()
            continue
        break
    return first


def _cut_device_line(kept: list[tuple[int, str]], cuts: list[Cut]) -> None:
    """A short "sent from my iPhone" line in any language right above the history."""
    while kept and _is_blank(kept[-1][1]):
        kept.pop()
    if not kept:
        return
    plain = _plain(kept[-1][1])
    if _DEVICE_WORD.search(plain) and len(plain.split()) <= 6 and len(plain) <= 50:
        if plain[-1:] in ".?!" and not _is_mobile_signature(plain):
            return
        kept.pop()
        cuts.append(Cut(CutKind.SIGNATURE, plain, "mobile signature"))


def _attribution_candidates(lines: Sequence[str]) -> list[bool]:
    """Lines that could end an attribution: they end with a colon or with a verb."""
    out = []
    for line in lines:
        plain = _plain(line)
        # Only the end of a line matters; searching all of a long line would be wasted work.
        out.append(
            bool(plain)
            and (plain.endswith(_COLONS) or _VERB_AT_END.search(plain[-48:]) is not None)
        )
    return out


def _find_marker(lines: Sequence[str], i: int, candidates: Sequence[bool]) -> _Marker | None:
    """The quoted-history marker starting at line ``i``, if there is one."""
    plain = _plain(lines[i])
    if not plain:
        return None
    # Most lines of a letter can start no marker at all: no colon, no rule, no leading
    # digit, and no line that could end an attribution close below.
    if (
        ":" not in plain
        and plain[0] not in "-_=*"
        and not plain[0].isdigit()
        and not any(candidates[i : i + 5])
    ):
        return None
    dashed = _DASHED.match(plain)
    if dashed is not None:
        inner = dashed.group(1)
        if inner and _VERB_AT_END.search(inner):
            return _Marker(i, i, "attribution line")
        if inner and len(inner) <= 40 and _ORIGINAL_WORDS.search(inner):
            return _Marker(i, _header_block_after(lines, i), "original-message rule")
    if _FORWARD_LINE.match(plain):
        return _Marker(i, _header_block_after(lines, i), "forwarded-message header")
    header_end = _header_block(lines, i)
    if header_end is not None:
        return _Marker(i, header_end, "header block of the quoted message")
    if _NUMERIC_ATTRIBUTION.match(plain) or _DATE_ADDRESS_COLON.match(plain):
        return _Marker(i, i, "attribution line")
    n = len(lines)
    for j in range(i, min(i + 5, n)):
        if not candidates[j]:
            continue
        if j == i:
            # A long paragraph may end in the attribution ("… reply. On … wrote:").
            if _is_attribution(plain) or _shared_line_prefix(plain):
                return _Marker(i, i, "attribution line")
            continue
        if not _may_open_attribution(plain):
            break
        joined = " ".join(_plain(x) for x in lines[i : j + 1] if x.strip())
        if _is_attribution(joined):
            return _Marker(i, j, "attribution line")
    # "пользователь … написал:" with a date but no time or address: only above a quote.
    if (
        plain.endswith(_COLONS)
        and _VERB_AT_END.search(plain)
        and _DATE.search(plain)
        and len(plain) <= _MAX_ATTRIBUTION
    ):
        following = _skip_blank(lines, i + 1)
        if following < n and _is_quoted(lines[following]):
            return _Marker(i, i, "attribution line")
    return None


def _shared_line_prefix(line: str) -> str:
    """Own text in front of an attribution that shares its line, if there is any."""
    plain = _plain(line)
    for m in _ATTRIBUTION_LEAD.finditer(plain):
        if m.start() == 0:
            continue
        if _is_attribution(plain[m.end() :]):
            return plain[: m.start()].rstrip(" -")
    return ""


def _may_open_attribution(line: str) -> bool:
    """Whether an attribution wrapped over several lines may begin with ``line``."""
    if _EMAIL.search(line) or line.endswith(("<", "(")):
        return True
    return _TIME.search(line) is not None and _DATE.search(line) is not None


def _is_attribution(text: str) -> bool:
    if len(text) > _MAX_ATTRIBUTION:
        return False
    text = text.strip("-=_* ")
    ends_colon = text.endswith(_COLONS)
    at_end = _VERB_AT_END.search(text) is not None
    if not at_end and not (ends_colon and _VERB_ANYWHERE.search(text)):
        return False
    if _EMAIL.search(text):
        return True
    return _TIME.search(text) is not None and _DATE.search(text) is not None


def _header_block(lines: Sequence[str], i: int) -> int | None:
    """The last line of an Outlook-style header block starting at ``i``, if one does."""
    m = _HEADER_LINE.match(_plain(lines[i]))
    if m is None or m.group(1).lower() not in _FROM_KEYS:
        return None
    n = len(lines)
    found = False
    for k in range(i + 1, min(i + 6, n)):
        other = _HEADER_LINE.match(_plain(lines[k]))
        if other is not None and other.group(1).lower() in _OTHER_KEYS:
            found = True
            break
    if not found:
        return None
    end = i
    while end + 1 < n and not _is_blank(lines[end + 1]):
        end += 1
    return end


def _header_block_after(lines: Sequence[str], i: int) -> int:
    """A rule's marker extends over the header block that follows it, if any."""
    k = _skip_blank(lines, i + 1)
    if k < len(lines) and k - i <= 2:
        end = _header_block(lines, k)
        if end is None and _HEADER_LINE.match(_plain(lines[k])) is not None:
            # Rules are followed by headers in any order ("Date:", "Subject:" first).
            end = k
            while end + 1 < len(lines) and not _is_blank(lines[end + 1]):
                end += 1
        if end is not None:
            return end
    return i


def _is_mobile_signature(line: str) -> bool:
    plain = _plain(line)
    if not plain or len(plain) > 120:
        return False
    plain = _MD_LINK.sub(r"\1", plain)
    plain = _LINK_TAIL.sub("", plain).strip()
    if _MOBILE_OTHER.match(plain):
        return True
    m = _MOBILE_LINE.match(plain)
    if m is None:
        return False
    return len(m.group("device").split()) <= 8


# --- trailing boilerplate ---------------------------------------------------------------


def _cut_trailing_boilerplate(kept: list[tuple[int, str]], cuts: list[Cut]) -> list[str]:
    lines = [line for _, line in kept]
    _strip_blank_end(lines)
    changed = True
    while changed and lines:
        changed = False
        if _is_decoration(lines[-1]):
            cuts.append(Cut(CutKind.SIGNATURE, lines.pop(), "trailing rule"))
            _strip_blank_end(lines)
            changed = True
            continue
        footer = _list_footer_start(lines)
        if footer is not None:
            cuts.append(Cut(CutKind.DISCLAIMER, _join(lines[footer:]), "mailing-list footer"))
            del lines[footer:]
            _strip_blank_end(lines)
            changed = True
            continue
        start = _last_paragraph_start(lines)
        if start > 0 and _is_disclaimer(lines[start:]):
            cuts.append(Cut(CutKind.DISCLAIMER, _join(lines[start:]), "disclaimer"))
            del lines[start:]
            _strip_blank_end(lines)
            changed = True
            continue
        if _is_dash_signature(lines):
            cuts.append(Cut(CutKind.SIGNATURE, lines.pop().strip(), "name signature"))
            _strip_blank_end(lines)
            changed = True
    return lines


def _strip_blank_end(lines: list[str]) -> None:
    while lines and _is_blank(lines[-1]):
        lines.pop()


_DECORATION_CATEGORIES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Zs"})
# "ᐧ" is the alt text mail-tracking add-ons give their pixel; in a plain-text part it
# is left on a line of its own, where it is no more text than a rule is.
_TRACKER_MARK = "\u1427"


def _is_decoration(line: str) -> bool:
    """A line made only of rule characters (``***``, ``____``, ``~~~``) or a tracker mark."""
    plain = _plain(line)
    return bool(plain) and all(
        c == _TRACKER_MARK or unicodedata.category(c) in _DECORATION_CATEGORIES for c in plain
    )


def _list_footer_start(lines: Sequence[str]) -> int | None:
    """Where a mailing-list footer (a rule, then list boilerplate) starts, if there is one."""
    for k in range(len(lines) - 1, max(-1, len(lines) - 12), -1):
        plain = _plain(lines[k])
        if plain and _SEPARATOR_ONLY.match(plain) and len(plain) >= 2:
            tail = " ".join(lines[k + 1 : k + 5])
            if _LIST_FOOTER.search(tail) and k > 0:
                return k
    return None


def _last_paragraph_start(lines: Sequence[str]) -> int:
    k = len(lines) - 1
    while k > 0 and not _is_blank(lines[k - 1]):
        k -= 1
    return k


def _is_disclaimer(paragraph: Sequence[str]) -> bool:
    """A long closing paragraph in the words of a confidentiality notice.

    Word and Outlook write such a notice as one unwrapped line; one disclaimer word in
    one line could be a letter's own sentence, so a single line needs two.
    """
    text = " ".join(paragraph)
    if len(text) < 80:
        return False
    found = {m.lower() for m in _DISCLAIMER.findall(text)}
    return len(found) >= (1 if len(paragraph) >= 2 else 2)


def _is_dash_signature(lines: Sequence[str]) -> bool:
    """A lone "-Name" line closing the text, with no sign-off word above it."""
    if len(lines) < 2 or not _DASH_NAME.match(lines[-1]):
        return False
    k = len(lines) - 2
    while k >= 0 and _is_blank(lines[k]):
        k -= 1
    return k >= 0 and _CLOSING.match(_plain(lines[k])) is None


# --- commands, paragraphs, salutation and closing -------------------------------------------


def _take_commands(lines: list[str], cuts: list[Cut]) -> tuple[list[str], tuple[Command, ...]]:
    commands: list[Command] = []
    kept: list[str] = []
    for line in lines:
        m = _COMMAND_LINE.match(line)
        if m is None:
            kept.append(line)
            continue
        word = m.group(1)
        commands.append(Command(_COMMAND_WORDS[word.lower()], "#" + word, m.group(2)))
        cuts.append(Cut(CutKind.COMMAND, line.strip(), "command line"))
    return kept, tuple(commands)


def _paragraphs(lines: Sequence[str]) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if _is_blank(line):
            if current:
                out.append(_join(current))
                current = []
        else:
            current.append(line)
    if current:
        out.append(_join(current))
    return out


def _assemble(paragraphs: list[str], commands: tuple[Command, ...], cuts: list[Cut]) -> Extraction:
    text = "\n\n".join(paragraphs)
    body_parts = list(paragraphs)
    salutation = ""
    if body_parts:
        first, _, rest = body_parts[0].partition("\n")
        if _is_salutation(first, alone=not rest.strip() and len(body_parts) > 1):
            salutation = first.strip()
            if rest.strip():
                body_parts[0] = rest
            else:
                body_parts.pop(0)
    closing = _take_closing(body_parts)
    private: list[str] = []
    body: list[str] = []
    for paragraph in body_parts:
        m = _PRIVATE.match(paragraph)
        if m is None:
            body.append(paragraph)
            continue
        private.append(paragraph[m.end() :].strip())
        cuts.append(Cut(CutKind.PRIVATE, paragraph, "private paragraph"))
    return Extraction(
        text=text,
        body="\n\n".join(body),
        salutation=salutation,
        closing=closing,
        private=tuple(private),
        commands=commands,
        removed=tuple(cuts),
    )


def _is_salutation(line: str, *, alone: bool = False) -> bool:
    """Whether ``line`` greets the partner; ``alone``: it is a paragraph of its own."""
    plain = _plain(line)
    if not plain or len(plain) > 60:
        return False
    if _SALUTATION.match(plain) is None:
        # "Anna," on a line of its own greets by name alone.
        return alone and _NAME_GREETING.match(plain) is not None
    return plain.endswith((",", "!", ":")) or len(plain.split()) <= 4


def _take_closing(parts: list[str]) -> str:
    """Remove the sign-off from the end of ``parts`` and return it."""
    if not parts:
        return ""
    last_lines = parts[-1].split("\n")
    # "Liefs,\nDenise" or "Tot snel!\nGroetjes, Denise" at the end of the last paragraph.
    for k, line in enumerate(last_lines):
        plain = _plain(line)
        if (
            _CLOSING.match(plain)
            and len(plain) <= 50
            and all(
                _NAME_LINE.match(_plain(x)) or _CLOSING.match(_plain(x))
                for x in last_lines[k + 1 :]
            )
        ):
            if len(last_lines) - k > 4:
                continue
            closing = _join(last_lines[k:])
            if k == 0:
                parts.pop()
            else:
                parts[-1] = _join(last_lines[:k])
            return closing.strip()
    # A lone name closing the letter ("Denise") is its sign-off.
    after_closing = len(parts) >= 2 and "\n" not in parts[-2] and _CLOSING.match(_plain(parts[-2]))
    if (
        len(parts) >= 2
        and len(last_lines) == 1
        and _LONE_NAME.match(_plain(last_lines[0]))
        and not after_closing
    ):
        return parts.pop().strip()
    # "Best regards,\n\n//Jef": a sign-off paragraph, then a name paragraph.
    if (
        len(parts) >= 2
        and len(last_lines) <= 2
        and all(_NAME_LINE.match(_plain(x)) for x in last_lines)
    ):
        before = parts[-2].split("\n")
        if len(before) == 1 and _CLOSING.match(_plain(before[0])) and len(before[0]) <= 50:
            closing = parts[-2] + "\n\n" + parts[-1]
            del parts[-2:]
            return closing.strip()
    return ""
