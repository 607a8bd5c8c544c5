"""The roster's status rule for gate pickup: ``picked_up``/``released`` once a child has left."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import SQLColumnExpression, select

from app.pickup.models import Handover


def handed_over(
    student_id: SQLColumnExpression[uuid.UUID],
    slot_id: SQLColumnExpression[uuid.UUID],
    day: SQLColumnExpression[date],
) -> SQLColumnExpression[Any]:
    """The day's handover kind of the child, whatever the slot (NULL while still in care).

    A lookup on ``handovers``' unique (student_id, date) index, as the roster requires.
    """
    return (
        select(Handover.kind)
        .where(Handover.student_id == student_id, Handover.date == day)
        .scalar_subquery()
    )
