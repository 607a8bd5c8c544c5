"""POST /enrollments: the policy's first status, dates, the agreement, bad input, idempotency."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock
from app.core.audit import AuditEvent
from app.enrollment.models import Enrollment
from tests.enrollment.factories import (
    AGREEMENT_VERSION,
    TERM_END,
    TERM_START,
    World,
    application,
    apply,
    enrol,
)
from tests.factories import (
    auth,
    create_class,
    create_school,
    create_slot,
    create_student,
    create_term,
    create_user,
    link_guardian,
    random_id,
)


@pytest.mark.parametrize(
    ("review", "status"),
    [
        ("none", "active"),
        ("class", "pending_class_review"),
        ("class_then_school", "pending_class_review"),
    ],
)
async def test_the_first_status_follows_the_school_policy(
    client: httpx.AsyncClient, world: World, review: str, status: str
) -> None:
    await world.set_policy(enrollment_review=review)

    body = await enrol(client, world)

    assert body["status"] == status
    assert body["student_id"] == str(world.family.student.id)
    assert body["student_name"] == "小明"
    assert body["class_name"] == world.school_class.name
    assert body["term_name"] == world.term.name
    assert body["weekdays"] == [1, 2, 3, 4, 5]
    assert body["slot_ids"] == [str(world.activity.id), str(world.evening.id)]
    assert body["agreement_version"] == 2
    assert datetime.fromisoformat(body["agreement_accepted_at"]) == clock.now()
    assert body["applied_by"] == str(world.family.parent.id)
    assert body["end_date"] is None
    assert body["reviews"] == []


async def test_the_full_response_is_the_read_model(client: httpx.AsyncClient, world: World) -> None:
    created = await enrol(client, world)
    read = await client.get(f"/enrollments/{created['id']}", headers=auth(world.family.parent))
    assert read.status_code == 200
    assert read.json() == created


async def test_an_application_is_audited(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    created = await enrol(client, world, weekdays=[1, 3])
    event = await session.scalar(select(AuditEvent).where(AuditEvent.object_type == "enrollment"))
    assert event is not None
    assert event.action == "enrollment.applied"
    assert str(event.object_id) == created["id"]
    assert event.actor_id == world.family.parent.id
    assert event.school_id == world.school.id
    assert event.data["to"] == "pending_class_review"
    assert event.data["weekdays"] == [1, 3]
    assert event.data["agreement_version"] == 2


class TestStartDate:
    async def test_before_the_term_it_defaults_to_the_terms_first_day(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = await enrol(client, world)
        assert body["start_date"] == TERM_START.isoformat()

    async def test_mid_term_it_defaults_to_today_in_the_schools_zone(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        # 23:30 UTC on 14 October is already 15 October in Shanghai
        clock.freeze(datetime(2026, 10, 14, 23, 30, tzinfo=UTC))
        body = await enrol(client, world)
        assert body["start_date"] == "2026-10-15"

    async def test_a_later_start_inside_the_term_is_kept(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = await enrol(client, world, start_date="2026-11-02")
        assert body["start_date"] == "2026-11-02"

    @pytest.mark.parametrize("start_date", ["2026-08-31", "2027-01-16"])
    async def test_a_start_outside_the_term_is_refused(
        self, client: httpx.AsyncClient, world: World, start_date: str
    ) -> None:
        response = await apply(client, world, start_date=start_date)
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.start_date_invalid"
        assert response.json()["errors"][0]["field"] == "start_date"

    async def test_a_start_in_the_past_is_refused_mid_term(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        clock.freeze(datetime(2026, 10, 15, 2, 0, tzinfo=UTC))
        response = await apply(client, world, start_date="2026-10-14")
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.start_date_invalid"

    async def test_a_term_that_has_ended_takes_no_applications(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        clock.freeze(datetime(2027, 1, 16, 2, 0, tzinfo=UTC))
        response = await apply(client, world)
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.term_ended"


class TestAgreement:
    async def test_a_missing_version_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = {k: v for k, v in application(world).items() if k != "agreement_version"}
        response = await client.post("/enrollments", json=body, headers=auth(world.family.parent))
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.agreement_required"
        assert response.json()["errors"][0]["field"] == "agreement_version"

    async def test_a_stale_version_is_refused_and_names_the_current_one(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await apply(
            client, world, agreement_version=1, headers={"Accept-Language": "en"}
        )
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.agreement_required"
        assert "version 2" in response.json()["detail"]

    async def test_a_future_version_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await apply(client, world, agreement_version=3)
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.agreement_required"


class TestBadInput:
    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"weekdays": [6]}, "enrollment.weekdays_invalid", "weekdays"),
            ({"weekdays": [1, 1]}, "enrollment.weekdays_invalid", "weekdays"),
            ({"weekdays": [0]}, "validation.invalid", "weekdays.0"),
            ({"weekdays": [8]}, "validation.invalid", "weekdays.0"),
            ({"weekdays": []}, "validation.invalid", "weekdays"),
            ({"slot_ids": []}, "validation.invalid", "slot_ids"),
            ({"slot_ids": ["not-a-uuid"]}, "validation.invalid", "slot_ids.0"),
            ({"slot_ids": [random_id()]}, "enrollment.slots_invalid", "slot_ids"),
            ({"term_id": random_id()}, "enrollment.term_invalid", "term_id"),
            ({"start_date": "15/10/2026"}, "validation.invalid", "start_date"),
            ({"agreement_version": "latest"}, "validation.invalid", "agreement_version"),
            ({"nickname": "明明"}, "validation.invalid", "nickname"),
        ],
    )
    async def test_is_refused_with_a_problem(
        self,
        client: httpx.AsyncClient,
        world: World,
        session: AsyncSession,
        overrides: dict[str, object],
        code: str,
        field: str,
    ) -> None:
        response = await apply(client, world, **overrides)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code
        assert field in [e["field"] for e in response.json()["errors"]]
        assert await session.scalar(select(func.count()).select_from(Enrollment)) == 0

    async def test_a_duplicated_slot_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        slot = str(world.activity.id)
        response = await apply(client, world, slot_ids=[slot, slot])
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.slots_invalid"

    async def test_a_slot_of_another_term_is_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        spring = await create_term(
            session, world.school, start_date=date(2027, 2, 20), end_date=date(2027, 6, 30)
        )
        spring_slot = await create_slot(session, spring)
        await session.commit()
        response = await apply(client, world, slot_ids=[str(spring_slot.id)])
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.slots_invalid"

    async def test_weekdays_outside_a_shorter_term_week_are_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        world.term.weekdays = [1, 3, 5]
        await session.commit()
        response = await apply(client, world, weekdays=[1, 2])
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.weekdays_invalid"
        assert (await apply(client, world, weekdays=[5, 1])).json()["weekdays"] == [1, 5]


class TestWalls:
    async def test_another_familys_child_is_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        stranger = await world.add_family()
        response = await client.post(
            "/enrollments",
            json=application(world),
            headers=auth(stranger.parent),
        )
        assert response.status_code == 404
        assert response.json()["code"] == "student.not_found"

    async def test_an_unknown_child_is_not_found(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await apply(client, world, student_id=random_id())
        assert response.status_code == 404

    async def test_another_schools_term_is_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        elsewhere = await create_school(session)
        their_term = await create_term(
            session,
            elsewhere,
            start_date=TERM_START,
            end_date=TERM_END,
            agreement_version=AGREEMENT_VERSION,
        )
        their_slot = await create_slot(session, their_term)
        await session.commit()
        response = await apply(
            client, world, term_id=str(their_term.id), slot_ids=[str(their_slot.id)]
        )
        assert response.status_code == 422
        assert response.json()["code"] == "enrollment.term_invalid"

    @pytest.mark.parametrize("who", ["teacher", "admin", "duty"])
    async def test_staff_may_not_apply(
        self, client: httpx.AsyncClient, world: World, who: str
    ) -> None:
        response = await client.post(
            "/enrollments", json=application(world), headers=auth(getattr(world, who))
        )
        assert response.status_code == 403

    async def test_without_a_token_it_is_401(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post("/enrollments", json=application(world))
        assert response.status_code == 401

    async def test_a_teacher_who_is_also_a_parent_applies_for_their_own_child(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        teacher_parent = await create_user(
            session, roles=[Role.TEACHER, Role.PARENT], school=world.school
        )
        own_class = await create_class(session, world.school)
        child = await create_student(session, own_class)
        await link_guardian(session, teacher_parent, child)
        await session.commit()
        response = await client.post(
            "/enrollments",
            json=application(world) | {"student_id": str(child.id)},
            headers=auth(teacher_parent),
        )
        assert response.status_code == 201


class TestDuplicates:
    async def test_a_second_open_enrollment_is_a_conflict(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await enrol(client, world)
        response = await apply(client, world, weekdays=[1])
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.duplicate"
        assert await session.scalar(select(func.count()).select_from(Enrollment)) == 1

    async def test_the_other_guardian_is_refused_too(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        father = await create_user(session, roles=[Role.PARENT])
        await link_guardian(session, father, world.family.student)
        await session.commit()
        await enrol(client, world)
        response = await client.post("/enrollments", json=application(world), headers=auth(father))
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.duplicate"

    async def test_two_guardians_at_the_same_moment_make_one_enrollment(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        father = await create_user(session, roles=[Role.PARENT])
        await link_guardian(session, father, world.family.student)
        await session.commit()
        body = application(world)
        responses = await asyncio.gather(
            client.post("/enrollments", json=body, headers=auth(world.family.parent)),
            client.post("/enrollments", json=body, headers=auth(father)),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        assert await session.scalar(select(func.count()).select_from(Enrollment)) == 1

    async def test_a_new_application_is_allowed_after_a_cancellation(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        first = await enrol(client, world)
        cancelled = await client.post(
            f"/enrollments/{first['id']}/cancel", headers=auth(world.family.parent)
        )
        assert cancelled.status_code == 200
        second = await enrol(client, world)
        assert second["id"] != first["id"]

    async def test_the_same_child_may_enrol_in_another_term(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await enrol(client, world)
        spring = await create_term(
            session,
            world.school,
            start_date=date(2027, 2, 20),
            end_date=date(2027, 6, 30),
            agreement_version=AGREEMENT_VERSION,
        )
        spring_slot = await create_slot(session, spring)
        await session.commit()
        response = await apply(
            client, world, term_id=str(spring.id), slot_ids=[str(spring_slot.id)]
        )
        assert response.status_code == 201


class TestIdempotency:
    async def test_a_repeat_with_the_same_key_returns_the_first_answer(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        key = {"Idempotency-Key": "apply-xiaoming-1"}
        first = await apply(client, world, headers=key)
        clock.advance(timedelta(minutes=5))
        again = await apply(client, world, headers=key)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert await session.scalar(select(func.count()).select_from(Enrollment)) == 1
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 1

    async def test_the_same_key_with_another_body_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        key = {"Idempotency-Key": "apply-xiaoming-2"}
        await apply(client, world, headers=key)
        response = await apply(client, world, headers=key, weekdays=[1, 2])
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency.key_reused"

    async def test_without_a_key_a_repeat_is_a_duplicate(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await enrol(client, world)
        assert (await apply(client, world)).status_code == 409
