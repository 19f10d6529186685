"""Every Piccolo table. Plain classes; enums nested where a column takes a fixed set of words."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Department(Table):
    """A city unit that serves companies. The six of SPEC §4 are created by the migrations."""

    code = Varchar(length=20, unique=True, help_text="Short code, e.g. BIZ or TYO")
    name_fi = Varchar(length=200)
    name_sv = Varchar(length=200)
    name_en = Varchar(length=200)


class User(Table, tablename="crm_user"):
    class Role(str, Enum):
        advisor = "advisor"
        manager = "manager"
        admin = "admin"

    email = Varchar(length=254, unique=True, help_text="Stored lower-case: unique case-insensitively")
    name = Varchar(length=200)
    role = Varchar(length=20, choices=Role, default=Role.advisor)
    department = ForeignKey(Department, null=False, on_delete=OnDelete.restrict)
    password_hash = Varchar(length=200, default="", help_text="Argon2id; empty means no login")
    active = Boolean(default=True)
    language = Varchar(length=5, default="", help_text="fi, sv or en; empty: the browser decides")
    created_at = Timestamptz()


class Programme(Table):
    """A programme theme, or a project under a theme."""

    code = Varchar(length=50, unique=True)
    name_fi = Varchar(length=300)
    name_sv = Varchar(length=300, default="")
    name_en = Varchar(length=300, default="")
    theme = ForeignKey("self", null=True, on_delete=OnDelete.set_null)


class ImportBatch(Table):
    class Status(str, Enum):
        running = "running"
        committed = "committed"
        failed = "failed"
        reverted = "reverted"
        dry_run = "dry_run"

    kind = Varchar(length=20)
    file_name = Varchar(length=255)
    file_sha256 = Varchar(length=64)
    user = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null)
    mapping = JSON(default={})
    headers = JSON(default=[], help_text="The file's header row, for the error file")
    status = Varchar(length=20, choices=Status, default=Status.running)
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    rows = Integer(default=0)
    created = Integer(default=0)
    updated = Integer(default=0)
    unchanged = Integer(default=0)
    duplicates_in_file = Integer(default=0)
    errors = Integer(default=0)
    warnings = Integer(default=0, help_text="rows stored with a value dropped (listed in the row file)")
    invalid_business_ids = Integer(default=0, help_text="rows refused for an invalid Business ID")
    message = Text(default="", help_text="why a refused or failed batch stopped")


class MappingProfile(Table):
    """A saved column mapping for a department's file: {"header as written": field or null}."""

    name = Varchar(length=100)
    kind = Varchar(length=20)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.cascade)
    columns = JSON(default={})
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class ImportUpload(Table):
    """A file an admin uploaded in the browser, on its way through mapping, preview and run.
    The file itself lives in the upload directory (CRM_UPLOAD_DIR), shared by all app processes."""

    class Status(str, Enum):
        uploaded = "uploaded"
        checking = "checking"  # the dry run is going
        checked = "checked"
        running = "running"
        done = "done"
        failed = "failed"

    file_name = Varchar(length=255)
    stored_name = Varchar(length=100, help_text="File name inside the upload directory")
    size = Integer(default=0)
    kind = Varchar(length=20)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null)
    user = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    encoding = Varchar(length=30, default="")
    delimiter = Varchar(length=5, default="")
    sheet = Varchar(length=100, default="")
    headers = JSON(default=[])
    row_estimate = Integer(null=True, default=None)
    mapping = JSON(default={}, help_text="{column index: field}")
    profile_name = Varchar(length=100, default="", help_text="The profile the mapping came from")
    status = Varchar(length=20, choices=Status, default=Status.uploaded)
    dry_run = JSON(default={}, help_text="The dry run's summary for the current mapping")
    batch = ForeignKey(ImportBatch, null=True, on_delete=OnDelete.set_null)
    message = Text(default="")
    file_removed_at = Timestamptz(null=True, default=None, help_text="When the stored file was deleted")
    file_removed_why = Varchar(length=200, default="",
                               help_text="Its import finished, it expired, or a person it names was erased")


class ImportRowError(Table):
    """A row the batch could not take: its line in the file, the reason, and the original cells."""

    import_batch = ForeignKey(ImportBatch, null=False, on_delete=OnDelete.cascade, index=True)
    line = Integer()
    reason = Text()
    cells = JSON(default=[])


class ImportChange(Table):
    """What revert needs for one record a batch updated: its prior values.
    (Records a batch created carry the batch in their import_batch column.)"""

    import_batch = ForeignKey(ImportBatch, null=False, on_delete=OnDelete.cascade, index=True)
    entity = Varchar(length=30)
    entity_id = Integer()
    old_values = JSON(default={})


