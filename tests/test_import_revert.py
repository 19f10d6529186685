"""Reverting an import batch: what it created goes, what it updated comes back, later edits stay."""

from __future__ import annotations

import pytest
from test_import_support import check, companies, snapshot, write

from crm.errors import Conflict, NotFound
from crm.importing import load
from crm.importing.batches import revert_batch
from crm.importing.load import import_file
from crm.services.companies import update_company
from crm.services.programmes import upsert_programme
from crm.tables import (
    Company,
    CompanyContact,
    CompanyProgramme,
    Contact,
    ImportBatch,
    Interaction,
)

pytestmark = pytest.mark.usefixtures("db")

FIRST = """\
Y-tunnus;Yrityksen nimi;Postinumero;Postitoimipaikka;Ohjelmat
0112038-9;Nokia Oyj;02610;Espoo;
1927400-1;KONE Oyj;02150;Espoo;
2336509-6;Supercell Oy;00180;Helsinki;KUPLA
"""

SECOND = """\
Y-tunnus;Yrityksen nimi;Postinumero;Postitoimipaikka;Ohjelmat
0112038-9;Nokia Solutions Oyj;02600;Espoo;
1927400-1;KONE Oyj;02151;;
2336509-6;SUPERCELL OY;;;SOFT
1041090-0;UPM-Kymmene Oyj;00100;Helsinki;
0101263-6;Espoon kaupunki;02070;Espoo;SOFT
"""

# Fields a revert must put back exactly (updated_at is the revert's own business).
FIELDS = ("business_id", "name", "name_key", "postal_code", "city", "search_text", "municipality_code",
          "import_batch")


def fields(row: dict) -> tuple:
    return tuple(row[name] for name in FIELDS)


async def programme_codes(company_id: int) -> list[str]:
    rows = await CompanyProgramme.select(CompanyProgramme.programme.code).where(
        CompanyProgramme.company == company_id)
    return sorted(row["programme.code"] for row in rows)


@pytest.fixture
async def two_batches(tmp_path):
    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    await upsert_programme({"code": "SOFT", "name_fi": "Soft Landing"})
    first = await import_file("companies", write(tmp_path, "first.csv", FIRST))
    check(first, rows=3, created=3)
    before = await companies()
    second = await import_file("companies", write(tmp_path, "second.csv", SECOND))
    check(second, rows=5, created=2, updated=3)
    return first, second, before


async def test_revert_removes_what_the_batch_created_and_restores_what_it_updated(two_batches):
    first, second, before = two_batches
    summary = await revert_batch(second.batch_id)
    assert (summary.removed, summary.restored, summary.left_alone) == (2, 3, [])
    after = await companies()
    assert sorted(after) == ["KONE Oyj", "Nokia Oyj", "Supercell Oy"]
    for name, row in after.items():
        assert fields(row) == fields(before[name]), name
    assert await programme_codes(after["Supercell Oy"]["id"]) == ["KUPLA"]
    assert await CompanyProgramme.count() == 1
    batch = await ImportBatch.select().where(ImportBatch.id == second.batch_id).first()
    assert batch["status"] == "reverted"


async def test_records_edited_since_the_batch_are_reported_and_left_alone(two_batches):
    first, second, before = two_batches
    stored = await companies()
    kone, upm = stored["KONE Oyj"]["id"], stored["UPM-Kymmene Oyj"]["id"]
    await update_company(kone, {"city": "Vantaa"})  # updated by the batch, then by a person
    await update_company(upm, {"city": "Espoo"})    # created by the batch, then edited by a person
    summary = await revert_batch(second.batch_id)
    assert summary.removed == 1 and summary.restored == 2
    assert sorted(summary.left_alone) == sorted([f"company #{kone} was edited since the import",
                                                 f"company #{upm} was edited since the import"])
    after = await companies()
    assert sorted(after) == ["KONE Oyj", "Nokia Oyj", "Supercell Oy", "UPM-Kymmene Oyj"]
    assert (after["KONE Oyj"]["postal_code"], after["KONE Oyj"]["city"]) == ("02151", "Vantaa")
    assert after["UPM-Kymmene Oyj"]["city"] == "Espoo"
    assert fields(after["Nokia Oyj"]) == fields(before["Nokia Oyj"])


async def test_reverting_the_later_batch_then_the_earlier_one_empties_the_record(two_batches):
    """A record restored by a revert is as the earlier batch left it, not 'edited since' that batch."""
    first, second, _ = two_batches
    await revert_batch(second.batch_id)
    summary = await revert_batch(first.batch_id)
    assert (summary.removed, summary.restored, summary.left_alone) == (3, 0, [])
    assert await Company.count() == 0 and await CompanyProgramme.count() == 0


