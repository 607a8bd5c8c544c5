"""POST /attendance/roll-calls: marks, the last one winning, absence alerts, walls."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.models import RollCallMark
from app.auth.models import Role, User
from app.core import clock
from app.core.audit import AuditEvent
from app.notifications.models import Notification, OutboxMessage
from app.school.models import Group
from tests.attendance.factories import (
    QINGMING,
    TERM_START,
    TODAY,
    Campus,
    build_campus,
    create_leave,
)
from tests.factories import auth, create_other_school, create_user, give_phone

YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


def body(
    campus: Campus,
    marks: dict[object, str],
    *,
    day: date = TODAY,
    group: Group | None = None,
) -> dict:
    group = group or campus.evening_group
    return {
        "group_id": str(group.id),
        "slot_id": str(group.slot_id),
        "date": day.isoformat(),
        "marks": [{"student_id": str(s.id), "status": status} for s, status in marks.items()],
    }


async def roll_call(
    client: httpx.AsyncClient, payload: dict, user: User, key: str | None = None
) -> httpx.Response:
    headers = auth(user)
    if key:
        headers["Idempotency-Key"] = key
    return await client.post("/attendance/roll-calls", json=payload, headers=headers)


async def absence_alerts(session: AsyncSession) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.kind == "attendance.absent")
    )
    return list(rows)


def statuses(response: httpx.Response) -> dict[str, str]:
    return {item["student_id"]: item["status"] for item in response.json()["items"]}


class TestMarks:
    async def test_marks_answer_with_the_groups_roster(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        unmarked = await campus.add_child(session)
        here = await campus.add_child(session)
        await session.commit()
        response = await roll_call(client, body(campus, {here: "present"}), campus.leader)
        assert response.status_code == 200
        assert response.json()["group_id"] == str(campus.evening_group.id)
        assert response.json()["date"] == TODAY.isoformat()
        assert statuses(response) == {
            str(campus.student.id): "expected",
            str(unmarked.id): "expected",
            str(here.id): "present",
        }

    async def test_the_last_mark_wins_and_the_history_is_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        first = await roll_call(client, body(campus, {campus.student: "absent"}), campus.leader)
        clock.advance(timedelta(minutes=10))  # the child turns up late
        second = await roll_call(client, body(campus, {campus.student: "present"}), campus.admin)
        assert statuses(first)[str(campus.student.id)] == "absent"
        assert statuses(second)[str(campus.student.id)] == "present"

        mark = await session.get_one(RollCallMark, (campus.student.id, campus.evening.id, TODAY))
        assert (mark.status, mark.marked_by) == ("present", campus.admin.id)
        events = list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "attendance.roll_call")
                .order_by(AuditEvent.created_at, AuditEvent.id)
            )
        )
        assert [e.actor_id for e in events] == [campus.leader.id, campus.admin.id]
        assert all(e.object_id == campus.evening_group.id for e in events)
        history = [e.data["marks"] for e in events]
        assert history == [
            [{"student_id": str(campus.student.id), "status": "absent", "previous": None}],
            [{"student_id": str(campus.student.id), "status": "present", "previous": "absent"}],
        ]

    async def test_a_past_day_of_the_term_is_allowed_and_marked_as_catch_up(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        response = await roll_call(
            client, body(campus, {campus.student: "present"}, day=YESTERDAY), campus.leader
        )
        assert response.status_code == 200
        assert response.json()["date"] == YESTERDAY.isoformat()
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "attendance.roll_call")
        )
        assert event is not None
        assert event.data["catch_up"] is True
        assert event.data["date"] == YESTERDAY.isoformat()


class TestAbsenceAlerts:
    async def test_every_guardian_is_told_once_per_child_slot_and_day(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        await give_phone(session, campus.mother, campus.father)
        absent = body(campus, {campus.student: "absent"})
        assert (await roll_call(client, absent, campus.leader)).status_code == 200
        alerts = await absence_alerts(session)
        assert {n.user_id for n in alerts} == {campus.mother.id, campus.father.id}
        assert "王小明" in alerts[0].title
        assert f"{campus.evening.name}点名时" in alerts[0].body
        assert alerts[0].data["slot_id"] == str(campus.evening.id)
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        assert outbox == 2

        # marked again, corrected to present, then absent again: still one alert each
        await roll_call(client, absent, campus.leader)
        await roll_call(client, body(campus, {campus.student: "present"}), campus.leader)
        await roll_call(client, absent, campus.admin)
        assert len(await absence_alerts(session)) == 2

        # another slot the same day is another absence
        activity = body(campus, {campus.student: "absent"}, group=campus.activity_group)
        assert (await roll_call(client, activity, campus.leader)).status_code == 200
        assert len(await absence_alerts(session)) == 4

    async def test_present_children_alarm_nobody(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        await roll_call(client, body(campus, {campus.student: "present"}), campus.leader)
        assert await absence_alerts(session) == []

    async def test_absent_on_approved_leave_stays_on_leave_and_sends_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        await create_leave(
            session, campus.student, campus.term, TODAY, TODAY, slots=[campus.evening]
        )
        await session.commit()
        response = await roll_call(client, body(campus, {campus.student: "absent"}), campus.leader)
        assert response.status_code == 200
        assert statuses(response)[str(campus.student.id)] == "on_leave"
        assert await absence_alerts(session) == []

    async def test_leave_still_pending_does_not_excuse_an_absence(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        await create_leave(session, campus.student, campus.term, TODAY, TODAY, status="pending")
        await session.commit()
        response = await roll_call(client, body(campus, {campus.student: "absent"}), campus.leader)
        assert statuses(response)[str(campus.student.id)] == "absent"
        assert len(await absence_alerts(session)) == 2

    async def test_leave_approved_after_the_mark_turns_the_day_into_leave(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        created = await client.post(
            "/leave-requests",
            json={
                "student_id": str(campus.student.id),
                "start_date": TODAY.isoformat(),
                "end_date": TODAY.isoformat(),
                "slot_ids": None,
                "kind": "sick",
                "reason": "下午发烧，已接回家",
            },
            headers=auth(campus.mother),
        )
        assert created.status_code == 201
        await roll_call(client, body(campus, {campus.student: "absent"}), campus.leader)
        decided = await client.post(
            f"/leave-requests/{created.json()['id']}/decision",
            json={"decision": "approve"},
            headers=auth(campus.homeroom),
        )
        assert decided.status_code == 200
        roster = await client.get(
            "/rosters",
            params={"group_id": str(campus.evening_group.id)},
            headers=auth(campus.leader),
        )
        assert statuses(roster)[str(campus.student.id)] == "on_leave"

    async def test_two_roll_calls_at_once_alert_each_guardian_once(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        absent = body(campus, {campus.student: "absent"})
        first, second = await asyncio.gather(
            roll_call(client, absent, campus.leader), roll_call(client, absent, campus.admin)
        )
        assert (first.status_code, second.status_code) == (200, 200)
        assert sorted(n.user_id for n in await absence_alerts(session)) == sorted(
            [campus.mother.id, campus.father.id]
        )


class TestWalls:
    async def test_an_admin_of_the_school_may(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await roll_call(client, body(campus, {campus.student: "present"}), campus.admin)
        assert response.status_code == 200

    async def test_the_leader_of_another_group_may_not(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        campus.evening_group.leader_id = campus.other_teacher.id
        session.add(campus.evening_group)
        await session.commit()
        # the old leader still leads the activity group, not this one
        response = await roll_call(client, body(campus, {campus.student: "present"}), campus.leader)
        assert response.status_code == 403
        assert response.json()["code"] == "attendance.not_group_leader"
        assert "items" not in response.json()

    @pytest.mark.parametrize("who", ["homeroom", "duty", "mother"])
    async def test_staff_without_the_group_and_parents_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus, who: str
    ) -> None:
        response = await roll_call(
            client, body(campus, {campus.student: "present"}), getattr(campus, who)
        )
        assert response.status_code == 403
        assert await session.scalar(select(func.count()).select_from(RollCallMark)) == 0

    async def test_another_schools_group_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        _, stranger = await create_other_school(session)
        await session.commit()
        response = await roll_call(client, body(campus, {campus.student: "absent"}), stranger)
        assert response.status_code == 404
        assert response.json()["code"] == "attendance.group_not_found"
        assert await absence_alerts(session) == []

    async def test_without_a_token(self, client: httpx.AsyncClient, campus: Campus) -> None:
        response = await client.post(
            "/attendance/roll-calls", json=body(campus, {campus.student: "present"})
        )
        assert response.status_code == 401

    async def test_a_teacher_who_is_also_a_parent_still_needs_the_group(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        both = await create_user(session, roles=[Role.PARENT, Role.TEACHER], school=campus.school)
        await session.commit()
        response = await roll_call(client, body(campus, {campus.student: "present"}), both)
        assert response.status_code == 403


class TestBadInput:
    async def test_a_future_date_is_refused(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        tomorrow = TODAY + timedelta(days=1)
        response = await roll_call(
            client, body(campus, {campus.student: "present"}, day=tomorrow), campus.leader
        )
        assert response.status_code == 422
        assert response.json()["code"] == "attendance.future_date"
        assert response.json()["errors"][0]["field"] == "date"

    async def test_a_date_before_the_term_is_refused(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        before = TERM_START - timedelta(days=3)
        response = await roll_call(
            client, body(campus, {campus.student: "present"}, day=before), campus.leader
        )
        assert response.status_code == 422
        assert response.json()["code"] == "attendance.outside_term"

    async def test_a_child_not_on_the_roster_is_named(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        activity_only = await campus.add_child(session, slots=[campus.activity])
        await session.commit()
        response = await roll_call(
            client,
            body(campus, {campus.student: "present", activity_only: "absent"}),
            campus.leader,
        )
        assert response.status_code == 422
        problem = response.json()
        assert problem["code"] == "attendance.not_on_roster"
        assert problem["errors"][0]["field"] == "marks.1.student_id"
        # nothing half-done: the valid mark was not kept either
        assert await session.scalar(select(func.count()).select_from(RollCallMark)) == 0

    async def test_nobody_is_on_the_roster_of_a_closure(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        clock.advance(QINGMING - TODAY + timedelta(days=1))
        response = await roll_call(
            client, body(campus, {campus.student: "present"}, day=QINGMING), campus.leader
        )
        assert response.status_code == 422
        assert response.json()["code"] == "attendance.not_on_roster"

    async def test_the_same_child_twice_is_refused(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        payload = body(campus, {campus.student: "present"})
        payload["marks"].append({"student_id": str(campus.student.id), "status": "absent"})
        response = await roll_call(client, payload, campus.leader)
        assert response.status_code == 422
        assert response.json()["code"] == "attendance.duplicate_mark"
        assert response.json()["errors"][0]["field"] == "marks.1.student_id"

    async def test_a_slot_that_is_not_the_groups(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        payload = body(campus, {campus.student: "present"})
        payload["slot_id"] = str(campus.activity.id)
        response = await roll_call(client, payload, campus.leader)
        assert response.status_code == 422
        assert response.json()["code"] == "attendance.slot_mismatch"

    @pytest.mark.parametrize(
        "change",
        [
            {"marks": []},
            {"date": "2026-13-01"},
            {"group_id": "nope"},
            {"unexpected": True},
            {"marks": [{"student_id": "00000000-0000-0000-0000-000000000001", "status": "late"}]},
            {"marks": [{"student_id": "00000000-0000-0000-0000-000000000001"}]},
        ],
    )
    async def test_malformed_bodies(
        self, client: httpx.AsyncClient, campus: Campus, change: dict
    ) -> None:
        payload = {**body(campus, {campus.student: "present"}), **change}
        response = await roll_call(client, payload, campus.leader)
        assert response.status_code == 422
        assert response.json()["code"] == "validation.invalid"


class TestIdempotency:
    async def test_a_repeat_replays_the_first_answer_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        payload = body(campus, {campus.student: "absent"})
        first = await roll_call(client, payload, campus.leader, key="roll-1")
        # meanwhile the admin corrects the mark; the replay must not undo it
        await roll_call(client, body(campus, {campus.student: "present"}), campus.admin)
        again = await roll_call(client, payload, campus.leader, key="roll-1")
        assert again.status_code == first.status_code == 200
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        mark = await session.get_one(RollCallMark, (campus.student.id, campus.evening.id, TODAY))
        assert mark.status == "present"
        events = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attendance.roll_call")
        )
        assert events == 2

    async def test_the_same_key_with_another_body(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        await roll_call(client, body(campus, {campus.student: "absent"}), campus.leader, key="k")
        response = await roll_call(
            client, body(campus, {campus.student: "present"}), campus.leader, key="k"
        )
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency.key_reused"
