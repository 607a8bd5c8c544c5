"""Who is calling: the roles and the principal a request acts as, free of any web framework."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from app.core.errors import Forbidden


class Role(StrEnum):
    PARENT = "parent"
    TEACHER = "teacher"  # homeroom teacher and/or after-school group leader
    DUTY = "duty"  # staff at the gate
    SCHOOL_ADMIN = "school_admin"
    DISTRICT_ADMIN = "district_admin"


STAFF_ROLES = frozenset({Role.TEACHER, Role.DUTY, Role.SCHOOL_ADMIN})


@dataclass(frozen=True)
class Principal:
    """The caller: an account, the roles it holds and the school (or district) it acts in."""

    id: uuid.UUID
    roles: frozenset[str]
    school_id: uuid.UUID | None
    district_id: uuid.UUID | None = None

    def has(self, *roles: Role) -> bool:
        return any(r.value in self.roles for r in roles)

    @property
    def is_school_admin(self) -> bool:
        return Role.SCHOOL_ADMIN.value in self.roles

    def staff_school(self) -> uuid.UUID:
        """The school a staff caller belongs to (staff tokens always carry one)."""
        if self.school_id is None:
            raise Forbidden()
        return self.school_id
