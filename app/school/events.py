"""What the school's set-up announces to the domains above it, in its own transaction
(``app.core.hooks``; the subscribers are listed in ``app/wiring.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.core.hooks import Hook
from app.school.models import Term


@dataclass(frozen=True)
class TermClosuresChanged:
    """A term's closure days changed: fees reprices its bills (closed days refunded)."""

    term: Term
    actor_id: uuid.UUID | None


closures_changed: Hook[TermClosuresChanged] = Hook("term.closures_changed")
