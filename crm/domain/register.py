"""One record of the company register (YTJ open data, API v3 shape) as the CRM's company fields (SPEC §11).

`map_record(raw)` is pure: it reads a record as the bulk file or an API page holds it and returns the
company fields the register holds (only those: a field the register leaves blank is not held, and
the local value stays) and what the company page's register section shows.

Choices made here, which the README repeats:
- Name: the main name (`names` type 1) without an end date; with only ended ones, the newest.
  Other names: parallel (2), auxiliary (3) and other (4) names without an end date.
- Company form: the form without an end date, named by its Finnish description (the record's own,
  else the code list below); `crm.domain.legal_forms` recognises these words.
- Industry: `mainBusinessLine.type` under `typeCodeSet` TOIMI3 is TOL 2008; a newer set (TOIMI4 or
  one naming 2025) is TOL 2025; older sets (TOIMI, TOIMI2: TOL 1995/2002) and '00000' (unknown)
  are not held.
- Address: the visiting address (type 1), else the postal one (type 2): street, building number,
  entrance and apartment; a PO box alone is 'PL 100'. The c/o line is left out (it names a person).
  The register writes some streets and every city in capitals: those are shown in title case
  ('TAMPERE' -> 'Tampere'), so a department's 'Tampere' is not taken for a change.
- Status: ceased when the record has an end date, or an open situation of bankruptcy (KONK) or
  liquidation (SELTILA). Restructuring (SANE, yrityssaneeraus) is not: a company under a
  restructuring programme goes on trading, and it is shown in the register section instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from crm.domain.industry import normalize_industry_code
from crm.domain.names import name_key
from crm.domain.postal import normalize_postal_code
from crm.domain.problems import Problem
from crm.domain.records import COMPANY_RULES, text
from crm.domain.ytunnus import normalize_business_id

# Company forms (YTJ code list YRMU), in Finnish, for records that carry no description.
COMPANY_FORMS = {
    "0": "Ei yritysmuotoa", "2": "Asunto-osakeyhtiö", "3": "Asukashallintoalue", "4": "Asumisoikeusyhdistys",
    "5": "Avoin yhtiö", "6": "Aatteellinen yhdistys", "9": "Hypoteekkiyhdistys",
    "10": "Keskinäinen kiinteistöosakeyhtiö", "11": "Julkinen keskinäinen vakuutusyhtiö",
    "12": "Keskinäinen vakuutusyhtiö", "13": "Kommandiittiyhtiö", "14": "Osuuskunta", "15": "Osuuspankki",
    "16": "Osakeyhtiö", "17": "Julkinen osakeyhtiö", "18": "Säätiö", "19": "Sivuliike", "20": "Säästöpankki",
    "21": "Taloudellinen yhdistys", "22": "Valtion liikelaitos", "23": "Julkinen vakuutusosakeyhtiö",
    "24": "Vakuutusosakeyhtiö", "25": "Vakuutusyhdistys", "26": "Yksityinen elinkeinonharjoittaja",
    "28": "Laivanisännistöyhtiö", "29": "Muu yhdistys", "30": "Muu yhtiö", "38": "Muu taloudellinen yhdistys",
    "39": "Muu säätiö", "41": "Kunta", "42": "Kuntayhtymä", "53": "Kuolinpesä", "54": "Konkurssipesä",
    "55": "Yhteismetsä", "56": "Muu kiinteistöosakeyhtiö", "57": "Elinkeinoyhtymä", "60": "Ulkomainen yhteisö",
    "61": "Kunnallinen liikelaitos", "80": "Eurooppayhtiö", "83": "Eurooppaosuuskunta",
}
OTHER_NAME_TYPES = ("2", "3", "4")  # parallel, auxiliary, other (types 2-4 of TLAJI)
CEASING_SITUATIONS = {"KONK": "bankruptcy", "SELTILA": "liquidation"}
SITUATION_WORDS = {"KONK": "bankruptcy", "SELTILA": "liquidation", "SANE": "restructuring"}
LANGUAGES = {"1": "fi", "2": "sv", "3": "en"}
UNKNOWN_INDUSTRY = {"00000", "0000", "00"}
HELD_FIELDS = (
    "name", "other_names", "company_form", "industry_code", "industry_classification", "website", "street",
    "postal_code", "city", "municipality_code", "country", "status",
)
ADDRESS_FIELDS = ("street", "postal_code", "city", "municipality_code", "country")


@dataclass
class RegisterRecord:
    """A register record mapped: the company fields it holds, and what the register section shows."""

    business_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ceased(self) -> bool:
        return self.fields.get("status") == "ceased"

    @property
    def municipality_code(self) -> str:
        return self.fields.get("municipality_code", "")

    def data(self) -> dict[str, Any]:
        """What is stored on the company as the register's data (JSON)."""
        return {**{name: self.fields[name] for name in HELD_FIELDS if name in self.fields}, **self.facts}


