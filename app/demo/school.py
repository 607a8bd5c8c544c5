"""The demo school as its admin sets it up: staff, term, slots, classes, groups, children.

Families link to their children here too: the two with logins register with the binding
code the school printed, as every family does; the others (who would have signed in with
WeChat, so have no password) are linked directly.
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import bootstrap
from app.auth import accounts, binding
from app.auth import service as auth_service
from app.auth.models import Role, User
from app.auth.schemas import ChildIn, RegisterIn
from app.core.principal import Principal
from app.demo import cast
from app.demo.calendar import term_around
from app.demo.cast import GuardianPlan, Plan
from app.demo.world import DemoWorld
from app.school import binding_codes, classes, groups, students, terms
from app.school.models import Student
from app.school.schemas import ClassIn, GroupIn, SlotIn, StudentIn, TermIn
from app.staff import accounts as staff

AGREEMENT_TEXT = "\n".join(
    (
        "课后服务安全责任书",
        "",
        "一、课后服务遵循学生和家长自愿参加的原则，学校不收取费用。"
        "家长在报名前已阅读本校课后服务实施方案。",
        "二、课后服务时段：课后活动 15:30—16:30，晚托 16:30—18:00。"
        "服务日以学校公布的学期日历为准，法定节假日不开展。",
        "三、学生在课后服务期间须遵守学校纪律，服从老师管理；"
        "因病、因事不能参加的，家长须提前通过系统请假。",
        "四、家长须按时接孩子。学生只交给家长本人、家长登记的接送人或持当日接送码的成人；"
        "未经家长登记的成人，学校不予交接。",
        "五、超过服务结束时间仍未接走的，值班老师将通知家长，请家长尽快到校。",
        "六、学生退出课后服务须由家长在系统中提出申请，自退出生效日起不再参加。",
        "七、建议家长为孩子购买意外伤害保险。",
        "",
        "家长在报名时确认已阅读并同意本责任书。",
    )
)


async def set_up(session: AsyncSession, today: date) -> DemoWorld:
    world = await _school_and_staff(session, today)
    await _calendar(session, world)
    await _classes_and_groups(session, world)
    await _children_and_families(session, world)
    return world


async def _school_and_staff(session: AsyncSession, today: date) -> DemoWorld:
    # As ``kehou create-school`` does it, inside this transaction; the admin adds the others.
    school, admin = await bootstrap.add_school(
        session,
        name=cast.SCHOOL_NAME,
        admin_username=cast.ADMIN.username,
        admin_password=cast.PASSWORD,
        admin_name=cast.ADMIN.name,
        admin_phone=cast.ADMIN.phone,
    )
    world = DemoWorld(today=today, plan=term_around(today), school_id=school.id)
    world.staff[cast.ADMIN.username] = _principal(admin)
    for member in (*cast.TEACHERS, cast.DUTY):
        user = await staff.create_account(
            session,
            school_id=school.id,
            username=member.username,
            password=cast.PASSWORD,
            name=member.name,
            phone=member.phone,
            roles=[member.role.value],
            actor_id=admin.id,
        )
        world.staff[member.username] = _principal(user)
    return world


def _principal(user: User) -> Principal:
    return Principal(id=user.id, roles=frozenset(user.roles), school_id=user.school_id)


async def _calendar(session: AsyncSession, world: DemoWorld) -> None:
    plan = world.plan
    world.term = await terms.create_term(
        session,
        world.admin,
        TermIn(
            name=plan.name,
            start_date=plan.start,
            end_date=plan.end,
            weekdays=list(plan.weekdays),
            closures=list(plan.closures),
            agreement_text=AGREEMENT_TEXT,
        ),
    )
    evening_seats = sum(
        1 for child in cast.children() if child.evening and child.plan is not Plan.WAITLISTED
    )
    for name, start, end, capacity in (
        # 课后服务 takes every family that asks (应接尽接): no seat limit in the afternoon.
        (cast.AFTERNOON, time(15, 30), time(16, 30), None),
        # 晚托 has the rooms and staff it has: exactly full, so the late applicants wait.
        (cast.EVENING, time(16, 30), time(18, 0), evening_seats),
    ):
        world.slots[name] = await terms.create_slot(
            session,
            world.admin,
            SlotIn(
                term_id=world.term.id,
                name=name,
                start_time=start,
                end_time=end,
                capacity=capacity,
            ),
        )


async def _classes_and_groups(session: AsyncSession, world: DemoWorld) -> None:
    term_id = world.current_term.id
    for plan in cast.CLASSES:
        teacher_id = world.staff[plan.homeroom].id
        school_class = await classes.create_class(
            session,
            world.admin,
            ClassIn(name=plan.name, grade=plan.grade, homeroom_teacher_id=teacher_id),
        )
        world.class_ids.append(school_class.id)
        await groups.create_group(
            session,
            world.admin,
            GroupIn(
                term_id=term_id,
                slot_id=world.slots[cast.AFTERNOON].id,
                name=cast.afternoon_group_name(plan.name),
                leader_id=teacher_id,
                class_ids=[school_class.id],
                capacity=None,
            ),
        )
    for evening in cast.EVENING_GROUPS:
        await groups.create_group(
            session,
            world.admin,
            GroupIn(
                term_id=term_id,
                slot_id=world.slots[cast.EVENING].id,
                name=evening.name,
                leader_id=world.staff[evening.leader].id,
                class_ids=[
                    class_id
                    for plan, class_id in zip(cast.CLASSES, world.class_ids, strict=True)
                    if plan.grade == evening.grade
                ],
                capacity=None,
            ),
        )


async def _children_and_families(session: AsyncSession, world: DemoWorld) -> None:
    for child in cast.children():
        student = world.children[child] = await students.create_student(
            session,
            world.admin,
            StudentIn(
                name=child.name,
                student_no=child.student_no(world.plan.school_year),
                class_id=world.class_ids[child.class_index],
                priority=list(child.priority),
            ),
        )
        for guardian in child.guardians:
            if guardian.login:
                await _register(session, world, guardian, student)
            else:
                await _link(session, world, guardian, student)


async def _register(
    session: AsyncSession, world: DemoWorld, guardian: GuardianPlan, student: Student
) -> None:
    """Register (first child) or add a child (the next ones) with a fresh binding code."""
    issued = await binding_codes.issue(session, world.admin, student)
    user = world.guardians.get(guardian.phone)
    if user is not None:
        child = ChildIn(binding_code=issued.code, relationship=guardian.relationship)
        await auth_service.add_child(session, user.id, child, ip=None)
        return
    await auth_service.register(
        session,
        RegisterIn(
            phone=guardian.phone,
            password=cast.PASSWORD,
            name=guardian.name,
            binding_code=issued.code,
            relationship=guardian.relationship,
        ),
        ip=None,
    )
    registered = await session.scalar(select(User).where(User.username == guardian.phone))
    assert registered is not None
    world.guardians[guardian.phone] = registered


async def _link(
    session: AsyncSession, world: DemoWorld, guardian: GuardianPlan, student: Student
) -> None:
    user = world.guardians.get(guardian.phone)
    if user is None:
        user = await accounts.insert_user(
            session,
            username=None,
            phone=guardian.phone,
            name=guardian.name,
            password_hash=None,
            roles=[Role.PARENT.value],
        )
        assert user is not None  # no username or openid to clash on
        world.guardians[guardian.phone] = user
    await binding.link_guardian(session, user.id, student, guardian.relationship, via="demo")
