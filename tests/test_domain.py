"""Unit tests for crm.domain: pure rules, no database."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from crm.domain.dates import parse_bool, parse_date
from crm.domain.emails import normalize_email
from crm.domain.industry import (
    CLASSIFICATIONS,
    normalize_classification,
    normalize_industry_code,
    section_of,
)
from crm.domain.kinds import KINDS, parse_kind
from crm.domain.legal_forms import forms_conflict, legal_form
from crm.domain.names import name_key, person_key, search_text
from crm.domain.phones import format_phone, normalize_phone
from crm.domain.postal import ESPOO_MUNICIPALITY_CODE, normalize_postal_code
from crm.domain.ytunnus import (
    business_id_check_digit,
    is_valid_business_id,
    normalize_business_id,
)

SHARED_DATA = Path(__file__).resolve().parent / "data"  # copies of shared/data reference files
BLANKS = [None, "", "   ", "\t\n", float("nan")]


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(SHARED_DATA / name, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))


def _remainder_one_bodies(count: int) -> list[str]:
    """7-digit bodies for which no Business ID is ever issued, computed independently."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    bodies = []
    for number in range(1_000_000, 10_000_000, 7919):
        body = f"{number:07d}"
        if sum(int(d) * w for d, w in zip(body, weights)) % 11 == 1:
            bodies.append(body)
        if len(bodies) == count:
            return bodies
    raise AssertionError("no remainder-1 bodies found")


# --- Business ID -------------------------------------------------------------------------------

REAL_IDS = ["0112038-9", "1927400-1", "2336509-6", "1041090-0", "0101263-6"]


def _input_forms(business_id: str) -> list[object]:
    """Every accepted way of writing one Business ID."""
    body, check = business_id.split("-")
    digits = body + check
    forms: list[object] = [
        business_id,
        f"  {business_id}  ",
        f"{body[:3]} {body[3:]} - {check}",
        digits,
        f"{body}\u2013{check}",  # en dash
        f"{body}\u2014{check}",  # em dash
        f"{body}\u2212{check}",  # minus sign
        f"{body}\u2011{check}",  # non-breaking hyphen
        f"FI{digits}",
        f"fi{digits}",
        f"FI {body} {check}",
        f"Fi {digits}",
        f"{digits}.0",
    ]
    stripped = digits.lstrip("0")
    if len(stripped) < len(digits):  # lost leading zero(s), as Excel does
        forms += [
            f"{body.lstrip('0')}-{check}",
            stripped,
            f"{stripped}.0",
            int(stripped),
            float(stripped),
        ]
    else:
        forms += [int(digits), float(digits)]
    return forms


@pytest.mark.parametrize("business_id", REAL_IDS)
def test_business_id_every_input_form(business_id):
    for form in _input_forms(business_id):
        assert normalize_business_id(form) == business_id, form


@pytest.mark.parametrize("business_id", REAL_IDS)
def test_real_business_ids_are_valid(business_id):
    assert is_valid_business_id(business_id)
    assert business_id_check_digit(business_id[:7]) == int(business_id[-1])


def test_every_row_of_the_real_business_id_file():
    rows = _read_csv("business_ids_real.csv")
    assert len(rows) >= 13
    for row in rows:
        business_id = row["business_id"]
        assert is_valid_business_id(business_id), row
        assert normalize_business_id(business_id) == business_id
        assert normalize_business_id(business_id.replace("-", "")) == business_id
        assert normalize_business_id("FI" + business_id.replace("-", "")) == business_id
        assert business_id_check_digit(business_id[:7]) == int(business_id[-1])


def test_remainder_zero_gives_check_digit_zero():
    assert business_id_check_digit("1041090") == 0
    assert normalize_business_id("10410900") == "1041090-0"


