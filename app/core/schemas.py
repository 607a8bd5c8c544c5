"""Base models and bounded string types shared by every domain's schemas."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints

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


ShortText = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
LongText = Annotated[str, StringConstraints(max_length=2000)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{6,20}$")]
Username = Annotated[
    str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@+-]+$")
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128)]
