"""/imports in the browser's place: upload, mapping and profiles, preview with the dry run,
background run with progress, result, error file, revert, history; admins only."""

from __future__ import annotations

import asyncio

import pytest

from crm.i18n import reason_in
from crm.importing import jobs
from crm.tables import Company, ImportBatch, ImportUpload, MappingProfile
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")
HTML = {"Accept": "text/html"}
FILE = ("Y-tunnus;Asiakkaan virallinen nimi;Postinumero;Postitoimipaikka;Lisätieto\r\n"
        "0112038-9;Nokia Oyj;2610;Espoo;iso\r\n"
        "1927400-1;KONE Oyj;02150;Espoo;\r\n"
        "1234567-2;Väärä Oy;02100;Espoo;=HYPERLINK(\"x\")\r\n"
        ";Äijän Kahvila Ky;02100;Espoo;\r\n").encode("cp1252")


async def _upload(c, token: str, content: bytes = FILE, name: str = "asiakkaat.csv", kind: str = "companies"):
    return await c.post("/imports/upload", files={"file": (name, content, "text/csv")},
                        data={"kind": kind, "department": "BIZ"}, headers={"X-CSRFToken": token},
                        follow_redirects=False)


async def _wait(c, upload_id: int, until: tuple[str, ...]) -> dict:
    for _ in range(200):
        upload = await ImportUpload.select().where(ImportUpload.id == upload_id).output(load_json=True).first()
        if upload["status"] in until:
            return upload
        await asyncio.sleep(0.05)
    raise AssertionError(f"upload {upload_id} stayed {upload['status']}")


async def test_only_admins_reach_imports():
    await make_user("aino@espoo.example")
    await make_user("boss@espoo.example", role="manager")
    for email in ("aino@espoo.example", "boss@espoo.example"):
        async with client() as c:
            token = await login(c, email)
            for path in ("/imports", "/imports/uploads/1", "/imports/uploads/1/preview", "/imports/1",
                         "/imports/1/errors.csv"):
                assert (await c.get(path, headers=HTML)).status_code == 403, (email, path)
            assert (await _upload(c, token)).status_code == 403
            assert (await c.post("/imports/1/revert", data={"confirm": "1", "_csrf_token": token},
                                 headers=HTML)).status_code == 403
    assert await ImportUpload.count() == 0


async def test_upload_needs_the_csrf_token_as_a_header():
    await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        in_form = await c.post("/imports/upload", files={"file": ("a.csv", FILE, "text/csv")},
                               data={"kind": "companies", "department": "BIZ", "_csrf_token": token})
        assert in_form.status_code == 403
        forged = await c.post("/imports/upload", files={"file": ("a.csv", FILE, "text/csv")},
                              data={"kind": "companies"}, headers={"X-CSRFToken": "forged" * 20})
        assert forged.status_code == 403
    assert await ImportUpload.count() == 0


async def test_upload_refuses_other_types_binary_and_oversize(monkeypatch):
    await make_user("root@espoo.example", role="admin")
    monkeypatch.setenv("CRM_MAX_UPLOAD_MB", "1")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        exe = await _upload(c, token, b"MZ\x90\x00", name="virus.exe")
        assert exe.status_code == 422 and "Upload a CSV or XLSX file" in exe.text
        garbage = await _upload(c, token, bytes(range(256)) * 50, name="roska.csv")
        assert garbage.status_code == 422 and "binary" in garbage.text
        huge = await _upload(c, token, b"Y-tunnus;Nimi\n" + b"0112038-9;Nokia\n" * 80_000, name="iso.csv")
        assert huge.status_code == 422 and "larger than 1 MB" in huge.text
    assert await ImportUpload.count() == 0


