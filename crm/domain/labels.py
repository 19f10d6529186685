"""What users read instead of internal names: every field, record type and audited action, in one
place. The texts are English gettext source; pages translate them (the `field_label`,
`entity_label` and `action_label` template filters) and so do error messages that name a field.
A name with no label here is shown as it is written (a test keeps templates from needing that).
"""

from __future__ import annotations

from crm.domain.problems import N_

FIELDS: dict[str, str] = {
    # companies
    "business_id": N_("Business ID"),
    "name": N_("Company name"),
    "other_names": N_("Other names"),
    "name_key": N_("Matching name"),
    "company_form": N_("Company form"),
    "industry_code": N_("Industry"),
    "industry_classification": N_("Industry classification"),
    "size_class": N_("Size class"),
    "website": N_("Website"),
    "street": N_("Street address"),
    "postal_code": N_("Postal code"),
    "city": N_("City"),
    "municipality_code": N_("Municipality code"),
    "country": N_("Country"),
    "status": N_("Status"),
    "responsible_advisor": N_("Responsible advisor"),
    "programmes": N_("Programmes"),
    "notes": N_("Notes"),
    "search_text": N_("Search text"),
    # contacts
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "full_name": N_("Full name"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "title": N_("Title"),
    "language": N_("Language"),
    "person_key": N_("Matching name"),
    "company_name": N_("Company"),
    "company": N_("Company"),
    "contact": N_("Contact"),
    "contacts": N_("Contacts"),
    "role": N_("Role"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    # interactions
    "date": N_("Date"),
    "kind": N_("Kind"),
    "subject": N_("Subject"),
    "contact_email": N_("Contact's e-mail"),
    "advisor": N_("Advisor"),
    "advisor_name": N_("Advisor"),
    "department": N_("Department"),
    "follow_up_date": N_("Follow-up date"),
    "follow_up_done": N_("Follow-up done"),
    "confidential": N_("Confidential"),
    # users and records in general
    "role_name": N_("Role"),
    "active": N_("Active"),
    "created_at": N_("Created on"),
    "updated_at": N_("Updated"),
    "created_by": N_("Created by"),
    "updated_by": N_("Updated by"),
    "erased_at": N_("Erased"),
    "import_batch": N_("Import batch"),
    "deleted_at": N_("Deleted"),
    "programme": N_("Programme"),
    # exports and searches (audit events of a disclosure)
    "format": N_("File format"),
    "rows": N_("Rows"),
    "history_rows": N_("History rows"),
    "filters": N_("Filters"),
    "table": N_("Table"),
    "file": N_("File"),
    "include_confidential": N_("Confidential included"),
    "q": N_("Search words"),
    "section": N_("Industry"),
    # the company register (SPEC §11)
    "register_data": N_("Trade register data"),
    "register_date": N_("Trade register data as of"),
    "register_file": N_("Trade register file"),
    "file_date": N_("File date"),
}

ENTITIES: dict[str, str] = {
    "company": N_("Company"),
    "contact": N_("Contact"),
    "company_contact": N_("Contact's role"),
    "interaction": N_("Interaction"),
    "user": N_("User"),
    "department": N_("Department"),
    "import_batch": N_("Import"),
    "import_upload": N_("Uploaded file"),
    "mapping_profile": N_("Mapping profile"),
    "companies": N_("Companies"),
    "contacts": N_("Contacts"),
    "interactions": N_("Interactions"),
    "programme": N_("Programme"),
    "report": N_("Report"),
    "holdings": N_("Holdings"),
    "roles": N_("Roles"),
    "programmes": N_("Programmes"),
    "register": N_("Trade register"),
}

COMPANY_STATUSES: dict[str, str] = {
    "active": N_("Active"),
    "ceased": N_("Ceased"),
}

ACTIONS: dict[str, str] = {
    "create": N_("Record created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "view": N_("Viewed"),
    "export": N_("Exported"),
    "import": N_("Imported"),
    "revert": N_("Reverted"),
    "upload": N_("Uploaded"),
    "erase": N_("Personal data erased"),
    "login": N_("Logged in"),
    "login_failed": N_("Failed login"),
    "logout": N_("Logged out"),
    "add_role": N_("Role added"),
    "end_role": N_("Role ended"),
    "reset_password": N_("Password reset"),
    "change_password": N_("Password changed"),
    "save_profile": N_("Mapping profile saved"),
    "merge": N_("Merged"),
    "unmerge": N_("Merge undone"),
    "not_duplicate": N_("Marked not the same"),
}


# Text encodings a CSV file may be in, by Python's canonical codec name (codecs.lookup(...).name).
ENCODINGS: dict[str, str] = {
    "utf-8": N_("UTF-8 (other bytes as Windows-1252)"),
    "utf-8-sig": N_("UTF-8"),
    "utf-16": N_("UTF-16"),
    "utf-16-le": N_("UTF-16 (little-endian)"),
    "utf-16-be": N_("UTF-16 (big-endian)"),
    "cp1252": N_("Windows-1252 (Western European)"),
    "iso8859-1": N_("ISO-8859-1 (Latin-1)"),
    "iso8859-15": N_("ISO-8859-15 (Latin-9)"),
    "cp1251": N_("Windows-1251 (Cyrillic)"),
    "cp1250": N_("Windows-1250 (Central European)"),
    "cp1257": N_("Windows-1257 (Baltic)"),
    "cp1253": N_("Windows-1253 (Greek)"),
    "cp1254": N_("Windows-1254 (Turkish)"),
    "cp1255": N_("Windows-1255 (Hebrew)"),
    "cp1256": N_("Windows-1256 (Arabic)"),
    "iso8859-2": N_("ISO-8859-2 (Central European)"),
    "iso8859-5": N_("ISO-8859-5 (Cyrillic)"),
    "koi8-r": N_("KOI8-R (Cyrillic)"),
    "cp850": N_("DOS 850 (Western European)"),
    "cp437": N_("DOS 437"),
    "mac-roman": N_("Mac Roman"),
}


def field(name: str) -> str:
    return FIELDS.get(name, name)


def entity(name: str) -> str:
    return ENTITIES.get(name, name)


def action(name: str) -> str:
    return ACTIONS.get(name, name)


def encoding(name: str) -> str:
    import codecs

    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return ENCODINGS.get(canonical, name)


def name_in(row: dict, language: str, prefix: str = "") -> str:
    """A department's or programme's name in this language (its Finnish name when that one is blank,
    its code when both are), from a row with `name_fi`, `name_sv`, `name_en` and `code`; `prefix`
    for a joined row ('department.' reads `department.name_fi` ...)."""
    return (row.get(f"{prefix}name_{language}") or row.get(f"{prefix}name_fi")
            or row.get(f"{prefix}code") or "")
