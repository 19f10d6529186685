"""Mapping one company register record (YTJ open data, v3 shape) to company fields: pure, no database.
The five sample records are real (PRH, CC BY 4.0); the edge records are written here."""

from __future__ import annotations

import copy
import json

import pytest
from pathlib import Path

from crm.domain.legal_forms import legal_form
from crm.domain.register import classification, map_record, merged_other_names
DATA_DIR = Path(__file__).resolve().parent / "data"

SAMPLE = json.loads((DATA_DIR / "ytj_sample.json").read_text(encoding="utf-8"))["companies"]


def _by_id(business_id: str) -> dict:
    return copy.deepcopy(next(raw for raw in SAMPLE if raw["businessId"]["value"] == business_id))


def _record(**extra) -> dict:
    """A small record of our own: an Espoo company with a visiting and a postal address."""
    raw = {
        "businessId": {"value": "0490001-4", "registrationDate": "2020-01-02", "source": "3"},
        "names": [{"name": "Kuplatech Oy", "type": "1", "registrationDate": "2020-01-02", "version": 1}],
        "mainBusinessLine": {"type": "62010", "typeCodeSet": "TOIMI3",
                             "descriptions": [{"languageCode": "1", "description": "Ohjelmistojen suunnittelu"}]},
        "companyForms": [{"type": "16", "descriptions": [], "version": 1}],
        "companySituations": [],
        "addresses": [
            {"type": 1, "street": "Tekniikantie", "buildingNumber": "14", "entrance": "", "apartmentNumber": "",
             "apartmentIdSuffix": "", "postCode": "02150",
             "postOffices": [{"city": "ESBO", "languageCode": "2", "municipalityCode": "049"},
                             {"city": "ESPOO", "languageCode": "1", "municipalityCode": "049"}]},
            {"type": 2, "street": "", "postOfficeBox": "12", "postCode": "02151",
             "postOffices": [{"city": "ESPOO", "languageCode": "1", "municipalityCode": "049"}]},
        ],
        "registrationDate": "2020-01-02",
        "lastModified": "2025-03-01 10:00:00",
    }
    raw.update(extra)
    return raw


def test_the_five_sample_records_map_field_by_field():
    expected = {
        "0100990-4": {"name": "Saivokämppä Oy", "other_names": "", "company_form": "Osakeyhtiö",
                      "industry_code": "68209", "industry_classification": "TOL2008",
                      "street": "Suuruspäänkatu 5", "postal_code": "33240", "city": "Tampere",
                      "municipality_code": "837", "country": "FI", "status": "active"},
        "0104676-4": {"name": "Leros Oy", "other_names": "Ma-Ru", "company_form": "Osakeyhtiö",
                      "industry_code": "46160", "industry_classification": "TOL2008",
                      "street": "Tuomiokirkonkatu 12 A 2", "postal_code": "33100", "city": "Tampere",
                      "municipality_code": "837", "country": "FI", "website": "https://www.leros.fi",
                      "status": "active"},
        "0106272-1": {"name": "Asunto Oy Tampereen Actif", "other_names": "", "company_form": "Asunto-osakeyhtiö",
                      "industry_code": "68202", "industry_classification": "TOL2008",
                      "street": "Hatanpään valtatie 26", "postal_code": "33100", "city": "Tampere",
                      "municipality_code": "837", "country": "FI", "website": "https://www.tamis.fi",
                      "status": "active"},
        "0106575-4": {"name": "Tamrock Oy", "other_names": "Tamrock Corp.", "company_form": "Osakeyhtiö",
                      "industry_code": "64990", "industry_classification": "TOL2008",
                      "street": "Pihtisulunkatu 9", "postal_code": "33330", "city": "Tampere",
                      "municipality_code": "837", "country": "FI", "status": "active"},
        "0108477-9": {"name": "OPTIMUS MANAGEMENT & BOOKING (FINLAND) OY", "other_names": "Pronetia",
                      "company_form": "Osakeyhtiö", "industry_code": "90020", "industry_classification": "TOL2008",
                      "street": "Pinninkatu 40 A 9", "postal_code": "33100", "city": "Tampere",
                      "municipality_code": "837", "country": "FI", "status": "active"},
    }
    for raw in SAMPLE:
        record = map_record(raw)
        assert record.fields == expected[record.business_id], record.business_id
        assert not record.ceased
    leros = map_record(_by_id("0104676-4"))
    assert leros.facts["registration_date"] == "1964-02-07"
    assert leros.facts["address_kind"] == "visiting"
    assert leros.facts["industry_names"]["sv"] == "Provisionshandel med textilier, kläder, skodon och lädervaror"
    assert leros.facts["form_code"] == "16"
    saivo = map_record(_by_id("0100990-4"))
    assert saivo.facts["address_kind"] == "postal"  # it has no visiting address
    assert "Reinikka" not in json.dumps(saivo.data())  # the c/o line names a person: not kept
    assert legal_form(saivo.fields["company_form"]) == "oy"
    json.dumps(saivo.data())  # what is stored is JSON


