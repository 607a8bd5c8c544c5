"""弹性离校: leaving without an adult needs a guardian's consent and the school's grade policy."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock
from app.notifications.models import Notification
from app.school.models import Guardian
from tests.factories import auth, create_parent, create_school, create_user
from tests.pickup.factories import TODAY, Gate, add_child, build_gate


def consent_url(gate: Gate) -> str:
    return f"/students/{gate.child.id}/release-consent"


async def allow_grades(client: httpx.AsyncClient, gate: Gate, grades: list[int]) -> None:
    response = await client.patch(
        "/pickup-settings", json={"self_release_grades": grades}, headers=auth(gate.admin)
    )
    assert response.status_code == 200, response.text


async def release(client: httpx.AsyncClient, staff, student, **extra) -> httpx.Response:
    return await client.post(
        "/pickups/release",
        json={"student_id": str(student.id), "date": TODAY.isoformat(), **extra},
        headers=auth(staff),
    )


class TestConsent:
    async def test_a_guardian_gives_reads_and_withdraws_consent(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        assert (await client.get(consent_url(gate), headers=auth(gate.mother))).status_code == 404
        given = await client.post(
            consent_url(gate), json={"note": "家住学校对面"}, headers=auth(gate.mother)
        )
        assert given.status_code == 201, given.text
        assert given.json()["given_by"] == str(gate.mother.id)
        for reader in (gate.father, gate.duty, gate.teacher):
            response = await client.get(consent_url(gate), headers=auth(reader))
            assert response.status_code == 200
            assert response.json()["note"] == "家住学校对面"
        # a second guardian's consent replaces the first; an empty body is fine
        again = await client.post(consent_url(gate), headers=auth(gate.father))
        assert again.status_code == 201
        assert again.json()["given_by"] == str(gate.father.id)
        assert again.json()["note"] is None

        withdrawn = await client.delete(consent_url(gate), headers=auth(gate.mother))
        assert withdrawn.status_code == 204
        assert (await client.get(consent_url(gate), headers=auth(gate.duty))).status_code == 404

    async def test_only_guardians_consent(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        classmate = await add_child(session, gate)
        stranger = await create_parent(session, classmate)
        await session.commit()
        for staff in (gate.duty, gate.admin):
            response = await client.post(consent_url(gate), headers=auth(staff))
            assert response.status_code == 403
        for method in ("post", "get", "delete"):
            response = await getattr(client, method)(consent_url(gate), headers=auth(stranger))
            assert response.status_code == 404


class TestRelease:
    async def test_with_consent_and_an_allowed_grade_everyone_is_told(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await allow_grades(client, gate, [3, 4, 5, 6])
        await client.post(consent_url(gate), headers=auth(gate.mother))

        response = await release(client, gate.duty, gate.child, note="自行回家")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["kind"] == "released"
        assert body["adult_name"] is None
        assert body["confirmed_by"] == str(gate.duty.id)

        for parent in (gate.mother, gate.father):
            (note,) = await session.scalars(
                select(Notification).where(
                    Notification.user_id == parent.id, Notification.kind == "pickup.released"
                )
            )
            assert note.data["handover_id"] == body["id"]
            assert "自行离校" in note.body

        listed = await client.get("/pickups?status=done", headers=auth(gate.duty))
        assert listed.json()["items"][0]["status"] == "released"
        # released is the day's one handover: nobody can then pick the child up as well
        again = await release(client, gate.admin, gate.child)
        assert again.status_code == 409
        assert again.json()["code"] == "pickup.already_done"

    async def test_without_consent_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await allow_grades(client, gate, [3])
        response = await release(client, gate.duty, gate.child)
        assert response.status_code == 409
        assert response.json()["code"] == "pickup.release_not_consented"

    async def test_a_grade_the_school_does_not_allow_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await client.post(consent_url(gate), headers=auth(gate.mother))
        response = await release(client, gate.duty, gate.child)  # default: no grade
        assert response.status_code == 409
        assert response.json()["code"] == "pickup.release_grade_not_allowed"
        await allow_grades(client, gate, [5, 6])
        response = await release(client, gate.duty, gate.child)
        assert response.status_code == 409

    async def test_consent_of_an_unlinked_guardian_lapses(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        await allow_grades(client, gate, [3])
        await client.post(consent_url(gate), headers=auth(gate.father))
        await session.delete(await session.get(Guardian, (gate.father.id, gate.child.id)))
        await session.commit()
        response = await release(client, gate.duty, gate.child)
        assert response.status_code == 409
        assert response.json()["code"] == "pickup.release_not_consented"

    async def test_walls(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        gate = await build_gate(session)
        for caller in (gate.teacher, gate.mother):
            assert (await release(client, caller, gate.child)).status_code == 403
        other = await create_school(session)
        other_duty = await create_user(session, roles=[Role.DUTY], school=other)
        await session.commit()
        assert (await release(client, other_duty, gate.child)).status_code == 404


class TestSettings:
    async def test_staff_read_admins_change(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        default = await client.get("/pickup-settings", headers=auth(gate.teacher))
        assert default.json() == {"self_release_grades": [], "pass_ttl_minutes": 10}
        changed = await client.patch(
            "/pickup-settings",
            json={"self_release_grades": [6, 5, 5], "pass_ttl_minutes": 5},
            headers=auth(gate.admin),
        )
        assert changed.json() == {"self_release_grades": [5, 6], "pass_ttl_minutes": 5}
        kept = await client.patch(
            "/pickup-settings", json={"pass_ttl_minutes": None}, headers=auth(gate.admin)
        )
        assert kept.json() == {"self_release_grades": [5, 6], "pass_ttl_minutes": 10}

        issued = await client.patch(
            "/pickup-settings", json={"pass_ttl_minutes": 3}, headers=auth(gate.admin)
        )
        assert issued.status_code == 200
        body = (
            await client.post(
                "/pickup-passes",
                json={"student_ids": [str(gate.child.id)]},
                headers=auth(gate.mother),
            )
        ).json()
        assert body["expires_at"].startswith((clock.now() + timedelta(minutes=3)).isoformat()[:16])

    async def test_bad_values_and_walls(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        gate = await build_gate(session)
        for body in (
            {"self_release_grades": [0]},
            {"self_release_grades": [10]},
            {"pass_ttl_minutes": 1},
            {"pass_ttl_minutes": 31},
            {"grades": [3]},
        ):
            response = await client.patch("/pickup-settings", json=body, headers=auth(gate.admin))
            assert response.status_code == 422, body
        for caller in (gate.duty, gate.teacher, gate.mother):
            response = await client.patch(
                "/pickup-settings", json={"self_release_grades": [3]}, headers=auth(caller)
            )
            assert response.status_code == 403
        assert (await client.get("/pickup-settings", headers=auth(gate.mother))).status_code == 403
