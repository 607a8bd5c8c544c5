"""Brute-force brakes: failed guesses counted per account and per address, in PostgreSQL.

A failure is a row in ``auth_failed_attempts``; ``guard`` refuses with 429 and a
``Retry-After`` once an account or an address has ``limit`` failures in the sliding
window. Refused attempts are not counted, so the wait ends when the window says it does.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.errors import AuthTooManyAttempts
from app.auth.models import FailedAttempt
from app.core import clock


@dataclass(frozen=True)
class Throttle:
    """Limits for one kind of guess. ``exact_ip`` serialises attempts from one address too.

    Attempts on one key are serialised by a transaction-scoped advisory lock, so a burst of
    concurrent guesses cannot all pass the count before any is recorded. Logins lock only
    the account: a school's or a carrier's NAT puts many honest parents behind one address.
    """

    kind: str
    per_account: int
    per_ip: int
    window: timedelta
    exact_ip: bool

    def _keys(self, account: str | None, ip: str | None) -> list[tuple[str, int, bool]]:
        keys = []
        if account is not None:
            keys.append((f"{self.kind}:account:{account}"[:200], self.per_account, True))
        if ip is not None:
            keys.append((f"{self.kind}:ip:{ip}"[:200], self.per_ip, self.exact_ip))
        return keys  # always account before address: one lock order, no deadlock

    async def guard(self, session: AsyncSession, *, account: str | None, ip: str | None) -> None:
        """Raise 429 ``auth.too_many_attempts`` if the account or the address is over its limit."""
        since = clock.now() - self.window
        for key, limit, exact in self._keys(account, ip):
            if exact:
                await session.execute(select(func.pg_advisory_xact_lock(_lock_id(key))))
            # The limit-th newest failure in the window: when it leaves, a guess is allowed.
            blocking = await session.scalar(
                select(FailedAttempt.created_at)
                .where(FailedAttempt.key == key, FailedAttempt.created_at > since)
                .order_by(FailedAttempt.created_at.desc())
                .offset(limit - 1)
                .limit(1)
            )
            if blocking is not None:
                wait = (blocking + self.window - clock.now()).total_seconds()
                raise AuthTooManyAttempts(retry_after=max(1, math.ceil(wait)))

    async def failed(self, session: AsyncSession, *, account: str | None, ip: str | None) -> None:
        """Count a failed guess (the caller raises ``Refused`` so it is committed)."""
        now = clock.now()
        keys = [key for key, _, _ in self._keys(account, ip)]
        if not keys:
            return
        # Rows that left the window are dead weight; each key sweeps its own.
        await session.execute(
            delete(FailedAttempt).where(
                FailedAttempt.key.in_(keys), FailedAttempt.created_at <= now - self.window
            )
        )
        await session.execute(
            insert(FailedAttempt), [{"id": uuid.uuid4(), "key": k, "created_at": now} for k in keys]
        )


def _lock_id(key: str) -> int:
    digest = hashlib.sha256(f"throttle:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


LONGEST_WINDOW = timedelta(minutes=15)

# Ten wrong passwords per account in 15 minutes; an address gets more room (shared NAT).
LOGIN = Throttle("login", per_account=10, per_ip=100, window=LONGEST_WINDOW, exact_ip=False)
# Binding codes: an account gets 10 wrong codes, an address 30 (a parents' meeting on the
# school's Wi-Fi), then waits out the window. Eight characters of 31 leave a guesser nothing.
BINDING = Throttle("binding", per_account=10, per_ip=30, window=LONGEST_WINDOW, exact_ip=True)


async def purge_expired(session: AsyncSession) -> int:
    """Delete failures older than every window (for a periodic job)."""
    result = await session.execute(
        delete(FailedAttempt).where(FailedAttempt.created_at <= clock.now() - LONGEST_WINDOW)
    )
    return int(getattr(result, "rowcount", 0) or 0)
