"""`crm ytj load` (SPEC §11) on both engines: the register's values on the companies with the same
Business ID, local values it does not hold kept, every change audited as the register's, running
again changes nothing, a revert restores the record, ceased companies, added municipality companies
held by no department, refused files leave the database as it was."""

from __future__ import annotations

import copy
import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from test_import_support import crm, one_json_object, snapshot, write
from test_study import _compare_every_scope

from crm.importing.batches import revert_batch
from crm.importing.load import import_file
from crm.register.load import RegisterRefused, load_register
from crm.reports.study import study
from crm.services.companies import update_company
from crm.tables import AuditEvent, Company, CompanySource, ImportBatch, ImportRowError
DATA_DIR = Path(__file__).resolve().parent / "data"

pytestmark = pytest.mark.usefixtures("db")

SAMPLE_PAGE = DATA_DIR / "ytj_sample.json"
SAMPLE = json.loads(SAMPLE_PAGE.read_text(encoding="utf-8"))["companies"]
DAY = dt.date(2026, 3, 2)
# Two of the sample companies as a department knows them: old names, no address, a size class.
BIZ_FILE = ("Y-tunnus;Yritys;Kokoluokka;Verkkosivut;Postinumero\n"
            "0100990-4;Oy Saivokämppä;mikro;www.saivo.example;\n"
            "0104676-4;LEROS KY;pieni;;33100\n"
            "0106575-4;Tamrock Mining Oy;;;\n"
            ";Ilman Tunnusta Oy;;;02150\n")


def espoo_record(business_id: str, name: str, **extra) -> dict:
    raw = {
        "businessId": {"value": business_id, "registrationDate": "2021-04-01", "source": "3"},
        "names": [{"name": name, "type": "1", "registrationDate": "2021-04-01", "version": 1, "source": "1"}],
        "mainBusinessLine": {"type": "62010", "typeCodeSet": "TOIMI3", "descriptions": []},
        "companyForms": [{"type": "16", "descriptions": [], "version": 1, "source": "1"}],
        "companySituations": [],
        "addresses": [{"type": 1, "street": "Tekniikantie", "buildingNumber": "14", "postCode": "02150",
                       "postOffices": [{"city": "ESPOO", "languageCode": "1", "municipalityCode": "049"}]}],
        "registrationDate": "2021-04-01",
    }
    raw.update(extra)
    return raw


def bulk_zip(folder: Path, records: list, name: str = "ytj.zip", day: dt.date = DAY) -> Path:
    """The register's bulk file: a ZIP holding one JSON array."""
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("companies.json", date_time=(day.year, day.month, day.day, 6, 0, 0))
        archive.writestr(info, json.dumps(records, ensure_ascii=False))
    return path


async def _department_file(tmp_path: Path) -> int:
    return (await import_file("companies", write(tmp_path, "biz.csv", BIZ_FILE), department="BIZ")).batch_id


async def _company(business_id: str) -> dict:
    return await Company.select().where(Company.business_id == business_id).output(load_json=True).first()