def _str(raw: Any) -> str:
    if type(raw) is str:  # nearly always: the common case first (a record has some fifty values)
        return (raw.replace("\x00", "") if "\x00" in raw else raw).strip()
    return text(raw) if raw is not None else ""


def _date(raw: Any) -> str | None:
    """An ISO date as text ('2017-02-27'), or None for a blank or broken one."""
    if not raw:
        return None
    return _iso_date(raw[:10]) if type(raw) is str else _iso_date(_str(raw)[:10])


@functools.lru_cache(maxsize=8192)  # dates repeat: a file holds a few thousand distinct ones
def _iso_date(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


@functools.lru_cache(maxsize=8192)
def _postal_code(raw: str, country: str) -> str:
    try:
        return normalize_postal_code(raw, country) or ""
    except ValueError:
        return ""


def _items(raw: Any) -> list[dict]:
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def _descriptions(raw: Any) -> dict[str, str]:
    """{'fi': ..., 'sv': ..., 'en': ...} of a code's descriptions."""
    found = {}
    for item in _items(raw):
        language = LANGUAGES.get(_str(item.get("languageCode")))
        if language and _str(item.get("description")):
            found.setdefault(language, _str(item["description"]))
    return found


def _newest(items: list[dict]) -> dict:
    """The item registered last (ties: the lower version, which the register numbers 1 for current)."""
    return max(items, key=lambda item: (_date(item.get("endDate")) or "9999", _date(item.get("registrationDate")) or "",
                                        -_version(item)))


def _version(item: dict) -> int:
    try:
        return int(item.get("version") or 0)
    except (TypeError, ValueError):
        return 0


def current_name(names: list[dict]) -> str:
    """The main name without an end date; with only ended ones (or none open), the newest."""
    main = [item for item in names if _str(item.get("type")) == "1" and _str(item.get("name"))]
    if not main:
        return ""
    open_ = [item for item in main if not _date(item.get("endDate"))]
    return _str(_newest(open_ or main)["name"])


def other_names(names: list[dict], name: str) -> list[str]:
    """Parallel, auxiliary and other names still in force, in the register's order, once each."""
    result: list[str] = []
    for item in names:
        value = _str(item.get("name"))
        if _str(item.get("type")) in OTHER_NAME_TYPES and value and not _date(item.get("endDate")) \
                and value != name and value not in result:
            result.append(value[:300])
    return result


def company_form(forms: list[dict]) -> tuple[str, str]:
    """(code, Finnish name) of the form in force; ('', '') when the record names none."""
    open_ = [item for item in forms if not _date(item.get("endDate")) and _str(item.get("type"))]
    if not open_:
        return "", ""
    form = _newest(open_)
    code = _str(form["type"])
    descriptions = _descriptions(form.get("descriptions"))
    return code, (descriptions.get("fi") or COMPANY_FORMS.get(code) or descriptions.get("sv")
                  or descriptions.get("en") or "")[:100]


def classification(code_set: str) -> str | None:
    """TOL2008 for TOIMI3; TOL2025 for a newer set; None for an older or unknown one."""
    word = re.sub(r"[\s_\-.]", "", code_set).upper()
    if word == "TOIMI3" or "2008" in word:
        return "TOL2008"
    if "2025" in word or (match := re.fullmatch(r"TOIMI(\d+)", word)) and int(match[1]) > 3:
        return "TOL2025"
    return None


def industry(line: Any) -> tuple[str, str, dict[str, str]]:
    """(code, classification, descriptions) of the main line of business; blanks when not held."""
    if not isinstance(line, dict):
        return "", "", {}
    raw, tol = _str(line.get("type")), classification(_str(line.get("typeCodeSet")))
    descriptions = _descriptions(line.get("descriptions"))
    if not raw or raw in UNKNOWN_INDUSTRY or tol is None:
        return "", "", descriptions
    try:
        code = normalize_industry_code(raw) or ""
    except ValueError:
        return "", "", descriptions
    return (code, tol, descriptions) if code else ("", "", descriptions)


def _title_if_capitals(value: str) -> str:
    """'TAMPERE' -> 'Tampere', 'PIHTISULUNKATU' -> 'Pihtisulunkatu'; mixed case stays as written."""
    return value.title() if value.isupper() else value


def _address_is_empty(address: dict) -> bool:
    return not any(_str(address.get(key)) for key in ("street", "postCode", "postOfficeBox", "freeAddressLine"))


def choose_address(addresses: list[dict]) -> tuple[str, dict]:
    """('visiting' or 'postal', the address) of the visiting address, else the postal one; ('', {})."""
    by_type: dict[str, dict] = {}
    for address in addresses:
        kind = _str(address.get("type"))
        if kind in ("1", "2") and not _address_is_empty(address) and kind not in by_type:
            by_type[kind] = address
    if "1" in by_type:
        return "visiting", by_type["1"]
    if "2" in by_type:
        return "postal", by_type["2"]
    return "", {}


def street_line(address: dict) -> str:
    """'Tuomiokirkonkatu 12 A 2': street, building number, entrance, apartment (with its letter)."""
    street = _title_if_capitals(_str(address.get("street")))
    apartment = _str(address.get("apartmentNumber")) + _str(address.get("apartmentIdSuffix"))
    parts = [street, _str(address.get("buildingNumber")), _str(address.get("entrance")), apartment]
    line = " ".join(part for part in parts if part)
    if not street and _str(address.get("postOfficeBox")):
        line = f"PL {_str(address['postOfficeBox'])}"
    if not line and _str(address.get("freeAddressLine")):  # a foreign address, as one line
        line = " ".join(_str(address["freeAddressLine"]).replace("_", " ").split())
    return line[:300]


def address_fields(address: dict) -> dict[str, str]:
    """The company's street, postal code, city, municipality code and country from one address."""
    country = _str(address.get("country")).upper() or "FI"
    if not re.fullmatch(r"[A-Z]{2}", country):
        country = "FI"
    offices = _items(address.get("postOffices"))
    office = next((item for item in offices if _str(item.get("languageCode")) == "1"), offices[0] if offices else {})
    values = {"street": street_line(address), "city": _title_if_capitals(_str(office.get("city")))[:100],
              "country": country}
    values["postal_code"] = _postal_code(_str(address.get("postCode")), country)
    municipality = _str(office.get("municipalityCode"))
    values["municipality_code"] = municipality.zfill(3) if municipality.isdigit() and len(municipality) <= 3 else ""
    return values


def website(raw: Any) -> str:
    url = _str(raw.get("url")) if isinstance(raw, dict) else ""
    try:
        return COMPANY_RULES["website"](url)
    except ValueError:
        return ""  # not a web address: not held


def status(raw: dict) -> tuple[str, str, list[str]]:
    """('active' or 'ceased', why it is ceased, open situations by name)."""
    situations = []
    for item in _items(raw.get("companySituations")):
        code = _str(item.get("type")).upper()
        if code and not _date(item.get("endDate")):
            situations.append(code)
    end = _date(raw.get("endDate"))
    if end:
        return "ceased", "end_date", situations
    for code in situations:
        if code in CEASING_SITUATIONS:
            return "ceased", CEASING_SITUATIONS[code], situations
    return "active", "", situations


def map_record(raw: Any) -> RegisterRecord:
    """One register record as a RegisterRecord. Raises Problem for a record without a valid Business ID."""
    if not isinstance(raw, dict):
        raise Problem("A register record is not an object")
    business = raw.get("businessId")
    value = business.get("value") if isinstance(business, dict) else business
    if not _str(value):
        raise Problem("A register record has no Business ID")
    business_id = normalize_business_id(_str(value))  # a wrong check digit raises Problem
    names = _items(raw.get("names"))
    fields: dict[str, Any] = {}
    name = current_name(names)[:300]
    if name:
        fields["name"] = name
    others = other_names(names, name)
    fields["other_names"] = "\n".join(others)
    form_code, form = company_form(_items(raw.get("companyForms")))
    if form:
        fields["company_form"] = form
    code, tol, descriptions = industry(raw.get("mainBusinessLine"))
    if code:
        fields["industry_code"], fields["industry_classification"] = code, tol
    address_kind, address = choose_address(_items(raw.get("addresses")))
    if address_kind:
        fields.update({key: value for key, value in address_fields(address).items() if value})
    url = website(raw.get("website"))
    if url:
        fields["website"] = url
    fields["status"], ceased_because, situations = status(raw)
    registered = _date(raw.get("registrationDate")) or (
        _date(business.get("registrationDate")) if isinstance(business, dict) else None)
    facts = {
        "other_name_list": others,
        "form_code": form_code,
        "industry_names": descriptions,
        "address_kind": address_kind,
        "registration_date": registered,
        "end_date": _date(raw.get("endDate")),
        "ceased_because": ceased_because,
        "situations": situations,
        "last_modified": _str(raw.get("lastModified"))[:19] or None,
    }
    return RegisterRecord(business_id=business_id, fields=fields, facts=facts)


def merged_other_names(register_names: list[str], stored: str, previous_register_names: list[str],
                       name: str, replaced_name: str | None) -> str:
    """Other names after the register's: its own names first, then the local ones it did not write
    (a name a department file or a merge kept), and the local name the register's replaced when that
    was another name, not another spelling (so the record is still found by it). A name the register
    wrote before and no longer holds is dropped."""
    result: list[str] = []
    keys = {name_key(name)}

    def add(value: str) -> None:
        key = name_key(value)
        if value and value not in result and key not in keys:
            result.append(value)
            keys.add(key)

    for value in register_names:
        if value not in result and value != name:
            result.append(value)
            keys.add(name_key(value))
    dropped = set(previous_register_names)
    for value in (stored or "").split("\n"):
        if value.strip() and value.strip() not in dropped:
            add(value.strip())
    if replaced_name and replaced_name not in dropped:
        add(replaced_name)
    return "\n".join(result)


def as_shown(data: Any) -> dict[str, Any]:
    """Stored register data (JSON text or a dict) with its dates as dates, for the company page;
    {} for a company the register has not been read for."""
    if isinstance(data, str):
        import json

        try:
            data = json.loads(data or "{}")
        except ValueError:
            return {}
    if not isinstance(data, dict) or not data:
        return {}
    shown = dict(data)
    for key in ("registration_date", "end_date"):
        day = _date(shown.get(key))
        shown[key] = dt.date.fromisoformat(day) if day else None
    shown["other_name_list"] = [name for name in shown.get("other_name_list") or [] if isinstance(name, str)]
    shown["situations"] = [code for code in shown.get("situations") or [] if isinstance(code, str)]
    return shown
