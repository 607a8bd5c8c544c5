"""The gate and the roster agree: leave and roll call decide who can be handed over, and a
handover shows on the roster as ``picked_up``/``released``."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, database
from app.notifications.models import Notification
from app.pickup.service import detect_late_pickups
from tests.factories import auth
from tests.pickup.factories import (
    LAST_SLOT_ENDS,
    TODAY,
    Gate,
    add_group,
    build_gate,
)

GRANDMA = {"name": "外婆", "phone": "13700003333", "relationship": "外婆"}


async def approved_leave(
    client: httpx.AsyncClient, gate: Gate, slot_ids: list[str] | None = None, kind: str = "sick"
) -> None:
    asked = await client.post(
        "/leave-requests",
        json={
            "student_id": str(gate.child.id),
            "start_date": TODAY.isoformat(),
            "end_date": TODAY.isoformat(),
            "slot_ids": slot_ids,
            "kind": kind,
            "reason": "发烧" if kind == "sick" else "奶奶接去看病",
        },
        headers=auth(gate.mother),
    )
    assert asked.status_code == 201, asked.text
    decided = await client.post(
        f"/leave-requests/{asked.json()['id']}/decision",
        json={"decision": "approve"},
        headers=auth(gate.teacher),
    )
    assert decided.status_code == 200, decided.text


async def roll_call(client: httpx.AsyncClient, gate: Gate, group, status: str) -> None:
    response = await client.post(
        "/attendance/roll-calls",
        json={
            "group_id": str(group.id),
            "slot_id": str(group.slot_id),
            "date": TODAY.isoformat(),
            "marks": [{"student_id": str(gate.child.id), "status": status}],
        },
        headers=auth(gate.teacher),
    )
    assert response.status_code == 200, response.text


async def person(client: httpx.AsyncClient, gate: Gate) -> str:
    response = await client.post(
        f"/students/{gate.child.id}/pickup-persons", json=GRANDMA, headers=auth(gate.mother)
    )
    return str(response.json()["id"])


async def hand_over(client: httpx.AsyncClient, gate: Gate, person_id: str) -> httpx.Response:
    return await client.post(
        "/pickups",
        json={
            "student_id": str(gate.child.id),
            "date": TODAY.isoformat(),
            "pickup_person_id": person_id,
        },
        headers=auth(gate.duty),
    )


async def waiting(client: httpx.AsyncClient, gate: Gate) -> list[str]:
    response = await client.get("/pickups?status=waiting", headers=auth(gate.duty))
    return [i["student_id"] for i in response.json()["items"]]


async def sweep_at(moment) -> int:
    clock.freeze(moment)
    async with database.sessionmaker()() as session:
        result = await detect_late_pickups(session, moment)
        await session.commit()
    return result.detected


class TestOnLeave:
    async def test_a_child_on_leave_all_day_is_not_handed_over_nor_waited_for(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person_id = await person(client, gate)
        await approved_leave(client, gate)

        response = await hand_over(client, gate, person_id)
        assert response.status_code == 409
        assert response.json()["code"] == "pickup.child_on_leave"
        code = (
            await client.post(
                "/pickup-passes",
                json={"student_ids": [str(gate.child.id)]},
                headers=auth(gate.mother),
            )
        ).json()["code"]
        verified = await client.post(
            "/pickups/verify", json={"code": code}, headers=auth(gate.duty)
        )
        assert verified.json()["students"][0]["status"] == "on_leave"
        assert await waiting(client, gate) == []
        assert await sweep_at(LAST_SLOT_ENDS + timedelta(hours=1)) == 0

    async def test_early_pickup_leave_for_the_evening_slot_moves_the_end_earlier(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await approved_leave(client, gate, [str(gate.evening.id)], kind="early_pickup")
        assert await waiting(client, gate) == [str(gate.child.id)]
        listed = (await client.get("/pickups", headers=auth(gate.duty))).json()["items"]
        assert listed[0]["slot_end_at"] == "2030-03-13T16:30:00+08:00"
        # 16:45 local: the activity slot ended 15 minutes ago
        assert await sweep_at(clock.now().replace(hour=8, minute=45)) == 1
        person_id = await person(client, gate)
        assert (await hand_over(client, gate, person_id)).status_code == 201


class TestAbsent:
    async def test_a_child_marked_absent_is_not_handed_over_until_marked_present(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        group = await add_group(session, gate, gate.activity)
        await session.commit()
        person_id = await person(client, gate)
        await roll_call(client, gate, group, "absent")

        response = await hand_over(client, gate, person_id)
        assert response.status_code == 409
        assert response.json()["code"] == "pickup.child_absent"
        assert await waiting(client, gate) == []
        assert await sweep_at(LAST_SLOT_ENDS + timedelta(hours=1)) == 0

        clock.freeze(LAST_SLOT_ENDS - timedelta(hours=2))
        await roll_call(client, gate, group, "present")  # arrived late after all
        assert (await hand_over(client, gate, person_id)).status_code == 201

    async def test_present_at_a_later_slot_wins_over_absent_at_an_earlier_one(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        activity = await add_group(session, gate, gate.activity)
        evening = await add_group(session, gate, gate.evening)
        await session.commit()
        await roll_call(client, gate, activity, "absent")
        await roll_call(client, gate, evening, "present")
        assert await waiting(client, gate) == [str(gate.child.id)]
        person_id = await person(client, gate)
        assert (await hand_over(client, gate, person_id)).status_code == 201


class TestRoster:
    async def test_the_roster_shows_picked_up_and_a_later_absent_mark_alarms_nobody(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        activity = await add_group(session, gate, gate.activity)
        evening = await add_group(session, gate, gate.evening)
        await session.commit()
        await roll_call(client, gate, activity, "present")
        person_id = await person(client, gate)
        assert (await hand_over(client, gate, person_id)).status_code == 201

        for group in (activity, evening):
            roster = await client.get(
                f"/rosters?date={TODAY.isoformat()}&group_id={group.id}", headers=auth(gate.duty)
            )
            assert roster.status_code == 200, roster.text
            assert [i["status"] for i in roster.json()["items"]] == ["picked_up"]

        # the evening leader, not knowing, marks the collected child absent: nobody is alarmed
        await roll_call(client, gate, evening, "absent")
        alarms = await session.scalars(
            select(Notification).where(Notification.kind == "attendance.absent")
        )
        assert list(alarms) == []

    async def test_the_roster_shows_released(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        group = await add_group(session, gate, gate.evening)
        await session.commit()
        await client.patch(
            "/pickup-settings", json={"self_release_grades": [3]}, headers=auth(gate.admin)
        )
        await client.post(f"/students/{gate.child.id}/release-consent", headers=auth(gate.mother))
        released = await client.post(
            "/pickups/release",
            json={"student_id": str(gate.child.id), "date": TODAY.isoformat()},
            headers=auth(gate.duty),
        )
        assert released.status_code == 201
        roster = await client.get(
            f"/rosters?date={TODAY.isoformat()}&group_id={group.id}", headers=auth(gate.teacher)
        )
        assert [i["status"] for i in roster.json()["items"]] == ["released"]
