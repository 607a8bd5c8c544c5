"""POST /enrollments/{id}/review: each policy end to end, the right reviewer, the right stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock
from app.notifications.models import Notification, OutboxMessage
from tests.enrollment.factories import World, decide, enrol
from tests.factories import auth, create_school, create_user, give_phone, link_guardian


async def _notifications(session: AsyncSession, user_id: object) -> list[Notification]:
    rows = await session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at)
    )
    return list(rows)


class TestClassThenSchool:
    async def test_teacher_then_admin_make_it_active_and_the_family_hears_each_step(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        father = await create_user(session, roles=[Role.PARENT])
        await link_guardian(session, father, world.family.student)
        await session.commit()
        await give_phone(session, world.family.parent, father)
        enrollment = await enrol(client, world)
        assert enrollment["status"] == "pending_class_review"

        clock.advance(timedelta(hours=2))
        by_teacher = await decide(client, world.teacher, enrollment["id"], comment="同意")
        assert by_teacher.status_code == 200, by_teacher.text
        assert by_teacher.json()["status"] == "pending_school_review"

        clock.advance(timedelta(hours=2))
        by_admin = await decide(client, world.admin, enrollment["id"])
        assert by_admin.status_code == 200, by_admin.text
        body = by_admin.json()
        assert body["status"] == "active"
        assert [(r["stage"], r["decision"], r["reviewer_name"]) for r in body["reviews"]] == [
            ("class", "approve", "王老师"),
            ("school", "approve", "教务处"),
        ]
        assert body["reviews"][0]["comment"] == "同意"

        for guardian in (world.family.parent, father):
            inbox = await _notifications(session, guardian.id)
            assert [n.kind for n in inbox] == ["enrollment.decided", "enrollment.decided"]
            assert "已通过班主任审核" in inbox[0].title
            assert "审核意见：同意" in inbox[0].body
            assert inbox[1].title == "课后服务报名已通过"
            assert "小明" in inbox[1].body and world.term.name in inbox[1].body
            assert inbox[1].data["enrollment_id"] == enrollment["id"]
            assert inbox[1].data["status"] == "active"
        outbox = await session.scalars(select(OutboxMessage))
        assert len(list(outbox)) == 4

        trail = await client.get(
            f"/enrollments/{enrollment['id']}/events", headers=auth(world.family.parent)
        )
        assert [(e["action"], e["data"].get("to")) for e in trail.json()["items"]] == [
            ("enrollment.applied", "pending_class_review"),
            ("enrollment.reviewed", "pending_school_review"),
            ("enrollment.reviewed", "active"),
        ]

    async def test_the_school_may_reject_after_the_teacher_approved(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        enrollment = await enrol(client, world)
        await decide(client, world.teacher, enrollment["id"])
        response = await decide(client, world.admin, enrollment["id"], "reject", comment="名额不足")
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        inbox = await _notifications(session, world.family.parent.id)
        assert inbox[-1].title == "课后服务报名未通过"
        assert "名额不足" in inbox[-1].body

    async def test_one_account_that_teaches_and_administers_does_both_stages(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        world.teacher.roles = [Role.TEACHER.value, Role.SCHOOL_ADMIN.value]
        await session.commit()
        enrollment = await enrol(client, world)
        first = await decide(client, world.teacher, enrollment["id"])
        assert first.json()["status"] == "pending_school_review"
        second = await decide(client, world.teacher, enrollment["id"])
        assert second.json()["status"] == "active"


class TestClassOnly:
    async def test_the_homeroom_teachers_approval_makes_it_active(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="class")
        enrollment = await enrol(client, world)
        response = await decide(client, world.teacher, enrollment["id"])
        assert response.json()["status"] == "active"
        assert [r["stage"] for r in response.json()["reviews"]] == ["class"]

    async def test_the_teacher_may_reject_and_the_family_may_apply_again(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="class")
        enrollment = await enrol(client, world)
        rejected = await decide(client, world.teacher, enrollment["id"], "reject")
        assert rejected.json()["status"] == "rejected"
        again = await enrol(client, world, weekdays=[1, 2])
        assert again["status"] == "pending_class_review"


class TestNoReview:
    async def test_an_application_is_active_at_once_and_nothing_awaits_review(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        assert enrollment["status"] == "active"
        for reviewer in (world.teacher, world.admin):
            response = await decide(client, reviewer, enrollment["id"])
            assert response.status_code == 409
            assert response.json()["code"] == "enrollment.wrong_stage"
        read = await client.get(
            f"/enrollments/{enrollment['id']}", headers=auth(world.family.parent)
        )
        assert read.json()["status"] == "active"


class TestStartDateOnApproval:
    async def test_a_child_approved_mid_term_is_not_on_past_rosters(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        clock.freeze(datetime(2026, 10, 15, 2, 0, tzinfo=UTC))
        enrollment = await enrol(client, world)
        assert enrollment["start_date"] == "2026-10-15"
        clock.freeze(datetime(2026, 10, 19, 2, 0, tzinfo=UTC))
        await decide(client, world.teacher, enrollment["id"])
        active = await decide(client, world.admin, enrollment["id"])
        assert active.json()["status"] == "active"
        assert active.json()["start_date"] == "2026-10-19"

    async def test_approval_before_the_term_keeps_the_terms_first_day(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await enrol(client, world)
        await decide(client, world.teacher, enrollment["id"])
        active = await decide(client, world.admin, enrollment["id"])
        assert active.json()["start_date"] == "2026-09-01"


class TestWhoReviews:
    async def test_another_teacher_of_the_school_is_forbidden(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await enrol(client, world)
        response = await decide(client, world.other_teacher, enrollment["id"])
        assert response.status_code == 403
        assert response.json()["code"] == "enrollment.not_reviewer"

    @pytest.mark.parametrize("who", ["duty", "parent"])
    async def test_duty_staff_and_parents_are_forbidden(
        self, client: httpx.AsyncClient, world: World, who: str
    ) -> None:
        enrollment = await enrol(client, world)
        caller = world.duty if who == "duty" else world.family.parent
        response = await decide(client, caller, enrollment["id"])
        assert response.status_code == 403

    async def test_another_schools_admin_does_not_find_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        enrollment = await enrol(client, world)
        elsewhere = await create_school(session)
        their_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=elsewhere)
        await session.commit()
        response = await decide(client, their_admin, enrollment["id"])
        assert response.status_code == 404
        assert response.json()["code"] == "enrollment.not_found"
        assert "小明" not in response.text

    async def test_an_admin_waits_for_the_homeroom_teacher(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await enrol(client, world)
        response = await client.post(
            f"/enrollments/{enrollment['id']}/review",
            json={"decision": "approve"},
            headers=auth(world.admin, language="en"),
        )
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.wrong_stage"
        assert "awaiting class review" in response.json()["detail"]

    async def test_the_homeroom_teacher_cannot_decide_the_school_stage(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await enrol(client, world)
        await decide(client, world.teacher, enrollment["id"])
        response = await decide(client, world.teacher, enrollment["id"])
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.wrong_stage"
        other = await decide(client, world.other_teacher, enrollment["id"])
        assert other.status_code == 403

    @pytest.mark.parametrize("absence", ["no_teacher", "disabled", "left_school"])
    async def test_an_admin_stands_in_when_the_class_has_no_acting_homeroom_teacher(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, absence: str
    ) -> None:
        if absence == "no_teacher":
            world.school_class.homeroom_teacher_id = None
        elif absence == "disabled":
            world.teacher.is_active = False
        else:
            world.teacher.school_id = (await create_school(session)).id
        await session.commit()
        enrollment = await enrol(client, world)
        stand_in = await decide(client, world.admin, enrollment["id"])
        assert stand_in.status_code == 200, stand_in.text
        assert stand_in.json()["status"] == "pending_school_review"
        assert stand_in.json()["reviews"][0]["stage"] == "class"
        final = await decide(client, world.admin, enrollment["id"])
        assert final.json()["status"] == "active"

    async def test_a_teacher_moved_to_another_class_no_longer_reviews(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        enrollment = await enrol(client, world)
        world.school_class.homeroom_teacher_id = world.other_teacher.id
        await session.commit()
        assert (await decide(client, world.teacher, enrollment["id"])).status_code == 403
        assert (await decide(client, world.other_teacher, enrollment["id"])).status_code == 200


class TestStages:
    async def test_a_decided_enrollment_cannot_be_decided_again(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="class")
        enrollment = await enrol(client, world)
        await decide(client, world.teacher, enrollment["id"], "reject")
        response = await decide(client, world.teacher, enrollment["id"], "approve")
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.wrong_stage"

    async def test_a_named_stage_that_has_passed_is_a_conflict_not_the_next_decision(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        world.school_class.homeroom_teacher_id = None
        await world.session.commit()
        enrollment = await enrol(client, world)
        first = await decide(client, world.admin, enrollment["id"], stage="class")
        assert first.json()["status"] == "pending_school_review"
        # a double tap of the same button must not approve the school stage too
        repeat = await decide(client, world.admin, enrollment["id"], stage="class")
        assert repeat.status_code == 409
        assert repeat.json()["code"] == "enrollment.wrong_stage"

    async def test_a_repeat_with_the_same_key_replays_the_decision(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await enrol(client, world)
        headers = {**auth(world.teacher), "Idempotency-Key": "review-1"}
        url = f"/enrollments/{enrollment['id']}/review"
        first = await client.post(url, json={"decision": "approve"}, headers=headers)
        again = await client.post(url, json={"decision": "approve"}, headers=headers)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        assert again.json()["status"] == "pending_school_review"


class TestBadInput:
    @pytest.mark.parametrize(
        "body",
        [
            {"decision": "maybe"},
            {},
            {"decision": "approve", "comment": "长" * 501},
            {"decision": "approve", "stage": "district"},
            {"decision": "approve", "score": 5},
        ],
    )
    async def test_is_refused(
        self, client: httpx.AsyncClient, world: World, body: dict[str, object]
    ) -> None:
        enrollment = await enrol(client, world)
        response = await client.post(
            f"/enrollments/{enrollment['id']}/review", json=body, headers=auth(world.teacher)
        )
        assert response.status_code == 422
        assert response.json()["code"] == "validation.invalid"

    async def test_an_unknown_or_malformed_id(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        unknown = await decide(client, world.admin, "7b0c4f5e-0000-4000-8000-000000000000")
        assert unknown.status_code == 404
        malformed = await decide(client, world.admin, "abc")
        assert malformed.status_code == 422


async def test_a_school_with_the_default_policy_needs_both_reviews(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    world.school.policy = {}  # nothing chosen: class_then_school
    await session.commit()
    enrollment = await enrol(client, world)
    assert enrollment["status"] == "pending_class_review"
    decided = await decide(client, world.teacher, enrollment["id"])
    assert decided.json()["status"] == "pending_school_review"
