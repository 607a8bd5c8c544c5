"""The duty rota, 交接班 with the children still in care, and the missing roll-call alert
reaching the assistant and the duty staff on shift."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.missing import alert_missing_roll_calls
from app.auth.models import Role
from app.core import clock
from app.core.audit import AuditEvent
from app.duty.models import DutyShift
from app.notifications.models import Notification
from app.pickup.models import Handover
from tests.attendance.factories import TODAY, Campus, build_campus, create_leave
from tests.core.test_problems import assert_problem
from tests.factories import auth, create_other_school, create_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


def _shift(staff_id: object, start: str = "15:00", end: str = "17:00", **extra: object) -> dict:
    return {
        "date": TODAY.isoformat(),
        "start_time": start,
        "end_time": end,
        "staff_id": str(staff_id),
        "post": "gate",
        **extra,
    }


async def _add_shift(
    session: AsyncSession, campus: Campus, staff_id: object, start: time, end: time
) -> DutyShift:
    shift = DutyShift(
        school_id=campus.school.id,
        date=TODAY,
        start_time=start,
        end_time=end,
        staff_id=staff_id,
        post="gate",
    )
    session.add(shift)
    await session.flush()
    return shift


class TestRota:
    async def test_an_admin_puts_staff_on_duty_and_every_staff_member_reads_the_rota(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        made = await client.post(
            "/duty-shifts", json=_shift(campus.duty.id), headers=auth(campus.admin)
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["start_time"], body["end_time"], body["post"]) == ("15:00", "17:00", "gate")
        assert body["staff_name"] == campus.duty.name
        later = await client.post(
            "/duty-shifts",
            json=_shift(campus.other_teacher.id, "17:00", "18:30", post="lead"),
            headers=auth(campus.admin),
        )
        assert later.status_code == 201
        audit = await session.scalar(
            select(func.count()).where(AuditEvent.action == "duty.shift_created")
        )
        assert audit == 2

        for reader in (campus.leader, campus.duty):
            rota = await client.get(
                "/duty-shifts",
                params={"from": TODAY.isoformat(), "to": TODAY.isoformat()},
                headers=auth(reader),
            )
            assert rota.status_code == 200
            assert [s["id"] for s in rota.json()["items"]] == [body["id"], later.json()["id"]]
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        empty = await client.get(
            "/duty-shifts", params={"from": tomorrow}, headers=auth(campus.leader)
        )
        assert empty.json()["items"] == []

    async def test_walls(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        other_school, other_admin = await create_other_school(session)
        stranger = await create_user(session, roles=[Role.DUTY], school=other_school)
        await session.commit()
        refused = await client.post(
            "/duty-shifts", json=_shift(campus.duty.id), headers=auth(campus.leader)
        )
        assert_problem(refused, 403, "auth.forbidden")
        refused = await client.get("/duty-shifts", headers=auth(campus.mother))
        assert_problem(refused, 403, "auth.forbidden")
        foreign = await client.post(
            "/duty-shifts", json=_shift(stranger.id), headers=auth(campus.admin)
        )
        assert_problem(foreign, 422, "duty.staff_not_found")
        parent = await client.post(
            "/duty-shifts", json=_shift(campus.mother.id), headers=auth(campus.admin)
        )
        assert_problem(parent, 422, "duty.staff_not_found")
        # Another school's rota shows nothing of this one.
        await client.post("/duty-shifts", json=_shift(campus.duty.id), headers=auth(campus.admin))
        theirs = await client.get(
            "/duty-shifts", params={"from": TODAY.isoformat()}, headers=auth(other_admin)
        )
        assert theirs.json()["items"] == []

    @pytest.mark.parametrize(
        "body",
        [
            {"start_time": "17:00", "end_time": "15:00"},
            {"start_time": "25:00"},
            {"post": "kitchen"},
            {"date": "2026-02-30"},
            {"extra": True},
        ],
    )
    async def test_bad_input_is_422(
        self, client: httpx.AsyncClient, campus: Campus, body: dict
    ) -> None:
        response = await client.post(
            "/duty-shifts", json={**_shift(campus.duty.id), **body}, headers=auth(campus.admin)
        )
        assert_problem(response, 422, "validation.invalid")

    async def test_one_person_never_holds_overlapping_shifts(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        first = await client.post(
            "/duty-shifts", json=_shift(campus.duty.id), headers=auth(campus.admin)
        )
        assert first.status_code == 201
        overlap = await client.post(
            "/duty-shifts",
            json=_shift(campus.duty.id, "16:59", "18:00"),
            headers=auth(campus.admin),
        )
        assert_problem(overlap, 409, "duty.shift_overlaps")
        after = await client.post(
            "/duty-shifts",
            json=_shift(campus.duty.id, "17:00", "18:00"),
            headers=auth(campus.admin),
        )
        assert after.status_code == 201

    async def test_concurrent_overlapping_shifts_make_one(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/duty-shifts",
                    json=_shift(campus.duty.id, start, "18:00"),
                    headers=auth(campus.admin),
                )
                for start in ("15:00", "15:30", "16:00")
            )
        )
        assert sorted(r.status_code for r in responses) == [201, 409, 409]
        assert await session.scalar(select(func.count()).select_from(DutyShift)) == 1

    async def test_a_backwards_range_is_422(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await client.get(
            "/duty-shifts",
            params={"from": TODAY.isoformat(), "to": (TODAY - timedelta(days=1)).isoformat()},
            headers=auth(campus.admin),
        )
        assert_problem(response, 422, "duty.range_invalid")


class TestHandoff:
    async def test_the_handoff_records_the_children_still_in_care(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        collected = await campus.add_child(session)
        on_leave = await campus.add_child(session)
        not_enrolled = await campus.add_child(session, slots=[])
        await create_leave(session, on_leave, campus.term, TODAY, TODAY)
        session.add(
            Handover(
                school_id=campus.school.id,
                student_id=collected.id,
                date=TODAY,
                kind="picked_up",
                picked_up_at=clock.now(),
                confirmed_by=campus.duty.id,
                confirmed_by_name=campus.duty.name,
            )
        )
        mine = await _add_shift(session, campus, campus.duty.id, time(15, 0), time(17, 0))
        next_shift = await _add_shift(
            session, campus, campus.other_teacher.id, time(17, 0), time(18, 30)
        )
        await session.commit()

        response = await client.post(
            f"/duty-shifts/{mine.id}/handoff",
            json={"to_shift_id": str(next_shift.id), "notes": "三年级2班王小明家长来电会晚到"},
            headers=auth(campus.duty),
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["from_shift_id"] == str(mine.id)
        assert body["to_shift_id"] == str(next_shift.id)
        assert body["notes"] == "三年级2班王小明家长来电会晚到"
        assert body["children_in_care"] == [
            {"student_id": str(campus.student.id), "name": "王小明", "class_name": "三年级2班"}
        ]
        in_care = {c["student_id"] for c in body["children_in_care"]}
        assert not in_care & {str(collected.id), str(on_leave.id), str(not_enrolled.id)}
        # Both shifts read the record later, with the children as they were then.
        for shift in (mine, next_shift):
            listed = await client.get(
                f"/duty-shifts/{shift.id}/handoffs", headers=auth(campus.leader)
            )
            assert listed.status_code == 200
            assert listed.json()["items"] == [body]
        # The same children the gate lists as waiting.
        gate = await client.get("/pickups", params={"status": "waiting"}, headers=auth(campus.duty))
        assert gate.status_code == 200, gate.text
        assert {i["student_id"] for i in gate.json()["items"]} == in_care

    async def test_only_the_shifts_staff_or_an_admin_hand_off(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        mine = await _add_shift(session, campus, campus.duty.id, time(15, 0), time(17, 0))
        other_school, other_admin = await create_other_school(session)
        theirs = DutyShift(
            school_id=other_school.id,
            date=TODAY,
            start_time=time(15, 0),
            end_time=time(17, 0),
            staff_id=other_admin.id,
            post="lead",
        )
        session.add(theirs)
        await session.commit()
        refused = await client.post(
            f"/duty-shifts/{mine.id}/handoff", json={}, headers=auth(campus.leader)
        )
        assert_problem(refused, 403, "duty.not_your_shift")
        hidden = await client.post(
            f"/duty-shifts/{mine.id}/handoff", json={}, headers=auth(other_admin)
        )
        assert_problem(hidden, 404, "duty.shift_not_found")
        foreign_next = await client.post(
            f"/duty-shifts/{mine.id}/handoff",
            json={"to_shift_id": str(theirs.id)},
            headers=auth(campus.admin),
        )
        assert_problem(foreign_next, 422, "duty.to_shift_invalid")
        by_admin = await client.post(
            f"/duty-shifts/{mine.id}/handoff", json={"notes": ""}, headers=auth(campus.admin)
        )
        assert by_admin.status_code == 201
        assert by_admin.json()["to_shift_id"] is None
        hidden = await client.get(f"/duty-shifts/{mine.id}/handoffs", headers=auth(other_admin))
        assert_problem(hidden, 404, "duty.shift_not_found")
        parent = await client.get(f"/duty-shifts/{mine.id}/handoffs", headers=auth(campus.mother))
        assert_problem(parent, 403, "auth.forbidden")


class TestMissingRollCallOnShift:
    async def test_the_assistant_and_the_duty_staff_on_shift_hear(
        self, session: AsyncSession, campus: Campus
    ) -> None:
        off_shift = await create_user(session, roles=[Role.DUTY], school=campus.school)
        campus.activity_group.assistant_id = campus.other_teacher.id
        await _add_shift(session, campus, campus.duty.id, time(15, 0), time(17, 0))
        await _add_shift(session, campus, off_shift.id, time(17, 0), time(18, 30))
        await session.commit()
        moment = datetime.combine(TODAY, time(15, 40), tzinfo=SHANGHAI).astimezone(UTC)
        clock.freeze(moment)
        assert await alert_missing_roll_calls(session, moment) == 1
        recipients = set(
            await session.scalars(
                select(Notification.user_id).where(Notification.kind == "rollcall.missing")
            )
        )
        assert recipients == {campus.leader.id, campus.other_teacher.id, campus.duty.id}
