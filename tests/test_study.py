"""The study's answers (SPEC §9) on a small hand-built record whose every number is worked out by hand:
three departments' company files that overlap by Business ID (written in different forms) and by
name + postal code, one interactions file, one batch reverted; then edits, a hand-made company and
an advisor's interaction, and the same answers from the CLI and on /reports."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter

import pytest
from openpyxl import load_workbook
from test_import_support import crm, write

from crm import db
from crm.importing.batches import revert_batch
from crm.importing.load import import_file
from crm.reports.scope import Scope, batch_masks_from_record
from crm.reports.study import mask_counts, study
from crm.services.companies import create_company, update_company
from crm.services import holdings, reach, tallies
from crm.services.interactions import create_interaction
from crm.tables import Company, CompanySource, CompanyTally, Department, User
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")

CODES = ["BIZ", "HELLO", "PLAN", "PREMISES", "TALENT", "TYO"]

BIZ_FILE = ("Y-tunnus;Yrityksen nimi;Postinumero;Postitoimipaikka\n"
            "0112038-9;Nokia Oyj;02610;Espoo\n"
            "1927400-1;KONE Oyj;02150;Espoo\n"
            "2336509-6;Supercell Oy;00180;Helsinki\n"
            ";Pöllösoft Oy;02150;Espoo\n"
            ";Kahvila Äijä Ky;02600;Espoo\n"
            "1234567-2;Virhe Oy;02100;Espoo\n")
TYO_FILE = ("Y-tunnus;Yritys;Postinumero\n"
            "FI01120389;NOKIA OYJ;02610\n"  # Nokia in the VAT form
            "19274001;KONE Oyj;02150\n"  # KONE without its hyphen
            ";Pöllösoft Oy;02150\n"  # matched by name and postal code
            ";Työpaikka Oy;02200\n"
            "0112038-9;Nokia Oyj;02610\n")  # Nokia again: a duplicate in the file
TALENT_FILE = ("Business ID,Company name,Postal code\n"
               "2336509-6,Supercell Oy,00180\n"
               ",Pöllösoft Oy,02150\n"
               ",Talent Startup Oy,02150\n")
HELLO_FILE = "Y-tunnus;Yritys\n0112038-9;Nokia Oyj\n;Hello Only Oy\n"
TALENT_INTERACTIONS = ("Päivämäärä;Y-tunnus;Yritys;Tyyppi;Aihe\n"
                       "3.2.2025;1927400-1;;Tapaaminen;Talent needs\n"
                       "10.3.2025;;Työpaikka Oy;Puhelu;Soft landing call\n"
                       "11.3.2025;;Ei Ole Oy;Puhelu;Unknown company\n")


def _matrix(cells: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    matrix = {a: dict.fromkeys(CODES, 0) for a in CODES}
    for (a, b), count in cells.items():
        matrix[a][b] = matrix[b][a] = count
    return matrix


async def _load(tmp_path) -> dict[str, int]:
    batches = {}
    for name, kind, text, department in (
        ("biz.csv", "companies", BIZ_FILE, "BIZ"), ("tyo.csv", "companies", TYO_FILE, "TYO"),
        ("talent.csv", "companies", TALENT_FILE, "TALENT"), ("hello.csv", "companies", HELLO_FILE, "HELLO"),
        ("talent_meetings.csv", "interactions", TALENT_INTERACTIONS, "TALENT"),
    ):
        summary = await import_file(kind, write(tmp_path, name, text), department=department)
        batches[name] = summary.batch_id
    await revert_batch(batches["hello.csv"])
    return batches


def _expected(batches: dict[str, int]) -> dict:
    def source(name, department, kind, rows, created, unchanged, duplicates, errors, invalid, companies, shared):
        return {"batch_id": batches[name], "department": department, "kind": kind, "file": name, "rows": rows,
                "created": created, "updated": 0, "unchanged": unchanged, "duplicates_in_file": duplicates,
                "errors": errors, "invalid_business_ids": invalid, "companies": companies, "shared": shared}

    # Nokia: BIZ TYO · KONE: BIZ TYO TALENT · Supercell: BIZ TALENT · Pöllösoft: BIZ TYO TALENT ·
    # Äijä: BIZ · Työpaikka: TYO TALENT · Talent Startup: TALENT (Hello Only left with its revert)
    return {
        "companies": 7,
        "held_by": {"BIZ": 5, "HELLO": 0, "PLAN": 0, "PREMISES": 0, "TALENT": 5, "TYO": 4},
        "served_by": {"0": 0, "1": 2, "2": 3, "3+": 2},
        "overlap": _matrix({("BIZ", "BIZ"): 5, ("TYO", "TYO"): 4, ("TALENT", "TALENT"): 5,
                            ("BIZ", "TYO"): 3, ("BIZ", "TALENT"): 3, ("TYO", "TALENT"): 3}),
        "sources": [
            source("biz.csv", "BIZ", "companies", 6, 5, 0, 0, 1, 1, 5, 4),
            source("tyo.csv", "TYO", "companies", 5, 1, 3, 1, 0, 0, 4, 4),
            source("talent.csv", "TALENT", "companies", 3, 1, 2, 0, 0, 0, 3, 2),
            source("talent_meetings.csv", "TALENT", "interactions", 3, 2, 0, 0, 1, 0, 2, 2),
        ],
        "programmes": {},
    }


async def test_the_study_counts_every_department_overlap_and_source_exactly(tmp_path):
    batches = await _load(tmp_path)
    assert await study() == _expected(batches)


async def test_the_cli_prints_the_same_object_and_readable_tables(tmp_path):
    batches = await _load(tmp_path)
    result = crm("report", "study", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == _expected(batches)
    text = crm("report", "study", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Companies in the record: 7" in text.stdout
    assert "Served by 0 / 1 / 2 / 3+ departments: 0 / 2 / 3 / 2" in text.stdout
    assert "talent_meetings.csv" in text.stdout and "hello.csv" not in text.stdout
    refused = crm("report", "study", "--from", "31.2.2025", cwd=tmp_path)
    assert refused.returncode == 1 and "--from" in refused.stderr and "31.2.2025" in refused.stderr


async def test_a_period_counts_what_happened_in_it(tmp_path):
    await _load(tmp_path)  # the imports happen today; the interactions are dated in 2025
    report = await study(Scope(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)))
    assert report["held_by"] == {"BIZ": 0, "HELLO": 0, "PLAN": 0, "PREMISES": 0, "TALENT": 2, "TYO": 0}
    assert report["served_by"] == {"0": 5, "1": 2, "2": 0, "3+": 0}
    assert report["sources"] == []
    february = await study(Scope(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 2, 28)))
    assert february["held_by"]["TALENT"] == 1


async def test_a_department_narrows_the_study_to_its_companies(tmp_path):
    batches = await _load(tmp_path)
    tyo = await Department.select(Department.id).where(Department.code == "TYO").first()
    report = await study(Scope(department_id=tyo["id"]))
    assert report["companies"] == 4
    assert report["held_by"] == {"BIZ": 3, "HELLO": 0, "PLAN": 0, "PREMISES": 0, "TALENT": 3, "TYO": 4}
    assert report["served_by"] == {"0": 0, "1": 0, "2": 2, "3+": 2}
    assert [source["batch_id"] for source in report["sources"]] == [batches["tyo.csv"]]


async def test_a_range_that_holds_nothing_counts_nothing_whatever_was_imported(tmp_path):
    """An empty record with one committed file whose every row was refused, then ranges that are no
    calendar period: around the file's day, a single day, years ahead, open-ended."""
    summary = await import_file("companies", write(tmp_path, "bad.csv", "Y-tunnus;Yritys\n1234567-2;\n<script>;\n"),
                                department="BIZ")
    assert (summary.created, summary.errors) == (0, 2)
    today = dt.date.today()
    for first, last in ((today - dt.timedelta(days=3), today + dt.timedelta(days=2)), (today, today),
                        (dt.date(2100, 1, 2), dt.date(2100, 2, 3)), (None, today), (today, None)):
        report = await study(Scope(first, last))
        assert (report["companies"], report["served_by"]["0"]) == (0, 0), (first, last)
        made_in_range = Scope(first, last).holds(today)
        assert [(source["file"], source["companies"], source["shared"]) for source in report["sources"]] == \
            ([("bad.csv", 0, 0)] if made_in_range else []), (first, last)


