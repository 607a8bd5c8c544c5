"""What families answered: counts per option and text answers, in total and by class; CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core import clock
from app.school.models import School, SchoolClass, Student
from app.surveys import audience
from app.surveys.models import Survey, SurveyResponse
from app.surveys.schemas import (
    ClassResults,
    QuestionKind,
    QuestionResults,
    SurveyResults,
)
from app.surveys.service import local_time


def tally(
    questions: list[dict[str, Any]], answer_sets: Iterable[dict[str, Any]]
) -> list[QuestionResults]:
    """Per question: how many answered, how many chose each option, and the texts given."""
    answer_sets = list(answer_sets)
    tallied = []
    for question in questions:
        counts = dict.fromkeys(question["options"], 0)
        texts: list[str] = []
        answered = 0
        for answers in answer_sets:
            answer = answers.get(question["id"])
            if answer is None:
                continue
            answered += 1
            if question["kind"] == QuestionKind.TEXT:
                texts.append(answer)
                continue
            for option in [answer] if isinstance(answer, str) else answer:
                # an option is never taken away after publishing; this only guards old data
                if option in counts:
                    counts[option] += 1
        tallied.append(
            QuestionResults(
                id=question["id"],
                kind=question["kind"],
                prompt=question["prompt"],
                answer_count=answered,
                counts=counts,
                texts=texts,
            )
        )
    return tallied


async def _responses(
    session: AsyncSession, survey: Survey
) -> list[tuple[SurveyResponse, Student, SchoolClass, str | None]]:
    """Every response with its child, the child's class now and who answered, in class order."""
    rows = await session.execute(
        select(SurveyResponse, Student, SchoolClass, User.name)
        .join(Student, Student.id == SurveyResponse.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(User, User.id == SurveyResponse.submitted_by)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(
            SchoolClass.grade, SchoolClass.name, Student.student_no, SurveyResponse.submitted_at
        )
    )
    return [
        (response, student, school_class, name) for response, student, school_class, name in rows
    ]


async def results(session: AsyncSession, survey: Survey) -> SurveyResults:
    responses = await _responses(session, survey)
    audience_by_class = await audience.count_by_class(session, survey)
    classes = {
        c.id: c
        for c in await session.scalars(
            select(SchoolClass).where(SchoolClass.id.in_(list(audience_by_class)))
        )
    }
    # oldest first, so text answers read in the order families gave them
    by_time = sorted(responses, key=lambda r: (r[0].submitted_at, r[0].id))
    answers_by_class: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for response, _, school_class, _ in by_time:
        # a child who moved into a class outside the audience still counts, under that class
        classes.setdefault(school_class.id, school_class)
        answers_by_class[school_class.id].append(response.answers)
    return SurveyResults(
        response_count=len(responses),
        audience_count=sum(audience_by_class.values()),
        questions=tally(survey.questions, (r[0].answers for r in by_time)),
        by_class=[
            ClassResults(
                class_id=c.id,
                class_name=c.name,
                grade=c.grade,
                response_count=len(answers_by_class[c.id]),
                audience_count=audience_by_class.get(c.id, 0),
                questions=tally(survey.questions, answers_by_class[c.id]),
            )
            for c in sorted(classes.values(), key=lambda c: (c.grade, c.name))
        ],
    )


def _cell(value: str) -> str:
    # Excel runs a cell starting with one of these as a formula; parents type these answers.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def results_csv(session: AsyncSession, survey: Survey) -> str:
    """One row per response: class, child, student number, each answer, when and by whom.

    Starts with a byte-order mark so Excel opens the Chinese text as UTF-8.
    """
    timezone = await session.scalar(select(School.timezone).where(School.id == survey.school_id))
    questions = survey.questions
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["班级", "姓名", "学号", *(_cell(q["prompt"]) for q in questions), "提交时间", "提交人"]
    )
    for response, student, school_class, submitted_by in await _responses(session, survey):
        answers = []
        for question in questions:
            answer = response.answers.get(question["id"])
            text = "；".join(answer) if isinstance(answer, list) else (answer or "")
            answers.append(_cell(text))
        writer.writerow(
            [
                _cell(school_class.name),
                _cell(student.name),
                _cell(student.student_no),
                *answers,
                local_time(response.submitted_at, timezone or clock.DEFAULT_TIMEZONE),
                _cell(submitted_by or ""),
            ]
        )
    return "\ufeff" + out.getvalue()
