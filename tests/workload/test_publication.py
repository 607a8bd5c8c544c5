"""POST /workload/{month}/publish and GET /workload/published: the month frozen as
published (公示), read by every staff member, later changes listed as corrections."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core.audit import AuditEvent
from app.duty.models import DutyShift
from app.workload.models import WorkloadPublication
from tests.attendance.factories import TODAY
from tests.core.test_problems import assert_problem
from tests.factories import auth, create_other_school, create_user
from tests.workload.factories import DAY1, MONTH, Scene, by_staff, check_in


async def test_publishing_freezes_the_month_and_corrections_show_beside_it(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    campus = scene.campus
    published = await client.post(f"/workload/{MONTH}/publish", headers=auth(campus.admin))
    assert published.status_code == 200, published.text
    frozen = by_staff(published.json())
    leader = frozen[str(campus.leader.id)]
    assert (leader["sessions"], leader["pay_fen"], leader["correction"]) == (4, 49500, None)
    assert (
        await session.scalar(select(func.count()).where(AuditEvent.action == "workload.published"))
        == 1
    )

    # A check-in recorded afterwards (a catch-up roll call, say) changes the month.
    session.add(check_in(campus.leader, scene.across, DAY1 + timedelta(days=2)))
    await session.commit()

    for reader in (campus.leader, campus.duty, campus.other_teacher):
        response = await client.get(
            "/workload/published", params={"month": MONTH}, headers=auth(reader)
        )
        assert response.status_code == 200, response.text
        items = by_staff(response.json())
        assert len(items) == len(frozen)  # everyone's published line, for every staff member
        leader = items[str(campus.leader.id)]
        assert (leader["sessions"], leader["pay_fen"]) == (4, 49500)  # never rewritten
        assert leader["correction"] == {
            "sessions": 5,
            "session_minutes": 120,
            "overtime_minutes": 330,
            "duty_minutes": 0,
            "pay_fen": (120 * 6000 + 330 * 9000) // 60,
        }
        assert items[str(campus.other_teacher.id)]["correction"] is None
    # The live figures move on; the publication stays.
    live = await client.get("/workload", params={"month": MONTH}, headers=auth(campus.admin))
    assert by_staff(live.json())[str(campus.leader.id)]["sessions"] == 5


async def test_a_month_is_published_once(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    campus = scene.campus
    responses = await asyncio.gather(
        *(client.post(f"/workload/{MONTH}/publish", headers=auth(campus.admin)) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert_problem(conflict, 409, "workload.already_published")
    assert await session.scalar(select(func.count()).select_from(WorkloadPublication)) == 1


async def test_walls(client: httpx.AsyncClient, session: AsyncSession, scene: Scene) -> None:
    campus = scene.campus
    refused = await client.post(f"/workload/{MONTH}/publish", headers=auth(campus.leader))
    assert_problem(refused, 403, "auth.forbidden")
    not_yet = await client.get(
        "/workload/published", params={"month": MONTH}, headers=auth(campus.leader)
    )
    assert_problem(not_yet, 404, "workload.not_published")
    await client.post(f"/workload/{MONTH}/publish", headers=auth(campus.admin))
    parent = await client.get(
        "/workload/published", params={"month": MONTH}, headers=auth(campus.mother)
    )
    assert_problem(parent, 403, "auth.forbidden")
    _, other_admin = await create_other_school(session)
    await session.commit()
    hidden = await client.get(
        "/workload/published", params={"month": MONTH}, headers=auth(other_admin)
    )
    assert_problem(hidden, 404, "workload.not_published")
    future = (TODAY.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    early = await client.post(f"/workload/{future}/publish", headers=auth(campus.admin))
    assert_problem(early, 422, "workload.month_not_started")
    bad = await client.post("/workload/2026-13/publish", headers=auth(campus.admin))
    assert_problem(bad, 422, "validation.invalid")


async def test_staff_whose_work_came_after_publication_are_listed_as_corrections(
    client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    campus = scene.campus
    await client.post(f"/workload/{MONTH}/publish", headers=auth(campus.admin))
    newcomer = await create_user(session, roles=[Role.DUTY], school=campus.school, name="新值班")
    session.add(
        DutyShift(
            school_id=campus.school.id,
            date=DAY1,
            start_time=time(15, 0),
            end_time=time(16, 0),
            staff_id=newcomer.id,
            post="patrol",
        )
    )
    await session.commit()
    response = await client.get(
        "/workload/published", params={"month": MONTH}, headers=auth(campus.admin)
    )
    line = by_staff(response.json())[str(newcomer.id)]
    assert (line["sessions"], line["duty_minutes"], line["pay_fen"]) == (0, 0, 0)
    assert line["correction"] == {
        "sessions": 0,
        "session_minutes": 0,
        "overtime_minutes": 0,
        "duty_minutes": 60,
        "pay_fen": 4000,
    }
