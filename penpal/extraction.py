"""Reply extraction: from the plain text of one message to what its writer newly wrote.

``extract`` takes the plain text of a message body and returns an ``Extraction``:
the writer's own text with quoted history, signature blocks, mobile signatures,
mailing-list footers and disclaimers cut (each cut listed in ``removed`` with a
reason), the salutation and sign-off found, ``[private]``/``[privé]`` paragraphs
and command lines (``#klaar``, ``#agree`` …). It is pure string work: it must not
read files, decode MIME or know which correspondence a letter belongs to.

What counts as quoted history: ``>`` quoted lines; an attribution line ("On … wrote:",
"Op … schreef …:", "Am … schrieb …:", "Le … a écrit :" and their relatives in some thirty
languages, also when wrapped over several lines, also without a verb when a date, a time
and "<address>:" end it, as Russian and Japanese clients write it); an Outlook header
block ("From:/Sent:", "Van:/Verzonden:", "差出人:/送信日時:", bold ``*Van:*`` …: a "From"
line with an address or a "Sent"/"Subject" line, so that "From: Amsterdam / To: Berlin"
in a letter is no header); an "Original message" or "Forwarded message" rule, or Apple
Mail's "Begin forwarded message:" in its languages. When own text comes before such a
marker and the history under it is not ``>`` quoted (top-posting), everything from the
marker down is history. When the marker opens a ``>`` quoted block, only the marker and
that block are history and text after it is kept (bottom-posting).

Inline-posted replies (own paragraphs between ``>`` quoted pieces) keep only the
writer's own paragraphs: the quoted pieces are the partner's letter, which the article
already shows as the previous turn, so they are cut (and listed in ``removed``, so an
editor can restore one). One short ``>`` quotation that the letter introduces with a
colon ("My grandmother always said:") and goes on after is the writer's own, and stays.
A message that is nothing but a forward keeps the forwarded text without its header.

A letter's section breaks (``***``, ``---``, a ``--`` between paragraphs of prose) are
content: they never start a cut; only the signature delimiter ``-- `` does. Sign-offs
("Groetjes, Denise", "Best regards,\\n\\n//Jef", "— Bram") stay in ``text``; a lone
"-Name" or "/Name" line at the very end without a sign-off word before it is treated as a
signature, and so is a block of short lines with a phone number, an address or a site
under the signing name (title, company, contact details), without ``-- `` above it.
Confidentiality notices, print notices and a company's register lines at the end are
disclaimers.
"""

# The patterns below are written in the scripts mail programs use (Cyrillic, Greek,
# Turkish …); letters that look like Latin ones are meant.
# ruff: noqa: RUF001, RUF003

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
    r"wrote|writes|sent|schreef|schrijft|geschreven|schrieb|geschrieben|a\s+[ée]crit|[ée]crit|escribi[óo]|"
    r"escriure|escreveu|ha\s+scritto|scrive|napisa[łl](?:\(a\))?|napisala|napisana|pisze|"
    r"napsal(?:\(a\))?|napsala|napísal(?:\(a\))?|napisao(?:/la)?|napisal|rašė|"
    r"rakstīja|kirjutas|skrifaði|skrev|skriver|kirjoitti|a\s+scris|írta|έγραψε|menulis|viết|"
    r"написа|כתב|כתבה|نوشت|"
    r"написал(?:\(\u0430\))?|написала|написав|пишет|пише|küldte|yazd[\u0131i]|كتب"
)
_VERB_AT_END = re.compile(rf"(?:^|[\s\"')>])(?:{_VERBS})\s*[:\uff1a]?\s*$", re.IGNORECASE)
_VERB_ANYWHERE = re.compile(rf"(?:^|[\s\"')>/])(?:{_VERBS})(?=[\s:\uff1a(/]|$)", re.IGNORECASE)
# Scripts without spaces glue the verb to the name or time before it ("09:14写道:"); they
# are found with plain string tests, which cost far less than one more regex branch.
_GLUED_VERBS = ("写道", "寫道", "작성", "のメール")
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
    rf"\d{{1,4}}\s?[-/.]\s?\d{{1,2}}\s?[-/.]\s?\d{{1,4}}|\b(?:19|20)\d\d\b|"
    rf"\b(?:{_MONTHS})[a-zà-ÿ]*\b|\d{{4}}\s?[年년]",
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
# Clients in Russian, Czech or Japanese end an attribution on the address and a colon,
# with no verb ("пн, 3 нояб. 2026 г. в 09:14, Name <mail>:"); a date and a time must be there.
_ADDRESS_COLON_END = re.compile(r"<\s*[^<>@\s]+@[^<>\s]+>\s*[:\uff1a]$")
# Webmail (Horde, SquirrelMail) opens with the verb: "Quoting Name <mail>:".
_QUOTING = re.compile(
    r"^(?:quoting|zitat von|citando|citation de|cytuj[ęe]|citerar|citeren|citaat van)\s.{0,120}"
    r"(?:@|\d).{0,120}[:\uff1a]$",
    re.IGNORECASE,
)
_MAX_ATTRIBUTION = 400