class Company(Table):
    class Status(str, Enum):
        active = "active"
        ceased = "ceased"

    business_id = Varchar(
        length=9, unique=True, null=True, default=None, help_text="NNNNNNN-C; NULL when the company has none"
    )
    name = Varchar(length=300)
    other_names = Text(default="", help_text="One name per line, e.g. the Swedish parallel name")
    name_key = Varchar(length=300, help_text="Normalised name for matching (indexed with postal_code)")
    company_form = Varchar(length=100, default="")
    industry_code = Varchar(length=10, default="")
    industry_classification = Varchar(length=10, default="", help_text="TOL2008 or TOL2025")
    size_class = Varchar(length=20, default="")
    website = Varchar(length=300, default="")
    street = Varchar(length=300, default="")
    postal_code = Varchar(length=12, default="", index=True)
    city = Varchar(length=100, default="")
    municipality_code = Varchar(length=3, default="")
    country = Varchar(length=2, default="FI")
    status = Varchar(length=10, choices=Status, default=Status.active)
    responsible_advisor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    notes = Text(default="", help_text="Free text, e.g. a department file's 'Lisätiedot'")
    search_text = Text(default="", help_text="Folded names and Business ID for search")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    updated_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    import_batch = ForeignKey(ImportBatch, null=True, on_delete=OnDelete.set_null)
    # How the study counts it (crm/services/tallies.py), kept in step with its holdings and fields:
    study_mask = BigInt(default=0, help_text="Departments holding it: department id n is bit n-1")
    study_section = Varchar(length=20, default="", help_text="Industry section it is counted under")
    study_place = Varchar(length=10, default="", help_text="espoo, other or unknown")
    # What the company register (YTJ open data, SPEC §11) says, as of the file it was read from:
    register_data = JSON(default={}, help_text="The register's record as mapped (crm/domain/register.py)")
    register_date = Date(null=True, default=None, help_text="Date of the register file it was read from")


class CompanySource(Table):
    """Which department holds which company, and through what (SPEC §9): the fact the study counts.

    One row per company and batch for an import (the rows that created, updated or matched it, or
    named it from a contact or interaction row); one row per company and department for its
    interactions (how many, first and last date) and for a company created by hand. Revert removes
    a batch's rows; a merge moves them."""

    class Via(str, Enum):
        imported = "import"
        interaction = "interaction"
        created = "created"
        register = "register"

    company = ForeignKey(Company, null=False, on_delete=OnDelete.cascade)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.cascade)
    via = Varchar(length=20, choices=Via)
    import_batch = ForeignKey(ImportBatch, null=True, on_delete=OnDelete.cascade)
    interactions = Integer(default=0, help_text="via interaction: how many the department logged")
    first_date = Date(null=True, default=None)
    last_date = Date(null=True, default=None)


class CompanyTally(Table):
    """Delta rows: companies per (mask, section, place) for the record (batch NULL), and per mask
    of a committed batch's companies."""

    batch = ForeignKey(ImportBatch, null=True, on_delete=OnDelete.cascade)
    mask = BigInt()
    section = Varchar(length=20, default="")
    place = Varchar(length=10, default="")
    companies = Integer(default=0)


class CompanyProgramme(Table):
    company = ForeignKey(Company, null=False, on_delete=OnDelete.cascade)
    programme = ForeignKey(Programme, null=False, on_delete=OnDelete.cascade, index=True)


class Contact(Table):
    """A person. Erasure blanks the personal fields and keeps the interactions."""

    class Language(str, Enum):
        fi = "fi"
        sv = "sv"
        en = "en"
        other = "other"

    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")
    email = Varchar(length=254, unique=True, null=True, default=None, help_text="Lower-case; matching key")
    phone = Varchar(length=20, default="", help_text="E.164")
    title = Varchar(length=200, default="")
    language = Varchar(length=5, choices=Language, default=Language.fi)
    person_key = Varchar(length=200, default="", index=True, help_text="Normalised name for matching")
    erased_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    updated_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    import_batch = ForeignKey(ImportBatch, null=True, on_delete=OnDelete.set_null)


class CompanyContact(Table):
    """A person's role at a company, with dates."""

    company = ForeignKey(Company, null=False, on_delete=OnDelete.cascade)
    contact = ForeignKey(Contact, null=False, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=200, default="")
    start_date = Date(null=True, default=None)
    end_date = Date(null=True, default=None)
    import_batch = ForeignKey(ImportBatch, null=True, on_delete=OnDelete.set_null)


class Interaction(Table):
    class Kind(str, Enum):
        meeting = "meeting"
        call = "call"
        email = "email"
        visit = "visit"
        event = "event"
        advisory = "advisory"
        other = "other"

    company = ForeignKey(Company, null=False, on_delete=OnDelete.cascade)
    department = ForeignKey(Department, null=False, on_delete=OnDelete.restrict)
    advisor = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    advisor_name = Varchar(length=200, default="", help_text="The advisor as the source file wrote them, when no user matched")
    kind = Varchar(length=20, choices=Kind, default=Kind.meeting)
    date = Date(index=True)
    subject = Varchar(length=300, default="")
    notes = Text(default="")
    follow_up_date = Date(null=True, default=None, index=True)
    follow_up_done = Boolean(default=False)
    confidential = Boolean(
        default=False,
        help_text="Business secret (JulkL 24 § 1 mom. 20 k): logging department, managers, admins only",
    )
    content_key = Varchar(
        length=64, unique=True, null=True, default=None, help_text="Hash of an imported row's content"
    )
    created_at = Timestamptz()
    updated_at = Timestamptz()
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    updated_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    import_batch = ForeignKey(ImportBatch, null=True, on_delete=OnDelete.set_null)
    deleted_at = Timestamptz(
        null=True, default=None,
        help_text="Deleted by a user: kept for the audit trail, shown and counted nowhere",
    )
    deleted_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)


