"""Headers to fields, from a Finnish, Swedish and English vocabulary (any case, with or without
diacritics). A mapping profile ({"header as written": "field" or null}) overrides the guess."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping

from crm.domain.problems import N_, Message, rule_message

KINDS = ("companies", "contacts", "interactions")

# field -> header words. Shared by the kinds that have the field.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "business_id": (
        "Y-tunnus", "Ytunnus", "Y-tunnus/ALV-nro", "LY-tunnus", "Yritystunnus", "ALV-numero",
        "FO-nummer", "FO-nr", "Företags- och organisationsnummer", "Organisationsnummer",
        "Business ID", "Business Identity Code", "VAT", "VAT number", "Company ID",
    ),
    "name": ("Yritys", "Yrityksen nimi", "Nimi", "Toiminimi", "Asiakas", "Organisaatio", "Företag",
             "Företagets namn", "Namn", "Firma", "Company", "Company name", "Name", "Organisation", "Organization"),
    "company_name": ("Yritys", "Yrityksen nimi", "Asiakas", "Organisaatio", "Toiminimi", "Företag",
                     "Företagets namn", "Firma", "Company", "Company name", "Organisation", "Organization"),
    "other_names": ("Rinnakkaisnimi", "Muut nimet", "Aputoiminimi", "Parallellnamn", "Bifirma", "Other names",
                    "Parallel name", "Trade name"),
    "company_form": ("Yritysmuoto", "Yhtiömuoto", "Oikeudellinen muoto", "Bolagsform", "Företagsform",
                     "Company form", "Legal form"),
    "industry_code": ("Toimiala", "TOL", "Toimialakoodi", "Päätoimiala", "TOL-koodi", "Bransch", "Näringsgren",
                      "Branschkod", "Industry", "Industry code", "NACE",
                      # the company register's (YTJ) field names: mainBusinessLine(Type) is the TOL code
                      "mainBusinessLineType", "mainBusinessLine", "mainBusinessLineCode"),
    "industry_classification": ("Toimialaluokitus", "TOL-luokitus", "Luokitus", "Näringsgrensindelning",
                                "Industry classification", "Classification",
                                "mainBusinessLineTypeCodeSet", "typeCodeSet", "mainBusinessLineCodeSet"),
    "size_class": ("Henkilöstöluokka", "Henkilöstö", "Kokoluokka", "Henkilöstömäärä", "Storleksklass",
                   "Personal", "Size", "Size class", "Employees"),
    "website": ("Verkkosivu", "Verkkosivut", "Kotisivu", "Kotisivut", "www", "Webbplats", "Hemsida", "Website",
                "Web", "Homepage", "URL"),
    "street": ("Osoite", "Katuosoite", "Käyntiosoite", "Postiosoite", "Lähiosoite", "Adress", "Gatuadress",
               "Besöksadress", "Postadress", "Address", "Street address", "Street"),
    "postal_code": ("Postinumero", "Postinro", "Pnro", "Postnummer", "Postal code", "Postcode", "ZIP", "ZIP code",
                    "postCode"),
    "city": ("Postitoimipaikka", "Kaupunki", "Paikkakunta", "Kotipaikka", "Kunta", "Postanstalt", "Stad", "Ort",
             "Hemort", "Kommun", "City", "Town", "Municipality"),
    "municipality_code": ("Kuntakoodi", "Kuntanumero", "Kommunkod", "Municipality code"),
    "country": ("Maa", "Land", "Country"),
    "status": ("Tila", "Toiminnan tila", "Status", "Company status"),
    "responsible_advisor": ("Vastuuhenkilö", "Yhteyshenkilö (kaupunki)", "Vastuuneuvoja", "Ansvarsperson",
                            "Owner", "Account owner", "Responsible advisor"),
    "programmes": ("Ohjelmat", "Ohjelma", "Hanke", "Hankkeet", "Program", "Programmes", "Programme",
                   "Programs", "Projects", "Project"),
    "first_name": ("Etunimi", "Etunimet", "Förnamn", "First name", "Given name"),
    "last_name": ("Sukunimi", "Efternamn", "Last name", "Surname", "Family name"),
    "full_name": ("Yhteyshenkilö", "Kontaktihenkilö", "Henkilö", "Nimi", "Kontaktperson", "Namn",
                  "Contact person", "Contact", "Name", "Full name"),
    "email": ("Sähköposti", "Sähköpostiosoite", "S-posti", "Email", "E-post", "E-postadress", "E-mail",
              "E-mail address"),
    "phone": ("Puhelin", "Puhelinnumero", "Puh.", "Puh", "Matkapuhelin", "GSM", "Telefon", "Mobil",
              "Telefonnummer", "Phone", "Mobile", "Phone number", "Tel"),
    "title": ("Titteli", "Tehtävänimike", "Asema", "Nimike", "Titel", "Befattning", "Title", "Job title", "Position"),
    "language": ("Kieli", "Asiointikieli", "Språk", "Language"),
    "role": ("Rooli", "Rooli yrityksessä", "Roll", "Role"),
    "start_date": ("Alkaen", "Alkupäivä", "Rooli alkaen", "Från", "Startdatum", "Start date", "From", "Since"),
    "end_date": ("Päättyen", "Loppupäivä", "Asti", "Till", "Slutdatum", "End date", "Until"),
    "date": ("Päivämäärä", "Pvm", "Tapaamispäivä", "Yhteydenottopäivä", "Päivä", "Datum", "Date", "Meeting date"),
    "kind": ("Kontaktin tyyppi", "Yhteydenoton tyyppi", "Yhteydenottotapa", "Kanava", "Tapaamisen tyyppi",
             "Tyyppi", "Laji", "Kontakttyp", "Kanal", "Typ", "Contact type", "Type", "Channel", "Kind"),
    "subject": ("Aihe", "Otsikko", "Asia", "Ämne", "Rubrik", "Subject", "Topic", "Title of meeting"),
    "notes": ("Muistiinpanot", "Lisätiedot", "Kommentit", "Huomiot", "Kuvaus", "Muistio", "Anteckningar",
              "Tilläggsuppgifter", "Kommentarer", "Beskrivning", "Huomautukset", "Notes", "Comments", "Description",
              "Additional information"),
    "contact_email": ("Yhteyshenkilön sähköposti", "Yhteyshenkilö sähköposti", "Kontaktpersonens e-post",
                      "Contact email", "Contact e-mail", "Contact person email"),
    "advisor": ("Neuvoja", "Asiantuntija", "Käsittelijä", "Vastuuhenkilö", "Kirjaaja", "Rådgivare",
                "Handläggare", "Ansvarsperson", "Advisor", "Adviser", "Staff", "Owner", "Logged by"),
    "department": ("Yksikkö", "Palvelualue", "Osasto", "Enhet", "Avdelning", "Unit", "Department"),
    "follow_up_date": ("Seurantapäivä", "Seuranta", "Jatkotoimenpide pvm", "Uppföljningsdatum", "Uppföljning",
                       "Follow-up date", "Follow up", "Follow-up"),
    "follow_up_done": ("Seuranta tehty", "Seuranta valmis", "Hoidettu", "Uppföljning klar", "Uppföljning gjord",
                       "Follow-up done", "Done"),
    "confidential": ("Luottamuksellinen", "Salassa pidettävä", "Salainen", "Konfidentiell", "Sekretess",
                     "Confidential", "Secret"),
}

FIELDS: dict[str, tuple[str, ...]] = {
    "companies": (
        "business_id", "name", "other_names", "company_form", "industry_code", "industry_classification",
        "size_class", "website", "street", "postal_code", "city", "municipality_code", "country", "status",
        "responsible_advisor", "programmes", "notes",
    ),
    "contacts": (
        "first_name", "last_name", "full_name", "email", "phone", "title", "language",
        "business_id", "company_name", "role", "start_date", "end_date",
    ),
    "interactions": (
        "date", "business_id", "company_name", "kind", "subject", "notes", "contact_email", "advisor",
        "department", "follow_up_date", "follow_up_done", "programmes", "confidential",
    ),
}

# Headers that win their field over another header of the file that names it too: the register's
# mainBusinessLineType is the code, where its mainBusinessLine may hold the code's description.
PREFERRED = {"mainbusinesslinetype": "industry_code"}

# A file without at least one of these cannot make a single record of its kind.
REQUIRED_ANY: dict[str, tuple[str, ...]] = {
    "companies": ("business_id", "name"),
    "contacts": ("email", "first_name", "last_name", "full_name"),
    "interactions": ("date",),
}


class MappingError(Exception):
    """The file's columns cannot be mapped; the message says why (a Message: the web shows it in
    the reader's language, the CLI in English)."""

    @property
    def message(self) -> str:
        return self.args[0] if self.args else ""


