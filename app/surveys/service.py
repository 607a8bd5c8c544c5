"""A survey's life: draft, edit, publish (families are told once), close."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.errors import Invalid
from app.core.personal_data import Section, remove, rows
from app.core.principal import Principal
from app.notifications import service as notifications
from app.notifications.templates import Kind
from app.school.models import Guardian, School, SchoolClass, Student, Term
from app.surveys import audience
from app.surveys.errors import (
    SurveyClassDuplicate,
    SurveyClassUnknown,
    SurveyClosesInPast,
    SurveyGradeDuplicate,
    SurveyNotDraft,
    SurveyNotPublished,
    SurveyOptionDuplicate,
    SurveyOptionsNotAllowed,
    SurveyOptionsRequired,
    SurveyQuestionDuplicate,
    SurveyTermUnknown,
    SurveyWindowInvalid,
)
from app.surveys.models import Survey, SurveyResponse, SurveyStatus
from app.surveys.queries import admin_view, view
from app.surveys.schemas import (
    Audience,
    QuestionIn,
    QuestionKind,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
)

# -- drafting -------------------------------------------------------------------------------


def _checked_questions(questions: list[QuestionIn]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    checked = []
    for i, question in enumerate(questions):
        if question.id in seen:
            raise SurveyQuestionDuplicate(field=f"questions.{i}.id", question=question.id)
        seen.add(question.id)
        options = question.options or []
        field = f"questions.{i}.options"
        if question.kind == QuestionKind.TEXT and options:
            raise SurveyOptionsNotAllowed(field=field)
        minimum = {QuestionKind.SINGLE: 2, QuestionKind.MULTI: 1, QuestionKind.TEXT: 0}
        if len(options) < minimum[question.kind]:
            raise SurveyOptionsRequired(field=field)
        duplicates = [o for n, o in enumerate(options) if o in options[:n]]
        if duplicates:
            raise SurveyOptionDuplicate(field=field, option=duplicates[0])
        checked.append(
            {
                "id": question.id,
                "kind": question.kind.value,
                "prompt": question.prompt,
                "options": options,
                "required": question.required,
            }
        )
    return checked


async def _checked_audience(
    session: AsyncSession, school_id: uuid.UUID, target: Audience
) -> tuple[list[int], list[uuid.UUID]]:
    grades = target.grades or []
    class_ids = target.class_ids or []
    if len(set(grades)) != len(grades):
        raise SurveyGradeDuplicate(field="audience.grades")
    if len(set(class_ids)) != len(class_ids):
        raise SurveyClassDuplicate(field="audience.class_ids")
    if class_ids:
        known = await session.scalar(
            select(func.count())
            .select_from(SchoolClass)
            .where(SchoolClass.id.in_(class_ids), SchoolClass.school_id == school_id)
        )
        if known != len(class_ids):
            raise SurveyClassUnknown(field="audience.class_ids")
    return sorted(grades), class_ids


async def school_term(session: AsyncSession, school_id: uuid.UUID, term_id: uuid.UUID) -> Term:
    term = await session.get(Term, term_id)
    if term is None or term.school_id != school_id:
        raise SurveyTermUnknown(field="term_id")
    return term


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at >= closes_at:
        raise SurveyWindowInvalid(field="closes_at")
    if closes_at <= clock.now():
        raise SurveyClosesInPast(field="closes_at")


async def create(
    session: AsyncSession, admin: Principal, body: SurveyIn, *, template: str | None = None
) -> SurveyOut:
    school_id = admin.staff_school()
    await school_term(session, school_id, body.term_id)
    grades, class_ids = await _checked_audience(session, school_id, body.audience or Audience())
    questions = _checked_questions(body.questions)
    _check_window(body.opens_at, body.closes_at)
    survey = Survey(
        school_id=school_id,
        term_id=body.term_id,
        title=body.title,
        description=body.description,
        template=template,
        audience_grades=grades,
        audience_class_ids=class_ids,
        questions=questions,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        status=SurveyStatus.DRAFT,
        created_by=admin.id,
    )
    session.add(survey)
    await session.flush()
    await audit.record(
        session,
        action="survey.created",
        object_type="survey",
        object_id=survey.id,
        actor_id=admin.id,
        school_id=school_id,
        data={"title": survey.title, "template": template},
    )
    return view(survey, clock.now(), response_count=0)


async def _lock_draft(session: AsyncSession, survey: Survey) -> None:
    # The row lock makes a concurrent publish and edit (or delete) take turns.
    await session.refresh(survey, with_for_update=True)
    if survey.status != SurveyStatus.DRAFT:
        raise SurveyNotDraft()


_NOT_NULL = ("title", "term_id", "questions", "opens_at", "closes_at")


async def update(
    session: AsyncSession, admin: Principal, survey: Survey, body: SurveyPatch
) -> SurveyOut:
    await _lock_draft(session, survey)
    changed = body.model_fields_set
    for name in _NOT_NULL:
        if name in changed and getattr(body, name) is None:
            raise Invalid(field=name)
    if body.term_id is not None:
        await school_term(session, survey.school_id, body.term_id)
        survey.term_id = body.term_id
    if "audience" in changed:  # null: the whole school
        grades, class_ids = await _checked_audience(
            session, survey.school_id, body.audience or Audience()
        )
        survey.audience_grades, survey.audience_class_ids = grades, class_ids
    if body.questions is not None:
        survey.questions = _checked_questions(body.questions)
    opens_at = body.opens_at or survey.opens_at
    closes_at = body.closes_at or survey.closes_at
    if body.opens_at is not None or body.closes_at is not None:
        _check_window(opens_at, closes_at)
    survey.opens_at, survey.closes_at = opens_at, closes_at
    if body.title is not None:
        survey.title = body.title
    if "description" in changed:
        survey.description = body.description
    await session.flush()
    await audit.record(
        session,
        action="survey.updated",
        object_type="survey",
        object_id=survey.id,
        actor_id=admin.id,
        school_id=survey.school_id,
        data={"fields": sorted(changed)},
    )
    return await admin_view(session, survey)


async def delete(session: AsyncSession, admin: Principal, survey: Survey) -> None:
    await _lock_draft(session, survey)
    await audit.record(
        session,
        action="survey.deleted",
        object_type="survey",
        object_id=survey.id,
        actor_id=admin.id,
        school_id=survey.school_id,
        data={"title": survey.title},
    )
    await session.delete(survey)
    await session.flush()


# -- publishing and closing -----------------------------------------------------------------


def local_time(moment: datetime, timezone: str) -> str:
    """``2026-06-20 18:00`` in the school's zone, as families read it."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