class InteractionContact(Table):
    interaction = ForeignKey(Interaction, null=False, on_delete=OnDelete.cascade, index=True)
    contact = ForeignKey(Contact, null=False, on_delete=OnDelete.cascade, index=True)


class InteractionProgramme(Table):
    interaction = ForeignKey(Interaction, null=False, on_delete=OnDelete.cascade, index=True)
    programme = ForeignKey(Programme, null=False, on_delete=OnDelete.cascade, index=True)


class InteractionTally(Table):
    """Delta rows: interactions per department and month (programme NULL) and per programme."""

    department = ForeignKey(Department, null=False, on_delete=OnDelete.cascade)
    month = Varchar(length=7, help_text="yyyy-mm")
    programme = ForeignKey(Programme, null=True, on_delete=OnDelete.cascade)
    interactions = Integer(default=0)


class ProgrammeReach(Table):
    """Which companies a programme reached, each once per department (through its tagged
    interactions: how many) and once in all (department NULL: the department rows and the company's
    own tags together). Rows with theme_level count a theme together with its projects."""

    programme = ForeignKey(Programme, null=False, on_delete=OnDelete.cascade)
    theme_level = Boolean(default=False)
    company = ForeignKey(Company, null=False, on_delete=OnDelete.cascade)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.cascade)
    interactions = Integer(default=0, help_text="tagged interactions, and tags, that reach it")


class ProgrammeTally(Table):
    """Delta rows: companies a programme reached, per department (and NULL: in all)."""

    programme = ForeignKey(Programme, null=False, on_delete=OnDelete.cascade)
    theme_level = Boolean(default=False)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.cascade)
    companies = Integer(default=0)


class AuditEvent(Table):
    """Append-only: who did what to which record, old → new."""

    at = Timestamptz(index=True)
    user = ForeignKey(User, null=True, on_delete=OnDelete.set_null, index=True)
    actor = Varchar(length=254, default="", help_text="User e-mail, or 'system' for the CLI")
    action = Varchar(length=30, index=True)
    entity = Varchar(length=30)
    entity_id = Integer(null=True, default=None)
    changes = JSON(default={}, help_text="{field: [old, new]}")
    address = Varchar(length=45, default="", help_text="Client IP address, for logins")


class LoginAttempt(Table):
    """What the login limits count (the audit log keeps the login log). A row is written before the
    password is checked, in the same transaction that counts: concurrent guesses cannot all pass."""

    at = Timestamptz(index=True)
    email = Varchar(length=254, index=True, help_text="As typed, lower-case")
    address = Varchar(length=45, index=True, help_text="Client IP address")
    succeeded = Boolean(null=True, default=None, help_text="None while the password is being checked")
    kind = Varchar(length=10, default="login", help_text="login (the login form) or password (/profile's check)")


class WebSession(Table, tablename="web_session"):
    """Server-side sessions: revocable and shared by every app process."""

    key = Varchar(length=128, unique=True)
    data = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
    user_id = Integer(null=True, default=None, index=True)


class ApiToken(Table, tablename="api_token"):
    """A user's key to the API (crm/api/): it acts as its user. Only the token's SHA-256 is kept; the
    token itself is shown once, when it is made."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100, help_text="What the token is for, e.g. 'Power BI'")
    key = Varchar(length=64, unique=True, help_text="SHA-256 of the token, hex")
    prefix = Varchar(length=12, help_text="The token's first characters, to tell tokens apart")
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class Merge(Table):
    """Two records made one (SPEC §10): the kept and the merged record, who and when, and what unmerge
    needs: the merged record's own values, the kept record's values before, and every row moved."""

    class Kind(str, Enum):
        company = "company"
        contact = "contact"

    kind = Varchar(length=10, choices=Kind)
    kept = Integer(index=True, help_text="The record that stays (no foreign key: it may be merged again)")
    merged = Integer(index=True, help_text="The record merged into it, removed until an unmerge")
    user = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
    kept_before = JSON(default={}, help_text="The kept record's fields before the merge")
    merged_values = JSON(default={}, help_text="The merged record as it was, every column")
    moved = JSON(default={}, help_text="{what: [rows]} moved to the kept record, for unmerge")
    kept_updated_at = Timestamptz(null=True, default=None, help_text="The kept record's updated_at the merge wrote")
    undone_at = Timestamptz(null=True, default=None)
    undone_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    note = Text(default="", help_text="What unmerge left alone, and why")


class NotDuplicate(Table):
    """A pair a person marked "not the same": never proposed again (lower id first)."""

    kind = Varchar(length=10, choices=Merge.Kind)
    first = Integer()
    second = Integer()
    user = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