async def test_holdings_follow_edits_a_hand_made_company_an_interaction_and_a_revert(tmp_path):
    batches = await _load(tmp_path)
    nokia = await Company.select(Company.id).where(Company.business_id == "0112038-9").first()
    await update_company(nokia["id"], {"website": "https://nokia.example"})  # an edit holds nothing new
    assert (await study())["served_by"] == {"0": 0, "1": 2, "2": 3, "3+": 2}

    planner = await make_user("planner@espoo.example", department="PLAN")
    new_id = await create_company({"name": "Kaavoitus Oy", "postal_code": "02100"}, actor_id=planner)
    premises = await make_user("premises@espoo.example", department="PREMISES")
    premises_department = (await User.select(User.department).where(User.id == premises).first())["department"]
    await create_interaction({"date": "1.6.2026", "kind": "visit", "subject": "Tilat"}, company_id=nokia["id"],
                             department_id=premises_department, advisor_id=premises, actor_id=premises)
    await create_interaction({"date": "2.6.2026", "kind": "call", "subject": "Tilat 2"}, company_id=nokia["id"],
                             department_id=premises_department, advisor_id=premises, actor_id=premises)
    report = await study()
    assert report["companies"] == 8
    assert report["held_by"]["PLAN"] == 1 and report["held_by"]["PREMISES"] == 1
    assert report["served_by"] == {"0": 0, "1": 3, "2": 2, "3+": 3}  # Kaavoitus new; Nokia now 3
    held = await CompanySource.select().where((CompanySource.company == nokia["id"])
                                              & (CompanySource.via == "interaction"))
    assert [(row["interactions"], row["first_date"], row["last_date"]) for row in held] == [
        (2, dt.date(2026, 6, 1), dt.date(2026, 6, 2))]
    assert await CompanySource.exists().where((CompanySource.company == new_id) & (CompanySource.via == "created"))

    await revert_batch(batches["talent_meetings.csv"])  # its interactions go, and TALENT's hold through them
    report = await study()
    assert report["held_by"]["TALENT"] == 3  # Supercell, Pöllösoft, Talent Startup from its company file
    assert report["overlap"]["TYO"]["TALENT"] == 1  # Pöllösoft; KONE and Työpaikka only through the meetings
    assert batches["talent_meetings.csv"] not in [source["batch_id"] for source in report["sources"]]


