"""How a domain declares the personal data it holds, for ``GET /me/data`` and its tests.

Each domain that stores anything about a guardian or a child defines one ``Section`` in its
``service.py``; ``app.privacy.service.sections`` lists them. ``tables`` names every table
the section reads, so a test can hold that no table with a ``user_id``/``student_id`` is
forgotten.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

# (session, the guardian's user id, the ids of the children linked to them) -> the section
Collect = Callable[[AsyncSession, uuid.UUID, Sequence[uuid.UUID]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Section:
    name: str
    tables: tuple[str, ...]
    collect: Collect


async def rows(session: AsyncSession, stmt: Executable) -> list[dict[str, Any]]:
    """A statement's rows as plain dicts (column label -> value), for an export."""
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def remove(session: AsyncSession, table: Any, where: Any, *, dry_run: bool) -> int:
    """Delete the rows of ``table`` that ``where`` picks (only count them on a dry run)."""
    if dry_run:
        stmt = select(func.count()).select_from(table).where(where)
        return int(await session.scalar(stmt) or 0)
    result = await session.execute(delete(table).where(where))
    return int(getattr(result, "rowcount", 0) or 0)
