"""One delivery round of the outbox: claim due rows, push them, record what became of each.

A round (``Worker.run_once``) is three steps, and never holds a transaction open while it
talks to a provider:

1. claim: one short transaction takes up to ``batch_size`` due rows with
   ``FOR UPDATE SKIP LOCKED`` (so several workers share the queue without waiting on one
   another), adds one attempt and pushes each row one lease ahead, under a claim id;
2. send: rows grouped by platform go to their provider, outside any transaction;
3. record: one short transaction stores each outcome, only where the claim is still ours.
   If the database is gone at that moment, the outcomes stay in memory and are recorded
   first thing next round, so a push that succeeded is not sent again after a restart.

A worker that dies between 1 and 3 leaves rows that fall due again when their lease runs
out: delivery is at least once, and twice only in that case.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import DateTime, String, Uuid, bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import clock, database, idempotency
from app.notifications import devices
from app.notifications.models import Device, Notification, OutboxMessage, PushStatus
from app.notifications.providers import Outcome, Provider, Push, Result

log = logging.getLogger(__name__)

BATCH_SIZE = 20
# A claim outlives the slowest send (SDK timeouts and its own retries) with room to spare;
# only a worker that died mid-round makes others wait this long for its rows.
LEASE = timedelta(minutes=5)
SEND_TIMEOUT_SECONDS = 120.0
SHUTDOWN_FLUSH_TRIES = 3
# Finished rows are kept this long for operators, then purged.
FINISHED_RETENTION = timedelta(days=30)


# What became of each push, per process (the worker's own /metrics: kehou worker --metrics-port).
PUSHES_SENT = Counter("kehou_pushes_sent", "Pushes a provider accepted.", ["channel"])
PUSHES_FAILED = Counter(
    "kehou_pushes_failed",
    "Pushes that did not go out, by reason: transient (tried again later: 5xx, 429, timeout,"
    " unreachable), rejected (this message, never again), dead_address (device deactivated),"
    " out_of_tries.",
    ["channel", "reason"],
)
PUSHES_SKIPPED = Counter(
    "kehou_pushes_skipped", "Pushes with nothing to send (device gone, channel off).", ["channel"]
)


# Every outcome of a batch in one statement, each only where the claim is still ours and
# the row still pending (a late worker's result is ignored).
_RECORD_OUTCOMES = text(
    """
UPDATE notification_outbox AS outbox
SET status = outcome.status, next_attempt_at = outcome.next_attempt_at,
    last_error = outcome.last_error, finished_at = outcome.finished_at, claim_id = NULL
FROM unnest(:ids, :claims, :statuses, :next_attempts, :errors, :finished)
    AS outcome (id, claim_id, status, next_attempt_at, last_error, finished_at)
WHERE outbox.id = outcome.id AND outbox.claim_id = outcome.claim_id
  AND outbox.status = 'pending'
RETURNING outbox.id
"""
).bindparams(
    bindparam("ids", type_=ARRAY(Uuid())),
    bindparam("claims", type_=ARRAY(Uuid())),
    bindparam("statuses", type_=ARRAY(String())),
    bindparam("next_attempts", type_=ARRAY(DateTime(timezone=True))),
    bindparam("errors", type_=ARRAY(String())),
    bindparam("finished", type_=ARRAY(DateTime(timezone=True))),
)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, at least what the provider asked, bounded tries.

    With the defaults a push is tried 8 times over about half an hour: a pickup notice
    later than that is no use as a push (it is in the inbox anyway).
    """

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=15)
    cap: timedelta = timedelta(minutes=15)
    max_retry_after: timedelta = timedelta(hours=6)

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
        ceiling = min(self.cap, self.base * (1 << min(max(0, attempts - 1), 20)))
        # "equal jitter": at least half the step, so a herd spreads out but never rushes
        jittered = ceiling * (0.5 + rng.random() / 2)
        asked = timedelta(seconds=retry_after or 0)
        return max(jittered, min(asked, self.max_retry_after))


