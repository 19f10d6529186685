"""The `crm` command line. Errors go to stderr with a non-zero exit."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

import click
from tqdm import tqdm

from crm.errors import CRMError, Invalid

DEMO_PASSWORD = "demo"
DEMO_USERS = [
    ("admin@demo.espoo.fi", "Demo Admin", "admin", "BIZ"),
    ("manager@demo.espoo.fi", "Demo Manager", "manager", "BIZ"),
    ("advisor@demo.espoo.fi", "Demo Advisor", "advisor", "BIZ"),
    ("advisor.tyo@demo.espoo.fi", "Demo Advisor (TYO)", "advisor", "TYO"),
]


def run(coroutine_function: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    """Run one async job; turn domain errors into a clear message and exit code 1."""
    try:
        return asyncio.run(coroutine_function(*args, **kwargs))
    except Invalid as error:
        for field, message in error.field_errors.items():
            click.echo(f"error: {field}: {message}", err=True)
        sys.exit(1)
    except CRMError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except Exception as error:  # no traceback for a user; CRM_DEBUG=1 shows it
        from crm.importing.load import ImportRefused

        from crm.register.load import RegisterRefused

        if isinstance(error, (ImportRefused, RegisterRefused)) or os.environ.get("CRM_DEBUG") == "1":
            raise  # the import command words the refusal itself
        click.echo(f"error: {type(error).__name__}: {error}", err=True)
        sys.exit(1)


@click.group()
def main() -> None:
    """Espoo business CRM: one city-wide record of companies, contacts and interactions."""


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from crm import db

    count = run(db.apply_migrations)
    click.echo(f"{count} migrations applied" if count else "the database is up to date")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Load seed/ into an empty database and create the demo users.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="App processes (uvicorn workers); default: one per CPU core.")
def serve(host: str, port: int, demo: bool, workers: int | None) -> None:
    """Apply pending migrations and start the web app."""
    import uvicorn

    from crm import db

    count = run(db.apply_migrations)
    if count:
        click.echo(f"{count} migrations applied", err=True)
    if demo:
        run(_load_demo)
    workers = workers or os.cpu_count() or 1
    from crm.settings import Settings

    Settings.from_env()  # a generated secret key is made once, here, before the workers read it
    click.echo(f"Espoo business CRM at http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''})",
               err=True)
    # Every worker builds its own app; what they share lives in the database and CRM_UPLOAD_DIR.
    # The app decides which proxies' X-Forwarded-* headers it believes (CRM_TRUSTED_PROXIES), not uvicorn.
    uvicorn.run("crm.app:create_app", factory=True, workers=workers, host=host, port=port, log_level="info",
                proxy_headers=False)


async def _load_demo() -> None:
    from crm.importing.seed import database_is_empty, load_seed
    from crm.services.users import create_user
    from crm.tables import User

    if await database_is_empty():
        click.echo("loading the demo data in seed/ ...", err=True)
        for summary in await load_seed(progress=True):
            click.echo(_demo_line(summary), err=True)
    for email, name, role, department in DEMO_USERS:
        if not await User.exists().where(User.email == email):
            await create_user(email=email, name=name, role=role, department=department, password=DEMO_PASSWORD)
    click.echo(f"demo users: {', '.join(u[0] for u in DEMO_USERS)} (password '{DEMO_PASSWORD}')", err=True)


@main.command()
def seed() -> None:
    """Load the demo data in seed/ through the importer (idempotent)."""
    from crm.importing.seed import load_seed

    for summary in run(load_seed, progress=True):
        click.echo(_summary_line(summary))


def _summary_line(summary: dict) -> str:
    return (
        f"{summary['file']}: {summary['rows']} rows, {summary['created']} created, "
        f"{summary['updated']} updated, {summary['unchanged']} unchanged, "
        f"{summary['duplicates_in_file']} duplicates in file, {summary['errors']} errors"
        + (f", {summary['warnings']} warnings" if summary.get("warnings") else "")
    )


def _demo_line(summary: dict) -> str:
    """One seed file's counts, those that are not zero; the refused rows are there on purpose."""
    counts = [f"{summary['rows']} rows"] + [f"{summary[key]} {one if summary[key] == 1 else many}" for key, one, many in (
        ("created", "created", "created"), ("updated", "updated", "updated"), ("unchanged", "unchanged", "unchanged"),
        ("duplicates_in_file", "duplicate in the file", "duplicates in the file"),
        ("errors", "row refused", "rows refused")) if summary[key]]
    line = f"  {Path(summary['file']).name}: {', '.join(counts)}"
    if (summary["errors"] or summary["duplicates_in_file"]) and summary.get("batch_id"):
        line += f" (on purpose, to show the import's checks: /imports/{summary['batch_id']})"
    return line


