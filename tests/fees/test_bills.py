"""Bills: made when an enrollment becomes active and each month; waivers; who sees them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import Role
from app.core import clock, database
from app.fees import service as fees
from app.fees.models import Bill
from tests.enrollment.factories import World, decide, enrol
from tests.factories import auth, create_other_school, create_user
from tests.fees.conftest import ACTIVITY_FEE, EVENING_FEE, charge

FEES = ACTIVITY_FEE + EVENING_FEE  # 33 333 fen a month for both slots
OCTOBER_FIRST = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 October, Shanghai


async def bills(client: httpx.AsyncClient, user: Any, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/bills{query}", headers=auth(user))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def inbox(client: httpx.AsyncClient, user: Any) -> list[dict[str, Any]]:
    response = await client.get("/notifications", headers=auth(user))
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestBillOnActivation:
    async def test_an_active_enrollment_is_billed_for_its_first_month(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        enrollment = await enrol(client, world)
        [bill] = await bills(client, world.family.parent)
        assert bill["enrollment_id"] == enrollment["id"]
        assert bill["student_id"] == str(world.family.student.id)
        assert bill["period"] == "2026-09"
        assert (bill["amount_fen"], bill["waived_fen"], bill["paid_fen"]) == (FEES, 0, 0)
        assert bill["refunded_fen"] == 0
        assert bill["status"] == "open"
        assert bill["service_days"] == 22  # Tue 1 to Wed 30 September, Monday to Friday
        assert bill["due_date"] == "2026-09-15"
        [notice] = [n for n in await inbox(client, world.family.parent) if n["kind"] == "fee.due"]
        assert "333.33" in notice["body"] and notice["data"]["bill_id"] == bill["id"]

    async def test_a_start_mid_month_is_charged_pro_rata_rounded_half_up(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await enrol(client, world, start_date="2026-09-16")
        [bill] = await bills(client, world.family.parent)
        # 11 of September's 22 service days: 33 333 × 11 / 22 = 16 666.5 → 16 667
        assert (bill["service_days"], bill["amount_fen"]) == (11, 16_667)
        assert bill["period_start"] == "2026-09-16"

    async def test_the_largest_waiver_of_the_childs_flags_rounded_half_up(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await charge(world, waivers={"low_income": 0.5, "migrant": 0.25})
        family = await world.add_family(priority=["migrant", "low_income"])
        await enrol(client, world, family)
        [bill] = await bills(client, family.parent)
        assert bill["amount_fen"] == FEES
        assert bill["waived_fen"] == 16_667  # 33 333 × 0.5 = 16 666.5 → 16 667
        assert bill["status"] == "open"

    async def test_a_bill_the_waiver_covers_is_waived_and_no_payment_is_asked(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await charge(world, waivers={"special_needs": 1})
        family = await world.add_family(priority=["special_needs"])
        await enrol(client, world, family)
        [bill] = await bills(client, family.parent)
        assert (bill["waived_fen"], bill["status"]) == (FEES, "waived")
        assert not [n for n in await inbox(client, family.parent) if n["kind"] == "fee.due"]

    async def test_per_term_one_bill_for_the_term(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await charge(world, mode="per_term", activity=60_000, evening=90_000)
        await enrol(client, world)
        [bill] = await bills(client, world.family.parent)
        assert bill["period"] == "2026-09-01/2027-01-15"
        assert bill["amount_fen"] == 150_000

    async def test_a_free_school_makes_no_bill(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await charge(world, mode="free")
        await enrol(client, world)
        assert await bills(client, world.family.parent) == []
        assert await bills(client, world.admin) == []

    async def test_a_reviewed_enrollment_is_billed_when_approved(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await world.set_policy(enrollment_review="class")
        enrollment = await enrol(client, world)
        assert await bills(client, world.family.parent) == []
        response = await decide(client, world.teacher, enrollment["id"])
        assert response.status_code == 200, response.text
        [bill] = await bills(client, world.family.parent)
        assert bill["enrollment_id"] == enrollment["id"]


class TestMonthlyJob:
    async def test_each_month_is_billed_once(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await enrol(client, world)
        clock.freeze(OCTOBER_FIRST)
        assert await fees.make_monthly_bills(session, clock.now()) == 1
        await session.commit()
        assert await fees.make_monthly_bills(session, clock.now()) == 0
        await session.commit()
        periods = sorted(b["period"] for b in await bills(client, world.family.parent))
        assert periods == ["2026-09", "2026-10"]

    async def test_two_workers_at_once_make_one_bill(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await enrol(client, world)
        clock.freeze(OCTOBER_FIRST)

        async def run() -> int:
            async with database.sessionmaker()() as own, own.begin():
                return await fees.make_monthly_bills(own, clock.now())

        made = await asyncio.gather(run(), run())
        assert sorted(made) == [0, 1]
        count = select(func.count()).select_from(Bill).where(Bill.period == "2026-10")
        assert await session.scalar(count) == 1

    async def test_a_withdrawn_child_is_not_billed_after_leaving(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        enrollment = await enrol(client, world)
        clock.freeze(datetime(2026, 9, 10, 2, 0, tzinfo=UTC))
        response = await client.post(
            f"/enrollments/{enrollment['id']}/withdraw",
            json={"reason": "转学", "effective_date": "2026-09-21"},
            headers=auth(world.family.parent),
        )
        assert response.status_code == 200, response.text
        clock.freeze(OCTOBER_FIRST)
        assert await fees.make_monthly_bills(session, clock.now()) == 0


class TestReading:
    async def test_each_family_sees_its_own_and_the_admin_the_schools(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        other = await world.add_family()
        await enrol(client, world)
        await enrol(client, world, other)
        [mine] = await bills(client, world.family.parent)
        [theirs] = await bills(client, other.parent)
        assert mine["id"] != theirs["id"]
        assert {b["id"] for b in await bills(client, world.admin)} == {mine["id"], theirs["id"]}
        response = await client.get(f"/bills/{theirs['id']}", headers=auth(world.family.parent))
        assert response.status_code == 404
        assert response.json()["code"] == "bill.not_found"
        assert "amount_fen" not in response.text
        own = await client.get(f"/bills/{mine['id']}", headers=auth(world.family.parent))
        assert own.json() == mine

    async def test_another_schools_admin_sees_nothing(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await enrol(client, world)
        [bill] = await bills(client, world.admin)
        _, stranger = await create_other_school(session)
        await session.commit()
        assert await bills(client, stranger) == []
        response = await client.get(f"/bills/{bill['id']}", headers=auth(stranger))
        assert response.status_code == 404

    async def test_filters_by_term_and_status(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await enrol(client, world)
        assert len(await bills(client, world.admin, f"?term_id={world.term.id}")) == 1
        assert len(await bills(client, world.admin, "?status=open")) == 1
        assert await bills(client, world.admin, "?status=paid") == []

    async def test_staff_who_are_not_admins_are_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        for user in (world.teacher, world.duty):
            response = await client.get("/bills", headers=auth(user))
            assert response.status_code == 403

    async def test_bad_filters_are_422(self, client: httpx.AsyncClient, world: World) -> None:
        for query in ("?status=owing", "?term_id=nope", "?limit=201"):
            response = await client.get(f"/bills{query}", headers=auth(world.admin))
            assert response.status_code == 422, query
            assert response.headers["content-type"].startswith("application/problem+json")

    async def test_no_token_is_401(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get("/bills")).status_code == 401


class TestFeeSettings:
    async def test_the_fee_policy_merges(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        headers = auth(world.admin)
        first = await client.patch(
            "/school", json={"policy": {"fees": {"waivers": {"low_income": 0.5}}}}, headers=headers
        )
        assert first.status_code == 200, first.text
        assert first.json()["policy"]["fees"] == {
            "mode": "per_month",
            "waivers": {"low_income": 0.5},
        }
        second = await client.patch(
            "/school",
            json={"policy": {"fees": {"mode": "per_term", "waivers": {"migrant": 0.3}}}},
            headers=headers,
        )
        assert second.json()["policy"]["fees"] == {
            "mode": "per_term",
            "waivers": {"low_income": 0.5, "migrant": 0.3},
        }
        assert second.json()["policy"]["max_group_size"] == 45

    async def test_bad_fee_policies_are_422(self, client: httpx.AsyncClient, world: World) -> None:
        for fees_patch in (
            {"mode": "per_week"},
            {"waivers": {"low_income": 1.5}},
            {"waivers": {"low_income": -0.1}},
            {"waivers": {"rich": 0.5}},
            {"waivers": {"low_income": 0.12345}},
            {"waivers": {"low_income": "half"}},
            {"unknown": 1},
        ):
            response = await client.patch(
                "/school", json={"policy": {"fees": fees_patch}}, headers=auth(world.admin)
            )
            assert response.status_code == 422, fees_patch

    async def test_a_slot_carries_its_fee(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        headers = auth(world.admin)
        created = await client.post(
            "/slots",
            json={
                "term_id": str(world.term.id),
                "name": "早托",
                "start_time": "07:00",
                "end_time": "07:50",
                "fee_fen": 5_000,
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["fee_fen"] == 5_000
        changed = await client.patch(
            f"/slots/{created.json()['id']}", json={"fee_fen": 6_000}, headers=headers
        )
        assert changed.json()["fee_fen"] == 6_000
        for bad in (-1, 1.5, "100", None):
            response = await client.patch(
                f"/slots/{created.json()['id']}", json={"fee_fen": bad}, headers=headers
            )
            assert response.status_code == 422, bad

    async def test_only_admins_set_fees(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        teacher = await create_user(session, roles=[Role.TEACHER], school=world.school)
        await session.commit()
        response = await client.patch(
            "/school", json={"policy": {"fees": {"mode": "free"}}}, headers=auth(teacher)
        )
        assert response.status_code == 403
