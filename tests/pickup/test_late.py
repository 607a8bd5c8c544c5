"""Late pickup: detection on a moving clock, once-a-day notices, escalation, acknowledgement."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock, database
from app.enrollment.models import Enrollment
from app.notifications.models import Notification
from app.pickup.models import LateCase
from app.pickup.service import detect_late_pickups
from app.school.models import School
from tests.factories import auth, create_parent, create_school, create_user, random_id
from tests.pickup.factories import LAST_SLOT_ENDS, TODAY, add_child, build_gate, hand_over


async def sweep(now=None):
    """Run the job as the worker would: its own session, committed."""
    async with database.sessionmaker()() as session:
        result = await detect_late_pickups(session, now or clock.now())
        await session.commit()
    return result


async def kinds(session: AsyncSession, user, kind: str) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    )
    return list(rows)


async def late_list(client: httpx.AsyncClient, staff, day=TODAY) -> list[dict]:
    response = await client.get(f"/pickups/late?date={day.isoformat()}", headers=auth(staff))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


class TestDetection:
    async def test_nobody_is_late_before_the_grace_is_over(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=14, seconds=59))
        result = await sweep()
        assert result.detected == 0
        assert await kinds(session, gate.mother, "pickup.late") == []

    async def test_every_guardian_is_told_once_a_day(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=15))
        assert (await sweep()).detected == 1
        clock.advance(timedelta(minutes=5))
        assert (await sweep()).detected == 0

        for parent in (gate.mother, gate.father):
            (note,) = await kinds(session, parent, "pickup.late")
            assert "小明" in note.title
            assert "15分钟" in note.body
            assert note.data["student_id"] == str(gate.child.id)
            assert note.data["date"] == TODAY.isoformat()

        (case,) = await late_list(client, gate.duty)
        assert case["student_id"] == str(gate.child.id)
        assert case["status"] == "waiting"
        assert case["slot_end_at"].startswith("2030-03-13T10:00:00")
        assert case["escalated_at"] is None

    async def test_the_childs_own_last_slot_counts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        early = await add_child(session, gate, slots=[gate.activity])  # ends 16:30
        early_mother = await create_parent(session, early)
        await session.commit()
        clock.freeze(clock.now().replace(hour=8, minute=45))  # 16:45 local
        assert (await sweep()).detected == 1
        assert len(await kinds(session, early_mother, "pickup.late")) == 1
        assert await kinds(session, gate.mother, "pickup.late") == []

    async def test_a_family_that_drops_the_evening_slot_is_late_after_the_activity(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        enrollment_id = await session.scalar(
            select(Enrollment.id).where(Enrollment.student_id == gate.child.id)
        )
        changed = await client.patch(
            f"/enrollments/{enrollment_id}",
            json={"slot_ids": [str(gate.activity.id)]},
            headers=auth(gate.mother),
        )
        assert changed.status_code == 200, changed.text
        clock.freeze(clock.now().replace(hour=8, minute=45))  # 16:45 local
        assert (await sweep()).detected == 1
        (case,) = await late_list(client, gate.duty)
        assert case["slot_end_at"].startswith("2030-03-13T08:30:00")  # 16:30 local

    async def test_a_slot_moved_after_another_becomes_its_childrens_last(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        early = await add_child(session, gate, slots=[gate.activity])
        await session.commit()
        moved = await client.patch(
            f"/slots/{gate.activity.id}",
            json={"start_time": "18:00", "end_time": "19:00"},
            headers=auth(gate.admin),
        )
        assert moved.status_code == 200, moved.text
        rows = await session.execute(select(Enrollment.student_id, Enrollment.last_slot_id))
        last = {student_id: slot_id for student_id, slot_id in rows}
        assert last == {gate.child.id: gate.activity.id, early.id: gate.activity.id}
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=20))  # 18:20, the evening slot over
        assert (await sweep()).detected == 0
        clock.freeze(LAST_SLOT_ENDS + timedelta(hours=1, minutes=15))  # 19:15
        assert (await sweep()).detected == 2

    async def test_children_handed_over_or_not_in_care_are_never_late(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await add_child(session, gate, weekdays=[1, 2])  # not on Wednesdays
        await add_child(session, gate, end_date=TODAY)  # withdrawn from today
        await session.commit()
        person = await client.post(
            f"/students/{gate.child.id}/pickup-persons",
            json={"name": "外婆", "phone": "13700003333", "relationship": "外婆"},
            headers=auth(gate.mother),
        )
        clock.freeze(LAST_SLOT_ENDS - timedelta(minutes=1))
        handed = await hand_over(
            client, gate.duty, gate.child, pickup_person_id=person.json()["id"]
        )
        assert handed.status_code == 201
        clock.freeze(LAST_SLOT_ENDS + timedelta(hours=2))
        assert (await sweep()).detected == 0
        cases = await session.scalar(select(func.count()).select_from(LateCase))
        assert cases == 0

    async def test_escalates_to_duty_and_admins_after_twice_the_grace(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=15))
        await sweep()
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=29))
        assert (await sweep()).escalated == 0
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=30))
        assert (await sweep()).escalated == 1
        clock.advance(timedelta(minutes=10))
        assert (await sweep()).escalated == 0

        for staff in (gate.duty, gate.admin):
            (alert,) = await kinds(session, staff, "pickup.late_escalated")
            assert "小明" in alert.title and "30分钟" in alert.body
        assert await kinds(session, gate.teacher, "pickup.late_escalated") == []
        assert await kinds(session, gate.mother, "pickup.late_escalated") == []
        (case,) = await late_list(client, gate.admin)
        assert case["escalated_at"] is not None

    async def test_an_acknowledged_case_is_not_escalated(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=16))
        await sweep()
        (case,) = await late_list(client, gate.duty)
        acked = await client.post(
            f"/pickups/late/{case['id']}/acknowledge",
            json={"outcome": "guardian_contacted", "note": "妈妈堵车，18:40到"},
            headers=auth(gate.duty),
        )
        assert acked.status_code == 200, acked.text
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=45))
        assert (await sweep()).escalated == 0

    async def test_the_school_policy_sets_the_grace(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        school = await session.get(School, gate.school.id)
        assert school is not None
        school.policy = {**school.policy, "late_pickup_grace_minutes": 5}
        await session.commit()
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=5))
        assert (await sweep()).detected == 1
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=10))
        assert (await sweep()).escalated == 1

    async def test_each_school_in_its_own_time_zone(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        school = await session.get(School, gate.school.id)
        assert school is not None
        school.timezone = "Asia/Urumqi"  # two hours behind Beijing: 18:15 there is later
        await session.commit()
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=15))
        assert (await sweep()).detected == 0
        clock.freeze(LAST_SLOT_ENDS + timedelta(hours=2, minutes=15))
        assert (await sweep()).detected == 1

    async def test_two_workers_at_once_open_one_case_and_notify_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        now = LAST_SLOT_ENDS + timedelta(minutes=40)
        clock.freeze(now)
        results = await asyncio.gather(sweep(now), sweep(now))
        assert sum(r.detected for r in results) == 1
        assert sum(r.escalated for r in results) == 1
        assert len(await kinds(session, gate.mother, "pickup.late")) == 1
        assert len(await kinds(session, gate.duty, "pickup.late_escalated")) == 1


class TestLateList:
    async def test_shows_how_the_day_ended(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await client.post(
            f"/students/{gate.child.id}/pickup-persons",
            json={"name": "外婆", "phone": "13700003333", "relationship": "外婆"},
            headers=auth(gate.mother),
        )
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=20))
        await sweep()
        waiting = await client.get("/pickups?status=waiting", headers=auth(gate.duty))
        assert waiting.json()["items"][0]["late"] is True

        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=35))
        handed = await hand_over(
            client, gate.duty, gate.child, pickup_person_id=person.json()["id"]
        )
        assert handed.status_code == 201
        (case,) = await late_list(client, gate.duty)
        assert case["status"] == "picked_up"

        acked = await client.post(
            f"/pickups/late/{case['id']}/acknowledge",
            json={"outcome": "collected", "note": "外婆18:35接走"},
            headers=auth(gate.admin),
        )
        assert acked.status_code == 200
        assert acked.json()["outcome"] == "collected"
        assert acked.json()["acknowledged_by"] == str(gate.admin.id)
        (case,) = await late_list(client, gate.duty)
        assert case["outcome"] == "collected"
        assert case["note"] == "外婆18:35接走"
        # another day has no cases
        assert await late_list(client, gate.duty, TODAY - timedelta(days=1)) == []

    async def test_bad_outcomes_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=20))
        await sweep()
        (case,) = await late_list(client, gate.duty)
        url = f"/pickups/late/{case['id']}/acknowledge"
        for body in (
            {"outcome": "vanished"},
            {"outcome": "other"},
            {"outcome": "other", "note": ""},
            {"outcome": "collected", "note": "x" * 501},
            {},
        ):
            response = await client.post(url, json=body, headers=auth(gate.duty))
            assert response.status_code == 422, body
        ok = await client.post(
            url, json={"outcome": "other", "note": "班主任送回家"}, headers=auth(gate.duty)
        )
        assert ok.status_code == 200

    async def test_walls(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        gate = await build_gate(session)
        clock.freeze(LAST_SLOT_ENDS + timedelta(minutes=20))
        await sweep()
        (case,) = await late_list(client, gate.duty)
        url = f"/pickups/late/{case['id']}/acknowledge"
        for caller in (gate.teacher, gate.mother):
            assert (await client.get("/pickups/late", headers=auth(caller))).status_code == 403
            response = await client.post(url, json={"outcome": "collected"}, headers=auth(caller))
            assert response.status_code == 403
        other = await create_school(session)
        other_duty = await create_user(session, roles=[Role.DUTY], school=other)
        await session.commit()
        assert await late_list(client, other_duty) == []
        response = await client.post(url, json={"outcome": "collected"}, headers=auth(other_duty))
        assert response.status_code == 404
        assert response.json()["code"] == "pickup.late_case_not_found"
        missing = await client.post(
            f"/pickups/late/{random_id()}/acknowledge",
            json={"outcome": "collected"},
            headers=auth(gate.duty),
        )
        assert missing.status_code == 404