@pytest.mark.parametrize("body", _remainder_one_bodies(5))
def test_remainder_one_bodies_are_never_issued(body):
    assert business_id_check_digit(body) is None
    for check in "0123456789":
        assert not is_valid_business_id(f"{body}-{check}")
        with pytest.raises(ValueError, match="no valid Business ID has this number") as error:
            normalize_business_id(f"{body}-{check}")
        assert f"{body}-{check}" in str(error.value)


@pytest.mark.parametrize(
    "raw",
    ["0112038-8", "0112038-0", "1927400-2", "2336509-5", "1041090-1", "FI01120388", "112038-1", 1120381, "01012637"],
)
def test_wrong_check_digit_is_an_error_naming_the_value(raw):
    with pytest.raises(ValueError, match="wrong check digit") as error:
        normalize_business_id(raw)
    assert str(raw) in str(error.value)


def test_wrong_check_digit_message_does_not_reveal_the_right_one():
    with pytest.raises(ValueError) as error:
        normalize_business_id("0112038-1")
    assert "9" not in str(error.value).replace("0112038-1", "")


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "0112038-9x",
        "Y-tunnus 0112038-9",
        "01120389012",  # too many digits
        "11203890-9",  # body of 8 digits
        "-9",
        "0112038-",
        "0112038-89",
        "0112038/9",
        "1120389.5",
        1120389.5,
        -1120389,
        "DE01120389",
        "FI",
        True,
    ],
)
def test_not_a_business_id(raw):
    with pytest.raises(ValueError, match="not a Business ID") as error:
        normalize_business_id(raw)
    assert str(raw) in str(error.value)


@pytest.mark.parametrize("raw", ["2038-9", "20389", 20389, "38-9", "9"])
def test_fewer_than_six_digits_is_an_error(raw):
    with pytest.raises(ValueError, match="too few digits"):
        normalize_business_id(raw)


def test_two_lost_leading_zeros_are_restored():
    body = "0012345"
    check = business_id_check_digit(body)
    assert check is not None
    assert normalize_business_id(f"12345{check}") == f"{body}-{check}"
    assert normalize_business_id(f"12345-{check}") == f"{body}-{check}"


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_business_id_is_none(blank):
    assert normalize_business_id(blank) is None


@pytest.mark.parametrize(
    "value",
    ["01120389", "112038-9", " 0112038-9", "0112038-8", "FI01120389", "0112038–9", None, 1120389, ""],
)
def test_is_valid_business_id_accepts_only_the_canonical_form(value):
    assert is_valid_business_id(value) is False


@pytest.mark.parametrize("body", ["112038", "01120389", "abcdefg", "", "０１１２０３８"])
def test_check_digit_needs_seven_digits(body):
    with pytest.raises(ValueError):
        business_id_check_digit(body)


# --- Postal codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [2150, "2150", "2150.0", 2150.0, "02150", " 02150 ", "FI-02150"])
def test_finnish_postal_code_keeps_leading_zero(raw):
    assert normalize_postal_code(raw) == "02150"


@pytest.mark.parametrize("raw", ["ABC", "123", 123, "99", "021500", "02 150", "2150.5", -2150, "0215O"])
def test_bad_finnish_postal_code_is_an_error_naming_it(raw):
    with pytest.raises(ValueError, match="Postal code") as error:
        normalize_postal_code(raw)
    assert str(raw) in str(error.value)


def test_every_espoo_postal_code_survives_excel():
    for row in _read_csv("espoo_postal_codes.csv"):
        code = row["postal_code"]
        assert normalize_postal_code(code) == code
        assert normalize_postal_code(int(code)) == code
        assert normalize_postal_code(float(code)) == code


@pytest.mark.parametrize("country", ["FI", "fi", None, "", " ", "AX"])
def test_finnish_rules_apply_to_finland_and_a_missing_country(country):
    assert normalize_postal_code(2150, country) == "02150"
    with pytest.raises(ValueError):
        normalize_postal_code("ABC", country)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("SW1A 1AA", "GB", "SW1A 1AA"),
        (" 10115 ", "DE", "10115"),
        (10115.0, "DE", "10115"),
        ("123", "SE", "123"),
        ("ABC", "EE", "ABC"),
    ],
)
def test_foreign_postal_code_is_kept_as_written(raw, country, expected):
    assert normalize_postal_code(raw, country) == expected


