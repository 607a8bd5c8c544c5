"""Fees in a demo school that charges per month (the first demo school stays free).

Everything goes through the services an admin's requests would reach: the fee policy and
slot fees are set as a PATCH would set them, bills come from the enrollments' activation
and the month's run, payments are recorded at the office. One child is waived in full.

Call ``charge_per_month(session, school)`` once the school's families have enrolled.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.principal import Principal
from app.enrollment.events import EnrollmentActivated
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.fees import service as fees
from app.fees.models import BillStatus
from app.fees.schemas import OfflinePaymentIn
from app.school import service as school_service
from app.school import students, terms
from app.school.models import School, Slot, Student
from app.school.schemas import FeesPatch, PolicyPatch, SchoolPatch, SlotPatch, StudentPatch

# A month of 晚托 costs more than an hour of activities (the seeds' per-student standard).
EVENING_FEE_FEN = 30_000  # 300 元/月
OTHER_SLOT_FEE_FEN = 15_000  # 150 元/月
WAIVERS = {"low_income": 1.0, "left_behind": 0.5}  # 困难学生免收, 留守儿童减半
WAIVED_FLAG = "low_income"


@dataclass(frozen=True)
class DemoFees:
    bills: int
    paid: int
    waived: int
    open: int


async def _admin(session: AsyncSession, school: School) -> Principal:
    user = await session.scalar(
        select(User)
        .where(
            User.school_id == school.id,
            User.roles.contains([Role.SCHOOL_ADMIN.value]),
            User.is_active.is_(True),
        )
        .order_by(User.created_at, User.id)
        .limit(1)
    )
    if user is None:
        raise ValueError(f"school {school.name} has no admin to charge fees")
    return Principal(id=user.id, roles=frozenset(user.roles), school_id=school.id)


async def charge_per_month(session: AsyncSession, school: School) -> DemoFees:
    """Per-month fees on every slot of ``school``, this month's bills, most of them paid."""
    admin = await _admin(session, school)
    await school_service.update_school(
        session,
        admin,
        SchoolPatch(policy=PolicyPatch(fees=FeesPatch(mode="per_month", waivers=WAIVERS))),
    )
    for slot in await session.scalars(select(Slot).where(Slot.school_id == school.id)):
        fee = EVENING_FEE_FEN if "晚托" in slot.name else OTHER_SLOT_FEE_FEN
        await terms.update_slot(session, admin, slot, SlotPatch(fee_fen=fee))

    enrolled = list(
        await session.scalars(
            select(Enrollment)
            .join(Student, Student.id == Enrollment.student_id)
            .where(
                Enrollment.school_id == school.id,
                Enrollment.status.in_(
                    (EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWAL_PENDING)
                ),
            )
            .order_by(Student.student_no)
        )
    )
    await _one_child_waived(session, admin, enrolled)
    for enrollment in enrolled:  # enrolled before the school charged: billed now
        await fees.enrollment_activated(session, EnrollmentActivated(enrollment))
    await fees.bill_this_month(session, school)

    # two of every three families have paid, at the office (cash or bank transfer)
    open_bills = [
        b for b in await fees.bills_of_school(session, school.id) if b.status == BillStatus.OPEN
    ]
    for i, bill in enumerate(open_bills):
        if i % 3 != 2:
            method = "bank" if i % 2 else "cash"
            body = OfflinePaymentIn(amount_fen=fees.outstanding(bill), method=method)
            await fees.record_offline_payment(session, admin, bill, body)
    statuses = [b.status for b in await fees.bills_of_school(session, school.id)]
    return DemoFees(
        bills=len(statuses),
        paid=statuses.count(BillStatus.PAID),
        waived=statuses.count(BillStatus.WAIVED),
        open=statuses.count(BillStatus.OPEN),
    )


async def _one_child_waived(
    session: AsyncSession, admin: Principal, enrolled: list[Enrollment]
) -> None:
    """A 困难 child among the enrolled, so the demo shows a waived bill (as the school's
    register would flag one)."""
    children = [await session.get_one(Student, e.student_id) for e in enrolled]
    if not children or any(WAIVED_FLAG in c.priority for c in children):
        return
    child = children[0]
    await students.update_student(
        session, admin, child, StudentPatch(priority=[*child.priority, WAIVED_FLAG])
    )
