"""The world the probes stand on: the demo school, lived in, and a second school next to it.

*Home* is the demo school (``app.demo.seed_demo``): every kind of object a path can name,
made through the services, plus what the demo does not give the victim (a device, a pass,
a blocked adult, a release consent, a survey answer, a leave request, a handover, a late
case and a complaint); home charges per month, so its families have bills. Its victim
family is 林静's (two children); its other family is 刘洋's. *Away* is a small school built
with the factories, with one user of every role and a family of its own, and a district
of its own with its admin. The probes call as home's users and home's district admin
(schemathesis) and as away's users and home's other family (the foreign-object matrix).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.announcements.models import Announcement, AnnouncementRecipient
from app.auth.models import Role, User
from app.core import clock
from app.demo import cast, seed_demo
from app.demo import district as demo_district
from app.demo import fees as demo_fees
from app.district import service as district_service
from app.district.models import Complaint, SchoolPlan
from app.duty.models import DutyShift
from app.enrollment.models import Enrollment
from app.fees.models import Bill
from app.leave.models import LeaveRequest
from app.notifications.models import Device, Notification
from app.pickup.models import BlockedAdult, Handover, LateCase, PickupPass, PickupPerson
from app.school.models import Group, Guardian, School, SchoolClass, Slot, Student, Term
from app.surveys.models import Survey
from tests.factories import (
    auth,
    create_class,
    create_enrollment,
    create_parent,
    create_school,
    create_slot,
    create_student,
    create_term,
    create_user,
)

# The roles schemathesis calls as; ``anonymous`` sends no token.
ROLES = ("anonymous", "parent", "teacher", "duty", "school_admin", "district_admin")

# Who owns an object of each kind, which decides who is foreign to it: ``school`` objects
# are foreign to another school; ``family`` objects also to another family of the same
# school; ``user`` objects (a notification, a device) to every other account.
SCOPES: dict[str, str] = {
    "staff": "school",
    "term": "school",
    "slot": "school",
    "class": "school",
    "group": "school",
    "survey": "school",
    "announcement": "school",  # one reaching the victim's child
    "plan": "school",  # the home school's plan, decided by its district
    "duty_shift": "school",
    "student": "family",
    "guardian": "family",
    "enrollment": "family",
    "leave_request": "family",
    "pickup_person": "family",
    "blocked_adult": "family",
    "pickup_pass": "family",
    "handover": "family",
    "late_case": "family",
    "bill": "family",
    "complaint": "family",  # filed by the victim parent
    "notification": "user",
    "device": "user",
}


@dataclass
class World:
    home_school_id: uuid.UUID
    # Headers of home's callers by role (schemathesis); anonymous has none.
    home: dict[str, dict[str, str]]
    # Callers to whom the victim's objects are foreign, by name, with the widest scope of
    # object foreign to them: away's users (``school``), home's other family (``family``)
    # and home's staff (``user``: another account's notification or device).
    attackers: dict[str, tuple[str, dict[str, str]]]
    # The victim's objects (home school, 林静's family and account), by kind.
    victim: dict[str, list[str]]
    # Every id of home's objects by kind, for schemathesis to aim at real rows.
    home_ids: dict[str, list[str]] = field(default_factory=dict)
    # Text of the victim's that must never appear in an answer to a foreigner.
    secrets: list[str] = field(default_factory=list)


async def build(session: AsyncSession, client: httpx.AsyncClient) -> World:
    demo = await seed_demo()
    users = {u.username: u for u in (await session.scalars(select(User))).all() if u.username}
    victim_parent = users[cast.LIN_JING.phone]
    other_parent = users[cast.LIU_YANG.phone]
    admin, duty = users[cast.ADMIN.username], users[cast.DUTY.username]
    district_admin = users[demo_district.DISTRICT_LOGIN]
    teacher = users[cast.TEACHERS[0].username]
    children = list(
        await session.scalars(
            select(Student)
            .join(Guardian, Guardian.student_id == Student.id)
            .where(Guardian.user_id == victim_parent.id)
            .order_by(Student.student_no)
        )
    )
    assert children, "the demo's 林静 has children"
    # The demo school is free; charging per month gives its families bills.
    await demo_fees.charge_per_month(session, await session.get_one(School, demo.school_id))
    await session.commit()  # its row locks would hold up the requests below
    await _victim_extras(session, client, victim_parent, admin, children[0], demo.today)
    away = await _away(session)
    away_district_admin = await _away_district(session)
    await session.commit()

    attackers = {
        **{f"away_{role}": ("school", auth(user)) for role, user in away.items()},
        # Another district's admin: every object of home's district is foreign to it.
        "away_district_admin": ("school", auth(away_district_admin)),
        "home_other_family": ("family", auth(other_parent)),
        **{f"home_{u.username}": ("user", auth(u)) for u in (teacher, duty, admin)},
    }
    victim = await _ids(session, demo.school_id, victim_parent, children)
    home_ids = await _ids(session, demo.school_id, None, None)
    school = await session.get_one(School, demo.school_id)
    secrets = [school.name, victim_parent.name, *(c.name for c in children)]
    return World(
        home_school_id=demo.school_id,
        home={
            "anonymous": {},
            "parent": auth(victim_parent),
            "teacher": auth(teacher),
            "duty": auth(duty),
            "school_admin": auth(admin),
            "district_admin": auth(district_admin),
        },
        attackers=attackers,
        victim=victim,
        home_ids=home_ids,
        secrets=secrets,
    )


async def _victim_extras(
    session: AsyncSession,
    client: httpx.AsyncClient,
    parent: User,
    admin: User,
    child: Student,
    today: date,
) -> None:
    """What the demo does not make: through the API where one is made, else rows."""
    headers = auth(parent)
    survey_id = await session.scalar(select(Survey.id).where(Survey.school_id == child.school_id))
    made = [
        await client.post(
            "/devices", json={"platform": "fcm", "token": f"fcm-{parent.id}"}, headers=headers
        ),
        await client.post("/pickup-passes", json={"student_ids": [str(child.id)]}, headers=headers),
        await client.post(f"/students/{child.id}/release-consent", json={}, headers=headers),
        await client.post(
            f"/surveys/{survey_id}/responses",
            json={"student_id": str(child.id), "answers": {"join": "不参加"}},
            headers=headers,
        ),
        await client.post(
            "/leave-requests",
            json={
                "student_id": str(child.id),
                "start_date": today.isoformat(),
                "end_date": today.isoformat(),
                "kind": "sick",
                "reason": "孩子咳嗽，今天请假一天",
            },
            headers=headers,
        ),
        await client.post(
            f"/students/{child.id}/blocked-adults",
            json={"name": "王某", "phone": "13912345678", "note": "法院判决不得接送"},
            headers=auth(admin),
        ),
        await client.post(
            "/complaints",
            json={"category": "safety", "text": "接送时门卫没有核对接送人身份。"},
            headers=headers,
        ),
    ]
    for response in made:
        assert response.is_success, response.text
    # A handover and a late case need a service afternoon; the rows stand for one.
    now = clock.now()
    session.add(
        Handover(
            school_id=child.school_id,
            student_id=child.id,
            date=today - timedelta(days=1),
            kind="picked_up",
            picked_up_at=now - timedelta(days=1),
            adult_kind="guardian",
            adult_user_id=parent.id,
            adult_name=parent.name,
            confirmed_by_name="马春燕",
        )
    )
    session.add(
        LateCase(
            school_id=child.school_id,
            student_id=child.id,
            date=today,
            slot_end_at=now - timedelta(minutes=30),
        )
    )
    await session.flush()


async def _away(session: AsyncSession) -> dict[str, User]:
    """Another school with a user of every role and a family with an enrolled child."""
    school = await create_school(session, name="邻校实验小学")
    term = await create_term(session, school)
    slot = await create_slot(session, term)
    teacher = await create_user(session, roles=[Role.TEACHER], school=school)
    klass = await create_class(session, school, homeroom_teacher=teacher)
    child = await create_student(session, klass)
    await create_enrollment(session, child, term, [slot])
    return {
        "parent": await create_parent(session, child),
        "teacher": teacher,
        "duty": await create_user(session, roles=[Role.DUTY], school=school),
        "school_admin": await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school),
    }


async def _away_district(session: AsyncSession) -> User:
    """Another district (no school of home's in it) and its admin."""
    _, admin_id = await district_service.add_district(
        session, name="邻区教育局", admin_username="away-district", admin_password=cast.PASSWORD
    )
    return await session.get_one(User, admin_id)


async def _ids(
    session: AsyncSession,
    school_id: uuid.UUID,
    parent: User | None,
    children: list[Student] | None,
) -> dict[str, list[str]]:
    """Ids by kind: the school's objects, narrowed to one family and account when given."""

    async def column(stmt: object) -> list[str]:
        return [str(v) for v in (await session.scalars(stmt)).all()]  # type: ignore[call-overload]

    kids = [c.id for c in children] if children is not None else None

    def of_family(model: type, stmt: object) -> object:
        if kids is None:
            return stmt.where(model.school_id == school_id)  # type: ignore[attr-defined]
        return stmt.where(model.student_id.in_(kids))  # type: ignore[attr-defined]

    staff = select(User.id).where(User.school_id == school_id)
    guardians = select(Guardian.user_id).distinct().join(Student, Student.id == Guardian.student_id)
    guardians = guardians.where(
        Student.school_id == school_id if kids is None else Student.id.in_(kids)
    )
    passes = select(PickupPass.id).where(
        PickupPass.issued_by == parent.id
        if parent is not None
        else PickupPass.school_id == school_id
    )
    announcements = select(Announcement.id).where(Announcement.school_id == school_id)
    if kids is not None:
        reaching = select(AnnouncementRecipient.announcement_id).where(
            AnnouncementRecipient.student_id.in_(kids)
        )
        announcements = announcements.where(Announcement.id.in_(reaching))
    complaints = select(Complaint.id).where(
        Complaint.complainant_id == parent.id
        if parent is not None
        else Complaint.school_id == school_id
    )
    ids = {
        "staff": await column(staff),
        # The term with a plan first: the paths of plans name a term.
        "term": await column(
            select(Term.id)
            .outerjoin(SchoolPlan, SchoolPlan.term_id == Term.id)
            .where(Term.school_id == school_id)
            .order_by(SchoolPlan.id.is_(None))
        ),
        "plan": await column(select(SchoolPlan.id).where(SchoolPlan.school_id == school_id)),
        "duty_shift": await column(select(DutyShift.id).where(DutyShift.school_id == school_id)),
        "announcement": await column(announcements),
        "bill": await column(of_family(Bill, select(Bill.id))),
        "complaint": await column(complaints),
        "slot": await column(select(Slot.id).where(Slot.school_id == school_id)),
        "class": await column(select(SchoolClass.id).where(SchoolClass.school_id == school_id)),
        "group": await column(select(Group.id).where(Group.school_id == school_id)),
        "survey": await column(select(Survey.id).where(Survey.school_id == school_id)),
        "student": [str(k) for k in kids]
        if kids is not None
        else await column(select(Student.id).where(Student.school_id == school_id)),
        "guardian": await column(guardians),
        "enrollment": await column(of_family(Enrollment, select(Enrollment.id))),
        "leave_request": await column(of_family(LeaveRequest, select(LeaveRequest.id))),
        "pickup_person": await column(of_family(PickupPerson, select(PickupPerson.id))),
        "blocked_adult": await column(of_family(BlockedAdult, select(BlockedAdult.id))),
        "pickup_pass": await column(passes),
        "handover": await column(of_family(Handover, select(Handover.id))),
        "late_case": await column(of_family(LateCase, select(LateCase.id))),
        "notification": await column(_of_user(Notification, parent)),
        "device": await column(_of_user(Device, parent)),
    }
    if parent is not None:
        missing = [kind for kind, found in ids.items() if not found]
        assert not missing, f"the probe world has no victim object of kind {missing}"
    return ids


def _of_user(model: type, parent: User | None) -> object:
    stmt = select(model.id)  # type: ignore[attr-defined]
    return stmt.where(model.user_id == parent.id) if parent is not None else stmt  # type: ignore[attr-defined]