def test_foreign_postal_code_too_long():
    with pytest.raises(ValueError, match="too long"):
        normalize_postal_code("1234567890123", "DE")


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_postal_code_is_none(blank):
    assert normalize_postal_code(blank) is None
    assert normalize_postal_code(blank, "SE") is None


def test_espoo_municipality_code():
    assert ESPOO_MUNICIPALITY_CODE == "049"


# --- Phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("040 123 4567", "+358401234567"),
        ("040-1234567", "+358401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("+358 (0)40 123 4567", "+358401234567"),
        ("00358401234567", "+358401234567"),
        ("(09) 816 21", "+358981621"),
        ("09 816 21", "+358981621"),
        (358401234567.0, "+358401234567"),
        ("358401234567.0", "+358401234567"),
        (358401234567, "+358401234567"),
        ("+358401234567.0", "+358401234567"),
        (401234567.0, "+358401234567"),  # Excel dropped the leading zero
        ("358981621", "+358981621"),  # lost '+', not the national number 03 58981621
        ("+46 8 123 456 78", "+46812345678"),
        ("46812345678", "+46812345678"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


def test_normalize_phone_in_another_region():
    assert normalize_phone("08-123 456 78", "SE") == "+46812345678"


@pytest.mark.parametrize(
    "raw", ["123", "abc", "n/a", "040 123", "+358 40 123", "0401234567890123", "040 1234567, 050 7654321"]
)
def test_invalid_phone_is_an_error_naming_it(raw):
    with pytest.raises(ValueError, match="Phone number") as error:
        normalize_phone(raw)
    assert raw in str(error.value)


def test_phone_with_an_extension_is_refused_not_truncated():
    with pytest.raises(ValueError, match="extension"):
        normalize_phone("040 123 4567 ext 12")


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_phone_is_none(blank):
    assert normalize_phone(blank) is None


@pytest.mark.parametrize(
    ("e164", "expected"),
    [("+358401234567", "+358 40 1234567"), ("+358981621", "+358 9 81621"), (None, ""), ("", "")],
)
def test_format_phone(e164, expected):
    assert format_phone(e164) == expected


# --- E-mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("matti.meikalainen@espoo.fi", "matti.meikalainen@espoo.fi"),
        ("  Matti.Meikalainen@Espoo.FI ", "matti.meikalainen@espoo.fi"),
        ("MATTI@ESPOO.FI", "matti@espoo.fi"),
        ("first+tag@example.com", "first+tag@example.com"),
        ("info@bücher.de", "info@bücher.de"),
        ("Info@BÜCHER.DE", "info@bücher.de"),
        ("äijä@esimerkki.fi", "äijä@esimerkki.fi"),
    ],
)
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["foo", "a@b", "matti@", "@espoo.fi", "matti@@espoo.fi", "matti espoo.fi", "a@b.fi; c@d.fi", "a@localhost"]
)
def test_invalid_email_is_an_error_naming_it(raw):
    with pytest.raises(ValueError, match="E-mail address") as error:
        normalize_email(raw)
    assert raw in str(error.value)


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_email_is_none(blank):
    assert normalize_email(blank) is None


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        ["Nokia Oyj", "NOKIA  oyj.", "nokia", " Nokia OYJ ", "Nokia Oy"],
        ["Kahvila Äijä Oy", "kahvila aija", "KAHVILA ÄIJÄ", "Kahvila Aijä Ky"],
        ["Oy Karl Fazer Ab", "Karl Fazer", "Karl Fazer Oy", "Karl Fazer O.Y.", "karl-fazer"],
        ["Åbo Ångström AB", "abo angstrom"],
        ["Aalto-korkeakoulusäätiö sr", "Aalto korkeakoulusaatio"],
        ["Supercell Ltd.", "Supercell Inc", "Supercell GmbH", "SUPERCELL"],
        ["Ｎｏｋｉａ", "nokia"],  # full-width letters (NFKC)
    ],
)
def test_name_key_variants_share_a_key(variants):
    keys = {name_key(name) for name in variants}
    assert len(keys) == 1, keys
    assert None not in keys and "" not in keys


