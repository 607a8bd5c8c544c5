"""An enrollment's chosen slots: which of them ends last, kept on the enrollment's row.

The late-pickup sweep runs every half minute over every school and asks "whose day in care
is over by now?". ``Enrollment.last_slot_id`` answers that with an index lookup from the few
slots that have ended, instead of every enrolled child's slots. Whatever changes an
enrollment's slots, or a slot's times, keeps it current through this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.enrollment.models import Enrollment, EnrollmentSlot
from app.school.models import Slot


def last_slot_of(slots: Iterable[Slot]) -> uuid.UUID | None:
    """The slot that ends last (slots of a term never overlap, so no two end together)."""
    last = max(slots, key=lambda s: s.end_time, default=None)
    return last.id if last is not None else None


async def refresh_last_slots(session: AsyncSession, term_id: uuid.UUID) -> None:
    """Recompute the last slot of every enrollment of ``term_id`` whose answer changed.

    For a slot whose times moved (slots of a term never overlap, but one may move past
    another). The caller holds the term's row lock, as every change of slots does.
    """
    last = (
        select(EnrollmentSlot.slot_id)
        .join(Slot, Slot.id == EnrollmentSlot.slot_id)
        .where(EnrollmentSlot.enrollment_id == Enrollment.id)
        .order_by(Slot.end_time.desc())
        .limit(1)
        .scalar_subquery()
    )
    await session.execute(
        update(Enrollment)
        .where(Enrollment.term_id == term_id, Enrollment.last_slot_id.is_distinct_from(last))
        .values(last_slot_id=last)
        .execution_options(synchronize_session="fetch")
    )
