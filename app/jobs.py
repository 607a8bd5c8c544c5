"""The periodic jobs the worker runs beside notification delivery, and how often.

Each job gets its own session and transaction and the service clock's ``now``; a failing
job is logged and tried again at its next turn, never stopping delivery. Every job here is
safe to run from several workers at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance import missing as attendance_missing
from app.auth import throttle, tokens
from app.district import complaints
from app.district import service as district
from app.fees import service as fees
from app.notifications import service as notifications
from app.pickup import service as pickup
from app.staff import service as staff


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[AsyncSession, datetime], Awaitable[object]]


async def _purge_refresh_tokens(session: AsyncSession, now: datetime) -> int:
    return await tokens.purge_expired(session)


async def _purge_login_throttle(session: AsyncSession, now: datetime) -> int:
    return await throttle.purge_expired(session)


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    # The gate: a child still waiting past the grace must reach the family within a minute.
    PeriodicJob("pickup.detect_late", 30.0, pickup.detect_late_pickups),
    PeriodicJob("pickup.purge_verification_failures", 3600.0, pickup.purge_verification_failures),
    # A group leader who forgot the roll hears of it within a minute of the 10-minute mark.
    PeriodicJob("attendance.missing_roll_calls", 60.0, attendance_missing.alert_missing_roll_calls),
    # Held review.pending pushes go out once their reviewer's quiet window has passed.
    PeriodicJob("notifications.flush_coalesced", 60.0, notifications.flush_coalesced),
    PeriodicJob("auth.purge_refresh_tokens", 3600.0, _purge_refresh_tokens),
    PeriodicJob("auth.purge_throttle", 3600.0, _purge_login_throttle),
    # A month's bills within the hour it begins (in each school's zone); made once each.
    PeriodicJob("fees.make_monthly_bills", 3600.0, fees.make_monthly_bills),
    PeriodicJob("fees.send_refunds", 60.0, fees.send_refunds),
    PeriodicJob("fees.forget_notify_nonces", 3600.0, fees.forget_notify_nonces),
    # A complaint unresolved for 7 days reaches the district within the hour.
    PeriodicJob("district.escalate_complaints", 3600.0, complaints.escalate_overdue),
    # The district's statistics read these day counts: their freshness is stated in README.
    PeriodicJob("district.count_recent_days", 600.0, district.count_recent_days),
    PeriodicJob("district.recount_week", 3600.0, district.recount_week),
    # Admins hear 30 days ahead that an outside adult's vetting ends (once per expiry date);
    # hourly so a new day in any school's zone is seen soon after it begins.
    PeriodicJob("staff.warn_vetting_expiring", 3600.0, staff.warn_expiring),
)