def test_name_key_examples():
    assert name_key("Nokia Oyj") == "nokia"
    assert name_key("Kahvila Äijä Oy") == "kahvila aija"
    assert name_key("Oy Karl Fazer Ab") == "karl fazer"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Nokia Oyj", "Kone Oyj"),
        ("Kahvila Äijä Oy", "Kahvila Äiti Oy"),
        ("Fazer", "Fazer Leipomot"),
        ("Espoon kaupunki", "Helsingin kaupunki"),
        ("Oy Ab", "Ab"),
    ],
)
def test_name_key_different_companies_differ(one, other):
    assert name_key(one) != name_key(other)


@pytest.mark.parametrize(("name", "expected"), [("Oy Ab", "oy ab"), ("Oyj", "oyj"), ("Ky.", "ky")])
def test_name_key_of_only_legal_words_keeps_them(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize("blank", [*BLANKS, "---", "?!"])
def test_blank_name_key_is_none(blank):
    assert name_key(blank) is None


def test_person_key():
    assert person_key("Matti", "Meikäläinen") == "matti meikalainen"
    assert person_key(" MATTI ", "MEIKÄLÄINEN") == person_key("matti", "meikalainen")
    assert person_key("Matti", "Meikäläinen") != person_key("Meikäläinen", "Matti")
    assert person_key("Anna-Liisa", "Öhman") == "anna liisa ohman"
    assert person_key(None, "Öhman") == "ohman"
    assert person_key("Oy", "Ab") == "oy ab"  # no legal words are dropped from people's names
    assert person_key(None, None) is None
    assert person_key("", float("nan")) is None


def test_search_text():
    assert search_text("Nokia Oyj", None, "0112038-9") == "nokia oyj 0112038 9"
    assert search_text("Kahvila Äijä", "Café  Åbo\n") == "kahvila aija cafe abo"
    assert search_text(None, "", float("nan")) == ""
    assert search_text() == ""


# --- Interaction kinds -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_canonical_kinds_parse_to_themselves(kind):
    assert parse_kind(kind) == kind
    assert parse_kind(kind.upper()) == kind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Finnish
        ("Tapaaminen", "meeting"),
        ("palaveri", "meeting"),
        ("Kokous", "meeting"),
        ("tapaaminen (etä)", "meeting"),
        ("Teams-palaveri", "meeting"),
        ("asiakastapaaminen", "meeting"),
        ("Puhelu", "call"),
        ("soitto", "call"),
        ("Puhelinsoitto", "call"),
        ("Sähköposti", "email"),
        ("sahkoposti", "email"),
        ("S-posti", "email"),
        ("Yritysvierailu", "visit"),
        ("vierailu", "visit"),
        ("Käynti", "visit"),
        ("asiakaskäynti", "visit"),
        ("Tapahtuma", "event"),
        ("tilaisuus", "event"),
        ("Seminaari", "event"),
        ("Webinaari", "event"),
        ("Neuvonta", "advisory"),
        ("Yritysneuvonta", "advisory"),
        ("neuvontatapaaminen", "advisory"),
        ("Muu", "other"),
        # Swedish
        ("Möte", "meeting"),
        ("MÖTE", "meeting"),
        ("kundmöte", "meeting"),
        ("Samtal", "call"),
        ("Telefonsamtal", "call"),
        ("E-post", "email"),
        ("Besök", "visit"),
        ("Företagsbesök", "visit"),
        ("Evenemang", "event"),
        ("Seminarium", "event"),
        ("Rådgivning", "advisory"),
        ("Annan", "other"),
        ("Övrigt", "other"),
        # English
        ("Phone call", "call"),
        ("E-mail", "email"),
        ("e mail", "email"),
        ("Company visit", "visit"),
        ("Seminar", "event"),
        ("Webinar", "event"),
        ("Advice", "advisory"),
        ("Consultation", "advisory"),
    ],
)
def test_parse_kind_words(raw, expected):
    assert parse_kind(raw) == expected


