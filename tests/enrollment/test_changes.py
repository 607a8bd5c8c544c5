"""PATCH /enrollments/{id} (days and slots during the term) and POST /enrollments/{id}/cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.audit import AuditEvent
from app.enrollment.models import EnrollmentSlot
from tests.enrollment.factories import World, enrol
from tests.factories import auth

MID_TERM = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)


async def _patch(
    client: httpx.AsyncClient, world: World, enrollment: dict[str, str], **body: object
) -> httpx.Response:
    return await client.patch(
        f"/enrollments/{enrollment['id']}", json=body, headers=auth(world.family.parent)
    )


async def _events(session: AsyncSession, action: str) -> list[AuditEvent]:
    rows = await session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    return list(rows)


class TestMidTermJoinAndChange:
    async def test_a_child_joins_mid_term_and_later_changes_days_and_slots(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await world.set_policy(enrollment_review="none")
        clock.freeze(MID_TERM)
        joined = await enrol(client, world, weekdays=[1, 2], slot_ids=[str(world.activity.id)])
        assert joined["status"] == "active"
        assert joined["start_date"] == "2026-10-15"

        changed = await _patch(
            client,
            world,
            joined,
            weekdays=[5, 3, 1],
            slot_ids=[str(world.evening.id), str(world.activity.id)],
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["weekdays"] == [1, 3, 5]
        assert body["slot_ids"] == [str(world.activity.id), str(world.evening.id)]
        assert body["status"] == "active"
        assert body["start_date"] == "2026-10-15"

        (event,) = await _events(session, "enrollment.changed")
        assert event.actor_id == world.family.parent.id
        assert event.data["weekdays"] == {"from": [1, 2], "to": [1, 3, 5]}
        assert event.data["slot_ids"] == {
            "from": [str(world.activity.id)],
            "to": sorted([str(world.activity.id), str(world.evening.id)]),
        }

    async def test_the_family_and_the_school_read_the_change_in_the_trail(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        clock.advance(timedelta(minutes=1))
        await _patch(client, world, enrollment, weekdays=[1, 3], slot_ids=[str(world.evening.id)])
        for reader in (world.family.parent, world.admin, world.teacher):
            trail = await client.get(
                f"/enrollments/{enrollment['id']}/events", headers=auth(reader)
            )
            changed = trail.json()["items"][-1]
            assert changed["action"] == "enrollment.changed"
            assert changed["actor_id"] == str(world.family.parent.id)
            assert changed["data"] == {
                "weekdays": {"from": [1, 2, 3, 4, 5], "to": [1, 3]},
                "slot_ids": {
                    "from": sorted([str(world.activity.id), str(world.evening.id)]),
                    "to": [str(world.evening.id)],
                },
            }

    async def test_only_what_the_body_names_changes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        body = (await _patch(client, world, enrollment, weekdays=[2])).json()
        assert body["weekdays"] == [2]
        assert body["slot_ids"] == enrollment["slot_ids"]

    async def test_a_change_to_the_same_days_and_slots_records_nothing(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        response = await _patch(client, world, enrollment, weekdays=[5, 4, 3, 2, 1])
        assert response.status_code == 200
        assert await _events(session, "enrollment.changed") == []


class TestCapacityOnChange:
    async def test_adding_a_full_slot_is_refused_and_nothing_changes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.evening, 1)
        await enrol(client, world, world.family)
        other = await world.add_family()
        mine = await enrol(client, world, other, slot_ids=[str(world.activity.id)])
        response = await client.patch(
            f"/enrollments/{mine['id']}",
            json={"weekdays": [1], "slot_ids": [str(world.activity.id), str(world.evening.id)]},
            headers=auth(other.parent, language="en"),
        )
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.slot_full"
        assert "晚托" in response.json()["detail"]
        read = await client.get(f"/enrollments/{mine['id']}", headers=auth(other.parent))
        assert read.json()["weekdays"] == [1, 2, 3, 4, 5]
        assert read.json()["slot_ids"] == [str(world.activity.id)]

    async def test_a_full_slot_the_child_already_holds_does_not_block_a_day_change(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        enrollment = await enrol(client, world)
        response = await _patch(client, world, enrollment, weekdays=[1, 2])
        assert response.status_code == 200

    async def test_dropping_a_slot_gives_its_seat_to_the_waitlist(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.evening, 1)
        enrollment = await enrol(client, world)
        family = await world.add_family()
        clock.advance(timedelta(minutes=1))
        waiting = await enrol(client, world, family, slot_ids=[str(world.evening.id)])
        assert waiting["status"] == "waitlisted"
        await _patch(client, world, enrollment, slot_ids=[str(world.activity.id)])
        promoted = await client.get(f"/enrollments/{waiting['id']}", headers=auth(family.parent))
        assert promoted.json()["status"] == "active"


class TestChangeRefusals:
    async def test_only_an_active_enrollment_changes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        pending = await enrol(client, world)
        response = await _patch(client, world, pending, weekdays=[1])
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.not_active"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({}, "enrollment.change_empty"),
            ({"weekdays": [6, 7]}, "enrollment.weekdays_invalid"),
            ({"slot_ids": ["6f1c0a4e-0000-4000-8000-000000000000"]}, "enrollment.slots_invalid"),
            ({"weekdays": []}, "validation.invalid"),
            ({"status": "active"}, "validation.invalid"),
            ({"start_date": "2026-11-01"}, "validation.invalid"),
        ],
    )
    async def test_bad_input(
        self, client: httpx.AsyncClient, world: World, body: dict[str, object], code: str
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        response = await _patch(client, world, enrollment, **body)
        assert response.status_code == 422
        assert response.json()["code"] == code

    async def test_another_family_does_not_find_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        stranger = await world.add_family()
        response = await client.patch(
            f"/enrollments/{enrollment['id']}",
            json={"weekdays": [1]},
            headers=auth(stranger.parent),
        )
        assert response.status_code == 404

    @pytest.mark.parametrize("who", ["teacher", "admin"])
    async def test_staff_do_not_change_a_familys_choice(
        self, client: httpx.AsyncClient, world: World, who: str
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        response = await client.patch(
            f"/enrollments/{enrollment['id']}",
            json={"weekdays": [1]},
            headers=auth(getattr(world, who)),
        )
        assert response.status_code == 403


class TestCancel:
    @pytest.mark.parametrize("review", ["class", "class_then_school"])
    async def test_a_pending_application_is_cancelled_and_audited(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, review: str
    ) -> None:
        await world.set_policy(enrollment_review=review)
        enrollment = await enrol(client, world)
        response = await client.post(
            f"/enrollments/{enrollment['id']}/cancel", headers=auth(world.family.parent)
        )
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        (event,) = await _events(session, "enrollment.cancelled")
        assert event.data == {"from": "pending_class_review", "to": "cancelled"}

    async def test_an_active_enrollment_is_withdrawn_not_cancelled(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        enrollment = await enrol(client, world)
        response = await client.post(
            f"/enrollments/{enrollment['id']}/cancel", headers=auth(world.family.parent)
        )
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.not_cancellable"

    async def test_cancelling_twice_is_a_conflict(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await enrol(client, world)
        url = f"/enrollments/{enrollment['id']}/cancel"
        assert (await client.post(url, headers=auth(world.family.parent))).status_code == 200
        assert (await client.post(url, headers=auth(world.family.parent))).status_code == 409

    async def test_walls(self, client: httpx.AsyncClient, world: World) -> None:
        enrollment = await enrol(client, world)
        url = f"/enrollments/{enrollment['id']}/cancel"
        stranger = await world.add_family()
        assert (await client.post(url, headers=auth(stranger.parent))).status_code == 404
        assert (await client.post(url, headers=auth(world.teacher))).status_code == 403
        assert (await client.post(url)).status_code == 401


async def test_nothing_is_counted_twice_by_a_change(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await world.set_policy(enrollment_review="none")
    enrollment = await enrol(client, world, slot_ids=[str(world.activity.id)])
    for slots in ([world.evening], [world.activity, world.evening], [world.activity]):
        response = await _patch(client, world, enrollment, slot_ids=[str(s.id) for s in slots])
        assert response.status_code == 200
    assert await session.scalar(select(func.count()).select_from(EnrollmentSlot)) == 1
