"""Periodic gate work for the worker: late-pickup detection and throttle housekeeping."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.pickup.late import LateSweep, detect_late_pickups
from app.pickup.models import VerificationFailure

__all__ = ["LateSweep", "detect_late_pickups", "purge_verification_failures"]

# Failures only matter to the throttle's 15-minute window; the audit trail keeps the history.
FAILURE_RETENTION = timedelta(days=1)


async def purge_verification_failures(session: AsyncSession, now: datetime) -> int:
    """Delete throttle rows older than a day (flushes; the caller commits)."""
    result = await session.execute(
        delete(VerificationFailure).where(VerificationFailure.created_at < now - FAILURE_RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
