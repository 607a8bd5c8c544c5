"""Pickup persons (kept by the family) and blocked adults (kept by the school)."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role, User
from app.core.audit import AuditEvent
from app.notifications.models import Notification
from tests.factories import (
    auth,
    create_parent,
    create_school,
    create_user,
    link_guardian,
    random_id,
)
from tests.pickup.factories import Gate, add_child, build_gate, hand_over, pass_code

GRANDMA = {"name": "外婆", "phone": "+8613700003333", "relationship": "外婆"}


def persons_url(gate: Gate, student=None) -> str:
    return f"/students/{(student or gate.child).id}/pickup-persons"


def blocked_url(gate: Gate, student=None) -> str:
    return f"/students/{(student or gate.child).id}/blocked-adults"


async def notes(session: AsyncSession, user, kind: str) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    )
    return list(rows)


class TestPickupPersons:
    async def test_a_guardian_adds_lists_changes_and_removes(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        created = await client.post(persons_url(gate), json=GRANDMA, headers=auth(gate.mother))
        assert created.status_code == 201, created.text
        person = created.json()
        assert person["phone"] == "13700003333"  # stored without the country code
        assert person["level"] == "always"
        assert person["valid_from"] is None and person["valid_until"] is None

        listed = await client.get(persons_url(gate), headers=auth(gate.father))
        assert [p["id"] for p in listed.json()["items"]] == [person["id"]]
        assert listed.json()["next_cursor"] is None

        patched = await client.patch(
            f"{persons_url(gate)}/{person['id']}",
            json={"level": "emergency_only", "valid_until": "2030-06-30"},
            headers=auth(gate.father),
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["level"] == "emergency_only"
        assert patched.json()["valid_until"] == "2030-06-30"
        assert patched.json()["name"] == "外婆"
        cleared = await client.patch(
            f"{persons_url(gate)}/{person['id']}",
            json={"valid_until": None},
            headers=auth(gate.father),
        )
        assert cleared.json()["valid_until"] is None

        removed = await client.delete(
            f"{persons_url(gate)}/{person['id']}", headers=auth(gate.mother)
        )
        assert removed.status_code == 204
        listed = await client.get(persons_url(gate), headers=auth(gate.mother))
        assert listed.json()["items"] == []
        again = await client.delete(
            f"{persons_url(gate)}/{person['id']}", headers=auth(gate.mother)
        )
        assert again.status_code == 404
        assert again.json()["code"] == "pickup.person_not_found"

        actions = set(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.object_id == person["id"])
            )
        )
        assert actions == {
            "pickup_person.added",
            "pickup_person.updated",
            "pickup_person.removed",
        }

    async def test_the_other_guardian_is_told_of_a_new_pickup_person(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await client.post(persons_url(gate), json=GRANDMA, headers=auth(gate.mother))
        (note,) = await notes(session, gate.father, "pickup.person_added")
        assert "外婆" in note.body and "张妈妈" in note.body
        assert await notes(session, gate.mother, "pickup.person_added") == []

    async def test_the_same_phone_twice_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await client.post(persons_url(gate), json=GRANDMA, headers=auth(gate.mother))
        again = await client.post(
            persons_url(gate),
            json={**GRANDMA, "phone": "13700003333", "name": "姥姥"},
            headers=auth(gate.father),
        )
        assert again.status_code == 409
        assert again.json()["code"] == "pickup.person_duplicate"

    async def test_bad_input_is_422(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        gate = await build_gate(session)
        for body in (
            {**GRANDMA, "phone": "call me"},
            {**GRANDMA, "name": ""},
            {**GRANDMA, "name": "外" * 65},
            {**GRANDMA, "level": "sometimes"},
            {**GRANDMA, "valid_from": "2030-04-01", "valid_until": "2030-03-01"},
            {**GRANDMA, "nickname": "x"},
            {"name": "外婆"},
        ):
            response = await client.post(persons_url(gate), json=body, headers=auth(gate.mother))
            assert response.status_code == 422, body
        created = await client.post(persons_url(gate), json=GRANDMA, headers=auth(gate.mother))
        response = await client.patch(
            f"{persons_url(gate)}/{created.json()['id']}",
            json={"name": None},
            headers=auth(gate.mother),
        )
        assert response.status_code == 422
        response = await client.patch(
            f"{persons_url(gate)}/{created.json()['id']}",
            json={"valid_from": "2030-09-01", "valid_until": "2030-08-01"},
            headers=auth(gate.mother),
        )
        assert response.status_code == 422
        assert response.json()["code"] == "pickup.validity_invalid"

    async def test_staff_of_the_school_read_but_do_not_write(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await client.post(persons_url(gate), json=GRANDMA, headers=auth(gate.mother))
        for staff in (gate.duty, gate.teacher, gate.admin):
            response = await client.get(persons_url(gate), headers=auth(staff))
            assert response.status_code == 200
            assert response.json()["items"][0]["name"] == "外婆"
            response = await client.post(persons_url(gate), json=GRANDMA, headers=auth(staff))
            assert response.status_code == 403

    async def test_other_families_and_schools_get_404_and_no_data(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        created = await client.post(persons_url(gate), json=GRANDMA, headers=auth(gate.mother))
        classmate = await add_child(session, gate)
        stranger = await create_parent(session, classmate)
        other = await create_school(session)
        other_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other)
        await session.commit()
        person_url = f"{persons_url(gate)}/{created.json()['id']}"
        for caller in (stranger, other_admin):
            response = await client.get(persons_url(gate), headers=auth(caller))
            assert response.status_code == 404
            assert "外婆" not in response.text
        for response in (
            await client.post(persons_url(gate), json=GRANDMA, headers=auth(stranger)),
            await client.patch(person_url, json={"name": "x"}, headers=auth(stranger)),
            await client.delete(person_url, headers=auth(stranger)),
        ):
            assert response.status_code == 404
        # a person id under the wrong child is not found either
        own = await client.patch(
            f"{persons_url(gate, classmate)}/{created.json()['id']}",
            json={"name": "x"},
            headers=auth(stranger),
        )
        assert own.status_code == 404
        missing = await client.get(
            f"/students/{random_id()}/pickup-persons", headers=auth(gate.mother)
        )
        assert missing.status_code == 404

    async def test_there_is_a_limit(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        gate = await build_gate(session)
        for i in range(20):
            response = await client.post(
                persons_url(gate),
                json={**GRANDMA, "phone": f"1370000{i:04d}"},
                headers=auth(gate.mother),
            )
            assert response.status_code == 201
        response = await client.post(
            persons_url(gate), json={**GRANDMA, "phone": "13799999999"}, headers=auth(gate.mother)
        )
        assert response.status_code == 422
        assert response.json()["code"] == "pickup.persons_limit"


BLOCKED = {
    "name": "张某",
    "phone": "13900009999",
    "id_number": "110101198001011234",
    "note": "法院禁止令（2030）京0101民初123号：不得接触孩子",
}


class TestBlockedAdults:
    async def test_an_admin_blocks_and_lifts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        created = await client.post(blocked_url(gate), json=BLOCKED, headers=auth(gate.admin))
        assert created.status_code == 201, created.text
        blocked = created.json()
        assert blocked["id_number_tail"] == "1234"
        assert "id_number" not in blocked
        assert "110101198001011234" not in created.text

        for reader in (gate.admin, gate.duty):
            listed = await client.get(blocked_url(gate), headers=auth(reader))
            assert [b["id"] for b in listed.json()["items"]] == [blocked["id"]]

        lifted = await client.delete(
            f"{blocked_url(gate)}/{blocked['id']}", headers=auth(gate.admin)
        )
        assert lifted.status_code == 204
        listed = await client.get(blocked_url(gate), headers=auth(gate.admin))
        assert listed.json()["items"] == []
        again = await client.delete(
            f"{blocked_url(gate)}/{blocked['id']}", headers=auth(gate.admin)
        )
        assert again.status_code == 404

    async def test_only_school_admins_write_duty_reads_teachers_and_parents_do_not(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        for caller in (gate.duty, gate.teacher, gate.mother):
            response = await client.post(blocked_url(gate), json=BLOCKED, headers=auth(caller))
            assert response.status_code == 403
        for caller in (gate.teacher, gate.mother):
            response = await client.get(blocked_url(gate), headers=auth(caller))
            assert response.status_code == 403
        other = await create_school(session)
        other_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other)
        await session.commit()
        response = await client.post(blocked_url(gate), json=BLOCKED, headers=auth(other_admin))
        assert response.status_code == 404
        response = await client.get(blocked_url(gate), headers=auth(other_admin))
        assert response.status_code == 404

    async def test_a_note_is_required(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        for body in (
            {k: v for k, v in BLOCKED.items() if k != "note"},
            {**BLOCKED, "note": ""},
            {**BLOCKED, "id_number": "!!"},
            {**BLOCKED, "note": "x" * 2001},
        ):
            response = await client.post(blocked_url(gate), json=body, headers=auth(gate.admin))
            assert response.status_code == 422, body


class TestBlockedAtTheGate:
    async def _block(self, client: httpx.AsyncClient, gate: Gate, **fields) -> str:
        response = await client.post(
            blocked_url(gate), json={**BLOCKED, **fields}, headers=auth(gate.admin)
        )
        assert response.status_code == 201
        return str(response.json()["id"])

    async def _hand_over_with_pass(
        self, client: httpx.AsyncClient, gate: Gate, parent: User
    ) -> httpx.Response:
        """The parent issues a pass for the child; duty staff hand the child over with it."""
        code = await pass_code(client, parent, gate.child)
        return await hand_over(client, gate.duty, gate.child, pass_code=code)

    async def _alerts(self, session: AsyncSession, gate: Gate) -> dict[str, int]:
        counts = {}
        for user in (gate.admin, gate.duty, gate.teacher, gate.mother, gate.father):
            counts[user.name] = len(await notes(session, user, "pickup.blocked_attempt"))
        return counts

    async def test_a_blocked_guardians_pass_is_refused_and_staff_alerted(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await self._block(client, gate, name="张爸爸", phone="13800002222")
        issued = await client.post(
            "/pickup-passes",
            json={"student_ids": [str(gate.child.id)]},
            headers=auth(gate.father),
        )
        code = issued.json()["code"]

        verified = await client.post(
            "/pickups/verify", json={"code": code}, headers=auth(gate.duty)
        )
        assert verified.status_code == 403
        assert verified.json()["code"] == "pickup.adult_blocked"
        assert "小明" not in verified.text

        confirmed = await hand_over(client, gate.duty, gate.child, pass_code=code)
        assert confirmed.status_code == 403
        assert confirmed.json()["code"] == "pickup.adult_blocked"

        # duty staff and admins hear of it (once per ten minutes); teachers and family do not
        assert await self._alerts(session, gate) == {
            "王校长": 1,
            "李值班": 1,
            "赵老师": 0,
            "张妈妈": 0,
            "张爸爸": 0,
        }
        (alert,) = await notes(session, gate.admin, "pickup.blocked_attempt")
        assert "张爸爸" in alert.body and "小明" in alert.body
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "pickup.blocked_attempt")
            )
        )
        assert len(events) == 2
        assert {e.data["via"] for e in events} == {"pass_verify", "pass"}

    async def test_a_listed_pickup_person_matching_a_block_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        # listed by one parent under a different name, same phone
        created = await client.post(
            persons_url(gate),
            json={"name": "老张", "phone": "13900009999", "relationship": "亲戚"},
            headers=auth(gate.father),
        )
        await self._block(client, gate)
        response = await hand_over(
            client, gate.duty, gate.child, pickup_person_id=created.json()["id"]
        )
        assert response.status_code == 403
        assert response.json()["code"] == "pickup.adult_blocked"
        assert (await self._alerts(session, gate))["李值班"] == 1

    async def test_the_id_document_checked_at_the_gate_is_matched(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        created = await client.post(
            persons_url(gate),
            json={"name": "李叔叔", "phone": "13600001234", "relationship": "邻居"},
            headers=auth(gate.mother),
        )
        await self._block(client, gate)
        response = await hand_over(
            client,
            gate.duty,
            gate.child,
            pickup_person_id=created.json()["id"],
            adult_id_number="110101 19800101 1234",
        )
        assert response.status_code == 403
        assert response.json()["code"] == "pickup.adult_blocked"

    async def test_blocks_naming_others_let_the_handover_through_and_the_family_is_told_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await self._block(client, gate, name="某甲", phone="13700000001")
        await self._block(client, gate, name="某乙", phone="13700000002")
        handed = await self._hand_over_with_pass(client, gate, gate.mother)
        assert handed.status_code == 201, handed.text
        for parent in (gate.mother, gate.father):
            assert len(await notes(session, parent, "pickup.handed_over")) == 1

    async def test_a_match_among_several_blocks_refuses(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await self._block(client, gate, name="某甲", phone="13700000001")
        await self._block(client, gate, name="某乙", phone="13700000002")
        await self._block(client, gate, name="张爸爸", phone="13800002222")
        refused = await self._hand_over_with_pass(client, gate, gate.father)
        assert refused.status_code == 403
        assert refused.json()["code"] == "pickup.adult_blocked"

    async def test_a_lifted_block_no_longer_refuses(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        blocked = await self._block(client, gate, name="张爸爸", phone="13800002222")
        await client.delete(f"{blocked_url(gate)}/{blocked}", headers=auth(gate.admin))
        issued = await client.post(
            "/pickup-passes",
            json={"student_ids": [str(gate.child.id)]},
            headers=auth(gate.father),
        )
        verified = await client.post(
            "/pickups/verify", json={"code": issued.json()["code"]}, headers=auth(gate.duty)
        )
        assert verified.status_code == 200

    async def test_a_block_on_one_child_does_not_touch_a_sibling(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        sibling = await add_child(session, gate)
        await link_guardian(session, gate.father, sibling, relationship="爸爸")
        await session.commit()
        await self._block(client, gate, name="张爸爸", phone="13800002222")
        issued = await client.post(
            "/pickup-passes", json={"student_ids": [str(sibling.id)]}, headers=auth(gate.father)
        )
        verified = await client.post(
            "/pickups/verify", json={"code": issued.json()["code"]}, headers=auth(gate.duty)
        )
        assert verified.status_code == 200

    async def test_a_blocked_adult_asking_for_a_child_not_on_their_pass_is_flagged(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        half_sibling = await add_child(session, gate)
        outsider = await create_parent(session, half_sibling, name="刘某", phone="13500007777")
        await session.commit()
        await self._block(client, gate, name="刘某", phone="13500007777")
        issued = await client.post(
            "/pickup-passes", json={"student_ids": [str(half_sibling.id)]}, headers=auth(outsider)
        )
        response = await hand_over(client, gate.duty, gate.child, pass_code=issued.json()["code"])
        assert response.status_code == 403
        assert response.json()["code"] == "pickup.adult_blocked"
        assert (await self._alerts(session, gate))["王校长"] == 1