@pytest.mark.parametrize("raw", ["xyz", "Puhelu / sähköposti", "lounas", "123", "call me maybe email"])
def test_unknown_kind_is_an_error_naming_it(raw):
    with pytest.raises(ValueError, match="is not recognised") as error:
        parse_kind(raw)
    assert f"'{raw}'" in str(error.value)
    assert "meeting, call, email, visit, event, advisory or other" in str(error.value)


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_kind_is_none(blank):
    assert parse_kind(blank) is None


# --- Dates -------------------------------------------------------------------------------------

FEB_1 = dt.date(2025, 2, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "1.2.2025",
        "01.02.2025",
        "1.02.2025",
        " 1.2.2025 ",
        "1.2.2025.",
        "1. 2. 2025",
        "1.2.2025 14:30",
        "01.02.2025 14:30:15",
        "1.2.2025 klo 14.30",
        "2025-02-01",
        "2025-2-1",
        "2025-02-01T10:00:00",
        "2025-02-01 00:00:00",
        "2025-02-01T23:59:59.123",
        "2025-02-01T10:00:00+02:00",
        FEB_1,
        dt.datetime(2025, 2, 1, 23, 59),
        pd.Timestamp("2025-02-01 10:00"),
        45689,
        45689.0,
        45689.75,
        "45689",
        "45689.0",
    ],
)
def test_parse_date_forms(raw):
    assert parse_date(raw) == FEB_1


@pytest.mark.parametrize(
    ("serial", "expected"),
    [(20000, dt.date(1954, 10, 3)), (43831, dt.date(2020, 1, 1)), (80000, dt.date(2119, 1, 11))],
)
def test_parse_date_excel_serial_range(serial, expected):
    assert parse_date(serial) == expected


def test_parse_date_returns_plain_dates():
    assert type(parse_date(dt.datetime(2025, 2, 1, 12))) is dt.date
    assert type(parse_date(pd.Timestamp("2025-02-01"))) is dt.date


def test_leap_day():
    assert parse_date("29.2.2024") == dt.date(2024, 2, 29)
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    "raw", ["31.2.2025", "29.2.2025", "2025-02-29", "32.1.2025", "1.13.2025", "2025-13-01", "0.1.2025"]
)
def test_impossible_date_is_an_error_naming_it(raw):
    with pytest.raises(ValueError, match="does not exist") as error:
        parse_date(raw)
    assert f"'{raw}'" in str(error.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31.2.", "has no year"),
        ("31.2", "has no year"),
        ("1.2.25", "four-digit year"),
        ("abc", "is not a date"),
        ("2025/02/01", "is not a date"),
        ("1/2/2025", "is not a date"),
        ("20250201", "is not a date"),
        ("1.2.20255", "is not a date"),
        (123, "is not a date"),
        (19999, "is not a date"),
        (80001, "is not a date"),
        ("999999", "is not a date"),
        (True, "is not a date"),
        (float("inf"), "is not a date"),
    ],
)
def test_bad_date_is_an_error_naming_it(raw, message):
    with pytest.raises(ValueError, match=message) as error:
        parse_date(raw)
    assert f"'{raw}'" in str(error.value)


@pytest.mark.parametrize("blank", [*BLANKS, pd.NaT, pd.NA])
def test_blank_date_is_none(blank):
    assert parse_date(blank) is None


