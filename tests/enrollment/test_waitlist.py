"""Capacity, the waitlist's serving order, promotion of freed seats, the race for the last seat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core import clock
from app.notifications.models import Notification
from tests.enrollment.factories import Family, World, application, decide, enrol
from tests.factories import auth


async def _status(client: httpx.AsyncClient, world: World, enrollment: dict[str, str]) -> str:
    response = await client.get(f"/enrollments/{enrollment['id']}", headers=auth(world.admin))
    status: str = response.json()["status"]
    return status


async def _until_waiting_on_locks(engine: AsyncEngine, count: int) -> None:
    for _ in range(200):
        async with engine.connect() as probe:
            waiting = await probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} requests never reached the gate")


async def _enrol_later(
    client: httpx.AsyncClient, world: World, family: Family, **overrides: object
) -> dict[str, str]:
    clock.advance(timedelta(minutes=1))
    return await enrol(client, world, family, **overrides)


class TestCapacity:
    async def test_pending_enrollments_hold_seats(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        first = await enrol(client, world)
        assert first["status"] == "pending_class_review"
        second = await enrol(client, world, await world.add_family())
        assert second["status"] == "waitlisted"

    async def test_active_enrollments_hold_seats_and_closed_ones_do_not(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 2)
        active = await enrol(client, world)
        cancelled_family = await world.add_family()
        withdrawn = await enrol(client, world, cancelled_family)
        await client.post(
            f"/enrollments/{withdrawn['id']}/withdraw",
            json={"reason": "搬家"},
            headers=auth(cancelled_family.parent),
        )
        third = await enrol(client, world, await world.add_family())
        assert active["status"] == third["status"] == "active"
        fourth = await enrol(client, world, await world.add_family())
        assert fourth["status"] == "waitlisted"

    async def test_only_a_chosen_full_slot_waitlists(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        await enrol(client, world)
        evening_only = await enrol(
            client, world, await world.add_family(), slot_ids=[str(world.evening.id)]
        )
        assert evening_only["status"] == "pending_class_review"

    async def test_a_slot_without_capacity_never_fills(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        for _ in range(5):
            assert (await enrol(client, world, await world.add_family()))["status"] == (
                "pending_class_review"
            )

    async def test_a_waitlisted_application_is_audited_with_the_full_slot(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.evening, 1)
        await enrol(client, world)  # takes the one seat
        latecomer = await world.add_family(name="迟到")
        waitlisted = await enrol(client, world, latecomer)
        trail = await client.get(
            f"/enrollments/{waitlisted['id']}/events", headers=auth(latecomer.parent)
        )
        (applied,) = trail.json()["items"]
        assert applied["data"]["to"] == "waitlisted"
        assert applied["data"]["full_slots"] == [str(world.evening.id)]


class TestServingOrder:
    async def test_priority_flags_first_in_order_of_need_then_application_time(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await world.set_policy(enrollment_review="class")
        await world.set_capacity(world.activity, 1)
        holder = await enrol(client, world)
        applicants = [
            ("无标记早", None),
            ("低保", ["low_income"]),
            ("随迁", ["migrant"]),
            ("无标记晚", None),
            ("留守低保", ["low_income", "left_behind"]),
            ("特殊需要", ["special_needs"]),
        ]
        waiting: dict[str, dict[str, str]] = {}
        for name, flags in applicants:
            family = await world.add_family(name=name, priority=flags)
            waiting[name] = await _enrol_later(client, world, family)
            assert waiting[name]["status"] == "waitlisted"

        served = []
        seat = holder
        for _ in applicants:
            # the seat holder is turned down: the seat goes to the next in line at once
            response = await decide(client, world.teacher, seat["id"], "reject")
            assert response.status_code == 200, response.text
            promoted = [
                name
                for name, e in waiting.items()
                if name not in served and await _status(client, world, e) != "waitlisted"
            ]
            assert len(promoted) == 1
            served.append(promoted[0])
            seat = waiting[promoted[0]]
            assert await _status(client, world, seat) == "pending_class_review"

        assert served == ["特殊需要", "留守低保", "随迁", "低保", "无标记早", "无标记晚"]

    async def test_a_promoted_family_is_told_and_the_trail_says_why(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await world.set_capacity(world.activity, 1)
        holder = await enrol(client, world)
        family = await world.add_family(name="小红")
        waiting = await _enrol_later(client, world, family)
        await decide(client, world.teacher, holder["id"], "reject")

        inbox = list(
            await session.scalars(
                select(Notification).where(Notification.user_id == family.parent.id)
            )
        )
        assert [n.kind for n in inbox] == ["enrollment.promoted"]
        assert "小红" in inbox[0].body and "待班主任审核" in inbox[0].body
        assert inbox[0].data["enrollment_id"] == waiting["id"]
        trail = await client.get(
            f"/enrollments/{waiting['id']}/events", headers=auth(family.parent)
        )
        promoted = trail.json()["items"][-1]
        assert promoted["action"] == "enrollment.promoted"
        assert promoted["actor_id"] is None
        assert promoted["data"]["from"] == "waitlisted"
        assert promoted["data"]["to"] == "pending_class_review"
        assert holder["id"] not in str(promoted["data"])  # nothing about the other family

    async def test_under_no_review_a_promoted_child_is_active(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        holder = await enrol(client, world)
        family = await world.add_family()
        waiting = await _enrol_later(client, world, family)
        await client.post(
            f"/enrollments/{holder['id']}/withdraw",
            json={"reason": "转学"},
            headers=auth(world.family.parent),
        )
        assert await _status(client, world, waiting) == "active"

    async def test_one_who_still_lacks_a_seat_is_passed_over_not_blocking_the_line(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        await world.set_capacity(world.evening, 1)
        activity_holder = await enrol(client, world, slot_ids=[str(world.activity.id)])
        await enrol(client, world, await world.add_family(), slot_ids=[str(world.evening.id)])
        both = await _enrol_later(client, world, await world.add_family(priority=["migrant"]))
        activity_only = await _enrol_later(
            client, world, await world.add_family(), slot_ids=[str(world.activity.id)]
        )
        assert both["status"] == activity_only["status"] == "waitlisted"

        cancelled = await client.post(
            f"/enrollments/{activity_holder['id']}/cancel", headers=auth(world.family.parent)
        )
        assert cancelled.json()["status"] == "cancelled"
        assert await _status(client, world, both) == "waitlisted"  # evening is still full
        assert await _status(client, world, activity_only) == "pending_class_review"

    async def test_cancelling_a_waitlisted_application_promotes_nobody(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 1)
        await enrol(client, world)
        first_family, second_family = await world.add_family(), await world.add_family()
        first = await _enrol_later(client, world, first_family)
        second = await _enrol_later(client, world, second_family)
        response = await client.post(
            f"/enrollments/{first['id']}/cancel", headers=auth(first_family.parent)
        )
        assert response.json()["status"] == "cancelled"
        assert await _status(client, world, second) == "waitlisted"

    async def test_a_child_promoted_mid_term_starts_today_not_on_past_days(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        holder = await enrol(client, world)
        family = await world.add_family()
        waiting = await _enrol_later(client, world, family)
        assert waiting["start_date"] == "2026-09-01"
        clock.freeze(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
        await client.post(
            f"/enrollments/{holder['id']}/withdraw",
            json={"reason": "转学"},
            headers=auth(world.family.parent),
        )
        promoted = await client.get(f"/enrollments/{waiting['id']}", headers=auth(family.parent))
        assert promoted.json()["status"] == "active"
        assert promoted.json()["start_date"] == "2026-10-20"


class TestTheLastSeat:
    async def test_two_families_racing_for_the_last_seat_get_exactly_one(
        self, client: httpx.AsyncClient, world: World, engine: AsyncEngine
    ) -> None:
        await world.set_capacity(world.activity, 2)
        await enrol(client, world)  # one seat left
        racers = [await world.add_family(), await world.add_family()]
        # A gate holds both requests just before they count seats, then lets them go at
        # once: without the slot lock both would count one seat free and both take it.
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
        assert sorted(r.json()["status"] for r in responses) == [
            "pending_class_review",
            "waitlisted",
        ]

    async def test_a_crowd_at_the_opening_fills_the_seats_and_no_more(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_capacity(world.activity, 3)
        crowd = [await world.add_family() for _ in range(8)]
        responses = await asyncio.gather(
            *(
                client.post("/enrollments", json=application(world, f), headers=auth(f.parent))
                for f in crowd
            )
        )
        statuses = sorted(r.json()["status"] for r in responses)
        assert statuses.count("pending_class_review") == 3
        assert statuses.count("waitlisted") == 5
        listed = await client.get(
            "/enrollments", params={"status": "waitlisted"}, headers=auth(world.admin)
        )
        assert len(listed.json()["items"]) == 5

    async def test_a_freed_seat_and_a_new_applicant_at_the_same_moment(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="none")
        await world.set_capacity(world.activity, 1)
        holder = await enrol(client, world)
        waiting_family = await world.add_family()
        waiting = await _enrol_later(client, world, waiting_family)
        newcomer = await world.add_family()
        clock.advance(timedelta(minutes=1))  # the newcomer applies after the one waiting
        withdraw, applied = await asyncio.gather(
            client.post(
                f"/enrollments/{holder['id']}/withdraw",
                json={"reason": "转学"},
                headers=auth(world.family.parent),
            ),
            client.post(
                "/enrollments", json=application(world, newcomer), headers=auth(newcomer.parent)
            ),
        )
        assert withdraw.status_code == 200 and applied.status_code == 201
        # whichever ran first, the seat goes to the one who waited
        assert await _status(client, world, waiting) == "active"
        assert await _status(client, world, applied.json()) == "waitlisted"
