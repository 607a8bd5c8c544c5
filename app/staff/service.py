"""Outside staff: their vetting records, the rule that expired vetting stops work, and the
warning to admins 30 days before a vetting expires.

``ensure_vetting_valid`` is the one rule roll calls and check-ins both call.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import audit, clock
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school import access
from app.school.models import School
from app.staff.errors import StaffVettingExpired, StaffVettingNotOutside, StaffVettingRequired
from app.staff.models import OUTSIDE, Employment, StaffVetting
from app.staff.schemas import VettingIn, VettingOut

# Admins hear of an expiring vetting this many days ahead (seed 004: 志愿者审核备案).
WARN_AHEAD = dt.timedelta(days=30)


def check_employment(employment: str, vetting: VettingIn | None) -> None:
    """Outside staff come with a vetting record, school staff without one (422)."""
    if Employment(employment) in OUTSIDE and vetting is None:
        raise StaffVettingRequired(field="vetting")
    if Employment(employment) not in OUTSIDE and vetting is not None:
        raise StaffVettingNotOutside(field="vetting")


async def record_vetting(
    session: AsyncSession, user: User, vetting: VettingIn, actor_id: uuid.UUID
) -> None:
    """Write (or renew) ``user``'s vetting record, audited."""
    if Employment(user.employment) not in OUTSIDE:
        raise StaffVettingNotOutside(field="vetting")
    values = vetting.model_dump()
    await session.execute(
        pg_insert(StaffVetting)
        .values(user_id=user.id, school_id=user.school_id, updated_at=clock.now(), **values)
        .on_conflict_do_update(
            index_elements=[StaffVetting.user_id], set_={**values, "updated_at": clock.now()}
        )
    )
    await audit.record(
        session,
        action="staff.vetted",
        object_type="user",
        object_id=user.id,
        actor_id=actor_id,
        school_id=user.school_id,
        data={k: str(v) for k, v in values.items()},
    )


async def vettings_of(
    session: AsyncSession, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, VettingOut]:
    """The vetting records of these accounts (those that have one)."""
    if not user_ids:
        return {}
    rows = await session.scalars(select(StaffVetting).where(StaffVetting.user_id.in_(user_ids)))
    return {row.user_id: VettingOut.model_validate(row) for row in rows}


async def ensure_vetting_valid(session: AsyncSession, user_id: uuid.UUID, day: dt.date) -> None:
    """403 ``staff.vetting_expired`` when ``user_id``'s vetting no longer holds on ``day``
    (school staff have none and are never stopped here)."""
    valid_until = await session.scalar(
        select(StaffVetting.valid_until).where(StaffVetting.user_id == user_id)
    )
    if valid_until is not None and valid_until < day:
        raise StaffVettingExpired(valid_until=valid_until.isoformat())


async def warn_expiring(session: AsyncSession, now: dt.datetime) -> int:
    """Tell each school's admins about vettings ending within 30 days (in the school's zone),
    once per staff member and expiry date however often this runs; returns notices made."""
    rows = await session.execute(
        select(StaffVetting, User.name, School.timezone)
        .join(User, User.id == StaffVetting.user_id)
        .join(School, School.id == StaffVetting.school_id)
        .where(
            User.is_active.is_(True),
            # A day's slack either side covers every zone; the exact test is below.
            StaffVetting.valid_until >= (now - dt.timedelta(days=1)).date(),
            StaffVetting.valid_until <= (now + WARN_AHEAD + dt.timedelta(days=1)).date(),
        )
    )
    made = 0
    for vetting, name, zone in rows:
        today = now.astimezone(ZoneInfo(zone)).date()
        if not today <= vetting.valid_until <= today + WARN_AHEAD:
            continue
        created = await notifications.notify(
            session,
            recipients=await access.school_admin_ids(session, vetting.school_id),
            kind=Kind.STAFF_VETTING_EXPIRING,
            params={
                "staff_name": name,
                "organisation": vetting.organisation,
                "valid_until": vetting.valid_until.isoformat(),
            },
            data={"staff_id": str(vetting.user_id), "valid_until": vetting.valid_until},
            dedupe_key=f"staff.vetting_expiring:{vetting.user_id}:{vetting.valid_until}",
        )
        made += len(created)
    return made
