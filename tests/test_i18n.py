"""Every UI string ships in Finnish and Swedish, with the same placeholders."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from crm.i18n import LOCALE_DIR, format_date, negotiate


def _catalog(name: str):
    path = LOCALE_DIR / name if name.endswith(".pot") else LOCALE_DIR / name / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_template_string_is_translated_with_its_placeholders(language):
    template = {message.id for message in _catalog("messages.pot") if message.id}
    catalog = {message.id: message.string for message in _catalog(language) if message.id and not message.fuzzy}
    assert template <= set(catalog), sorted(template - set(catalog))[:5]
    for message_id in template:
        ids = message_id if isinstance(message_id, tuple) else (message_id,)
        strings = catalog[message_id] if isinstance(catalog[message_id], tuple) else (catalog[message_id],)
        assert all(strings), message_id
        wanted = set(re.findall(r"%\((\w+)\)s", ids[0]))
        for text in strings:
            assert set(re.findall(r"%\((\w+)\)s", text)) <= wanted | {"num"}, (message_id, text)


@pytest.mark.parametrize("header, expected", [
    ("sv-FI,sv;q=0.9,en;q=0.8", "sv"), ("en-GB,en;q=0.9", "en"), ("fi", "fi"), ("de-DE,de", "fi"), ("", "fi"),
    ("en;q=0.2,sv;q=0.8", "sv"), ("garbage;;q=x", "fi"),
])
def test_accept_language_negotiation(header, expected):
    assert negotiate(header) == expected


def test_dates_are_d_m_yyyy_in_finnish_and_swedish():
    import datetime as dt

    day = dt.date(2026, 3, 7)
    assert format_date(day, "fi") == "7.3.2026" and format_date(day, "sv") == "7.3.2026"
    assert format_date(day, "en") == "7 Mar 2026"


def test_the_catalog_template_holds_every_string_in_the_code_and_templates():
    """A new UI string must reach messages.pot (and so the fi/sv catalogs): run the README's pybabel commands."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = LOCALE_DIR.parent.parent
    keywords = {**DEFAULT_KEYWORDS, "translate": (2,), "N_": None, "rule_message": None, "Problem": None}
    found = set()
    for folder, method in ((root / "crm", "python"), (root / "templates", "jinja2")):
        options = {"**.html": {"extensions": "jinja2.ext.i18n"}} if method == "jinja2" else {}
        pattern = "**.html" if method == "jinja2" else "**.py"
        for _, _, message, _, _ in extract_from_dir(str(folder), [(pattern, method)], options, keywords):
            found.add(message[0] if isinstance(message, tuple) else message)
    template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalog("messages.pot") if m.id}
    assert found - template == set()
