"""Students (number unique per school, flags), guardians per student, and binding codes."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.audit import AuditEvent
from app.school.binding_codes import ALPHABET
from app.school.models import BindingCode, Guardian, Student
from tests.core.test_problems import assert_problem
from tests.factories import (
    create_class,
    create_enrollment,
    create_student,
    create_term,
    link_guardian,
    random_id,
)
from tests.school.conftest import NOT_ADMINS, Cast


class TestCreateStudent:
    async def test_admin_adds_a_student_with_priority_flags(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school_class = await create_class(session, cast.school, name="三年级2班")
        await session.commit()
        body = {
            "name": "王小明",
            "student_no": "2023001",
            "class_id": str(school_class.id),
            "priority": ["left_behind", "low_income", "left_behind"],
        }
        response = await client.post("/students", json=body, headers=cast.headers("admin"))
        assert response.status_code == 201
        created = response.json()
        assert created["class_name"] == "三年级2班"
        assert created["priority"] == ["left_behind", "low_income"]
        student = await session.get(Student, created["id"])
        assert student is not None and student.school_id == cast.school.id
        event = await session.scalar(select(AuditEvent).where(AuditEvent.object_id == student.id))
        assert event is not None and event.action == "student.created"

    async def test_student_numbers_are_unique_per_school(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        mine = await create_class(session, cast.school)
        theirs = await create_class(session, cast.other_school)
        await create_student(session, mine, student_no="2023001")
        await session.commit()
        body = {"name": "李雷", "student_no": "2023001", "class_id": str(mine.id)}
        problem = assert_problem(
            await client.post("/students", json=body, headers=cast.headers("admin")),
            409,
            "student.no_taken",
        )
        assert "2023001" in problem["detail"]
        other = {**body, "class_id": str(theirs.id)}
        assert (
            await client.post("/students", json=other, headers=cast.headers("other_admin"))
        ).status_code == 201

    async def test_two_students_with_one_number_at_once_leave_one(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school_class = await create_class(session, cast.school)
        await session.commit()
        body = {"name": "李雷", "student_no": "2023009", "class_id": str(school_class.id)}
        headers = cast.headers("admin")
        responses = await asyncio.gather(
            client.post("/students", json=body, headers=headers),
            client.post("/students", json={**body, "name": "韩梅梅"}, headers=headers),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        assert await session.scalar(select(func.count()).select_from(Student)) == 1

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"priority": ["vip"]}, "priority.0"),
            ({"priority": "left_behind"}, "priority"),
            ({"student_no": ""}, "student_no"),
            ({"student_no": "2023 001"}, "student_no"),
            ({"student_no": "1" * 33}, "student_no"),
            ({"name": ""}, "name"),
            ({"name": "名" * 65}, "name"),
            ({"class_id": "3-2"}, "class_id"),
            ({"guardian": "x"}, "guardian"),
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession, change: dict, field: str
    ) -> None:
        school_class = await create_class(session, cast.school)
        await session.commit()
        body = {"name": "李雷", "student_no": "2023001", "class_id": str(school_class.id), **change}
        problem = assert_problem(
            await client.post("/students", json=body, headers=cast.headers("admin")),
            422,
            "validation.invalid",
        )
        assert field in {e["field"] for e in problem["errors"]}

    async def test_the_class_must_be_of_the_school(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        foreign = await create_class(session, cast.other_school)
        await session.commit()
        for class_id in (str(foreign.id), random_id()):
            body = {"name": "李雷", "student_no": "1", "class_id": class_id}
            problem = assert_problem(
                await client.post("/students", json=body, headers=cast.headers("admin")),
                422,
                "class.not_found",
            )
            assert problem["errors"][0]["field"] == "class_id"

    @pytest.mark.parametrize("who", NOT_ADMINS)
    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession, who: str
    ) -> None:
        school_class = await create_class(session, cast.school)
        await session.commit()
        body = {"name": "李雷", "student_no": "1", "class_id": str(school_class.id)}
        assert_problem(
            await client.post("/students", json=body, headers=cast.headers(who)),
            403,
            "auth.forbidden",
        )


class TestReadStudents:
    async def test_staff_list_students_of_a_class_by_number(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        a = await create_class(session, cast.school, name="三年级1班")
        b = await create_class(session, cast.school, name="三年级2班")
        for no in ("003", "001", "002"):
            await create_student(session, a, student_no=no)
        await create_student(session, b, student_no="000")
        await create_student(
            session, await create_class(session, cast.other_school), student_no="004"
        )
        await session.commit()
        for who in ("admin", "teacher", "duty"):
            listed = (
                await client.get(f"/students?class_id={a.id}", headers=cast.headers(who))
            ).json()
            assert [s["student_no"] for s in listed["items"]] == ["001", "002", "003"]
            assert {s["class_name"] for s in listed["items"]} == {"三年级1班"}
        everyone = (await client.get("/students?limit=3", headers=cast.headers("admin"))).json()
        assert [s["student_no"] for s in everyone["items"]] == ["000", "001", "002"]
        rest = (
            await client.get(
                f"/students?cursor={everyone['next_cursor']}", headers=cast.headers("admin")
            )
        ).json()
        assert [s["student_no"] for s in rest["items"]] == ["003"] and rest["next_cursor"] is None

    async def test_list_walls(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school_class = await create_class(session, cast.school)
        await create_student(session, school_class)
        await session.commit()
        assert_problem(
            await client.get("/students", headers=cast.headers("parent")), 403, "auth.forbidden"
        )
        other = cast.headers("other_admin")
        assert (await client.get("/students", headers=other)).json()["items"] == []
        problem = assert_problem(
            await client.get(f"/students?class_id={school_class.id}", headers=other),
            422,
            "class.not_found",
        )
        assert problem["errors"][0]["field"] == "class_id"
        assert_problem(
            await client.get("/students?limit=0", headers=cast.headers("admin")),
            422,
            "validation.invalid",
        )

    async def test_staff_and_the_childs_guardians_read_a_student(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        student = await create_student(
            session, await create_class(session, cast.school), name="王小明"
        )
        await link_guardian(session, cast.parent, student)
        stranger_child = await create_student(session, await create_class(session, cast.school))
        await session.commit()
        for who in ("admin", "teacher", "duty", "parent"):
            response = await client.get(f"/students/{student.id}", headers=cast.headers(who))
            assert response.status_code == 200, who
            assert response.json()["name"] == "王小明"
        # another family's child and another school's staff: 404 with nothing of the child
        for who, target in (
            ("parent", stranger_child),
            ("other_admin", student),
            ("other_teacher", student),
        ):
            response = await client.get(f"/students/{target.id}", headers=cast.headers(who))
            assert_problem(response, 404, "student.not_found")
            assert target.name not in response.text
        assert_problem(
            await client.get(f"/students/{random_id()}", headers=cast.headers("admin")),
            404,
            "student.not_found",
        )


class TestChangeStudent:
    async def test_admin_moves_a_student_and_changes_flags(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        student = await create_student(
            session, await create_class(session, cast.school), student_no="1"
        )
        target = await create_class(session, cast.school, name="四年级1班")
        await create_student(session, target, student_no="2")
        await session.commit()
        url, headers = f"/students/{student.id}", cast.headers("admin")
        response = await client.patch(
            url, json={"class_id": str(target.id), "priority": ["migrant"]}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["class_name"] == "四年级1班" and response.json()["priority"] == [
            "migrant"
        ]
        assert (await client.patch(url, json={"priority": []}, headers=headers)).json()[
            "priority"
        ] == []
        assert_problem(
            await client.patch(url, json={"student_no": "2"}, headers=headers),
            409,
            "student.no_taken",
        )
        assert (
            await client.patch(url, json={"student_no": "1"}, headers=headers)
        ).status_code == 200
        assert_problem(
            await client.patch(url, json={"class_id": random_id()}, headers=headers),
            422,
            "class.not_found",
        )
        assert_problem(
            await client.patch(url, json={"class_id": None}, headers=headers),
            422,
            "validation.invalid",
        )
        event = await session.scalar(
            select(AuditEvent.data)
            .where(AuditEvent.action == "student.updated")
            .order_by(AuditEvent.created_at)
            .limit(1)
        )
        assert event is not None and event["changes"]["class_id"][1] == str(target.id)

    async def test_walls(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        student = await create_student(session, await create_class(session, cast.school))
        await link_guardian(session, cast.parent, student)
        await session.commit()
        url = f"/students/{student.id}"
        for who in NOT_ADMINS:  # the child's own parent included
            headers = cast.headers(who)
            assert_problem(
                await client.patch(url, json={"name": "x"}, headers=headers), 403, "auth.forbidden"
            )
            assert_problem(await client.delete(url, headers=headers), 403, "auth.forbidden")
            assert_problem(
                await client.post(f"{url}/binding-code", headers=headers), 403, "auth.forbidden"
            )
        other = cast.headers("other_admin")
        assert_problem(
            await client.patch(url, json={"name": "x"}, headers=other), 404, "student.not_found"
        )
        assert_problem(await client.delete(url, headers=other), 404, "student.not_found")
        assert_problem(
            await client.post(f"{url}/binding-code", headers=other), 404, "student.not_found"
        )

    async def test_delete_only_a_student_nothing_depends_on(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school_class = await create_class(session, cast.school)
        free = await create_student(session, school_class)
        guarded = await create_student(session, school_class)
        await link_guardian(session, cast.parent, guarded)
        enrolled = await create_student(session, school_class)
        term = await create_term(session, cast.school)
        await create_enrollment(session, enrolled, term, [], weekdays=[1], status="withdrawn")
        await session.commit()
        headers = cast.headers("admin")
        assert_problem(
            await client.delete(f"/students/{guarded.id}", headers=headers),
            409,
            "student.has_guardians",
        )
        assert_problem(
            await client.delete(f"/students/{enrolled.id}", headers=headers),
            409,
            "student.has_enrollments",
        )
        assert (await client.delete(f"/students/{free.id}", headers=headers)).status_code == 204
        assert await session.scalar(select(func.count()).select_from(Student)) == 2


class TestGuardians:
    async def test_staff_list_a_childs_guardians(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        from app.auth.models import Role
        from tests.factories import create_user

        student = await create_student(session, await create_class(session, cast.school))
        father = await create_user(session, roles=[Role.PARENT], name="王爸爸", phone="13900000002")
        await link_guardian(session, cast.parent, student, "妈妈")
        clock.advance(timedelta(seconds=1))
        await link_guardian(session, father, student, "爸爸")
        await session.commit()
        for who in ("admin", "teacher", "duty"):
            response = await client.get(
                f"/students/{student.id}/guardians", headers=cast.headers(who)
            )
            items = response.json()["items"]
            assert [(g["user_id"], g["relationship"]) for g in items] == [
                (str(cast.parent.id), "妈妈"),
                (str(father.id), "爸爸"),
            ]
            assert items[1]["name"] == "王爸爸" and items[1]["phone"] == "13900000002"
        first = (
            await client.get(
                f"/students/{student.id}/guardians?limit=1", headers=cast.headers("admin")
            )
        ).json()
        second = (
            await client.get(
                f"/students/{student.id}/guardians?limit=1&cursor={first['next_cursor']}",
                headers=cast.headers("admin"),
            )
        ).json()
        assert [g["relationship"] for g in first["items"] + second["items"]] == ["妈妈", "爸爸"]

    async def test_walls(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        student = await create_student(session, await create_class(session, cast.school))
        await link_guardian(session, cast.parent, student)
        await session.commit()
        url = f"/students/{student.id}/guardians"
        assert_problem(await client.get(url, headers=cast.headers("parent")), 403, "auth.forbidden")
        for who in ("other_admin", "other_teacher"):
            response = await client.get(url, headers=cast.headers(who))
            assert_problem(response, 404, "student.not_found")
            assert "13800000001" not in response.text

    async def test_admin_unlinks_a_guardian(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        student = await create_student(session, await create_class(session, cast.school))
        await link_guardian(session, cast.parent, student)
        await session.commit()
        url = f"/students/{student.id}/guardians/{cast.parent.id}"
        assert_problem(
            await client.delete(url, headers=cast.headers("teacher")), 403, "auth.forbidden"
        )
        assert_problem(
            await client.delete(url, headers=cast.headers("other_admin")), 404, "student.not_found"
        )
        assert (await client.delete(url, headers=cast.headers("admin"))).status_code == 204
        assert await session.scalar(select(func.count()).select_from(Guardian)) == 0
        assert_problem(
            await client.delete(url, headers=cast.headers("admin")), 404, "guardian.not_found"
        )
        assert (
            await session.scalar(
                select(AuditEvent.action).where(AuditEvent.object_id == student.id)
            )
            == "guardian.unlinked"
        )


class TestBindingCodes:
    async def test_a_new_code_replaces_the_old_one(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        now = clock.now().replace(microsecond=0)
        clock.freeze(now)  # (tokens are checked against the real time: stay near it)
        student = await create_student(session, await create_class(session, cast.school))
        await session.commit()
        url, headers = f"/students/{student.id}/binding-code", cast.headers("admin")
        first = await client.post(url, headers=headers)
        assert first.status_code == 201
        code = first.json()["code"]
        assert len(code) == 8 and set(code) <= set(ALPHABET)
        assert datetime.fromisoformat(first.json()["expires_at"]) == now + timedelta(days=30)
        second = (await client.post(url, headers=headers)).json()["code"]
        assert second != code
        stored = (
            await session.scalars(
                select(BindingCode.code).where(BindingCode.student_id == student.id)
            )
        ).all()
        assert stored == [second]  # the first code no longer exists
        events = (
            await session.scalars(
                select(AuditEvent.data).where(AuditEvent.action == "binding_code.issued")
            )
        ).all()
        assert len(events) == 2 and all(code not in str(e) and second not in str(e) for e in events)

    async def test_codes_are_unambiguous_and_distinct(self) -> None:
        from app.school.binding_codes import generate_code

        codes = {generate_code() for _ in range(2000)}
        assert len(codes) == 2000
        assert not set("".join(codes)) & set("01IO")


def _read_csv(response: httpx.Response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


class TestClassCodeExport:
    async def test_exports_live_codes_issuing_missing_and_expiring_ones(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        now = clock.now().replace(microsecond=0)
        clock.freeze(now)
        school_class = await create_class(session, cast.school, name="三年级2班")
        kept = await create_student(session, school_class, student_no="001", name="王小明")
        expiring = await create_student(
            session, school_class, student_no="002", name="=HYPERLINK(1)"
        )
        missing = await create_student(session, school_class, student_no="003", name="韩梅梅")
        await create_student(session, await create_class(session, cast.school), student_no="004")
        session.add_all(
            [
                BindingCode(
                    student_id=kept.id, code="KEPT2345", expires_at=clock.now() + timedelta(days=20)
                ),
                BindingCode(
                    student_id=expiring.id,
                    code="OLD23456",
                    expires_at=clock.now() + timedelta(days=2),
                ),
            ]
        )
        await session.commit()
        response = await client.get(
            f"/classes/{school_class.id}/binding-codes.csv", headers=cast.headers("admin")
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = _read_csv(response)
        assert [r["学号"] for r in rows] == ["001", "002", "003"]
        assert rows[0]["绑定码"] == "KEPT2345"
        expires = (now + timedelta(days=20)).astimezone(ZoneInfo("Asia/Shanghai"))
        assert rows[0]["有效期至"] == expires.strftime("%Y-%m-%d %H:%M")
        assert rows[1]["绑定码"] != "OLD23456" and rows[1]["姓名"] == "'=HYPERLINK(1)"
        assert rows[2]["班级"] == "三年级2班" and rows[2]["姓名"] == "韩梅梅"
        stored = dict(
            (await session.execute(select(BindingCode.student_id, BindingCode.code))).all()
        )
        assert stored[missing.id] == rows[2]["绑定码"] and stored[expiring.id] == rows[1]["绑定码"]
        # a second export changes nothing
        again = _read_csv(
            await client.get(
                f"/classes/{school_class.id}/binding-codes.csv", headers=cast.headers("admin")
            )
        )
        assert [r["绑定码"] for r in again] == [r["绑定码"] for r in rows]

    async def test_another_schools_class_is_404(
        self, client: httpx.AsyncClient, cast: Cast, session: AsyncSession
    ) -> None:
        school_class = await create_class(session, cast.school)
        await create_student(session, school_class)
        await session.commit()
        response = await client.get(
            f"/classes/{school_class.id}/binding-codes.csv", headers=cast.headers("other_admin")
        )
        assert_problem(response, 404, "class.not_found")
        assert await session.scalar(select(func.count()).select_from(BindingCode)) == 0
