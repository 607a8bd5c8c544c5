"""The demo school's term so far: enrollments in every state, leave, a pickup person, a survey.

Families and staff act through the same services their requests would reach, so seats are
counted, the waitlist moves, families are notified and every step is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.principal import Principal
from app.demo import cast, privacy, staffside
from app.demo.cast import ChildPlan, Plan
from app.demo.world import DemoWorld
from app.enrollment import review as enrollment_review
from app.enrollment import service as enrollment_service
from app.enrollment.models import ReviewStage
from app.enrollment.schemas import EnrollmentIn, ReviewIn, WithdrawIn
from app.leave import service as leave_service
from app.leave.models import LeaveKind, LeaveRequest
from app.leave.schemas import LeaveDecisionIn, LeaveRequestIn
from app.pickup import service as pickup
from app.pickup.schemas import PickupPersonIn
from app.surveys import responses as survey_responses
from app.surveys import service as survey_service
from app.surveys import templates as survey_templates
from app.surveys.models import Survey
from app.surveys.schemas import FromTemplateIn, ResponseIn

SURVEY_OPEN_DAYS = 14


async def play(session: AsyncSession, world: DemoWorld) -> None:
    await _enrollments(session, world)
    await _leave(session, world)
    await _pickup_person(session, world)
    await _survey(session, world)
    await staffside.play(session, world)
    await privacy.play(session, world)


async def _enrollments(session: AsyncSession, world: DemoWorld) -> None:
    planned = [c for c in world.children if c.plan is not Plan.NONE]
    # Everyone who gets a 晚托 seat applies first; the waitlisted apply once it is full.
    for child in (c for c in planned if c.plan is not Plan.WAITLISTED):
        await _apply(session, world, child)
    for child in planned:
        if child.plan in (Plan.ACTIVE, Plan.WITHDRAWN, Plan.PENDING_SCHOOL_REVIEW):
            await _approve(session, world, child, world.homeroom(child), ReviewStage.CLASS)
        if child.plan in (Plan.ACTIVE, Plan.WITHDRAWN):
            await _approve(session, world, child, world.admin, ReviewStage.SCHOOL)
        if child.plan is Plan.WITHDRAWN:
            await enrollment_service.withdraw(
                session,
                world.family(child),
                world.enrollments[child],
                WithdrawIn(reason="孩子报了校外的游泳训练，不再参加课后服务", effective_date=None),
            )
    for child in (c for c in planned if c.plan is Plan.WAITLISTED):
        await _apply(session, world, child)


async def _apply(session: AsyncSession, world: DemoWorld, child: ChildPlan) -> None:
    term = world.current_term
    weekdays = [d for d in term.weekdays if not child.alternate_days or d in (1, 3, 5)]
    slots = [cast.AFTERNOON, cast.EVENING] if child.evening else [cast.AFTERNOON]
    world.enrollments[child] = await enrollment_service.apply(
        session,
        world.family(child),
        EnrollmentIn(
            student_id=world.children[child].id,
            term_id=term.id,
            weekdays=weekdays or list(term.weekdays),
            slot_ids=[world.slots[name].id for name in slots],
            agreement_version=term.agreement_version,
        ),
    )


async def _approve(
    session: AsyncSession,
    world: DemoWorld,
    child: ChildPlan,
    reviewer: Principal,
    stage: ReviewStage,
) -> None:
    await enrollment_review.review(
        session, reviewer, world.enrollments[child], ReviewIn(decision="approve", stage=stage)
    )


async def _leave(session: AsyncSession, world: DemoWorld) -> None:
    sick = next(c for c in world.children if (c.class_index, c.seat) == cast.SICK_TODAY)
    requested = await leave_service.create(
        session,
        world.family(sick),
        LeaveRequestIn(
            student_id=world.children[sick].id,
            start_date=world.today,
            end_date=world.today,
            slot_ids=None,
            kind=LeaveKind.SICK,
            reason="孩子发烧了，今天在家休息",
        ),
    )
    await leave_service.decide(
        session,
        world.homeroom(sick),
        await session.get_one(LeaveRequest, requested.id),
        LeaveDecisionIn(decision="approve", comment="好好休息，早日康复"),
    )
    # 刘子涵 leaves before 晚托 on the next school day; 张老师 has yet to decide.
    day = world.plan.next_service_day(world.today) or world.today
    await leave_service.create(
        session,
        world.family(cast.LIU_ZIHAN),
        LeaveRequestIn(
            student_id=world.children[cast.LIU_ZIHAN].id,
            start_date=day,
            end_date=day,
            slot_ids=[world.slots[cast.EVENING].id],
            kind=LeaveKind.EARLY_PICKUP,
            reason="家里有事，课后活动结束后由爷爷接走，不参加晚托",
        ),
    )


async def _pickup_person(session: AsyncSession, world: DemoWorld) -> None:
    name, phone, relationship = cast.PICKUP_PERSON
    for child in (cast.CHEN_SIYUAN, cast.CHEN_SIQI):
        await pickup.add_person(
            session,
            world.family(child),
            world.children[child],
            PickupPersonIn(name=name, phone=phone, relationship=relationship),
        )


async def _survey(session: AsyncSession, world: DemoWorld) -> None:
    now = clock.now()
    drafted = await survey_templates.create_from(
        session,
        world.admin,
        FromTemplateIn(
            template="next_term_intent",
            term_id=world.current_term.id,
            opens_at=now,
            closes_at=now + timedelta(days=SURVEY_OPEN_DAYS),
            title="下学期课后服务意愿调查",
        ),
    )
    survey = await session.get_one(Survey, drafted.id)
    await survey_service.publish(session, world.admin, survey)
    # A quarter of the families (not the two with logins) have answered already.
    answering = [c for c in world.children if c not in cast.FIXED.values()][::4]
    weekdays = _options(survey, "weekdays")
    slots = _options(survey, "slots")
    interests = ("围棋", "足球", "绘画", "阅读", "编程", "")
    for n, child in enumerate(answering):
        answers: dict[str, Any] = {"join": "不参加" if n % 6 == 5 else "参加"}
        if answers["join"] == "参加":
            answers["weekdays"] = list(weekdays if n % 3 else weekdays[::2])
            answers["slots"] = list(slots if child.evening else slots[:1])
            answers["interests"] = interests[n % len(interests)]
        await survey_responses.submit(
            session,
            world.family(child),
            survey,
            ResponseIn(student_id=world.children[child].id, answers=answers),
        )


def _options(survey: Survey, question_id: str) -> Sequence[str]:
    question = next(q for q in survey.questions if q["id"] == question_id)
    return list(question["options"])
