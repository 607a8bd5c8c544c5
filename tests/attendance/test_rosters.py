"""GET /rosters: who a group expects on a day, with each child's status, and who may look."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.attendance.models import RollCallMark
from app.attendance.roster import roster_select
from app.attendance.service import RosterEntry, expected_students
from app.auth.models import Role
from app.enrollment.models import EnrollmentStatus
from tests.attendance.factories import (
    QINGMING,
    TERM_END,
    TERM_START,
    TODAY,
    Campus,
    build_campus,
    create_leave,
)
from tests.factories import (
    auth,
    create_class,
    create_enrollment,
    create_group,
    create_other_school,
    create_slot,
    create_student,
    create_term,
    create_user,
)

WEDNESDAY = TODAY + timedelta(days=1)
SATURDAY = TODAY + timedelta(days=4)


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


async def roster(
    client: httpx.AsyncClient, campus: Campus, day: date | None = None, *, group=None, user=None
) -> list[dict]:
    params = {"group_id": str((group or campus.evening_group).id)}
    if day is not None:
        params["date"] = day.isoformat()
    response = await client.get("/rosters", params=params, headers=auth(user or campus.leader))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def statuses(items: list[dict]) -> dict[str, str]:
    return {item["student_id"]: item["status"] for item in items}


class TestWhoIsOnTheRoster:
    async def test_an_enrolled_child_is_expected_with_name_class_and_slot(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await client.get(
            "/rosters",
            params={"group_id": str(campus.evening_group.id), "date": TODAY.isoformat()},
            headers=auth(campus.leader),
        )
        assert response.status_code == 200
        body = response.json()
        assert body["date"] == TODAY.isoformat()
        assert body["group_id"] == str(campus.evening_group.id)
        assert body["term_id"] == str(campus.term.id)
        assert body["next_cursor"] is None
        [item] = body["items"]
        assert item["student_id"] == str(campus.student.id)
        assert item["name"] == "王小明"
        assert item["class_name"] == "三年级2班"
        assert item["slot_id"] == str(campus.evening.id)
        assert item["group_id"] == str(campus.evening_group.id)
        assert item["status"] == "expected"

    async def test_the_date_defaults_to_today_at_the_school(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await client.get(
            "/rosters",
            params={"group_id": str(campus.evening_group.id)},
            headers=auth(campus.leader),
        )
        assert response.json()["date"] == TODAY.isoformat()
        assert len(response.json()["items"]) == 1

    async def test_closures_and_days_outside_the_term_produce_no_row(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        assert await roster(client, campus, QINGMING) == []
        assert await roster(client, campus, SATURDAY) == []
        assert await roster(client, campus, TERM_START - timedelta(days=1)) == []
        assert await roster(client, campus, TERM_END + timedelta(days=3)) == []
        assert len(await roster(client, campus, QINGMING + timedelta(days=1))) == 1
        assert len(await roster(client, campus, TERM_START)) == 1
        assert len(await roster(client, campus, TERM_END)) == 1  # a Friday, inclusive

    async def test_only_the_childs_chosen_weekdays(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        mwf = await campus.add_child(session, weekdays=[1, 3, 5])
        await session.commit()
        assert str(mwf.id) not in statuses(await roster(client, campus, TODAY))  # Tuesday
        assert str(mwf.id) in statuses(await roster(client, campus, WEDNESDAY))

    async def test_a_weekday_the_term_does_not_serve_has_no_row(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        term = await create_term(
            session, campus.school, start_date=TERM_START, end_date=TERM_END, weekdays=[1, 3]
        )
        slot = await create_slot(session, term)
        school_class = await create_class(session, campus.school)
        group = await create_group(session, slot, classes=[school_class], leader=campus.leader)
        child = await create_student(session, school_class)
        # the enrollment asks for Tuesday too, but the term does not serve it
        await create_enrollment(session, child, term, [slot], weekdays=[1, 2, 3])
        await session.commit()
        assert await roster(client, campus, TODAY, group=group) == []
        assert len(await roster(client, campus, WEDNESDAY, group=group)) == 1

    async def test_on_the_roster_from_the_start_date(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        joiner = await campus.add_child(session, start_date=WEDNESDAY)
        await session.commit()
        assert str(joiner.id) not in statuses(await roster(client, campus, TODAY))
        assert str(joiner.id) in statuses(await roster(client, campus, WEDNESDAY))

    async def test_off_the_roster_from_the_withdrawal_date(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        leaving = await campus.add_child(
            session, status=EnrollmentStatus.WITHDRAWAL_PENDING, end_date=WEDNESDAY
        )
        going = await campus.add_child(
            session, status=EnrollmentStatus.WITHDRAWN, end_date=WEDNESDAY
        )
        await session.commit()
        today = statuses(await roster(client, campus, TODAY))
        # a pending withdrawal and a withdrawal effective later both attend until that date
        assert str(leaving.id) in today
        assert str(going.id) in today
        wednesday = statuses(await roster(client, campus, WEDNESDAY))
        assert str(leaving.id) not in wednesday
        assert str(going.id) not in wednesday

    @pytest.mark.parametrize(
        "status",
        [
            EnrollmentStatus.PENDING_CLASS_REVIEW,
            EnrollmentStatus.PENDING_SCHOOL_REVIEW,
            EnrollmentStatus.WAITLISTED,
            EnrollmentStatus.REJECTED,
            EnrollmentStatus.CANCELLED,
        ],
    )
    async def test_an_enrollment_not_yet_or_no_longer_active_has_no_row(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        campus: Campus,
        status: EnrollmentStatus,
    ) -> None:
        child = await campus.add_child(session, status=status)
        await session.commit()
        assert str(child.id) not in statuses(await roster(client, campus, TODAY))

    async def test_only_the_slots_the_child_chose(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        activity_only = await campus.add_child(session, slots=[campus.activity])
        await session.commit()
        assert str(activity_only.id) not in statuses(await roster(client, campus, TODAY))
        activity = await roster(client, campus, TODAY, group=campus.activity_group)
        assert str(activity_only.id) in statuses(activity)

    async def test_only_children_of_the_classes_feeding_the_group(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        other_class = await create_class(session, campus.school)
        elsewhere = await campus.add_child(session, school_class=other_class)
        await session.commit()
        assert str(elsewhere.id) not in statuses(await roster(client, campus, TODAY))


class TestStatus:
    async def test_leave_for_one_slot_leaves_the_other_slot_expected(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        await create_leave(
            session, campus.student, campus.term, TODAY, WEDNESDAY, slots=[campus.evening]
        )
        await session.commit()
        child = str(campus.student.id)
        assert statuses(await roster(client, campus, TODAY))[child] == "on_leave"
        assert statuses(await roster(client, campus, WEDNESDAY))[child] == "on_leave"
        activity = await roster(client, campus, TODAY, group=campus.activity_group)
        assert statuses(activity)[child] == "expected"
        thursday = WEDNESDAY + timedelta(days=1)
        assert statuses(await roster(client, campus, thursday))[child] == "expected"

    async def test_leave_without_slots_covers_every_slot(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        await create_leave(session, campus.student, campus.term, TODAY, TODAY)
        await session.commit()
        child = str(campus.student.id)
        assert statuses(await roster(client, campus, TODAY))[child] == "on_leave"
        activity = await roster(client, campus, TODAY, group=campus.activity_group)
        assert statuses(activity)[child] == "on_leave"

    @pytest.mark.parametrize("status", ["pending", "rejected", "cancelled"])
    async def test_leave_that_is_not_approved_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus, status: str
    ) -> None:
        await create_leave(session, campus.student, campus.term, TODAY, TODAY, status=status)
        await session.commit()
        assert statuses(await roster(client, campus, TODAY))[str(campus.student.id)] == "expected"

    async def test_a_mark_shows_unless_the_child_is_on_leave(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        other = await campus.add_child(session)
        for child in (campus.student, other):
            session.add(
                RollCallMark(
                    student_id=child.id,
                    slot_id=campus.evening.id,
                    day=TODAY,
                    school_id=campus.school.id,
                    group_id=campus.evening_group.id,
                    status="absent",
                )
            )
        await create_leave(session, other, campus.term, TODAY, TODAY)
        await session.commit()
        found = statuses(await roster(client, campus, TODAY))
        assert found == {str(campus.student.id): "absent", str(other.id): "on_leave"}


class TestWhoMayRead:
    @pytest.mark.parametrize("who", ["leader", "homeroom", "duty", "admin"])
    async def test_staff_linked_to_the_group(
        self, client: httpx.AsyncClient, campus: Campus, who: str
    ) -> None:
        assert len(await roster(client, campus, TODAY, user=getattr(campus, who))) == 1

    async def test_a_teacher_with_no_link_to_the_group_is_refused(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await client.get(
            "/rosters",
            params={"group_id": str(campus.evening_group.id)},
            headers=auth(campus.other_teacher),
        )
        assert response.status_code == 403
        assert response.json()["code"] == "attendance.roster_forbidden"

    async def test_parents_are_refused(self, client: httpx.AsyncClient, campus: Campus) -> None:
        response = await client.get(
            "/rosters",
            params={"group_id": str(campus.evening_group.id)},
            headers=auth(campus.mother),
        )
        assert response.status_code == 403
        assert "items" not in response.json()

    async def test_another_schools_group_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        _, stranger = await create_other_school(session)
        await session.commit()
        response = await client.get(
            "/rosters", params={"group_id": str(campus.evening_group.id)}, headers=auth(stranger)
        )
        assert response.status_code == 404
        assert response.json()["code"] == "attendance.group_not_found"
        assert "王小明" not in response.text

    async def test_without_a_token(self, client: httpx.AsyncClient, campus: Campus) -> None:
        response = await client.get("/rosters", params={"group_id": str(campus.evening_group.id)})
        assert response.status_code == 401

    @pytest.mark.parametrize(
        "params",
        [{}, {"group_id": "not-a-uuid"}, {"date": "2026-02-30"}, {"date": "today"}],
    )
    async def test_bad_query(self, client: httpx.AsyncClient, campus: Campus, params) -> None:
        if "date" in params:
            params = {**params, "group_id": str(campus.evening_group.id)}
        response = await client.get("/rosters", params=params, headers=auth(campus.admin))
        assert response.status_code == 422
        assert response.json()["code"] == "validation.invalid"


class TestScale:
    async def test_one_query_per_roster_whatever_its_size(
        self, client: httpx.AsyncClient, session: AsyncSession, engine: AsyncEngine, campus: Campus
    ) -> None:
        async def statements_for_roster() -> int:
            seen: list[str] = []

            def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
                seen.append(statement)

            event.listen(engine.sync_engine, "before_cursor_execute", count)
            try:
                items = await roster(client, campus, TODAY)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", count)
            assert items
            return len(seen)

        small = await statements_for_roster()
        for _ in range(30):
            child = await campus.add_child(session)
            await create_leave(session, child, campus.term, TODAY, TODAY, status="pending")
        await session.commit()
        assert await statements_for_roster() == small


class TestExpectedStudents:
    async def test_the_whole_school_by_slot_with_status(
        self, session: AsyncSession, campus: Campus
    ) -> None:
        second = await campus.add_child(session, slots=[campus.activity])
        await create_leave(session, second, campus.term, TODAY, TODAY)
        await session.commit()

        everyone = await expected_students(session, campus.school.id, TODAY)
        assert {(e.student_id, e.slot_id, e.status) for e in everyone} == {
            (campus.student.id, campus.activity.id, "expected"),
            (campus.student.id, campus.evening.id, "expected"),
            (second.id, campus.activity.id, "on_leave"),
        }
        evening = await expected_students(session, campus.school.id, TODAY, campus.evening.id)
        assert [e.student_id for e in evening] == [campus.student.id]
        only = await expected_students(session, campus.school.id, TODAY, student_ids=[second.id])
        assert [e.student_id for e in only] == [second.id]
        assert await expected_students(session, campus.school.id, QINGMING) == []

    async def test_another_schools_children_are_not_expected(
        self, session: AsyncSession, campus: Campus
    ) -> None:
        school, _ = await create_other_school(session)
        assert await expected_students(session, school.id, TODAY) == []

    async def test_a_teacher_of_another_role_set(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        # a parent who is also a teacher of the school but unlinked to the group is refused
        both = await create_user(session, roles=[Role.PARENT, Role.TEACHER], school=campus.school)
        await session.commit()
        response = await client.get(
            "/rosters", params={"group_id": str(campus.evening_group.id)}, headers=auth(both)
        )
        assert response.status_code == 403


def test_roster_rows_become_entries_column_by_column() -> None:
    """The service builds an entry from a row by position: the columns are its fields."""
    columns = [c.name for c in roster_select().selected_columns]
    assert columns == [f.name for f in dataclasses.fields(RosterEntry)]
