"""Domain errors raised by services; the web layer maps them to 404/422/403/409 in one place."""

from __future__ import annotations


class CRMError(Exception):
    """Base class: the message is safe to show to a user."""


class NotFound(CRMError):
    pass


class Forbidden(CRMError):
    pass


class Conflict(CRMError):
    pass


class Invalid(CRMError):
    """Bad input; `field_errors` maps each field name to what is wrong with it."""

    def __init__(self, field_errors: dict[str, str]):
        self.field_errors = dict(field_errors)
        super().__init__(
            "; ".join(f"{field}: {message}" for field, message in self.field_errors.items())
        )
