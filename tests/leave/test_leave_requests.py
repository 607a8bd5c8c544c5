"""Leave requests: parents ask and cancel, homeroom teachers or admins decide, families hear."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.audit import AuditEvent
from app.enrollment.models import EnrollmentStatus
from app.leave.models import LeaveRequest
from app.notifications.models import Notification
from tests.attendance.factories import (
    TERM_END,
    TERM_START,
    TODAY,
    Campus,
    build_campus,
)
from tests.factories import (
    auth,
    create_class,
    create_other_school,
    create_parent,
    create_user,
    link_guardian,
)

TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
async def campus(session: AsyncSession) -> Campus:
    return await build_campus(session)


def leave_body(
    campus: Campus,
    start: date = TOMORROW,
    end: date | None = None,
    *,
    slots: list | None = None,
    student=None,
    **extra: object,
) -> dict:
    return {
        "student_id": str((student or campus.student).id),
        "start_date": start.isoformat(),
        "end_date": (end or start).isoformat(),
        "slot_ids": [str(s.id) for s in slots] if slots is not None else None,
        "kind": "sick",
        "reason": "发烧，在家休息",
        **extra,
    }


async def ask(
    client: httpx.AsyncClient, payload: dict, user: User, key: str | None = None
) -> httpx.Response:
    headers = auth(user)
    if key:
        headers["Idempotency-Key"] = key
    return await client.post("/leave-requests", json=payload, headers=headers)


async def asked(client: httpx.AsyncClient, campus: Campus, **kwargs: object) -> str:
    response = await ask(client, leave_body(campus, **kwargs), campus.mother)  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def decide(
    client: httpx.AsyncClient, leave_id: str, user: User, decision: str = "approve", **extra
) -> httpx.Response:
    return await client.post(
        f"/leave-requests/{leave_id}/decision",
        json={"decision": decision, **extra},
        headers=auth(user),
    )


async def listed(client: httpx.AsyncClient, user: User, **params: str) -> list[str]:
    response = await client.get("/leave-requests", params=params, headers=auth(user))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


class TestAsking:
    async def test_a_parent_asks_and_the_request_is_pending(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        response = await ask(
            client, leave_body(campus, TOMORROW, TOMORROW + timedelta(days=2)), campus.mother
        )
        assert response.status_code == 201
        leave = response.json()
        assert leave["status"] == "pending"
        assert leave["student_id"] == str(campus.student.id)
        assert leave["student_name"] == "王小明"
        assert leave["class_name"] == "三年级2班"
        assert leave["term_id"] == str(campus.term.id)
        assert leave["slot_ids"] is None
        assert leave["kind"] == "sick"
        assert leave["requested_by"] == str(campus.mother.id)
        event = await session.scalar(select(AuditEvent).where(AuditEvent.object_id == leave["id"]))
        assert event is not None
        assert event.action == "leave.requested"

    async def test_slots_are_kept_once_each(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        payload = leave_body(campus, slots=[campus.evening, campus.evening], kind="early_pickup")
        response = await ask(client, payload, campus.father)
        assert response.status_code == 201
        assert response.json()["slot_ids"] == [str(campus.evening.id)]
        assert response.json()["kind"] == "early_pickup"

    async def test_an_end_before_the_start(self, client: httpx.AsyncClient, campus: Campus) -> None:
        response = await ask(client, leave_body(campus, TOMORROW, TODAY), campus.mother)
        assert response.status_code == 422
        assert response.json()["code"] == "leave.dates_reversed"
        assert response.json()["errors"][0]["field"] == "end_date"

    @pytest.mark.parametrize(
        ("start", "end", "field"),
        [
            (TERM_START - timedelta(days=7), TERM_START + timedelta(days=1), "start_date"),
            (TERM_END - timedelta(days=1), TERM_END + timedelta(days=1), "end_date"),
            (TERM_END + timedelta(days=30), TERM_END + timedelta(days=31), "start_date"),
        ],
    )
    async def test_a_range_outside_the_term(
        self, client: httpx.AsyncClient, campus: Campus, start: date, end: date, field: str
    ) -> None:
        response = await ask(client, leave_body(campus, start, end), campus.mother)
        assert response.status_code == 422
        assert response.json()["code"] == "leave.outside_term"
        assert response.json()["errors"][0]["field"] == field

    async def test_a_child_not_enrolled_that_term(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        never = await campus.add_child(session, slots=[])
        withdrawn = await campus.add_child(session, status=EnrollmentStatus.WITHDRAWN)
        await session.commit()
        for child in (never, withdrawn):
            guardian = await create_parent(session, child)
            await session.commit()
            response = await ask(client, leave_body(campus, student=child), guardian)
            assert response.status_code == 422
            assert response.json()["code"] == "leave.not_enrolled"

    async def test_a_slot_the_child_is_not_enrolled_in(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        child = await campus.add_child(session, slots=[campus.activity])
        guardian = await create_parent(session, child)
        await session.commit()
        payload = leave_body(campus, student=child, slots=[campus.evening])
        response = await ask(client, payload, guardian)
        assert response.status_code == 422
        assert response.json()["code"] == "leave.slot_invalid"
        assert response.json()["errors"][0]["field"] == "slot_ids"

    async def test_another_familys_child_is_not_found(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        stranger = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        response = await ask(client, leave_body(campus), stranger)
        assert response.status_code == 404
        assert "王小明" not in response.text

    async def test_duty_staff_neither_ask_nor_record(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await ask(client, leave_body(campus), campus.duty)
        assert response.status_code == 403
        response = await ask(client, leave_body(campus, channel="phone"), campus.duty)
        assert response.status_code == 403

    @pytest.mark.parametrize("who", ["homeroom", "admin"])
    async def test_staff_asking_in_the_app_must_say_how_the_family_asked(
        self, client: httpx.AsyncClient, campus: Campus, who: str
    ) -> None:
        response = await ask(client, leave_body(campus), getattr(campus, who))
        assert response.status_code == 422
        assert response.json()["code"] == "leave.channel_required"

    @pytest.mark.parametrize(
        "change",
        [
            {"kind": "holiday"},
            {"reason": ""},
            {"reason": "长" * 501},
            {"slot_ids": []},
            {"start_date": "2026-02-30"},
            {"note": "extra"},
        ],
    )
    async def test_malformed_bodies(
        self, client: httpx.AsyncClient, campus: Campus, change: dict
    ) -> None:
        response = await ask(client, {**leave_body(campus), **change}, campus.mother)
        assert response.status_code == 422
        assert response.json()["code"] == "validation.invalid"


class TestOverlap:
    async def test_overlapping_days_and_slots_are_refused(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        await asked(
            client, campus, start=TOMORROW, end=TOMORROW + timedelta(days=2), slots=[campus.evening]
        )
        # the whole day overlaps the evening slot
        whole_day = await ask(
            client, leave_body(campus, TOMORROW + timedelta(days=2)), campus.father
        )
        assert whole_day.status_code == 409
        assert whole_day.json()["code"] == "leave.overlap"
        same_slot = leave_body(campus, TOMORROW + timedelta(days=1), slots=[campus.evening])
        assert (await ask(client, same_slot, campus.mother)).status_code == 409
        # another slot on the same days is fine, as are the days after
        other_slot = leave_body(campus, TOMORROW, slots=[campus.activity])
        assert (await ask(client, other_slot, campus.mother)).status_code == 201
        later = leave_body(campus, TOMORROW + timedelta(days=3))
        assert (await ask(client, later, campus.mother)).status_code == 201

    async def test_a_rejected_or_cancelled_request_frees_its_days(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        rejected = await asked(client, campus)
        assert (await decide(client, rejected, campus.homeroom, "reject")).status_code == 200
        cancelled = await asked(client, campus)
        cancel = await client.post(
            f"/leave-requests/{cancelled}/cancel", headers=auth(campus.mother)
        )
        assert cancel.status_code == 200
        assert (await ask(client, leave_body(campus), campus.mother)).status_code == 201

    async def test_two_overlapping_requests_at_once_make_one_leave(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        first, second = await asyncio.gather(
            ask(client, leave_body(campus), campus.mother),
            ask(client, leave_body(campus, slots=[campus.evening]), campus.father),
        )
        assert sorted([first.status_code, second.status_code]) == [201, 409]
        assert await session.scalar(select(func.count()).select_from(LeaveRequest)) == 1


class TestIdempotency:
    async def test_a_repeat_returns_the_first_answer(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        first = await ask(client, leave_body(campus), campus.mother, key="leave-1")
        again = await ask(client, leave_body(campus), campus.mother, key="leave-1")
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert await session.scalar(select(func.count()).select_from(LeaveRequest)) == 1

    async def test_the_same_key_with_another_body(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        await ask(client, leave_body(campus), campus.mother, key="leave-1")
        other = leave_body(campus, TOMORROW + timedelta(days=7))
        response = await ask(client, other, campus.mother, key="leave-1")
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency.key_reused"


class TestReading:
    async def test_each_role_sees_its_own_reach(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        other_class = await create_class(
            session, campus.school, homeroom_teacher=campus.other_teacher
        )
        neighbour = await campus.add_child(session, school_class=other_class)
        neighbour_parent = await create_parent(session, neighbour)
        await session.commit()
        ours = await asked(client, campus)
        theirs_response = await ask(client, leave_body(campus, student=neighbour), neighbour_parent)
        theirs = theirs_response.json()["id"]

        assert await listed(client, campus.mother) == [ours]
        assert await listed(client, campus.homeroom) == [ours]
        assert await listed(client, campus.other_teacher) == [theirs]
        assert await listed(client, campus.leader) == []
        assert set(await listed(client, campus.admin)) == {ours, theirs}
        _, stranger = await create_other_school(session)
        await session.commit()
        assert await listed(client, stranger) == []

        got = await client.get(f"/leave-requests/{ours}", headers=auth(campus.homeroom))
        assert got.status_code == 200
        assert got.json()["student_name"] == "王小明"
        for outsider in (neighbour_parent, campus.other_teacher, stranger):
            hidden = await client.get(f"/leave-requests/{ours}", headers=auth(outsider))
            assert hidden.status_code == 404
            assert hidden.json()["code"] == "leave.not_found"
            assert "王小明" not in hidden.text

    async def test_filters_by_status_and_date(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        soon = await asked(client, campus, start=TOMORROW, end=TOMORROW + timedelta(days=1))
        later = await asked(client, campus, start=TOMORROW + timedelta(days=7))
        await decide(client, later, campus.homeroom)
        assert await listed(client, campus.homeroom, status="pending") == [soon]
        assert await listed(client, campus.homeroom, status="approved") == [later]
        day = (TOMORROW + timedelta(days=1)).isoformat()
        assert await listed(client, campus.homeroom, date=day) == [soon]
        assert await listed(client, campus.homeroom, date=TODAY.isoformat()) == []

    async def test_pages(self, client: httpx.AsyncClient, campus: Campus) -> None:
        ids = [
            await asked(client, campus, start=TOMORROW + timedelta(days=7 * i)) for i in range(3)
        ]
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
            page = (
                await client.get("/leave-requests", params=params, headers=auth(campus.admin))
            ).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(ids)
        assert len(seen) == 3

    @pytest.mark.parametrize(
        "params", [{"limit": "201"}, {"cursor": "forged.abc"}, {"status": "maybe"}, {"date": "x"}]
    )
    async def test_bad_queries(
        self, client: httpx.AsyncClient, campus: Campus, params: dict
    ) -> None:
        response = await client.get("/leave-requests", params=params, headers=auth(campus.admin))
        assert response.status_code == 422

    async def test_duty_staff_have_no_leave_list(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        response = await client.get("/leave-requests", headers=auth(campus.duty))
        assert response.status_code == 403


class TestDeciding:
    async def test_the_homeroom_teacher_approves_and_every_guardian_is_told(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus)
        response = await decide(client, leave_id, campus.homeroom, comment="好好休息")
        assert response.status_code == 200
        decided = response.json()
        assert decided["status"] == "approved"
        assert decided["decided_by"] == str(campus.homeroom.id)
        assert decided["decision_comment"] == "好好休息"
        notes = list(
            await session.scalars(select(Notification).where(Notification.kind == "leave.decided"))
        )
        assert {n.user_id for n in notes} == {campus.mother.id, campus.father.id}
        assert "已批准" in notes[0].title
        assert "好好休息" in notes[0].body
        assert notes[0].data["leave_request_id"] == leave_id

    async def test_an_admin_rejects(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus)
        response = await decide(client, leave_id, campus.admin, "reject")
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        note = await session.scalar(
            select(Notification).where(Notification.kind == "leave.decided")
        )
        assert note is not None
        assert "未获批准" in note.title

    async def test_only_a_pending_request_is_decided(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus)
        await decide(client, leave_id, campus.homeroom)
        again = await decide(client, leave_id, campus.admin, "reject")
        assert again.status_code == 409
        assert again.json()["code"] == "leave.not_pending"

    async def test_two_decisions_at_once_make_one(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus)
        first, second = await asyncio.gather(
            decide(client, leave_id, campus.homeroom),
            decide(client, leave_id, campus.admin, "reject"),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        notes = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "leave.decided")
        )
        assert notes == 2  # one decision, told to two guardians

    async def test_walls(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus)
        _, stranger = await create_other_school(session)
        teacher_parent = await create_user(
            session, roles=[Role.PARENT, Role.TEACHER], school=campus.school
        )
        await link_guardian(session, teacher_parent, campus.student, relationship="姑姑")
        await session.commit()
        assert (await decide(client, leave_id, campus.mother)).status_code == 403
        assert (await decide(client, leave_id, campus.duty)).status_code == 403
        # sees it as a guardian, but is not the child's homeroom teacher
        refused = await decide(client, leave_id, teacher_parent)
        assert refused.status_code == 403
        assert refused.json()["code"] == "leave.not_reviewer"
        for outsider in (campus.other_teacher, campus.leader, stranger):
            response = await decide(client, leave_id, outsider)
            assert response.status_code == 404
        missing = await decide(client, "00000000-0000-0000-0000-000000000000", campus.admin)
        assert missing.status_code == 404
        bad = await client.post(
            f"/leave-requests/{leave_id}/decision",
            json={"decision": "maybe"},
            headers=auth(campus.admin),
        )
        assert bad.status_code == 422


class TestCancelling:
    async def cancel(self, client: httpx.AsyncClient, leave_id: str, user: User) -> httpx.Response:
        return await client.post(f"/leave-requests/{leave_id}/cancel", headers=auth(user))

    async def test_pending_is_cancelled_by_any_guardian(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus)
        response = await self.cancel(client, leave_id, campus.father)
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert response.json()["cancelled_at"] is not None
        assert (await self.cancel(client, leave_id, campus.mother)).status_code == 409

    async def test_approved_before_it_starts(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus, start=TOMORROW)
        await decide(client, leave_id, campus.homeroom)
        assert (await self.cancel(client, leave_id, campus.mother)).status_code == 200

    async def test_not_once_it_has_started_or_was_rejected(
        self, client: httpx.AsyncClient, campus: Campus
    ) -> None:
        started = await asked(client, campus, start=TODAY, end=TOMORROW)
        await decide(client, started, campus.homeroom)
        refused = await self.cancel(client, started, campus.mother)
        assert refused.status_code == 409
        assert refused.json()["code"] == "leave.not_cancellable"
        rejected = await asked(client, campus, start=TOMORROW + timedelta(days=7))
        await decide(client, rejected, campus.homeroom, "reject")
        assert (await self.cancel(client, rejected, campus.mother)).status_code == 409

    async def test_walls(
        self, client: httpx.AsyncClient, session: AsyncSession, campus: Campus
    ) -> None:
        leave_id = await asked(client, campus)
        stranger = await create_user(session, roles=[Role.PARENT])
        await session.commit()
        assert (await self.cancel(client, leave_id, stranger)).status_code == 404
        assert (await self.cancel(client, leave_id, campus.homeroom)).status_code == 403
        assert (await self.cancel(client, leave_id, campus.admin)).status_code == 403