async def test_the_register_wins_for_what_it_holds_and_local_values_it_lacks_are_kept(tmp_path):
    await _department_file(tmp_path)
    summary = await load_register(SAMPLE_PAGE, file_date=DAY)
    assert {key: summary.as_dict()[key] for key in
            ("companies_in_file", "matched", "updated", "unchanged", "added", "ceased", "invalid")} == \
        {"companies_in_file": 5, "matched": 3, "updated": 3, "unchanged": 0, "added": 0, "ceased": 0, "invalid": 0}
    saivo = await _company("0100990-4")
    assert (saivo["name"], saivo["company_form"], saivo["industry_code"], saivo["industry_classification"]) == \
        ("Saivokämppä Oy", "Osakeyhtiö", "68209", "TOL2008")
    assert (saivo["street"], saivo["postal_code"], saivo["city"], saivo["municipality_code"]) == \
        ("Suuruspäänkatu 5", "33240", "Tampere", "837")
    assert saivo["size_class"] == "mikro"  # the register does not hold it
    assert saivo["website"] == "https://www.saivo.example"  # the register has none: the local one stays
    assert saivo["other_names"] == ""  # the old name was the register's own, now ended
    assert saivo["register_data"]["registration_date"] == "1973-02-09"
    assert str(saivo["register_date"])[:10] == "2026-03-02"
    assert saivo["updated_by"] is None
    leros = await _company("0104676-4")
    assert (leros["name"], leros["other_names"], leros["website"], leros["street"]) == \
        ("Leros Oy", "Ma-Ru", "https://www.leros.fi", "Tuomiokirkonkatu 12 A 2")  # 'LEROS KY': the same name
    events = await AuditEvent.select().where((AuditEvent.entity == "company") & (AuditEvent.entity_id == leros["id"])
                                             ).order_by(AuditEvent.id).output(load_json=True)
    made = events[-1]
    assert (made["actor"], made["action"], made["user"]) == ("register", "update", None)
    assert made["changes"]["name"] == ["LEROS KY", "Leros Oy"]
    assert made["changes"]["register_file"] == [None, "ytj_sample.json"]
    assert made["changes"]["register_date"] == [None, "2026-03-02"]
    # a local name the register's replaced stays findable as another name
    assert (await _company("0106575-4"))["other_names"] == "Tamrock Corp.\nTamrock Mining Oy"
    assert await Company.count() == 4  # nothing added without --add-municipality
    await _compare_every_scope()


async def test_running_again_with_the_same_file_changes_nothing(tmp_path):
    await _department_file(tmp_path)
    await load_register(SAMPLE_PAGE, file_date=DAY)
    before = await snapshot(batches=False)
    again = await load_register(SAMPLE_PAGE, file_date=DAY)
    assert (again.matched, again.updated, again.unchanged, again.added) == (3, 0, 3, 0)
    assert await snapshot(batches=False) == before
    # the same data as of a newer file: only the date it is as of moves, nothing is audited
    events = await AuditEvent.count()
    newer = await load_register(SAMPLE_PAGE, file_date=DAY + dt.timedelta(days=1))
    assert (newer.updated, newer.unchanged) == (0, 3)
    assert str((await _company("0104676-4"))["register_date"])[:10] == "2026-03-03"
    assert await AuditEvent.count() == events + 1  # the batch's own event
    # an older file than the one read does not take the record back
    older = await load_register(SAMPLE_PAGE, file_date=DAY - dt.timedelta(days=30))
    assert (older.updated, older.unchanged) == (0, 3)
    assert str((await _company("0104676-4"))["register_date"])[:10] == "2026-03-03"


async def test_revert_restores_every_company_and_removes_the_added_ones(tmp_path):
    await _department_file(tmp_path)
    before = await snapshot(batches=False)
    study_before = await study()
    records = [*SAMPLE, espoo_record("0490001-4", "Kuplatech Oy")]
    summary = await load_register(bulk_zip(tmp_path, records), add_municipalities=["049"])
    assert (summary.updated, summary.added) == (3, 1)
    assert summary.file_date == "2026-03-02"  # the ZIP entry's date
    result = await revert_batch(summary.batch_id)
    assert (result.removed, result.restored, result.left_alone) == (1, 3, [])
    assert await snapshot(batches=False) == before
    assert await study() == study_before
    await _compare_every_scope()


async def test_revert_leaves_a_company_edited_since_alone(tmp_path):
    await _department_file(tmp_path)
    summary = await load_register(SAMPLE_PAGE, file_date=DAY)
    leros = await _company("0104676-4")
    await update_company(leros["id"], {"size_class": "keski"})
    result = await revert_batch(summary.batch_id)
    assert result.restored == 2 and result.left_alone == [f"company #{leros['id']} was edited since the import"]
    assert (await _company("0104676-4"))["name"] == "Leros Oy"


