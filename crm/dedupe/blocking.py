"""What a record is compared by, and the blocking keys that decide which records are compared at all.

Two records are scored only when they share a key, so the pairs stay near linear in the records:
- the name folded (case, diacritics, punctuation) and without its legal form or 'ja'/'och'/'and'/'&',
  its words in any order;
- a word's start within a postal area (the code's first three digits: a typo in the last two, or a
  neighbouring code, still meets);
- the website's domain (scheme, www., port and path dropped), a phone in E.164, an e-mail domain
  (the big free mail services are no sign of one company).
Contacts: the e-mail address (a +tag dropped), its local part, the phone, the name at a shared company.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from crm.domain.legal_forms import legal_form
from crm.domain.names import LEGAL_FORMS, NAME_KEY_LENGTH, fold, name_key

# Words that name a legal form (names.LEGAL_FORMS has the short ones) and words joining names.
FORM_WORDS = frozenset(
    "oy oyj ab abp ky kb tmi ay ob osk anl ry rf sr ltd limited inc gmbh plc llc "
    "osakeyhtio aktiebolag kommandiittiyhtio kommanditbolag toiminimi osuuskunta andelslag saatio stiftelse".split()
)
JOINING_WORDS = frozenset({"ja", "och", "and", "et", "und"})
FREE_MAIL = frozenset(
    "gmail.com googlemail.com hotmail.com hotmail.fi outlook.com outlook.fi live.com live.fi msn.com yahoo.com "
    "yahoo.fi icloud.com me.com mac.com aol.com protonmail.com proton.me gmx.com gmx.net luukku.com suomi24.fi "
    "kolumbus.fi elisanet.fi welho.com saunalahti.fi netti.fi pp.inet.fi dnainternet.net mail.com".split()
)
# Sites that host many companies' pages: their domain says nothing about which company.
SHARED_SITES = frozenset(
    "facebook.com instagram.com linkedin.com google.com sites.google.com wixsite.com wix.com blogspot.com "
    "wordpress.com yritys.fi finder.fi fonecta.fi x.com twitter.com youtube.com tiktok.com".split()
)
GENERIC_MAILBOXES = frozenset(
    "info toimisto office myynti sales asiakaspalvelu contact kirjaamo posti mail hello hei admin support "
    "tuki laskutus invoice billing yhteys yhteystiedot kontakt".split()
)
PREFIX = 4  # letters of a word that meet within a postal area
PREFIX_WORDS = 2  # the name's rarest words that give such keys
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


@dataclass(slots=True)
class Company:
    """A company as the finder sees it; phones and e-mail domains are its contacts'."""

    id: int
    name: str
    business_id: str | None = None
    company_form: str = ""
    postal_code: str = ""
    street: str = ""
    city: str = ""
    website: str = ""
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    # filled by prepare()
    stem: str = ""
    tokens: str = ""
    form: str | None = None
    domain: str = ""
    mail_domains: tuple[str, ...] = ()
    street_key: str = ""


@dataclass(slots=True)
class Contact:
    id: int
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    companies: tuple[int, ...] = ()
    # filled by prepare()
    person: str = ""
    tokens: str = ""
    mailbox: str = ""
    local: str = ""
    mail_domain: str = ""
    extra: dict = field(default_factory=dict)


# Letters Finnish and Swedish names carry, without their marks: what names.fold makes of them, at a
# fraction of the cost (a name holding any other letter takes fold's way).
_NORDIC = str.maketrans("äöåüéèáàëïÄÖÅÜÉÈÁÀËÏ", "aoaueeaaeiAOAUEEAAEI")
_DOTTED = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_])+(?!\w)")  # o.y. -> oy, as names.name_key
_NOT_ALNUM = re.compile(r"[\W_]+")


def plain(text: str) -> str:
    """The text with its Nordic letters' marks dropped (ASCII when it held no other non-ASCII letter)."""
    return text if text.isascii() else text.translate(_NORDIC)


def _name_key(name: str) -> str:
    """names.name_key(name), quicker for a name that is ASCII once its Nordic marks are dropped."""
    text = plain(name)
    if not text.isascii():
        return name_key(name) or ""
    if "." in text:
        text = _DOTTED.sub(lambda match: match[0].replace(".", ""), text)
    words = _NOT_ALNUM.sub(" ", text.lower()).split()
    kept = [word for word in words if word not in LEGAL_FORMS] or words
    return " ".join(kept)[:NAME_KEY_LENGTH]


