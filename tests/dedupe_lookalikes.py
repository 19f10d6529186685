"""Hand-built look-alikes for the duplicate finder: each kind of variation a department's spreadsheet
makes, records that only look alike, and pairs that must never be proposed (SPEC §5, §10).

GROUPS: records with the same label are one company (or person); a label used once is alone.
FORBIDDEN: pairs that are two legal entities whatever their names say.
"""

from __future__ import annotations

from crm.dedupe.blocking import Company, Contact

COMPANIES: list[tuple[str, dict]] = [
    # legal form written or not, and Swedish for the same form
    ("pollosoft", dict(name="Pöllösoft Oy", postal_code="02150", city="Espoo")),
    ("pollosoft", dict(name="Pöllösoft", postal_code="02150")),
    ("fazer", dict(name="Oy Karl Fazer Ab", postal_code="00941", city="Helsinki")),
    ("fazer", dict(name="Karl Fazer Oy", postal_code="00941")),
    # case and diacritics
    ("aija", dict(name="KAHVILA ÄIJÄ", postal_code="02600")),
    ("aija", dict(name="Kahvila Aija Oy", postal_code="02600", street="Leppävaarankatu 3")),
    # '&' for 'ja'
    ("virtanen", dict(name="Virtanen & Poika Oy", postal_code="02230")),
    ("virtanen", dict(name="Virtanen ja Poika Oy", postal_code="02230")),
    # words in another order
    ("rakennus", dict(name="Rakennus Laaksonen Oy", postal_code="02770", city="Espoo")),
    ("rakennus", dict(name="Laaksonen Rakennus", postal_code="02770")),
    # a typo in the postal code
    ("leipomo", dict(name="Tapiolan Leipomo Oy", postal_code="02100")),
    ("leipomo", dict(name="Tapiolan Leipomo Oy", postal_code="02010")),
    # a typo in the name, same postal code
    ("kivikko", dict(name="Kivikko Consulting Oy", postal_code="02180")),
    ("kivikko", dict(name="Kivikko Consultig Oy", postal_code="02180")),
    # a compound word written apart
    ("konehuolto", dict(name="Espoon Konehuolto Oy", postal_code="02920")),
    ("konehuolto", dict(name="Espoon Kone Huolto", postal_code="02920")),
    # the same website written three ways
    ("widgets", dict(name="Nordic Widgets Oy", website="https://www.nordicwidgets.fi/yhteystiedot")),
    ("widgets", dict(name="Nordic Widgets Finland", website="nordicwidgets.fi")),
    # the same phone, another wording
    ("putki", dict(name="Espoon Putkityö Oy", phones=("+358401234567",))),
    ("putki", dict(name="Putkityö Espoo", phones=("+358401234567",), postal_code="02200")),
    # the same e-mail domain
    ("lumo", dict(name="Lumo Design Oy", emails=("info@lumodesign.fi",))),
    ("lumo", dict(name="Lumo Design Studio", emails=("anna@lumodesign.fi",), postal_code="02150")),
    # one with a Business ID, one without
    ("supercell", dict(name="Supercell Oy", business_id="2336509-6", postal_code="00180")),
    ("supercell", dict(name="SUPERCELL", postal_code="00180")),
    # look alike, are not alike: different words in one postal area, a common word, a chain elsewhere
    ("kukka", dict(name="Espoon Kukka Oy", postal_code="02100")),
    ("kello", dict(name="Espoon Kello Oy", postal_code="02100")),
    ("aurinko", dict(name="Aurinko Oy", postal_code="02320")),
    ("aurinkoranta", dict(name="Aurinkoranta Rakennus Oy", postal_code="02320")),
    ("aurinko-rakennus", dict(name="Aurinko Rakennus Oy", postal_code="02320")),  # one word more: another firm
    ("kahvila-aurinko", dict(name="Kahvila Aurinko", postal_code="02320")),
    ("kmarket-tapiola", dict(name="K-Market Tapiola", postal_code="02100")),
    ("kmarket-leppavaara", dict(name="K-Market Leppävaara", postal_code="02600")),
    ("gmail-a", dict(name="Mattila Tmi", emails=("mattila@gmail.com",), postal_code="02940")),
    ("gmail-b", dict(name="Koivisto Tmi", emails=("koivisto@gmail.com",), postal_code="02940")),
    ("fb-a", dict(name="Pikkukahvila", website="https://facebook.com/pikkukahvila")),
    ("fb-b", dict(name="Isokahvila", website="https://www.facebook.com/isokahvila")),
    # forbidden: the same name with two different valid Business IDs; Ky and Oy of one name
    ("nokia-1", dict(name="Nokia Oyj", business_id="0112038-9", postal_code="02610")),
    ("nokia-2", dict(name="Nokia Oyj", business_id="2900001-2", postal_code="02610")),
    ("tulikukka-ky", dict(name="Tulikukka Ky", postal_code="02230")),
    ("tulikukka-oy", dict(name="Tulikukka Oy", postal_code="02230")),
    ("tulikukka-oy", dict(name="Tulikukka", postal_code="02230", company_form="osakeyhtiö")),
    ("halla-ky", dict(name="Halla", company_form="Kommandiittiyhtiö", website="halla.fi")),
    ("halla-oy", dict(name="Halla Oy", website="www.halla.fi")),
]

