"""Turning the database's constraint violations into the problems they mean.

Services check rules first for a clear answer; the constraints stay the last word when two
requests race past the same check. Deletes lock their row before looking for dependents, so
a row inserted meanwhile that points at it waits for the delete and then fails (mapped here)
instead of being cascaded away unseen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, DomainError

FOREIGN_KEY_VIOLATION = "23503"
# Foreign keys whose parent a concurrent delete may remove under an insert.
CLASS_OF_STUDENT = "fk_students_class_id_classes"
CLASS_OF_GROUP = "fk_group_classes_class_id_classes"


def constraint_name(exc: IntegrityError) -> str | None:
    # asyncpg's own exception (the adapter's cause) names the violated constraint.
    return getattr(exc.orig.__cause__, "constraint_name", None) if exc.orig else None


@contextmanager
def violations_as(errors: dict[str, DomainError]) -> Iterator[None]:
    """A violation of a constraint named in ``errors`` inside the block raises its error."""
    try:
        yield
    except IntegrityError as exc:
        error = errors.get(constraint_name(exc) or "")
        if error is None:
            raise
        raise error from exc


async def flush_checked(session: AsyncSession, errors: dict[str, DomainError]) -> None:
    with violations_as(errors):
        await session.flush()


async def delete_unless_referenced(session: AsyncSession, row: object, code: str) -> None:
    """Delete ``row`` (locked and checked by the caller); if another domain's row still
    points at it, 409 ``code``."""
    await session.delete(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "pgcode", None) != FOREIGN_KEY_VIOLATION:
            raise
        raise Conflict(code) from exc
