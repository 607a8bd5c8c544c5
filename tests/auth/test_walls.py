"""The walls: a family sees only its own children, a school only its own people.

The sweeps walk every route of the application that takes an id in its path, so each
endpoint merged later is held to the same rule: another family's child or another
school's record answers 403 (role wall) or 404, and never its data.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.main import API_PREFIX, app
from app.school.models import Student
from tests.auth.factories import create_binding_code
from tests.factories import (
    auth,
    create_class,
    create_school,
    create_student,
    create_user,
    link_guardian,
)

_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


@dataclass
class Families:
    parent_a: User
    child_a: Student
    parent_b: User
    child_b: Student
    teacher_x: User
    admin_y: User
    secrets: tuple[str, ...]  # what must never show in an answer to the wrong caller


@pytest.fixture
async def families(session: AsyncSession) -> Families:
    # Worst case: both children in the same school and class.
    school_x = await create_school(session, name="甲小学")
    school_class = await create_class(session, school_x, name="一年级1班")
    child_a = await create_student(session, school_class, name="甲同学")
    child_b = await create_student(session, school_class, name="乙同学")
    parent_a = await create_user(session, roles=[Role.PARENT], name="甲家长")
    parent_b = await create_user(session, roles=[Role.PARENT], name="乙家长", phone="13911112222")
    await link_guardian(session, parent_a, child_a)
    await link_guardian(session, parent_b, child_b)
    teacher_x = await create_user(session, roles=[Role.TEACHER], school=school_x, name="甲校老师")
    code_b = await create_binding_code(session, child_b)
    school_y = await create_school(session, name="乙小学")
    admin_y = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school_y)
    await session.commit()
    return Families(
        parent_a=parent_a,
        child_a=child_a,
        parent_b=parent_b,
        child_b=child_b,
        teacher_x=teacher_x,
        admin_y=admin_y,
        secrets=(
            "乙同学",
            child_b.student_no,
            "乙家长",
            "13911112222",
            "甲校老师",
            teacher_x.username or "",
            code_b.code,
        ),
    )


def _routes_with_ids() -> list[tuple[str, str, list[str]]]:
    """(method, path, path parameters) of every documented route that takes one."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        params = _PARAM.findall(path)
        if params and path.startswith(API_PREFIX):
            for method in sorted(operations):
                found.append((method.upper(), path.removeprefix(API_PREFIX), params))
    return found


async def _sweep(
    client: httpx.AsyncClient, caller: User, ids: list[uuid.UUID], secrets: tuple[str, ...]
) -> int:
    """Call every id-taking route with every combination of ``ids``; return calls made."""
    calls = 0
    for method, path, params in _routes_with_ids():
        for combination in itertools.product(ids, repeat=len(params)):
            url = path
            for param, value in zip(params, combination, strict=True):
                url = re.sub(r"{" + re.escape(param) + r"(?::[^}]*)?}", str(value), url, count=1)
            with_body = method in {"POST", "PUT", "PATCH"}
            response = await client.request(
                method, url, headers=auth(caller), json={} if with_body else None
            )
            calls += 1
            # An empty body may be refused (422) before the object is looked up: that says
            # nothing about the object. Anything else must be the role wall or 404.
            allowed = {403, 404, 422} if with_body else {403, 404}
            assert response.status_code in allowed, (method, url, response.text)
            for secret in secrets:
                assert secret not in response.text, (method, url, secret)
    return calls


async def test_a_parent_sees_only_their_own_children(
    client: httpx.AsyncClient, families: Families
) -> None:
    response = await client.get("/me", headers=auth(families.parent_a))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["children"]] == [str(families.child_a.id)]
    for secret in families.secrets:
        assert secret not in response.text


async def test_a_parent_cannot_reach_another_familys_child_by_any_id(
    client: httpx.AsyncClient, families: Families
) -> None:
    ids = [families.child_b.id, families.parent_b.id, families.teacher_x.id]
    calls = await _sweep(client, families.parent_a, ids, families.secrets)
    assert calls > 0  # the sweep saw at least the routes of this branch


async def test_another_schools_admin_cannot_reach_this_schools_records(
    client: httpx.AsyncClient, families: Families
) -> None:
    ids = [families.child_b.id, families.teacher_x.id, families.parent_b.id]
    calls = await _sweep(client, families.admin_y, ids, families.secrets)
    assert calls > 0
    # and for the staff routes of this branch the answer is specifically 404
    for target in (families.teacher_x.id, families.parent_b.id):
        response = await client.get(f"/staff/{target}", headers=auth(families.admin_y))
        assert response.status_code == 404
        assert response.json()["code"] == "staff.not_found"


async def test_another_schools_staff_list_is_not_shown(
    client: httpx.AsyncClient, families: Families
) -> None:
    response = await client.get("/staff", headers=auth(families.admin_y))
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [str(families.admin_y.id)]
    for secret in families.secrets:
        assert secret not in response.text
