"""The demo district: the demo school and 城南小学 under one bureau, with plans and complaints.

Seeded after the demo school's term has been lived (``activity.play``), through the same
services: the second school is set up by its admin, its families apply, both schools file
their term's plan, families complain and the school answers. The district then requires
approved plans, which the demo school has, so the walkthrough's application still goes in;
a family of 城南小学 (plan awaiting the district) would get 409 ``term.plan_not_approved``.
"""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import bootstrap
from app.auth import accounts, binding
from app.auth.models import Role
from app.core import clock
from app.core.principal import Principal
from app.demo import cast
from app.demo.school import AGREEMENT_TEXT
from app.demo.world import DemoWorld
from app.district import complaints, plans
from app.district import service as district
from app.district.models import Complaint
from app.district.schemas import ComplaintIn, ComplaintResponseIn, DistrictPatch, PlanDecisionIn
from app.enrollment import service as enrollment_service
from app.enrollment.schemas import EnrollmentIn
from app.school import classes, groups, students, terms
from app.school import service as school_service
from app.school.models import School, Term
from app.school.schemas import (
    ClassIn,
    GroupIn,
    PolicyPatch,
    SchoolPatch,
    SlotIn,
    StudentIn,
    TermIn,
)
from app.staff import accounts as staff

DISTRICT_NAME = "课后演示区教育局"
DISTRICT_LOGIN = "district"
SECOND_SCHOOL = "城南小学"
SECOND_ADMIN = ("admin.chengnan", "陈建平", "13700000101")
# class name, grade, homeroom teacher (username, name, phone), children
SECOND_CLASSES = (
    ("一年级1班", 1, ("teacher.qian", "钱玉梅", "13700000111"),
     "王小米 李乐乐 张果果 赵一鸣 孙佳怡"),
    ("二年级1班", 2, ("teacher.feng", "冯志刚", "13700000112"),
     "周子墨 吴雨桐 郑浩宇 冯欣然 陈天佑"),
    ("二年级2班", 2, ("teacher.he", "何静", "13700000113"),
     "褚梦琪 卫晨曦 蒋明轩 沈语嫣 韩承泽"),
)  # fmt: skip
NOT_APPLYING = 4  # the last child of each class has not applied

PLAN_TEXT = "\n".join(
    (
        "{school}{term}课后服务实施方案",
        "一、服务对象：本校自愿参加的学生，家长申请、学校审核。",
        "二、服务时间：周一至周五放学后，课后活动 15:30—16:30，晚托至 18:00。",
        "三、服务内容：作业辅导、阅读、体育、艺术等社团活动，不讲授新课。",
        "四、安全管理：点名、请假、接送交接全程记录，值班教师在岗。",
        "五、经费：按区有关规定执行，收费项目向家长公示。",
    )
)


async def seed(session: AsyncSession, world: DemoWorld) -> uuid.UUID:
    """The district around the demo school; returns the second school's id."""
    bureau, admin_id = await district.add_district(
        session,
        name=DISTRICT_NAME,
        admin_username=DISTRICT_LOGIN,
        admin_password=cast.PASSWORD,
    )
    bureau_admin = Principal(
        id=admin_id,
        roles=frozenset({Role.DISTRICT_ADMIN.value}),
        school_id=None,
        district_id=bureau.id,
    )
    demo_school = await session.get_one(School, world.school_id)
    await district.place_school(session, demo_school, bureau.id)
    second, second_term = await _second_school(session, world, bureau.id)

    # The demo school's plan is approved; 城南小学's waits for the district.
    demo_plan = await _file_plan(session, world.admin, world.current_term, cast.SCHOOL_NAME)
    await plans.decide_plan(
        session,
        bureau_admin,
        await plans.visible_plan(session, bureau_admin, demo_plan),
        PlanDecisionIn(decision="approve", comment="方案完整，同意备案。"),
    )
    await _file_plan(session, second, second_term, SECOND_SCHOOL)
    await district.update_district(session, bureau_admin, DistrictPatch(require_plan_approval=True))
    await _complaints(session, world)
    return second.staff_school()


async def _file_plan(
    session: AsyncSession, admin: Principal, term: Term, school_name: str
) -> uuid.UUID:
    text = PLAN_TEXT.format(school=school_name, term=term.name)
    plan = await plans.save_plan(session, admin, term, text)
    await plans.submit_plan(session, admin, term)
    return plan.id


async def _staff(
    session: AsyncSession, school_id: uuid.UUID, who: tuple[str, str, str], role: Role
) -> Principal:
    username, name, phone = who
    user = await staff.create_account(
        session,
        school_id=school_id,
        username=username,
        password=cast.PASSWORD,
        name=name,
        phone=phone,
        roles=[role.value],
        actor_id=None,
    )
    return Principal(id=user.id, roles=frozenset(user.roles), school_id=school_id)


