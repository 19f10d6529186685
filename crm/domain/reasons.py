"""Why a row of an import was not stored as given, kept in no one language.

A reason is a Message (crm/domain/problems.py): its English text, with its gettext template and
values. The database keeps it as JSON {"t": template, "p": {name: value}} (a value may be a Message
in the same form), so that the result page, the preview and the downloaded row file show it in the
reader's language (crm/i18n.py: reason_in), while the CLI and its row file show it in English. A
reason stored as plain text (by batches before this, or a text no rule wrote) is shown as it is.
A date it quotes is a QuotedDate, kept as {"d": "2026-03-01"}: shown as the reader's language writes
dates (1.3.2026 in Finnish and Swedish), in ISO in English; one stored as plain ISO text by batches
before this is shown as it is.

A reason is one line: the values it quotes from the file are shortened and their line breaks and
tabs made spaces.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable, Iterable

from crm.domain import labels
from crm.domain.problems import N_, Message, rule_message

DUPLICATE = N_("Duplicate in the file: repeats line %(line)s")
DUPLICATE_EARLIER = N_("Duplicate in the file: repeats an earlier row")
NOT_STORED = N_("%(reason)s; not stored: %(values)s")
VALUE = N_("%(field)s '%(value)s'")
WARNING = N_("Warning: %(reasons)s")
LEFT_BLANK = N_("%(reasons)s (left blank)")
YES, NO = N_("yes"), N_("no")
DUPLICATES = (DUPLICATE, DUPLICATE_EARLIER, NOT_STORED)
SHOWN_LENGTH = 80  # of a value quoted from the file
_MARK = '{"t":'


def joined(parts: Iterable[str], separator: str = "; ") -> str:
    """Several reasons (or values) as one, each once, each still translatable."""
    parts = list(dict.fromkeys(parts))
    if len(parts) == 1:
        return parts[0]
    template = separator.join(f"%(p{index})s" for index in range(len(parts)))  # no msgid: kept as is
    return Message(template, {f"p{index}": part for index, part in enumerate(parts)})


class QuotedDate(str):
    """A date a reason quotes: its ISO text (what the CLI shows), marked as a date for the web."""

    def __new__(cls, value: dt.date | str) -> QuotedDate:
        return super().__new__(cls, value.isoformat() if isinstance(value, dt.date) else value)

    @property
    def date(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self[:10])
        except ValueError:
            return None


def shown_value(value: Any) -> Any:
    """A value quoted from the file: on one line, at most SHOWN_LENGTH characters."""
    if isinstance(value, bool):
        return rule_message(YES if value else NO)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return QuotedDate(value)
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(str(item) for item in value)
    value = " ".join(str(value).split())
    return value if len(value) <= SHOWN_LENGTH else value[:SHOWN_LENGTH - 1] + "…"


def duplicate(first_line: int, differing: Iterable[tuple[str, Any]] = ()) -> Message:
    """A row that repeats line `first_line` (0: an earlier row), and its values the file loses."""
    reason = rule_message(DUPLICATE, line=first_line) if first_line else rule_message(DUPLICATE_EARLIER)
    values = [rule_message(VALUE, field=labels.field(name), value=shown_value(value)) for name, value in differing]
    return rule_message(NOT_STORED, reason=reason, values=joined(values, ", ")) if values else reason


def warning(reasons: Iterable[str]) -> Message:
    return rule_message(WARNING, reasons=joined(reasons))


# --- stored and shown ---------------------------------------------------------------------------


def stored(reason: str) -> str:
    """The text the database keeps: JSON for a Message, other text as it is."""
    if isinstance(reason, Message):
        return json.dumps(_plain(reason), ensure_ascii=False, separators=(",", ":"))
    return str(reason)


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return {"t": value.template, "p": {name: _plain(item) for name, item in value.params.items()}}
    if isinstance(value, QuotedDate):
        return {"d": str(value)}
    if value is None or isinstance(value, (int, float)):
        return value
    return str(value)


def read(text: str | None) -> str:
    """A stored reason as a Message again (plain text stays text)."""
    if not text or not text.startswith(_MARK):
        return text or ""
    try:
        return _message(json.loads(text))
    except (ValueError, TypeError, KeyError):
        return text


def _message(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        return Message(value["t"], {name: _message(item) for name, item in (value.get("p") or {}).items()})
    if isinstance(value, dict) and "d" in value:
        return QuotedDate(str(value["d"]))
    return value


def one_line(text: str) -> str:
    if "\n" in text or "\r" in text or "\t" in text:
        return " ".join(text.split())
    return text


def kind(text: str | None) -> str:
    """'warning', 'duplicate' or 'error': what a stored reason says of its row."""
    reason = read(text)
    template = getattr(reason, "template", None)
    if template == WARNING or (template is None and reason.startswith("Warning: ")):
        return "warning"
    if template in DUPLICATES or (template is None and reason.startswith("Duplicate in the file")):
        return "duplicate"
    return "error"


def scrub(text: str, scrub_text: Callable[[str], str]) -> str:
    """A stored reason with `scrub_text` applied to the values it quotes (not to its templates)."""
    reason = read(text)
    if not isinstance(reason, Message):
        return scrub_text(text)
    return stored(_scrubbed(reason, scrub_text))


def _scrubbed(value: Any, scrub_text: Callable[[str], str]) -> Any:
    if isinstance(value, Message):
        return Message(value.template, {name: _scrubbed(item, scrub_text) for name, item in value.params.items()})
    if isinstance(value, QuotedDate):
        return value  # a date names no one
    return scrub_text(value) if isinstance(value, str) else value
