"""Which surveys a caller may see, and how an admin or a family sees one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.schemas import Page
from app.surveys import audience
from app.surveys.errors import SurveyNotFound
from app.surveys.models import Survey, SurveyResponse, SurveyStatus
from app.surveys.schemas import AudienceOut, ChildAnswered, QuestionOut, SurveyOut


def effective_status(survey: Survey, now: datetime) -> SurveyStatus:
    """What clients see: a published survey past ``closes_at`` is closed, as if an admin had."""
    if survey.status == SurveyStatus.PUBLISHED and now >= survey.closes_at:
        return SurveyStatus.CLOSED
    return SurveyStatus(survey.status)


def status_filter(status: SurveyStatus, now: datetime) -> ColumnElement[bool]:
    if status == SurveyStatus.PUBLISHED:
        return and_(Survey.status == SurveyStatus.PUBLISHED, Survey.closes_at > now)
    if status == SurveyStatus.CLOSED:
        return or_(
            Survey.status == SurveyStatus.CLOSED,
            and_(Survey.status == SurveyStatus.PUBLISHED, Survey.closes_at <= now),
        )
    return Survey.status == SurveyStatus.DRAFT


def accepting_responses(survey: Survey, now: datetime) -> bool:
    return survey.status == SurveyStatus.PUBLISHED and survey.opens_at <= now < survey.closes_at


def view(survey: Survey, now: datetime, **extra: Any) -> SurveyOut:
    # Timestamps answer in UTC whatever offset they were given in.
    return SurveyOut(
        id=survey.id,
        title=survey.title,
        description=survey.description,
        term_id=survey.term_id,
        template=survey.template,
        audience=AudienceOut(
            grades=list(survey.audience_grades) or None,
            class_ids=list(survey.audience_class_ids) or None,
        ),
        questions=[QuestionOut.model_validate(q) for q in survey.questions],
        opens_at=survey.opens_at.astimezone(UTC),
        closes_at=survey.closes_at.astimezone(UTC),
        status=effective_status(survey, now),
        accepting_responses=accepting_responses(survey, now),
        created_at=survey.created_at,
        published_at=survey.published_at,
        closed_at=survey.closed_at,
        **extra,
    )


async def _response_counts(
    session: AsyncSession, survey_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(SurveyResponse.survey_id, func.count())
        .where(SurveyResponse.survey_id.in_(survey_ids))
        .group_by(SurveyResponse.survey_id)
    )
    return {survey_id: n for survey_id, n in rows}


async def admin_views(session: AsyncSession, surveys: list[Survey]) -> list[SurveyOut]:
    counts = await _response_counts(session, [s.id for s in surveys])
    now = clock.now()
    return [view(s, now, response_count=counts.get(s.id, 0)) for s in surveys]


async def admin_view(session: AsyncSession, survey: Survey) -> SurveyOut:
    (shown,) = await admin_views(session, [survey])
    return shown


async def family_views(
    session: AsyncSession, user_id: uuid.UUID, surveys: list[Survey]
) -> list[SurveyOut]:
    """Surveys as a guardian sees them: which of their children each is for, and who answered."""
    children = await audience.children_of(session, user_id)
    answered = set(
        await session.execute(
            select(SurveyResponse.survey_id, SurveyResponse.student_id).where(
                SurveyResponse.survey_id.in_([s.id for s in surveys]),
                SurveyResponse.student_id.in_([student.id for student, _ in children]),
            )
        )
    )
    now = clock.now()
    views = []
    for survey in surveys:
        mine = [
            ChildAnswered(
                student_id=student.id,
                name=student.name,
                class_name=school_class.name,
                answered=(survey.id, student.id) in answered,
            )
            for student, school_class in children
            if audience.includes(survey, student, school_class)
        ]
        views.append(
            view(survey, now, children=mine, answered=bool(mine) and all(c.answered for c in mine))
        )
    return views


async def list_for_admin(
    session: AsyncSession, admin: Principal, page: PageParams, status: SurveyStatus | None
) -> Page[SurveyOut]:
    stmt = select(Survey).where(Survey.school_id == admin.staff_school())
    if status is not None:
        stmt = stmt.where(status_filter(status, clock.now()))
    surveys, cursor = await paginate(
        session,
        stmt,
        page,
        (Survey.created_at, Survey.id),
        descending=True,
    )
    return Page(items=await admin_views(session, surveys), next_cursor=cursor)


def _visible_to_family(user_id: uuid.UUID) -> ColumnElement[bool]:
    return and_(
        Survey.status != SurveyStatus.DRAFT,
        # narrows to the family's schools first (indexed), then checks the audience
        Survey.school_id.in_(audience.schools_of(user_id)),
        audience.has_child_in_audience(user_id),
    )


async def list_for_family(
    session: AsyncSession, parent: Principal, page: PageParams, status: SurveyStatus | None
) -> Page[SurveyOut]:
    if status == SurveyStatus.DRAFT:  # families never see drafts
        return Page(items=[], next_cursor=None)
    stmt = select(Survey).where(_visible_to_family(parent.id))
    if status is not None:
        stmt = stmt.where(status_filter(status, clock.now()))
    surveys, cursor = await paginate(
        session,
        stmt,
        page,
        (Survey.published_at, Survey.id),
        descending=True,
    )
    return Page(items=await family_views(session, parent.id, surveys), next_cursor=cursor)


async def school_survey(session: AsyncSession, admin: Principal, survey_id: uuid.UUID) -> Survey:
    """A survey of the admin's school, else 404."""
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.school_id != admin.school_id:
        raise SurveyNotFound()
    return survey


async def family_survey(session: AsyncSession, parent: Principal, survey_id: uuid.UUID) -> Survey:
    """A published (or closed) survey for at least one of the parent's children, else 404."""
    survey = await session.scalar(
        select(Survey).where(Survey.id == survey_id, _visible_to_family(parent.id))
    )
    if survey is None:
        raise SurveyNotFound()
    return survey


async def get_for(session: AsyncSession, principal: Principal, survey_id: uuid.UUID) -> SurveyOut:
    """The admin's view for a school admin of its school, else the family's view, else 404."""
    if principal.is_school_admin and principal.school_id is not None:
        survey = await session.get(Survey, survey_id)
        if survey is not None and survey.school_id == principal.school_id:
            return await admin_view(session, survey)
    if "parent" in principal.roles:
        survey = await family_survey(session, principal, survey_id)
        (shown,) = await family_views(session, principal.id, [survey])
        return shown
    raise SurveyNotFound()