async def _second_school(
    session: AsyncSession, world: DemoWorld, district_id: uuid.UUID
) -> tuple[Principal, Term]:
    """城南小学 as its admin sets it up: 3 classes of 5, 12 children enrolled, no review."""
    admin_login, admin_name, admin_phone = SECOND_ADMIN
    school, admin_user = await bootstrap.add_school(
        session,
        name=SECOND_SCHOOL,
        admin_username=admin_login,
        admin_password=cast.PASSWORD,
        admin_name=admin_name,
        admin_phone=admin_phone,
        district_id=district_id,
    )
    admin = Principal(id=admin_user.id, roles=frozenset(admin_user.roles), school_id=school.id)
    await school_service.update_school(
        session, admin, SchoolPatch(policy=PolicyPatch(enrollment_review="none"))
    )
    plan = world.plan
    term = await terms.create_term(
        session,
        admin,
        TermIn(
            name=plan.name,
            start_date=plan.start,
            end_date=plan.end,
            weekdays=list(plan.weekdays),
            closures=list(plan.closures),
            agreement_text=AGREEMENT_TEXT,
        ),
    )
    afternoon = await terms.create_slot(
        session,
        admin,
        SlotIn(
            term_id=term.id,
            name=cast.AFTERNOON,
            start_time=time(15, 30),
            end_time=time(16, 30),
            capacity=None,
        ),
    )
    phone = 13600000001
    for class_no, (class_name, grade, teacher, names) in enumerate(SECOND_CLASSES, start=1):
        homeroom = await _staff(session, school.id, teacher, Role.TEACHER)
        school_class = await classes.create_class(
            session, admin, ClassIn(name=class_name, grade=grade, homeroom_teacher_id=homeroom.id)
        )
        await groups.create_group(
            session,
            admin,
            GroupIn(
                term_id=term.id,
                slot_id=afternoon.id,
                name=cast.afternoon_group_name(class_name),
                leader_id=homeroom.id,
                class_ids=[school_class.id],
                capacity=None,
            ),
        )
        for seat, name in enumerate(names.split()):
            student = await students.create_student(
                session,
                admin,
                StudentIn(
                    name=name,
                    student_no=f"{plan.school_year - grade + 1}{class_no:02d}{seat + 1:02d}",
                    class_id=school_class.id,
                ),
            )
            parent = await accounts.insert_user(
                session,
                username=None,
                phone=str(phone),
                name=name[0] + "家长",
                password_hash=None,
                roles=[Role.PARENT.value],
            )
            assert parent is not None
            phone += 1
            await binding.link_guardian(session, parent.id, student, "母亲", via="demo")
            if seat == NOT_APPLYING:
                continue
            await enrollment_service.apply(
                session,
                Principal(id=parent.id, roles=frozenset(parent.roles), school_id=None),
                EnrollmentIn(
                    student_id=student.id,
                    term_id=term.id,
                    weekdays=list(term.weekdays),
                    slot_ids=[afternoon.id],
                    agreement_version=term.agreement_version,
                ),
            )
    return admin, term


async def _complaints(session: AsyncSession, world: DemoWorld) -> None:
    """Three complaints: one answered and resolved, one still open, one the school answered
    but did not resolve in 7 days, which the district now supervises (anonymous to the
    school; the district sees who made it)."""
    children = list(world.children)
    resolved = await complaints.file(
        session,
        world.family(cast.LIU_ZIHAN),
        ComplaintIn(
            category="fees",
            text="晚托的收费标准在哪里可以看到？希望学校公示。",
            anonymous=False,
        ),
    )
    await complaints.answer(
        session,
        world.admin,
        resolved.id,
        ComplaintResponseIn(
            text="收费标准已在校门公示栏和家长群公示，本学期课后服务不收费。", resolve=True
        ),
    )
    await complaints.file(
        session,
        world.family(children[25]),
        ComplaintIn(
            category="safety", text="放学时校门口车辆太多，接孩子很危险。", anonymous=False
        ),
    )
    late = await complaints.file(
        session,
        world.family(children[47]),
        ComplaintIn(
            category="quality",
            text="晚托作业辅导时老师经常不在教室，孩子们在玩手机。",
            anonymous=True,
        ),
    )
    await complaints.answer(
        session,
        world.admin,
        late.id,
        ComplaintResponseIn(text="已收到，正在核实晚托值班情况。", resolve=False),
    )
    # made nine days ago: past the seven the school has, so the district's job takes it up
    filed = await session.get_one(Complaint, late.id)
    filed.created_at = clock.now() - timedelta(days=9)
    await session.flush()
    await complaints.escalate_overdue(session, clock.now())