async def test_importing_the_same_file_again_holds_nothing_new(tmp_path):
    await _load(tmp_path)
    before = await CompanySource.count()
    summary = await import_file("companies", write(tmp_path, "tyo.csv", TYO_FILE), department="TYO")
    assert summary.unchanged == 4 and summary.created == 0
    assert await CompanySource.count() == before + 4  # the new batch's own four holdings
    assert (await study())["held_by"]["TYO"] == 4


async def test_a_dry_run_holds_nothing(tmp_path):
    await import_file("companies", write(tmp_path, "biz.csv", BIZ_FILE), department="BIZ", dry_run=True)
    assert await CompanySource.count() == 0


# --- /reports ---------------------------------------------------------------------------------


async def test_reports_page_for_managers_with_charts_tables_and_downloads(tmp_path):
    await _load(tmp_path)
    tyo_user = await make_user("advisor.tyo@espoo.example", department="TYO")
    tyo = (await User.select(User.department).where(User.id == tyo_user).first())["department"]
    kone = await Company.select(Company.id).where(Company.business_id == "1927400-1").first()
    await create_interaction({"date": "5.5.2026", "kind": "meeting", "subject": "Irtisanomiset salaisesti",
                              "notes": "Yt-neuvottelut alkavat", "confidential": "yes"},
                             company_id=kone["id"], department_id=tyo, advisor_id=tyo_user, actor_id=tyo_user)
    await make_user("manager@espoo.example", role="manager")
    await make_user("advisor@espoo.example")
    async with client() as http:
        await login(http, "advisor@espoo.example")
        assert (await http.get("/reports")).status_code == 403
        assert (await http.get("/reports/export?table=overlap&format=csv")).status_code == 403
    async with client() as http:
        await login(http, "manager@espoo.example")
        page = await http.get("/reports")
        assert page.status_code == 200
        html = page.text
        assert '<table class="list heat" id="overlap-table">' in html
        assert '<svg viewBox' in html and 'aria-describedby="served-table"' in html
        assert "talent_meetings.csv" in html and "hello.csv" not in html
        assert "Irtisanomiset" not in html and "Yt-neuvottelut" not in html
        home = await http.get("/")
        assert "The shared record" in home.text

        csv_file = await http.get("/reports/export?table=sources&format=csv")
        assert csv_file.status_code == 200
        text = csv_file.content.decode("utf-8-sig")
        assert csv_file.content.startswith(b"\xef\xbb\xbf") and text.splitlines()[0].startswith("Batch;File;")
        assert "biz.csv;Business Espoo;Companies;" in text
        xlsx = await http.get("/reports/export?table=overlap&format=xlsx&department=TYO")
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert rows[0][0] == "Department" and rows[1][0] == "Business Espoo"
        assert (await http.get("/reports/export?table=nothing&format=csv")).status_code == 404

        bad = await http.get("/reports?from=31.2.2026&department=NOPE")
        assert bad.status_code == 422
        assert "does not exist" in bad.text and "Unknown department" in bad.text


