"""A school day with a child in every roster status, for the ledger, roster and statistics."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.pickup.models import Handover
from app.school.models import Student
from tests.attendance.factories import TODAY, Campus, create_leave
from tests.factories import auth

# The status each child of the evening group has on TODAY.
STATUSES = ("expected", "on_leave", "present", "absent", "picked_up", "released")


@dataclass
class EveryStatus:
    """The campus on TODAY: ``children[status]`` has that status in the evening group."""

    children: dict[str, Student]


async def every_status(
    session: AsyncSession, client: httpx.AsyncClient, campus: Campus
) -> EveryStatus:
    """One child per status in both groups (王小明 stays ``expected``); the evening roll is
    taken by the leader and the activity roll is not taken. Commits."""
    children = {"expected": campus.student}
    for status in STATUSES[1:]:
        children[status] = await campus.add_child(session)
    await create_leave(session, children["on_leave"], campus.term, TODAY, TODAY)
    await session.commit()

    marks = {
        "present": "present",
        "absent": "absent",
        "picked_up": "present",
        "released": "present",
    }
    response = await client.post(
        "/attendance/roll-calls",
        json={
            "group_id": str(campus.evening_group.id),
            "slot_id": str(campus.evening.id),
            "date": TODAY.isoformat(),
            "marks": [
                {"student_id": str(children[name].id), "status": mark}
                for name, mark in marks.items()
            ],
        },
        headers=auth(campus.leader),
    )
    assert response.status_code == 200, response.text

    # Handovers as the gate records them (their kind is what the roster reads).
    for kind in ("picked_up", "released"):
        session.add(
            Handover(
                school_id=campus.school.id,
                student_id=children[kind].id,
                date=TODAY,
                kind=kind,
                picked_up_at=clock.now(),
                confirmed_by=campus.duty.id,
                confirmed_by_name=campus.duty.name,
            )
        )
    await session.commit()
    return EveryStatus(children)
