"""Pure rules of issue #13: combined addresses, placeholders, municipality by postal code, the
register's 'unknown' industry code. No database."""

from __future__ import annotations

import pytest

from crm.domain.addresses import Address, split_address
from crm.domain.industry import normalize_industry_code
from crm.domain.legal_forms import forms_conflict, legal_form
from crm.domain.placeholders import is_placeholder
from crm.domain.postal import municipality_of


@pytest.mark.parametrize("written, expected", [
    ("Tekniikantie 14, 02150 Espoo", ("Tekniikantie 14", "02150", "Espoo")),
    ("Katu 1 A 2, 02150 Espoo", ("Katu 1 A 2", "02150", "Espoo")),
    ("Katu 1, FI-02150 ESPOO", ("Katu 1", "02150", "Espoo")),
    ("Katu 1, FI 02150 Espoo", ("Katu 1", "02150", "Espoo")),
    ("02150 Espoo", ("", "02150", "Espoo")),
    ("02150", ("", "02150", "")),
    ("PL 12, 00101 Helsinki", ("PL 12", "00101", "Helsinki")),
    ("Otsvängen 1, 02150 Esbo", ("Otsvängen 1", "02150", "Esbo")),
    ("Tekniikantie 14 02150 ESPOO", ("Tekniikantie 14", "02150", "Espoo")),
    ("Tekniikantie 14\n02150 Espoo", ("Tekniikantie 14", "02150", "Espoo")),
    ("Karakaari 7\r\nPL 226\r\n02610 Espoo", ("Karakaari 7\r\nPL 226", "02610", "Espoo")),
    ("Tekniikantie 14, 02150 Espoo, Finland", ("Tekniikantie 14", "02150", "Espoo")),
    ("Keilaranta 21, 02150 Espoo, Suomi", ("Keilaranta 21", "02150", "Espoo")),
    ("Kauppakatu 3 B, 02150", ("Kauppakatu 3 B", "02150", "")),
    ("Itätuulenkuja 11 A, 02100 ESPOO", ("Itätuulenkuja 11 A", "02100", "Espoo")),
    ("Koivu-Mankkaan tie 6, 02200 Espoo", ("Koivu-Mankkaan tie 6", "02200", "Espoo")),
    ("Mannerheimintie 12 B 5; 00100 Helsingfors", ("Mannerheimintie 12 B 5", "00100", "Helsingfors")),
    ("Postikatu 1, 00100 HELSINGIN KAUPUNKI", ("Postikatu 1", "00100", "Helsingin Kaupunki")),
])
def test_combined_addresses_are_split(written, expected):
    assert split_address(written) == Address(*expected)


@pytest.mark.parametrize("written", [
    "Tekniikantie 14",           # no postal code
    "Postbox 12345",             # a number at the end, not a postal code before a city
    "Keilaranta 1, 02150 Espoo 5 krs",  # something other than a city after the code
    "Y-tunnus 1234567-8",        # the digits of a Business ID
    "Katu 123456, Espoo",        # six digits
    "",
])
def test_what_is_not_a_combined_address_stays_a_street(written):
    assert split_address(written) is None


@pytest.mark.parametrize("cell", ["Verkkosivuja ei löydy", "VERKKOSIVUJA EI LOYDY", "Osoitetta ei löydy", "-",
                                  "N/A", "n/a", "#N/A", "ei tiedossa", "ei  tiedossa", "ei ole", "saknas",
                                  "Uppgift saknas", "unknown", "Not available", "--"])
def test_placeholders_mean_nothing(cell):
    assert is_placeholder(cell)


@pytest.mark.parametrize("cell", ["Nokia Oyj", "ei", "x", "0", "-1", "Saknas Oy", "N/A Consulting",
                                  "Tekniikantie 14", "a" * 1000])
def test_real_values_are_not_placeholders(cell):
    assert not is_placeholder(cell)


def test_municipality_code_from_the_postal_code_where_the_reference_data_knows_it():
    assert municipality_of("02150") == "049" and municipality_of("02100") == "049"
    assert municipality_of("02700") is None  # Kauniainen, a municipality of its own
    assert municipality_of("00100") is None and municipality_of("") is None and municipality_of(None) is None


@pytest.mark.parametrize("code", ["00000", "0", "00", "00.000", 0, 0.0, "00000.0"])
def test_the_registers_unknown_industry_code_is_blank(code):
    assert normalize_industry_code(code) is None


def test_legal_forms_as_identity():
    assert legal_form(None, "TULIKUKKA KY") == "ky" and legal_form(None, "Tulikukka Oy") == "oy"
    assert forms_conflict(legal_form(None, "Tulikukka Ky"), legal_form(None, "Tulikukka Oy"))
    assert not forms_conflict(legal_form(None, "Pöllösoft"), legal_form(None, "Pöllösoft Oy"))
    assert legal_form("Kommandiittiyhtiö", "Metsä") == "ky" and legal_form(None, "Metsä Tmi") == "tmi"
    assert legal_form(None, "Åbo Öljy Ab") == legal_form(None, "Åbo Öljy Oy")