# The kinds as a message names them (translated where it is shown)
KIND_NAMES = {"companies": N_("companies"), "contacts": N_("contacts"), "interactions": N_("interactions")}
UNKNOWN_KIND = N_("Unknown import kind '%(value)s' (use %(kinds)s)")
NOT_A_FIELD = N_("'%(value)s' is not a field of %(kind)s")
# A file none of whose headers is known, by kind: the headers found, examples, how to map them.
NOTHING_RECOGNISED = {
    "companies": N_("No column of this file is recognised as a companies field (headers found: %(found)s). Name "
                    "the columns with headers such as %(examples)s, or map them: on the import's mapping page, or "
                    "with --mapping FILE.json holding {\"header as written\": \"field\"} (fields: %(fields)s)"),
    "contacts": N_("No column of this file is recognised as a contacts field (headers found: %(found)s). Name "
                   "the columns with headers such as %(examples)s, or map them: on the import's mapping page, or "
                   "with --mapping FILE.json holding {\"header as written\": \"field\"} (fields: %(fields)s)"),
    "interactions": N_("No column of this file is recognised as a interactions field (headers found: %(found)s). "
                       "Name the columns with headers such as %(examples)s, or map them: on the import's mapping "
                       "page, or with --mapping FILE.json holding {\"header as written\": \"field\"} "
                       "(fields: %(fields)s)"),
}
NO_HEADERS = N_("none")
# A mapping without any field that makes a record of its kind (REQUIRED_ANY), by kind.
NOTHING_REQUIRED = {
    "companies": N_("The file has no business_id or name column, which companies need"),
    "contacts": N_("The file has no email or first_name or last_name or full_name column, which contacts need"),
    "interactions": N_("The file has no date column, which interactions need"),
}


