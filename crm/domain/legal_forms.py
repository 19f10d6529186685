"""Finnish legal forms: one code per form, whichever language or spelling names it.

The legal form is part of a company name's identity (SPEC §5): 'Tulikukka Ky' and 'Tulikukka Oy' are
two companies, 'Pöllösoft' and 'Pöllösoft Oy' can be one. 'Oy' and 'Ab' are the same form in Finnish
and Swedish, as are Ky/Kb, Oyj/Abp, Ay/Öb, Osk/Anl and Ry/Rf.
"""

from __future__ import annotations

from crm.domain.names import fold

# Folded word (or words) -> form code. A name's last word names its form ('Nokia Oyj'); so may its first
# ('Oy Karl Fazer Ab' gives 'oy': both words mean the same form).
_WORDS = {
    "oy": "oy", "ab": "oy", "osakeyhtio": "oy", "aktiebolag": "oy", "ltd": "oy", "limited": "oy",
    "oyj": "oyj", "abp": "oyj", "julkinen osakeyhtio": "oyj", "publikt aktiebolag": "oyj", "plc": "oyj",
    "ky": "ky", "kb": "ky", "kommandiittiyhtio": "ky", "kommanditbolag": "ky",
    "ay": "ay", "ob": "ay", "avoin yhtio": "ay", "oppet bolag": "ay",
    "tmi": "tmi", "toiminimi": "tmi", "yksityinen elinkeinonharjoittaja": "tmi", "enskild naringsidkare": "tmi",
    "osk": "osk", "anl": "osk", "osuuskunta": "osk", "andelslag": "osk",
    "ry": "ry", "rf": "ry", "yhdistys": "ry", "rekisteroity yhdistys": "ry", "registrerad forening": "ry",
    "saatio": "sr", "sr": "sr", "stiftelse": "sr",
}
_LONGEST = max(len(words.split()) for words in _WORDS)


def legal_form(company_form: str | None, name: str | None = None) -> str | None:
    """The form code a record states: its company form field if that names one, else its name's ending."""
    for text, ends in ((company_form, False), (name, True)):
        if not text:
            continue
        words = fold(text.replace(".", "")).split()
        if not ends:
            code = _WORDS.get(" ".join(words))
            if code:
                return code
            continue
        for size in range(min(_LONGEST, len(words) - 1), 0, -1):  # the name itself is never the form
            code = _WORDS.get(" ".join(words[-size:])) or _WORDS.get(" ".join(words[:size]))
            if code:
                return code
    return None


def forms_conflict(first: str | None, second: str | None) -> bool:
    """Two stated forms that differ mean two legal entities; a missing form conflicts with none."""
    return first is not None and second is not None and first != second
