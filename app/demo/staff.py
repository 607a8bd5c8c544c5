"""The demo school's staff side: an outside coach (vetted, with a school assistant), pay
rates in the policy, a duty rota with 交接班, and last month's workload published (公示).

``set_up`` runs before the history is lived (so the coach takes the roll on those days);
``play`` after it: the assistant checks in beside the coach, the rota and handoffs are
recorded, and the previous month, when the history reaches into it, is published.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.checkins import service as checkins
from app.checkins.schemas import CheckInIn
from app.core import clock
from app.core.principal import Principal
from app.demo import cast
from app.demo.cast import StaffMember
from app.demo.ledger import history_days, on_moment
from app.demo.world import DemoWorld
from app.duty import service as duty
from app.duty.models import DutyShift, Post
from app.duty.schemas import HandoffIn, ShiftIn
from app.school import groups
from app.school import service as school_service
from app.school.models import Group
from app.school.schemas import GroupPatch, PayRatesPatch, PolicyPatch, SchoolPatch
from app.staff import accounts as staff_accounts
from app.staff.schemas import StaffIn, VettingIn
from app.workload import service as workload

COACH = StaffMember("coach.qian", "钱建军", Role.TEACHER, "13700000021")
COACH_ORGANISATION = "市青少年足球俱乐部"
# The coach's 课后活动 group: 四年级3班's, with its homeroom teacher as the assistant.
COACHED_CLASS = cast.CLASSES[5]
# ¥60 an hour, ¥80 an hour of 晚托 overtime, ¥30 an hour on duty.
PAY_RATES = PayRatesPatch(session_hour_fen=6000, overtime_hour_fen=8000, duty_hour_fen=3000)
# The rota: the gate until the 晚托 begins, then the admin leads until the last child leaves.
GATE_SHIFT = (time(15, 20), time(17, 0))
LEAD_SHIFT = (time(17, 0), time(18, 15))
ROTA_DAYS_AHEAD = 7
# The coach's vetting runs out within the month: admins are warned (staff.vetting_expiring).
VETTING_LEFT = timedelta(days=25)


async def set_up(session: AsyncSession, world: DemoWorld) -> None:
    await school_service.update_school(
        session, world.admin, SchoolPatch(policy=PolicyPatch(pay_rates=PAY_RATES))
    )
    coach = await staff_accounts.create(
        session,
        world.school_id,
        world.admin.id,
        StaffIn(
            username=COACH.username,
            password=cast.PASSWORD,
            name=COACH.name,
            phone=COACH.phone,
            roles=[COACH.role],
            employment="external",
            vetting=VettingIn(
                organisation=COACH_ORGANISATION,
                checked_at=world.today - timedelta(days=340),
                certificate_no="ZQ-2025-0416",
                valid_until=world.today + VETTING_LEFT,
            ),
        ),
    )
    world.staff[COACH.username] = Principal(
        id=coach.id, roles=frozenset(coach.roles), school_id=world.school_id
    )
    group = await _coached_group(session, world)
    await groups.update_group(
        session,
        world.admin,
        group,
        GroupPatch.model_validate(
            {"leader_id": coach.id, "assistant_id": world.staff[COACHED_CLASS.homeroom].id}
        ),
    )


async def _coached_group(session: AsyncSession, world: DemoWorld) -> Group:
    group = await session.scalar(
        select(Group).where(
            Group.school_id == world.school_id,
            Group.name == cast.afternoon_group_name(COACHED_CLASS.name),
        )
    )
    assert group is not None, "the groups are set up first"
    return group


async def play(session: AsyncSession, world: DemoWorld) -> None:
    days = history_days(world)
    zone = ZoneInfo(clock.DEFAULT_TIMEZONE)
    group = await _coached_group(session, world)
    assistant = world.staff[COACHED_CLASS.homeroom]
    for day in days:  # the assistant taps in beside the coach, who took the roll
        with on_moment(datetime.combine(day, time(15, 35), zone)):
            await checkins.check_in(
                session,
                assistant,
                group,
                CheckInIn(group_id=group.id, slot_id=group.slot_id, date=day),
            )
    await _rota(session, world, days)
    first_of_month = world.today.replace(day=1)
    if days and days[0] < first_of_month:  # the history reaches into last month: 公示
        last_month = (first_of_month - timedelta(days=1)).strftime("%Y-%m")
        await workload.publish(session, world.admin, last_month)


async def _rota(session: AsyncSession, world: DemoWorld, days: list[date]) -> None:
    """Gate and lead shifts on the history's days and the service days ahead; each past
    day ends with the lead's handoff once the last child has gone (交接班)."""
    ahead = [
        world.today + timedelta(days=n)
        for n in range(ROTA_DAYS_AHEAD)
        if world.plan.is_service_day(world.today + timedelta(days=n))
    ]
    duty_staff = world.staff[cast.DUTY.username]
    zone = ZoneInfo(clock.DEFAULT_TIMEZONE)
    for day in [*days, *ahead]:
        gate = await duty.create_shift(
            session, world.admin, _shift(day, duty_staff, GATE_SHIFT, Post.GATE)
        )
        lead = await duty.create_shift(
            session, world.admin, _shift(day, world.admin, LEAD_SHIFT, Post.LEAD)
        )
        if day >= world.today:
            continue
        with on_moment(datetime.combine(day, GATE_SHIFT[1], zone)):
            await duty.hand_off(
                session,
                duty_staff,
                await session.get_one(DutyShift, gate.id),
                HandoffIn(to_shift_id=lead.id, notes="校门已交接，晚托学生在教室，家长陆续接走。"),
            )
        with on_moment(datetime.combine(day, LEAD_SHIFT[1], zone)):
            await duty.hand_off(
                session,
                world.admin,
                await session.get_one(DutyShift, lead.id),
                HandoffIn(notes="学生全部离校，门窗水电已检查，校门已锁。"),
            )


def _shift(day: date, who: Principal, times: tuple[time, time], post: Post) -> ShiftIn:
    return ShiftIn(date=day, start_time=times[0], end_time=times[1], staff_id=who.id, post=post)