def test_the_period_shortcuts_are_whole_months_quarters_and_years():
    from crm.reports.scope import periods

    def shown(today):
        return {label: (first.isoformat(), last.isoformat()) for label, first, last in periods(today)}

    assert shown(dt.date(2026, 1, 15)) == {
        "This month": ("2026-01-01", "2026-01-31"), "Last month": ("2025-12-01", "2025-12-31"),
        "This quarter": ("2026-01-01", "2026-03-31"), "Last quarter": ("2025-10-01", "2025-12-31"),
        "This year": ("2026-01-01", "2026-12-31"), "Last year": ("2025-01-01", "2025-12-31")}
    assert shown(dt.date(2024, 3, 1))["Last month"] == ("2024-02-01", "2024-02-29")
    assert shown(dt.date(2026, 12, 31))["This quarter"] == ("2026-10-01", "2026-12-31")
    assert shown(dt.date(2026, 8, 1))["Last quarter"] == ("2026-04-01", "2026-06-30")


def test_only_a_calendar_month_quarter_or_year_is_read_from_the_running_totals():
    from crm.domain.periods import period_of

    day = dt.date
    assert period_of(day(2024, 2, 1), day(2024, 2, 29)) == "2024-02"
    assert period_of(day(2026, 10, 1), day(2026, 12, 31)) == "2026-Q4"
    assert period_of(day(2026, 1, 1), day(2026, 12, 31)) == "2026"
    for first, last in ((day(2026, 1, 1), day(2026, 6, 30)), (day(2026, 2, 1), day(2026, 4, 30)),
                        (day(2025, 12, 1), day(2026, 1, 31)), (day(2026, 4, 1), day(2026, 4, 29)),
                        (day(2026, 4, 2), day(2026, 4, 30)), (None, day(2026, 4, 30)), (day(2026, 4, 1), None)):
        assert period_of(first, last) is None, (first, last)


def test_any_other_range_splits_into_whole_months_a_year_at_a_time_and_the_days_around_them():
    from crm.domain.periods import split

    day = dt.date
    mid = split(day(2026, 2, 15), day(2026, 5, 10))
    assert mid.months == ((2026, range(3, 5)),)
    assert mid.days == ((day(2026, 2, 15), day(2026, 2, 28)), (day(2026, 5, 1), day(2026, 5, 10)))
    assert (mid.base, mid.others) == ((2026, range(3, 5)), ())
    across = split(day(2025, 2, 15), day(2026, 4, 2))  # the year with the most whole months is the base
    assert across.months == ((2025, range(3, 13)), (2026, range(1, 4)))
    assert across.days == ((day(2025, 2, 15), day(2025, 2, 28)), (day(2026, 4, 1), day(2026, 4, 2)))
    assert (across.base, across.others) == ((2025, range(3, 13)), ((2026, range(1, 4)),))
    leap = split(day(2024, 2, 1), day(2024, 2, 29))
    assert (leap.months, leap.days) == (((2024, range(2, 3)),), ())
    within = split(day(2026, 4, 2), day(2026, 4, 29))  # no whole month: the days alone
    assert (within.months, within.days, within.base) == ((), ((day(2026, 4, 2), day(2026, 4, 29)),), None)


