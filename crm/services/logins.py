"""Logging in: password check, login limits, and the login log.

Every attempt is an AuditEvent (login / login_failed) with the client address: the login log.
The limits count LoginAttempt rows of kind 'login' in the last WINDOW (crm/services/attempts.py:
each attempt's row is written before its password is checked, in the serialized transaction that
counts, so concurrent guesses cannot all pass).

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

from crm import db
from crm.services import audit
from crm.services.attempts import admit, failed, forgive
from crm.services.users import authenticate

MAX_FAILURES_PER_ACCOUNT = 5  # for one account from one address
MAX_FAILURES_PER_ADDRESS = 20  # for all accounts from one address


async def log_in(email: str, password: str, address: str) -> dict | None:
    """The user, or None for a wrong e-mail or password; TooManyAttempts when rate-limited."""
    email = email.strip().lower()[:254]
    address = address[:45]
    attempt_id = await admit("login", email, address, per_account_from_address=MAX_FAILURES_PER_ACCOUNT,
                             per_address=MAX_FAILURES_PER_ADDRESS)
    user = await authenticate(email, password) if email and password else None
    async with db.write_transaction():
        if user:  # forgiven: the owner's own typos before this do not count against them
            await forgive("login", email, address)
        else:
            await failed(attempt_id)
        await audit.record(
            action="login" if user else "login_failed", entity="user", entity_id=user["id"] if user else None,
            actor_id=user["id"] if user else None, actor=email, address=address,
        )
    return user
