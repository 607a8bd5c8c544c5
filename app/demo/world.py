"""What the seeding knows as it goes: the demo's rows by the names the cast gives them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from app.auth.models import User
from app.core.principal import Principal
from app.demo import cast
from app.demo.calendar import TermPlan
from app.demo.cast import ChildPlan
from app.enrollment.models import Enrollment
from app.school.models import Slot, Student, Term


@dataclass
class DemoWorld:
    today: date
    plan: TermPlan
    school_id: uuid.UUID
    staff: dict[str, Principal] = field(default_factory=dict)  # by username
    term: Term | None = None
    slots: dict[str, Slot] = field(default_factory=dict)  # by name
    class_ids: list[uuid.UUID] = field(default_factory=list)  # in ``cast.CLASSES`` order
    children: dict[ChildPlan, Student] = field(default_factory=dict)
    guardians: dict[str, User] = field(default_factory=dict)  # by phone
    enrollments: dict[ChildPlan, Enrollment] = field(default_factory=dict)

    @property
    def admin(self) -> Principal:
        return self.staff[cast.ADMIN.username]

    @property
    def current_term(self) -> Term:
        assert self.term is not None, "the calendar is set up first"
        return self.term

    def family(self, child: ChildPlan) -> Principal:
        """The child's first guardian, who acts for the family."""
        user = self.guardians[child.guardians[0].phone]
        return Principal(id=user.id, roles=frozenset(user.roles), school_id=None)

    def homeroom(self, child: ChildPlan) -> Principal:
        return self.staff[cast.CLASSES[child.class_index].homeroom]