async def test_only_a_committed_batch_can_be_reverted(two_batches, tmp_path, monkeypatch):
    first, second, _ = two_batches
    await revert_batch(second.batch_id)
    records = await snapshot(batches=False)
    with pytest.raises(Conflict, match=f"#{second.batch_id} is reverted"):
        await revert_batch(second.batch_id)

    async def crash(good, context, summary):
        raise RuntimeError("boom")

    monkeypatch.setitem(load.LOADERS, "companies", crash)
    with pytest.raises(RuntimeError):
        await import_file("companies", write(tmp_path, "third.csv", SECOND))
    failed = await ImportBatch.select().order_by(ImportBatch.id, ascending=False).first()
    assert failed["status"] == "failed"
    after_failure = await snapshot()
    with pytest.raises(Conflict, match=f"#{failed['id']} is failed"):
        await revert_batch(failed["id"])
    with pytest.raises(NotFound):
        await revert_batch(9999)
    assert await snapshot() == after_failure
    assert await snapshot(batches=False) == records


async def test_revert_of_contacts_and_interactions(tmp_path):
    check(await import_file("companies", write(tmp_path, "c.csv", FIRST.replace("KUPLA", ""))), rows=3, created=3)
    contacts = ("Nimi;Sähköposti;Y-tunnus;Titteli\n"
                "Aino Virtanen;aino@nokia.example;0112038-9;CEO\n")
    check(await import_file("contacts", write(tmp_path, "p1.csv", contacts)), rows=1, created=1)
    before = await snapshot(batches=False)
    contacts = ("Nimi;Sähköposti;Y-tunnus;Titteli\n"
                "Aino Virtanen;aino@nokia.example;1927400-1;Hallituksen jäsen\n"
                "Bertil Öhman;bertil@kone.example;1927400-1;CTO\n")
    contacts_batch = await import_file("contacts", write(tmp_path, "p2.csv", contacts))
    check(contacts_batch, rows=2, created=1, updated=1)
    header = "Päivämäärä;Y-tunnus;Tyyppi;Aihe;Muistiinpanot;Seurantapäivä;Yhteyshenkilön sähköposti\n"
    interactions = header + "1.3.2025;1927400-1;Tapaaminen;Hissit;Alku;15.3.2025;bertil@kone.example\n"
    interactions_batch = await import_file("interactions", write(tmp_path, "i.csv", interactions), department="BIZ")
    check(interactions_batch, rows=1, created=1)
    created = await snapshot(batches=False)
    interactions = header + ("1.3.2025;1927400-1;Tapaaminen;Hissit;Muutettu;1.4.2025;\n"
                             "2.3.2025;1927400-1;Puhelu;Jatko;;;\n")
    update_batch = await import_file("interactions", write(tmp_path, "i2.csv", interactions), department="BIZ")
    check(update_batch, rows=2, created=1, updated=1)
    assert await Interaction.count() == 2

    summary = await revert_batch(update_batch.batch_id)
    assert (summary.removed, summary.restored, summary.left_alone) == (1, 1, [])
    assert await snapshot(batches=False) == created
    summary = await revert_batch(interactions_batch.batch_id)
    assert (summary.removed, summary.restored, summary.left_alone) == (1, 0, [])
    summary = await revert_batch(contacts_batch.batch_id)
    assert (summary.removed, summary.restored, summary.left_alone) == (1, 1, [])
    assert await snapshot(batches=False) == before
    contact = await Contact.select().first()
    assert (contact["email"], contact["title"]) == ("aino@nokia.example", "CEO")
    assert await Contact.count() == 1 and await CompanyContact.count() == 1 and await Interaction.count() == 0


async def test_revert_reads_prior_values_page_by_page(two_batches, monkeypatch):
    """A batch that updated more records than one page holds is restored whole (pages of 2 here)."""
    from crm.importing import batches

    monkeypatch.setattr(batches, "RESTORE_PAGE", 2)
    first, second, before = two_batches
    summary = await revert_batch(second.batch_id)
    assert (summary.removed, summary.restored, summary.left_alone) == (2, 3, [])
    after = await companies()
    for name, row in after.items():
        assert fields(row) == fields(before[name]), name


@pytest.mark.parametrize("language, reverted, edited", [
    ("fi", "Peruttu: 1 poistettu, 2 palautettu", "yritystä #%d on muokattu tuonnin jälkeen"),
    ("sv", "Ångrad: 1 borttagna, 2 återställda", "företaget #%d har redigerats efter importen"),
])
async def test_the_batch_page_says_what_a_revert_did_in_the_readers_language_and_links_what_it_left(
        two_batches, language, reverted, edited):
    from crm.services.users import create_user
    from tests.webutil import PASSWORD, client, login

    _, second, _ = two_batches
    stored = await companies()
    kone, upm = stored["KONE Oyj"]["id"], stored["UPM-Kymmene Oyj"]["id"]
    await update_company(kone, {"city": "Vantaa"})
    await update_company(upm, {"city": "Espoo"})
    await create_user(email="root@espoo.example", name="Root", role="admin", department="TYO",
                      password=PASSWORD, language=language)
    async with client() as c:
        token = await login(c, "root@espoo.example")
        answer = await c.post(f"/imports/{second.batch_id}/revert", data={"confirm": "1", "_csrf_token": token},
                              follow_redirects=False)
        assert answer.status_code == 303, answer.text[:300]
        page = (await c.get(f"/imports/{second.batch_id}")).text
    assert reverted in page
    for company_id in (kone, upm):
        assert f'<a href="/companies/{company_id}">{edited % company_id}</a>' in page
    assert "was edited since the import" not in page and "Reverted:" not in page
