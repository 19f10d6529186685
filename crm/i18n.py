"""Languages: Finnish, Swedish and English. UI strings are English source text in templates and
code, wrapped for gettext; translations live in crm/locale/<lang>/LC_MESSAGES/messages.po and are
compiled in memory at start (no binary .mo files in the repository).

The user's saved choice wins, else the browser's Accept-Language, else Finnish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io

from babel import Locale, dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from markupsafe import Markup

from crm.domain import industry, labels, reasons
from crm.domain.problems import Message
from crm.paths import PACKAGE_DIR

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LOCALE_DIR = PACKAGE_DIR / "locale"


@functools.cache
def translations(language: str) -> NullTranslations:
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po_file.exists():
        return NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an Accept-Language header."""
    wanted = []
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            wanted.append((float(quality or 1), tag.strip().replace("-", "_")))
        except ValueError:
            continue
    preferred = [tag for _, tag in sorted(wanted, key=lambda item: -item[0]) if tag]
    if not preferred:
        return DEFAULT_LANGUAGE
    locale = Locale.negotiate(preferred, LANGUAGES, sep="_")
    return locale.language if locale else DEFAULT_LANGUAGE


def translate(language: str, message: str) -> str:
    """Python-side UI text in the request's language (Babel extracts `translate(x, "...")`)."""
    return translations(language).gettext(message)


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def request_language(request) -> str:
    """The language of one request: the user's saved choice, else the browser's Accept-Language.
    Worked out once and kept on the request (guards and error pages need it before any handler)."""
    language = request.state.get("language")
    if not language:
        user = request.scope.get("user")
        language = (user.language if user else "") or negotiate(request.headers.get("accept-language"))
        request.state.language = language
    return language


def _language(context) -> str:
    request = context.get("request")
    return request_language(request) if request is not None else DEFAULT_LANGUAGE


@pass_context
def template_language(context) -> str:
    return _language(context)


@pass_context
def template_gettext(context, message: str, **variables) -> str:
    text = translations(_language(context)).gettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables else text


@pass_context
def template_ngettext(context, singular: str, plural: str, number: int, **variables) -> str:
    variables.setdefault("num", number)
    text = translations(_language(context)).ngettext(singular, plural, number)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def format_date(value: dt.date | None, language: str) -> str:
    """d.m.yyyy in Finnish and Swedish, '27 Nov 2026' in English."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if language in ("fi", "sv"):
        return f"{value.day}.{value.month}.{value.year}"
    return dates.format_date(value, "d MMM y", locale="en")


@pass_context
def template_number(context, value) -> str:
    """A number as the user's language writes it (10 000 in Finnish and Swedish, 10,000 in English)."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_language(context))


@pass_context
def template_date(context, value) -> str:
    return format_date(value, _language(context))


@pass_context
def template_message(context, value):
    """A rule's Message in the request's language (its labels too); any other text as it is."""
    return message_in(_language(context), value)


def message_in(language: str, value):
    """A rule's Message in this language (its labels too); any other text as it is."""
    if not isinstance(value, Message):
        return value
    catalog = translations(language)
    params = {name: message_in(language, item) if isinstance(item, Message)
              else _quoted_date(item, language) if isinstance(item, reasons.QuotedDate)
              else catalog.gettext(item) if name in ("what", "field") and isinstance(item, str) else item
              for name, item in value.params.items()}
    return catalog.gettext(value.template) % params if params else catalog.gettext(value.template)


def _quoted_date(value: reasons.QuotedDate, language: str) -> str:
    """A date a reason quotes: as the rest of the UI writes dates (1.3.2026), in ISO in English (as
    the CLI and its row file show it)."""
    date = value.date
    return format_date(date, language) if date is not None and language != "en" else str(value)


@pass_context
def template_import_reason(context, value) -> str:
    """Why an import row was not stored as given, as stored (crm/domain/reasons.py), in the
    request's language; a reason stored as plain text as it is."""
    return reason_in(_language(context), value)


def reason_in(language: str, stored: str | None) -> str:
    """A stored import row reason in this language, on one line."""
    return reasons.one_line(message_in(language, reasons.read(stored)))


def _label_filter(lookup):
    @pass_context
    def label(context, name: str) -> str:
        """An internal name (field, record type, action) as the user reads it, in their language."""
        return translations(_language(context)).gettext(lookup(name))

    return label


template_field_label = _label_filter(labels.field)
template_entity_label = _label_filter(labels.entity)
template_action_label = _label_filter(labels.action)
template_encoding_label = _label_filter(labels.encoding)


def section_name(language: str, section: str | None) -> str:
    """A TOL 2008 section as a reader reads it: 'J – Informaatio ja viestintä'; None is 'industry unknown'."""
    if section is None or section == "X":
        return translate(language, industry.TOL2008_SECTION_NAMES["X"])
    name = industry.TOL2008_SECTION_NAMES.get(section)
    return f"{section} – {translate(language, name)}" if name else section


@pass_context
def template_section_name(context, section: str | None) -> str:
    return section_name(_language(context), section)


@pass_context
def template_local_name(context, row: dict, prefix: str = "") -> str:
    """A department's or programme's name in the reader's language: `d|local_name`, or for a joined
    row `batch|local_name("department.")`."""
    return labels.name_in(row, _language(context), prefix)


@pass_context
def template_industry(context, code: str | None, classification: str | None,
                      descriptions: dict | None = None, fallback: bool = False) -> industry.IndustryShown | None:
    """The parts of an industry code for the reader (crm/domain/industry.py), its section name translated."""
    language = _language(context)
    shown = industry.industry_shown(code, classification, language, descriptions, fallback=fallback)
    if shown and shown.section_name:
        shown = dataclasses.replace(shown, section_name=translate(language, shown.section_name))
    return shown
