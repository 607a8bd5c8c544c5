"""Base models and the bounded input types (text, dates, moments) every request uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema as cs

T = TypeVar("T")


class Input(BaseModel):
    """A request body: unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    """A response body, built from ORM objects or dicts."""

    model_config = ConfigDict(from_attributes=True)


class Page(Output, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Patch(Input):
    """A partial update: what the body leaves out keeps its value; null only where it means
    something (``nullable``), never as a way to blank a required field.

    The spec says the same: a field not in ``nullable`` is not shown as nullable.
    """

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_meaningful(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: cs.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        model = handler.resolve_ref_schema(schema)
        for name, prop in model.get("properties", {}).items():
            if name in cls.nullable or "anyOf" not in prop:
                continue
            variants = [v for v in prop["anyOf"] if v != {"type": "null"}]
            if prop.get("default", ...) is None:
                del prop["default"]
            if len(variants) == 1:
                del prop["anyOf"]
                prop.update(variants[0])
            else:
                prop["anyOf"] = variants
        return schema


# ---- text ----

# C0 and C1 control characters and lone surrogates: PostgreSQL refuses NUL and surrogates
# outright (a 500 and a broken connection, before this type), and no school's data has the
# rest. A multi-line field keeps tab, newline and carriage return.
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same rule for the spec, so generated clients and fuzzers know it (\u escapes: ECMA 262).
_SPEC_REFUSED = r"\u0000-\u001f\u007f-\u009f"
_SPEC_REFUSED_MULTILINE = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"


def _spec_pattern(refused: str, *, filled: bool) -> str:
    """Characters outside ``refused``; when ``filled``, one that trimming keeps among them."""
    if not filled:
        return f"^[^{refused}]*$"
    return f"^[^{refused}]*[^\\s{_SPEC_REFUSED}][^{refused}]*$"


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """What ``Text`` refuses, for text that arrives outside a typed field (a JSON answer)."""
    return bool((_REFUSED_MULTILINE if multiline else _REFUSED).search(value))


@dataclass(frozen=True)
class Text:
    """The one way a request takes text: ``Annotated[str, Text(64)]``.

    As sent: ``min_length``–``max_length`` characters, no control characters (``multiline``
    keeps tab and line breaks), ``pattern`` when given; free text (no pattern) is then
    trimmed and must not be blank. The spec shows the same rule as a pattern.
    """

    max_length: int
    min_length: int = 1
    multiline: bool = False
    pattern: str | None = None

    def _check(self, value: Any) -> Any:
        # On the text as sent, as the spec's pattern reads it: a tab or NEL at either end is
        # refused too, not silently dropped.
        if isinstance(value, str) and has_control_characters(value, multiline=self.multiline):
            raise ValueError("must not contain control characters")
        return value

    def _trim(self, value: str) -> str:
        # Lengths and patterns hold for the text as sent; free text is then kept trimmed.
        if self.pattern is not None:
            return value
        value = value.strip()
        if len(value) < self.min_length:
            raise ValueError("must not be blank")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> cs.CoreSchema:
        sent = cs.str_schema(
            strip_whitespace=False,
            min_length=self.min_length,
            max_length=self.max_length,
            pattern=self.pattern,
        )
        return cs.no_info_before_validator_function(
            self._check, cs.no_info_after_validator_function(self._trim, sent)
        )

    def __get_pydantic_json_schema__(
        self, core_schema: cs.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        if self.pattern is None:
            refused = _SPEC_REFUSED_MULTILINE if self.multiline else _SPEC_REFUSED
            shown = _spec_pattern(refused, filled=self.min_length > 0)
            schema["pattern"] = shown
        return schema


ShortText = Annotated[str, Text(100)]
Name = Annotated[str, Text(64)]
LongText = Annotated[str, Text(2000, min_length=0, multiline=True)]
Phone = Annotated[str, Text(21, pattern=r"^\+?[0-9]{6,20}$")]
Username = Annotated[str, Text(64, min_length=3, pattern=r"^[A-Za-z0-9_.@+-]+$")]
Password = Annotated[str, Text(128)]
# A free-text filter in a query string.
SearchText = Annotated[str, Text(64)]


# ---- dates and moments ----

# Dates and moments outside these years are typing errors, and arithmetic on the far ends
# (year 1 at +14:00 in UTC, the day after 9999-12-31) overflows before PostgreSQL sees it.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
_YEAR = r"(19\d\d|2[01]\d\d|2200)"
_YYYY_MM_DD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_year(year: int) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")


def _parse_day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _YYYY_MM_DD.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    day = date.fromisoformat(value)
    _check_year(day.year)
    return day


# Dates arrive as "YYYY-MM-DD" only (no timestamps, no numbers), in bodies and query strings.
Day = Annotated[
    date,
    BeforeValidator(_parse_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": f"^{_YEAR}-"}),
]


def _text_moment(value: Any) -> Any:
    if isinstance(value, datetime | str):
        return value
    raise ValueError("must be an ISO 8601 timestamp with an offset")


def _in_range(value: datetime) -> datetime:
    _check_year(value.year)
    return value


# A point in time: ISO 8601 with an offset (no Unix numbers), in the years 1900–2200.
Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_text_moment),
    AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": f"^{_YEAR}-"}),
]


# An ISO week, "YYYY-Www" (a child's weekly timetable).
Week = Annotated[str, Text(8, min_length=8, pattern=f"^{_YEAR}-W(0[1-9]|[1-4]\\d|5[0-3])$")]

# A calendar month, "YYYY-MM" (the ledger's, the workload's, the fee statement's).
Month = Annotated[str, Text(7, min_length=7, pattern=f"^{_YEAR}-(0[1-9]|1[0-2])$")]
