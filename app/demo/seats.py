"""The demo school's records kept straight: a child who moved away, archived by the office."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import cast
from app.demo.world import DemoWorld
from app.school import students

# The last child of the last class, who never enrolled, moved away with the family (转学).
LEAVER = (len(cast.CLASSES) - 1, 19)


async def play(session: AsyncSession, world: DemoWorld) -> None:
    leaver = next(c for c in world.children if (c.class_index, c.seat) == LEAVER)
    await students.archive_student(session, world.admin, world.children[leaver])