@main.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["advisor", "manager", "admin"]))
@click.option("--department", required=True, help="Department code, e.g. BIZ")
@click.option("--name", default="", help="Full name")
@click.option("--language", default="", type=click.Choice(["", "fi", "sv", "en"]),
              help="UI language; default: the browser's.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_add(email: str, role: str, department: str, name: str, language: str, password_stdin: bool) -> None:
    """Create a user."""
    from crm.services.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        click.echo("error: no password given: use --password-stdin", err=True)
        sys.exit(2)
    user_id = run(
        create_user, email=email, name=name, role=role, department=department, password=password, language=language
    )
    click.echo(f"user #{user_id} {email.strip().lower()} created")


@main.group()
def token() -> None:
    """API tokens: each acts as its user (role, department, confidentiality)."""


@token.command("add")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'Power BI'.")
def token_add(email: str, name: str) -> None:
    """Make a token for the user and print it once (only its hash is kept)."""
    from crm.services.lookups import advisor_id_by_email
    from crm.services.tokens import create_token

    async def job() -> tuple[int, str]:
        try:
            user_id = await advisor_id_by_email(email.strip())
        except ValueError as error:
            raise Invalid({"email": str(error)}) from None
        return await create_token(user_id, name)

    token_id, secret = run(job)
    click.echo(f"token #{token_id} for {email.strip().lower()} ({name}); it is shown only now:", err=True)
    click.echo(secret)


@token.command("list")
def token_list() -> None:
    """Every token: id, user, name, prefix, created, last used, revoked."""
    from crm.services.tokens import list_tokens

    for row in run(list_tokens):
        used = row["last_used_at"].strftime("%Y-%m-%d %H:%M") if row["last_used_at"] else "never used"
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        click.echo(f"#{row['id']}\t{row['user.email']}\t{row['name']}\t{row['prefix']}…\t"
                   f"created {row['created_at']:%Y-%m-%d}\t{used}\t{state}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token: it stops working at its next request."""
    from crm.services.tokens import revoke_token

    run(revoke_token, token_id)
    click.echo(f"token #{token_id} revoked")


@main.group("import")
def import_group() -> None:
    """Import department CSV/XLSX files, or revert an import batch."""


def _import_command(kind: str) -> click.Command:
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--department", help="Department code the file comes from, e.g. TYO.")
    @click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help='Mapping profile JSON: {"header as written": "field" or null}.')
    @click.option("--sheet", help="XLSX sheet to read (default: the first).")
    @click.option("--encoding", help="The CSV file's encoding, e.g. cp1252 (default: detected; a file whose "
                                     "encoding is not clear is refused with the candidates).")
    @click.option("--dry-run", is_flag=True, help="Report the counts; write nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
    def command(file: Path, department: str | None, mapping_file: Path | None, sheet: str | None,
                encoding: str | None, dry_run: bool, as_json: bool) -> None:
        from crm.importing.load import ImportRefused

        profile = None
        if mapping_file:
            try:
                profile = json.loads(mapping_file.read_text(encoding="utf-8-sig"))
                if not isinstance(profile, dict):
                    raise ValueError("it must be a JSON object")
            except ValueError as error:
                _fail(f"{mapping_file}: not a mapping profile ({error})")
        error_path = Path.cwd() / f"{file.stem}.errors.csv"
        try:
            summary = run(_run_import, kind, file, department=department, profile=profile, sheet=sheet,
                          encoding=encoding, dry_run=dry_run, error_path=error_path)
        except ImportRefused as error:
            _fail(f"{file.name} refused: {error}")
        if as_json:
            click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        else:
            prefix = "dry run: " if dry_run else f"batch {summary.batch_id}: "
            click.echo(prefix + _summary_line(summary.as_dict()))
            if summary.error_file:
                click.echo(f"rows not stored as given (errors, duplicates, warnings): {summary.error_file}")

    command.__doc__ = f"Import {kind} from a CSV or XLSX file."
    return click.command(kind)(command)


async def _run_import(kind: str, file: Path, **options: Any):
    from crm.domain.problems import rule_message
    from crm.importing.load import ImportRefused, import_file
    from crm.importing.read import EncodingUnclear, Unreadable, estimate_rows, open_source

    try:
        source = open_source(file, sheet=options.get("sheet"), encoding=options.get("encoding"))
        total = estimate_rows(source)
    except EncodingUnclear as error:
        raise ImportRefused(rule_message("%(reason)s: choose one with --encoding (e.g. --encoding %(encoding)s)",
                                         reason=error.message, encoding=error.candidates[0])) from None
    except Unreadable:
        total = None  # import_file refuses it with the reason

    with tqdm(total=total, unit=" rows", desc=file.name, file=sys.stderr, disable=None) as bar:
        return await import_file(kind, file, progress=bar.update, announce=_print_mapping, **options)


def _print_mapping(shown: dict[str, str | None]) -> None:
    """Which column fills which field, on stderr before the import starts (a dry run too)."""
    for header, field in shown.items():
        click.echo(f"column {header!r} -> {field or 'not mapped (ignored)'}", err=True)
    ignored = [header for header, field in shown.items() if not field]
    if ignored:
        click.echo(f"not mapped: {', '.join(ignored)} (map them with --mapping FILE.json)", err=True)


for _kind in ("companies", "contacts", "interactions"):
    import_group.add_command(_import_command(_kind))


@import_group.command("revert")
@click.argument("batch_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def import_revert(batch_id: int, as_json: bool) -> None:
    """Undo one import batch: remove what it created, restore what it updated."""
    from crm.importing.batches import revert_batch

    summary = run(revert_batch, batch_id)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    click.echo(f"batch {batch_id} reverted: {summary.removed} removed, {summary.restored} restored")
    for line in summary.left_alone:
        click.echo(f"left alone: {line}")


@main.group()
def duplicates() -> None:
    """Find duplicate companies or contacts, merge them, and undo a merge (SPEC §10)."""


KIND_OPTION = click.option("--kind", type=click.Choice(["companies", "contacts"]), default="companies",
                           show_default=True)


@duplicates.command("find")
@KIND_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print SPEC §10's object as one JSON object.")
def duplicates_find(kind: str, as_json: bool) -> None:
    """Candidate pairs, most likely first, without the pairs marked "not the same"."""
    from crm.dedupe.find import find

    candidates = run(find, kind)
    if as_json:
        click.echo(json.dumps({"candidates": [candidate.as_dict() for candidate in candidates]}, ensure_ascii=False))
        return
    for candidate in candidates:
        ids = " + ".join(f"#{record_id}" for record_id in candidate.ids)
        names = " / ".join(candidate.names)
        click.echo(f"{candidate.score:.2f}  {ids}  {names}  ({'; '.join(candidate.reasons)})")
    click.echo(f"{len(candidates)} candidate pairs", err=True)


@duplicates.command("merge")
@click.argument("keep_id", type=int)
@click.argument("other_id", type=int)
@KIND_OPTION
@click.option("--take", "takes", multiple=True, metavar="FIELD",
              help="Take this field's value from OTHER_ID even when KEEP_ID has one (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def duplicates_merge(keep_id: int, other_id: int, kind: str, takes: tuple[str, ...], as_json: bool) -> None:
    """Merge OTHER_ID into KEEP_ID: per field the kept value unless it is empty."""
    from crm.dedupe.find import kind_of
    from crm.dedupe.merge import merge

    result = run(merge, kind_of(kind), keep_id, other_id, choices={field: "merged" for field in takes})
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    moved = ", ".join(f"{count} {what}" for what, count in result["moved"].items())
    click.echo(f"merge {result['merge_id']}: #{other_id} merged into #{keep_id} ({moved})")


@duplicates.command("unmerge")
@click.argument("merge_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def duplicates_unmerge(merge_id: int, as_json: bool) -> None:
    """Undo a merge: the merged record back with its own values, and what moved moved back."""
    from crm.dedupe.merge import unmerge

    result = run(unmerge, merge_id)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    moved = ", ".join(f"{count} {what}" for what, count in result["moved_back"].items())
    click.echo(f"merge {merge_id} undone: #{result['restored']} restored ({moved})")
    for line in result["left_alone"]:
        click.echo(f"left alone: {line}")


@duplicates.command("not-same")
@click.argument("first_id", type=int)
@click.argument("second_id", type=int)
@KIND_OPTION
def duplicates_not_same(first_id: int, second_id: int, kind: str) -> None:
    """Remember that two records are not the same: never proposed again."""
    from crm.dedupe.find import mark_not_same

    new = run(mark_not_same, kind, first_id, second_id)
    click.echo(f"#{first_id} and #{second_id} marked not the same" + ("" if new else " (already)"))


@main.group()
def ytj() -> None:
    """The company register's open data (YTJ, PRH; licence CC BY 4.0)."""


@ytj.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--add-municipality", "municipalities", multiple=True, metavar="CODE",
              help="Also add the register's companies of this municipality that the record lacks (Espoo: 049).")
@click.option("--date", "file_date", help="The date the file is as of (default: the ZIP entry's, else the file's).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def ytj_load(file: Path, municipalities: tuple[str, ...], file_date: str | None, as_json: bool) -> None:
    """Enrich companies by Business ID from the register's bulk file (a ZIP) or an API page (.json)."""
    from crm.register.load import RegisterRefused, load_register

    day = _date_option("--date", file_date) if file_date else None

    async def job():
        with tqdm(total=None, unit="B", unit_scale=True, desc=file.name, file=sys.stderr, disable=None) as bar:
            def progress(done: int, size: int, records: int) -> None:
                bar.total = size
                bar.update(done - bar.n)
                bar.set_postfix(records=records, refresh=False)

            return await load_register(file, add_municipalities=municipalities, file_date=day, progress=progress)

    try:
        summary = run(job)
    except RegisterRefused as error:
        _fail(f"{file.name} refused: {error}")
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    click.echo(f"batch {summary.batch_id}: {summary.file} as of {summary.file_date}: "
               f"{summary.companies_in_file} companies in file, {summary.matched} matched, {summary.updated} updated, "
               f"{summary.unchanged} unchanged, {summary.added} added, {summary.ceased} ceased "
               f"({summary.newly_ceased} newly), {summary.invalid} invalid, "
               f"{summary.duplicates_in_file} duplicates in file, {summary.seconds} s")


@ytj.command("fetch")
@click.argument("business_id")
@click.option("--apply", "apply_", is_flag=True, help="Apply it to the record as `crm ytj load` would (a batch).")
@click.option("--api-url", default=None, help="The register's API (default: PRH's open-data YTJ API v3).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 120), help="Seconds to wait.")
def ytj_fetch(business_id: str, apply_: bool, api_url: str | None, timeout: float) -> None:
    """Look one company up in the register's API (online; 300 queries a minute) and print what it says."""
    import tempfile

    from crm.domain.register import map_record
    from crm.register.fetch import API_URL, LookupFailed, fetch_page, save_page
    from crm.register.load import RegisterRefused, load_register

    try:
        page = fetch_page(business_id, api_url=api_url or API_URL, timeout=timeout)
    except (LookupFailed, ValueError) as error:
        _fail(str(error))
    if not page["companies"]:
        _fail(f"The register has no company with Business ID {business_id.strip()}")
    record = map_record(page["companies"][0])
    result: dict = {"business_id": record.business_id, **record.data()}
    if apply_:
        with tempfile.TemporaryDirectory() as folder:
            try:
                summary = run(load_register, save_page(page, Path(folder), record.business_id))
            except RegisterRefused as error:
                _fail(str(error))
        result["applied"] = summary.as_dict()
    click.echo(json.dumps(result, ensure_ascii=False))


@main.command("export")
@click.argument("kind", type=click.Choice(["companies", "contacts", "interactions"]))
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--include-confidential", is_flag=True, help="Include confidential interactions.")
def export(kind: str, file_format: str, output: Path | None, include_confidential: bool) -> None:
    """Export what the database holds (CSV: UTF-8 with BOM, ';'-separated, for Finnish Excel)."""
    from crm.importing.export import export_file
    from crm.services import audit

    output = output or Path(f"{kind}.{file_format}")

    async def job() -> int:
        count = await export_file(kind, output, file_format=file_format, include_confidential=include_confidential)
        await audit.record_now(  # a disclosure log entry (tiedonhallintalaki 906/2019 17 §)
            action="export", entity=kind, entity_id=None, actor_id=None,
            changes={"rows": [None, count], "file": [None, str(output)],
                     "include_confidential": [None, include_confidential]})
        return count

    count = run(job)
    click.echo(f"{count} {kind} written to {output}", err=True)


@main.group()
def report() -> None:
    """The study's reports."""


@report.command("study")
@click.option("--json", "as_json", is_flag=True, help="Print SPEC §9's object as one JSON object.")
@click.option("--from", "date_from", help="Count what happened on or after this date (d.m.yyyy or yyyy-mm-dd).")
@click.option("--to", "date_to", help="Count what happened on or before this date.")
@click.option("--department", help="Only the companies this department holds (its code, e.g. TYO).")
def report_study(as_json: bool, date_from: str | None, date_to: str | None, department: str | None) -> None:
    """What a shared record gives: companies, what each department holds, overlap, sources, programmes."""
    from crm.reports.scope import Scope
    from crm.reports.study import study
    from crm.services.lookups import department_id_by_code

    async def job() -> dict:
        scope = Scope(date_from=_date_option("--from", date_from), date_to=_date_option("--to", date_to),
                      department_id=await department_id_by_code(department) if department else None)
        return await study(scope)

    result = run(job)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(_study_text(result))


def _date_option(name: str, value: str | None):
    from crm.domain.dates import parse_date

    try:
        return parse_date(value) if value else None
    except ValueError as error:
        _fail(f"{name}: {error}")


def _study_text(result: dict) -> str:
    """The study's object as tables a terminal shows."""
    import pandas as pd

    codes = list(result["held_by"])
    served = result["served_by"]
    lines = [f"Companies in the record: {result['companies']}",
             "Served by 0 / 1 / 2 / 3+ departments: " + " / ".join(str(served[key]) for key in ("0", "1", "2", "3+")),
             "", "Companies each department holds, and how many of them another department holds too:"]
    overlap = pd.DataFrame([[result["overlap"][a][b] for b in codes] for a in codes], index=codes, columns=codes)
    lines += [overlap.to_string(), ""]
    if result["sources"]:
        sources = pd.DataFrame(result["sources"]).set_index("batch_id")
        lines += ["Source files:", sources.to_string(), ""]
    if result.get("coverage"):
        cover = result["coverage"]
        lines += [f"Coverage of the register's companies in municipality {cover['municipality']} "
                  f"(as of {cover['as_of']}): {cover['held']} of {cover['registered']} held by a department "
                  f"({cover['share']:.1%})", ""]
    if result["programmes"]:
        programmes = pd.DataFrame.from_dict(result["programmes"], orient="index")
        lines += ["Programmes:", programmes.to_string()]
    return "\n".join(lines).rstrip()


@main.command()
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 100),
              help="Contacts with no interaction in this many years.")
@click.option("--apply", "apply_", is_flag=True, help="Anonymise them (without it: only list them).")
def retention(years: int, apply_: bool) -> None:
    """List (and with --apply anonymise) contacts with no interaction in N years. A dry run by default."""
    from crm.services.contacts import erase_contact, retention_candidates
    from crm.settings import Settings

    upload_dir = Settings.from_env().upload_dir

    async def job() -> int:
        candidates = await retention_candidates(years)
        for row in candidates:
            click.echo(f"contact #{row['id']} {row['first_name']} {row['last_name']}".rstrip())
            if apply_:
                await erase_contact(row["id"], upload_dir=upload_dir)
        return len(candidates)

    count = run(job)
    verb = "anonymised" if apply_ else "would be anonymised (dry run; --apply to do it)"
    click.echo(f"{count} contacts {verb}", err=True)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)
