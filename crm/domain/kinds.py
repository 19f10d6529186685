"""Interaction kinds, and the Finnish, Swedish and English words that name them."""

from __future__ import annotations

import math

from crm.domain.names import fold
from crm.domain.problems import N_, Problem

KINDS = ("meeting", "call", "email", "visit", "event", "advisory", "other")
# What a reader reads for each kind (gettext source; pages and exports translate it).
KIND_LABELS = {"meeting": N_("Meeting"), "call": N_("Call"), "email": N_("E-mail"), "visit": N_("Visit"),
               "event": N_("Event"), "advisory": N_("Advisory"), "other": N_("Other")}

# Words are written folded (no diacritics, lower case) and without spaces or hyphens.
_WORDS: dict[str, tuple[str, ...]] = {
    "meeting": (
        "meeting", "tapaaminen", "palaveri", "kokous", "neuvottelu", "mote", "sammantrade",
    ),
    "call": (
        "call", "phonecall", "phone", "telephone", "puhelu", "soitto", "puhelinsoitto", "puhelin",
        "samtal", "telefonsamtal", "telefon",
    ),
    "email": ("email", "sahkoposti", "sposti", "meili", "epost", "epostmeddelande"),
    "visit": (
        "visit", "companyvisit", "sitevisit", "yritysvierailu", "vierailu", "kaynti", "yrityskaynti",
        "besok", "foretagsbesok",
    ),
    "event": (
        "event", "seminar", "webinar", "workshop", "conference", "tapahtuma", "tilaisuus",
        "seminaari", "webinaari", "tyopaja", "konferenssi", "evenemang", "seminarium", "konferens",
    ),
    "advisory": (
        "advisory", "advice", "consultation", "counselling", "counseling", "neuvonta",
        "yritysneuvonta", "neuvontatapaaminen", "sparraus", "radgivning", "foretagsradgivning",
    ),
    "other": ("other", "muu", "muut", "annan", "annat", "ovrigt"),
}
_KIND_OF_WORD = {word: kind for kind, words in _WORDS.items() for word in words}
_MIN_COMPOUND_HEAD = 4  # shortest word recognised at the end of a compound ('kundmöte')


def parse_kind(raw: str | int | float | None) -> str | None:
    """One of KINDS from a word in Finnish, Swedish or English; None for a blank value.

    Tried in order: the whole value ('Phone call', 'S-posti'), then its words ('Teams-palaveri',
    'tapaaminen (etä)'), a word also matching when it ends a compound ('asiakastapaaminen').
    Values whose words point to different kinds are not guessed.
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = str(raw).strip()
    if not text:
        return None
    words = fold(text).split()
    kind = _KIND_OF_WORD.get("".join(words))
    if kind is None:
        kinds = {kind for word in words if (kind := _kind_of(word))}
        kind = kinds.pop() if len(kinds) == 1 else None
    if kind is None:
        raise Problem("Interaction kind '%(value)s' is not recognised "
                      "(use meeting, call, email, visit, event, advisory or other)", value=text[:40])
    return kind


def _kind_of(word: str) -> str | None:
    """The kind a single folded word names, directly or as the last part of a compound."""
    if word in _KIND_OF_WORD:
        return _KIND_OF_WORD[word]
    heads = [head for head in _KIND_OF_WORD if len(head) >= _MIN_COMPOUND_HEAD and word.endswith(head)]
    return _KIND_OF_WORD[max(heads, key=len)] if heads else None
