"""A family with one of every kind of record Kehou keeps about a guardian and a child."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities.models import ActivityChoice
from app.announcements.models import Announcement, AnnouncementReceipt, AnnouncementRecipient
from app.attendance.models import RollCallMark
from app.audit.models import StudentRecordRead
from app.auth.models import RefreshFamily
from app.core import audit, clock
from app.district.models import Complaint, ComplaintResponse
from app.enrollment.models import Enrollment, EnrollmentReview
from app.fees.models import Bill, BillPayment, BillRefund
from app.leave.models import LeaveRequest
from app.ledger.models import CareLog
from app.notifications.models import Device, Notification
from app.pickup.models import (
    BlockedAdult,
    Handover,
    LateCase,
    PickupPass,
    PickupPassStudent,
    PickupPerson,
    ReleaseConsent,
    VoidedHandover,
)
from app.privacy.models import NoticeAcceptance
from app.school.models import Group
from app.surveys.models import Survey, SurveyResponse
from tests.pickup.factories import TODAY, Gate, add_group

# Another family's child on the same roster read: never shown to this family.
OTHER_CHILD = uuid.UUID("00000000-0000-4000-8000-000000000001")


@dataclass
class Family:
    pickup_person: PickupPerson
    handover: Handover
    survey_response: SurveyResponse
    device: Device


async def one_of_everything(session: AsyncSession, gate: Gate) -> Family:
    """Every kind of record about ``gate.mother`` and ``gate.child`` (commits)."""
    mother, child, school = gate.mother, gate.child, gate.school
    now = clock.now()
    group = await add_group(session, gate, gate.activity)
    enrollment = await session.scalar(select(Enrollment).where(Enrollment.student_id == child.id))
    assert enrollment is not None
    person = PickupPerson(
        school_id=school.id,
        student_id=child.id,
        name="王外婆",
        phone="13800000001",
        relationship="外婆",
        created_by=mother.id,
    )
    a_pass = PickupPass(
        school_id=school.id,
        code_digest=uuid.uuid4().hex,
        issued_by=mother.id,
        adult_kind="guardian",
        adult_name=mother.name,
        adult_phone=mother.phone,
        adult_relationship="妈妈",
        date=TODAY,
        expires_at=now + timedelta(hours=2),
    )
    survey = Survey(
        school_id=school.id,
        term_id=gate.term.id,
        title="下学期课后服务意向",
        questions=[{"id": "q1", "kind": "text", "prompt": "意见", "required": False}],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        status="published",
    )
    announcement = Announcement(school_id=school.id, title="安全告家长书", body="请按时接孩子。")
    session.add_all([person, a_pass, survey, announcement])
    await session.flush()
    # The day's handover, and one voided earlier (the same facts, kept with the void).
    handover_facts = {
        "school_id": school.id,
        "student_id": child.id,
        "date": TODAY,
        "kind": "picked_up",
        "picked_up_at": now,
        "adult_kind": "guardian",
        "adult_user_id": mother.id,
        "adult_name": mother.name,
        "adult_phone": mother.phone,
        "adult_relationship": "妈妈",
        "confirmed_by": gate.duty.id,
        "confirmed_by_name": gate.duty.name,
    }
    handover = Handover(**handover_facts)
    response = SurveyResponse(
        survey_id=survey.id, student_id=child.id, answers={"q1": "很好"}, submitted_by=mother.id
    )
    device = Device(user_id=mother.id, platform="fcm", token="fcm-token-of-mother-0001")
    bill = Bill(
        school_id=school.id,
        student_id=child.id,
        enrollment_id=enrollment.id,
        term_id=gate.term.id,
        period=TODAY.strftime("%Y-%m"),
        period_start=TODAY.replace(day=1),
        period_end=TODAY,
        service_days=20,
        waiver_bp=0,
        base_amount_fen=30000,
        base_waived_fen=0,
        amount_fen=30000,
        waived_fen=0,
        paid_fen=30000,
        refunded_fen=1500,
        due_date=TODAY,
        status="paid",
    )
    complaint = Complaint(
        school_id=school.id,
        complainant_id=mother.id,
        category="safety",
        text="放学时校门口太拥挤。",
        anonymous=False,
        status="answered",
    )
    club = Group(
        school_id=school.id,
        term_id=gate.term.id,
        slot_id=gate.activity.id,
        name="书法社",
        leader_id=gate.teacher.id,
        capacity=20,
        kind="activity",
        weekdays=[2],
        grades=[3],
        category="arts",
        venue="美术教室",
    )
    session.add_all([bill, complaint, club])
    await session.flush()
    session.add_all(
        [
            handover,
            response,
            device,
            RefreshFamily(user_id=mother.id),
            EnrollmentReview(
                enrollment_id=enrollment.id, stage="class", decision="approved", comment="同意"
            ),
            LeaveRequest(
                school_id=school.id,
                student_id=child.id,
                term_id=gate.term.id,
                start_date=TODAY,
                end_date=TODAY,
                kind="sick",
                reason="发烧",
                requested_by=mother.id,
            ),
            RollCallMark(
                student_id=child.id,
                slot_id=gate.activity.id,
                day=TODAY,
                school_id=school.id,
                group_id=group.id,
                status="present",
                marked_by=gate.teacher.id,
            ),
            PickupPassStudent(pass_id=a_pass.id, student_id=child.id),
            LateCase(school_id=school.id, student_id=child.id, date=TODAY, slot_end_at=now),
            ReleaseConsent(student_id=child.id, given_by=mother.id),
            BlockedAdult(
                school_id=school.id,
                student_id=child.id,
                name="李某",
                phone="13900000009",
                note="禁令",
            ),
            Notification(
                user_id=mother.id, kind="leave.decided", title="请假已批准", body="已批准"
            ),
            AnnouncementRecipient(announcement_id=announcement.id, student_id=child.id),
            ActivityChoice(
                enrollment_id=enrollment.id,
                student_id=child.id,
                group_id=club.id,
                rank=1,
                status="assigned",
            ),
            BillPayment(bill_id=bill.id, method="cash", amount_fen=30000, status="succeeded"),
            BillRefund(
                bill_id=bill.id, reason="withdrawal", days=1, amount_fen=1500, status="offline"
            ),
            CareLog(
                school_id=school.id,
                group_id=group.id,
                slot_id=gate.activity.id,
                date=TODAY,
                kind="incident",
                text="小明摔了一跤，已处理。",
                student_id=child.id,
                author_id=gate.teacher.id,
            ),
            ComplaintResponse(
                complaint_id=complaint.id,
                author_id=None,
                text="已加派老师维持秩序。",
                resolve=False,
            ),
            VoidedHandover(id=uuid.uuid4(), **handover_facts, void_reason="点错了孩子"),
            AnnouncementReceipt(announcement_id=announcement.id, user_id=mother.id),
            NoticeAcceptance(user_id=mother.id, version=1),
            StudentRecordRead(
                school_id=school.id,
                actor_id=gate.teacher.id,
                endpoint="GET /rosters",
                student_ids=[child.id, OTHER_CHILD],
            ),
        ]
    )
    await session.flush()
    await audit.record(
        session,
        action="pickup.picked_up",
        object_type="handover",
        object_id=handover.id,
        actor_id=gate.duty.id,
        school_id=school.id,
        data={"student_id": str(child.id), "adult_name": mother.name},
    )
    await audit.record(
        session,
        action="user.renamed",
        object_type="user",
        object_id=mother.id,
        actor_id=mother.id,
        school_id=None,
        data={"from": "旧名字", "to": mother.name},
    )
    await session.commit()
    return Family(person, handover, response, device)