async def test_round_trip_mapping_profile_preview_run_errors_revert():
    await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        uploaded = await _upload(c, token)
        assert uploaded.status_code == 303
        upload_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        mapping = await c.get(f"/imports/uploads/{upload_id}")
        assert "cp1252" in mapping.text and "“;”" in mapping.text
        assert "Asiakkaan virallinen nimi" in mapping.text
        # the name column is not recognised: choosing it by hand, and saving the profile
        saved = await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "business_id", "column-1": "name", "column-2": "postal_code", "column-3": "city",
            "column-4": "", "profile_name": "BIZ asiakasrekisteri", "_csrf_token": token}, follow_redirects=False)
        assert saved.status_code == 303
        assert await MappingProfile.count() == 1
        preview = await c.get(f"/imports/uploads/{upload_id}/preview")
        assert "wrong check digit" in preview.text and "02610" in preview.text
        assert "search_text" not in preview.text and "name_key" not in preview.text  # derived, not written
        checked = await _wait(c, upload_id, ("checked", "failed"))
        assert checked["dry_run"]["created"] == 3 and checked["dry_run"]["errors"] == 1
        assert await Company.count() == 0  # a dry run writes nothing
        status = await c.get(f"/imports/uploads/{upload_id}/status", headers={"HX-Request": "true"})
        assert "What the import will do" in status.text and "Run the import" in status.text
        assert "Columns not imported: Lisätieto" in status.text  # the column skipped is named
        run = await c.post(f"/imports/uploads/{upload_id}/run", data={"_csrf_token": token}, follow_redirects=False)
        assert run.status_code == 303
        done = await _wait(c, upload_id, ("done", "failed"))
        assert done["status"] == "done" and await Company.count() == 3
        finished = await c.get(f"/imports/uploads/{upload_id}/status", headers={"HX-Request": "true"})
        assert finished.headers["hx-redirect"] == f"/imports/{done['batch']}"
        result = await c.get(f"/imports/{done['batch']}")
        assert 'status-committed">imported</span>' in result.text and "wrong check digit" in result.text
        errors = await c.get(f"/imports/{done['batch']}/errors.csv")
        lines = errors.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "line;reason;Y-tunnus;Asiakkaan virallinen nimi;Postinumero;Postitoimipaikka;Lisätieto"
        assert lines[1].startswith("4;Business ID '1234567-2': wrong check digit;1234567-2;Väärä Oy")
        assert "'=HYPERLINK" in lines[1]  # neutralised for spreadsheets
        history = await c.get("/imports")
        assert "asiakkaat.csv" in history.text and "root@espoo.example" in history.text
        unconfirmed = await c.post(f"/imports/{done['batch']}/revert", data={"_csrf_token": token})
        assert unconfirmed.status_code == 422 and await Company.count() == 3
        reverted = await c.post(f"/imports/{done['batch']}/revert", data={"confirm": "1", "_csrf_token": token},
                                follow_redirects=False)
        assert reverted.status_code == 303
        assert await Company.count() == 0
        assert (await ImportBatch.select().where(ImportBatch.id == done["batch"]).first())["status"] == "reverted"
        # the next file with the same headers gets the saved profile at once
        again = await _upload(c, token)
        second = await ImportUpload.select().where(
            ImportUpload.id == int(again.headers["location"].rsplit("/", 1)[1])).output(load_json=True).first()
        assert second["profile_name"] == "BIZ asiakasrekisteri" and second["mapping"]["1"] == "name"


async def test_mapping_errors_are_422():
    await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        upload_id = int((await _upload(c, token)).headers["location"].rsplit("/", 1)[1])
        twice = await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "business_id", "column-1": "business_id", "_csrf_token": token})
        assert twice.status_code == 422 and "Two columns are mapped to" in twice.text
        nothing = await c.post(f"/imports/uploads/{upload_id}/mapping", data={"column-3": "city",
                                                                              "_csrf_token": token})
        assert nothing.status_code == 422 and "business_id or name" in nothing.text
        bogus = await c.post(f"/imports/uploads/{upload_id}/mapping", data={"column-0": "password_hash",
                                                                            "_csrf_token": token})
        assert bogus.status_code == 422


async def test_a_run_cut_by_a_restart_is_marked_failed():
    import datetime as dt

    user_id = await make_user("root@espoo.example", role="admin")
    now = dt.datetime.now(dt.timezone.utc)
    await ImportUpload.insert(ImportUpload(file_name="x.csv", stored_name="x.csv", kind="companies", user=user_id,
                                           created_at=now, status="running"))
    await ImportBatch.insert(ImportBatch(kind="companies", file_name="x.csv", file_sha256="0", started_at=now))
    await jobs.recover_interrupted()
    assert (await ImportUpload.select().first())["status"] == "failed"
    batch = await ImportBatch.select().first()
    assert batch["status"] == "failed" and "restart" in batch["message"]
    # the reader's language; no turn of it was committed, so nothing was undone to mention
    assert reason_in("fi", batch["message"]) == "Keskeytyi uudelleenkäynnistyksen vuoksi"
    assert reason_in("fi", (await ImportUpload.select().first())["message"]) == "Keskeytyi uudelleenkäynnistyksen vuoksi"


async def test_a_run_another_process_still_beats_for_is_left_running_until_its_heartbeat_stops():
    import datetime as dt
    import os
    import time

    from crm.importing import heartbeat

    user_id = await make_user("root@espoo.example", role="admin")
    now = dt.datetime.now(dt.timezone.utc)
    await ImportUpload.insert(ImportUpload(file_name="x.csv", stored_name="x.csv", kind="companies", user=user_id,
                                           created_at=now, status="running"))
    await ImportBatch.insert(ImportBatch(kind="companies", file_name="x.csv", file_sha256="0", started_at=now))
    upload_id = (await ImportUpload.select(ImportUpload.id).first())["id"]
    batch_id = (await ImportBatch.select(ImportBatch.id).first())["id"]
    async with heartbeat.beating(f"upload-{upload_id}"), heartbeat.beating(f"batch-{batch_id}"):
        assert await jobs.recover_interrupted() == []
        assert (await ImportUpload.select().first())["status"] == "running"
        assert (await ImportBatch.select().first())["status"] == "running"
        stale = time.time() - heartbeat.STALE_SECONDS - 1  # as if its process had stopped beating that long ago
        os.utime(heartbeat.path(f"batch-{batch_id}"), (stale, stale))
        assert await jobs.recover_interrupted() == [f"batch-{batch_id}"]
    assert (await ImportUpload.select().first())["status"] == "running"  # still beating until just now
    assert await jobs.recover_interrupted() == [f"upload-{upload_id}"]  # its process ended the beat
    assert not heartbeat.path(f"upload-{upload_id}").exists()


