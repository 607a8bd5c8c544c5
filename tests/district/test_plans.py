"""School plans (方案备案): draft, submit, approve or return; the enrollment gate they keep."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core.audit import AuditEvent
from app.district.models import District, SchoolPlan
from app.notifications.models import Notification
from app.school.models import School
from tests.district.factories import DistrictWorld
from tests.factories import auth, create_parent, create_user, random_id

PLAN = "一、服务时间：周一至周五 15:30—18:00。二、服务内容：作业辅导、社团活动。"


async def _save(
    client: httpx.AsyncClient, world: DistrictWorld, text: str = PLAN
) -> httpx.Response:
    return await client.put(
        f"/school/plans/{world.term.id}", headers=auth(world.school_admin), json={"text": text}
    )


async def _submit(client: httpx.AsyncClient, world: DistrictWorld) -> httpx.Response:
    return await client.post(
        f"/school/plans/{world.term.id}/submit", headers=auth(world.school_admin)
    )


async def _decide(
    client: httpx.AsyncClient, world: DistrictWorld, plan_id: str, decision: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/district/plans/{plan_id}/decision",
        headers=auth(world.district_admin),
        json={"decision": decision, **extra},
    )


async def test_the_whole_round_draft_submit_return_resubmit_approve(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    r = await _save(client, world)
    assert r.status_code == 200
    plan = r.json()
    assert plan["status"] == "draft"
    assert plan["text"] == PLAN
    assert plan["term_id"] == str(world.term.id)
    assert plan["school_name"] == "城关小学"
    assert plan["term_name"] == world.term.name

    # a draft is the school's own: the district does not see it yet
    listed = await client.get("/district/plans", headers=auth(world.district_admin))
    assert listed.json()["items"] == []

    r = await _submit(client, world)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert r.json()["submitted_at"] is not None
    # submitted: no longer editable
    r = await _save(client, world, "改过的方案")
    assert r.status_code == 409 and r.json()["code"] == "plan.not_editable"

    listed = await client.get(
        "/district/plans", headers=auth(world.district_admin), params={"status": "submitted"}
    )
    assert [p["id"] for p in listed.json()["items"]] == [plan["id"]]

    r = await _decide(client, world, plan["id"], "return", comment="请补充安全预案。")
    assert r.status_code == 200
    assert r.json()["status"] == "returned" and r.json()["comment"] == "请补充安全预案。"
    notice = await session.scalar(
        select(Notification).where(Notification.user_id == world.school_admin.id)
    )
    assert notice is not None and notice.kind == "plan.decided"
    assert "被退回修改" in notice.title and "请补充安全预案。" in notice.body
    assert notice.data["status"] == "returned"

    # returned: editable again, as a draft
    r = await _save(client, world, PLAN + "三、安全预案。")
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert (await _submit(client, world)).json()["status"] == "submitted"
    r = await _decide(client, world, plan["id"], "approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert r.json()["decided_at"] is not None

    # approved: final
    assert (await _save(client, world)).status_code == 409
    r = await _submit(client, world)
    assert r.status_code == 409 and r.json()["code"] == "plan.not_submittable"
    r = await _decide(client, world, plan["id"], "return")
    assert r.status_code == 409 and r.json()["code"] == "plan.not_submitted"

    got = await client.get(f"/school/plans/{world.term.id}", headers=auth(world.school_admin))
    assert got.json()["status"] == "approved"
    assert got.json()["text"].endswith("三、安全预案。")
    actions = await session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == uuid.UUID(plan["id"]))
        .order_by(AuditEvent.created_at)
    )
    assert "plan.decided" in list(actions)


async def test_submit_needs_a_draft(client: httpx.AsyncClient, world: DistrictWorld) -> None:
    r = await _submit(client, world)
    assert r.status_code == 404 and r.json()["code"] == "plan.not_found"
    r = await client.get(f"/school/plans/{world.term.id}", headers=auth(world.school_admin))
    assert r.status_code == 404


async def test_a_school_in_no_district_cannot_file(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    school = await session.get_one(School, world.school.id)
    school.district_id = None
    await session.commit()
    assert (await _save(client, world)).status_code == 200
    r = await _submit(client, world)
    assert r.status_code == 409 and r.json()["code"] == "plan.no_district"


async def test_two_first_saves_at_once_make_one_plan(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    answers = await asyncio.gather(*(_save(client, world, f"方案{i}") for i in range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    count = await session.scalar(
        select(func.count()).select_from(SchoolPlan).where(SchoolPlan.term_id == world.term.id)
    )
    assert count == 1


async def test_two_decisions_at_once_one_wins(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    plan = (await _save(client, world)).json()
    await _submit(client, world)
    answers = await asyncio.gather(
        _decide(client, world, plan["id"], "approve"), _decide(client, world, plan["id"], "return")
    )
    assert sorted(a.status_code for a in answers) == [200, 409]


async def test_another_schools_term_and_another_districts_plan_are_404(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    other_admin = auth(world.other_school_admin)
    for method, path in (
        ("PUT", f"/school/plans/{world.term.id}"),
        ("GET", f"/school/plans/{world.term.id}"),
        ("POST", f"/school/plans/{world.term.id}/submit"),
        ("PUT", f"/school/plans/{random_id()}"),
    ):
        r = await client.request(method, path, headers=other_admin, json={"text": PLAN})
        assert r.status_code == 404, (method, path)
        assert PLAN not in r.text
    plan = (await _save(client, world)).json()
    await _submit(client, world)
    r = await client.post(
        f"/district/plans/{plan['id']}/decision",
        headers=auth(world.other_district_admin),
        json={"decision": "approve"},
    )
    assert r.status_code == 404 and r.json()["code"] == "plan.not_found"
    listed = await client.get(
        "/district/plans",
        headers=auth(world.other_district_admin),
    )
    assert listed.json()["items"] == []
    r = await _decide(client, world, random_id(), "approve")
    assert r.status_code == 404


async def test_roles_that_may_not(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    duty = await create_user(session, roles=[Role.DUTY], school=world.school)
    await session.commit()
    for user in (world.teacher, duty, world.parent):
        r = await client.put(
            f"/school/plans/{world.term.id}", headers=auth(user), json={"text": PLAN}
        )
        assert r.status_code == 403
    plan = (await _save(client, world)).json()
    await _submit(client, world)
    for user in (world.school_admin, world.teacher, world.parent):
        r = await client.post(
            f"/district/plans/{plan['id']}/decision",
            headers=auth(user),
            json={"decision": "approve"},
        )
        assert r.status_code == 403
    # a district admin files no plan for a school (404: school records are not theirs)
    r = await client.put(
        f"/school/plans/{world.term.id}", headers=auth(world.district_admin), json={"text": PLAN}
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": "x" * 20001}, {"text": PLAN, "status": "approved"}]
)
async def test_save_refuses_bad_input(
    client: httpx.AsyncClient, world: DistrictWorld, body: dict[str, Any]
) -> None:
    r = await client.put(
        f"/school/plans/{world.term.id}", headers=auth(world.school_admin), json=body
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body", [{}, {"decision": "maybe"}, {"decision": "approve", "comment": "x" * 501}]
)
async def test_decision_refuses_bad_input(
    client: httpx.AsyncClient, world: DistrictWorld, body: dict[str, Any]
) -> None:
    plan = (await _save(client, world)).json()
    await _submit(client, world)
    r = await client.post(
        f"/district/plans/{plan['id']}/decision", headers=auth(world.district_admin), json=body
    )
    assert r.status_code == 422


async def test_plans_list_refuses_an_unknown_status(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    r = await client.get(
        "/district/plans", headers=auth(world.district_admin), params={"status": "lost"}
    )
    assert r.status_code == 422


# ---- the enrollment gate ----


async def _apply(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> httpx.Response:
    child = world.students[3]  # not enrolled yet
    parent = await create_parent(session, child)
    await session.commit()
    return await client.post(
        "/enrollments",
        headers=auth(parent),
        json={
            "student_id": str(child.id),
            "term_id": str(world.term.id),
            "weekdays": [1, 2, 3, 4, 5],
            "slot_ids": [str(world.slot.id)],
            "agreement_version": world.term.agreement_version,
        },
    )


async def _require_approval(session: AsyncSession, world: DistrictWorld) -> None:
    district = await session.get_one(District, world.district.id)
    district.require_plan_approval = True
    await session.commit()


async def test_enrollment_stays_closed_until_the_plan_is_approved(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    await _require_approval(session, world)
    r = await _apply(client, session, world)
    assert r.status_code == 409 and r.json()["code"] == "term.plan_not_approved"

    plan = (await _save(client, world)).json()
    await _submit(client, world)
    r = await _apply(client, session, world)
    assert r.status_code == 409  # submitted is not approved

    await _decide(client, world, plan["id"], "approve")
    r = await _apply(client, session, world)
    assert r.status_code == 201, r.text


async def test_enrollment_is_open_when_the_district_does_not_require_approval(
    client: httpx.AsyncClient, session: AsyncSession, world: DistrictWorld
) -> None:
    assert (await _apply(client, session, world)).status_code == 201


async def test_the_district_view_shows_the_current_terms_plan(
    client: httpx.AsyncClient, world: DistrictWorld
) -> None:
    await _save(client, world)
    await _submit(client, world)
    r = await client.get("/district/schools", headers=auth(world.district_admin))
    assert r.json()["items"][0]["plan_status"] == "submitted"
