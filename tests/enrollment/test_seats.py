"""Seats done right: no queue jumping, a group's capacity holds seats, every new seat is served
to the waitlist first, capacities never go below the seats held, and the races around them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import clock
from app.school.models import Group
from tests.enrollment.factories import Family, World, application, decide, enrol
from tests.enrollment.test_waitlist import _until_waiting_on_locks
from tests.factories import auth, create_class, create_group


async def _status(client: httpx.AsyncClient, world: World, enrollment: dict[str, Any]) -> str:
    response = await client.get(f"/enrollments/{enrollment['id']}", headers=auth(world.admin))
    status: str = response.json()["status"]
    return status


async def _later(
    client: httpx.AsyncClient, world: World, family: Family, **overrides: object
) -> dict[str, Any]:
    clock.advance(timedelta(minutes=1))
    return await enrol(client, world, family, **overrides)


async def _patch_slot(
    client: httpx.AsyncClient, world: World, slot_id: object, **body: object
) -> httpx.Response:
    return await client.patch(f"/slots/{slot_id}", json=body, headers=auth(world.admin))


async def _patch_group(
    client: httpx.AsyncClient, world: World, group: Group, **body: object
) -> httpx.Response:
    return await client.patch(f"/groups/{group.id}", json=body, headers=auth(world.admin))


async def _group(world: World, capacity: int, *classes: Any) -> Group:
    """A group of the activity slot fed by ``classes`` (the world's class if none named)."""
    group = await create_group(
        world.session, world.activity, classes=classes or (world.school_class,), capacity=capacity
    )
    await world.session.commit()
    return group


def _activity(world: World) -> dict[str, list[str]]:
    return {"slot_ids": [str(world.activity.id)]}


class TestNoQueueJumping:
    async def test_a_raised_slot_capacity_goes_to_the_family_waiting(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        """The issue's first case: the admin raises the capacity, the next newcomer waits."""
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        await enrol(client, world)
        waiting_family = await world.add_family(name="候补")
        waiting = await _later(client, world, waiting_family)
        assert waiting["status"] == "waitlisted"

        raised = await _patch_slot(client, world, world.activity.id, capacity=2)
        assert raised.status_code == 200, raised.text
        assert await _status(client, world, waiting) == "active"
        newcomer = await _later(client, world, await world.add_family())
        assert newcomer["status"] == "waitlisted"

    async def test_a_slot_someone_waits_for_has_no_seat_for_a_newcomer(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        # The one waiting wants both slots; the evening is full, the activity has a free seat.
        # A newcomer for the activity alone would take the seat the waiting child needs.
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 2)
        await world.set_capacity(world.evening, 1)
        await enrol(client, world)  # holds a seat in both
        waiting = await _later(client, world, await world.add_family())
        assert waiting["status"] == "waitlisted"

        newcomer_family = await world.add_family(name="插队")
        newcomer = await _later(client, world, newcomer_family, **_activity(world))
        assert newcomer["status"] == "waitlisted"
        trail = await client.get(
            f"/enrollments/{newcomer['id']}/events", headers=auth(newcomer_family.parent)
        )
        (applied,) = trail.json()["items"]
        assert applied["data"]["queued_slots"] == [str(world.activity.id)]
        assert "full_slots" not in applied["data"]

    async def test_adding_a_slot_someone_waits_for_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.evening, 1)
        mine = await enrol(client, world, **_activity(world))
        await enrol(client, world, await world.add_family(), slot_ids=[str(world.evening.id)])
        await _later(client, world, await world.add_family())  # waits for the evening
        await world.set_capacity(world.evening, 2)  # a seat appears behind the rules' back
        response = await client.patch(
            f"/enrollments/{mine['id']}",
            json={"slot_ids": [str(world.activity.id), str(world.evening.id)]},
            headers=auth(world.family.parent),
        )
        assert response.status_code == 409
        assert response.json()["code"] == "enrollment.slot_full"

    async def test_a_weekday_change_serves_the_waitlist_too(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        mine = await enrol(client, world, **_activity(world))
        waiting = await _later(client, world, await world.add_family())
        await world.set_capacity(world.activity, 2)  # a seat appears behind the rules' back
        assert await _status(client, world, waiting) == "waitlisted"
        changed = await client.patch(
            f"/enrollments/{mine['id']}",
            json={"weekdays": [1, 2]},
            headers=auth(world.family.parent),
        )
        assert changed.status_code == 200
        assert await _status(client, world, waiting) == "active"


class TestGroupCapacity:
    async def test_a_full_group_waitlists_like_a_full_slot(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        """The issue's second case: capacity 2 took four more children."""
        await world.set_policy(enrollment_review="none")
        group = await _group(world, 2)
        first = await enrol(client, world)
        second = await _later(client, world, await world.add_family())
        third_family = await world.add_family()
        third = await _later(client, world, third_family, **_activity(world))
        assert [first["status"], second["status"], third["status"]] == [
            "active",
            "active",
            "waitlisted",
        ]
        trail = await client.get(
            f"/enrollments/{third['id']}/events", headers=auth(third_family.parent)
        )
        assert trail.json()["items"][0]["data"]["full_groups"] == [str(group.id)]
        # the evening has no group: a child of the class still gets it alone
        evening = await _later(
            client, world, await world.add_family(), slot_ids=[str(world.evening.id)]
        )
        assert evening["status"] == "active"

    async def test_pending_applications_hold_group_seats(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await _group(world, 1)
        pending = await enrol(client, world)
        assert pending["status"] == "pending_class_review"
        assert (await _later(client, world, await world.add_family()))["status"] == "waitlisted"

    async def test_a_child_waiting_for_a_full_group_holds_back_only_that_group(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        # The slot has no limit: a child of another class takes nothing the waiting one needs.
        await world.set_policy(enrollment_review="none")
        other_class = await create_class(world.session, world.school)
        await _group(world, 1)
        await _group(world, 5, other_class)
        await enrol(client, world, **_activity(world))
        waiting = await _later(client, world, await world.add_family(), **_activity(world))
        assert waiting["status"] == "waitlisted"
        other = await _later(
            client, world, await world.add_family(school_class=other_class), **_activity(world)
        )
        assert other["status"] == "active"
        # a limited slot is another matter: its last free seat is the waiting child's
        await world.set_capacity(world.activity, 3)
        held_back = await _later(
            client, world, await world.add_family(school_class=other_class), **_activity(world)
        )
        assert held_back["status"] == "waitlisted"
        # room beyond what the waiting need is anyone's
        await world.set_capacity(world.activity, 5)
        beyond = await _later(
            client, world, await world.add_family(school_class=other_class), **_activity(world)
        )
        assert beyond["status"] == "active"

    async def test_a_raised_group_capacity_promotes_and_a_lowered_one_stops_at_the_seats(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        group = await _group(world, 2)
        await enrol(client, world)
        await _later(client, world, await world.add_family())
        waiting = await _later(client, world, await world.add_family())

        raised = await _patch_group(client, world, group, capacity=3)
        assert raised.status_code == 200 and raised.json()["capacity"] == 3
        assert await _status(client, world, waiting) == "active"

        lowered = await _patch_group(client, world, group, capacity=2)
        assert lowered.status_code == 409
        assert lowered.json()["code"] == "capacity.below_seats"
        assert "3" in lowered.json()["detail"]
        read = await client.get(f"/groups/{group.id}", headers=auth(world.admin))
        assert read.json()["capacity"] == 3
        assert (await _patch_group(client, world, group, name="书法组")).status_code == 200

    async def test_a_class_taken_out_of_a_full_group_frees_its_children(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        other_class = await create_class(world.session, world.school)
        group = await _group(world, 1, world.school_class, other_class)
        await enrol(client, world)
        other = await world.add_family(school_class=other_class)
        waiting = await _later(client, world, other, **_activity(world))
        assert waiting["status"] == "waitlisted"

        response = await _patch_group(client, world, group, class_ids=[str(world.school_class.id)])
        assert response.status_code == 200, response.text
        assert await _status(client, world, waiting) == "active"

        # a new group for that class must hold the child now placed in it
        created = await client.post(
            "/groups",
            json={
                "term_id": str(world.term.id),
                "slot_id": str(world.activity.id),
                "name": "二组",
                "leader_id": str(world.teacher.id),
                "class_ids": [str(other_class.id)],
                "capacity": 1,
            },
            headers=auth(world.admin),
        )
        assert created.status_code == 201, created.text
        third = await _later(client, world, await world.add_family(school_class=other_class))
        assert third["status"] == "waitlisted"

    async def test_a_group_fed_by_more_children_than_its_capacity_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await enrol(client, world)
        await _later(client, world, await world.add_family())
        body = {
            "term_id": str(world.term.id),
            "slot_id": str(world.activity.id),
            "name": "一组",
            "leader_id": str(world.teacher.id),
            "class_ids": [str(world.school_class.id)],
            "capacity": 1,
        }
        response = await client.post("/groups", json=body, headers=auth(world.admin))
        assert response.status_code == 409
        assert response.json()["code"] == "capacity.below_seats"
        listed = await client.get("/groups", headers=auth(world.admin))
        assert listed.json()["items"] == []

    async def test_a_deleted_group_frees_its_classes_children(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        other_class = await create_class(world.session, world.school)
        group = await _group(world, 1, world.school_class, other_class)
        await enrol(client, world)
        other = await world.add_family(school_class=other_class)
        waiting = await _later(client, world, other, **_activity(world))
        deleted = await client.delete(f"/groups/{group.id}", headers=auth(world.admin))
        assert deleted.status_code == 204
        assert await _status(client, world, waiting) == "active"


class TestSlotCapacity:
    async def test_lowering_below_the_seats_held_is_409_and_to_them_is_fine(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await enrol(client, world)
        await _later(client, world, await world.add_family())
        below = await _patch_slot(client, world, world.activity.id, capacity=1)
        assert below.status_code == 409
        assert below.json()["code"] == "capacity.below_seats"
        assert "课后活动" in below.json()["detail"]
        assert (await _patch_slot(client, world, world.activity.id, capacity=2)).status_code == 200
        unlimited = await _patch_slot(client, world, world.activity.id, capacity=None)
        assert unlimited.status_code == 200 and unlimited.json()["capacity"] is None

    async def test_removing_the_limit_serves_everyone_waiting(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        await enrol(client, world)
        waiting = [await _later(client, world, await world.add_family()) for _ in range(3)]
        await _patch_slot(client, world, world.activity.id, capacity=None)
        assert [await _status(client, world, w) for w in waiting] == ["active"] * 3

    async def test_a_pending_withdrawal_holds_its_seat_until_approved(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none", withdrawal_review="school")
        await world.set_capacity(world.activity, 1)
        holder = await enrol(client, world)
        waiting = await _later(client, world, await world.add_family())
        pending = await client.post(
            f"/enrollments/{holder['id']}/withdraw",
            json={"reason": "转学"},
            headers=auth(world.family.parent),
        )
        assert pending.json()["status"] == "withdrawal_pending"
        assert await _status(client, world, waiting) == "waitlisted"
        assert (await _patch_slot(client, world, world.activity.id, capacity=1)).status_code == 200
        approved = await decide(client, world.admin, holder["id"])
        assert approved.json()["status"] == "withdrawn"
        assert await _status(client, world, waiting) == "active"


class TestRaces:
    async def test_two_families_racing_for_the_last_seat_of_a_group_get_exactly_one(
        self, client: httpx.AsyncClient, world: World, engine: AsyncEngine
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await _group(world, 2)
        await enrol(client, world)  # one seat of the group left; the slot has no limit
        racers = [await world.add_family(), await world.add_family()]
        async with engine.connect() as gate:
            opened = await gate.begin()
            await gate.execute(text("LOCK TABLE enrollment_slots IN ACCESS EXCLUSIVE MODE"))
            requests = [
                asyncio.create_task(
                    client.post("/enrollments", json=application(world, f), headers=auth(f.parent))
                )
                for f in racers
            ]
            await _until_waiting_on_locks(engine, 2)
            await opened.commit()
            responses = await asyncio.gather(*requests)
        assert [r.status_code for r in responses] == [201, 201]
        assert sorted(r.json()["status"] for r in responses) == ["active", "waitlisted"]

    async def test_a_capacity_raise_racing_an_application_serves_the_one_waiting(
        self, client: httpx.AsyncClient, world: World, engine: AsyncEngine
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        await enrol(client, world)
        waiting = await _later(client, world, await world.add_family())
        newcomer = await world.add_family()
        clock.advance(timedelta(minutes=1))
        async with engine.connect() as gate:
            opened = await gate.begin()
            await gate.execute(text("LOCK TABLE enrollment_slots IN ACCESS EXCLUSIVE MODE"))
            requests = [
                asyncio.create_task(_patch_slot(client, world, world.activity.id, capacity=2)),
                asyncio.create_task(
                    client.post(
                        "/enrollments",
                        json=application(world, newcomer),
                        headers=auth(newcomer.parent),
                    )
                ),
            ]
            await _until_waiting_on_locks(engine, 2)
            await opened.commit()
            raised, applied = await asyncio.gather(*requests)
        assert raised.status_code == 200 and applied.status_code == 201
        # whichever ran first, the seat goes to the one who waited
        assert await _status(client, world, waiting) == "active"
        assert applied.json()["status"] == "waitlisted"
