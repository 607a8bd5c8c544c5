"""Typed access to core pagination for single-entity selects under SQLAlchemy 2.1's typing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.core.pagination import PageParams, paginate

M = TypeVar("M")


async def page_of(
    session: AsyncSession,
    stmt: Select[M],
    page: PageParams,
    order_by: Sequence[InstrumentedAttribute[Any]],
    *,
    descending: bool = False,
) -> tuple[list[M], str | None]:
    """``core.pagination.paginate`` for ``select(Model)`` (it predates 2.1's ``Select[T]``)."""
    return await paginate(
        session, cast("Select[tuple[M]]", stmt), page, order_by, descending=descending
    )