FORBIDDEN = [("nokia-1", "nokia-2"), ("tulikukka-ky", "tulikukka-oy"), ("halla-ky", "halla-oy")]

CONTACTS: list[tuple[str, dict]] = [
    # e-mail with a +tag, the name written as is
    ("matti", dict(first_name="Matti", last_name="Meikäläinen", email="matti.meikalainen@firma.fi", companies=(1,))),
    ("matti", dict(first_name="Matti", last_name="Meikalainen", email="matti.meikalainen+crm@firma.fi")),
    # the same mailbox at another domain
    ("liisa", dict(first_name="Liisa", last_name="Virtanen", email="liisa.virtanen@vanha.fi")),
    ("liisa", dict(first_name="Liisa", last_name="Virtanen", email="liisa.virtanen@uusi.fi")),
    # first and last name swapped, at one company
    ("anna", dict(first_name="Korhonen", last_name="Anna", companies=(2,))),
    ("anna", dict(first_name="Anna", last_name="Korhonen", companies=(2,), phone="+358501112233")),
    # a typo in the name, at one company
    ("pekka", dict(first_name="Pekka", last_name="Nieminen", companies=(3,))),
    ("pekka", dict(first_name="Pekka", last_name="Niemine", companies=(3,))),
    # the same phone
    ("sari", dict(first_name="Sari", last_name="Lahtinen", phone="+358401234000")),
    ("sari", dict(first_name="Sari", last_name="Lahtinen-Koski", phone="+358401234000")),
    # not the same: two people at one company with one surname, two info@ mailboxes
    ("jukka", dict(first_name="Jukka", last_name="Mäkinen", companies=(4,))),
    ("jaana", dict(first_name="Jaana", last_name="Mäkinen", companies=(4,))),
    ("info-a", dict(first_name="Eeva", last_name="Salo", email="info@salo.fi")),
    ("info-b", dict(first_name="Timo", last_name="Aalto", email="info@aalto.fi")),
]


def companies() -> list[tuple[str, Company]]:
    return [(label, Company(id=index, **fields)) for index, (label, fields) in enumerate(COMPANIES, 1)]


def contacts() -> list[tuple[str, Contact]]:
    return [(label, Contact(id=index, **fields)) for index, (label, fields) in enumerate(CONTACTS, 1)]


def truth(labelled: list[tuple[str, object]]) -> set[tuple[int, int]]:
    by_label: dict[str, list[int]] = {}
    for label, record in labelled:
        by_label.setdefault(label, []).append(record.id)
    return {(a, b) for ids in by_label.values() for a in ids for b in ids if a < b}


def precision_recall(found: set[tuple[int, int]], expected: set[tuple[int, int]]) -> tuple[float, float]:
    hits = len(found & expected)
    return (hits / len(found) if found else 1.0), (hits / len(expected) if expected else 1.0)
