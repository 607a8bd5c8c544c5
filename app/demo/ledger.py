"""The demo school's last weeks: roll calls, check-ins, care logs, leave and handovers.

So that the ledger (台账), the statistics and their exports show real figures from the first
start, the seeding lives through the service days before today. For each one the clock is
moved to that afternoon and staff and families act through the services, as they would
have on the day; the clock is then put back. Families with a demo login are spared absence
alerts and handover notices, so their inboxes read as the README describes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance import service as attendance
from app.attendance.models import RosterStatus
from app.attendance.schemas import MarkIn, RollCallIn
from app.checkins import service as checkins
from app.checkins.schemas import CheckInIn
from app.core import clock
from app.core.principal import Principal
from app.demo import cast
from app.demo.cast import ChildPlan
from app.demo.world import DemoWorld
from app.enrollment.models import ON_ROSTER
from app.leave import service as leave_service
from app.leave.models import LeaveKind, LeaveRequest
from app.leave.schemas import LeaveDecisionIn, LeaveRequestIn
from app.ledger import service as ledger
from app.ledger.models import CareLogKind
from app.ledger.schemas import CareLogIn
from app.pickup import service as pickup
from app.pickup.schemas import HandoverIn, PickupPassIn
from app.school.models import Group

HISTORY_DAYS = 15  # three school weeks of roll calls, check-ins and care logs
# The gate's handovers of the last two days (a pass per family, a handover per child: the
# dearest part of the seeding); earlier days end with the roll call's marks.
HANDOVER_DAYS = 2
ABSENT_EVERY = 37  # about one child in this many is absent (deterministically)

ACTIVITIES = (
    "完成语文、数学书面作业，老师逐一批改订正。",
    "阅读课：共读绘本《小猪唏哩呼噜》，分享读后感。",
    "体育活动：跳绳和踢毽子比赛，注意补水。",
    "美术：用树叶拼贴秋天的画，作品贴在教室后墙。",
    "科学小实验：观察绿豆发芽，记录生长日记。",
    "书法练习：硬笔书法，练习“永”字八法。",
)
NOTES = (
    "教室空调报修，临时在多功能厅活动。",
    "今天作业量较大，未完成的同学带回家继续完成。",
    "天气转凉，提醒家长给孩子带外套。",
)
INCIDENTS = (
    "课间游戏时摔倒，膝盖轻微擦伤，已由校医消毒包扎，孩子情绪稳定。",
    "和同学因借文具发生争执，已沟通调解，双方互相道歉。",
)


@contextmanager
def on_moment(moment: datetime) -> Iterator[None]:
    """The clock at ``moment`` for the block, then back where it was (frozen or running)."""
    shift = moment - clock.now()
    clock.advance(shift)
    try:
        yield
    finally:
        clock.advance(-shift)


def history_days(world: DemoWorld) -> list[date]:
    """The service days of the term before today, the last ``HISTORY_DAYS`` of them."""
    days: list[date] = []
    day = world.today - timedelta(days=1)
    while day >= world.plan.start and len(days) < HISTORY_DAYS:
        if world.plan.is_service_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _absent(child: ChildPlan, n: int) -> bool:
    return (
        child not in cast.FIXED.values()
        and (child.class_index * 20 + child.seat + n * 11) % ABSENT_EVERY == 0
    )


async def play(session: AsyncSession, world: DemoWorld) -> None:
    days = history_days(world)
    if not days:  # the term opens today: no history yet
        return
    # The families enrolled before the history began (the seed itself runs on one day).
    for enrollment in world.enrollments.values():
        if enrollment.status in ON_ROSTER:
            enrollment.start_date = days[0]
    await session.flush()
    groups = list(
        await session.scalars(
            select(Group).where(Group.school_id == world.school_id).order_by(Group.name)
        )
    )
    zone = ZoneInfo(clock.DEFAULT_TIMEZONE)
    for n, day in enumerate(days):
        with on_moment(datetime.combine(day, time(17, 50), zone)):
            await _leave(session, world, day, n)
            await _check_ins_and_roll_calls(session, world, groups, day, n)
            await _care_logs(session, world, groups, day, n)
            if n >= len(days) - HANDOVER_DAYS:
                await _handovers(session, world, day)


def _children_by_id(world: DemoWorld) -> dict[uuid.UUID, ChildPlan]:
    return {student.id: child for child, student in world.children.items()}


async def _leave(session: AsyncSession, world: DemoWorld, day: date, n: int) -> None:
    """One child a day is off sick, asked for by the family and approved by the homeroom."""
    enrolled = [c for c in world.enrollments if c not in cast.FIXED.values()]
    child = enrolled[(n * 7) % len(enrolled)]
    if world.enrollments[child].status not in ON_ROSTER:
        return
    requested = await leave_service.create(
        session,
        world.family(child),
        LeaveRequestIn(
            student_id=world.children[child].id,
            start_date=day,
            end_date=day,
            slot_ids=None,
            kind=LeaveKind.SICK,
            reason="孩子感冒咳嗽，在家休息一天",
        ),
    )
    await leave_service.decide(
        session,
        world.homeroom(child),
        await session.get_one(LeaveRequest, requested.id),
        LeaveDecisionIn(decision="approve", comment="注意休息"),
    )


def _leader(world: DemoWorld, group: Group) -> Principal | None:
    return next((p for p in world.staff.values() if p.id == group.leader_id), None)


async def _check_ins_and_roll_calls(
    session: AsyncSession, world: DemoWorld, groups: list[Group], day: date, n: int
) -> None:
    by_id = _children_by_id(world)
    for group in groups:
        leader = _leader(world, group)
        if leader is None:
            continue
        evening = group.slot_id == world.slots[cast.EVENING].id
        if evening:  # the 晚托 teachers tap in as they arrive; the others by taking the roll
            await checkins.check_in(
                session,
                leader,
                group,
                CheckInIn(group_id=group.id, slot_id=group.slot_id, date=day),
            )
        roster = await attendance.group_roster(session, group, day)
        marks = [
            MarkIn(
                student_id=entry.student_id,
                status="absent" if _absent(by_id[entry.student_id], n) else "present",
            )
            for entry in roster
            if entry.status == RosterStatus.EXPECTED
        ]
        if marks:
            await attendance.take_roll_call(
                session,
                leader,
                group,
                RollCallIn(group_id=group.id, slot_id=group.slot_id, date=day, marks=marks),
            )


async def _care_logs(
    session: AsyncSession, world: DemoWorld, groups: list[Group], day: date, n: int
) -> None:
    afternoon = [g for g in groups if g.slot_id == world.slots[cast.AFTERNOON].id]
    entries: list[tuple[Group, CareLogKind, str, uuid.UUID | None]] = [
        (
            afternoon[n % len(afternoon)],
            CareLogKind.ACTIVITY,
            ACTIVITIES[n % len(ACTIVITIES)],
            None,
        ),
        (
            afternoon[(n + 3) % len(afternoon)],
            CareLogKind.ACTIVITY,
            ACTIVITIES[(n + 2) % len(ACTIVITIES)],
            None,
        ),
    ]
    if n % 3 == 1:
        group = groups[n % len(groups)]
        entries.append((group, CareLogKind.NOTE, NOTES[n % len(NOTES)], None))
    if n % 5 == 2:
        group = afternoon[n % len(afternoon)]
        roster = await attendance.group_roster(session, group, day)
        present = [
            e.student_id
            for e in roster
            if e.status == RosterStatus.PRESENT
            and _children_by_id(world)[e.student_id] not in cast.FIXED.values()
        ]
        if present:
            entries.append((group, CareLogKind.INCIDENT, INCIDENTS[n % len(INCIDENTS)], present[0]))
    for group, kind, text, student_id in entries:
        author = _leader(world, group) or world.admin
        await ledger.create_care_log(
            session,
            author,
            group,
            CareLogIn(
                group_id=group.id,
                slot_id=group.slot_id,
                date=day,
                kind=kind,
                text=text,
                student_id=student_id,
            ),
        )


async def _handovers(session: AsyncSession, world: DemoWorld, day: date) -> None:
    """Every child still in care goes home with a parent's pass, family by family."""
    duty = world.staff[cast.DUTY.username]
    in_care = await attendance.expected_students(session, world.school_id, day)
    # Absence is the child's for the day (``_absent``): present in one slot, present in all.
    absent = {e.student_id for e in in_care if e.status == RosterStatus.ABSENT}
    waiting = {e.student_id for e in in_care if e.status == RosterStatus.PRESENT} - absent
    families: dict[str, list[ChildPlan]] = {}
    for student_id in sorted(waiting):
        child = _children_by_id(world)[student_id]
        if child in cast.FIXED.values():
            continue
        families.setdefault(child.guardians[0].phone, []).append(child)
    for children in families.values():
        issued = await pickup.issue(
            session,
            world.family(children[0]),
            PickupPassIn(student_ids=[world.children[c].id for c in children]),
        )
        for child in children:
            await pickup.hand_over(
                session,
                duty,
                HandoverIn(student_id=world.children[child].id, date=day, pass_code=issued.code),
            )