async def test_admin_import_actions_are_audited():
    from crm.tables import AuditEvent

    await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        upload_id = int((await _upload(c, token)).headers["location"].rsplit("/", 1)[1])
        await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "business_id", "column-1": "name", "profile_name": "P", "_csrf_token": token})
        await c.get(f"/imports/uploads/{upload_id}/preview")
        await _wait(c, upload_id, ("checked", "failed"))
        await c.post(f"/imports/uploads/{upload_id}/run", data={"_csrf_token": token})
        done = await _wait(c, upload_id, ("done", "failed"))
        await c.post(f"/imports/{done['batch']}/revert", data={"confirm": "1", "_csrf_token": token})
    actions = [row["action"] for row in await AuditEvent.select(AuditEvent.action).where(
        AuditEvent.actor == "root@espoo.example").order_by(AuditEvent.id)]
    assert [action for action in actions if action != "view"] == [
        "login", "upload", "update", "save_profile", "import", "revert"]


async def test_a_big_upload_is_read_in_a_second_process_by_the_app_too(monkeypatch):
    """Files past prepare.PROCESS_MIN_ROWS rows are read beside the writes in a second process; here
    every file is: the dry run and the run of an upload must come out as from the thread."""
    import multiprocessing

    from crm.importing import prepare

    monkeypatch.setattr(prepare, "PROCESS_MIN_ROWS", 0)
    await make_user("root@espoo.example", role="admin")
    content = ("Y-tunnus;Yrityksen nimi;Postinumero\n0112038-9;Nokia Oyj;02610\n1234567-2;Väärä Oy;02100\n"
               "01120389;Nokia;2610\n;Äijän Kahvila Ky;02100\n").encode()
    async with client() as c:
        token = await login(c, "root@espoo.example")
        upload_id = int((await _upload(c, token, content, "iso.csv")).headers["location"].rsplit("/", 1)[1])
        await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "business_id", "column-1": "name", "column-2": "postal_code", "_csrf_token": token})
        assert "wrong check digit" in (await c.get(f"/imports/uploads/{upload_id}/preview")).text
        checked = await _wait(c, upload_id, ("checked", "failed"))
        assert checked["status"] == "checked", checked
        assert checked["dry_run"]["created"] == 2 and checked["dry_run"]["duplicates_in_file"] == 1
        assert checked["dry_run"]["errors"] == 1 and await Company.count() == 0
        await c.post(f"/imports/uploads/{upload_id}/run", data={"_csrf_token": token})
        done = await _wait(c, upload_id, ("done", "failed"))
        assert done["status"] == "done", done
    assert sorted(row["name"] for row in await Company.select()) == ["Nokia Oyj", "Äijän Kahvila Ky"]
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("language", ["fi", "sv"])
async def test_mapping_and_preview_name_fields_in_the_file_order_and_show_an_error_row_as_written(language):
    import re

    from crm.services.users import create_user
    from tests.webutil import PASSWORD

    await create_user(email="root@espoo.example", name="Root", role="admin", department="BIZ", password=PASSWORD,
                      language=language)
    words = {"fi": ("Y-tunnus", "Yrityksen nimi", "Postinumero", "Postitoimipaikka"),
             "sv": ("FO-nummer", "Företagets namn", "Postnummer", "Postanstalt")}[language]
    async with client() as c:
        token = await login(c, "root@espoo.example")
        upload_id = int((await _upload(c, token)).headers["location"].rsplit("/", 1)[1])
        mapping = (await c.get(f"/imports/uploads/{upload_id}")).text
        await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "business_id", "column-1": "name", "column-2": "postal_code", "column-3": "city",
            "column-4": "", "_csrf_token": token}, follow_redirects=False)
        preview = (await c.get(f"/imports/uploads/{upload_id}/preview")).text
    options = re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', mapping)
    assert ("business_id", words[0]) in options and ("postal_code", words[2]) in options
    assert not [value for value, shown in options if shown == value]  # no field shown by its internal name
    table = preview[preview.index('<table class="list preview">'):]
    headers = re.findall(r'<th scope="col">([^<]*)</th>', table[:table.index("</thead>")])
    assert headers[1:5] == list(words)  # as the file has them (not alphabetical), by their names
    error_row = re.search(r'<tr class="row-error">(.*?)</tr>', table, flags=re.S)[1]
    assert "1234567-2" in error_row and "Väärä Oy" in error_row  # the refused row's cells, not blanks
