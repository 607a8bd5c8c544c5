"""GET /audit-events: a school admin reads who did what, when and from where."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.school.models import School
from tests.factories import auth, create_school, create_user


@pytest.fixture
async def school(session: AsyncSession) -> School:
    school = await create_school(session, name="实验小学")
    await session.commit()
    return school


@pytest.fixture
async def admin(session: AsyncSession, school: School) -> User:
    user = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, name="教务处")
    await session.commit()
    return user


async def _rename(client: httpx.AsyncClient, admin: User, name: str) -> None:
    response = await client.patch(
        "/school", json={"name": name}, headers={**auth(admin), "User-Agent": "kehou-admin"}
    )
    assert response.status_code == 200, response.text


async def test_admin_sees_who_did_what_when_and_from_where(
    client: httpx.AsyncClient, admin: User, school: School
) -> None:
    await _rename(client, admin, "实验小学（东校区）")
    response = await client.get(
        "/audit-events", params={"object_type": "school"}, headers=auth(admin)
    )
    assert response.status_code == 200
    (event,) = response.json()["items"]
    assert event["object_id"] == str(school.id)
    assert event["actor_id"] == str(admin.id)
    assert event["actor_name"] == "教务处"
    assert event["ip"] == "127.0.0.1"
    assert event["user_agent"] == "kehou-admin"
    assert event["created_at"].endswith("+00:00") or event["created_at"].endswith("Z")


async def test_filters_and_pages_newest_first(
    client: httpx.AsyncClient, admin: User, school: School
) -> None:
    for name in ("一", "二", "三"):
        await _rename(client, admin, f"实验小学{name}")
    first = await client.get(
        "/audit-events",
        params={"object_id": str(school.id), "limit": 2},
        headers=auth(admin),
    )
    body = first.json()
    assert len(body["items"]) == 2
    assert body["next_cursor"]
    rest = await client.get(
        "/audit-events",
        params={"object_id": str(school.id), "limit": 2, "cursor": body["next_cursor"]},
        headers=auth(admin),
    )
    items = body["items"] + rest.json()["items"]
    assert len(items) == 3
    stamps = [e["created_at"] for e in items]
    assert stamps == sorted(stamps, reverse=True)
    nothing = await client.get(
        "/audit-events", params={"action": "no.such.action"}, headers=auth(admin)
    )
    assert nothing.json()["items"] == []


async def test_another_schools_admin_sees_none_of_it(
    client: httpx.AsyncClient, session: AsyncSession, admin: User, school: School
) -> None:
    await _rename(client, admin, "实验小学二")
    other_school = await create_school(session)
    other = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other_school)
    await session.commit()
    response = await client.get(
        "/audit-events", params={"object_id": str(school.id)}, headers=auth(other)
    )
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("role", [Role.TEACHER, Role.DUTY, Role.PARENT])
async def test_other_roles_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, school: School, role: Role
) -> None:
    user = await create_user(session, roles=[role], school=None if role is Role.PARENT else school)
    await session.commit()
    response = await client.get("/audit-events", headers=auth(user))
    assert response.status_code == 403
    assert response.json()["code"] == "auth.forbidden"


async def test_the_district_finds_no_school_records(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A school's trail names children and families: the district gets 404 (API.md)."""
    user = await create_user(session, roles=[Role.DISTRICT_ADMIN])
    await session.commit()
    response = await client.get("/audit-events", headers=auth(user))
    assert response.status_code == 404


async def test_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/audit-events")).status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"object_id": "not-a-uuid"}, {"limit": 201}, {"cursor": "forged"}, {"action": "x" * 65}],
)
async def test_bad_filters_are_422(
    client: httpx.AsyncClient, admin: User, params: dict[str, object]
) -> None:
    response = await client.get("/audit-events", params=params, headers=auth(admin))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
