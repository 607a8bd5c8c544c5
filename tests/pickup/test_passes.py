"""Pickup passes: issue, verify at the gate, expire, revoke, reuse, throttle."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock
from app.core.audit import AuditEvent
from app.pickup.identity import CODE_ALPHABET, CODE_LENGTH
from app.pickup.models import PickupPass
from app.school.models import Guardian
from tests.factories import (
    auth,
    create_class,
    create_parent,
    create_school,
    create_student,
    create_user,
    link_guardian,
    random_id,
)
from tests.pickup.factories import TODAY, Gate, add_child, build_gate


async def issue(client: httpx.AsyncClient, parent, *students, **extra) -> dict:
    response = await client.post(
        "/pickup-passes",
        json={"student_ids": [str(s.id) for s in students], **extra},
        headers=auth(parent),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def verify(client: httpx.AsyncClient, staff, code: str) -> httpx.Response:
    return await client.post("/pickups/verify", json={"code": code}, headers=auth(staff))


class TestIssue:
    async def test_a_parent_gets_a_short_typeable_code_and_a_qr_payload(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)

        code = body["code"]
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
        assert code in body["qr_payload"]
        assert body["date"] == TODAY.isoformat()
        assert body["adult"] == {
            "name": "张妈妈",
            "phone_masked": "138****1111",
            "relationship": "妈妈",
            "kind": "guardian",
        }
        assert body["students"] == [{"id": str(gate.child.id), "name": "小明"}]
        expires = clock.now() + timedelta(minutes=10)
        assert body["expires_at"].startswith(expires.isoformat()[:16])

    async def test_only_a_keyed_digest_of_the_code_is_stored(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        stored = await session.scalar(select(PickupPass).where(PickupPass.id == body["id"]))
        assert stored is not None
        assert body["code"] not in stored.code_digest
        assert len(stored.code_digest) == 64

    async def test_codes_differ_each_time(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        codes = {(await issue(client, gate.mother, gate.child))["code"] for _ in range(5)}
        assert len(codes) == 5

    async def test_another_familys_child_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        stranger_child = await add_child(session, gate)
        await session.commit()
        response = await client.post(
            "/pickup-passes",
            json={"student_ids": [str(gate.child.id), str(stranger_child.id)]},
            headers=auth(gate.mother),
        )
        assert response.status_code == 404
        assert response.json()["code"] == "student.not_found"

    async def test_staff_may_not_issue_passes(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        for staff in (gate.duty, gate.teacher, gate.admin):
            response = await client.post(
                "/pickup-passes", json={"student_ids": [str(gate.child.id)]}, headers=auth(staff)
            )
            assert response.status_code == 403

    async def test_bad_input_is_422(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        gate = await build_gate(session)
        for body in (
            {"student_ids": []},
            {"student_ids": ["not-a-uuid"]},
            {"student_ids": [str(gate.child.id)], "colour": "red"},
            {"student_ids": [random_id() for _ in range(11)]},
        ):
            response = await client.post("/pickup-passes", json=body, headers=auth(gate.mother))
            assert response.status_code == 422, body
            assert response.headers["content-type"] == "application/problem+json"

    async def test_a_pass_can_name_a_listed_pickup_person_for_several_children(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        sister = await add_child(session, gate)
        await link_guardian(session, gate.mother, sister)
        await session.commit()

        grandma = {"name": "外婆", "phone": "13700003333", "relationship": "外婆"}
        person_ids = []
        for kid in (gate.child, sister):
            created = await client.post(
                f"/students/{kid.id}/pickup-persons", json=grandma, headers=auth(gate.mother)
            )
            assert created.status_code == 201
            person_ids.append(created.json()["id"])

        body = await issue(client, gate.mother, gate.child, sister, pickup_person_id=person_ids[0])
        assert body["adult"]["name"] == "外婆"
        assert body["adult"]["kind"] == "pickup_person"

        checked = await verify(client, gate.duty, body["code"])
        assert checked.status_code == 200
        assert {s["id"] for s in checked.json()["students"]} == {
            str(gate.child.id),
            str(sister.id),
        }

    async def test_a_pickup_person_not_listed_for_every_child_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        sister = await add_child(session, gate)
        await link_guardian(session, gate.mother, sister)
        await session.commit()
        created = await client.post(
            f"/students/{gate.child.id}/pickup-persons",
            json={"name": "外婆", "phone": "13700003333", "relationship": "外婆"},
            headers=auth(gate.mother),
        )
        response = await client.post(
            "/pickup-passes",
            json={
                "student_ids": [str(gate.child.id), str(sister.id)],
                "pickup_person_id": created.json()["id"],
            },
            headers=auth(gate.mother),
        )
        assert response.status_code == 422
        assert response.json()["code"] == "pickup.person_not_listed"


class TestVerify:
    async def test_duty_sees_the_adult_and_the_children_with_todays_status(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)

        response = await verify(client, gate.duty, body["code"].lower())
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["adult"]["name"] == "张妈妈"
        assert data["adult"]["phone_masked"] == "138****1111"
        assert data["adult"]["relationship"] == "妈妈"
        assert data["students"] == [
            {
                "id": str(gate.child.id),
                "name": "小明",
                "class_name": gate.klass.name,
                "status": "expected",
            }
        ]

    async def test_a_pass_for_two_children_shows_each_by_name_once_one_has_left(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        sister = await add_child(session, gate)
        sister.name = "小明妹妹"  # sorts after 小明 in any collation
        await link_guardian(session, gate.mother, sister)
        await session.commit()
        body = await issue(client, gate.mother, gate.child, sister)
        first = await client.post(
            "/pickups",
            json={
                "student_id": str(sister.id),
                "date": TODAY.isoformat(),
                "pass_code": body["code"],
            },
            headers=auth(gate.duty),
        )
        assert first.status_code == 201

        response = await verify(client, gate.duty, body["code"])
        assert response.status_code == 200, response.text
        assert [(s["name"], s["class_name"], s["status"]) for s in response.json()["students"]] == [
            ("小明", gate.klass.name, "expected"),
            ("小明妹妹", gate.klass.name, "picked_up"),
        ]

    async def test_the_scanned_qr_payload_works_as_well_as_the_code(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        response = await verify(client, gate.admin, body["qr_payload"])
        assert response.status_code == 200

    async def test_unknown_code_is_404_and_audited(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        response = await verify(client, gate.duty, "ABCDEFGH")
        assert response.status_code == 404
        assert response.json()["code"] == "pickup.pass_invalid"
        failures = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "pickup.check_failed", AuditEvent.actor_id == gate.duty.id)
        )
        assert failures == 1

    async def test_an_expired_pass_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        clock.advance(timedelta(minutes=10, seconds=1))
        response = await verify(client, gate.duty, body["code"])
        assert response.status_code == 404
        assert response.json()["code"] == "pickup.pass_invalid"

    async def test_a_pass_dies_at_midnight_whatever_its_lifetime(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        # 23:55 local: the pass lives five minutes, not ten.
        clock.freeze(clock.now().replace(hour=15, minute=55))
        body = await issue(client, gate.mother, gate.child)
        assert body["expires_at"] == "2030-03-13T16:00:00Z"

    async def test_a_revoked_pass_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        revoked = await client.delete(f"/pickup-passes/{body['id']}", headers=auth(gate.mother))
        assert revoked.status_code == 204
        response = await verify(client, gate.duty, body["code"])
        assert response.status_code == 404

    async def test_a_fully_used_pass_is_404_and_cannot_hand_over_again(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        first = await client.post(
            "/pickups",
            json={
                "student_id": str(gate.child.id),
                "date": TODAY.isoformat(),
                "pass_code": body["code"],
            },
            headers=auth(gate.duty),
        )
        assert first.status_code == 201
        again = await verify(client, gate.duty, body["code"])
        assert again.status_code == 404
        assert again.json()["code"] == "pickup.pass_invalid"
        reused = await client.post(
            "/pickups",
            json={
                "student_id": str(gate.child.id),
                "date": TODAY.isoformat(),
                "pass_code": body["code"],
            },
            headers=auth(gate.duty),
        )
        assert reused.status_code == 409
        assert reused.json()["code"] == "pickup.already_done"

    async def test_a_pass_of_another_school_is_404_with_no_data(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        other = await create_school(session)
        other_duty = await create_user(session, roles=[Role.DUTY], school=other)
        await session.commit()
        body = await issue(client, gate.mother, gate.child)
        response = await verify(client, other_duty, body["code"])
        assert response.status_code == 404
        assert "小明" not in response.text
        assert "张妈妈" not in response.text

    async def test_a_pass_of_an_unlinked_guardian_dies(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.father, gate.child)
        link = await session.get(Guardian, (gate.father.id, gate.child.id))
        await session.delete(link)
        await session.commit()
        response = await verify(client, gate.duty, body["code"])
        assert response.status_code == 404

    async def test_teachers_and_parents_may_not_verify(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        for caller in (gate.teacher, gate.mother):
            response = await verify(client, caller, body["code"])
            assert response.status_code == 403
        anonymous = await client.post("/pickups/verify", json={"code": body["code"]})
        assert anonymous.status_code == 401


class TestThrottle:
    async def test_five_failures_lock_the_gate_account_for_a_while(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        for i in range(5):
            wrong = await verify(client, gate.duty, f"WRONG{i:03d}")
            assert wrong.status_code == 404
        locked = await verify(client, gate.duty, body["code"])  # even the right code
        assert locked.status_code == 429
        assert locked.json()["code"] == "pickup.too_many_attempts"
        assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60

        # another gate account is not affected
        assert (await verify(client, gate.admin, body["code"])).status_code == 200

        clock.advance(timedelta(minutes=15))
        fresh = await issue(client, gate.mother, gate.child)
        assert (await verify(client, gate.duty, fresh["code"])).status_code == 200

    async def test_failures_on_one_code_from_many_accounts_lock_that_code(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        gates = [
            await create_user(session, roles=[Role.DUTY], school=gate.school) for _ in range(6)
        ]
        await session.commit()
        for account in gates[:5]:
            assert (await verify(client, account, "GUESSME2")).status_code == 404
        response = await verify(client, gates[5], "GUESSME2")
        assert response.status_code == 429

    async def test_failed_confirmations_count_too(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        for i in range(5):
            response = await client.post(
                "/pickups",
                json={
                    "student_id": str(gate.child.id),
                    "date": TODAY.isoformat(),
                    "pass_code": f"NOPE{i:04d}",
                },
                headers=auth(gate.duty),
            )
            assert response.status_code == 404
        response = await verify(client, gate.duty, "ANYTHING")
        assert response.status_code == 429


class TestRevokeAndList:
    async def test_revoke_by_code_and_list(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        first = await issue(client, gate.mother, gate.child)
        second = await issue(client, gate.mother, gate.child)
        assert (
            await client.delete(f"/pickup-passes/{second['code']}", headers=auth(gate.mother))
        ).status_code == 204
        # revoking again changes nothing and still answers 204
        assert (
            await client.delete(f"/pickup-passes/{second['id']}", headers=auth(gate.mother))
        ).status_code == 204

        listed = await client.get("/pickup-passes", headers=auth(gate.mother))
        assert listed.status_code == 200
        statuses = {p["id"]: p["status"] for p in listed.json()["items"]}
        assert statuses == {first["id"]: "active", second["id"]: "revoked"}
        assert "code" not in listed.json()["items"][0]

    async def test_the_other_guardian_may_revoke_a_stranger_may_not(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        body = await issue(client, gate.mother, gate.child)
        klass = await create_class(session, gate.school)
        stranger = await create_parent(session, await create_student(session, klass))
        await session.commit()
        refused = await client.delete(f"/pickup-passes/{body['id']}", headers=auth(stranger))
        assert refused.status_code == 404
        assert (await verify(client, gate.duty, body["code"])).status_code == 200
        allowed = await client.delete(f"/pickup-passes/{body['id']}", headers=auth(gate.father))
        assert allowed.status_code == 204

    async def test_unknown_pass_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        response = await client.delete(f"/pickup-passes/{random_id()}", headers=auth(gate.mother))
        assert response.status_code == 404
        assert response.json()["code"] == "pickup.pass_not_found"


async def test_concurrent_verifications_of_one_pass_both_answer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate: Gate = await build_gate(session)
    body = await issue(client, gate.mother, gate.child)
    a, b = await asyncio.gather(
        verify(client, gate.duty, body["code"]), verify(client, gate.admin, body["code"])
    )
    assert a.status_code == b.status_code == 200