@dataclass
class Metrics:
    """Counters an operator reads in the worker's log lines (and tests read directly)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    deactivated: int = 0
    stale: int = 0  # results dropped because the claim had passed to another worker
    db_errors: int = 0
    errors: int = 0
    lag_seconds: float = 0.0  # how late the oldest row of the last batch was
    purged_idempotency_keys: int = 0
    purged_outbox_rows: int = 0

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        return " ".join(f"{key}={value}" for key, value in self.snapshot().items())


@dataclass(frozen=True)
class _Claimed:
    push: Push
    claim_id: uuid.UUID
    device_id: uuid.UUID
    platform: str
    attempts: int  # including this one
    skip_reason: str | None


@dataclass(frozen=True)
class _Result:
    """What to store for one claimed row (kept in memory until stored)."""

    outbox_id: uuid.UUID
    claim_id: uuid.UUID
    device_id: uuid.UUID
    platform: str
    attempts: int
    status: PushStatus
    next_attempt_at: datetime
    error: str | None
    finished_at: datetime | None
    deactivate: bool = False
    reason: str = ""  # why it did not go out (the failure counter's label)


SessionFactory = Callable[[], async_sessionmaker[AsyncSession]]


@dataclass
class Worker:
    """Delivers the outbox through ``providers`` (platform → channel); many may run at once."""

    providers: Mapping[str, Provider]
    batch_size: int = BATCH_SIZE
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = LEASE
    send_timeout: float = SEND_TIMEOUT_SECONDS
    sessions: SessionFactory = database.sessionmaker  # looked up each time: tests swap engines
    metrics: Metrics = field(default_factory=Metrics)
    rng: random.Random = field(default_factory=random.Random)
    name: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _unrecorded: list[_Result] = field(default_factory=list, init=False, repr=False)

    async def run_once(self) -> int:
        """One round: store leftover outcomes, claim a batch, send it, store the outcomes.

        Returns how many rows were claimed (0: nothing is due). Database errors propagate
        (the loop backs off); outcomes not yet stored are kept for the next round.
        """
        if self._unrecorded:
            try:
                await self._record()
            except Exception as exc:
                if is_database_outage(exc):
                    raise
                # Storing failed twice for a reason other than the database being away:
                # drop the outcomes rather than wedge the worker; their lease runs out and
                # the rows are tried again.
                log.error("notify.results_dropped rows=%d", len(self._unrecorded), exc_info=True)
                self._unrecorded = []
        claimed = await self._claim()
        if not claimed:
            return 0
        self._unrecorded = await self._send(claimed)
        await self._record()
        return len(claimed)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Rounds until nothing is due (tests, and catching up); returns rows claimed."""
        total = 0
        for _ in range(max_rounds):
            claimed = await self.run_once()
            total += claimed
            if claimed == 0:
                break
        return total

    async def housekeep(self) -> None:
        """Purge expired idempotency keys and long-finished outbox rows."""
        async with self.sessions()() as session, session.begin():
            keys = await idempotency.purge_expired(session)
            result = await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.status != PushStatus.PENDING,
                    OutboxMessage.finished_at < clock.now() - FINISHED_RETENTION,
                )
            )
            rows = int(getattr(result, "rowcount", 0) or 0)
        self.metrics.purged_idempotency_keys += keys
        self.metrics.purged_outbox_rows += rows
        log.info("notify.housekeeping idempotency_keys=%d outbox_rows=%d", keys, rows)

    async def flush_on_shutdown(self, tries: int = SHUTDOWN_FLUSH_TRIES) -> None:
        """Store outcomes still in memory (the database may be coming back)."""
        for attempt in range(tries):
            if not self._unrecorded:
                return
            try:
                await self._record()
            except Exception as exc:
                log.warning("notify.shutdown_record_failed try=%d error=%s", attempt + 1, exc)
                await asyncio.sleep(0.5 * 2**attempt)
        if self._unrecorded:
            log.error(
                "notify.unrecorded_on_shutdown rows=%d (sent again once their lease runs out)",
                len(self._unrecorded),
            )

    async def aclose(self) -> None:
        for provider in self.providers.values():
            try:
                await provider.aclose()
            except Exception:
                log.exception("notify.provider_close_failed platform=%s", provider.platform)

    # -- the three steps -------------------------------------------------------------

    async def _claim(self) -> list[_Claimed]:
        now = clock.now()
        claim_id = uuid.uuid4()
        async with self.sessions()() as session, session.begin():
            rows = (
                await session.execute(
                    select(OutboxMessage, Notification, Device)
                    .join(Notification, Notification.id == OutboxMessage.notification_id)
                    .join(Device, Device.id == OutboxMessage.device_id)
                    .where(
                        OutboxMessage.status == PushStatus.PENDING,
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.next_attempt_at)
                    .limit(self.batch_size)
                    .with_for_update(of=OutboxMessage, skip_locked=True)
                )
            ).all()
            if not rows:
                self.metrics.lag_seconds = 0.0
                return []
            claimed = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([outbox.id for outbox, _, _ in rows]))
                .values(
                    attempts=OutboxMessage.attempts + 1,
                    next_attempt_at=now + self.lease,
                    claim_id=claim_id,
                )
                .returning(OutboxMessage.id, OutboxMessage.attempts)
                .execution_options(synchronize_session=False)
            )
            attempts = {outbox_id: count for outbox_id, count in claimed}
        oldest = min(outbox.next_attempt_at for outbox, _, _ in rows)
        self.metrics.lag_seconds = max(0.0, (now - oldest).total_seconds())
        self.metrics.claimed += len(rows)
        return [
            _Claimed(
                push=Push(
                    id=outbox.id,
                    notification_id=notification.id,
                    address=device.token,
                    kind=notification.kind,
                    title=notification.title,
                    body=notification.body,
                    data=dict(notification.data or {}),
                    created_at=notification.created_at,
                ),
                claim_id=claim_id,
                device_id=device.id,
                platform=device.platform,
                attempts=attempts[outbox.id],
                skip_reason=self._skip_reason(device, notification),
            )
            for outbox, notification, device in rows
        ]

    def _skip_reason(self, device: Device, notification: Notification) -> str | None:
        if not device.active:
            return f"device deactivated ({device.deactivated_reason or 'unknown'})"
        if device.user_id != notification.user_id:
            return "device now belongs to another user"  # never push someone else's notice
        if device.platform not in self.providers:
            return f"{device.platform} channel not configured"
        return None

    async def _send(self, claimed: Sequence[_Claimed]) -> list[_Result]:
        outcomes: dict[uuid.UUID, Outcome] = {}
        by_platform: dict[str, list[_Claimed]] = {}
        for row in claimed:
            if row.skip_reason is not None:
                outcomes[row.push.id] = Outcome.skipped(row.skip_reason)
            elif row.attempts > self.retry.max_attempts:
                # claimed again after a worker died mid-send too often
                outcomes[row.push.id] = Outcome.failed("out of tries")
            else:
                by_platform.setdefault(row.platform, []).append(row)

        async def send(platform: str, rows: list[_Claimed]) -> None:
            pushes = [row.push for row in rows]
            try:
                async with asyncio.timeout(self.send_timeout):
                    results = await self.providers[platform].send(pushes)
                if len(results) != len(pushes):
                    raise RuntimeError(f"{platform} answered {len(results)} of {len(pushes)}")
            except Exception as exc:
                log.exception("notify.provider_error platform=%s pushes=%d", platform, len(rows))
                results = [Outcome.retry(f"{platform}: {type(exc).__name__}: {exc}"[:500])] * len(
                    rows
                )
            for row, outcome in zip(rows, results, strict=True):
                outcomes[row.push.id] = outcome

        await asyncio.gather(*(send(p, rows) for p, rows in by_platform.items()))
        return [self._result(row, outcomes[row.push.id]) for row in claimed]

    def _result(self, row: _Claimed, outcome: Outcome) -> _Result:
        now = clock.now()

        def finished(status: PushStatus, reason: str = "", *, deactivate: bool = False) -> _Result:
            return _Result(
                outbox_id=row.push.id,
                claim_id=row.claim_id,
                device_id=row.device_id,
                platform=row.platform,
                attempts=row.attempts,
                status=status,
                next_attempt_at=now,
                error=outcome.error,
                finished_at=now,
                deactivate=deactivate,
                reason=reason,
            )

        if outcome.result is Result.SENT:
            return finished(PushStatus.SENT)
        if outcome.result is Result.SKIPPED:
            return finished(PushStatus.SKIPPED)
        if outcome.result is Result.DEAD_ADDRESS:
            return finished(PushStatus.DEAD, "dead_address", deactivate=True)
        if outcome.result is Result.FAILED:
            out_of_tries = row.attempts > self.retry.max_attempts  # see _send
            return finished(PushStatus.DEAD, "out_of_tries" if out_of_tries else "rejected")
        if row.attempts >= self.retry.max_attempts:
            return finished(PushStatus.DEAD, "out_of_tries")
        return _Result(
            outbox_id=row.push.id,
            claim_id=row.claim_id,
            device_id=row.device_id,
            platform=row.platform,
            attempts=row.attempts,
            status=PushStatus.PENDING,
            next_attempt_at=now + self.retry.delay(row.attempts, outcome.retry_after, self.rng),
            error=outcome.error,
            finished_at=None,
            reason="transient",
        )

    async def _record(self) -> None:
        results = self._unrecorded
        stored: list[_Result] = []
        async with self.sessions()() as session, session.begin():
            if results:
                updated = set(
                    await session.scalars(
                        _RECORD_OUTCOMES,
                        {
                            "ids": [r.outbox_id for r in results],
                            "claims": [r.claim_id for r in results],
                            "statuses": [r.status.value for r in results],
                            "next_attempts": [r.next_attempt_at for r in results],
                            "errors": [_clean(r.error) for r in results],
                            "finished": [r.finished_at for r in results],
                        },
                    )
                )
                stored = [r for r in results if r.outbox_id in updated]
            dead_addresses = {
                r.device_id: _clean(r.error) or "rejected" for r in stored if r.deactivate
            }
            if dead_addresses:
                await devices.deactivate(session, dead_addresses)
        self._unrecorded = []
        self._count(results, stored)

    def _count(self, results: Sequence[_Result], stored: Sequence[_Result]) -> None:
        m = self.metrics
        m.stale += len(results) - len(stored)
        for r in stored:
            fields = f"id={r.outbox_id} platform={r.platform} attempt={r.attempts}"
            if r.status is PushStatus.SENT:
                m.sent += 1
                PUSHES_SENT.labels(r.platform).inc()
                log.debug("notify.sent %s", fields)
                continue
            if r.status is PushStatus.SKIPPED:
                m.skipped += 1
                PUSHES_SKIPPED.labels(r.platform).inc()
                log.debug("notify.skipped %s reason=%r", fields, r.error)
                continue
            PUSHES_FAILED.labels(r.platform, r.reason).inc()
            if r.status is PushStatus.DEAD:
                m.dead += 1
                log.warning("notify.dead %s error=%r", fields, r.error)
                if r.deactivate:
                    m.deactivated += 1
                    log.warning("notify.device_deactivated device=%s", r.device_id)
            else:
                m.retried += 1
                log.info("notify.retry %s next=%s error=%r", fields, r.next_attempt_at, r.error)
        if stored:
            log.info(
                "notify.batch worker=%s rows=%d sent=%d lag_s=%.1f",
                self.name,
                len(stored),
                sum(r.status is PushStatus.SENT for r in stored),
                m.lag_seconds,
            )


def _clean(error: str | None) -> str | None:
    """Provider text as a column can hold it (PostgreSQL text refuses NUL)."""
    return error.replace("\x00", "")[:500] if error else None


def is_database_outage(exc: BaseException) -> bool:
    """The database is unreachable or went away (as opposed to a bug)."""
    if isinstance(exc, OSError | TimeoutError | OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