# --- rules and header blocks -----------------------------------------------------------

_ORIGINAL_WORDS = re.compile(
    r"original|message|nachricht|bericht|meddelelse|meddelande|besked|melding|forwarded|reply|"
    r"mensaje|messaggio|mensagem|doorgestuurd|weitergeleitet|transf[ée]r[ée]|origine|e-?mail|"
    r"wiadomo|viesti|zpráv|сообщение|pesan|ileti|邮件|郵件|メッセージ|메시지",
    re.IGNORECASE,
)
# Apple Mail's "Begin forwarded message:" in its languages: a short line ending in a
# colon, in forwarding words, above the forwarded message's headers.
_FORWARD_LINE = re.compile(
    r"^\s*(?:begin forwarded message|begin doorgestuurd bericht|doorgestuurd bericht|"
    r"anfang der weitergeleiteten nachricht|weitergeleitete nachricht|"
    r"d[ée]but du message (?:r[ée]exp[ée]di[ée]|transf[ée]r[ée])|"
    r"inicio del mensaje reenviado|inizio messaggio inoltrato|"
    r"in[ií]cio da mensagem (?:reencaminhada|encaminhada)|"
    r"(?:början på )?vidarebefordrat (?:brev|mejl|meddelande)|"
    r"(?:start på )?videresendt (?:besked|meddelelse)|(?:begynnelse på )?videresendt melding|"
    r"välitetty viesti(?: alkaa)?|początek przekazywanej wiadomości|začátek přeposlané zprávy|"
    r"начало (?:переадресованного|пересылаемого) сообщения|пересылаемое сообщение|"
    r"(?:yönlendirilmiş|iletilen) ileti(?: başlangıcı)?|továbbított levél(?: kezdete)?|"
    r"転送されたメッセージ|(?:以下是)?转发的邮件|轉寄的郵件|전달된 메일)\s*[:\uff1a]?\s*$",
    re.IGNORECASE,
)
_HEADER_KEY = r"\s*\*{0,2}\s*([^\W\d_][\w .'-]{0,24}?)\s*\*{0,2}\s*[:\uff1a]\s*\*{0,2}"
_HEADER_LINE = re.compile(rf"^{_HEADER_KEY}(.*)$")
# Header names of a quoted message in the languages Outlook, Gmail and Apple Mail write.
_FROM_KEYS = frozenset(
    """from van von de fra från od da desde lähettäjä от kimden mittente remitente afzender
    absender expéditeur remetente avsändare afsender avsender nadawca odesílatel отправитель
    feladó από 差出人 发件人 發件人 寄件者 寄件人 보낸사람""".split()  # noqa: SIM905
) | {"de la", "보낸 사람"}
# A "Sent" or "Subject" line is what makes a block of header lines a mail's header.
_STRONG_KEYS = frozenset(
    """sent verzonden gesendet envoyé envoye enviado enviada inviato skickat sendt wysłano
    wysłane odesláno lähetetty отправлено gönderildi gönderilme elküldve στάλθηκε trimis
    送信日時 发送时间 發送時間 傳送時間 时间 時間 날짜 subject onderwerp betreff objet sujet asunto
    oggetto assunto ämne emne temat předmět тема konu aihe 件名 主题 主題 主旨 제목 tárgy θέμα
    subiect""".split()  # noqa: SIM905
) | {"enviado el", "enviada em", "보낸 날짜"}
_OTHER_KEYS = (
    _STRONG_KEYS
    | frozenset(
        """date to cc bcc reply-to datum aan gesendet an à a copie date para fecha data cc cco
    till kopia dato til kopi do dw komu kopie vastaanottaja kopio päivämäärä päiväys кому
    копия дата kime bilgi tarih 宛先 日付 收件人 抄送 日期 收件者 副本 címzett másolat dátum προς
    κοιν ημερομηνία către pour""".split()  # noqa: SIM905
    )
    | {"받는 사람", "reply to"}
)
_SEPARATOR_ONLY = re.compile(r"^\s*[-_=*~#+.·•\s]{2,}$")

