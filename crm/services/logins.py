"""Logging in: password check, rate limiting per account and per address, and the login log.

Every attempt is an AuditEvent (login / login_failed) with the client address; the limits count
the failures in the last WINDOW, so a guesser is slowed without locking anyone out for good.
"""

from __future__ import annotations

import datetime as dt

from crm.errors import CRMError
from crm.services import audit
from crm.services.users import authenticate
from crm.tables import AuditEvent

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class TooManyAttempts(CRMError):
    pass


async def _failures(**where) -> int:
    since = dt.datetime.now(dt.timezone.utc) - WINDOW
    query = AuditEvent.count().where((AuditEvent.action == "login_failed") & (AuditEvent.at > since))
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return await query


async def log_in(email: str, password: str, address: str) -> dict | None:
    """The user, or None for a wrong e-mail or password; TooManyAttempts when rate-limited."""
    email = email.strip().lower()[:254]
    address = address[:45]
    if (await _failures(actor=email) >= MAX_FAILURES_PER_ACCOUNT
            or await _failures(address=address) >= MAX_FAILURES_PER_ADDRESS):
        raise TooManyAttempts("Too many failed attempts. Try again in 15 minutes.")
    user = await authenticate(email, password) if email and password else None
    await audit.record_now(
        action="login" if user else "login_failed", entity="user", entity_id=user["id"] if user else None,
        actor_id=user["id"] if user else None, actor=email, address=address,
    )
    return user
