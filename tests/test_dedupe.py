"""The duplicate finder (crm/dedupe/, pure): every kind of variation found, two legal entities never
proposed, precision and recall on the hand-built look-alikes (tests/dedupe_lookalikes.py)."""

from __future__ import annotations

import itertools

import pytest
from dedupe_lookalikes import (
    COMPANIES,
    FORBIDDEN,
    companies,
    contacts,
    precision_recall,
    truth,
)

from crm.dedupe.blocking import Company, Contact, mailbox, name_stem, plain, postal_near, web_domain
from crm.dedupe.candidates import company_candidates, contact_candidates


def _found(candidates) -> set[tuple[int, int]]:
    return {tuple(candidate.ids) for candidate in candidates}


def test_every_kind_of_variation_is_found_and_nothing_else():
    labelled = companies()
    found = _found(company_candidates([record for _, record in labelled]))
    expected = truth(labelled)
    missing = {(COMPANIES[a - 1][1]["name"], COMPANIES[b - 1][1]["name"]) for a, b in expected - found}
    extra = {(COMPANIES[a - 1][1]["name"], COMPANIES[b - 1][1]["name"]) for a, b in found - expected}
    assert not missing and not extra
    assert precision_recall(found, expected) == (1.0, 1.0)


def test_two_legal_entities_are_never_proposed_whatever_else_they_share():
    labelled = companies()
    ids = {label: [record.id for l, record in labelled if l == label] for label, _ in labelled}
    found = _found(company_candidates([record for _, record in labelled], threshold=0.0))
    for first, second in FORBIDDEN:
        for a, b in itertools.product(ids[first], ids[second]):
            assert (min(a, b), max(a, b)) not in found, (first, second)
    # the same name, street, website and phone: still two companies when both IDs are given
    twins = [Company(id=1, name="Kone Oyj", business_id="1927400-1", postal_code="02150", website="kone.fi",
                     phones=("+358204751",), street="Keilasatama 3"),
             Company(id=2, name="KONE OYJ", business_id="2900003-9", postal_code="02150", website="kone.fi",
                     phones=("+358204751",), street="Keilasatama 3"),
             Company(id=3, name="Kone", postal_code="02150", website="www.kone.fi")]
    assert _found(company_candidates(twins, threshold=0.0)) == {(1, 3), (2, 3)}


def test_candidates_come_most_likely_first_with_reasons():
    found = company_candidates([record for _, record in companies()])
    scores = [candidate.score for candidate in found]
    assert scores == sorted(scores, reverse=True) and all(0 <= score <= 1 for score in scores)
    reasons = {str(reason) for candidate in found for reason in candidate.reasons}
    assert {"same website domain", "same phone number", "same e-mail domain", "same postal code",
            "postal codes one typo apart", "same words in another order", "only one has a Business ID",
            "same name without its legal form"} <= reasons
    assert any(str(reason).startswith("names ") and "% alike" in str(reason) for c in found for reason in c.reasons)
    widgets = next(c for c in found if c.names == ("Nordic Widgets Oy", "Nordic Widgets Finland"))
    assert widgets.as_dict() == {"ids": list(widgets.ids), "names": ["Nordic Widgets Oy", "Nordic Widgets Finland"],
                                 "business_ids": [None, None], "score": widgets.score,
                                 "reasons": [str(reason) for reason in widgets.reasons]}


def test_contacts_by_email_then_name_and_company():
    labelled = contacts()
    found = _found(contact_candidates([record for _, record in labelled]))
    expected = truth(labelled)
    assert found == expected
    assert precision_recall(found, expected) == (1.0, 1.0)


@pytest.mark.parametrize("website, domain", [
    ("https://www.Example.fi:443/yhteystiedot?x=1", "example.fi"),
    ("WWW.EXAMPLE.FI", "example.fi"),
    ("http://user@example.fi/", "example.fi"),
    ("https://facebook.com/pikkukahvila", ""),
    ("sites.google.com/view/firma", ""),
    ("localhost", ""),
    ("", ""),
    ("'; DROP TABLE company; --", ""),
])
def test_website_domain(website, domain):
    assert web_domain(website) == domain


def test_names_postal_codes_and_mailboxes():
    assert name_stem("Oy Virtanen & Poika Ab") == name_stem("VIRTANEN JA POIKA") == "virtanen poika"
    assert name_stem("Oy Ab") == "oy ab"  # a name that is only legal-form words keeps them
    assert name_stem("Ääkkönen Osakeyhtiö") == "aakkonen"
    assert postal_near("02150", "02150") and postal_near("02150", "02160") and postal_near("02150", "02510")
    assert not postal_near("02150", "00180") and not postal_near("02150", "") and not postal_near("0215", "02150")
    assert mailbox("Matti.M+crm@Firma.fi") == ("matti.m@firma.fi", "matti.m")
    assert mailbox("not an address") == ("", "")


def test_the_quick_name_key_is_the_domain_one():
    from crm.dedupe.blocking import _name_key
    from crm.domain.legal_forms import legal_form
    from crm.domain.names import name_key

    names = [fields["name"] for _, fields in COMPANIES] + [
        "O.Y. Ääkkönen Å.B.", "Café Élysée Oy", "Straße GmbH", "ÖLJY-ÄIJÄT OY", "Ab Öb", "İstanbul Kebab",
        "Oy", "", "  ", "Tmi Jääskeläinen", "Åbo Akademi rf", "Ödön & Åke Kb", "x" * 400 + "ä"]
    for name in names:
        assert _name_key(name) == (name_key(name) or ""), name
        assert legal_form("", plain(name)) == legal_form("", name), name


def test_hostile_and_empty_records_give_no_pairs_and_no_errors():
    records = [Company(id=1, name=""), Company(id=2, name="   "), Company(id=3, name="\x00\ufeff"),
               Company(id=4, name="' OR 1=1 --"), Company(id=5, name="' OR 1=1 --", postal_code="<script>"),
               Company(id=6, name="𝔘𝔫𝔦𝔠𝔬𝔡𝔢 Oy"), Company(id=7, name="Unicode")]
    found = _found(company_candidates(records))
    assert (4, 5) in found and (6, 7) in found and not {(1, 2), (1, 3), (2, 3)} & found
    assert contact_candidates([Contact(id=1), Contact(id=2), Contact(id=3, email="@")]) == []
    assert company_candidates([]) == [] and contact_candidates([]) == []