def header_key(header: Any) -> str:
    """'Sähköposti ' -> 'sahkoposti': case, diacritics, spaces and punctuation do not matter."""
    folded = unicodedata.normalize("NFKD", str(header or "")).casefold()
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return re.sub(r"[^0-9a-z]", "", folded)


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for field in FIELDS[kind]:
        for word in VOCABULARY[field]:
            table.setdefault(header_key(word), field)  # first field listed wins ("Yritys" in contacts)
    return table


def propose_mapping(kind: str, headers: list[str], profile: Mapping[str, Any] | None = None) -> dict[int, str]:
    """Column index -> field. A profile maps header text to a field name (or null to skip)."""
    if kind not in FIELDS:
        raise MappingError(rule_message(UNKNOWN_KIND, value=kind, kinds=", ".join(KINDS)))
    lookup = _lookup(kind)
    overrides: dict[str, str | None] = {}
    for header, field in (profile or {}).items():
        if field not in (None, "") and field not in FIELDS[kind]:
            raise MappingError(rule_message("Mapping profile: '%(value)s' is not a field of %(kind)s (%(fields)s)",
                                            value=field, kind=_kind(kind), fields=", ".join(FIELDS[kind])))
        overrides[header_key(header)] = field or None
    mapping: dict[int, str] = {}
    keys = [header_key(header) for header in headers]
    order = sorted(range(len(headers)), key=lambda index: keys[index] not in PREFERRED or keys[index] in overrides)
    for index in order:
        key = keys[index]
        field = overrides[key] if key in overrides else lookup.get(key)
        if field and field not in mapping.values():  # a repeated header: the first column counts
            mapping[index] = field
    if not mapping:
        found = ", ".join(f"'{header}'" for header in headers if str(header).strip()) or rule_message(NO_HEADERS)
        raise MappingError(rule_message(NOTHING_RECOGNISED[kind], found=found, examples=", ".join(EXAMPLES[kind]),
                                        fields=", ".join(FIELDS[kind])))
    return check_mapping(kind, dict(sorted(mapping.items())))


EXAMPLES = {
    "companies": ("'Y-tunnus'", "'Yritys'", "'Business ID'", "'Name'"),
    "contacts": ("'Sähköposti'", "'Etunimi'", "'Sukunimi'", "'Email'"),
    "interactions": ("'Päivämäärä'", "'Y-tunnus'", "'Date'", "'Company'"),
}


def check_mapping(kind: str, mapping: dict[int, str]) -> dict[int, str]:
    """A column -> field mapping set by hand: known fields, each at most once, enough to make records."""
    if kind not in FIELDS:
        raise MappingError(rule_message(UNKNOWN_KIND, value=kind, kinds=", ".join(KINDS)))
    unknown = sorted({field for field in mapping.values() if field not in FIELDS[kind]})
    if unknown:
        raise MappingError(rule_message(NOT_A_FIELD, value=unknown[0], kind=_kind(kind)))
    seen: set[str] = set()
    for field in mapping.values():
        if field in seen:
            raise MappingError(rule_message("Two columns are mapped to '%(value)s': choose one", value=field))
        seen.add(field)
    if not any(field in seen for field in REQUIRED_ANY[kind]):
        raise MappingError(rule_message(NOTHING_REQUIRED[kind]))
    return dict(mapping)


def _kind(kind: str) -> Message:
    return rule_message(KIND_NAMES[kind])
