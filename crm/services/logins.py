"""Logging in: password check, login limits, and the login log.

Every attempt is an AuditEvent (login / login_failed) with the client address: the login log.
The limits count LoginAttempt rows in the last WINDOW. An attempt's row is written *before* its
password is checked, in the same transaction that counts, and those transactions run one at a
time (db.serialize), so thirty guesses sent at once queue for the count: the first few are
admitted and checked, the rest refused unchecked. Until its check succeeds an attempt counts as a
failure.

The limits are per account from one address, and per address; never per account alone:
- an account tried from one address is refused after MAX_FAILURES_PER_ACCOUNT failures there;
- an address is refused for every account after MAX_FAILURES_PER_ADDRESS failures.
A stranger's five wrong guesses at an account lock only the stranger's own address out of it;
its owner, from their address, still logs in. A lock per account alone would let anyone lock an
admin out with five tries. Guessing from many addresses gets five tries per address per window
against Argon2id hashes. Behind a proxy the address is the client's only when CRM_TRUSTED_PROXIES
names the proxy (crm/web/security.py); otherwise every user shares the proxy's address and limit.
"""

from __future__ import annotations

import datetime as dt

from crm import db
from crm.errors import CRMError
from crm.services import audit
from crm.services.users import authenticate
from crm.tables import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5  # for one account from one address
MAX_FAILURES_PER_ADDRESS = 20  # for all accounts from one address
KEEP = dt.timedelta(days=1)  # older attempts count for nothing and are deleted


class TooManyAttempts(CRMError):
    pass


async def log_in(email: str, password: str, address: str) -> dict | None:
    """The user, or None for a wrong e-mail or password; TooManyAttempts when rate-limited."""
    email = email.strip().lower()[:254]
    address = address[:45]
    attempt_id = await _admit(email, address)
    user = await authenticate(email, password) if email and password else None
    async with db.write_transaction():
        if user:  # forgiven: the owner's own typos before this do not count against them
            await LoginAttempt.delete().where((LoginAttempt.email == email) & (LoginAttempt.address == address))
        else:
            await LoginAttempt.update({LoginAttempt.succeeded: False}).where(LoginAttempt.id == attempt_id)
        await audit.record(
            action="login" if user else "login_failed", entity="user", entity_id=user["id"] if user else None,
            actor_id=user["id"] if user else None, actor=email, address=address,
        )
    return user


async def _admit(email: str, address: str) -> int:
    """Count and record in one serialized transaction: the attempt's row, or TooManyAttempts."""
    now = dt.datetime.now(dt.timezone.utc)
    not_succeeded = LoginAttempt.succeeded.is_null() | (LoginAttempt.succeeded == False)  # noqa: E712
    recent = (LoginAttempt.at > now - WINDOW) & not_succeeded & (LoginAttempt.address == address)
    async with db.write_transaction():
        await db.serialize("login")
        if (await LoginAttempt.count().where(recent) >= MAX_FAILURES_PER_ADDRESS
                or await LoginAttempt.count().where(recent & (LoginAttempt.email == email))
                >= MAX_FAILURES_PER_ACCOUNT):
            raise TooManyAttempts("Too many failed attempts. Try again in 15 minutes.")
        await LoginAttempt.delete().where(LoginAttempt.at < now - KEEP)
        row = LoginAttempt(at=now, email=email, address=address)
        await row.save()
        return row.id