# --- signatures and boilerplate ----------------------------------------------------------

_SIG_DELIMITER = re.compile(r"^--\s?$")
_LINK_TAIL = re.compile(r"\s*(?:<https?://[^>]*>|\(https?://[^)]*\)|https?://\S+)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MOBILE_SENT = (
    r"sent|envoy[ée]|enviado|enviada|inviato|gesendet|verzonden|verstuurd|skickat|sendt|"
    r"wys[łl]ane|odesl[áa]no|l[äa]hetetty|отправлено|надіслано|get|download|sent\s+wirelessly"
)
_MOBILE_PREP = (
    r"from|with|via|using|on|depuis|par|de|desde|do|da|dal|von|mit|vanaf|vanuit|van|met|"
    r"från|fra|z|ze|mobiilista|с|со|из|з"
)
_PHONE_NAMES = (
    r"iphone|ipad|android|galaxy|samsung|huawei|xiaomi|pixel|outlook|mobil|smartphone|"
    r"手机|手機|华为|華為|小米|スマートフォン|携帯|모바일|갤럭시"
)
# A device named after a comma: "Sent from my Verizon, Samsung Galaxy smartphone".
_DEVICE_NOUN = r"smartphone|phone|device|tablet|galaxy"
_MOBILE_LINE = re.compile(
    rf"^[(<\s]*(?:{_MOBILE_SENT})(?:\s+\w+ly|\s+sans\s+fil)?\s+(?:{_MOBILE_PREP})\s+"
    rf"(?P<device>[^,;:?!]{{1,60}}?(?:,\s*[^,;:?!]{{1,40}}?(?:{_DEVICE_NOUN}))?)\s*"
    r"(?P<tail>[.!]|[,.!]?\s+please\s+excuse.*|[,.!]?\s+(?:excuse|pardon|sorry|excusez).*)?[)>\s]*$",
    re.IGNORECASE,
)
_MOBILE_OTHER = re.compile(
    r"^(?:von meinem .{1,40} gesendet|diese nachricht wurde von meinem .{1,60} gesendet|"
    r"get outlook for (?:ios|android)|outlook voor (?:ios|android) downloaden|"
    r"\(?sent from (?:a|my) (?:phone|mobile(?: device)?)\)?|<<sent by .{1,30}>>|"
    # Finnish names the device in the elative: "Lähetetty iPhonesta".
    r"l[äa]hetetty\s+(?:\S+\s+){0,3}\S+(?:sta|stä))\s*[.!]?$",
    re.IGNORECASE,
)
# The device first: "iPhoneから送信", "iPhone에서 보냄", "iPhone'umdan gönderildi", or
# "发自我的iPhone". Tried only on lines that end that way or say "my" in Chinese.
_DEVICE_FIRST = re.compile(
    rf"^(?:(?:\S+\s+){{0,2}}(?:{_PHONE_NAMES})\S*(?:\s+\S+){{0,2}}?\s*"
    r"(?:から送信|에서\s*보냄|'?\w*\s+gönderildi|\S*\s+küldve)|"
    rf"(?:发自|發自|来自|來自|从|從)我的\s*(?:\S+\s*)?(?:{_PHONE_NAMES})\S*"
    r"(?:\s*(?:发送|發送|传送|傳送))?)\s*[.!。]?$",
    re.IGNORECASE,
)
_DEVICE_FIRST_ENDINGS = ("送信", "보냄", "gönderildi", "küldve")
# "Get Outlook for Android" in any language: a few words naming Outlook and a phone system.
_GET_OUTLOOK = re.compile(r"\boutlook\b.*\b(?:ios|android)\b|\b(?:ios|android)\b.*\boutlook", re.I)
# … but "I use Outlook for Android" is a writer speaking.
_FIRST_PERSON = re.compile(r"\b(?:i|ich|ik|je|jag|jeg|yo|io|eu|я|my|mijn|mein|mon|ma)\b", re.I)
_DEVICE_WORD = re.compile(
    r"iphone|ipad|ipod|android|blackberry|galaxy|samsung|outlook", re.IGNORECASE
)
_LIST_FOOTER = re.compile(
    r"mailing list|listinfo|unsubscribe|uitschrijven|afmelden|abbestellen|d[ée]sinscri|"
    r"google groups|you received this message because|you are receiving this because|"
    r"reply to this email directly|to respond, reply to this email|groups\.io|"
    r"you receive all messages sent to this group|mute this topic",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"confidential|vertrouwelijk|vertraulich|confidentiel|riservat|intended recipient|"
    r"geadresseerde|bestemd voor|empfänger|destinataire|privileged|disclaimer|"
    r"aansprakelijk|this (?:e-?mail|message) and any attachments|sole use|"
    r"notify the sender|received (?:this|it) (?:e-?mail |message )?in error|"
    r"unauthori[sz]ed (?:use|review|disclosure|copying|distribution)|prohibited|"
    r"per abuis|ten onrechte|de afzender|niet toegestaan|adressat|irrtümlich|den absender|"
    r"rechtlich geschützt|unbefugte|par erreur|l'exp[ée]diteur|destinatario|mittente|"
    r"remitente|per errore|por error",
    re.IGNORECASE,
)
# "Please consider the environment before printing this email" and its translations.
_PRINT_NOTICE = re.compile(
    r"before printing|think before you print|denk aan het milieu|voordat u (?:deze|dit) e-?mail|"
    r"denken sie an die umwelt|bevor sie diese e-?mail|pensez à l'environnement|avant d'imprimer|"
    r"antes de imprimir|prima di stampare|innan du skriver ut",
    re.IGNORECASE,
)
# The legal lines of a company signature: register, court, managing directors.
_REGISTRATION = re.compile(
    r"kamer van koophandel|\bkvk\b|handelsregister|amtsgericht|registergericht|\bhrb\b|"
    r"gesch[äa]ftsf[üu]hr|registered (?:in|office|number)|company (?:number|registration)|"
    r"si[èe]ge social|\brcs\b|\bsiret\b|\bust-?id|\bvat\b|\bbtw\b",
    re.IGNORECASE,
)
_LONG_NUMBER = re.compile(r"\d{5,}")
# What marks a block of short lines as a signature: a phone number, an address, a site.
_CONTACT = re.compile(
    r"^\[(?:cid|image):|(?:\+|\b0)\d[\d\s().\/-]{6,}\d|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\bwww\.|https?://|\b[\w.+-]+@[\w-]+\.\w",
    re.IGNORECASE,
)
_POSTSCRIPT = re.compile(r"^(?:p\.?\s?s\b|n\.?b\b)", re.IGNORECASE)
_FIELD_SEPARATOR = re.compile(r"\s+[|·•]\s+")
_DASH_NAME = re.compile(
    r"^\s*(?:-{1,2}|/{1,2})\s?[^\W\d_][\w.'\u2019-]*(?:\s[^\W\d_][\w.'\u2019-]*){0,3}\s*$"
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
    r"liebe|lieber|hallo|servus|moin|sehr geehrte[rs]?|bonjour|bonsoir|ch[èe]re?|salut|coucou|"
    r"hola|querid[oa]s?|estimad[oa]s?|buen[oa]s (?:d[ií]as|tardes|noches)|ciao|car[oa]|"
    r"carissim[oa]|"
    r"gentile|salve|buongiorno|buonasera|ol[áa]|oi|prezad[oa]|bom dia|boa tarde|boa noite|"
    r"hej|hejsan|hall[åo]|kära|kære|kjære|god morgon|god morgen|hei|moi|terve|hyvä|"
    r"cze[śs][ćc]|drog[ia]|kochan[ay]|szanown[ay]|dzie[ńn] dobry|witaj|ahoj|mil[áý]|dobr[ýy] den|"
    r"v[áa]žen[áý]|здравствуй(?:те)?|привет|дорог(?:ая|ой|ие)|добрый день|уважаем(?:ая|ый|ые)|"
    r"merhaba|sevgili|selam|sayın)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^(?:groetjes|groet|groeten|hartelijke groet(?:en)?|(?:met )?vriendelijke groet(?:en)?|"
    r"hartelijke groet|warme groet(?:en)?|lieve groet(?:en)?|liefs|dikke kus|kusjes|kus|"
    r"tot (?:snel|gauw|later|zo)|een knuffel|"
    r"warm(?:est)? regards|warmly|best(?: wishes| regards)?|kind(?:est)? regards|regards|cheers|"
    r"love|lots of love|yours(?: truly| sincerely)?|sincerely|thanks|thank you|many thanks|"
    r"all the best|take care|with love|hugs|fondly|affectionately|speak soon|talk soon|x+|xo+|"
    r"viele grüße|liebe grüße|herzliche grüße|beste grüße|mit freundlichen grüßen|lg|vg|"
    r"(?:viele |liebe |herzliche |schöne )?gr[üu](?:ß|ss)e?|alles liebe|bis bald|herzlichst|"
    r"bien à (?:toi|vous)|amitiés|bises|bisous|(?:bien )?cordialement|à bientôt|amicalement|"
    r"je t'embrasse|"
    r"(?:un )?abrazos?|(?:un )?saludos?|(?:muchos )?besos|atentamente|hasta pronto|"
    r"(?:un )?abbracci(?:o)?|(?:cari |cordiali |un caro )?salut[io]|a presto|baci|un bacio|"
    r"(?:um )?abraços?|beijos?|beijinhos|atenciosamente|cumprimentos|até breve|"
    r"(?:med )?vänlig(?:a)? hälsning(?:ar)?|hälsningar|kramar|kram|mvh|"
    r"(?:med )?venlig(?:st)? hilsen|(?:med )?vennlig hilsen|kærlig hilsen|hilsen|klem|"
    r"(?:ystävällisin )?terveisin|halauksin|"
    r"(?:serdecznie )?pozdrawiam|pozdrowienia|z pozdrowieniami|ściskam|"
    r"s pozdravem|zdrav[íi]m|"
    r"обнимаю|с уважением|всего доброго|целую|до встречи|"
    r"sevgiler|saygılarımla|selamlar|görüşmek üzere)\b",
    re.IGNORECASE,
)
# Up to three capitalised words and nothing else: "Denise", "Carola Jansen", "-Bram", "Ольга"
# (the patterns take any letters; ``_capitalised`` checks the capitals in every script).
_LONE_NAME = re.compile(
    r"^[\-/\u2013\u2014]{0,2}\s?[^\W\d_][\w'\u2019-]*(?: [^\W\d_][\w.'\u2019-]*){0,2}$"
)
# A name and a comma as a paragraph of its own ("Anna,") greets without a greeting word;
# words that open a sentence that way ("Yes,", "Well,") are not names.
_NAME_GREETING = re.compile(
    r"^(?!(?i:yes|no|well|so|ok|okay|oh|right|sorry|thanks|ja|nee|nou|goed|oké|nein|oui|non|"
    r"alors|bon|eh|hm+)\b)"
    r"[^\W\d_][\w'\u2019-]*(?: (?:en |and |und |et |& )?[^\W\d_][\w'\u2019-]*){0,2}\s?,$"
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
    quoted_before = False
    i = 0
    while i < n:
        line = lines[i]
        if _is_blank(line):
            kept.append((i, line))
            i += 1
            continue
        if _is_quoted(line):
            end = _quote_block_end(lines, i)
            first_quote, quoted_before = not quoted_before, True
            # Only the first '>' block of a message can be the writer's own quotation.
            if first_quote and _is_own_quotation(lines, kept, i, end, candidates):
                kept.extend((k, lines[k]) for k in range(i, end + 1))
                i = end + 1
                continue
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
        if _SIG_DELIMITER.match(line) and _has_own_text(kept) and not _is_section_break(lines, i):
            cuts.extend(_signature_cuts(lines, i, candidates, "signature after '-- '"))
            return kept, cuts
        if _is_mobile_signature(line):
            cuts.extend(_signature_cuts(lines, i, candidates, "mobile signature"))
            return kept, cuts
        kept.append((i, line))
        i += 1
    return kept, cuts


def _is_own_quotation(
    lines: Sequence[str],
    kept: Sequence[tuple[int, str]],
    start: int,
    end: int,
    candidates: Sequence[bool],
) -> bool:
    """A few ``>`` lines the writer quotes in the letter itself ("My grandmother said:").

    Such a quotation is introduced by a line of the letter ending in a colon (that is no
    attribution: no address, no time), has letter text after it, and is the first and
    only ``>`` block of the letter; a reply that quotes its partner piece by piece has
    several. The caller asks only for the first block.
    """
    intro = next((_plain(line) for _, line in reversed(kept) if not _is_blank(line)), "")
    if not intro.endswith(_COLONS) or end - start >= 6:
        return False
    if _EMAIL.search(intro) or _TIME.search(intro):
        return False
    if any(line.lstrip()[1:].lstrip().startswith(">") for line in lines[start : end + 1]):
        return False  # a quote inside a quote is history
    # Letter text must follow before any other '>' line; history under a marker may.
    text_after = False
    for k in range(end + 1, len(lines)):
        if _is_blank(lines[k]):
            continue
        if _is_quoted(lines[k]):
            return False
        if _find_marker(lines, k, candidates) is not None:
            break
        text_after = True
    return text_after


def _is_section_break(lines: Sequence[str], i: int) -> bool:
    """A "--" between two paragraphs of prose is the writer's section break, not a signature.

    A signature follows its delimiter on the next line; a section break stands between
    blank lines, a paragraph of sentences follows it and the letter goes on after that.
    A writer's short biography under "-- " is one paragraph with nothing after it, or
    ends in an address or a site.
    """
    if i == 0 or not _is_blank(lines[i - 1]) or i + 1 >= len(lines) or not _is_blank(lines[i + 1]):
        return False
    k = _skip_blank(lines, i + 1)
    paragraph: list[str] = []
    while k < len(lines) and not _is_blank(lines[k]):
        paragraph.append(_plain(lines[k]))
        k += 1
    text = " ".join(paragraph)
    if len(text.split()) < 12 or not text.endswith((".", "!", "?", "…", '"', "\u201d")):
        return False
    rest = []
    for line in lines[k:]:
        if _is_quoted(line):
            break
        rest.append(line)
    return any(not _is_blank(x) for x in rest) and not any(
        len(x) <= 200 and _CONTACT.search(x) for x in rest
    )


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
        # "Message du : 12/12/2016 13:20" right above a "De :" header block, or the
        # "Date:" and "Subject:" lines some clients write above "From:".
        header = _HEADER_LINE.match(plain)
        if (
            header is not None
            and not _is_blank(lines[first])
            and (first == start or header.group(1).lower() in _OTHER_KEYS)
        ):
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
        out.append(bool(plain) and (plain.endswith(_COLONS) or _verb_at_end(plain[-48:]) >= 0))
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
        if inner and _verb_at_end(inner) >= 0:
            return _Marker(i, i, "attribution line")
        if inner and len(inner) <= 40 and _ORIGINAL_WORDS.search(inner):
            return _Marker(i, _header_block_after(lines, i), "original-message rule")
    if _FORWARD_LINE.match(plain):
        return _Marker(i, _header_block_after(lines, i), "forwarded-message header")
    header_end = _header_block(lines, i)
    if header_end is not None:
        return _Marker(i, header_end, "header block of the quoted message")
    if (
        _NUMERIC_ATTRIBUTION.match(plain)
        or _DATE_ADDRESS_COLON.match(plain)
        or _QUOTING.match(plain)
    ):
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
    # "пользователь … написал:" with a date but no time or address, or a bare
    # "Anna Lind schrieb:": only right above a quote.
    if (
        plain.endswith(_COLONS)
        and len(plain) <= _MAX_ATTRIBUTION
        and (verb := _verb_at_end(plain)) >= 0
        and (_DATE.search(plain) or _is_name(plain[:verb]))
    ):
        following = _skip_blank(lines, i + 1)
        if following < n and _is_quoted(lines[following]):
            return _Marker(i, i, "attribution line")
    return None


# Who writes "You wrote:" quotes the partner in the letter; a client names the writer.
_PRONOUNS = frozenset(
    """i you he she we they it ik je jij u hij zij ze wij we jullie ich du er sie wir ihr
    j'ai je tu il elle on nous vous ils elles yo tú él ella usted io lui lei eu ele ela você
    jag hon han vi jeg hun minä sinä hän ja ty ona my я ты он она мы
    """.split()  # noqa: SIM905
)


def _is_name(text: str) -> bool:
    """A person's name ("Anna Lind", "Lind, Anna"), not a pronoun or a phrase."""
    words = text.replace(",", " ").split()
    return (
        0 < len(words) <= 4
        and words[0].lower() not in _PRONOUNS
        and all(w[:1].isupper() for w in words)
    )


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


def _verb_at_end(text: str) -> int:
    """Where the attribution verb ending ``text`` starts ("… wrote:"), or -1.

    This runs on every line of every message, so the regular expression only gets the
    last two words, and only when the line ends in a letter, as every verb does.
    """
    end = text.rstrip()
    if end.endswith(_COLONS):
        end = end[:-1].rstrip()
    if not end or not (end[-1].isalpha() or end[-1] == ")"):
        return -1
    for verb in _GLUED_VERBS:
        if end.endswith(verb):
            return len(end) - len(verb)
    space = end.rfind(" ")
    start = max(end.rfind(" ", 0, space), 0) if space > 0 else 0
    m = _VERB_AT_END.search(end, start)
    return -1 if m is None else m.start()


def _verb_anywhere(text: str) -> bool:
    return _VERB_ANYWHERE.search(text) is not None or any(v in text for v in _GLUED_VERBS)


def _is_attribution(text: str) -> bool:
    if len(text) > _MAX_ATTRIBUTION:
        return False
    text = text.strip("-=_* ")
    ends_colon = text.endswith(_COLONS)
    at_end = _verb_at_end(text) >= 0
    if not at_end and not (ends_colon and _verb_anywhere(text)):
        return (
            _ADDRESS_COLON_END.search(text) is not None
            and _TIME.search(text) is not None
            and _DATE.search(text) is not None
        )
    if _EMAIL.search(text):
        return True
    if _TIME.search(text) is None or _DATE.search(text) is None:
        return False
    # "On 3 November at 9:14 I wrote:" is the writer telling; a client names someone.
    verb = _VERB_ANYWHERE.search(text)
    if verb is None:
        return True  # a verb glued to the date, as Chinese and Japanese clients write it
    near = text[: verb.start() + 1].split()[-2:] + text[verb.end() :].split()[:1]
    return not any(w.strip(",:").lower() in _PRONOUNS for w in near)


def _header_block(lines: Sequence[str], i: int) -> int | None:
    """The last line of an Outlook-style header block starting at ``i``, if one does."""
    m = _HEADER_LINE.match(_plain(lines[i]))
    if m is None or m.group(1).lower() not in _FROM_KEYS:
        return None
    sender = m.group(2).strip()
    # A letter may say "From: the desk of …" or list "From: Amsterdam / To: Berlin";
    # a quoted header names a person or an address, and has a "Sent" or "Subject" line.
    has_address = _EMAIL.search(sender) is not None
    if not has_address and (len(sender.split()) > 6 or sender.endswith((".", "!", "?"))):
        return None
    n = len(lines)
    found = False
    for k in range(i + 1, min(i + 6, n)):
        other = _HEADER_LINE.match(_plain(lines[k]))
        key = other.group(1).lower() if other is not None else ""
        if key in _STRONG_KEYS or (has_address and key in _OTHER_KEYS):
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
    if (
        plain.rstrip(" .!。").endswith(_DEVICE_FIRST_ENDINGS) or "我的" in plain
    ) and _DEVICE_FIRST.match(plain):
        return True
    if (
        "outlook" in plain.lower()
        and _GET_OUTLOOK.search(plain)
        and len(plain.split()) <= 7
        and not plain.endswith(".")
        and not _FIRST_PERSON.search(plain)
    ):
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
            continue
        block = _signature_block(lines)
        if block is not None:
            cut, name = block
            removed = _join(lines[cut:]).strip("\n")
            if name is not None:
                # "Erik Lund | Editor | +46 …": the name stays, the rest of the line goes.
                removed = _join(
                    [lines[cut][len(name) :].lstrip(" |·•"), removed[len(lines[cut]) :]]
                )
                lines[cut] = name
                cut += 1
            cuts.append(Cut(CutKind.SIGNATURE, removed.strip("\n"), "signature block"))
            del lines[cut:]
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
    one line could be a letter's own sentence, so a single line needs two. A print
    notice ("consider the environment …") and a company's register lines count too.
    """
    text = " ".join(paragraph)
    if _POSTSCRIPT.match(text.strip()):
        return False
    if len(text) <= 200 and _PRINT_NOTICE.search(text):
        return True
    registration = _REGISTRATION.findall(text) if len(text) <= 300 else []
    if registration and (len(registration) >= 2 or _LONG_NUMBER.search(text)):
        return True
    if len(text) < 80:
        return False
    found = {m.lower() for m in _DISCLAIMER.findall(text)}
    return len(found) >= (1 if len(paragraph) >= 2 else 2)


def _is_signature_line(plain: str) -> bool:
    """A short line such as a signature is made of: a name, a title, an address, a number."""
    words = plain.split()
    if not words or len(plain) > 80 or len(words) > 9 or _POSTSCRIPT.match(plain):
        return False
    return len(words) < 5 or not plain.endswith((".", "!", "?"))


def _signature_block(lines: Sequence[str]) -> tuple[int, str | None] | None:
    """A signature block under the name that signs the letter, without a '-- ' above it.

    The block is the run of short lines closing the text, with a phone number, an
    address or a site in it, under a sign-off and its name ("Kind regards,\n\nBram
    Okafor") or under a name that opens a paragraph. Returns the line where the cut
    starts and, when that line begins with the name ("Erik Lund | Editor"), the name.
    """
    top = len(lines)
    while top > 0 and (_is_blank(lines[top - 1]) or _is_signature_line(_plain(lines[top - 1]))):
        top -= 1
    contact = next((j for j in range(top, len(lines)) if _CONTACT.search(lines[j])), None)
    if contact is None or any(_CLOSING.match(_plain(x)) for x in lines[contact:]):
        return None
    for j in range(contact, top - 1, -1):
        plain = _plain(lines[j])
        if j < contact and _is_sign_off(plain):
            k = _skip_blank(lines, j + 1)
            name = _plain(lines[k])
            first = _FIELD_SEPARATOR.split(name, maxsplit=1)[0]
            if first != name and _NAME_LINE.match(first):
                return k, first
            if k < contact and _NAME_LINE.match(name):
                return k + 1, None
            return j + 1, None
    # No sign-off: the paragraph holding the first contact line must open with a name,
    # and letter text must stand above it.
    j = contact
    while j > top and not _is_blank(lines[j - 1]):
        j -= 1
    if j == 0 or not _is_blank(lines[j - 1]):
        return None
    plain = _plain(lines[j])
    first = _FIELD_SEPARATOR.split(plain, maxsplit=1)[0]
    if first != plain and _is_lone_name(first):
        return j, first
    if j < contact and _is_lone_name(plain):
        return j + 1, None
    return None


def _is_lone_name(plain: str) -> bool:
    return _LONE_NAME.match(plain) is not None and _capitalised(plain)


def _is_sign_off(plain: str) -> bool:
    """A sign-off line ("Kind regards,", "Thanks!"), not a sentence that starts like one."""
    if _CLOSING.match(plain) is None or len(plain) > 50:
        return False
    return not (plain.endswith((".", "?")) and len(plain.split()) >= 5)


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
        name, comma, rest = plain.partition(", ")
        if comma and _is_lone_name(name) and len(name.split()) <= 2:
            # "Анна, привет!", "Anna, hi!": the name first, then the greeting.
            return _SALUTATION.match(rest) is not None and len(rest.split()) <= 3
        # "Anna," on a line of its own greets by name alone.
        return alone and _NAME_GREETING.match(plain) is not None and _capitalised(plain)
    return plain.endswith((",", "!", ":")) or len(plain.split()) <= 4


_CONNECTORS = frozenset({"en", "and", "und", "et", "&"})


def _capitalised(text: str) -> bool:
    """Whether every word of a name (not "en", "and" …) starts with a capital letter."""
    words = [w.lstrip("-/\u2013\u2014") for w in text.rstrip(",").split()]
    return all(w[:1].isupper() for w in words if w and w not in _CONNECTORS)


def _take_closing(parts: list[str]) -> str:
    """Remove the sign-off from the end of ``parts`` and return it."""
    if not parts:
        return ""
    last_lines = parts[-1].split("\n")
    # "Liefs,\nDenise" or "Tot snel!\nGroetjes, Denise" at the end of the last paragraph.
    # A sign-off is one of the last four lines; a long paragraph need not be searched.
    for k in range(max(0, len(last_lines) - 4), len(last_lines)):
        plain = _plain(last_lines[k])
        if _is_sign_off(plain) and all(
            _NAME_LINE.match(_plain(x)) or _CLOSING.match(_plain(x)) for x in last_lines[k + 1 :]
        ):
            closing = _join(last_lines[k:])
            if k == 0:
                parts.pop()
            else:
                parts[-1] = _join(last_lines[:k])
            return closing.strip()
    # A lone name closing the letter ("Denise") is its sign-off.
    after_closing = len(parts) >= 2 and "\n" not in parts[-2] and _is_sign_off(_plain(parts[-2]))
    if (
        len(parts) >= 2
        and len(last_lines) == 1
        and _is_lone_name(_plain(last_lines[0]))
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
        if len(before) == 1 and _is_sign_off(_plain(before[0])):
            closing = parts[-2] + "\n\n" + parts[-1]
            del parts[-2:]
            return closing.strip()
    return ""
