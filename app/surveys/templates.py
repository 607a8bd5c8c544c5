"""Ready-made surveys an admin starts from, filled in from a term (下学期课后服务意愿)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.principal import Principal
from app.school.models import Slot, Term
from app.surveys import service
from app.surveys.errors import SurveyTemplateTermHasNoSlots, SurveyTemplateUnknown
from app.surveys.schemas import (
    FromTemplateIn,
    QuestionIn,
    QuestionKind,
    SurveyIn,
    SurveyOut,
    SurveyTemplateOut,
)

WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}


@dataclass(frozen=True)
class SurveyTemplate:
    id: str
    title: str
    description: str
    # The survey's own title for a term, and its questions from the term and its slots.
    survey_title: Callable[[Term], str]
    questions: Callable[[Term, Sequence[Slot]], list[QuestionIn]]


def _slot_label(slot: Slot) -> str:
    return f"{slot.name} {slot.start_time:%H:%M}–{slot.end_time:%H:%M}"


def _unique(labels: list[str]) -> list[str]:
    # Two slots of the same name and hours would make one option; number the repeats.
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label}（{seen[label]}）")
    return unique


def _next_term_intent(term: Term, slots: Sequence[Slot]) -> list[QuestionIn]:
    weekdays = sorted(set(term.weekdays)) or [1, 2, 3, 4, 5]
    return [
        QuestionIn(
            id="join",
            kind=QuestionKind.SINGLE,
            prompt="孩子下学期是否参加学校课后服务？",
            options=["参加", "不参加"],
        ),
        QuestionIn(
            id="weekdays",
            kind=QuestionKind.MULTI,
            prompt="如参加，每周哪几天参加？（可多选）",
            options=[WEEKDAY_NAMES[d] for d in weekdays],
            required=False,
        ),
        QuestionIn(
            id="slots",
            kind=QuestionKind.MULTI,
            prompt="如参加，参加哪些时段？（可多选）",
            options=_unique([_slot_label(s) for s in slots]),
            required=False,
        ),
        QuestionIn(
            id="interests",
            kind=QuestionKind.TEXT,
            prompt="孩子感兴趣的活动（如阅读、体育、艺术、科技），或对课后服务的建议",
            required=False,
        ),
    ]


NEXT_TERM_INTENT = SurveyTemplate(
    id="next_term_intent",
    title="下学期课后服务意愿",
    description=(
        "课后服务遵循学生和家长自愿参加的原则。请为孩子填写下学期是否参加、"
        "每周参加哪几天、参加哪些时段以及感兴趣的活动，学校据此安排时段、分组和师资。"
    ),
    survey_title=lambda term: f"{term.name}课后服务意愿"[:100],
    questions=_next_term_intent,
)

TEMPLATES = {t.id: t for t in (NEXT_TERM_INTENT,)}


def listing() -> list[SurveyTemplateOut]:
    return [
        SurveyTemplateOut(id=t.id, title=t.title, description=t.description)
        for t in TEMPLATES.values()
    ]


async def create_from(session: AsyncSession, admin: Principal, body: FromTemplateIn) -> SurveyOut:
    """A draft from the template for ``body.term_id``, ready to edit and publish."""
    template = TEMPLATES.get(body.template)
    if template is None:
        raise SurveyTemplateUnknown(field="template")
    term = await service.school_term(session, admin.staff_school(), body.term_id)
    slots = list(
        await session.scalars(
            select(Slot).where(Slot.term_id == term.id).order_by(Slot.start_time, Slot.name)
        )
    )
    if not slots:
        raise SurveyTemplateTermHasNoSlots(field="term_id")
    survey = SurveyIn(
        title=body.title or template.survey_title(term),
        description=template.description,
        term_id=term.id,
        audience=body.audience,
        questions=template.questions(term, slots),
        opens_at=body.opens_at,
        closes_at=body.closes_at,
    )
    return await service.create(session, admin, survey, template=template.id)
