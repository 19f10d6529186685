"""How a rule refuses a value: an English message with named values, so the web can show it in the
user's language (the template is gettext source text), while the CLI and error files show it as written.

A Message is a str (its English text) that also keeps its template and values; Problem is the
ValueError a rule raises, whose str() is that Message.
"""

from __future__ import annotations

import re
from typing import Any


def N_(text: str) -> str:
    """Marks a label for translation where it is shown (Babel extracts N_, rule_message and Problem)."""
    return text


class Message(str):
    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, params: dict[str, Any]) -> Message:
        instance = super().__new__(cls, template % params if params else template)
        instance.template, instance.params = template, params
        return instance

    def __reduce__(self):  # pickled whole (a file is prepared in a second process), not as its text
        return Message, (self.template, self.params)


def rule_message(template: str, **params: Any) -> Message:
    return Message(template, params)


def on_one_line(message: str) -> str:
    """A message on one line: the line breaks and tabs of the values it quotes made spaces (a
    Message stays a Message, its template untouched); other text on one line, trimmed."""
    if isinstance(message, Message):
        return Message(message.template, {name: _one_line_value(value) for name, value in message.params.items()})
    return " ".join(message.split())


def _one_line_value(value: Any) -> Any:
    if isinstance(value, Message):
        return on_one_line(value)
    return _SPACES.sub(" ", value) if isinstance(value, str) else value


_SPACES = re.compile(r"\s+")


class Problem(ValueError):
    """A value a rule refuses."""

    def __init__(self, template: str, **params: Any):
        self.message = Message(template, params)
        super().__init__(self.message)

    def __str__(self) -> Message:
        return self.message