def test_a_record_without_a_visiting_address_takes_the_postal_one_and_a_po_box_alone_is_pl():
    raw = _record()
    raw["addresses"] = [raw["addresses"][1]]
    fields = map_record(raw).fields
    assert (fields["street"], fields["postal_code"], fields["city"], fields["municipality_code"]) == \
        ("PL 12", "02151", "Espoo", "049")
    # an empty visiting address does not hide the postal one
    raw["addresses"].insert(0, {"type": 1, "street": "", "postCode": "", "postOffices": []})
    assert map_record(raw).fields["street"] == "PL 12"
    raw["addresses"] = []
    record = map_record(raw)
    assert not {"street", "postal_code", "city", "municipality_code"} & set(record.fields)  # not held: kept
    assert record.facts["address_kind"] == ""


def test_the_finnish_city_is_taken_and_the_apartment_letter_joins_its_number():
    raw = _record()
    raw["addresses"][0].update(street="Mannerheimintie", buildingNumber="5", entrance="B", apartmentNumber="17",
                               apartmentIdSuffix="a")
    fields = map_record(raw).fields
    assert fields["street"] == "Mannerheimintie 5 B 17a"
    assert fields["city"] == "Espoo"  # languageCode 1, not the Swedish 'Esbo' listed first


def test_ended_names_only_gives_the_newest_and_ended_other_names_are_left_out():
    raw = _record(names=[
        {"name": "Vanha Nimi Oy", "type": "1", "registrationDate": "1990-01-01", "endDate": "2001-05-31", "version": 3},
        {"name": "Uudempi Nimi Oy", "type": "1", "registrationDate": "2001-06-01", "endDate": "2019-12-31",
         "version": 2},
        {"name": "Entinen Apunimi", "type": "3", "registrationDate": "2002-01-01", "endDate": "2010-01-01"},
        {"name": "Voimassa Apunimi", "type": "3", "registrationDate": "2011-01-01"},
        {"name": "Ei tyyppiä", "type": "9"},
    ])
    record = map_record(raw)
    assert record.fields["name"] == "Uudempi Nimi Oy"
    assert record.fields["other_names"] == "Voimassa Apunimi"


def test_swedish_only_names_keep_their_letters():
    raw = _record(names=[
        {"name": "Ab Skärgårdens Båtvarv", "type": "1", "registrationDate": "1999-01-01"},
        {"name": "Åbo Söder Ab", "type": "2", "registrationDate": "1999-01-01"},
    ])
    raw["companyForms"] = [{"type": "16", "descriptions": [{"languageCode": "2", "description": "Aktiebolag"}]}]
    record = map_record(raw)
    assert record.fields["name"] == "Ab Skärgårdens Båtvarv"
    assert record.fields["other_names"] == "Åbo Söder Ab"
    assert record.fields["company_form"] == "Osakeyhtiö"  # the Finnish name from the code list


def test_bankruptcy_and_liquidation_and_an_end_date_mean_ceased_but_restructuring_does_not():
    bankrupt = map_record(_record(companySituations=[{"type": "KONK", "registrationDate": "2024-05-01"}]))
    assert bankrupt.ceased and bankrupt.facts["ceased_because"] == "bankruptcy"
    liquidated = map_record(_record(companySituations=[{"type": "SELTILA", "registrationDate": "2024-05-01"}]))
    assert liquidated.ceased and liquidated.facts["ceased_because"] == "liquidation"
    ended = map_record(_record(endDate="2023-12-31"))
    assert ended.ceased and ended.facts["end_date"] == "2023-12-31"
    restructured = map_record(_record(companySituations=[{"type": "SANE", "registrationDate": "2024-05-01"}]))
    assert not restructured.ceased and restructured.facts["situations"] == ["SANE"]
    over = map_record(_record(companySituations=[{"type": "KONK", "registrationDate": "2020-01-01",
                                                  "endDate": "2021-01-01"}]))
    assert not over.ceased  # a bankruptcy that ended (cancelled) is no longer one


