"""A school with three classes in two grades, families, and a second school next door."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.school.models import School, SchoolClass, Slot, Student, Term
from tests.factories import (
    auth,
    create_class,
    create_parent,
    create_school,
    create_slot,
    create_student,
    create_term,
    create_user,
    link_guardian,
)

# 10:00 in Shanghai on 3 June; the default window runs from the 1st to the 10th. The year is
# far ahead because python-jose also checks a token's expiry against the wall clock (with
# require_exp, whatever verify_exp says), so tokens minted at a frozen past instant fail.
NOW = datetime(2096, 6, 3, 2, 0, tzinfo=UTC)
OPENS = "2096-06-01T08:00:00+08:00"
CLOSES = "2096-06-10T18:00:00+08:00"


@dataclass
class World:
    school: School
    admin: User
    teacher: User
    duty: User
    term: Term
    activity: Slot
    evening: Slot
    c31: SchoolClass  # grade 3
    c32: SchoolClass  # grade 3
    c41: SchoolClass  # grade 4
    ming: Student  # 3-1
    hong: Student  # 3-1
    gang: Student  # 3-2
    li: Student  # 4-1, Ming's sister
    mum: User  # Ming's and Li's mother
    dad: User  # Ming's father
    hong_mum: User
    gang_dad: User
    other_school: School
    other_admin: User
    other_term: Term
    other_parent: User  # a family of the other school
    outsider: User  # a parent with no children


@pytest.fixture
async def world(session: AsyncSession) -> World:
    clock.freeze(NOW)
    school = await create_school(session, name="实验小学")
    admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, name="王校长")
    teacher = await create_user(session, roles=[Role.TEACHER], school=school)
    duty = await create_user(session, roles=[Role.DUTY], school=school)
    term = await create_term(session, school)
    activity = await create_slot(
        session, term, name="课后活动", start=time(15, 30), end=time(16, 30)
    )
    evening = await create_slot(session, term, name="晚托", start=time(16, 30), end=time(18, 0))
    c31 = await create_class(session, school, grade=3, name="三年级1班")
    c32 = await create_class(session, school, grade=3, name="三年级2班")
    c41 = await create_class(session, school, grade=4, name="四年级1班")
    ming = await create_student(session, c31, name="李明")
    hong = await create_student(session, c31, name="张红")
    gang = await create_student(session, c32, name="王刚")
    li = await create_student(session, c41, name="李丽")
    mum = await create_parent(session, ming, li, name="明明妈妈")
    dad = await create_parent(session, relationship="父亲", name="明明爸爸")
    await link_guardian(session, dad, ming, relationship="父亲")
    hong_mum = await create_parent(session, hong, name="红红妈妈")
    gang_dad = await create_parent(session, gang, relationship="父亲", name="刚刚爸爸")

    other_school = await create_school(session, name="第二小学")
    other_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other_school)
    other_term = await create_term(session, other_school)
    other_class = await create_class(session, other_school, grade=3, name="三年级1班")
    other_parent = await create_parent(session, await create_student(session, other_class))
    outsider = await create_user(session, roles=[Role.PARENT])
    await session.commit()
    return World(
        school=school,
        admin=admin,
        teacher=teacher,
        duty=duty,
        term=term,
        activity=activity,
        evening=evening,
        c31=c31,
        c32=c32,
        c41=c41,
        ming=ming,
        hong=hong,
        gang=gang,
        li=li,
        mum=mum,
        dad=dad,
        hong_mum=hong_mum,
        gang_dad=gang_dad,
        other_school=other_school,
        other_admin=other_admin,
        other_term=other_term,
        other_parent=other_parent,
        outsider=outsider,
    )


def survey_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "三年级课后服务意愿",
        "term_id": str(world.term.id),
        "audience": {"grades": [3], "class_ids": None},
        "questions": [
            {"id": "join", "kind": "single", "prompt": "是否参加？", "options": ["参加", "不参加"]},
            {
                "id": "days",
                "kind": "multi",
                "prompt": "每周哪几天？",
                "options": ["周一", "周三", "周五"],
                "required": False,
            },
            {"id": "note", "kind": "text", "prompt": "建议", "required": False},
        ],
        "opens_at": OPENS,
        "closes_at": CLOSES,
    }
    body.update(overrides)
    return body


async def create_survey(client: httpx.AsyncClient, world: World, **overrides: Any) -> dict:
    response = await client.post(
        "/surveys", json=survey_body(world, **overrides), headers=auth(world.admin)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def publish_survey(client: httpx.AsyncClient, world: World, **overrides: Any) -> dict:
    survey = await create_survey(client, world, **overrides)
    response = await client.post(f"/surveys/{survey['id']}/publish", headers=auth(world.admin))
    assert response.status_code == 200, response.text
    return response.json()


async def answer(
    client: httpx.AsyncClient, parent: User, survey: dict, student: Student, **answers: Any
) -> httpx.Response:
    return await client.post(
        f"/surveys/{survey['id']}/responses",
        json={"student_id": str(student.id), "answers": answers},
        headers=auth(parent),
    )


def assert_problem(
    response: httpx.Response, status: int, code: str, *, field: str | None = None
) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body
