"""POST /pickups/{id}/void: a mistaken handover undone, the child waiting again, the family told."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.audit import AuditEvent
from app.notifications.models import Notification
from tests.factories import auth, create_other_school, random_id
from tests.pickup.factories import TODAY, Gate, add_group, build_gate, hand_over, pass_code

REASON = {"reason": "值班老师点错了孩子"}


async def _handed_over(client: httpx.AsyncClient, gate: Gate) -> dict[str, Any]:
    response = await hand_over(
        client, gate.duty, gate.child, pass_code=await pass_code(client, gate.mother, gate.child)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _void(
    client: httpx.AsyncClient, who: Any, handover_id: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(
        f"/pickups/{handover_id}/void", json=REASON if body is None else body, headers=auth(who)
    )


async def _waiting(client: httpx.AsyncClient, gate: Gate) -> list[str]:
    response = await client.get(
        "/pickups", params={"date": TODAY.isoformat(), "status": "waiting"}, headers=auth(gate.duty)
    )
    assert response.status_code == 200
    return [i["student_id"] for i in response.json()["items"]]


class TestVoid:
    async def test_the_child_is_waiting_again_the_family_told_and_the_void_audited(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        group = await add_group(session, gate, gate.evening)
        await session.commit()
        handover = await _handed_over(client, gate)
        assert await _waiting(client, gate) == []

        response = await _void(client, gate.admin, handover["id"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["id"] == handover["id"]
        assert body["void_reason"] == REASON["reason"]
        assert body["voided_by"] == str(gate.admin.id)
        assert body["voided_at"] is not None

        assert await _waiting(client, gate) == [str(gate.child.id)]
        roster = await client.get(
            "/rosters",
            params={"date": TODAY.isoformat(), "group_id": str(group.id)},
            headers=auth(gate.teacher),
        )
        assert [i["status"] for i in roster.json()["items"]] == ["expected"]

        for parent in (gate.mother, gate.father):
            (notice,) = await session.scalars(
                select(Notification).where(
                    Notification.user_id == parent.id, Notification.kind == "pickup.voided"
                )
            )
            assert "小明" in notice.body and REASON["reason"] in notice.body
            assert notice.data["handover_id"] == handover["id"]
        (event,) = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "pickup.voided")
        )
        assert event.actor_id == gate.admin.id
        assert str(event.object_id) == handover["id"]
        assert event.data["reason"] == REASON["reason"]
        assert event.data["student_id"] == str(gate.child.id)

        # the handover is still readable, as voided, by staff and the family
        for reader in (gate.duty, gate.mother):
            read = await client.get(f"/pickups/{handover['id']}", headers=auth(reader))
            assert read.status_code == 200
            assert read.json()["void_reason"] == REASON["reason"]

    async def test_a_voided_handover_does_not_block_the_real_one_and_both_are_told(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        first = await _handed_over(client, gate)
        assert (await _void(client, gate.admin, first["id"])).status_code == 200
        second = await _handed_over(client, gate)
        assert second["id"] != first["id"]
        notices = await session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == gate.mother.id)
            .order_by(Notification.created_at)
        )
        assert list(notices).count("pickup.handed_over") == 2
        again = await hand_over(
            client,
            gate.duty,
            gate.child,
            pass_code=await pass_code(client, gate.mother, gate.child),
        )
        assert again.status_code == 409  # one live handover a day, as before

    async def test_voiding_twice_is_409_and_two_at_once_void_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        handover = await _handed_over(client, gate)
        responses = await asyncio.gather(
            _void(client, gate.admin, handover["id"]), _void(client, gate.admin, handover["id"])
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        conflict = next(r for r in responses if r.status_code == 409)
        assert conflict.json()["code"] == "pickup.already_voided"
        events = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "pickup.voided")
        )
        assert len(list(events)) == 1

    @pytest.mark.parametrize("role", ["duty", "teacher", "mother"])
    async def test_only_a_school_admin_voids(
        self, client: httpx.AsyncClient, session: AsyncSession, role: str
    ) -> None:
        gate = await build_gate(session)
        handover = await _handed_over(client, gate)
        response = await _void(client, getattr(gate, role), handover["id"])
        assert response.status_code == 403
        assert await _waiting(client, gate) == []

    async def test_another_schools_handover_and_an_unknown_id_are_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        handover = await _handed_over(client, gate)
        _, other_admin = await create_other_school(session)
        await session.commit()
        foreign = await _void(client, other_admin, handover["id"])
        assert foreign.status_code == 404
        assert foreign.json()["code"] == "pickup.handover_not_found"
        assert handover["id"] not in foreign.text
        assert (await _void(client, gate.admin, random_id())).status_code == 404
        # and the other school cannot read the voided one either
        await _void(client, gate.admin, handover["id"])
        assert (
            await client.get(f"/pickups/{handover['id']}", headers=auth(other_admin))
        ).status_code == 404
        assert (await _void(client, other_admin, handover["id"])).status_code == 404

    @pytest.mark.parametrize(
        "body",
        [{}, {"reason": ""}, {"reason": "   "}, {"reason": "长" * 501}, {**REASON, "extra": 1}],
    )
    async def test_bad_input_is_422_and_voids_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any]
    ) -> None:
        gate = await build_gate(session)
        handover = await _handed_over(client, gate)
        response = await _void(client, gate.admin, handover["id"], body)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert await _waiting(client, gate) == []

    async def test_a_malformed_id_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        assert (await _void(client, gate.admin, "not-an-id")).status_code == 422
