"""``kehou purge``: what has outlived its purpose goes, with the clock moved; nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.models import RollCallMark
from app.core import clock
from app.core.settings import get_settings, use_settings
from app.enrollment.models import Enrollment
from app.leave.models import LeaveRequest
from app.notifications.models import Notification
from app.pickup.models import Handover, PickupPass, VerificationFailure
from app.privacy import service as privacy
from app.school.models import Term
from app.surveys.models import Survey, SurveyResponse
from tests.auth.test_cli import _kehou
from tests.factories import create_enrollment, create_school, create_slot, create_term, create_user
from tests.pickup.factories import AFTERNOON, TODAY, Gate, build_gate

OLD_TERM_START, OLD_TERM_END = date(2026, 2, 16), date(2026, 6, 30)  # > 3 years before TODAY


def _pass(gate: Gate, expires_at: datetime) -> PickupPass:
    return PickupPass(
        school_id=gate.school.id,
        code_digest=uuid.uuid4().hex,
        issued_by=gate.mother.id,
        adult_kind="guardian",
        adult_name="张妈妈",
        adult_relationship="妈妈",
        date=expires_at.date(),
        expires_at=expires_at,
    )


async def _old_term_with_records(session: AsyncSession, gate: Gate) -> Term:
    term = await create_term(session, gate.school, start_date=OLD_TERM_START, end_date=OLD_TERM_END)
    slot = await create_slot(session, term, name="课后活动", start=time(15, 30), end=time(16, 30))
    await create_enrollment(session, gate.child, term, [slot])
    survey = Survey(
        school_id=gate.school.id,
        term_id=term.id,
        title="旧问卷",
        questions=[],
        opens_at=AFTERNOON - timedelta(days=1500),
        closes_at=AFTERNOON - timedelta(days=1490),
        status="closed",
    )
    session.add(survey)
    await session.flush()
    old_day = date(2026, 3, 4)
    session.add_all(
        [
            LeaveRequest(
                school_id=gate.school.id,
                student_id=gate.child.id,
                term_id=term.id,
                start_date=old_day,
                end_date=old_day,
                kind="sick",
                reason="感冒",
            ),
            RollCallMark(
                student_id=gate.child.id,
                slot_id=slot.id,
                day=old_day,
                school_id=gate.school.id,
                status="present",
            ),
            SurveyResponse(survey_id=survey.id, student_id=gate.child.id, answers={}),
            Handover(
                school_id=gate.school.id,
                student_id=gate.child.id,
                date=old_day,
                kind="picked_up",
                picked_up_at=AFTERNOON - timedelta(days=1470),
                adult_name="张妈妈",
                confirmed_by_name="李值班",
            ),
        ]
    )
    return term


async def _arrange(session: AsyncSession) -> Gate:
    gate = await build_gate(session, commit=False)
    now = clock.now()
    session.add_all(
        [
            _pass(gate, now - timedelta(days=31)),
            _pass(gate, now - timedelta(days=29)),
            VerificationFailure(
                actor_id=gate.duty.id,
                school_id=gate.school.id,
                code_digest="x" * 64,
                reason="unknown",
                created_at=now - timedelta(days=31),
            ),
            VerificationFailure(
                actor_id=gate.duty.id, school_id=gate.school.id, code_digest="y" * 64, reason="x"
            ),
            Notification(
                user_id=gate.mother.id,
                kind="leave.decided",
                title="请假已批准",
                body="小明的请假已批准",
                data={"student_id": str(gate.child.id)},
                created_at=now - timedelta(days=181),
            ),
            Notification(user_id=gate.mother.id, kind="leave.decided", title="新", body="新通知"),
            # today's handover of the current term stays
            Handover(
                school_id=gate.school.id,
                student_id=gate.child.id,
                date=TODAY,
                kind="picked_up",
                picked_up_at=now,
                adult_name="张妈妈",
                confirmed_by_name="李值班",
            ),
        ]
    )
    await _old_term_with_records(session, gate)
    await session.commit()
    return gate


async def _counts(session: AsyncSession) -> dict[str, int]:
    session.expire_all()
    counts = {}
    for model in (
        PickupPass,
        VerificationFailure,
        Enrollment,
        LeaveRequest,
        RollCallMark,
        SurveyResponse,
        Handover,
    ):
        counts[model.__tablename__] = int(
            await session.scalar(select(func.count()).select_from(model)) or 0
        )
    counts["notification_bodies"] = int(
        await session.scalar(select(func.count()).where(Notification.body != "")) or 0
    )
    return counts


EXPECTED = {
    "pickup_passes": 1,
    "pickup_verification_failures": 1,
    "notification_bodies": 1,
    "enrollments": 1,
    "leave_requests": 1,
    "roll_call_marks": 1,
    "survey_responses": 1,
    "handovers": 1,
    "late_pickups": 0,
    "terms_past_retention": 1,
}


async def test_a_dry_run_counts_and_removes_nothing(session: AsyncSession) -> None:
    await _arrange(session)
    before = await _counts(session)

    removed = await privacy.purge(session, dry_run=True)
    await session.rollback()

    assert removed == EXPECTED
    assert await _counts(session) == before


async def test_purge_removes_what_outlived_its_purpose_and_keeps_the_rest(
    session: AsyncSession,
) -> None:
    gate = await _arrange(session)
    current_term = gate.term.id
    before = await _counts(session)

    removed = await privacy.purge(session, dry_run=False)
    await session.commit()

    assert removed == EXPECTED
    after = await _counts(session)
    assert after == {k: v - EXPECTED.get(k, 0) for k, v in before.items()}
    # what is left is the current term's and the recent
    enrollment = await session.scalar(select(Enrollment))
    assert enrollment is not None and enrollment.term_id == current_term
    old = await session.scalar(select(Notification).where(Notification.body == ""))
    assert old is not None and old.title == "请假已批准" and old.data == {}
    # the ended term itself (no one's data) stays; a second run finds nothing more
    assert await session.scalar(select(func.count()).select_from(Term)) == 2
    again = await privacy.purge(session, dry_run=False)
    assert {k: v for k, v in again.items() if v and k != "terms_past_retention"} == {}


async def test_the_retention_period_is_a_setting(session: AsyncSession) -> None:
    await _arrange(session)
    previous = get_settings()
    use_settings(previous.model_copy(update={"retention_years": 5}))
    try:
        removed = await privacy.purge(session, dry_run=True)
    finally:
        use_settings(previous)

    assert removed["terms_past_retention"] == 0
    assert removed.get("enrollments", 0) == 0 and removed.get("handovers", 0) == 0
    assert removed["pickup_passes"] == 1


async def test_the_command_prints_counts_and_honours_dry_run(
    database_url: str, session: AsyncSession
) -> None:
    # The command runs in its own process on the real clock.
    real_now = datetime.now(UTC)
    school = await create_school(session)
    admin = await create_user(session, roles=[], school=school)
    session.add(
        PickupPass(
            school_id=school.id,
            code_digest=uuid.uuid4().hex,
            issued_by=admin.id,
            adult_kind="guardian",
            adult_name="某家长",
            adult_relationship="妈妈",
            date=real_now.date(),
            expires_at=real_now - timedelta(days=40),
        )
    )
    await session.commit()

    code, out, err = await _kehou(database_url, "purge", "--dry-run")
    assert code == 0, err
    assert "would remove 1 pickup_passes" in out.splitlines()
    assert await session.scalar(select(func.count()).select_from(PickupPass)) == 1

    code, out, err = await _kehou(database_url, "purge")
    assert code == 0, err
    assert "removed 1 pickup_passes" in out.splitlines()
    session.expire_all()
    assert await session.scalar(select(func.count()).select_from(PickupPass)) == 0


def test_retention_years_must_be_positive() -> None:
    with pytest.raises(ValueError):
        get_settings().model_validate({"retention_years": 0})


def test_a_leap_day_counts_back_to_the_28th() -> None:
    from app.privacy.retention import years_before

    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(date(2030, 3, 13), 3) == date(2027, 3, 13)
