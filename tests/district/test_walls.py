"""Counts only: a district token reads no child's or family's data anywhere (404).

The family-level endpoints are found from the application's routes, so a new endpoint under
one of these paths is covered the day it is added.
"""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.routing import operations
from app.enrollment.models import Enrollment
from app.main import API_PREFIX, app
from tests.district.factories import DistrictWorld
from tests.factories import auth

# Where a child's or a family's records are read or changed.
FAMILY_LEVEL = re.compile(
    r"^/(students|enrollments|leave-requests|rosters|attendance|pickups|pickup-passes"
    r"|pickup-settings|me/children|complaints|audit-events"
    r"|classes/\{[a-z_]+\}/binding-codes|surveys/\{[a-z_]+\}/(responses|results))"
)


def family_level_routes() -> list[tuple[str, str]]:
    found = []
    for route in operations(app.routes):
        if route.path.startswith(API_PREFIX):
            path = route.path.removeprefix(API_PREFIX)
            if FAMILY_LEVEL.match(path):
                found += [(method, path) for method in sorted(route.methods)]
    return found


def test_the_list_covers_what_families_have() -> None:
    paths = {path for _, path in family_level_routes()}
    for expected in (
        "/students/{student_id}",
        "/students/{student_id}/guardians",
        "/students/{student_id}/pickup-persons",
        "/enrollments",
        "/enrollments/{enrollment_id}/events",
        "/leave-requests/{id}",
        "/rosters",
        "/pickups",
        "/surveys/{survey_id}/responses/{student_id}",
        "/complaints",
    ):
        assert expected in paths
    assert len(family_level_routes()) >= 50


async def test_a_district_token_gets_404_from_every_family_level_endpoint(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    # real ids of the district's own school, so a leak would show real data
    enrollment = await session.scalar(
        select(Enrollment.id).where(Enrollment.student_id == world.students[0].id)
    )
    ids = {
        "student_id": world.students[0].id,
        "enrollment_id": enrollment,
        "class_id": world.school_class.id,
        "user_id": world.parent.id,
    }
    personal = [s.name for s in world.students] + ["林静", "13800138000"]
    headers = auth(world.district_admin)
    for method, path in family_level_routes():
        url = re.sub(r"\{([a-z_]+)\}", lambda m: str(ids.get(m.group(1)) or uuid.uuid4()), path)
        body = {} if method in ("POST", "PATCH", "PUT") else None
        r = await client.request(method, url, headers=headers, json=body)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert not any(p in r.text for p in personal), (method, path)