async def test_bankrupt_liquidated_and_ended_companies_are_marked_ceased(tmp_path):
    await import_file("companies", write(tmp_path, "biz.csv",
                                         "Y-tunnus;Yritys\n0490001-4;Konkurssi Oy\n0490002-2;Selvitys Oy\n"
                                         "0490003-0;Loppunut Oy\n0490004-9;Saneeraus Oy\n"), department="BIZ")
    records = [
        espoo_record("0490001-4", "Konkurssi Oy", companySituations=[{"type": "KONK", "registrationDate": "2025-01-01"}]),
        espoo_record("0490002-2", "Selvitys Oy", companySituations=[{"type": "SELTILA", "registrationDate": "2025-01-01"}]),
        espoo_record("0490003-0", "Loppunut Oy", endDate="2024-12-31"),
        espoo_record("0490004-9", "Saneeraus Oy", companySituations=[{"type": "SANE", "registrationDate": "2025-01-01"}]),
    ]
    summary = await load_register(bulk_zip(tmp_path, records))
    assert (summary.matched, summary.ceased, summary.newly_ceased) == (4, 3, 3)
    statuses = {row["name"]: row["status"] for row in await Company.select(Company.name, Company.status)}
    assert statuses == {"Konkurssi Oy": "ceased", "Selvitys Oy": "ceased", "Loppunut Oy": "ceased",
                        "Saneeraus Oy": "active"}
    again = await load_register(bulk_zip(tmp_path, records))
    assert (again.ceased, again.newly_ceased, again.updated) == (3, 0, 0)
    await _compare_every_scope()


async def test_add_municipality_adds_its_companies_held_by_no_department(tmp_path):
    await _department_file(tmp_path)
    records = [*SAMPLE,
               espoo_record("0490001-4", "Kuplatech Oy"),
               espoo_record("0490002-2", "Konkurssi Oy", companySituations=[{"type": "KONK"}]),  # ceased: not added
               espoo_record("0490003-0", "Vantaan Oy", addresses=[{"type": 1, "street": "Tie", "postCode": "01300",
                            "postOffices": [{"city": "VANTAA", "languageCode": "1", "municipalityCode": "092"}]}])]
    served_before = (await study())["served_by"]
    summary = await load_register(bulk_zip(tmp_path, records), add_municipalities=["49"])
    assert (summary.matched, summary.added, summary.add_municipalities) == (3, 1, ["049"])
    added = await _company("0490001-4")
    assert (added["name"], added["municipality_code"], added["city"], added["status"], added["study_mask"]) == \
        ("Kuplatech Oy", "049", "Espoo", "active", 0)
    sources = await CompanySource.select().where(CompanySource.company == added["id"])
    assert [(row["department"], row["via"]) for row in sources] == [(None, "register")]
    report = await study()
    assert report["companies"] == 5
    assert report["served_by"]["0"] == served_before["0"] + 1
    assert report["held_by"]["BIZ"] == 4
    await _compare_every_scope()
    again = await load_register(bulk_zip(tmp_path, records), add_municipalities=["049"])
    assert (again.matched, again.updated, again.added) == (4, 0, 0)
    # a department that later imports it holds it: the study moves it out of served_by["0"]
    await import_file("companies", write(tmp_path, "tyo.csv", "Y-tunnus;Yritys\n0490001-4;Kuplatech\n"),
                      department="TYO")
    assert (await study())["served_by"]["0"] == served_before["0"]
    await _compare_every_scope()


async def test_duplicates_and_invalid_records_are_counted_and_listed(tmp_path):
    records = [espoo_record("0490001-4", "Kuplatech Oy"), espoo_record("0490001-4", "Kuplatech Oy"),
               espoo_record("0490001-5", "Väärä Tarkiste Oy"), {"names": []}, "not an object"]
    summary = await load_register(bulk_zip(tmp_path, records), add_municipalities=["049"])
    assert (summary.companies_in_file, summary.added, summary.duplicates_in_file, summary.invalid) == (5, 1, 1, 3)
    errors = await ImportRowError.select(ImportRowError.line, ImportRowError.cells).where(
        ImportRowError.import_batch == summary.batch_id).order_by(ImportRowError.line).output(load_json=True)
    assert [(row["line"], row["cells"]) for row in errors] == [(3, ["0490001-5"]), (4, [""]), (5, [""])]