@pytest.mark.parametrize(
    "raw", ["1", 1, 1.0, "1.0", "x", "X", "yes", "Y", "TRUE", "true", "Kyllä", "kylla", "k", "ja", "On", "✓", True]
)
def test_parse_bool_true(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize(
    "raw", ["0", 0, 0.0, "no", "N", "False", "ei", "EI", "e", "nej", "Nej", "off", False]
)
def test_parse_bool_false(raw):
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["maybe", "2", 2, "kyl", "-", "yes no"])
def test_parse_bool_rejects_other_values(raw):
    with pytest.raises(ValueError, match="yes/no") as error:
        parse_bool(raw)
    assert f"'{raw}'" in str(error.value)


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_bool_is_none(blank):
    assert parse_bool(blank) is None


# --- Industry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("62010", "62010"),
        ("62.010", "62010"),
        ("62.01", "6201"),
        ("6201", "6201"),
        ("62.0", "620"),  # the dotted group code, not an Excel number
        ("62", "62"),
        (" 62 ", "62"),
        (62010, "62010"),
        (62010.0, "62010"),
        ("62010.0", "62010"),
        (62.01, "6201"),
        ("01110", "01110"),
        ("62010 Ohjelmistojen suunnittelu ja valmistus", "62010"),
        ("62.01 - Ohjelmistot", "6201"),
        ("62010: Ohjelmistot", "62010"),
        ("62010 (Ohjelmistot)", "62010"),
        ("62:", "62"),
        ("J", "J"),
        ("j", "J"),
        ("J Informaatio ja viestintä", "J"),
        ("X", "X"),
    ],
)
def test_normalize_industry_code(raw, expected):
    assert normalize_industry_code(raw) == expected


@pytest.mark.parametrize(
    "raw", ["Teollisuus", "V", "Z", "6", 6, "620100", "62.0.1", "abc", "62010abc", "6.2010", "62-01", "JK"]
)
def test_bad_industry_code_is_an_error_naming_it(raw):
    with pytest.raises(ValueError, match="Industry code") as error:
        normalize_industry_code(raw)
    assert str(raw) in str(error.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TOL2008", "TOL2008"),
        ("TOL 2008", "TOL2008"),
        ("tol2008", "TOL2008"),
        ("TOL-2008", "TOL2008"),
        ("2008", "TOL2008"),
        (2008, "TOL2008"),
        (2008.0, "TOL2008"),
        ("NACE Rev. 2", "TOL2008"),
        ("TOL2025", "TOL2025"),
        ("TOL 2025", "TOL2025"),
        ("2025", "TOL2025"),
        ("NACE Rev. 2.1", "TOL2025"),
        ("nace rev 2.1", "TOL2025"),
    ],
)
def test_normalize_classification(raw, expected):
    assert normalize_classification(raw) == expected
    assert expected in CLASSIFICATIONS


@pytest.mark.parametrize("raw", ["TOL 2007", "NACE", "1995", "NACE Rev. 1", "abc"])
def test_unknown_classification_is_an_error_naming_it(raw):
    with pytest.raises(ValueError, match="not recognised") as error:
        normalize_classification(raw)
    assert f"'{raw}'" in str(error.value)


_GAPS = {4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89}  # two-digit numbers that are no TOL 2008 division


@pytest.mark.parametrize(
    ("code", "section"),
    [
        ("01110", "A"), ("03", "A"), ("05", "B"), ("09900", "B"), ("10", "C"), ("33", "C"),
        ("35", "D"), ("36", "E"), ("39", "E"), ("41", "F"), ("43", "F"), ("45", "G"), ("47", "G"),
        ("49", "H"), ("53", "H"), ("55", "I"), ("56", "I"), ("58", "J"), ("62010", "J"), ("63", "J"),
        ("64", "K"), ("66", "K"), ("68", "L"), ("69", "M"), ("72", "M"), ("75", "M"), ("77", "N"),
        ("82", "N"), ("84", "O"), ("85", "P"), ("86", "Q"), ("88", "Q"), ("90", "R"), ("93", "R"),
        ("94", "S"), ("96", "S"), ("97", "T"), ("98", "T"), ("99", "U"), ("62.01", "J"), ("C", "C"),
    ],
)
def test_section_of_tol2008(code, section):
    assert section_of(code, "TOL2008") == section


