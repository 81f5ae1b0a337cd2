"""The editor's interface in English and Dutch (``service.language``).

Templates and handlers write English text through ``_("…")``; in Dutch each
text is looked up here. Names of states, events, cuts and message statuses are
keys with a prefix (``state:in_review``) that both languages spell out. Values
in ``{braces}`` are filled in after translation, and the result is escaped by
the template like any other text. This module holds words only; a test checks
that every text the templates use has its Dutch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Translator = Callable[..., str]

_PREFIXES = frozenset({"state", "status", "cut", "event", "change", "block", "detail"})

# Names both languages spell out: English here, Dutch in NL below.
NAMES_EN: Mapping[str, str] = {
    "state:open": "open",
    "state:complete": "complete",
    "state:in_review": "in review",
    "state:changes_requested": "changes requested",
    "state:approved": "approved",
    "state:published": "published",
    "status:new": "not yet read",
    "status:letter": "letter",
    "status:command": "command",
    "status:auto_reply": "auto-reply",
    "status:bounce": "bounce",
    "status:quarantined": "held back",
    "status:duplicate": "duplicate",
    "status:unreadable": "unreadable",
    "status:released": "released",
    "status:discarded": "discarded",
    "status:own": "penpal's own mail",
    "cut:quote": "quoted history",
    "cut:signature": "signature",
    "cut:disclaimer": "disclaimer",
    "cut:private": "private",
    "cut:command": "command",
    "event:created": "started",
    "event:invited": "invitations queued",
    "event:letter": "letter",
    "event:relay": "relayed to the partner",
    "event:relay_skipped": "not relayed",
    "event:reminder": "reminder queued",
    "event:command": "command by mail",
    "event:consent": "consent given",
    "event:state": "state changed",
    "event:bounce": "mail bounced",
    "event:mail_failed": "mail could not be sent",
    "event:released": "released from the quarantine",
    "event:discarded": "held mail discarded",
    "event:revision": "draft revised",
    "event:approved": "approved",
    "event:changes_requested": "changes requested",
    "event:published": "published",
    "event:approval": "approved",
    "event:consent_requested": "consent asked of the writers",
    "change:added": "added",
    "change:removed": "taken out",
    "change:changed": "changed",
    "block:title": "title",
    "block:slug": "slug",
    "block:categories": "categories",
    "block:description": "summary",
    "block:intro": "intro",
    "block:credit": "credit",
    "block:turn": "letter",
    "block:paragraph": "paragraph",
    "block:heading": "heading",
    "block:pull_quote": "pull quote",
    "block:image": "image",
    "detail:topic": "topic",
    "detail:writers": "writers",
    "detail:command": "command",
    "detail:word": "word",
    "detail:from": "from",
    "detail:to": "to",
    "detail:reason": "reason",
    "detail:revision": "revision",
    "detail:note": "note",
    "detail:reopen": "reopened",
    "detail:folder": "folder",
    "detail:slug": "slug",
    "detail:date": "date",
    "detail:error": "error",
    "detail:writer": "writer",
    "detail:sender": "sender",
}

NL: Mapping[str, str] = {
    "state:open": "open",
    "state:complete": "compleet",
    "state:in_review": "in redactie",
    "state:changes_requested": "wijzigingen gevraagd",
    "state:approved": "goedgekeurd",
    "state:published": "gepubliceerd",
    "status:new": "nog niet gelezen",
    "status:letter": "brief",
    "status:command": "opdracht",
    "status:auto_reply": "automatisch antwoord",
    "status:bounce": "onbestelbaar",
    "status:quarantined": "tegengehouden",
    "status:duplicate": "dubbel",
    "status:unreadable": "onleesbaar",
    "status:released": "vrijgegeven",
    "status:discarded": "weggegooid",
    "status:own": "eigen post van penpal",
    "cut:quote": "geciteerde eerdere mail",
    "cut:signature": "handtekening",
    "cut:disclaimer": "disclaimer",
    "cut:private": "privé",
    "cut:command": "opdracht",
    "event:created": "begonnen",
    "event:invited": "uitnodigingen klaargezet",
    "event:letter": "brief",
    "event:relay": "doorgestuurd naar de ander",
    "event:relay_skipped": "niet doorgestuurd",
    "event:reminder": "herinnering klaargezet",
    "event:command": "opdracht per mail",
    "event:consent": "toestemming gegeven",
    "event:state": "status gewijzigd",
    "event:bounce": "mail kwam terug",
    "event:mail_failed": "mail kon niet verstuurd worden",
    "event:released": "vrijgegeven uit de quarantaine",
    "event:discarded": "tegengehouden mail weggegooid",
    "event:revision": "concept bewerkt",
    "event:approved": "goedgekeurd",
    "event:changes_requested": "wijzigingen gevraagd",
    "event:published": "gepubliceerd",
    "event:approval": "goedgekeurd",
    "event:consent_requested": "toestemming gevraagd aan de schrijvers",
    "change:added": "toegevoegd",
    "change:removed": "weggehaald",
    "change:changed": "gewijzigd",
    "block:title": "titel",
    "block:slug": "slug",
    "block:categories": "categorieën",
    "block:description": "samenvatting",
    "block:intro": "intro",
    "block:credit": "aftiteling",
    "block:turn": "brief",
    "block:paragraph": "alinea",
    "block:heading": "tussenkop",
    "block:pull_quote": "streamer",
    "block:image": "afbeelding",
    "detail:topic": "onderwerp",
    "detail:writers": "schrijvers",
    "detail:command": "opdracht",
    "detail:word": "woord",
    "detail:from": "van",
    "detail:to": "aan",
    "detail:reason": "reden",
    "detail:revision": "versie",
    "detail:note": "notitie",
    "detail:reopen": "heropend",
    "detail:folder": "map",
    "detail:slug": "slug",
    "detail:date": "datum",
    "detail:error": "fout",
    "detail:writer": "schrijver",
    "detail:sender": "afzender",
    # frame and login
    "Skip to the content": "Direct naar de inhoud",
    "Main": "Hoofdmenu",
    "Correspondences": "Briefwisselingen",
    "Quarantine": "Quarantaine",
    "Log out": "Uitloggen",
    "Log in": "Inloggen",
    "Email address": "E-mailadres",
    "Password": "Wachtwoord",
    "Editors get a password from whoever runs penpal (penpal editor password EMAIL).": (
        "Redacteuren krijgen een wachtwoord van wie penpal beheert "
        "(penpal editor password E-MAILADRES)."
    ),
    "This page is not served over HTTPS, so logging in cannot work here. "
    "Ask whoever runs penpal to put it behind HTTPS.": (
        "Deze pagina komt niet via HTTPS, dus inloggen werkt hier niet. "
        "Vraag wie penpal beheert om HTTPS in te stellen."
    ),
    "That email address and password do not match.": (
        "Dat e-mailadres en wachtwoord horen niet bij elkaar."
    ),
    "Too many failed attempts. Try again in {minutes} minutes.": (
        "Te veel mislukte pogingen. Probeer het over {minutes} minuten opnieuw."
    ),
    # errors
    "Something went wrong": "Er ging iets mis",
    "Go back": "Terug",
    "To the correspondences": "Naar de briefwisselingen",
    "To the login page": "Naar de inlogpagina",
    "There is no such page.": "Die pagina bestaat niet.",
    "A request from another site was refused.": "Een verzoek vanaf een andere site is geweigerd.",
    "This page needs cookies: allow them for this site and reload the page.": (
        "Deze pagina heeft cookies nodig: sta ze toe voor deze site en laad de pagina opnieuw."
    ),
    "The form's security token is missing or out of date: reload the page and try again.": (
        "Het beveiligingskenmerk van het formulier ontbreekt of is verlopen: "
        "laad de pagina opnieuw en probeer het nog eens."
    ),
    "Your session has ended: log in again.": "Uw sessie is verlopen: log opnieuw in.",
    "The request is too large.": "Het verzoek is te groot.",
    "That is not something this page does.": "Dat kan op deze pagina niet.",
    "The database cannot be reached; try again shortly.": (
        "De database is niet bereikbaar; probeer het zo opnieuw."
    ),
    # list
    "Filter by state": "Filter op status",
    "All": "Alle",
    "No correspondences yet.": "Nog geen briefwisselingen.",
    "Start a correspondence": "Begin een briefwisseling",
    "Writer {number}": "Schrijver {number}",
    "writes first": "schrijft als eerste",
    "Name": "Naam",
    "Both writers get an invitation by mail.": "Beide schrijvers krijgen een uitnodiging per mail.",
    "Start and invite": "Beginnen en uitnodigen",
    "Topic": "Onderwerp",
    "Writers": "Schrijvers",
    "State": "Status",
    "Letters": "Brieven",
    "Waiting for": "Wacht op",
    "Last activity": "Laatste activiteit",
    "Pages": "Pagina's",
    "Newer": "Nieuwer",
    "Older": "Ouder",
    "Page {page} of {pages}": "Pagina {page} van {pages}",
    "the editor: review the draft": "de redactie: concept nakijken",
    "the writers: changes requested": "de schrijvers: wijzigingen gevraagd",
    "the editor: publish": "de redactie: publiceren",
    # timeline
    "Open the draft": "Open het concept",
    "Mark complete and compile the draft": "Markeer als compleet en stel het concept op",
    "Timeline": "Tijdlijn",
    "Letter from {name}": "Brief van {name}",
    "private: never published": "privé: wordt nooit gepubliceerd",
    "What was left out ({count})": "Wat is weggelaten ({count})",
    "Put back into the draft": "Terugzetten in het concept",
    "unknown sender": "onbekende afzender",
    "Release or discard": "Vrijgeven of weggooien",
    # quarantine
    "Mail that penpal could not place or read waits here. Release it as a letter of a "
    "writer you pick, or discard it. Nothing is deleted: the original message stays "
    "stored.": (
        "Hier wacht post die penpal niet kon plaatsen of lezen. Geef een bericht vrij als "
        "brief van een schrijver die u kiest, of gooi het weg. Er wordt niets gewist: het "
        "oorspronkelijke bericht blijft bewaard."
    ),
    "Nothing is held back.": "Er wordt niets tegengehouden.",
    "(no subject)": "(geen onderwerp)",
    "File as a letter of": "Opbergen als brief van",
    "Release": "Vrijgeven",
    "No correspondence is open, so there is nothing to release into.": (
        "Er is geen open briefwisseling om het bericht in op te bergen."
    ),
    "Discard…": "Weggooien…",
    "Read it, or file it elsewhere": "Lezen, of elders opbergen",
    "Yes, discard this message": "Ja, gooi dit bericht weg",
    "From": "Van",
    "To": "Aan",
    "Received": "Ontvangen",
    "Why it was held": "Waarom het is tegengehouden",
    "What the writer wrote": "Wat de schrijver schreef",
    "penpal could not read any letter text in this message.": (
        "penpal kon in dit bericht geen brieftekst lezen."
    ),
    "The message's HTML version (cleaned)": "De HTML-versie van het bericht (opgeschoond)",
    # draft
    "Draft": "Concept",
    "revision {number}": "versie {number}",
    "Open the full-page preview": "Open het voorbeeld als hele pagina",
    "Preview as published": "Voorbeeld zoals het gepubliceerd wordt",
    "Revisions and changes": "Versies en wijzigingen",
    "The letters as they arrived": "De brieven zoals ze binnenkwamen",
    "This draft cannot be edited in this state.": (
        "Dit concept kan in deze status niet bewerkt worden."
    ),
    "Edit panel": "Bewerken",
    "Title, intro and details": "Titel, intro en gegevens",
    "Title": "Titel",
    "Intro": "Intro",
    "Categories (separated by commas)": "Categorieën (gescheiden door komma's)",
    "Slug (the last part of the web address)": "Slug (het laatste deel van het webadres)",
    "Summary for search engines (empty: the intro)": (
        "Samenvatting voor zoekmachines (leeg: de intro)"
    ),
    "Closing credit": "Aftiteling",
    "Save": "Opslaan",
    "Suggested titles": "Voorgestelde titels",
    "Use as title": "Gebruik als titel",
    "Section headings ({count})": "Tussenkoppen ({count})",
    "Heading": "Tussenkop",
    "Before letter": "Voor brief",
    "Save heading": "Tussenkop opslaan",
    "Remove heading": "Tussenkop weghalen",
    "New heading": "Nieuwe tussenkop",
    "Add heading": "Tussenkop toevoegen",
    "Pull quotes ({count})": "Streamers ({count})",
    "After letter": "Na brief",
    "Move": "Verplaatsen",
    "Remove pull quote": "Streamer weghalen",
    "Selected in the preview:": "Geselecteerd in het voorbeeld:",
    "Use the selection as a pull quote": "Gebruik de selectie als streamer",
    "Suggested pull quotes": "Voorgestelde streamers",
    "Add this pull quote": "Voeg deze streamer toe",
    "A sentence from the text": "Een zin uit de tekst",
    "where the sentence stands": "waar de zin staat",
    "Add pull quote": "Streamer toevoegen",
    "Letters and paragraphs": "Brieven en alinea's",
    "Letter {number}: {label}": "Brief {number}: {label}",
    "Bring back this letter": "Zet deze brief terug",
    "Leave out this letter": "Laat deze brief weg",
    "Bring back this paragraph": "Zet deze alinea terug",
    "Paragraph {number} of letter {letter}": "Alinea {number} van brief {letter}",
    "Save the fix": "Verbetering opslaan",
    "Leave out this paragraph": "Laat deze alinea weg",
    "Images ({count})": "Afbeeldingen ({count})",
    "Caption": "Onderschrift",
    "Image credit": "Beeldverantwoording",
    "In letter": "In brief",
    "Leave this image out": "Laat deze afbeelding weg",
    "Save image": "Afbeelding opslaan",
    "Decision": "Besluit",
    "Published to {folder}": "Gepubliceerd in {folder}",
    "Consent of the writers": "Toestemming van de schrijvers",
    "agreed": "akkoord",
    "not yet": "nog niet",
    "Both writers must agree before publishing.": (
        "Beide schrijvers moeten akkoord gaan voordat er gepubliceerd wordt."
    ),
    "Publishing does not wait for the writers' consent.": (
        "Publiceren wacht niet op de toestemming van de schrijvers."
    ),
    "Note with the approval (optional)": "Notitie bij de goedkeuring (niet verplicht)",
    "Approve revision {number}": "Keur versie {number} goed",
    "Publish": "Publiceren",
    "Publish again": "Opnieuw publiceren",
    "Request changes…": "Wijzigingen vragen…",
    "Note for the writers (mailed to them)": "Notitie voor de schrijvers (wordt hun gemaild)",
    "Reopen the correspondence for more letters": "Heropen de briefwisseling voor meer brieven",
    "Send the request": "Verstuur het verzoek",
    # revisions
    "Revisions": "Versies",
    "Compare revision": "Vergelijk versie",
    "with revision": "met versie",
    "Compare": "Vergelijken",
    "From revision {old} to {new}": "Van versie {old} naar {new}",
    "Pick two different revisions to see what changed.": (
        "Kies twee verschillende versies om te zien wat er veranderde."
    ),
    "Nothing a reader would see changed.": "Er veranderde niets wat een lezer zou zien.",
    "All revisions": "Alle versies",
    # outcomes
    "The correspondence is complete and its draft compiled.": (
        "De briefwisseling is compleet en het concept is opgesteld."
    ),
    "The message is filed as a letter.": "Het bericht is opgeborgen als brief.",
    "The message is discarded.": "Het bericht is weggegooid.",
    "You are logged out.": "U bent uitgelogd.",
    "The correspondence is started and the writers are invited.": (
        "De briefwisseling is begonnen en de schrijvers zijn uitgenodigd."
    ),
    "The draft is saved as a new revision.": "Het concept is opgeslagen als nieuwe versie.",
    "The text is back in the draft.": "De tekst staat weer in het concept.",
    "The draft is approved.": "Het concept is goedgekeurd.",
    "The writers are asked for changes.": "De schrijvers is om wijzigingen gevraagd.",
    "The correspondence is open again for more letters.": (
        "De briefwisseling staat weer open voor meer brieven."
    ),
    "The article is published.": "Het artikel is gepubliceerd.",
}

DONE: Mapping[str, str] = {
    "completed": "The correspondence is complete and its draft compiled.",
    "released": "The message is filed as a letter.",
    "discarded": "The message is discarded.",
    "logged_out": "You are logged out.",
    "started": "The correspondence is started and the writers are invited.",
    "saved": "The draft is saved as a new revision.",
    "restored": "The text is back in the draft.",
    "approved": "The draft is approved.",
    "changes_requested": "The writers are asked for changes.",
    "reopened": "The correspondence is open again for more letters.",
    "published": "The article is published.",
}
"""What the ``?done=`` of a page after an action says (keys, so no text comes from a URL)."""


def translator(language: str) -> Translator:
    """``_(text, **values)`` for ``language``: the text in that language, values filled in."""
    table: Mapping[str, str] = NL if language == "nl" else NAMES_EN

    def translate(text: str, /, **values: Any) -> str:
        translated = table.get(text)
        if translated is None:
            prefix, colon, name = text.partition(":")
            # A state or event kind added later still reads as words, if in English.
            named = colon and prefix in _PREFIXES
            translated = name.replace("_", " ") if named else text
        return translated.format(**values) if values else translated

    return translate
