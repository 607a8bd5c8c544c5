"""POST /students/{id}/archive and /unarchive: a child who left is kept, but off the lists."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.audit import AuditEvent
from app.school.models import BindingCode
from tests.enrollment.factories import World, apply, build_world, enrol
from tests.factories import auth, create_group, create_other_school, random_id

# Wednesday 14 October 2026, 10:00 in Shanghai: mid-term.
MID_TERM = datetime(2026, 10, 14, 2, 0, tzinfo=UTC)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    clock.freeze(MID_TERM)
    world = await build_world(session, review="none")
    world.extra["group"] = await create_group(
        session, world.activity, classes=[world.school_class], leader=world.teacher
    )
    await session.commit()
    return world


async def _archive(
    client: httpx.AsyncClient, who: Any, student_id: object, action: str = "archive"
) -> httpx.Response:
    return await client.post(f"/students/{student_id}/{action}", headers=auth(who))


async def _listed(client: httpx.AsyncClient, world: World, **params: str) -> list[str]:
    response = await client.get("/students", params=params, headers=auth(world.admin))
    assert response.status_code == 200
    return [s["id"] for s in response.json()["items"]]


async def _roster(client: httpx.AsyncClient, world: World) -> list[str]:
    response = await client.get(
        "/rosters",
        params={"date": "2026-10-14", "group_id": str(world.extra["group"].id)},
        headers=auth(world.teacher),
    )
    assert response.status_code == 200, response.text
    return [i["student_id"] for i in response.json()["items"]]


async def _codes_export(client: httpx.AsyncClient, world: World, **params: str) -> list[str]:
    response = await client.get(
        f"/classes/{world.school_class.id}/binding-codes.csv",
        params=params,
        headers=auth(world.admin),
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [row[2] for row in rows[1:]]


class TestArchive:
    async def test_a_child_who_left_is_kept_but_off_lists_rosters_and_exports(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        child = world.family.student
        enrollment = await enrol(client, world)
        assert enrollment["status"] == "active"
        await _codes_export(client, world)  # the family's code is live
        stayer = await world.add_family(name="小红")
        await enrol(client, world, stayer)
        assert set(await _roster(client, world)) == {str(child.id), str(stayer.student.id)}

        clock.advance(timedelta(minutes=1))
        response = await _archive(client, world.admin, child.id)
        assert response.status_code == 200, response.text
        assert response.json()["archived_at"] is not None

        assert str(child.id) not in await _listed(client, world)
        assert str(child.id) in await _listed(client, world, include_archived="true")
        read = await client.get(f"/students/{child.id}", headers=auth(world.admin))
        assert read.status_code == 200 and read.json()["archived_at"] is not None
        assert await _roster(client, world) == [str(stayer.student.id)]
        assert await session.get(BindingCode, child.id) is None  # no family links them now
        assert await _codes_export(client, world) == ["小红"]
        assert "小明" in await _codes_export(client, world, include_archived="true")

        ended = await client.get(
            f"/enrollments/{enrollment['id']}", headers=auth(world.family.parent)
        )
        assert ended.json()["status"] == "withdrawn"
        assert ended.json()["end_date"] == "2026-10-14"
        events = await client.get(
            f"/enrollments/{enrollment['id']}/events", headers=auth(world.admin)
        )
        last = events.json()["items"][-1]
        assert last["action"] == "enrollment.ended"
        assert last["data"]["reason"] == "student.archived"
        (archived,) = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "student.archived")
        )
        assert archived.object_id == child.id and archived.actor_id == world.admin.id

        again = await apply(client, world)
        assert again.status_code == 409
        assert again.json()["code"] == "enrollment.student_archived"

    async def test_the_seat_of_a_child_who_left_goes_to_the_waitlist(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        await enrol(client, world)
        waiting_family = await world.add_family()
        clock.advance(timedelta(minutes=1))
        waiting = await enrol(client, world, waiting_family)
        assert waiting["status"] == "waitlisted"
        await _archive(client, world.admin, world.family.student.id)
        read = await client.get(f"/enrollments/{waiting['id']}", headers=auth(world.admin))
        assert read.json()["status"] == "active"

    async def test_a_waiting_application_is_cancelled(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        await enrol(client, world, await world.add_family())
        waiting = await enrol(client, world)
        await _archive(client, world.admin, world.family.student.id)
        read = await client.get(f"/enrollments/{waiting['id']}", headers=auth(world.admin))
        assert read.json()["status"] == "cancelled"

    async def test_archiving_again_changes_nothing_and_unarchive_restores_the_lists(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        child = world.family.student
        enrollment = await enrol(client, world)
        first = (await _archive(client, world.admin, child.id)).json()
        clock.advance(timedelta(hours=1))
        second = await _archive(client, world.admin, child.id)
        assert second.status_code == 200
        assert second.json()["archived_at"] == first["archived_at"]
        events = await session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == child.id)
        )
        assert list(events).count("student.archived") == 1

        restored = await _archive(client, world.admin, child.id, "unarchive")
        assert restored.status_code == 200 and restored.json()["archived_at"] is None
        assert str(child.id) in await _listed(client, world)
        repeat = await _archive(client, world.admin, child.id, "unarchive")
        assert repeat.status_code == 200
        # the enrollment the archiving ended stays ended: the family applies again
        read = await client.get(f"/enrollments/{enrollment['id']}", headers=auth(world.admin))
        assert read.json()["status"] == "withdrawn"
        assert (await apply(client, world)).status_code == 201


class TestWalls:
    @pytest.mark.parametrize("action", ["archive", "unarchive"])
    @pytest.mark.parametrize("role", ["teacher", "duty", "parent"])
    async def test_only_the_schools_admin_archives(
        self, client: httpx.AsyncClient, world: World, action: str, role: str
    ) -> None:
        who = {"teacher": world.teacher, "duty": world.duty, "parent": world.family.parent}[role]
        response = await _archive(client, who, world.family.student.id, action)
        assert response.status_code == 403
        assert str(world.family.student.id) in await _listed(client, world)

    @pytest.mark.parametrize("action", ["archive", "unarchive"])
    async def test_another_schools_child_and_unknown_ids_are_404(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, action: str
    ) -> None:
        _, other_admin = await create_other_school(session)
        await session.commit()
        foreign = await _archive(client, other_admin, world.family.student.id, action)
        assert foreign.status_code == 404
        assert "小明" not in foreign.text
        assert (await _archive(client, world.admin, random_id(), action)).status_code == 404
        assert str(world.family.student.id) in await _listed(client, world)

    async def test_bad_input_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await _archive(client, world.admin, "not-an-id")).status_code == 422
        response = await client.get(
            "/students", params={"include_archived": "perhaps"}, headers=auth(world.admin)
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