def test_every_tol2008_section_is_reachable():
    sections = {row["section"] for row in _read_csv("tol2008_sections.csv")} - {"X"}
    found = {section_of(f"{division:02d}", "TOL2008") for division in range(1, 100) if division not in _GAPS}
    assert found == sections


@pytest.mark.parametrize("division", sorted(_GAPS))
def test_section_of_unknown_tol2008_division_is_an_error(division):
    with pytest.raises(ValueError, match="does not exist in TOL 2008") as error:
        section_of(f"{division:02d}000", "TOL2008")
    assert f"{division:02d}000" in str(error.value)


def test_section_of_tol2025_and_unknown_classification():
    assert section_of("62010", "TOL2025") is None
    assert section_of("J", "TOL2025") == "J"
    assert section_of("62010", None) is None
    assert section_of(None, "TOL2008") is None
    assert section_of("", "TOL2008") is None


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_industry_values_are_none(blank):
    assert normalize_industry_code(blank) is None
    assert normalize_classification(blank) is None


@pytest.mark.parametrize("text, expected", [
    ("01120389", "0112038-9"), ("FI 0112038 9", "0112038-9"), ("1120389", "0112038-9"),
    ("nokia", None), ("123", None), ("1234567-2", None), ("Kupla 2", None), ("", None),
])
def test_business_id_in_search_text_never_raises(text, expected):
    from crm.domain.ytunnus import business_id_in

    assert business_id_in(text) == expected


@pytest.mark.parametrize(
    ("company_form", "name", "form"),
    [
        (None, "Tulikukka Ky", "ky"), (None, "TULIKUKKA OY", "oy"), (None, "Oy Karl Fazer Ab", "oy"),
        (None, "Nokia Oyj", "oyj"), (None, "Kone Abp", "oyj"), (None, "Tmi Matti Virtanen", "tmi"),
        (None, "Pöllösoft", None), (None, "Oy", None), ("Osakeyhtiö", "Tulikukka Ky", "oy"),
        ("Kommanditbolag", None, "ky"), ("", "Espoon Osuuskunta", "osk"), ("Avoin yhtiö", None, "ay"),
    ],
)
def test_a_legal_form_is_one_code_in_either_language(company_form, name, form):
    assert legal_form(company_form, name) == form


def test_two_stated_forms_conflict_but_a_missing_one_conflicts_with_none():
    assert forms_conflict("oy", "ky")
    assert not forms_conflict("oy", "oy")
    assert not forms_conflict(None, "ky")


def test_an_industry_code_is_shown_with_its_section_and_its_own_description():
    from crm.domain.industry import industry_shown

    shown = industry_shown("62010", "TOL2008", "sv", {"fi": "Ohjelmistot", "sv": "Programvara"})
    assert (shown.code, shown.classification, shown.section, shown.section_name) == (
        "62010", "TOL 2008", "J", "Information and communication")
    assert (shown.description, shown.description_language) == ("Programvara", "sv")
    assert industry_shown("62010", "TOL2008", "en", {"fi": "Ohjelmistot"}).description is None
    assert industry_shown("62010", "TOL2008", "en", {"fi": "Ohjelmistot"}, fallback=True).description_language == "fi"
    later = industry_shown("62100", "TOL2025", "fi")
    assert (later.section, later.section_name, later.classification) == (None, None, "TOL 2025")
    assert industry_shown("J", None, "fi").section == "J"
    assert industry_shown("04100", "TOL2008", "fi").section is None  # no division 04: the code alone
    assert industry_shown("", "TOL2008", "fi") is None
