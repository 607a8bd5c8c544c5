"""The demo school's read log: the staff have looked at children's records, as they do."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_trail
from app.core.principal import Principal
from app.demo.world import DemoWorld


async def play(session: AsyncSession, world: DemoWorld) -> None:
    """Each homeroom teacher read their class list; the admin opened one child's record.

    (The registered parents accepted the privacy notice when they registered.)
    """
    classes: dict[uuid.UUID, tuple[Principal, list[uuid.UUID]]] = {}
    for plan, student in world.children.items():
        teacher = world.homeroom(plan)
        classes.setdefault(teacher.id, (teacher, []))[1].append(student.id)
    for teacher, ids in classes.values():
        await audit_trail.record_read(session, teacher, "GET /students", ids)
    for student in list(world.children.values())[:1]:
        await audit_trail.record_read(session, world.admin, "GET /students/{id}", [student.id])
