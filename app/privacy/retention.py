"""How long personal data is kept: what ``kehou purge`` removes once it outlived its purpose.

- pickup passes expired, and failed pass checks made, more than 30 days ago;
- the body (and data) of inbox notifications older than 180 days (the title stays);
- the records of terms that ended more than ``KEHOU_RETENTION_YEARS`` (3) years ago:
  enrollments, leave, roll-call marks, survey answers, handovers and late pickups of the
  term's days. The term, its slots and groups (no one's data) and aggregated figures stay.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance import service as attendance
from app.core import clock
from app.core.settings import get_settings
from app.enrollment import service as enrollment
from app.leave import service as leave
from app.notifications import service as notifications
from app.pickup import service as pickup
from app.school import service as school
from app.surveys import service as surveys

PASSES_KEPT = timedelta(days=30)
NOTIFICATION_BODIES_KEPT = timedelta(days=180)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


async def purge(session: AsyncSession, *, dry_run: bool) -> dict[str, int]:
    """Remove (or, on a dry run, count) what has outlived its purpose; counts per kind."""
    now = clock.now()
    removed: Counter[str] = Counter()
    removed.update(await pickup.purge_expired(session, now - PASSES_KEPT, dry_run=dry_run))
    removed["notification_bodies"] = await notifications.purge_bodies(
        session, now - NOTIFICATION_BODIES_KEPT, dry_run=dry_run
    )
    cutoff = years_before(clock.today(), get_settings().retention_years)
    terms = await school.terms_ended_before(session, cutoff)
    term_ids = [t.id for t in terms]
    if term_ids:
        # Children's records first: an enrollment holds its slots (RESTRICT).
        removed.update(await attendance.purge_terms(session, term_ids, dry_run=dry_run))
        removed.update(await leave.purge_terms(session, term_ids, dry_run=dry_run))
        removed.update(await surveys.purge_terms(session, term_ids, dry_run=dry_run))
        removed.update(await enrollment.purge_terms(session, term_ids, dry_run=dry_run))
        for term in terms:
            removed.update(
                await pickup.purge_days(
                    session, term.school_id, term.start_date, term.end_date, dry_run=dry_run
                )
            )
    removed["terms_past_retention"] = len(term_ids)
    await session.flush()
    return dict(removed)
