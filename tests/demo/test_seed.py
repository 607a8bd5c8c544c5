"""The demo school: seeded once, through the services, with every role able to log in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core import clock
from app.core.audit import AuditEvent
from app.core.errors import Conflict
from app.demo import banner, cast, seed_demo
from app.demo.seed import DemoSchool
from app.school.models import Group, GroupClass, Guardian, School, Slot, Student
from tests.factories import create_school, create_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = datetime(2026, 11, 26, 15, 40, tzinfo=SHANGHAI)


def _start_clock_at(moment: datetime) -> None:
    clock.advance(moment - datetime.now(UTC))


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/auth/login", json={"username": username, "password": cast.PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _rows(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for model in (School, User, Student, Guardian, AuditEvent):
        counts[model.__name__] = await session.scalar(select(func.count()).select_from(model))
    return counts


async def test_the_demo_school_is_the_one_the_readme_describes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _start_clock_at(THURSDAY)

    demo = await seed_demo()

    assert demo.created and demo.name == cast.SCHOOL_NAME
    assert (demo.students, demo.classes) == (120, 6)
    assert demo.enrollments == {
        "active": 89,
        "pending_class_review": 12,
        "pending_school_review": 6,
        "waitlisted": 4,
        "withdrawn": 2,
    }
    assert demo.service_day and demo.today == THURSDAY.date()
    assert demo.term_start <= demo.today <= demo.term_end
    roles = {}
    for login in cast.LOGINS:
        me = (await client.get("/me", headers=await _login(client, login.username))).json()
        roles[login.username] = me["roles"]
    assert roles == {login.username: [login.role] for login in cast.LOGINS}

    admin = await _login(client, cast.ADMIN.username)
    classes = (await client.get("/classes", headers=admin)).json()["items"]
    assert [(c["name"], c["grade"]) for c in classes] == [(c.name, c.grade) for c in cast.CLASSES]
    assert all(c["homeroom_teacher_id"] for c in classes)
    term = (await client.get("/terms", headers=admin)).json()["items"][0]
    assert term["weekdays"] == [1, 2, 3, 4, 5]
    assert term["closures"] and demo.today.isoformat() not in term["closures"]
    assert "安全责任书" in term["agreement_text"]
    slots = (await client.get(f"/slots?term_id={term['id']}", headers=admin)).json()["items"]
    assert [(s["name"], s["start_time"], s["end_time"]) for s in slots] == [
        ("课后活动", "15:30", "16:30"),
        ("晚托", "16:30", "18:00"),
    ]


async def test_the_services_kept_their_rules(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _start_clock_at(THURSDAY)
    demo = await seed_demo()
    admin = await _login(client, cast.ADMIN.username)

    # 晚托 is exactly full, and its waitlist is in the order of the priority flags.
    evening = await session.scalar(select(Slot).where(Slot.name == cast.EVENING))
    assert evening is not None and evening.capacity == 38
    waitlisted = (await client.get("/enrollments?status=waitlisted", headers=admin)).json()["items"]
    assert len(waitlisted) == 4
    # Every class feeds one group per slot, each group has a leader.
    # (counted in the demo school: the demo district's other school has groups too)
    assert (
        await session.scalar(
            select(func.count())
            .select_from(GroupClass)
            .join(Group, Group.id == GroupClass.group_id)
            .where(Group.school_id == demo.school_id)
        )
        == 12
    )
    assert await session.scalar(select(func.count()).where(Group.leader_id.is_(None))) == 0
    # Each active enrollment went through both reviews, and its trail says so.
    active = (await client.get("/enrollments?status=active&limit=1", headers=admin)).json()
    enrollment = active["items"][0]
    assert [r["stage"] for r in enrollment["reviews"]] == ["class", "school"]
    events = (await client.get(f"/enrollments/{enrollment['id']}/events", headers=admin)).json()[
        "items"
    ]
    assert [e["action"] for e in events] == [
        "enrollment.applied",
        "enrollment.reviewed",
        "enrollment.reviewed",
    ]
    # The family heard of each decision on 陈思琪's application, the survey and the notice.
    parent = await _login(client, cast.LIN_JING.phone)
    inbox = (await client.get("/notifications", headers=parent)).json()["items"]
    assert {n["kind"] for n in inbox} == {
        "enrollment.decided",
        "survey.published",
        "announcement.published",
    }
    # Some guardians are two to a child; every child has at least one.
    links = await session.execute(
        select(Guardian.student_id, func.count())
        .join(Student, Student.id == Guardian.student_id)
        .where(Student.school_id == demo.school_id)
        .group_by(Guardian.student_id)
    )
    per_child = [n for _, n in links.all()]
    assert len(per_child) == 120 and max(per_child) == 2
    # A pending leave for 张老师, a pickup person for 林静's children, an open survey.
    teacher = await _login(client, "teacher.zhang")
    pending = (await client.get("/leave-requests?status=pending", headers=teacher)).json()
    assert [(r["student_name"], r["kind"]) for r in pending["items"]] == [
        ("刘子涵", "early_pickup")
    ]
    # ...which is in 张老师's work queue, beside the applications she reviewed.
    queue = (await client.get("/notifications", headers=teacher)).json()["items"]
    assert "待审核：刘子涵的请假申请" in [
        n["title"] for n in queue if n["kind"] == "review.pending"
    ]
    # The office's notice: a third of the families acknowledged it, the rest are listed.
    notices = (await client.get("/announcements", headers=admin)).json()["items"]
    assert [n["title"] for n in notices] == ["关于冬季课后服务安全事项的告家长书"]
    receipts = (
        await client.get(f"/announcements/{notices[0]['id']}/receipts", headers=admin)
    ).json()
    assert receipts["audience"] == 120
    assert 0 < receipts["acknowledged"] < receipts["read"] < receipts["audience"]
    assert len(receipts["pending"]) == receipts["audience"] - receipts["acknowledged"]
    me = (await client.get("/me", headers=parent)).json()
    persons = (
        await client.get(f"/students/{me['children'][0]['id']}/pickup-persons", headers=parent)
    ).json()["items"]
    assert [(p["name"], p["relationship"]) for p in persons] == [("林建国", "外公")]
    surveys = (await client.get("/surveys", headers=parent)).json()["items"]
    assert [(s["title"], s["accepting_responses"], s["answered"]) for s in surveys] == [
        ("下学期课后服务意愿调查", True, False)
    ]
    results = (await client.get(f"/surveys/{surveys[0]['id']}/results", headers=admin)).json()
    assert results["audience_count"] == 120 and results["response_count"] == 30
    # A child who moved away is archived: kept for the records, off the list unless asked.
    listed = (await client.get("/students?limit=200", headers=admin)).json()["items"]
    everyone = (
        await client.get("/students?limit=200&include_archived=true", headers=admin)
    ).json()["items"]
    assert (len(listed), len(everyone)) == (119, 120)
    (archived,) = [s for s in everyone if s["archived_at"]]
    assert archived["class_name"] == cast.CLASSES[-1].name


async def test_a_second_start_finds_the_school_and_changes_nothing(
    session: AsyncSession,
) -> None:
    _start_clock_at(THURSDAY)
    first = await seed_demo()
    before = await _rows(session)

    again = await seed_demo()

    assert not again.created
    assert again.school_id == first.school_id
    assert again.enrollments == first.enrollments
    assert await _rows(session) == before


async def test_two_servers_starting_at_once_seed_one_school(session: AsyncSession) -> None:
    _start_clock_at(THURSDAY)

    demos = await asyncio.gather(seed_demo(), seed_demo())

    assert sorted(d.created for d in demos) == [False, True]
    assert demos[0].school_id == demos[1].school_id
    # the demo school and the second school of the demo district
    assert await session.scalar(select(func.count()).select_from(School)) == 2


async def test_a_seed_that_cannot_finish_leaves_nothing_behind(session: AsyncSession) -> None:
    school = await create_school(session, name="第一实验小学")
    await create_user(session, roles=[Role.SCHOOL_ADMIN], school=school, username="admin")
    await session.commit()
    before = await _rows(session)

    with pytest.raises(Conflict):
        await seed_demo()

    assert await _rows(session) == before


async def test_a_later_day_off_is_pointed_out(session: AsyncSession) -> None:
    _start_clock_at(THURSDAY)
    await seed_demo()

    clock.advance(timedelta(days=3))  # Sunday
    demo = await seed_demo()

    assert not demo.service_day
    printed = banner(demo, "http://127.0.0.1:8000/docs", reset_hint="rm -rf .kehou")
    assert "2026-11-29 (Sun), is NOT a service day" in printed
    assert "rm -rf .kehou" in printed


def _demo(**changes: object) -> DemoSchool:
    values: dict[str, object] = {
        "school_id": "00000000-0000-0000-0000-000000000001",
        "name": cast.SCHOOL_NAME,
        "created": True,
        "today": THURSDAY.date(),
        "term_name": "2026—2027学年第一学期",
        "term_start": THURSDAY.date().replace(month=9, day=1),
        "term_end": THURSDAY.date().replace(year=2027, month=1, day=22),
        "term_weekdays": [1, 2, 3, 4, 5],
        "service_day": True,
        "students": 120,
        "classes": 6,
        "enrollments": {"waitlisted": 4, "active": 89},
        **changes,
    }
    return DemoSchool(**values)  # type: ignore[arg-type]


def test_the_banner_gives_the_docs_and_a_login_for_each_role() -> None:
    printed = banner(_demo(), "http://127.0.0.1:8000/docs", reset_hint="rm -rf .kehou")

    assert "http://127.0.0.1:8000/docs" in printed
    assert cast.PASSWORD in printed
    assert "Mon–Fri; today, 2026-11-26 (Thu), is a service day" in printed
    assert "enrollments: 89 active, 4 waitlisted" in printed
    rows = [line.split() for line in printed.splitlines() if line.startswith("  ")]
    logins = {row[0]: row[1] for row in rows if len(row) > 1}
    assert {login.username: login.role for login in cast.LOGINS}.items() <= logins.items()
    assert {r.value for r in (Role.SCHOOL_ADMIN, Role.TEACHER, Role.DUTY, Role.PARENT)} <= set(
        logins.values()
    )


def test_the_banner_columns_line_up_with_chinese_names() -> None:
    printed = banner(_demo(), "http://127.0.0.1:8000/docs", reset_hint="")
    table = [line for line in printed.splitlines() if line.startswith("  ")][
        -len(cast.LOGINS) - 1 :
    ]

    def column_of(line: str, text: str) -> int:
        before = line[: line.index(text)]
        return sum(2 if "\u4e00" <= c <= "\u9fff" or c in "（）、，" else 1 for c in before)

    starts = {
        column_of(line, login.to_try) for line, login in zip(table[1:], cast.LOGINS, strict=True)
    }
    assert len(starts) == 1
