"""The duty rota (值班) and 交接班: who is on duty when, and what one shift hands the next.

``on_shift`` answers "who is on duty at the school now" for other domains (the missing
roll-call alert); ``shifts_between`` gives the workload its duty minutes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.pagination import PageParams
from app.core.principal import Principal
from app.duty import repository
from app.duty.errors import (
    DutyNotYourShift,
    DutyRangeInvalid,
    DutyShiftNotFound,
    DutyShiftOverlaps,
    DutyStaffNotFound,
    DutyToShiftInvalid,
)
from app.duty.models import DutyHandoff, DutyShift
from app.duty.schemas import ChildInCare, HandoffIn, HandoffOut, ShiftIn, ShiftOut
from app.pickup import service as pickup
from app.school import access

# The longest rota a list may span (a term's quarter).
LONGEST_RANGE = dt.timedelta(days=92)


async def school_shift(
    session: AsyncSession, principal: Principal, shift_id: uuid.UUID
) -> DutyShift:
    """A shift of the caller's school, else 404."""
    shift = await repository.school_shift(session, principal.school_id, shift_id)
    if shift is None:
        raise DutyShiftNotFound()
    return shift


async def create_shift(session: AsyncSession, admin: Principal, body: ShiftIn) -> ShiftOut:
    """Put a staff member on duty; one person never holds two overlapping shifts (409)."""
    school_id = admin.staff_school()
    name = await repository.active_staff_name(session, school_id, body.staff_id, lock=True)
    if name is None:
        raise DutyStaffNotFound(field="staff_id")
    shift = DutyShift(school_id=school_id, **body.model_dump())
    if await repository.overlapping(session, shift):
        raise DutyShiftOverlaps()
    session.add(shift)
    await session.flush()
    await audit.record(
        session,
        action="duty.shift_created",
        object_type="duty_shift",
        object_id=shift.id,
        actor_id=admin.id,
        school_id=school_id,
        data={
            "staff_id": str(shift.staff_id),
            "date": shift.date.isoformat(),
            "from": shift.start_time.isoformat("minutes"),
            "to": shift.end_time.isoformat("minutes"),
            "post": shift.post,
        },
    )
    return _out(shift, name)


def _out(shift: DutyShift, name: str) -> ShiftOut:
    return ShiftOut(
        id=shift.id,
        date=shift.date,
        start_time=shift.start_time,
        end_time=shift.end_time,
        staff_id=shift.staff_id,
        staff_name=name,
        post=shift.post,
        created_at=shift.created_at,
    )


async def rota(
    session: AsyncSession,
    principal: Principal,
    first: dt.date | None,
    last: dt.date | None,
    params: PageParams,
) -> tuple[list[ShiftOut], str | None]:
    """The school's shifts from ``first`` (default today) to ``last`` (default a week on)."""
    school_id = principal.staff_school()
    first = first or await access.school_today(session, school_id)
    last = last or first + dt.timedelta(days=6)
    if last < first or last - first > LONGEST_RANGE:
        raise DutyRangeInvalid(field="to")
    shifts, cursor = await repository.page(session, school_id, first, last, params)
    names = await repository.names(session, {s.staff_id for s in shifts})
    return [_out(s, names.get(s.staff_id, "")) for s in shifts], cursor


async def shifts_between(
    session: AsyncSession, school_id: uuid.UUID, first: dt.date, last: dt.date
) -> list[DutyShift]:
    """The school's shifts from ``first`` to ``last`` (for duty minutes)."""
    return await repository.between(session, school_id, first, last)


async def on_shift(
    session: AsyncSession, school_id: uuid.UUID, zone: str, now: dt.datetime
) -> list[uuid.UUID]:
    """The duty staff on shift at ``now`` in the school's zone; when no shift covers that
    moment (or the school keeps no rota), every active duty-role staff member."""
    local = now.astimezone(ZoneInfo(zone))
    on_duty = await repository.on_shift(session, school_id, local.date(), local.time())
    return on_duty or await repository.duty_staff(session, school_id)


async def hand_off(
    session: AsyncSession, principal: Principal, shift: DutyShift, body: HandoffIn
) -> HandoffOut:
    """交接班: the shift's staff member (or an admin) hands over to the next shift, recording
    the children still in care at this moment (the gate's waiting list, as it stands)."""
    if not (principal.is_school_admin or principal.id == shift.staff_id):
        raise DutyNotYourShift()
    if body.to_shift_id is not None:
        to_shift = await repository.school_shift(session, shift.school_id, body.to_shift_id)
        if to_shift is None or to_shift.id == shift.id:
            raise DutyToShiftInvalid(field="to_shift_id")
    today = await access.school_today(session, shift.school_id)
    in_care = [
        ChildInCare(student_id=student.id, name=student.name, class_name=class_name)
        for student, class_name in await pickup.waiting_children(session, shift.school_id, today)
    ]
    handoff = DutyHandoff(
        school_id=shift.school_id,
        from_shift_id=shift.id,
        to_shift_id=body.to_shift_id,
        at=clock.now(),
        notes=body.notes,
        by_id=principal.id,
        children_in_care=[c.model_dump(mode="json") for c in in_care],
    )
    session.add(handoff)
    await session.flush()
    await audit.record(
        session,
        action="duty.handed_off",
        object_type="duty_shift",
        object_id=shift.id,
        actor_id=principal.id,
        school_id=shift.school_id,
        data={
            "handoff_id": str(handoff.id),
            "to_shift_id": str(body.to_shift_id) if body.to_shift_id else None,
            "children_in_care": len(in_care),
        },
    )
    return _handoff_out(handoff)


def _handoff_out(handoff: DutyHandoff) -> HandoffOut:
    return HandoffOut(
        id=handoff.id,
        from_shift_id=handoff.from_shift_id,
        to_shift_id=handoff.to_shift_id,
        at=handoff.at,
        notes=handoff.notes,
        by_id=handoff.by_id,
        children_in_care=[ChildInCare.model_validate(c) for c in handoff.children_in_care],
    )


async def handoffs(session: AsyncSession, shift: DutyShift) -> list[HandoffOut]:
    """The handoffs the shift gave or received, each with the children in care then."""
    return [_handoff_out(h) for h in await repository.handoffs_of(session, shift.id)]
