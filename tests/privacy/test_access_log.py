"""Staff reads of a child's record are logged; GET /students/{id}/access-log shows them."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import StudentRecordRead
from app.core import clock
from app.pickup.models import Handover
from tests.factories import auth, create_other_school
from tests.pickup.factories import TODAY, add_child, add_group, build_gate


async def _reads(session: AsyncSession) -> list[StudentRecordRead]:
    session.expire_all()
    return list((await session.scalars(select(StudentRecordRead))).all())


async def test_a_staff_read_is_logged_and_shown_to_the_admin(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    child, teacher_id = gate.child, gate.teacher.id

    read = await client.get(f"/students/{child.id}", headers=auth(gate.teacher))
    assert read.status_code == 200

    log = await client.get(f"/students/{child.id}/access-log", headers=auth(gate.admin))
    assert log.status_code == 200, log.text
    [entry] = log.json()["items"]
    assert entry["actor_id"] == str(teacher_id)
    assert entry["actor_name"] == "赵老师"
    assert entry["endpoint"] == "GET /students/{id}"
    assert entry["children_read"] == 1
    assert entry["read_at"].startswith(TODAY.isoformat())


async def test_a_parent_reading_their_own_child_is_not_logged(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    assert (await client.get(f"/students/{gate.child.id}", headers=auth(gate.mother))).is_success
    assert (
        await client.get(f"/students/{gate.child.id}/pickup-persons", headers=auth(gate.mother))
    ).is_success
    assert await _reads(session) == []


async def test_a_roster_is_one_row_naming_every_child(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session, commit=False)
    second = await add_child(session, gate)
    group = await add_group(session, gate, gate.activity)
    await session.commit()
    expected = {gate.child.id, second.id}

    roster = await client.get(
        "/rosters",
        params={"group_id": str(group.id), "date": TODAY.isoformat()},
        headers=auth(gate.teacher),
    )

    assert roster.status_code == 200, roster.text
    [row] = await _reads(session)
    assert row.endpoint == "GET /rosters"
    assert set(row.student_ids) == expected and len(row.student_ids) == 2


async def test_lists_log_their_page_once(client: httpx.AsyncClient, session: AsyncSession) -> None:
    gate = await build_gate(session, commit=False)
    second = await add_child(session, gate)
    await session.commit()
    child_id = gate.child.id
    ids = {child_id, second.id}
    admin = auth(gate.admin)

    for path in ("/students", "/enrollments", f"/students/{child_id}/guardians"):
        assert (await client.get(path, headers=admin)).status_code == 200, path

    reads = {r.endpoint: set(r.student_ids) for r in await _reads(session)}
    assert reads == {
        "GET /students": ids,
        "GET /enrollments": ids,
        "GET /students/{id}/guardians": {child_id},
    }


async def test_only_the_childs_admin_may_read_the_log(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session, commit=False)
    _, other_admin = await create_other_school(session)
    await session.commit()
    path = f"/students/{gate.child.id}/access-log"
    assert (await client.get(f"/students/{gate.child.id}", headers=auth(gate.duty))).is_success

    for refused in (gate.teacher, gate.duty, gate.mother):
        response = await client.get(path, headers=auth(refused))
        assert response.status_code == 403, refused.name
    stranger = await client.get(path, headers=auth(other_admin))
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "student.not_found"
    assert "李值班" not in stranger.text
    unknown = await client.get(f"/students/{uuid.uuid4()}/access-log", headers=auth(gate.admin))
    assert unknown.status_code == 404
    assert (await client.get(path)).status_code == 401


async def test_bad_input_is_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    gate = await build_gate(session)
    admin = auth(gate.admin)
    for path in (
        "/students/not-a-uuid/access-log",
        f"/students/{gate.child.id}/access-log?cursor=forged",
        f"/students/{gate.child.id}/access-log?limit=0",
    ):
        response = await client.get(path, headers=admin)
        assert response.status_code == 422, path
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_log_pages_newest_first(client: httpx.AsyncClient, session: AsyncSession) -> None:
    gate = await build_gate(session)
    child = gate.child
    for staff in (gate.teacher, gate.duty):
        assert (await client.get(f"/students/{child.id}", headers=auth(staff))).is_success
    admin = auth(gate.admin)
    path = f"/students/{child.id}/access-log"

    first = (await client.get(path, params={"limit": 1}, headers=admin)).json()
    second = (
        await client.get(path, params={"limit": 1, "cursor": first["next_cursor"]}, headers=admin)
    ).json()

    names = [first["items"][0]["actor_name"], second["items"][0]["actor_name"]]
    assert sorted(names) == ["李值班", "赵老师"]
    assert second["next_cursor"] is None


async def test_the_childs_own_records_are_logged_for_staff(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session, commit=False)
    handover = Handover(
        school_id=gate.school.id,
        student_id=gate.child.id,
        date=TODAY,
        kind="picked_up",
        picked_up_at=clock.now(),
        adult_name="张妈妈",
        confirmed_by_name="李值班",
    )
    session.add(handover)
    await session.commit()
    child_id, duty = gate.child.id, auth(gate.duty)

    for path in (
        f"/students/{child_id}/pickup-persons",
        f"/students/{child_id}/blocked-adults",
        f"/pickups/{handover.id}",
    ):
        assert (await client.get(path, headers=duty)).status_code == 200, path
    assert (await client.get("/leave-requests", headers=auth(gate.admin))).status_code == 200

    reads = sorted((r.endpoint, tuple(r.student_ids)) for r in await _reads(session))
    assert reads == [
        ("GET /pickups/{id}", (child_id,)),
        ("GET /students/{id}/blocked-adults", (child_id,)),
        ("GET /students/{id}/pickup-persons", (child_id,)),
    ]  # an empty list of leave requests names no child: nothing to log