async def _notify_families(session: AsyncSession, survey: Survey) -> int:
    """Tell every guardian of a child in the audience, once per guardian, naming their children."""
    rows = await session.execute(
        select(Guardian.user_id, Student.id, Student.name)
        .join(Student, Student.id == Guardian.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(audience.reaches(survey))
        .order_by(Guardian.user_id, Student.name, Student.id)
    )
    children: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    for user_id, student_id, name in rows:
        children[user_id].append((student_id, name))
    # Guardians sharing the same children (mother and father) get the same message in one go.
    families: dict[tuple[tuple[uuid.UUID, str], ...], list[uuid.UUID]] = defaultdict(list)
    for user_id, kids in children.items():
        families[tuple(kids)].append(user_id)
    timezone = await session.scalar(select(School.timezone).where(School.id == survey.school_id))
    closes_at = local_time(survey.closes_at, timezone or clock.DEFAULT_TIMEZONE)
    notified = 0
    for family, guardians in families.items():
        created = await notifications.notify(
            session,
            recipients=guardians,
            kind=Kind.SURVEY_PUBLISHED,
            params={
                "title": survey.title,
                "closes_at": closes_at,
                "student_name": "、".join(name for _, name in family),
            },
            data={
                "survey_id": str(survey.id),
                "student_ids": [str(student_id) for student_id, _ in family],
            },
            dedupe_key=f"survey:{survey.id}",
        )
        notified += len(created)
    return notified


async def publish(session: AsyncSession, admin: Principal, survey: Survey) -> SurveyOut:
    await _lock_draft(session, survey)
    now = clock.now()
    if survey.closes_at <= now:
        raise SurveyClosesInPast(field="closes_at")
    survey.status = SurveyStatus.PUBLISHED
    survey.published_at = now
    await session.flush()
    notified = await _notify_families(session, survey)
    await audit.record(
        session,
        action="survey.published",
        object_type="survey",
        object_id=survey.id,
        actor_id=admin.id,
        school_id=survey.school_id,
        data={"notified": notified},
    )
    return await admin_view(session, survey)


async def close(session: AsyncSession, admin: Principal, survey: Survey) -> SurveyOut:
    """Stop answers now; closing a closed survey again changes nothing."""
    await session.refresh(survey, with_for_update=True)
    if survey.status == SurveyStatus.DRAFT:
        raise SurveyNotPublished()
    if survey.status == SurveyStatus.PUBLISHED:
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = clock.now()
        await session.flush()
        await audit.record(
            session,
            action="survey.closed",
            object_type="survey",
            object_id=survey.id,
            actor_id=admin.id,
            school_id=survey.school_id,
        )
    return await admin_view(session, survey)


async def _personal_data(
    session: AsyncSession, user_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """The answers given for the children, with the survey each answered."""
    answers = await rows(
        session,
        select(
            SurveyResponse.survey_id,
            Survey.title.label("survey_title"),
            SurveyResponse.student_id,
            SurveyResponse.answers,
            SurveyResponse.submitted_at,
        )
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.student_id.in_(student_ids))
        .order_by(SurveyResponse.submitted_at),
    )
    return {"survey_responses": answers}


PERSONAL_DATA = Section("surveys", ("survey_responses",), _personal_data)


async def forget_guardian(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Erasing a guardian removes the answers they gave. Returns how many."""
    theirs = SurveyResponse.submitted_by == user_id
    return await remove(session, SurveyResponse, theirs, dry_run=False)


async def purge_terms(
    session: AsyncSession, term_ids: Sequence[uuid.UUID], *, dry_run: bool
) -> dict[str, int]:
    """The answers to the surveys of these (long-ended) terms; the surveys stay."""
    of_terms = SurveyResponse.survey_id.in_(select(Survey.id).where(Survey.term_id.in_(term_ids)))
    return {"survey_responses": await remove(session, SurveyResponse, of_terms, dry_run=dry_run)}
