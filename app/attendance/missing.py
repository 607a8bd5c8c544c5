"""``rollcall.missing``: a group whose roll is not taken 10 minutes after its slot starts.

A worker job (``app.jobs``) looks every minute. The notice goes to the group's leader and
assistant and the duty staff on shift at that moment (every duty-role member when no shift
covers it), once per group, slot and day (deduplicated), and only for groups with children
expected that day; a group whose roll is taken is never alerted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Select, Time, and_, bindparam, cast, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.models import RollCallAlert, RollCallMark
from app.attendance.roster import day_params, groups_with_children_select
from app.duty import service as duty
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school.models import Group, School, Slot, Term

# How long after its slot starts a group's roll call counts as missing.
GRACE = dt.timedelta(minutes=10)


async def alert_missing_roll_calls(session: AsyncSession, now: dt.datetime) -> int:
    """Notify about every group whose roll call is overdue now; returns the groups alerted."""
    alerted = 0
    announced: list[dict[str, object]] = []  # recorded at the end, in one statement
    for zone_name in await session.scalars(select(School.timezone).distinct()):
        local = now.astimezone(ZoneInfo(zone_name))
        day = local.date()
        overdue = await session.execute(
            _overdue(),
            {
                "zone": zone_name,
                "day": day,
                "weekday": day.isoweekday(),
                "latest_start": (local - GRACE).time().replace(tzinfo=None),
                "now_time": local.time().replace(tzinfo=None),
            },
        )
        candidates = overdue.all()
        if not candidates:
            continue
        with_children = set(
            await session.scalars(
                groups_with_children_select().where(Group.id.in_([c.group_id for c in candidates])),
                day_params(day),
            )
        )
        for c in candidates:
            if c.group_id not in with_children:
                continue
            recipients = [u for u in (c.leader_id, c.assistant_id) if u is not None]
            recipients += await duty.on_shift(session, c.school_id, zone_name, now)
            created = await notifications.notify(
                session,
                recipients=recipients,
                kind=Kind.ROLLCALL_MISSING,
                params={
                    "group_name": c.group_name,
                    "slot_name": c.slot_name,
                    "start_time": c.start_time.strftime("%H:%M"),
                },
                data={
                    "group_id": str(c.group_id),
                    "slot_id": str(c.slot_id),
                    "date": day.isoformat(),
                },
                dedupe_key=f"rollcall.missing:{c.group_id}:{c.slot_id}:{day.isoformat()}",
            )
            alerted += bool(created)
            announced.append(
                {"group_id": c.group_id, "slot_id": c.slot_id, "day": day, "alerted_at": now}
            )
    if announced:
        await session.execute(insert(RollCallAlert).values(announced).on_conflict_do_nothing())
    return alerted


@cache
def _overdue() -> Select[
    uuid.UUID, str, uuid.UUID | None, uuid.UUID | None, uuid.UUID, uuid.UUID, str, dt.time
]:
    """Groups of the zone's schools whose slot runs today, started more than ``GRACE`` ago
    and has not ended, with no roll-call mark yet and not yet alerted."""
    day = bindparam("day", type_=Date)
    return (
        select(
            Group.id.label("group_id"),
            Group.name.label("group_name"),
            Group.leader_id,
            Group.assistant_id,
            Group.school_id,
            Slot.id.label("slot_id"),
            Slot.name.label("slot_name"),
            Slot.start_time,
        )
        .join(School, School.id == Group.school_id)
        .join(Slot, Slot.id == Group.slot_id)
        .join(Term, Term.id == Group.term_id)
        .where(
            School.timezone == bindparam("zone"),
            Term.start_date <= day,
            Term.end_date >= day,
            bindparam("weekday") == func.any(Term.weekdays),
            ~(day == func.any(Term.closures)),
            Slot.start_time <= cast(bindparam("latest_start"), Time),
            Slot.end_time > cast(bindparam("now_time"), Time),
            ~exists().where(
                and_(
                    RollCallMark.group_id == Group.id,
                    RollCallMark.slot_id == Slot.id,
                    RollCallMark.day == day,
                )
            ),
            ~exists().where(
                and_(
                    RollCallAlert.group_id == Group.id,
                    RollCallAlert.slot_id == Slot.id,
                    RollCallAlert.day == day,
                )
            ),
        )
        .order_by(Group.school_id, Slot.start_time, Group.name)
    )