async def test_a_period_shortcut_keeps_the_department_and_shows_as_the_current_one(tmp_path):
    from html import unescape

    await _load(tmp_path)
    await make_user("manager@espoo.example", role="manager")
    year = dt.date.today().year - 1
    async with client() as http:
        await login(http, "manager@espoo.example")
        page = unescape((await http.get("/reports?department=biz")).text)
        link = f"/reports?from={year}-01-01&to={year}-12-31&department=BIZ"
        assert f'<a href="{link}">Last year</a>' in page
        chosen = await http.get(link)
        assert chosen.status_code == 200
        assert f'<a href="{link}" aria-current="true">Last year</a>' in unescape(chosen.text)


async def test_reports_speak_finnish_and_swedish(tmp_path):
    await _load(tmp_path)
    await make_user("manager@espoo.example", role="manager")
    await User.update({User.language: ""}).where(User.email == "manager@espoo.example")  # the browser decides
    async with client() as http:
        await login(http, "manager@espoo.example")
        finnish = await http.get("/reports", headers={"Accept-Language": "fi"})
        assert "Yksiköiden yhteiset asiakkaat" in finnish.text and "Lähdetiedostot" in finnish.text
        swedish = await http.get("/reports", headers={"Accept-Language": "sv"})
        assert "Överlappning mellan enheter" in swedish.text and "Källfiler" in swedish.text


