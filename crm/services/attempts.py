"""Attempts at a password, counted for their limits (crm/services/logins.py for the login form,
users.change_own_password for /profile's current-password check).

An attempt's row is written *before* its password is checked, in the same transaction that counts,
and those transactions run one at a time (db.serialize), so thirty guesses sent at once queue for
the count: the first few are admitted and checked, the rest refused unchecked. Until its check
succeeds an attempt counts as a failure. The kinds are counted apart: a wrong current password on
/profile does not lock the login form, nor the other way round.
"""

from __future__ import annotations

import datetime as dt

from crm import db
from crm.errors import CRMError
from crm.tables import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
KEEP = dt.timedelta(days=1)  # older attempts count for nothing and are deleted


class TooManyAttempts(CRMError):
    pass


async def admit(kind: str, email: str, address: str, *, per_account_from_address: int | None = None,
                per_address: int | None = None, per_account: int | None = None) -> int:
    """Count and record in one serialized transaction: the attempt's row, or TooManyAttempts when the
    failures of this kind in the last WINDOW reach a limit given: of this account from this address,
    of every account from this address, or of this account from anywhere."""
    now = dt.datetime.now(dt.timezone.utc)
    not_succeeded = LoginAttempt.succeeded.is_null() | (LoginAttempt.succeeded == False)  # noqa: E712
    recent = (LoginAttempt.at > now - WINDOW) & not_succeeded & (LoginAttempt.kind == kind)
    account, here = LoginAttempt.email == email, LoginAttempt.address == address
    counted = [(where, limit) for where, limit in ((account & here, per_account_from_address), (here, per_address),
                                                   (account, per_account)) if limit is not None]
    async with db.write_transaction():
        await db.serialize("login")
        for where, limit in counted:
            if await LoginAttempt.count().where(recent & where) >= limit:
                raise TooManyAttempts("Too many failed attempts. Try again in 15 minutes.")
        await LoginAttempt.delete().where(LoginAttempt.at < now - KEEP)
        row = LoginAttempt(at=now, email=email, address=address, kind=kind)
        await row.save()
        return row.id


async def failed(attempt_id: int) -> None:
    """The attempt's password was wrong: it stays a failure (inside the caller's transaction)."""
    await LoginAttempt.update({LoginAttempt.succeeded: False}).where(LoginAttempt.id == attempt_id)


async def forgive(kind: str, email: str, address: str | None = None) -> None:
    """The right password: the owner's own typos before it count no more (inside the caller's
    transaction); from one address only when given."""
    where = (LoginAttempt.kind == kind) & (LoginAttempt.email == email)
    if address is not None:
        where = where & (LoginAttempt.address == address)
    await LoginAttempt.delete().where(where)
