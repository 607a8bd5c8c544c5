"""Handing a child over at the gate: by pass or listed person, once a day, every guardian told."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock
from app.core.audit import AuditEvent
from app.enrollment.models import EnrollmentStatus
from app.notifications.models import Notification, OutboxMessage
from app.pickup.models import Handover
from tests.factories import (
    auth,
    create_class,
    create_enrollment,
    create_parent,
    create_school,
    create_student,
    create_term,
    create_user,
    give_phone,
    random_id,
)
from tests.pickup.factories import (
    TERM_END,
    TERM_START,
    TODAY,
    Gate,
    add_child,
    build_gate,
    hand_over,
    pass_code,
)

GRANDMA = {"name": "外婆", "phone": "13700003333", "relationship": "外婆"}


async def add_person(client: httpx.AsyncClient, gate: Gate, student=None, **fields) -> str:
    response = await client.post(
        f"/students/{(student or gate.child).id}/pickup-persons",
        json={**GRANDMA, **fields},
        headers=auth(gate.mother),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def inbox(session: AsyncSession, user, kind: str) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    )
    return list(rows)


class TestByPass:
    async def test_hand_over_to_the_parent_of_the_pass(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        code = await pass_code(client, gate.mother, gate.child)

        response = await hand_over(client, gate.duty, gate.child, pass_code=code)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["student_id"] == str(gate.child.id)
        assert body["adult_name"] == "张妈妈"
        assert body["adult_kind"] == "guardian"
        assert body["kind"] == "picked_up"
        assert body["confirmed_by"] == str(gate.duty.id)
        assert body["confirmed_by_name"] == "李值班"
        assert body["picked_up_at"].startswith("2030-03-13T08:00")

    async def test_every_guardian_is_told_who_and_when(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await give_phone(session, gate.mother, gate.father)
        code = await pass_code(client, gate.mother, gate.child)
        handover = (await hand_over(client, gate.duty, gate.child, pass_code=code)).json()

        for parent in (gate.mother, gate.father):
            (note,) = await inbox(session, parent, "pickup.handed_over")
            assert "小明" in note.title
            assert "16:00" in note.body and "张妈妈" in note.body and "李值班" in note.body
            assert note.data["student_id"] == str(gate.child.id)
            assert note.data["handover_id"] == handover["id"]
        pushes = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Notification, Notification.id == OutboxMessage.notification_id)
            .where(Notification.kind == "pickup.handed_over")
        )
        assert pushes == 2

    async def test_a_child_not_on_the_pass_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        classmate = await add_child(session, gate)
        await session.commit()
        code = await pass_code(client, gate.mother, gate.child)
        response = await hand_over(client, gate.duty, classmate, pass_code=code)
        assert response.status_code == 403
        assert response.json()["code"] == "pickup.not_authorized"
        refused = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "pickup.check_failed")
        )
        assert refused == 1

    async def test_a_pass_naming_a_pickup_person_hands_over_to_them(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate, level="emergency_only")
        issued = await client.post(
            "/pickup-passes",
            json={"student_ids": [str(gate.child.id)], "pickup_person_id": person},
            headers=auth(gate.mother),
        )
        response = await hand_over(client, gate.duty, gate.child, pass_code=issued.json()["code"])
        assert response.status_code == 201, response.text
        assert response.json()["adult_name"] == "外婆"
        assert response.json()["pickup_person_id"] == person

    async def test_a_pass_whose_person_was_removed_no_longer_authorises(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate)
        issued = await client.post(
            "/pickup-passes",
            json={"student_ids": [str(gate.child.id)], "pickup_person_id": person},
            headers=auth(gate.mother),
        )
        removed = await client.delete(
            f"/students/{gate.child.id}/pickup-persons/{person}", headers=auth(gate.father)
        )
        assert removed.status_code == 204
        response = await hand_over(client, gate.duty, gate.child, pass_code=issued.json()["code"])
        assert response.status_code == 403
        assert response.json()["code"] == "pickup.not_authorized"

    async def test_an_expired_pass_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        code = await pass_code(client, gate.mother, gate.child)
        clock.advance(timedelta(minutes=11))
        response = await hand_over(client, gate.duty, gate.child, pass_code=code)
        assert response.status_code == 404
        assert response.json()["code"] == "pickup.pass_invalid"


class TestByPickupPerson:
    async def test_a_listed_person_whose_id_was_checked(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate)
        response = await hand_over(client, gate.admin, gate.child, pickup_person_id=person)
        assert response.status_code == 201, response.text
        assert response.json()["adult_name"] == "外婆"
        assert response.json()["adult_relationship"] == "外婆"
        assert response.json()["adult_kind"] == "pickup_person"

    async def test_an_emergency_only_person_needs_a_pass(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate, level="emergency_only")
        response = await hand_over(client, gate.duty, gate.child, pickup_person_id=person)
        assert response.status_code == 403
        assert response.json()["code"] == "pickup.not_authorized"

    async def test_outside_the_validity_window_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        later = await add_person(client, gate, valid_from=(TODAY + timedelta(days=1)).isoformat())
        over = await add_person(
            client,
            gate,
            phone="13700004444",
            valid_from="2030-03-01",
            valid_until=(TODAY - timedelta(days=1)).isoformat(),
        )
        for person in (later, over):
            response = await hand_over(client, gate.duty, gate.child, pickup_person_id=person)
            assert response.status_code == 403
        today_only = await add_person(
            client,
            gate,
            phone="13700005555",
            valid_from=TODAY.isoformat(),
            valid_until=TODAY.isoformat(),
        )
        response = await hand_over(client, gate.duty, gate.child, pickup_person_id=today_only)
        assert response.status_code == 201

    async def test_another_childs_pickup_person_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        classmate = await add_child(session, gate)
        other_mother = await create_parent(session, classmate)
        await session.commit()
        response = await client.post(
            f"/students/{classmate.id}/pickup-persons",
            json={"name": "邻居", "phone": "13600006666", "relationship": "邻居"},
            headers=auth(other_mother),
        )
        response = await hand_over(
            client, gate.duty, gate.child, pickup_person_id=response.json()["id"]
        )
        assert response.status_code == 403
        assert response.json()["code"] == "pickup.not_authorized"

    async def test_an_unknown_person_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        response = await hand_over(client, gate.duty, gate.child, pickup_person_id=random_id())
        assert response.status_code == 403


class TestOncePerDay:
    async def test_a_second_handover_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate)
        first = await hand_over(client, gate.duty, gate.child, pickup_person_id=person)
        assert first.status_code == 201
        code = await pass_code(client, gate.father, gate.child)
        second = await hand_over(client, gate.admin, gate.child, pass_code=code)
        assert second.status_code == 409
        assert second.json()["code"] == "pickup.already_done"
        # the father's pass for an already collected child shows it as such
        checked = await client.post("/pickups/verify", json={"code": code}, headers=auth(gate.duty))
        assert checked.status_code == 404  # nothing left on it to hand over

    async def test_a_retry_with_the_same_key_replays_the_first_answer(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate)
        key = {"Idempotency-Key": "gate-1-tap-42"}
        first = await hand_over(client, gate.duty, gate.child, key, pickup_person_id=person)
        again = await hand_over(client, gate.duty, gate.child, key, pickup_person_id=person)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert len(await inbox(session, gate.mother, "pickup.handed_over")) == 1
        other_body = await hand_over(
            client, gate.duty, gate.child, key, pickup_person_id=person, note="换了备注"
        )
        assert other_body.status_code == 422
        assert other_body.json()["code"] == "idempotency.key_reused"

    async def test_two_gates_at_once_give_exactly_one_handover(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        second_duty = await create_user(session, roles=[Role.DUTY], school=gate.school)
        await session.commit()
        person = await add_person(client, gate)
        code = await pass_code(client, gate.father, gate.child)

        for _ in range(3):  # several rounds: the race must never produce two
            await session.execute(Handover.__table__.delete())
            await session.commit()
            a, b = await asyncio.gather(
                hand_over(client, gate.duty, gate.child, pickup_person_id=person),
                hand_over(client, second_duty, gate.child, pass_code=code),
            )
            assert sorted([a.status_code, b.status_code]) == [201, 409]
            loser = a if a.status_code == 409 else b
            assert loser.json()["code"] == "pickup.already_done"
            count = await session.scalar(
                select(func.count())
                .select_from(Handover)
                .where(Handover.student_id == gate.child.id)
            )
            assert count == 1
        # one audit event per handover that happened: the refused gate wrote none
        events = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.object_type == "handover", AuditEvent.action == "pickup.picked_up")
        )
        assert events == 3


class TestRules:
    async def test_only_the_schools_today(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate)
        for day in (TODAY - timedelta(days=1), TODAY + timedelta(days=1)):
            response = await client.post(
                "/pickups",
                json={
                    "student_id": str(gate.child.id),
                    "date": day.isoformat(),
                    "pickup_person_id": person,
                },
                headers=auth(gate.duty),
            )
            assert response.status_code == 422
            assert response.json()["code"] == "pickup.date_not_today"
            assert response.json()["errors"][0]["field"] == "date"

    async def test_exactly_one_source_of_authority(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        base = {"student_id": str(gate.child.id), "date": TODAY.isoformat()}
        for body in (
            base,
            {**base, "pass_code": "ABCDEFGH", "pickup_person_id": random_id()},
            {**base, "pickup_person_id": random_id(), "extra": 1},
            {**base, "pass_code": "X" * 65},
            {**base, "date": "13/03/2030", "pass_code": "ABCDEFGH"},
        ):
            response = await client.post("/pickups", json=body, headers=auth(gate.duty))
            assert response.status_code == 422, body

    async def test_walls(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate)
        for caller in (gate.teacher, gate.mother):
            response = await hand_over(client, caller, gate.child, pickup_person_id=person)
            assert response.status_code == 403
        other = await create_school(session)
        other_duty = await create_user(session, roles=[Role.DUTY], school=other)
        await session.commit()
        response = await hand_over(client, other_duty, gate.child, pickup_person_id=person)
        assert response.status_code == 404
        assert response.json()["code"] == "student.not_found"


class TestGateList:
    async def test_waiting_and_done_for_the_day(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        late_one = await add_child(session, gate, slots=[gate.evening])
        # not in care today: a Monday-only child, a withdrawn one, one starting next week,
        # one whose enrollment is still pending, one never enrolled
        await add_child(session, gate, weekdays=[1])
        await add_child(session, gate, end_date=TODAY)
        await add_child(session, gate, start_date=TODAY + timedelta(days=7))
        await add_child(session, gate, status=EnrollmentStatus.PENDING_SCHOOL_REVIEW)
        await add_child(session, gate, slots=[])
        await session.commit()
        person = await add_person(client, gate)
        assert (
            await hand_over(client, gate.duty, gate.child, pickup_person_id=person)
        ).status_code == 201

        everyone = await client.get("/pickups", headers=auth(gate.duty))
        assert everyone.status_code == 200
        by_id = {i["student_id"]: i for i in everyone.json()["items"]}
        assert set(by_id) == {str(gate.child.id), str(late_one.id)}
        assert by_id[str(gate.child.id)]["status"] == "picked_up"
        assert by_id[str(gate.child.id)]["handover"]["adult_name"] == "外婆"
        assert by_id[str(late_one.id)]["status"] == "waiting"
        assert by_id[str(late_one.id)]["slot_end_at"] == "2030-03-13T18:00:00+08:00"

        waiting = await client.get("/pickups?status=waiting", headers=auth(gate.admin))
        assert [i["student_id"] for i in waiting.json()["items"]] == [str(late_one.id)]
        done = await client.get(
            f"/pickups?status=done&date={TODAY.isoformat()}", headers=auth(gate.duty)
        )
        assert [i["student_id"] for i in done.json()["items"]] == [str(gate.child.id)]

    async def test_closures_and_days_outside_the_term_have_nobody(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        closed_term = await create_term(
            session, gate.school, start_date=TERM_START, end_date=TERM_END, closures=[TODAY]
        )
        klass = await create_class(session, gate.school)
        kid = await create_student(session, klass)
        await create_enrollment(session, kid, closed_term, [gate.activity])
        await session.commit()
        response = await client.get("/pickups?date=2030-03-16", headers=auth(gate.duty))  # Saturday
        assert response.json()["items"] == []
        response = await client.get("/pickups?date=2030-08-01", headers=auth(gate.duty))
        assert response.json()["items"] == []
        today = await client.get("/pickups", headers=auth(gate.duty))
        assert str(kid.id) not in {i["student_id"] for i in today.json()["items"]}

    async def test_pages_through_a_big_school(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        for _ in range(7):
            await add_child(session, gate)
        await session.commit()
        seen: list[str] = []
        cursor = None
        while True:
            url = "/pickups?status=waiting&limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = (await client.get(url, headers=auth(gate.duty))).json()
            seen += [i["student_id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 8
        forged = await client.get("/pickups?cursor=forged.abc", headers=auth(gate.duty))
        assert forged.status_code == 422
        too_big = await client.get("/pickups?limit=201", headers=auth(gate.duty))
        assert too_big.status_code == 422

    async def test_walls(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        gate = await build_gate(session)
        for caller in (gate.teacher, gate.mother):
            assert (await client.get("/pickups", headers=auth(caller))).status_code == 403
        other = await create_school(session)
        other_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other)
        await session.commit()
        response = await client.get("/pickups", headers=auth(other_admin))
        assert response.status_code == 200
        assert response.json()["items"] == []
        bad = await client.get("/pickups?status=gone", headers=auth(gate.duty))
        assert bad.status_code == 422


class TestReadHandover:
    async def test_guardians_and_school_staff_read_others_get_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        person = await add_person(client, gate)
        handover = (await hand_over(client, gate.duty, gate.child, pickup_person_id=person)).json()
        for reader in (gate.mother, gate.father, gate.teacher, gate.admin):
            response = await client.get(f"/pickups/{handover['id']}", headers=auth(reader))
            assert response.status_code == 200
            assert response.json() == handover
        classmate = await add_child(session, gate)
        stranger = await create_parent(session, classmate)
        other = await create_school(session)
        other_admin = await create_user(session, roles=[Role.SCHOOL_ADMIN], school=other)
        await session.commit()
        for reader in (stranger, other_admin):
            response = await client.get(f"/pickups/{handover['id']}", headers=auth(reader))
            assert response.status_code == 404
            assert "外婆" not in response.text


async def test_a_handover_is_audited(client: httpx.AsyncClient, session: AsyncSession) -> None:
    gate = await build_gate(session)
    person = await add_person(client, gate)
    handover = (await hand_over(client, gate.duty, gate.child, pickup_person_id=person)).json()
    event = await session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "pickup.picked_up", AuditEvent.object_id == handover["id"]
        )
    )
    assert event is not None
    assert event.actor_id == gate.duty.id
    assert event.school_id == gate.school.id
    assert event.object_type == "handover"
    assert event.data["pickup_person_id"] == person
    assert event.data["student_id"] == str(gate.child.id)
    assert event.data["date"] == TODAY.isoformat()
    assert event.data["adult_name"] == handover["adult_name"]
    assert event.request_id  # where it came from, as every event records


async def test_a_child_not_expected_today_can_still_be_recorded(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A child the roster does not expect is still handed over on record, never refused."""
    gate = await build_gate(session)
    kid = await add_child(session, gate, weekdays=[1])
    await session.commit()
    await client.post(
        f"/students/{kid.id}/pickup-persons",
        json=GRANDMA,
        headers=auth(await _guardian(session, kid)),
    )
    person = (
        await client.get(f"/students/{kid.id}/pickup-persons", headers=auth(gate.duty))
    ).json()["items"][0]["id"]
    response = await hand_over(client, gate.duty, kid, pickup_person_id=person)
    assert response.status_code == 201


async def _guardian(session: AsyncSession, student):
    parent = await create_parent(session, student)
    await session.commit()
    return parent
