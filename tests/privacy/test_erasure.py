"""DELETE /me: the account is erased; the school's records keep a stable pseudonym."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import RefreshFamily, User
from app.core.audit import AuditEvent
from app.core.idempotency import IdempotencyRecord
from app.notifications.models import Device, Notification
from app.pickup.models import Handover, PickupPass, PickupPerson
from app.privacy.service import pseudonym
from app.school.models import Guardian, Student
from app.surveys.models import SurveyResponse
from tests.auth.factories import bearer, login
from tests.factories import PASSWORD, auth
from tests.pickup.factories import TODAY, build_gate
from tests.privacy.factories import one_of_everything


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    return int(await session.scalar(stmt) or 0)


async def test_the_account_goes_and_the_school_keeps_a_pseudonym(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    family = await one_of_everything(session, gate)
    mother_id, child_id = gate.mother.id, gate.child.id
    answer_id, person_id = family.survey_response.id, family.pickup_person.id
    handover_id = family.handover.id

    response = await client.delete("/me", headers=auth(gate.mother))

    assert response.status_code == 204, response.text
    session.expire_all()
    stand_in = pseudonym(mother_id)
    assert stand_in.startswith("家长-") and stand_in == pseudonym(mother_id)
    assert await session.get(User, mother_id) is None
    for model, where in [
        (RefreshFamily, RefreshFamily.user_id == mother_id),
        (Device, Device.user_id == mother_id),
        (Notification, Notification.user_id == mother_id),
        (PickupPass, PickupPass.issued_by == mother_id),
        (PickupPerson, PickupPerson.created_by == mother_id),
        (SurveyResponse, SurveyResponse.id == answer_id),
        (Guardian, Guardian.user_id == mother_id),
    ]:
        assert await _count(session, model, where) == 0, model
    assert await session.get(PickupPerson, person_id) is None
    # the handover stays, under the pseudonym
    handover = await session.get(Handover, handover_id)
    assert handover is not None
    assert (handover.adult_name, handover.adult_phone) == (stand_in, None)
    # audit events by or about her keep their facts, not her name
    renamed = await session.scalar(select(AuditEvent).where(AuditEvent.action == "user.renamed"))
    assert renamed is not None and renamed.data == {"from": "旧名字", "to": stand_in}
    collected = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "pickup.picked_up")
    )
    assert collected is not None and collected.data["adult_name"] == stand_in
    assert collected.data["student_id"] == str(child_id)
    erased = await session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
    assert erased is not None and erased.data["pseudonym"] == stand_in
    assert "张妈妈" not in str(erased.data) and "13800001111" not in str(erased.data)
    # the child stays with the school, and the other guardian with the child
    assert await session.get(Student, child_id) is not None
    assert await _count(session, Guardian, Guardian.student_id == child_id) == 1


async def test_a_child_with_no_guardian_left_stays_with_the_school(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    child_id, admin_headers = gate.child.id, auth(gate.admin)
    for headers in (auth(gate.mother), auth(gate.father)):
        assert (await client.delete("/me", headers=headers)).status_code == 204

    session.expire_all()
    assert await session.get(Student, child_id) is not None
    assert await _count(session, Guardian, Guardian.student_id == child_id) == 0
    staff_view = await client.get(f"/students/{child_id}", headers=admin_headers)
    assert staff_view.status_code == 200


async def test_tokens_stop_at_once_and_a_second_delete_is_401(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    username = gate.mother.username
    pair = await login(client, gate.mother)
    headers = bearer(pair)
    assert (await client.get("/me", headers=headers)).status_code == 200

    assert (await client.delete("/me", headers=headers)).status_code == 204

    assert (await client.get("/me", headers=headers)).status_code == 401
    assert (await client.delete("/me", headers=headers)).status_code == 401
    refresh = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refresh.status_code == 401
    relogin = await client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert relogin.status_code == 401


async def test_staff_may_not_erase_themselves_here(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    admin_id = gate.admin.id
    for staff in (gate.admin, gate.teacher, gate.duty):
        response = await client.delete("/me", headers=auth(staff))
        assert response.status_code == 403
    session.expire_all()
    assert await session.get(User, admin_id) is not None
    assert (await client.delete("/me")).status_code == 401


async def test_the_other_guardians_records_are_untouched(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    await one_of_everything(session, gate)
    father_id = gate.father.id
    father_headers = auth(gate.father)

    assert (await client.delete("/me", headers=auth(gate.mother))).status_code == 204

    session.expire_all()
    father = await session.get(User, father_id)
    assert father is not None and father.name == "张爸爸"
    mine = await client.get("/me/data", headers=father_headers)
    assert mine.status_code == 200
    assert mine.json()["sections"]["children"]["children"][0]["name"] == "小明"


async def test_a_parent_who_is_also_staff_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    teacher_id = gate.teacher.id
    gate.teacher.roles = ["teacher", "parent"]
    await session.commit()

    response = await client.delete("/me", headers=auth(gate.teacher))

    assert response.status_code == 403
    assert response.json()["code"] == "privacy.staff_account"
    session.expire_all()
    assert await session.get(User, teacher_id) is not None


async def test_stored_idempotent_answers_go_with_the_account(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    mother_id, headers = gate.mother.id, auth(gate.mother)
    day = TODAY.isoformat()
    issued = await client.post(
        "/leave-requests",
        json={
            "student_id": str(gate.child.id),
            "start_date": day,
            "end_date": day,
            "kind": "sick",
            "reason": "发烧",
        },
        headers={**headers, "Idempotency-Key": "leave-1"},
    )
    assert issued.status_code == 201, issued.text
    stored = select(func.count()).where(IdempotencyRecord.caller_id == mother_id)
    assert await session.scalar(stored) == 1

    assert (await client.delete("/me", headers=headers)).status_code == 204

    assert await session.scalar(stored) == 0


async def test_two_erasures_at_once_erase_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    await one_of_everything(session, gate)
    headers = auth(gate.mother)

    answers = await asyncio.gather(*(client.delete("/me", headers=headers) for _ in range(2)))

    assert sorted(a.status_code for a in answers) == [204, 401]
    erased = select(func.count()).where(AuditEvent.action == "user.erased")
    assert await session.scalar(erased) == 1