def test_the_classification_follows_the_code_set():
    assert classification("TOIMI3") == "TOL2008"
    assert classification("TOIMI4") == "TOL2025"
    assert classification("TOL 2025") == "TOL2025"
    assert classification("TOIMI2") is None and classification("TOIMI") is None and classification("") is None
    newer = map_record(_record(mainBusinessLine={"type": "62100", "typeCodeSet": "TOIMI4"})).fields
    assert (newer["industry_code"], newer["industry_classification"]) == ("62100", "TOL2025")
    for line in ({"type": "72200", "typeCodeSet": "TOIMI2"}, {"type": "00000", "typeCodeSet": "TOIMI3"},
                 {"type": "1234567", "typeCodeSet": "TOIMI3"}, "not an object", None):
        assert "industry_code" not in map_record(_record(mainBusinessLine=line)).fields


def test_a_website_the_register_holds_is_cleaned_like_a_form_s_and_a_broken_one_is_not_held():
    assert map_record(_record(website={"url": "www.kupla.fi"})).fields["website"] == "https://www.kupla.fi"
    assert "website" not in map_record(_record(website={"url": "ei ole"})).fields
    assert "website" not in map_record(_record(website="www.x.fi")).fields  # not the v3 shape


@pytest.mark.parametrize("business_id", [None, "", "0490001-5", "'; DROP TABLE company; --", 490001, []])
def test_a_record_without_a_valid_business_id_is_refused(business_id):
    with pytest.raises(ValueError):
        map_record(_record(businessId={"value": business_id}))


@pytest.mark.parametrize("raw", [None, [], "text", 5])
def test_a_record_that_is_not_an_object_is_refused(raw):
    with pytest.raises(ValueError):
        map_record(raw)


def test_hostile_values_are_bounded_text():
    raw = _record(names=[{"name": "A" * 5000 + "\x00 Oy", "type": "1"}, {"name": 12345, "type": 2}],
                  addresses=[{"type": "1", "street": "<script>alert(1)</script>", "postCode": "ABCDE",
                              "buildingNumber": None, "postOffices": [{"city": "X" * 500, "languageCode": "1",
                                                                       "municipalityCode": "49999"}]}],
                  companyForms="nonsense", mainBusinessLine={"type": ["62010"], "typeCodeSet": "TOIMI3"},
                  registrationDate="not a date")
    record = map_record(raw)
    assert len(record.fields["name"]) == 300 and "\x00" not in record.fields["name"]
    assert record.fields["other_names"] == "12345"
    assert record.fields["street"] == "<script>alert(1)</script>"  # stored as text; the page escapes it
    assert "postal_code" not in record.fields and "municipality_code" not in record.fields
    assert len(record.fields["city"]) == 100
    assert "company_form" not in record.fields and "industry_code" not in record.fields
    assert record.facts["registration_date"] == "2020-01-02"  # the Business ID's, when the record's is broken


def test_other_names_keep_local_ones_and_drop_what_the_register_no_longer_holds():
    # the register renamed the company: the old local name stays findable as another name
    assert merged_other_names(["Kupla Sv Ab"], "Kuplan Kahvila", [], "Kuplatech Oy", "Kupla Oy") == \
        "Kupla Sv Ab\nKuplan Kahvila\nKupla Oy"
    # a name the register wrote last time and no longer holds is dropped; a respelling is not added
    assert merged_other_names([], "Vanha Apunimi\nKuplan Kahvila", ["Vanha Apunimi"], "Kuplatech Oy",
                              "KUPLATECH OY") == "Kuplan Kahvila"
    # idempotent: the result merged again is the same
    once = merged_other_names(["A Ab"], "B", [], "C Oy", "D Oy")
    assert merged_other_names(["A Ab"], once, ["A Ab"], "C Oy", "C Oy") == once