@pytest.mark.parametrize("content", [
    b"Y-tunnus;Yritys\n0112038-9;Nokia Oyj\n",  # a department's CSV
    b'{"totalResults": 1, "companies": [{"businessId": {"value": "0490001-4"}, "names": [',  # broken off
    b"",
    b'{"something": "else"}',
    b"\xff\xfe\x00\x00garbage",
])
async def test_a_file_that_is_not_the_register_s_is_refused_and_nothing_is_written(tmp_path, content):
    await _department_file(tmp_path)
    before = await snapshot(batches=False)
    with pytest.raises(RegisterRefused):
        await load_register(write(tmp_path, "page.json", content), add_municipalities=["049"])
    assert await snapshot(batches=False) == before


async def test_a_file_that_breaks_off_midway_rolls_everything_back(tmp_path):
    await _department_file(tmp_path)
    before = await snapshot(batches=False)
    records = [*SAMPLE * 40, *(espoo_record(f"0490{number:03d}-{check}", f"Yritys {number} Oy")
                               for number, check in ((1, 4), (2, 2), (3, 0), (4, 9)))]
    text = json.dumps(records)
    path = tmp_path / "cut.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("companies.json", text[:len(text) - 300])  # the array breaks off in its last records
    with pytest.raises(RegisterRefused, match="not valid JSON"):
        await load_register(path, add_municipalities=["049"], chunk_size=10)
    assert await snapshot(batches=False) == before
    batch = await ImportBatch.select().order_by(ImportBatch.id, ascending=False).first()
    assert (batch["kind"], batch["status"]) == ("register", "failed")
    damaged = tmp_path / "damaged.zip"
    data = bulk_zip(tmp_path, records).read_bytes()
    damaged.write_bytes(data[:len(data) // 2] + b"\x00" * 64 + data[len(data) // 2 + 64:])
    with pytest.raises(RegisterRefused):
        await load_register(damaged, add_municipalities=["049"], chunk_size=10)
    assert await snapshot(batches=False) == before


async def test_a_register_batch_is_reverted_from_the_cli_like_an_import(tmp_path):
    await _department_file(tmp_path)
    before = await snapshot(batches=False)
    page = copy.deepcopy(json.loads(SAMPLE_PAGE.read_text(encoding="utf-8")))
    page["companies"].append(espoo_record("0490001-4", "Kuplatech Oy"))
    path = write(tmp_path, "page.json", json.dumps(page))
    result = crm("ytj", "load", str(path), "--add-municipality", "049", "--date", "2.3.2026", "--json")
    assert result.returncode == 0, result.stderr
    summary = one_json_object(result.stdout)
    assert {key: summary[key] for key in ("companies_in_file", "matched", "updated", "unchanged", "added", "ceased")} \
        == {"companies_in_file": 6, "matched": 3, "updated": 3, "unchanged": 0, "added": 1, "ceased": 0}
    assert summary["file_date"] == "2026-03-02" and summary["seconds"] >= 0
    text = crm("ytj", "load", str(path), "--add-municipality", "049", "--date", "2026-03-02")
    assert text.returncode == 0 and "0 updated, 4 unchanged, 0 added" in text.stdout
    assert crm("import", "revert", str(summary["batch_id"])).returncode == 0
    assert await Company.count() == 4  # the company the first run added is gone with it
    assert crm("import", "revert", str(summary["batch_id"] + 1)).returncode == 0
    refused = crm("ytj", "load", str(write(tmp_path, "x.csv", "a;b\n1;2\n")))
    assert refused.returncode == 1 and "refused" in refused.stderr and "Traceback" not in refused.stderr
    assert crm("ytj", "load", str(path), "--add-municipality", "Espoo").returncode == 1
    del before


async def test_coverage_of_the_municipality_s_registered_companies_in_the_study(tmp_path):
    from tests.webutil import client, login, make_user

    assert "coverage" not in await study()  # no register load yet
    await make_user("manager@espoo.example", role="manager")
    async with client() as http:
        await login(http, "manager@espoo.example")
        missing = await http.get("/reports/export", params={"table": "coverage", "format": "csv"})
        assert missing.status_code == 404  # no register load has added a municipality yet
    await import_file("companies", write(tmp_path, "biz.csv", "Y-tunnus;Yritys\n0490001-4;Kuplatech\n"),
                      department="BIZ")
    await import_file("companies", write(tmp_path, "tyo.csv", "Y-tunnus;Yritys\n0490002-2;Toinen\n"),
                      department="TYO")
    records = [espoo_record("0490001-4", "Kuplatech Oy"), espoo_record("0490002-2", "Toinen Oy"),
               espoo_record("0490003-0", "Kolmas Oy"), espoo_record("0490004-9", "Neljäs Oy"),
               espoo_record("2345678-0", "Konkurssi Oy", companySituations=[{"type": "KONK"}]), *SAMPLE]
    await load_register(bulk_zip(tmp_path, records))  # without --add-municipality: no coverage yet
    assert "coverage" not in await study()
    await load_register(bulk_zip(tmp_path, records), add_municipalities=["049"])
    report = await study()
    assert report["coverage"] == {"municipality": "049", "as_of": "2026-03-02", "registered": 4, "held": 2,
                                  "share": 0.5}
    biz = (await study_scope("BIZ"))["coverage"]
    assert (biz["held"], biz["held_by_department"]) == (2, 1)
    await _compare_every_scope()
    result = crm("report", "study", "--json")
    assert one_json_object(result.stdout)["coverage"]["registered"] == 4
    assert "2 of 4 held by a department (50.0%)" in crm("report", "study").stdout
    async with client() as http:
        await login(http, "manager@espoo.example")
        html = (await http.get("/reports")).text
        assert "Coverage of the company register in Espoo" in html and "2 Mar 2026" in html
        assert 'aria-describedby="coverage-table"' in html and "50.0 %" in html
        html = (await http.get("/reports?department=BIZ")).text
        assert "Held by " in html
        csv = await http.get("/reports/export", params={"table": "coverage", "format": "csv"})
        assert csv.status_code == 200
        lines = csv.content.decode("utf-8-sig").splitlines()
        assert lines[1:] == ["Registered companies;4", "Held by at least one department;2",
                             "Share held by the city;50.0 %"]
        xlsx = await http.get("/reports/export", params={"table": "coverage", "format": "xlsx"})
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def study_scope(code: str) -> dict:
    from crm.reports.scope import Scope
    from crm.services.lookups import department_id_by_code

    return await study(Scope(department_id=await department_id_by_code(code)))


async def test_a_big_file_is_read_in_a_second_process_with_the_same_result(tmp_path, monkeypatch):
    from crm.register import load as register_load

    await _department_file(tmp_path)
    records = [*SAMPLE, espoo_record("0490001-4", "Kuplatech Oy"), espoo_record("0490001-4", "Kuplatech Oy"),
               {"names": []}]
    path = bulk_zip(tmp_path, records)
    monkeypatch.setattr(register_load, "PROCESS_MIN_BYTES", 0)
    ticks = []
    summary = await load_register(path, add_municipalities=["049"], chunk_size=2,
                                  progress=lambda done, size, read: ticks.append((done, size, read)))
    assert (summary.companies_in_file, summary.matched, summary.updated, summary.added, summary.duplicates_in_file,
            summary.invalid) == (8, 3, 3, 1, 1, 1)
    assert ticks[-1][2] == 8 and ticks[-1][0] == ticks[-1][1] and len(ticks) == 4
    again = await load_register(path, add_municipalities=["049"], chunk_size=2)
    assert (again.updated, again.unchanged, again.added) == (0, 4, 0)
    before = await snapshot(batches=False)
    text = json.dumps(records * 20)
    cut = tmp_path / "cut.zip"
    with zipfile.ZipFile(cut, "w") as archive:
        archive.writestr("companies.json", text[:len(text) - 100])
    with pytest.raises(RegisterRefused, match="not valid JSON"):
        await load_register(cut, add_municipalities=["049"], chunk_size=3)
    assert await snapshot(batches=False) == before
