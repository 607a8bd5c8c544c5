"""POST /enrollments/{id}/withdraw under both withdrawal policies, and the roster rule."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.service import expected_students
from app.core import clock
from app.enrollment.models import Enrollment
from app.notifications.models import Notification
from tests.enrollment.factories import World, decide, enrol
from tests.factories import auth, create_group

MID_TERM = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)  # Thursday 15 October, Shanghai


async def _active(client: httpx.AsyncClient, world: World, **overrides: object) -> dict[str, str]:
    await world.set_policy(enrollment_review="none")
    enrollment = await enrol(client, world, **overrides)
    assert enrollment["status"] == "active"
    clock.freeze(MID_TERM)
    return enrollment


async def _withdraw(
    client: httpx.AsyncClient, world: World, enrollment: dict[str, str], **body: object
) -> httpx.Response:
    return await client.post(
        f"/enrollments/{enrollment['id']}/withdraw",
        json={"reason": "孩子转学", **body},
        headers=auth(world.family.parent),
    )


async def _attending(world: World, enrollment_id: str, day: date) -> bool:
    """Whether the roster rule puts the enrollment's child in the 课后活动 slot on ``day``
    (the class feeds one group of it)."""
    session = world.session
    if "group" not in world.extra:
        world.extra["group"] = await create_group(
            session, world.activity, classes=[world.school_class]
        )
        await session.commit()
    enrollment = await session.get(Enrollment, uuid.UUID(enrollment_id), populate_existing=True)
    assert enrollment is not None
    entries = await expected_students(
        session, world.school.id, day, world.activity.id, student_ids=[enrollment.student_id]
    )
    return bool(entries)


class TestWithoutApproval:
    async def test_the_child_is_withdrawn_from_the_effective_date(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        enrollment = await _active(client, world)
        response = await _withdraw(client, world, enrollment, effective_date="2026-10-19")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "withdrawn"
        assert body["end_date"] == "2026-10-19"
        assert body["withdrawal_reason"] == "孩子转学"
        assert body["withdrawal_effective_date"] == "2026-10-19"
        assert datetime.fromisoformat(body["withdrawal_requested_at"]) == MID_TERM

        # on Friday's roster still, off it from Monday the 19th
        assert await _attending(world, enrollment["id"], date(2026, 10, 16))
        assert not await _attending(world, enrollment["id"], date(2026, 10, 19))
        assert not await _attending(world, enrollment["id"], date(2026, 10, 20))

        trail = await client.get(
            f"/enrollments/{enrollment['id']}/events", headers=auth(world.family.parent)
        )
        withdrawn = trail.json()["items"][-1]
        assert withdrawn["action"] == "enrollment.withdrawn"
        assert withdrawn["actor_id"] == str(world.family.parent.id)
        assert withdrawn["data"] == {
            "from": "active",
            "to": "withdrawn",
            "reason": "孩子转学",
            "effective_date": "2026-10-19",
        }

    async def test_the_effective_date_defaults_to_today(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await _active(client, world)
        body = (await _withdraw(client, world, enrollment)).json()
        assert body["end_date"] == "2026-10-15"

    async def test_the_freed_seat_goes_to_the_waitlist_from_the_effective_date(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        enrollment = await _active(client, world)
        family = await world.add_family()
        waiting = await enrol(client, world, family)
        assert waiting["status"] == "waitlisted"
        await _withdraw(client, world, enrollment, effective_date="2026-10-26")
        promoted = (
            await client.get(f"/enrollments/{waiting['id']}", headers=auth(family.parent))
        ).json()
        assert promoted["status"] == "active"
        assert promoted["start_date"] == "2026-10-26"  # never two children on one seat


class TestWithSchoolApproval:
    async def test_the_admin_approves_and_the_child_leaves_from_the_requested_date(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        enrollment = await _active(client, world)
        await world.set_policy(withdrawal_review="school")
        pending = await _withdraw(client, world, enrollment, effective_date="2026-10-19")
        assert pending.status_code == 200
        assert pending.json()["status"] == "withdrawal_pending"
        assert pending.json()["end_date"] is None
        assert pending.json()["withdrawal_effective_date"] == "2026-10-19"
        # still enrolled while the school decides
        assert await _attending(world, enrollment["id"], date(2026, 10, 16))

        queue = await client.get(
            "/enrollments", params={"status": "withdrawal_pending"}, headers=auth(world.admin)
        )
        assert [e["id"] for e in queue.json()["items"]] == [enrollment["id"]]

        approved = await decide(client, world.admin, enrollment["id"], comment="已核实")
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "withdrawn"
        assert approved.json()["end_date"] == "2026-10-19"
        assert approved.json()["reviews"][-1]["stage"] == "withdrawal"
        assert not await _attending(world, enrollment["id"], date(2026, 10, 19))
        (notice,) = await session.scalars(
            select(Notification).where(Notification.user_id == world.family.parent.id)
        )
        assert notice.kind == "enrollment.decided"
        assert "退出申请已批准" in notice.title

    async def test_the_admin_rejects_and_the_enrollment_stays_active(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        enrollment = await _active(client, world)
        await world.set_policy(withdrawal_review="school")
        await _withdraw(client, world, enrollment, effective_date="2026-10-19")
        rejected = await decide(client, world.admin, enrollment["id"], "reject", comment="请面谈")
        body = rejected.json()
        assert body["status"] == "active"
        assert body["end_date"] is None
        assert body["withdrawal_reason"] is None
        assert body["withdrawal_effective_date"] is None
        assert await _attending(world, enrollment["id"], date(2026, 10, 20))
        (notice,) = await session.scalars(
            select(Notification).where(Notification.user_id == world.family.parent.id)
        )
        assert "退出申请未获批准" in notice.title and "请面谈" in notice.body
        # and the family may ask again
        again = await _withdraw(client, world, enrollment, effective_date="2026-11-02")
        assert again.json()["status"] == "withdrawal_pending"

    async def test_the_seat_is_held_until_the_school_approves(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        enrollment = await _active(client, world)
        await world.set_policy(withdrawal_review="school")
        family = await world.add_family()
        waiting = await enrol(client, world, family)
        await _withdraw(client, world, enrollment)
        read = f"/enrollments/{waiting['id']}"
        assert (await client.get(read, headers=auth(family.parent))).json()[
            "status"
        ] == "waitlisted"
        await decide(client, world.admin, enrollment["id"])
        assert (await client.get(read, headers=auth(family.parent))).json()["status"] == "active"

    async def test_a_late_approval_keeps_the_requested_date(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await _active(client, world)
        await world.set_policy(withdrawal_review="school")
        await _withdraw(client, world, enrollment, effective_date="2026-10-16")
        clock.freeze(datetime(2026, 10, 21, 2, 0, tzinfo=UTC))
        approved = await decide(client, world.admin, enrollment["id"])
        assert approved.json()["end_date"] == "2026-10-16"

    async def test_teachers_do_not_decide_withdrawals(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await _active(client, world)
        await world.set_policy(withdrawal_review="school")
        await _withdraw(client, world, enrollment)
        homeroom = await decide(client, world.teacher, enrollment["id"])
        assert homeroom.status_code == 409
        assert homeroom.json()["code"] == "enrollment.wrong_stage"
        other = await decide(client, world.other_teacher, enrollment["id"])
        assert other.status_code == 403

    async def test_a_decision_pinned_to_another_stage_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await _active(client, world)
        await world.set_policy(withdrawal_review="school")
        await _withdraw(client, world, enrollment)
        response = await decide(client, world.admin, enrollment["id"], stage="school")
        assert response.status_code == 409
        assert (await decide(client, world.admin, enrollment["id"], stage="withdrawal")).json()[
            "status"
        ] == "withdrawn"


class TestRefusals:
    @pytest.mark.parametrize("effective_date", ["2026-10-14", "2027-01-16"])
    async def test_an_effective_date_before_today_or_after_the_term(
        self, client: httpx.AsyncClient, world: World, effective_date: str
    ) -> None:
        enrollment = await _active(client, world)
        response = await _withdraw(client, world, enrollment, effective_date=effective_date)
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.effective_date_invalid"
        assert response.json()["errors"][0]["field"] == "effective_date"

    async def test_only_an_active_enrollment_can_be_withdrawn(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        pending = await enrol(client, world)
        response = await _withdraw(client, world, pending)
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.not_active"

    async def test_withdrawing_twice_is_a_conflict(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await _active(client, world)
        assert (await _withdraw(client, world, enrollment)).status_code == 200
        again = await _withdraw(client, world, enrollment)
        assert again.status_code == 409
        assert again.json()["code"] == "enrollment.not_active"

    async def test_a_repeat_with_the_same_key_replays_the_answer(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await _active(client, world)
        headers = {**auth(world.family.parent), "Idempotency-Key": "leave-1"}
        url = f"/enrollments/{enrollment['id']}/withdraw"
        first = await client.post(url, json={"reason": "转学"}, headers=headers)
        again = await client.post(url, json={"reason": "转学"}, headers=headers)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()

    async def test_another_family_does_not_find_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await _active(client, world)
        stranger = await world.add_family()
        response = await client.post(
            f"/enrollments/{enrollment['id']}/withdraw",
            json={"reason": "转学"},
            headers=auth(stranger.parent),
        )
        assert response.status_code == 404
        assert response.json()["code"] == "enrollment.not_found"

    @pytest.mark.parametrize("who", ["teacher", "admin", "duty"])
    async def test_staff_cannot_withdraw_for_a_family(
        self, client: httpx.AsyncClient, world: World, who: str
    ) -> None:
        enrollment = await _active(client, world)
        response = await client.post(
            f"/enrollments/{enrollment['id']}/withdraw",
            json={"reason": "转学"},
            headers=auth(getattr(world, who)),
        )
        assert response.status_code == 403

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"reason": ""},
            {"reason": "长" * 501},
            {"reason": "转学", "effective_date": "next monday"},
            {"reason": "转学", "refund": True},
        ],
    )
    async def test_bad_input(
        self, client: httpx.AsyncClient, world: World, body: dict[str, object]
    ) -> None:
        enrollment = await _active(client, world)
        response = await client.post(
            f"/enrollments/{enrollment['id']}/withdraw",
            json=body,
            headers=auth(world.family.parent),
        )
        assert response.status_code == 422
        assert response.json()["code"] == "validation.invalid"


async def test_the_roster_rule_follows_dates_weekdays_and_status(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await world.set_policy(enrollment_review="class")
    enrollment = await enrol(client, world, weekdays=[1, 3], start_date="2026-09-07")
    monday, tuesday = date(2026, 9, 7), date(2026, 9, 8)
    assert not await _attending(world, enrollment["id"], monday)  # still pending
    await decide(client, world.teacher, enrollment["id"])
    assert await _attending(world, enrollment["id"], monday)
    assert not await _attending(world, enrollment["id"], tuesday)  # not a chosen weekday
    assert not await _attending(world, enrollment["id"], monday - timedelta(days=7))