async def test_the_migration_back_fills_holdings_of_data_stored_before_it(tmp_path):
    """What an old batch created or updated, every interaction, and companies made by hand come back;
    rows an old batch matched without changing left no trace (TYO's Nokia, KONE and Pöllösoft,
    TALENT's Supercell and Pöllösoft)."""
    import importlib.util

    from crm.paths import MIGRATIONS_DIR

    await _load(tmp_path)
    planner = await make_user("planner@espoo.example", department="PLAN")
    await create_company({"name": "Kaavoitus Oy"}, actor_id=planner)
    await CompanySource.delete(force=True)
    spec = importlib.util.spec_from_file_location("backfill", MIGRATIONS_DIR / "crm_2026_12_01t21_31_00_000000.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    manager = await migration.forwards()
    for run in manager.raw:
        await run()
    async with db.write_transaction():  # the next migration counts the study's totals from them
        await tallies.rebuild()
    report = await study()
    assert report["held_by"] == {"BIZ": 5, "HELLO": 0, "PLAN": 1, "PREMISES": 0, "TALENT": 3, "TYO": 1}
    assert report["overlap"]["TYO"]["TALENT"] == 1  # Työpaikka: created by TYO's file, met by TALENT
    invalid = {source["file"]: source["invalid_business_ids"] for source in report["sources"]}
    assert invalid["biz.csv"] == 1


# --- the running totals equal a count from the record -------------------------------------------

EVERYTHING = Scope(date_from=dt.date(1900, 1, 1))  # a period holding all there is: counted from the record


async def _compare_every_scope() -> None:
    from crm.reports import activity, companies
    from crm.reports.overview import overview

    for department in [None, *(row["id"] for row in await Department.select(Department.id))]:
        kept, counted = Scope(department_id=department), Scope(EVERYTHING.date_from, None, department)
        assert await study(kept) == await study(counted), department
        assert await companies.industry_mix(kept) == await companies.industry_mix(counted), department
        assert await companies.municipalities(kept) == await companies.municipalities(counted), department
        assert await activity.per_month(kept) == await activity.per_month(counted), department
        assert (await overview(kept)).headline == (await overview(counted)).headline.__class__(
            kept, *list((await overview(counted)).headline.__dict__.values())[1:]), department
    await _months_equal_a_count()  # and a period's whole months read what its holdings give
    await _calendar_periods_equal_a_count()


def _calendar_periods() -> list[tuple[dt.date, dt.date]]:
    """Every year and quarter the record holds anything in, this month and a few months with holdings."""
    from crm.reports.scope import periods

    quarters = [(dt.date(year, month, 1), dt.date(year, month + 2, 30 if month in (4, 7) else 31))
                for year in (2025, 2026) for month in (1, 4, 7, 10)]
    months = [(dt.date(2025, 2, 1), dt.date(2025, 2, 28)), (dt.date(2025, 5, 1), dt.date(2025, 5, 31)),
              (dt.date(2026, 4, 1), dt.date(2026, 4, 30)), (dt.date(2026, 6, 1), dt.date(2026, 6, 30))]
    shortcuts = [(first, last) for _, first, last in periods(dt.date.today())]
    return [(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
            *quarters, *months, *shortcuts]


async def _calendar_periods_equal_a_count() -> None:
    """A calendar month, quarter or year, read from the periods' running totals, gives what a count
    from the record gives: the companies per mask, section, place and Business ID, every source's
    companies and shared ones, and every programme's reach, with each department and without."""
    from crm.reports import programmes
    from crm.domain.periods import period_of
    from crm.reports.scope import counted_from_record, counting

    departments = [None, *(row["id"] for row in await Department.select(Department.id))]
    for first, last in _calendar_periods():
        assert period_of(first, last), (first, last)
        for department in departments if first.month == 1 and last.month in (3, 12) else [None]:
            scope = Scope(first, last, department)
            kept = await counting(scope)
            assert kept.period
            counted = await counted_from_record(scope)
            assert not counted.period
            assert (kept.profile, await study(kept), await programmes.reach(kept)) == \
                (counted.profile, await study(counted), await programmes.reach(counted)), (first, last, department)


def _periods() -> list[tuple[dt.date | None, dt.date | None]]:
    """Whole months (one, a year, across years), days that make no whole month, ends left open."""
    today = dt.date.today()
    month = today.replace(day=1)
    return [(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (dt.date(2025, 2, 15), dt.date(2026, 4, 2)),
            (dt.date(2026, 4, 1), dt.date(2026, 4, 30)), (dt.date(2026, 4, 2), dt.date(2026, 4, 20)),
            (None, dt.date(2026, 3, 31)), (dt.date(2025, 6, 1), None), (month, None), (today, today),
            (month - dt.timedelta(days=40), today)]


async def _months_equal_a_count() -> None:
    """A period's companies and their departments, read mostly from company_year (scope.counting),
    are the ones its holdings give when grouped one by one; and so are its batches' companies."""
    from crm.services.tallies import MASK_SQL

    for first, last in _periods():
        scope = Scope(first, last)
        pairs, params = scope.holding_pairs()
        masks = (f"SELECT company_source.company AS company, {MASK_SQL} AS mask FROM ({pairs}) AS company_source "
                 f"GROUP BY company_source.company")
        grouped = Counter(int(row["mask"]) for row in await Company.raw(masks, *params))
        assert await mask_counts(scope) == dict(grouped), (first, last)
        batch_range, batch_params = scope.range_sql("company_source.first_date")
        batches = await Company.raw(
            f"SELECT company_source.import_batch AS batch, masks.mask AS mask, "
            f"COUNT(DISTINCT company_source.company) AS companies FROM company_source "
            f"JOIN ({masks}) AS masks ON masks.company = company_source.company "
            f"WHERE company_source.import_batch IS NOT NULL AND company_source.department IS NOT NULL{batch_range} "
            f"GROUP BY company_source.import_batch, masks.mask", *params, *batch_params)
        expected = {(row["batch"], int(row["mask"])): int(row["companies"]) for row in batches}
        assert {(row["batch"], int(row["mask"])): int(row["companies"])
                for row in await batch_masks_from_record(scope, await _batches_made_in(first, last))} == expected, \
            (first, last)
        for department in [None, *(row["id"] for row in await Department.select(Department.id))]:
            assert await _reach_of(Scope(first, last, department)) == await _reach_grouped(Scope(first, last, department))


async def _batches_made_in(first: dt.date | None, last: dt.date | None) -> list[int]:
    from crm.tables import ImportBatch

    return [row["id"] for row in await ImportBatch.select(ImportBatch.id, ImportBatch.started_at)
            if Scope(first, last).holds(row["started_at"].date())]


async def _reach_of(scope: Scope) -> dict:
    from crm.reports import programmes

    return {row["code"]: (row["companies"], row["interactions"], row["theme_companies"], row["theme_interactions"])
            for row in await programmes.reach(scope)}


async def _reach_grouped(scope: Scope) -> dict:
    """Programme reach counted from the tagged interactions one by one: the companies reached (a
    department's own interactions, or all of them and the tagged companies), the interactions."""
    from crm.tables import Programme

    dated, params = scope.range_sql("interaction.date")
    if scope.department_id:
        dated, params = dated + " AND interaction.department = {}", [*params, scope.department_id]
    logged = ("SELECT interaction_programme.programme AS programme, interaction.company AS company "
              "FROM interaction_programme JOIN interaction ON interaction.id = interaction_programme.interaction "
              f"WHERE interaction.deleted_at IS NULL{dated}")
    reached = logged if scope.department_id else f"{logged} UNION ALL SELECT programme, company FROM company_programme"
    theme = "COALESCE(programme.theme, programme.id)"
    result = {}
    for row in await Programme.select().order_by(Programme.code):
        is_theme = row["theme"] is None
        companies = await Programme.raw(f"SELECT COUNT(DISTINCT company) AS n FROM ({reached}) AS reached "
                                        f"WHERE programme = {{}}", *params, row["id"])
        interactions = await Programme.raw(f"SELECT COUNT(*) AS n FROM ({logged}) AS logged WHERE programme = {{}}",
                                           *params, row["id"])
        theme_companies = await Programme.raw(
            f"SELECT COUNT(DISTINCT company) AS n FROM ({reached}) AS reached JOIN programme "
            f"ON programme.id = reached.programme WHERE {theme} = {{}}", *params, row["id"])
        theme_interactions = await Programme.raw(
            f"SELECT COUNT(*) AS n FROM ({logged}) AS logged JOIN programme ON programme.id = logged.programme "
            f"WHERE {theme} = {{}}", *params, row["id"])
        result[row["code"]] = (companies[0]["n"], interactions[0]["n"],
                               theme_companies[0]["n"] if is_theme else None,
                               theme_interactions[0]["n"] if is_theme else None)
    return result


async def _period_totals() -> list[dict]:
    """The calendar periods' running totals, one row per key."""
    return await Company.raw(
        "SELECT period, batch, mask, section, place, with_business_id, SUM(companies) AS companies FROM period_tally "
        "GROUP BY period, batch, mask, section, place, with_business_id HAVING SUM(companies) <> 0 "
        "ORDER BY period, batch, mask, section, place, with_business_id")


async def _reach_totals() -> list[dict]:
    """Programme reach per calendar period, one row per key."""
    return await Company.raw(
        "SELECT period, programme, theme_level, mask, tagged, SUM(companies) AS companies FROM reach_tally "
        "GROUP BY period, programme, theme_level, mask, tagged HAVING SUM(companies) <> 0 "
        "ORDER BY period, programme, theme_level, mask, tagged")


async def _company_years() -> list[dict]:
    return await Company.raw("SELECT * FROM company_year ORDER BY year, company")


async def test_the_running_totals_equal_a_count_from_the_record_after_every_kind_of_write(tmp_path):
    from crm.services.programmes import upsert_programme

    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    theme, _ = await upsert_programme({"code": "PARAS", "name_fi": "Paras paikka"})
    await upsert_programme({"code": "SOFT", "name_fi": "Soft Landing", "theme": "PARAS"})
    batches = await _load(tmp_path)
    await import_file("companies", write(tmp_path, "plan.csv",
                                         "Y-tunnus;Yritys;Toimiala;Kuntakoodi;Ohjelmat\n"
                                         "0112038-9;Nokia Oyj;26110;049;KUPLA\n"
                                         ";Kaavatoimisto Oy;71121;091;SOFT\n"), department="PLAN")
    await import_file("interactions", write(tmp_path, "premises.csv",
                                            "Päivämäärä;Y-tunnus;Tyyppi;Aihe;Ohjelmat;Luottamuksellinen\n"
                                            "1.3.2026;1927400-1;Käynti;Tilat;KUPLA;\n"
                                            "2.4.2026;0112038-9;Puhelu;Vuokra;SOFT,KUPLA;kyllä\n"
                                            "3.4.2026;0112038-9;Puhelu;Vuokra 2;;\n"), department="PREMISES")
    await _compare_every_scope()

    advisor = await make_user("advisor.hello@espoo.example", department="HELLO")
    hello = (await User.select(User.department).where(User.id == advisor).first())["department"]
    nokia = (await Company.select(Company.id).where(Company.business_id == "0112038-9").first())["id"]
    own = await create_company({"name": "Hello Startup Oy", "industry_code": "62010", "city": "Espoo",
                                "programmes": "KUPLA"}, actor_id=advisor)
    interaction = await create_interaction({"date": "5.5.2025", "kind": "event", "subject": "Kick-off",
                                            "programmes": "SOFT"}, company_id=nokia, department_id=hello,
                                           advisor_id=advisor, actor_id=advisor)
    await update_company(nokia, {"industry_code": "64190", "municipality_code": "091", "programmes": "SOFT"})
    await update_company(own, {"programmes": ""})
    from crm.services.interactions import update_interaction

    await update_interaction(interaction, {"date": "6.6.2026"}, actor_id=advisor)
    await _compare_every_scope()

    await revert_batch(batches["tyo.csv"])
    premises = (await study())["sources"][-1]
    await revert_batch(premises["batch_id"])
    await _compare_every_scope()

    before = {kind: await study(Scope(department_id=kind)) for kind in (None, hello)}
    months, kept, reached = await _company_years(), await _period_totals(), await _reach_totals()
    async with db.write_transaction():
        await tallies.rebuild()
        await holdings.rebuild_months()
        await reach.rebuild()
    assert {kind: await study(Scope(department_id=kind)) for kind in (None, hello)} == before
    assert await _company_years() == months and months
    assert await _period_totals() == kept and kept
    assert await _reach_totals() == reached and reached
    assert await CompanyTally.count() > 0


async def test_concurrent_writers_keep_the_totals_exact(tmp_path):
    """Advisors of three departments log programme interactions with the same companies at once (on
    PostgreSQL in transactions that overlap; SQLite queues them): the running totals stay exact."""
    import asyncio

    from crm.services.programmes import upsert_programme

    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    await _load(tmp_path)
    companies = [row["id"] for row in await Company.select(Company.id).order_by(Company.id)]
    advisors = []
    for code in ("HELLO", "PLAN", "PREMISES"):
        user = await make_user(f"advisor.{code.lower()}@espoo.example", department=code)
        advisors.append((user, (await User.select(User.department).where(User.id == user).first())["department"]))

    async def log(user: int, department: int, company: int, day: int) -> None:
        await create_interaction({"date": f"{day}.5.2026", "kind": "call", "subject": f"Kupla {day}",
                                  "programmes": "KUPLA"}, company_id=company, department_id=department,
                                 advisor_id=user, actor_id=user)

    await asyncio.gather(*(log(user, department, company, day)
                           for day, company in enumerate(companies[:4], 1) for user, department in advisors))
    report = await study()
    assert report["held_by"]["HELLO"] == report["held_by"]["PLAN"] == report["held_by"]["PREMISES"] == 4
    assert report["programmes"]["KUPLA"] == {"companies": 4, "interactions": 12}
    await _compare_every_scope()


async def test_a_period_of_whole_months_reads_the_same_activity_as_a_count(tmp_path):
    from crm.reports import activity

    await _load(tmp_path)
    advisor = await make_user("advisor.talent@espoo.example", department="TALENT")
    talent_id = (await User.select(User.department).where(User.id == advisor).first())["department"]
    kone = (await Company.select(Company.id).where(Company.business_id == "1927400-1").first())["id"]
    for day in ("1.4.2025", "31.1.2025"):  # outside the period
        await create_interaction({"date": day, "kind": "call", "subject": "Outside"}, company_id=kone,
                                 department_id=talent_id, advisor_id=advisor, actor_id=advisor)
    months = Scope(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 3, 31))
    days = Scope(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 3, 30))  # counted from the record
    talent = (await Department.select(Department.id).where(Department.code == "TALENT").first())["id"]
    assert await activity.per_month(months) == await activity.per_month(days) == [
        {"month": "2025-02", "department": talent, "interactions": 1},
        {"month": "2025-03", "department": talent, "interactions": 1}]
    # months held in part are counted from their days, the months between from the running totals
    assert await activity.per_month(Scope(date_from=dt.date(2025, 1, 31), date_to=dt.date(2025, 3, 10))) == [
        {"month": "2025-01", "department": talent, "interactions": 1},
        {"month": "2025-02", "department": talent, "interactions": 1},
        {"month": "2025-03", "department": talent, "interactions": 1}]
    assert await activity.per_month(Scope(date_from=dt.date(2025, 2, 4), date_to=dt.date(2025, 3, 9))) == []
    assert await activity.per_month(Scope(date_from=dt.date(2025, 1, 31), date_to=dt.date(2025, 1, 31),
                                          department_id=talent)) == [
        {"month": "2025-01", "department": talent, "interactions": 1}]
