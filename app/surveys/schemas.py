"""Request and response bodies of surveys."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, JsonValue

from app.core.schemas import Input, LongText, Moment, Output, Patch, ShortText, Text
from app.surveys import examples
from app.surveys.models import SurveyStatus

MAX_QUESTIONS = 50
MAX_OPTIONS = 50
MAX_TEXT_ANSWER = 1000

QuestionId = Annotated[str, Text(40, pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Prompt = Annotated[str, Text(500)]
OptionText = Annotated[str, Text(100)]
Grade = Annotated[int, Field(ge=1, le=9)]


class QuestionKind(StrEnum):
    SINGLE = "single"  # answer: one of the options (a string)
    MULTI = "multi"  # answer: some of the options (a list of strings)
    TEXT = "text"  # answer: free text (a string)


class QuestionIn(Input):
    id: QuestionId = Field(description="Unique within the survey; the key of its answer.")
    kind: QuestionKind
    prompt: Prompt
    options: Annotated[list[OptionText], Field(max_length=MAX_OPTIONS)] | None = Field(
        default=None, description="Required for single (≥ 2) and multi (≥ 1); none for text."
    )
    required: bool = True


class Audience(Input):
    """Who the survey is for: children in any of these grades or classes; none = whole school."""

    grades: Annotated[list[Grade], Field(max_length=9)] | None = None
    class_ids: Annotated[list[uuid.UUID], Field(max_length=500)] | None = None


Questions = Annotated[list[QuestionIn], Field(min_length=1, max_length=MAX_QUESTIONS)]


class SurveyIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SURVEY_IN]})

    title: ShortText
    description: LongText | None = None
    term_id: uuid.UUID
    audience: Audience | None = Field(default=None, description="None: the whole school.")
    questions: Questions
    opens_at: Moment
    closes_at: Moment


class SurveyPatch(Patch):
    """Changes to a draft; what the body leaves out keeps its value."""

    nullable = frozenset({"description", "audience"})

    title: ShortText | None = None
    description: LongText | None = None
    term_id: uuid.UUID | None = None
    audience: Audience | None = None
    questions: Questions | None = None
    opens_at: Moment | None = None
    closes_at: Moment | None = None


class FromTemplateIn(Input):
    template: Annotated[str, Text(32)] = Field(examples=["next_term_intent"])
    term_id: uuid.UUID
    opens_at: Moment
    closes_at: Moment
    title: ShortText | None = Field(default=None, description="Defaults to the template's.")
    audience: Audience | None = Field(default=None, description="None: the whole school.")


AnswerKey = Annotated[str, Text(40)]


class ResponseIn(Input):
    student_id: uuid.UUID
    answers: Annotated[dict[AnswerKey, JsonValue], Field(max_length=MAX_QUESTIONS)] = Field(
        description="Question id → a string (single, text) or a list of strings (multi).",
        examples=[{"join": "参加", "weekdays": ["周一", "周三"], "interests": "围棋"}],
    )


class QuestionOut(Output):
    id: str
    kind: QuestionKind
    prompt: str
    options: list[str]
    required: bool


class AudienceOut(Output):
    grades: list[int] | None
    class_ids: list[uuid.UUID] | None


class ChildAnswered(Output):
    student_id: uuid.UUID
    name: str
    class_name: str
    answered: bool


class SurveyOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SURVEY_OUT]})

    id: uuid.UUID
    title: str
    description: str | None
    term_id: uuid.UUID
    template: str | None
    audience: AudienceOut
    questions: list[QuestionOut]
    opens_at: datetime
    closes_at: datetime
    status: SurveyStatus = Field(
        description="draft, published or closed (closed by an admin or past closes_at)."
    )
    accepting_responses: bool = Field(description="Published, opened and not yet closed.")
    created_at: datetime
    published_at: datetime | None
    closed_at: datetime | None
    response_count: int | None = Field(default=None, description="Admins only.")
    answered: bool | None = Field(
        default=None, description="Parents only: every child of theirs in the audience answered."
    )
    children: list[ChildAnswered] | None = Field(
        default=None, description="Parents only: their children in the audience."
    )


class ResponseOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.RESPONSE_OUT]})

    survey_id: uuid.UUID
    student_id: uuid.UUID
    answers: dict[str, str | list[str]]
    submitted_by: uuid.UUID | None
    submitted_by_name: str | None
    created_at: datetime
    submitted_at: datetime


class QuestionResults(Output):
    id: str
    kind: QuestionKind
    prompt: str
    answer_count: int = Field(description="Responses that answered this question.")
    counts: dict[str, int] = Field(description="Option → responses choosing it (choice kinds).")
    texts: list[str] = Field(description="The text answers, oldest first (text kind).")


class ClassResults(Output):
    class_id: uuid.UUID
    class_name: str
    grade: int
    response_count: int
    audience_count: int
    questions: list[QuestionResults]


class SurveyResults(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SURVEY_RESULTS]})

    response_count: int
    audience_count: int
    questions: list[QuestionResults]
    by_class: list[ClassResults]


class SurveyTemplateOut(Output):
    id: str
    title: str
    description: str
