"""A family's answers for one child: checked against the questions, one row per child."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import JsonValue
from sqlalchemy import Boolean, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import audit, clock
from app.core.errors import Invalid
from app.core.principal import Principal
from app.core.schemas import has_control_characters
from app.school.access import guarded_student
from app.school.models import School, SchoolClass
from app.surveys import audience
from app.surveys.errors import (
    SurveyAnswerOptionNotOffered,
    SurveyAnswerRequired,
    SurveyAnswerTooLong,
    SurveyAnswerUnknownQuestion,
    SurveyAnswerWrongType,
    SurveyClosed,
    SurveyNotInAudience,
    SurveyNotOpen,
    SurveyResponseNotFound,
)
from app.surveys.models import Survey, SurveyResponse, SurveyStatus
from app.surveys.schemas import MAX_TEXT_ANSWER, QuestionKind, ResponseIn, ResponseOut
from app.surveys.service import local_time

Answer = str | list[str]


def _checked_answer(question: dict[str, Any], value: JsonValue, field: str) -> Answer | None:
    """The answer cleaned up, or None when it was left blank."""
    kind = question["kind"]
    if value is None:
        return None
    if kind == QuestionKind.MULTI:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SurveyAnswerWrongType(field=field)
        # a repeated choice is still one choice
        chosen = list(dict.fromkeys(v.strip() for v in value if isinstance(v, str)))
        for option in chosen:
            if option not in question["options"]:
                raise SurveyAnswerOptionNotOffered(field=field, option=option[:100])
        return chosen or None
    if not isinstance(value, str):
        raise SurveyAnswerWrongType(field=field)
    text = value.strip()
    if not text:
        return None
    if kind == QuestionKind.SINGLE and text not in question["options"]:
        raise SurveyAnswerOptionNotOffered(field=field, option=text[:100])
    if kind == QuestionKind.TEXT and len(text) > MAX_TEXT_ANSWER:
        raise SurveyAnswerTooLong(field=field, max_length=MAX_TEXT_ANSWER)
    if has_control_characters(text, multiline=True):
        raise Invalid(field=field)
    return text


def checked_answers(
    questions: list[dict[str, Any]], answers: dict[str, JsonValue]
) -> dict[str, Answer]:
    """Answers keyed by question id; 422 naming the first question that does not fit."""
    known = {q["id"] for q in questions}
    for key in answers:
        if key not in known:
            raise SurveyAnswerUnknownQuestion(field=f"answers.{key}", question=key)
    checked: dict[str, Answer] = {}
    for question in questions:
        field = f"answers.{question['id']}"
        answer = _checked_answer(question, answers.get(question["id"]), field)
        if answer is None:
            if question["required"]:
                raise SurveyAnswerRequired(field=field)
            continue
        checked[question["id"]] = answer
    return checked


async def submit(
    session: AsyncSession, parent: Principal, survey: Survey, body: ResponseIn
) -> ResponseOut:
    """Store the child's answers, replacing earlier ones while the survey is open."""
    # A shared lock: closing (which locks the row for update) waits for answers in flight,
    # so no answer lands after the close is committed.
    await session.refresh(survey, with_for_update={"read": True})
    student = await guarded_student(session, parent, body.student_id)
    school_class = await session.get(SchoolClass, student.class_id)
    if school_class is None or not audience.includes(survey, student, school_class):
        raise SurveyNotInAudience()
    now = clock.now()
    if survey.status == SurveyStatus.CLOSED or now >= survey.closes_at:
        raise SurveyClosed()
    if now < survey.opens_at:
        timezone = await session.scalar(
            select(School.timezone).where(School.id == survey.school_id)
        )
        raise SurveyNotOpen(
            opens_at=local_time(survey.opens_at, timezone or clock.DEFAULT_TIMEZONE)
        )
    answers = checked_answers(survey.questions, body.answers)

    # An upsert, so two guardians answering at once leave one response (the later one).
    stmt = insert(SurveyResponse).values(
        id=uuid.uuid4(),
        survey_id=survey.id,
        student_id=student.id,
        answers=answers,
        submitted_by=parent.id,
        created_at=now,
        submitted_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[SurveyResponse.survey_id, SurveyResponse.student_id],
        set_={"answers": answers, "submitted_by": parent.id, "submitted_at": now},
    )
    # xmax is 0 only on a freshly inserted row version: tells a first answer from a replacement.
    inserted_now = literal_column("xmax = 0", Boolean)
    returned = stmt.returning(SurveyResponse.id, SurveyResponse.created_at, inserted_now)
    response_id, created_at, inserted = (await session.execute(returned)).one()
    await audit.record(
        session,
        action="survey.answered" if inserted else "survey.answer_replaced",
        object_type="survey_response",
        object_id=response_id,
        actor_id=parent.id,
        school_id=survey.school_id,
        data={"survey_id": str(survey.id), "student_id": str(student.id)},
    )
    name = await session.scalar(select(User.name).where(User.id == parent.id))
    return ResponseOut(
        survey_id=survey.id,
        student_id=student.id,
        answers=answers,
        submitted_by=parent.id,
        submitted_by_name=name,
        created_at=created_at,
        submitted_at=now,
    )


async def read(
    session: AsyncSession, parent: Principal, survey: Survey, student_id: uuid.UUID
) -> ResponseOut:
    """A child's answers as last submitted (any guardian of the child may read them)."""
    await guarded_student(session, parent, student_id)
    row = (
        await session.execute(
            select(SurveyResponse, User.name)
            .outerjoin(User, User.id == SurveyResponse.submitted_by)
            .where(SurveyResponse.survey_id == survey.id, SurveyResponse.student_id == student_id)
        )
    ).one_or_none()
    if row is None:
        raise SurveyResponseNotFound()
    response, name = row
    return ResponseOut(
        survey_id=response.survey_id,
        student_id=response.student_id,
        answers=response.answers,
        submitted_by=response.submitted_by,
        submitted_by_name=name,
        created_at=response.created_at,
        submitted_at=response.submitted_at,
    )