def name_stem(name: str) -> str:
    """'Virtanen & Poika Oy', 'VIRTANEN JA POIKA' and 'Oy Virtanen ja Poika Ab' give 'virtanen poika'."""
    key = _name_key(name)
    words = [word for word in key.split() if word not in FORM_WORDS and word not in JOINING_WORDS]
    return " ".join(words) or key


def web_domain(website: str | None) -> str:
    """'https://www.Example.fi:443/yhteystiedot' -> 'example.fi'; '' for none or a shared site."""
    text = (website or "").strip().lower()
    if not text:
        return ""
    text = _SCHEME.sub("", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    text = text.strip(".")
    if text.startswith("www."):
        text = text[4:]
    if "." not in text or text in SHARED_SITES or any(text.endswith("." + site) for site in SHARED_SITES):
        return ""
    return text


def mail_domain(email: str | None) -> str:
    """The domain of an address unless it is a free mail service's."""
    _, at, domain = (email or "").strip().lower().rpartition("@")
    return domain if at and domain and domain not in FREE_MAIL else ""


def mailbox(email: str | None) -> tuple[str, str]:
    """(address without a +tag, its local part): 'Matti.M+crm@x.fi' -> ('matti.m@x.fi', 'matti.m')."""
    local, at, domain = (email or "").strip().lower().rpartition("@")
    if not at or not local:
        return "", ""
    local = local.split("+", 1)[0]
    return f"{local}@{domain}", local


def postal_near(first: str, second: str) -> bool:
    """The same code, or one typo apart: a digit wrong or two neighbouring digits swapped."""
    if not first or not second or len(first) != len(second):
        return False
    wrong = [index for index, (a, b) in enumerate(zip(first, second)) if a != b]
    if len(wrong) <= 1:
        return True
    return (len(wrong) == 2 and wrong[1] == wrong[0] + 1
            and first[wrong[0]] == second[wrong[1]] and first[wrong[1]] == second[wrong[0]])


def prepare_company(company: Company) -> Company:
    company.postal_code = (company.postal_code or "").strip()
    company.stem = name_stem(company.name)
    company.tokens = " ".join(sorted(company.stem.split()))
    company.form = legal_form(company.company_form, plain(company.name))
    company.domain = web_domain(company.website)
    company.mail_domains = tuple(sorted({domain for email in company.emails if (domain := mail_domain(email))}))
    company.street_key = fold(company.street) if company.street else ""
    return company


def company_keys(company: Company, frequency: Mapping[str, int] | None = None) -> list[str]:
    """The company's keys; `frequency` (word -> how many names hold it) picks its rarest words for
    the postal-area keys, so 'Oy Kivikko Consulting' meets by 'kivi', not by 'cons'."""
    keys = []
    if company.stem:
        keys.append("t" + company.tokens)  # the same words in any order (an equal name among them)
        postal = company.postal_code
        if len(postal) >= 3:
            words = {word for word in company.stem.split() if len(word) >= 3}
            rank = (lambda w: (frequency.get(w, 0), -len(w), w)) if frequency else (lambda w: (-len(w), w))
            keys += [f"p{postal[:3]}:{word[:PREFIX]}" for word in sorted(words, key=rank)[:PREFIX_WORDS]]
    if company.domain:
        keys.append("w" + company.domain)
    keys += ["f" + phone for phone in company.phones if phone]
    keys += ["e" + domain for domain in company.mail_domains]
    return keys


def prepare_contact(contact: Contact) -> Contact:
    contact.person = " ".join(fold(part) for part in (contact.first_name, contact.last_name) if part).strip()
    contact.tokens = " ".join(sorted(contact.person.split()))
    contact.mailbox, contact.local = mailbox(contact.email)
    contact.mail_domain = mail_domain(contact.email)
    return contact


def contact_keys(contact: Contact) -> list[str]:
    keys = []
    if contact.mailbox:
        keys.append("m" + contact.mailbox)
        local = contact.local.replace(".", "").replace("_", "").replace("-", "")
        if len(local) >= 5 and contact.local not in GENERIC_MAILBOXES:
            keys.append("l" + local)
    if contact.phone:
        keys.append("f" + contact.phone)
    words = contact.tokens.split()
    if words:
        surname = fold(contact.last_name).replace(" ", "")[:PREFIX] if contact.last_name else words[-1][:PREFIX]
        for company in contact.companies:
            keys.append(f"c{company}:{contact.tokens}")
            keys.append(f"s{company}:{surname}")
        if contact.mail_domain:
            keys.append(f"d{contact.mail_domain}:{surname}")
    return keys
