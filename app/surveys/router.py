"""HTTP endpoints of surveys (意愿征询)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from app.auth.deps import Idempotent, ParentUser, SchoolAdmin
from app.core.database import SessionDep
from app.core.errors import PROBLEM_SCHEMA
from app.core.pagination import PageDep
from app.core.schemas import Page
from app.surveys import queries, responses, results, service, templates
from app.surveys.deps import FamilySurvey, ParentOrAdmin, SchoolSurvey
from app.surveys.models import SurveyStatus
from app.surveys.schemas import (
    FromTemplateIn,
    ResponseIn,
    ResponseOut,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
    SurveyResults,
    SurveyTemplateOut,
)


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    }


router = APIRouter(
    tags=["surveys"],
    responses={
        401: _problem("No valid access token."),
        403: _problem("The caller's role may not do this."),
        404: _problem("No such survey or student for this caller."),
    },
)
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _problem("The survey's state does not allow this (code says why).")
}


@router.get("/survey-templates", response_model=Page[SurveyTemplateOut])
async def list_survey_templates(admin: SchoolAdmin) -> Page[SurveyTemplateOut]:
    """Ready-made surveys to start from (school admin)."""
    return Page(items=templates.listing(), next_cursor=None)


@router.post("/surveys/from-template", status_code=201, response_model=SurveyOut)
async def create_survey_from_template(
    body: FromTemplateIn, session: SessionDep, admin: SchoolAdmin, idem: Idempotent
) -> Response:
    """A draft from a template, its options filled from the term (weekdays, slots)."""
    return await idem.run(201, lambda: templates.create_from(session, admin, body))


@router.post("/surveys", status_code=201, response_model=SurveyOut)
async def create_survey(
    body: SurveyIn, session: SessionDep, admin: SchoolAdmin, idem: Idempotent
) -> Response:
    """Draft a survey (school admin); nobody else sees it until it is published."""
    return await idem.run(201, lambda: service.create(session, admin, body))


@router.get("/surveys", response_model=Page[SurveyOut])
async def list_surveys(
    session: SessionDep,
    principal: ParentOrAdmin,
    page: PageDep,
    status: Annotated[SurveyStatus | None, Query()] = None,
) -> Page[SurveyOut]:
    """Admin: the school's surveys, newest first. Parent: those for their children, with
    ``answered`` and each child's ``answered``, newest published first."""
    if principal.is_school_admin and principal.school_id is not None:
        return await queries.list_for_admin(session, principal, page, status)
    return await queries.list_for_family(session, principal, page, status)


@router.get("/surveys/{survey_id}", response_model=SurveyOut)
async def get_survey(
    survey_id: uuid.UUID, session: SessionDep, principal: ParentOrAdmin
) -> SurveyOut:
    return await queries.get_for(session, principal, survey_id)


@router.patch("/surveys/{survey_id}", response_model=SurveyOut, responses=CONFLICT)
async def update_survey(
    body: SurveyPatch, survey: SchoolSurvey, session: SessionDep, admin: SchoolAdmin
) -> SurveyOut:
    """Edit a draft; once published: 409 ``survey.not_draft``."""
    return await service.update(session, admin, survey, body)


@router.delete("/surveys/{survey_id}", status_code=204, responses=CONFLICT)
async def delete_survey(survey: SchoolSurvey, session: SessionDep, admin: SchoolAdmin) -> Response:
    """Delete a draft; once published: 409 ``survey.not_draft`` (close it instead)."""
    await service.delete(session, admin, survey)
    return Response(status_code=204)


@router.post("/surveys/{survey_id}/publish", response_model=SurveyOut, responses=CONFLICT)
async def publish_survey(
    survey: SchoolSurvey, session: SessionDep, admin: SchoolAdmin
) -> SurveyOut:
    """Publish a draft; every guardian of a child in the audience is notified once."""
    return await service.publish(session, admin, survey)


@router.post("/surveys/{survey_id}/close", response_model=SurveyOut, responses=CONFLICT)
async def close_survey(survey: SchoolSurvey, session: SessionDep, admin: SchoolAdmin) -> SurveyOut:
    """Stop taking answers now (before ``closes_at``); repeating it changes nothing."""
    return await service.close(session, admin, survey)


@router.post(
    "/surveys/{survey_id}/responses",
    status_code=201,
    response_model=ResponseOut,
    responses=CONFLICT,
)
async def submit_survey_response(
    body: ResponseIn,
    survey: FamilySurvey,
    session: SessionDep,
    parent: ParentUser,
    idem: Idempotent,
) -> Response:
    """Answer for one child; a later answer before closing replaces the earlier one."""
    return await idem.run(201, lambda: responses.submit(session, parent, survey, body))


@router.get("/surveys/{survey_id}/responses/{student_id}", response_model=ResponseOut)
async def get_survey_response(
    student_id: uuid.UUID, survey: FamilySurvey, session: SessionDep, parent: ParentUser
) -> ResponseOut:
    """The child's answers as last submitted by any of its guardians."""
    return await responses.read(session, parent, survey, student_id)


@router.get("/surveys/{survey_id}/results", response_model=SurveyResults)
async def get_survey_results(survey: SchoolSurvey, session: SessionDep) -> SurveyResults:
    """Counts per option and text answers against the audience, in total and by class."""
    return await results.results(session, survey)


@router.get(
    "/surveys/{survey_id}/results.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per response."}},
)
async def export_survey_results(survey: SchoolSurvey, session: SessionDep) -> Response:
    """The responses as CSV (UTF-8 with BOM, opens in Excel): class, child, student number,
    one column per question, time and guardian."""
    body = await results.results_csv(session, survey)
    filename = quote(f"{survey.title}.csv")
    return Response(
        content=body.encode(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"survey-{survey.id}.csv\"; filename*=UTF-8''{filename}"
            )
        },
    )
