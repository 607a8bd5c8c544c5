"""What enrollment announces to the domains above it, in its own transaction (``app.core.hooks``;
the subscribers are listed in ``app/wiring.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.core.hooks import Hook
from app.enrollment.models import Enrollment


@dataclass(frozen=True)
class EnrollmentApplying:
    """A family is about to apply for a term: a subscriber refuses by raising (the district
    while the term's plan awaits its approval)."""

    term_id: uuid.UUID


@dataclass(frozen=True)
class EnrollmentActivated:
    """An enrollment became active (not back from a pending withdrawal): fees bills it."""

    enrollment: Enrollment


@dataclass(frozen=True)
class EnrollmentWithdrawn:
    """A withdrawal stands (``end_date`` set): fees refunds the days after it."""

    enrollment: Enrollment
    actor_id: uuid.UUID | None


applying: Hook[EnrollmentApplying] = Hook("enrollment.applying")
activated: Hook[EnrollmentActivated] = Hook("enrollment.activated")
withdrawn: Hook[EnrollmentWithdrawn] = Hook("enrollment.withdrawn")
