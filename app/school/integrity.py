"""Turning the database's constraint violations into the conflicts they mean.

Services check rules first for a clear answer; the constraints stay the last word when two
requests race past the same check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict

FOREIGN_KEY_VIOLATION = "23503"


def constraint_name(exc: IntegrityError) -> str | None:
    # asyncpg's own exception (the adapter's cause) names the violated constraint.
    return getattr(exc.orig.__cause__, "constraint_name", None) if exc.orig else None


@contextmanager
def conflicts_as(conflicts: dict[str, Conflict]) -> Iterator[None]:
    """A violation of a constraint named in ``conflicts`` inside the block raises its conflict."""
    try:
        yield
    except IntegrityError as exc:
        conflict = conflicts.get(constraint_name(exc) or "")
        if conflict is None:
            raise
        raise conflict from exc


async def flush_or_conflict(session: AsyncSession, conflicts: dict[str, Conflict]) -> None:
    with conflicts_as(conflicts):
        await session.flush()


async def delete_unless_referenced(session: AsyncSession, row: object, code: str) -> None:
    """Delete ``row``; if another domain's row still points at it, 409 ``code``."""
    await session.delete(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "pgcode", None) != FOREIGN_KEY_VIOLATION:
            raise
        raise Conflict(code) from exc
