"""What the school's set-up announces to the domains above it, in its own transaction
(``app.core.hooks``; the subscribers are listed in ``app/wiring.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.core.hooks import Hook
from app.core.principal import Principal
from app.school.models import Student, Term


@dataclass(frozen=True)
class TermClosuresChanged:
    """A term's closure days changed: fees reprices its bills (closed days refunded)."""

    term: Term
    actor_id: uuid.UUID | None


@dataclass(frozen=True)
class StudentDeleting:
    """A student record is about to be deleted: a subscriber refuses by raising (enrollment,
    while the child has any enrollment: the child's history)."""

    student: Student


@dataclass(frozen=True)
class StudentArchived:
    """The child left the school (just archived): enrollment ends what still runs."""

    student: Student
    principal: Principal


closures_changed: Hook[TermClosuresChanged] = Hook("term.closures_changed")
student_deleting: Hook[StudentDeleting] = Hook("student.deleting")
student_archived: Hook[StudentArchived] = Hook("student.archived")
