"""A pair's score (0..1) and the reasons a person reads beside it.

The score is mostly how alike the names are (rapidfuzz, on the names without legal forms) and partly
what else the two share: website domain, phone, e-mail domain, postal code, street. What they state
differently pulls it down. Two different valid Business IDs, or two different stated legal forms,
make two legal entities (SPEC §5): such a pair gets no score at all.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from crm.dedupe.blocking import Company, Contact, postal_near
from crm.domain.names import fold
from crm.domain.legal_forms import forms_conflict
from crm.domain.problems import Message, rule_message

# Measured on tests/test_dedupe.py's look-alikes (bench/dedupe_bench.py --scorers prints the table):
# token_sort_ratio keeps word order out of it without calling 'Aurinko' and 'Aurinko Rakennus' equal,
# as token_set_ratio and WRatio do.
SCORER = fuzz.token_sort_ratio


def likeness(first: str, second: str, scorer=SCORER) -> float:
    """How alike two company names are, 0..1: the token scorer, or the plain ratio of the names
    without spaces when a typo ran two words together ('Lyju Auto', 'LyjuoAuto')."""
    return max(scorer(first, second), fuzz.ratio(first.replace(" ", ""), second.replace(" ", ""))) / 100
NAME_WEIGHT = 0.7
THRESHOLD = 0.7  # companies: one name, or names ~90 % alike in one postal code, or less with a website
CONTACT_THRESHOLD = 0.6
CONTACT_NAME_WEIGHT = 0.6

Scored = tuple[float, list[Message]]


def allowed(first: Company, second: Company) -> bool:
    """False for two legal entities: two different Business IDs, or two different legal forms."""
    if first.business_id and second.business_id and first.business_id != second.business_id:
        return False
    return not forms_conflict(first.form, second.form)


def name_reason(first: str, second: str, similarity: float) -> Message:
    if first == second:
        return rule_message("same name without its legal form")
    if sorted(first.split()) == sorted(second.split()):
        return rule_message("same words in another order")
    return rule_message("names %(percent)d %% alike", percent=int(similarity * 100))


def score_companies(first: Company, second: Company, similarity: float | None = None, *,
                    explain: bool = True) -> Scored | None:
    """The pair's score and (explain) reasons, or None when the two cannot be one company.

    Names weigh most; a shared website, phone or e-mail domain is strong support (one company's
    own), a shared postal code weak (a busy code holds thousands of companies)."""
    if not allowed(first, second):
        return None
    if similarity is None:
        similarity = likeness(first.stem, second.stem)
    reasons = [name_reason(first.stem, second.stem, similarity)] if explain else []
    support = 0.0
    penalty = 0.0
    if first.domain and second.domain:
        if first.domain == second.domain:
            support += 1.0
            explain and reasons.append(rule_message("same website domain"))
        else:
            penalty += 0.15
            explain and reasons.append(rule_message("different websites"))
    if first.phones and second.phones and set(first.phones) & set(second.phones):
        support += 1.0
        explain and reasons.append(rule_message("same phone number"))
    if first.mail_domains and second.mail_domains and set(first.mail_domains) & set(second.mail_domains):
        support += 0.8
        explain and reasons.append(rule_message("same e-mail domain"))
    postal_a, postal_b = first.postal_code, second.postal_code
    if postal_a and postal_b:
        if postal_a == postal_b:
            support += 0.25
            explain and reasons.append(rule_message("same postal code"))
        elif postal_near(postal_a, postal_b):
            support += 0.15
            explain and reasons.append(rule_message("postal codes one typo apart"))
        else:
            penalty += 0.15
            explain and reasons.append(rule_message("different postal codes"))
    if first.street_key and first.street_key == second.street_key:
        support += 0.4
        explain and reasons.append(rule_message("same street address"))
    if explain and bool(first.business_id) != bool(second.business_id):
        reasons.append(rule_message("only one has a Business ID"))
    score = NAME_WEIGHT * similarity + (1 - NAME_WEIGHT) * min(1.0, support) - penalty
    return round(max(0.0, min(1.0, score)), 3), reasons


def score_contacts(first: Contact, second: Contact, similarity: float | None = None) -> Scored:
    if first.person and second.person:
        if similarity is None:
            similarity = SCORER(first.person, second.person) / 100
        if first.tokens == second.tokens:
            reasons = [rule_message("same name") if first.person == second.person
                       else rule_message("same names in another order")]
        else:
            reasons = [rule_message("names %(percent)d %% alike", percent=int(similarity * 100))]
    else:
        similarity, reasons = 0.5, []
    support = 0.0
    penalty = 0.0
    if first.tokens != second.tokens and _other_first_names(first.first_name, second.first_name):
        penalty += 0.2
        reasons.append(rule_message("different first names"))
    if first.mailbox and first.mailbox == second.mailbox:
        support += 1.0
        reasons.append(rule_message("same e-mail address"))
    elif first.local and first.local.replace(".", "") == second.local.replace(".", ""):
        support += 0.5
        reasons.append(rule_message("same e-mail name at another domain"))
    elif first.mail_domain and first.mail_domain == second.mail_domain:
        support += 0.2
        reasons.append(rule_message("same e-mail domain"))
    if first.phone and second.phone:
        if first.phone == second.phone:
            support += 0.6
            reasons.append(rule_message("same phone number"))
        else:
            penalty += 0.1
            reasons.append(rule_message("different phone numbers"))
    if set(first.companies) & set(second.companies):
        support += 0.5
        reasons.append(rule_message("at the same company"))
    score = CONTACT_NAME_WEIGHT * similarity + (1 - CONTACT_NAME_WEIGHT) * min(1.0, support) - penalty
    return round(max(0.0, min(1.0, score)), 3), reasons


def _other_first_names(first: str, second: str) -> bool:
    """'Jukka' and 'Jaana' are two people; 'Jukka' and 'J.' or 'Jukka-Pekka' may be one."""
    a, b = fold(first or ""), fold(second or "")
    if not a or not b:
        return False
    if a.startswith(b) or b.startswith(a) or (len(a) == 1 or len(b) == 1) and a[0] == b[0]:
        return False
    return fuzz.ratio(a, b) < 75
